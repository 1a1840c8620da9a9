"""``admit ledger add | import | export | template | resolve | agenda``: changes to the ledger (each
one call of its write API: ``admission.ledger.records`` and ``applications``) and its workbook."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import click

from admission.app import Admit
from admission.cli.options import as_of_option, as_of_option_saying, by_option, date_option, json_option, uses_admit
from admission.cli.shell import command, emit_json, notice, reports_errors, terminal_style, write_blank
from admission.documents.files import check_outputs, write_files
from admission.errors import UsageError
from admission.intake.batch import invalid_lines
from admission.intake.sources import collect
from admission.ledger.applications import record_applications
from admission.ledger.book import SHEETS, export_book, import_book, template_bytes
from admission.ledger.records import (
    WITHDRAW,
    correct_field,
    correct_resolution,
    correctable_field,
    extend,
    record_resolution,
    set_agenda,
    terminate,
    transfer,
)
from admission.ledger.supervision import add_note
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
@click.option("--dry-run", is_flag=True, help="只检查：列出将登记与将拒绝的行，不写入台账。")
@uses_admit(db=True)
@by_option
@reports_errors
def ledger_import(admit: Admit, book: Path, as_json: bool, dry_run: bool, actor: str) -> None:
    """导入台账工作簿（项目台账、会议审议、履约数据三个工作表，有哪个导入哪个）。

    每一行或登记，或被拒绝并指明工作表、行、列与案件编号；重复导入不产生任何变化。
    退出码：0 全部已导入，2 有被拒绝的行（其余照常导入）。

    \b
    示例：
      admit ledger import 台账.xlsx --by 李四
    """
    rulebook = admit.rulebook
    ledger = admit.ledger(create=True)
    outcome = import_book(ledger, book, rulebook, actor, date.today(), dry_run=dry_run)
    if as_json:
        emit_json(
            {
                "changed": dict(outcome.changed),
                "unchanged": dict(outcome.unchanged),
                "refused": [r.to_json() for r in outcome.refused],
                **({"dry_run": True} if dry_run else {}),
            }
        )
        sys.exit(2 if outcome.refused else 0)
    sheets = [s for s in SHEETS if s in outcome.changed or s in outcome.unchanged]
    parts = [f"{s} 变更 {outcome.changed[s]} 行、未变 {outcome.unchanged[s]} 行" for s in sheets]
    rows = "；".join(parts) or "没有数据行"
    verb = "检查（未写入）" if dry_run else "导入"
    click.echo(f"{verb} {safe(str(book))} → 台账 {ledger.where}：{rows}；拒绝 {len(outcome.refused)} 行")
    if not sum(outcome.changed.values()) and not outcome.refused:
        click.echo("没有任何变化：工作簿内容与台账一致。")
    for refusal in outcome.refused:
        click.echo(terminal_style(f"[拒绝] {safe(refusal.where())}", "fail"))
        for header, message in refusal.problems:
            click.echo(f"    {header}：{safe(message)}")
    sys.exit(2 if outcome.refused else 0)


@command("export")
@click.argument("book", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--leader", is_flag=True, help="导出领导台账（每个项目一行，含灯号和最新进展，可打印）。")
@as_of_option_saying("领导台账的统计截止日期（默认今天）。")
@uses_admit(db=True)
@reports_errors
def ledger_export(admit: Admit, book: Path, leader: bool, as_of: date | None) -> None:
    """把整个台账导出为台账工作簿（与导入格式相同，导出后再导入不产生变化）；加 --leader 时导出领导台账。

    领导台账：每个项目一行，含基本情况、审查结论、审议结果、各环节日期、灯号和最新进展，可直接打印。

    \b
    示例：
      admit ledger export 台账.xlsx
      admit ledger export --leader 领导台账.xlsx --as-of 2026-11-30
    """
    check_outputs([book])
    if leader:
        write_files({book: admit.leader_book(as_of or date.today())})
        click.echo(f"已导出领导台账：{book}")
        return
    write_files({book: export_book(admit.ledger())})
    click.echo(f"已导出台账：{book}")


@command("note")
@click.argument("case_id")
@date_option("--on", "填报日期（默认今天）。")
@click.option("--progress", default=None, help="目前进展。")
@click.option("--problems", default=None, help="存在问题。")
@click.option("--coordination", default=None, help="需协调事项。")
@click.option("--unit", default=None, help="责任单位。")
@click.option("--person", default=None, help="责任人。")
@uses_admit(db=True)
@by_option
@reports_errors
def ledger_note(
    admit: Admit, case_id: str, on: date | None, progress: str | None, problems: str | None, coordination: str | None, unit: str | None,
    person: str | None, actor: str,
) -> None:  # fmt: skip
    """填报项目进展情况（目前进展、存在问题、需协调事项、责任单位、责任人）；新的填报取代旧的，旧的留在历史中。

    \b
    示例：
      admit ledger note JM-2026-0173 --progress "已完成土地挂网" --problems "供电线路待迁改"
      admit ledger note JM-2026-0173 --coordination "请市供电局协调" --unit 新会区投资促进局 --on 2026-12-01
    """
    fields = {"progress": progress, "problems": problems, "coordination": coordination, "unit": unit, "person": person}
    changed = add_note(admit.ledger(), case_id, on or date.today(), fields, actor=actor, today=date.today(), source="admit ledger note")
    click.echo(f"{'已登记进展情况' if changed else '与当日已登记的进展情况相同，未变化'}：{case_id}")


@command("template")
@click.argument("book", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="目标文件已存在时覆盖它。")
@uses_admit()
@reports_errors
def ledger_template(admit: Admit, book: Path, force: bool) -> None:
    """写出一份空白的台账工作簿（项目台账、会议审议、履约数据、项目流转、延期、更正、目标任务、进展情况八个工作表，列标题说明与防止输错的下拉列表）。

    \b
    示例：
      admit ledger template 台账.xlsx
    """
    write_blank(book, template_bytes(admit.rulebook), force, "可能是已填写的台账", "已写出台账工作簿模板")


meeting_no_option = click.option("--meeting-no", type=int, required=True, help="会议编号（正整数，同一年内不重复）。")
meeting_date_option = date_option("--meeting-date", "会议日期。", required=True)


@command("resolve")
@click.argument("case_id")
@click.argument("result")
@meeting_no_option
@meeting_date_option
@click.option("--conditions", default=None, help="附加条件（有条件通过时填写）。")
@click.option("--added-item", is_flag=True, help="会上临时增补的议题（不在该次会议议程中的项目），登记时追加到议程末尾。")
@uses_admit(rules=False, db=True)
@by_option
@reports_errors
def ledger_resolve(
    admit: Admit, case_id: str, result: str, meeting_no: int, meeting_date: date, conditions: str | None, added_item: bool, actor: str
) -> None:
    """登记一项审议结果（通过、有条件通过、暂缓、不予通过）；与审查结论不一致时标为偏离。

    \b
    示例：
      admit ledger resolve JM-2026-0173 通过 --meeting-no 12 --meeting-date 2026-11-28
    """
    resolved = record_resolution(
        admit.ledger(create=True), meeting_no, meeting_date, case_id, result, conditions,
        actor=actor, source="admit ledger resolve", today=date.today(), added_item=added_item,
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


@command("correct")
@click.argument("case_id")
@click.option("--meeting-no", type=int, default=None, help="更正审议结果时：会议编号。")
@date_option("--meeting-date", "更正审议结果时：会议日期。")
@click.option("--result", default=None, help="更正后的审议结果（通过、有条件通过、暂缓、不予通过），或“撤销”。")
@click.option("--conditions", default=None, help="更正后的附加条件。")
@click.option("--field", "field_name", default=None, help="更正项目台账或履约数据的一项：如 开工日期、出让价款（万元）、实际税收（万元）。")
@click.option("--value", default=None, help="更正后的值（日期 YYYY-MM-DD 或金额）；写“清除”则清空。")
@click.option("--year", type=int, default=None, help="更正履约数据时：年度。")
@click.option("--reason", required=True, help="更正原因（必填，记入变更记录）。")
@uses_admit(rules=False, db=True)
@by_option
@reports_errors
def ledger_correct(
    admit: Admit, case_id: str, meeting_no: int | None, meeting_date: date | None, result: str | None, conditions: str | None,
    field_name: str | None, value: str | None, year: int | None, reason: str, actor: str,
) -> None:  # fmt: skip
    """更正或撤销一项审议结果，或更正一项进度日期、土地合同信息、年度履约数据；原记录保留在历史中。

    \b
    示例：
      admit ledger correct JM-2026-0173 --meeting-no 12 --meeting-date 2026-11-28 --result 暂缓 --reason "会议纪要更正"
      admit ledger correct JM-2026-0173 --meeting-no 12 --meeting-date 2026-11-28 --result 撤销 --reason "误登记"
      admit ledger correct JM-2026-0173 --field 开工日期 --value 2026-05-01 --reason "以施工许可证为准"
    """
    ledger = admit.ledger()
    if result is not None:
        if meeting_no is None or meeting_date is None:
            raise UsageError("更正审议结果须用 --meeting-no 与 --meeting-date 指明会议")
        withdrawn = result == WITHDRAW
        correct_resolution(ledger, meeting_no, meeting_date, case_id, None if withdrawn else result, conditions, reason=reason,
                           actor=actor, source="admit ledger correct")  # fmt: skip
        click.echo(f"已{'撤销' if withdrawn else '更正'}：{case_id} {meeting_date.year} 年第 {meeting_no} 次会议审议结果")
        return
    if field_name is None or value is None:
        raise UsageError("请用 --result 更正审议结果，或用 --field 与 --value 更正一项数据")
    key, parsed = correctable_field(field_name, value, year)
    correct_field(ledger, case_id, key, parsed, reason=reason, actor=actor, today=date.today(), source="admit ledger correct", year=year)
    click.echo(f"已更正：{case_id} {field_name}（{'已清除' if parsed is None else value}）")


@command("transfer")
@click.argument("case_id")
@click.option("--to", "to_district", required=True, help="转入区域。")
@date_option("--on", "流转日期（自该日起计入转入区域）。", required=True)
@click.option("--approval", required=True, help="批准文号。")
@click.option("--reason", default=None, help="流转原因。")
@uses_admit(db=True)
@by_option
@reports_errors
def ledger_transfer(admit: Admit, case_id: str, to_district: str, on: date, approval: str, reason: str | None, actor: str) -> None:
    """登记项目流转（项目在区域之间转移）：流转日期之前的通报仍按原区域统计。

    \b
    示例：
      admit ledger transfer JM-2026-0173 --to 江海区 --on 2026-03-15 --approval 江府办函〔2026〕12号
    """
    left = transfer(admit.ledger(), case_id, to_district, on, approval, reason, districts=admit.rulebook.districts, actor=actor,
                    today=date.today(), source="admit ledger transfer")  # fmt: skip
    click.echo(f"已登记流转：{case_id} 自 {on.isoformat()} 起由{left}转入{to_district}（{approval}）")


@command("terminate")
@click.argument("case_id")
@date_option("--on", "终止日期。", required=True)
@click.option("--reason", required=True, help="终止原因（投资方撤回、合同解除、土地收回等）。")
@uses_admit(rules=False, db=True)
@by_option
@reports_errors
def ledger_terminate(admit: Admit, case_id: str, on: date, reason: str, actor: str) -> None:
    """登记项目终止：终止日期之后履约核查与督办不再追踪该项目。

    \b
    示例：
      admit ledger terminate JM-2026-0173 --on 2026-10-01 --reason "投资方书面撤回"
    """
    terminate(admit.ledger(), case_id, on, reason, actor=actor, today=date.today(), source="admit ledger terminate")
    click.echo(f"已登记终止：{case_id}（{on.isoformat()}，{reason}）")


@command("extend")
@click.argument("case_id")
@click.option("--kind", "step", required=True, metavar="事项", help="延期事项：开工、竣工或达产。")
@date_option("--to", "延至的日期。", required=True)
@click.option(
    "--cause", required=True, metavar="原因", help="政府原因、不可抗力或企业申请（企业申请合计不超过规则库规定的天数，默认 365 日）。"
)
@click.option("--approval", required=True, help="批准文号。")
@date_option("--approved-on", "批准日期（默认为登记当日）。")
@click.option("--reason", default=None, help="说明。")
@uses_admit(db=True)
@by_option
@reports_errors
def ledger_extend(
    admit: Admit, case_id: str, step: str, to: date, cause: str, approval: str, approved_on: date | None, reason: str | None, actor: str
) -> None:
    """登记经批准的延期（延建）：约定开工、竣工或达产日期顺延，履约核查按顺延后的日期计算。

    \b
    示例：
      admit ledger extend JM-2026-0173 --kind 开工 --to 2027-06-30 --cause 企业申请 --approval 江自然资函〔2027〕8号
    """
    in_force = [v for v in admit.rulebook.versions if v.in_force(date.today())] or list(admit.rulebook.versions)
    changed = extend(admit.ledger(), case_id, step, to, cause, approval, approved_on, reason,
                     max_enterprise_days=in_force[0].monitoring.max_extension_days, actor=actor, today=date.today(),
                     source="admit ledger extend")  # fmt: skip
    click.echo(
        f"已登记延期：{case_id} 约定{step}日期延至 {to.isoformat()}（{cause}，{approval}）" if changed else "该延期已登记，没有变化。"
    )
