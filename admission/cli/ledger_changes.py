"""``admit ledger add | import | export | template | resolve | agenda``: changes to the ledger (each
one call of its write API: ``admission.ledger.records`` and ``applications``) and its workbook."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import click

from admission.app import Admit
from admission.cli.options import as_of_option, by_option, date_option, json_option, uses_admit
from admission.cli.shell import command, emit_json, notice, reports_errors, terminal_style
from admission.documents.files import check_outputs, write_files
from admission.errors import OutputError
from admission.intake.batch import invalid_lines
from admission.intake.sources import collect
from admission.ledger.applications import record_applications
from admission.ledger.book import SHEETS, export_book, import_book, template_bytes
from admission.ledger.records import record_resolution, set_agenda
from admission.text import safe
from admission.vocabulary import DEVIATION


@command("add")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@json_option("以 JSON 输出登记结果。")
@uses_admit(db=True)
@by_option
@as_of_option
@reports_errors
def ledger_add(admit: Admit, paths: tuple[Path, ...], as_json: bool, actor: str, as_of: date | None) -> None:
    """登记申请材料（文件、目录、Excel 汇总表）及其审查结论；内容未变的申请不产生新修订。

    退出码：0 全部已登记，2 有无效材料（其余照常登记）。

    \b
    示例：
      admit ledger add samples/ --by 张三
      admit ledger add intake.xlsx --db postgresql://admit@127.0.0.1/admit
    """
    admit.rulebook  # noqa: B018 - a broken rule book is reported before any file is read
    notices: list[str] = []
    items = list(collect(paths, notices))
    for text in notices:
        notice(text)
    ledger = admit.ledger(create=True)
    outcome = record_applications(ledger, items, admit.rulebook, as_of or date.today(), actor)
    if as_json:
        emit_json({"recorded": [r.to_json() for r in outcome.recorded], "unchanged": outcome.unchanged, "refused": outcome.refused})
    else:
        new = sum(1 for r in outcome.recorded if r.new_project)
        revised, unchanged, refused = len(outcome.recorded) - new, len(outcome.unchanged), len(outcome.refused)
        click.echo(f"台账 {ledger.where}：新项目 {new} 个，新修订 {revised} 份，内容未变 {unchanged} 份，无效 {refused} 份")
        for result in outcome.refused:
            heading, *problems = invalid_lines(result)
            click.echo(terminal_style(f"[无效] {heading}", "fail"))
            for line in problems:
                click.echo(f"  {line}")
    sys.exit(2 if outcome.refused else 0)


@command("import")
@click.argument("book", type=click.Path(path_type=Path, dir_okay=False))
@json_option("以 JSON 输出导入结果。")
@uses_admit(db=True)
@by_option
@reports_errors
def ledger_import(admit: Admit, book: Path, as_json: bool, actor: str) -> None:
    """导入台账工作簿（项目台账、会议审议、履约数据三个工作表，有哪个导入哪个）。

    每一行或登记，或被拒绝并指明工作表、行、列与案件编号；重复导入不产生任何变化。
    退出码：0 全部已导入，2 有被拒绝的行（其余照常导入）。

    \b
    示例：
      admit ledger import 台账.xlsx --by 李四
    """
    rulebook = admit.rulebook
    ledger = admit.ledger(create=True)
    outcome = import_book(ledger, book, rulebook, actor, date.today())
    if as_json:
        emit_json(
            {"changed": dict(outcome.changed), "unchanged": dict(outcome.unchanged), "refused": [r.to_json() for r in outcome.refused]}
        )
        sys.exit(2 if outcome.refused else 0)
    sheets = [s for s in SHEETS if s in outcome.changed or s in outcome.unchanged]
    parts = [f"{s} 变更 {outcome.changed[s]} 行、未变 {outcome.unchanged[s]} 行" for s in sheets]
    rows = "；".join(parts) or "没有数据行"
    click.echo(f"导入 {safe(str(book))} → 台账 {ledger.where}：{rows}；拒绝 {len(outcome.refused)} 行")
    if not sum(outcome.changed.values()) and not outcome.refused:
        click.echo("没有任何变化：工作簿内容与台账一致。")
    for refusal in outcome.refused:
        click.echo(terminal_style(f"[拒绝] {safe(refusal.where())}", "fail"))
        for header, message in refusal.problems:
            click.echo(f"    {header}：{safe(message)}")
    sys.exit(2 if outcome.refused else 0)


@command("export")
@click.argument("book", type=click.Path(path_type=Path, dir_okay=False))
@uses_admit(rules=False, db=True)
@reports_errors
def ledger_export(admit: Admit, book: Path) -> None:
    """把整个台账导出为台账工作簿（与导入格式相同，导出后再导入不产生变化）。

    \b
    示例：
      admit ledger export 台账.xlsx
    """
    check_outputs([book])
    write_files({book: export_book(admit.ledger())})
    click.echo(f"已导出台账：{book}")


@command("template")
@click.argument("book", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="目标文件已存在时覆盖它。")
@uses_admit()
@reports_errors
def ledger_template(admit: Admit, book: Path, force: bool) -> None:
    """写出一份空白的台账工作簿（三个工作表，列标题说明与防止输错的下拉列表）。

    \b
    示例：
      admit ledger template 台账.xlsx
    """
    check_outputs([book])
    if book.exists() and not force:
        raise OutputError(f"{book} 已存在，未覆盖；确需覆盖请加 --force")
    write_files({book: template_bytes(admit.rulebook)})
    click.echo(f"已写出台账工作簿模板：{book}")


meeting_no_option = click.option("--meeting-no", type=int, required=True, help="会议编号（正整数，同一年内不重复）。")
meeting_date_option = date_option("--meeting-date", "会议日期。", required=True)


@command("resolve")
@click.argument("case_id")
@click.argument("result")
@meeting_no_option
@meeting_date_option
@click.option("--conditions", default=None, help="附加条件（有条件通过时填写）。")
@uses_admit(rules=False, db=True)
@by_option
@reports_errors
def ledger_resolve(
    admit: Admit, case_id: str, result: str, meeting_no: int, meeting_date: date, conditions: str | None, actor: str
) -> None:
    """登记一项审议结果（通过、有条件通过、暂缓、不予通过）；与审查结论不一致时标为偏离。

    \b
    示例：
      admit ledger resolve JM-2026-0173 通过 --meeting-no 12 --meeting-date 2026-11-28
    """
    resolved = record_resolution(
        admit.ledger(create=True), meeting_no, meeting_date, case_id, result, conditions,
        actor=actor, source="admit ledger resolve", today=date.today(),
    )  # fmt: skip
    flag = f"（{DEVIATION}）" if resolved.deviation else ""
    meeting = f"{meeting_date.year} 年第 {meeting_no} 次会议"
    click.echo(f"已登记：{case_id} {meeting} {result}{flag}" if resolved.changed else "该审议结果已登记，没有变化。")


@command("agenda")
@click.argument("case_ids", nargs=-1)
@meeting_no_option
@meeting_date_option
@uses_admit(rules=False, db=True)
@by_option
@reports_errors
def ledger_agenda(admit: Admit, case_ids: tuple[str, ...], meeting_no: int, meeting_date: date, actor: str) -> None:
    """设定（或查看）一次会议的议程：按顺序列出提请审议的项目；之后 admit packet 可按议程生成会议材料。

    \b
    示例：
      admit ledger agenda JM-2026-0173 JM-2026-0175 --meeting-no 12 --meeting-date 2026-11-28
      admit packet --meeting-no 12 --meeting-date 2026-11-28 -o 会议材料.pdf
    """
    items = set_agenda(
        admit.ledger(create=True), meeting_no, meeting_date, list(case_ids), actor=actor, source="admit ledger agenda", today=date.today()
    )
    click.echo(f"{meeting_date.year} 年第 {meeting_no} 次会议（{meeting_date.isoformat()}）议程：{len(items)} 个项目")
    for index, (case_id, content, revision) in enumerate(items, 1):
        name = json.loads(content)["name"]
        click.echo(f"  {index}. {safe(case_id)}  {safe(name)}（第 {revision} 版）")
