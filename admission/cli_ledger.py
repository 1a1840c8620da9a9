"""``admit ledger …``: thin click commands over ``admission.ledger`` (nothing is decided here)."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .cli import (
    _emit_json,
    _load_rules,
    _terminal_style,
    as_of_option,
    by_option,
    db_option,
    main,
    parse_date_option,
    reports_errors,
    rules_option,
)
from .errors import UsageError
from .output import check_outputs, write_files
from .text import safe

if TYPE_CHECKING:
    from .ledger.database import Ledger


def _actor(actor: str | None) -> str:
    from .ledger.database import default_actor

    return actor or default_actor()


def _open(db_target: str | None, create: bool = True) -> Ledger:
    from .ledger.database import open_ledger

    return open_ledger(db_target, create=create)


@main.group()
def ledger() -> None:
    """项目台账：登记申请与审查结论、会议审议结果、项目进度与履约数据，查询与校验。"""


@ledger.command("add")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出登记结果。")
@db_option
@by_option
@as_of_option
@rules_option
@reports_errors
def ledger_add(
    paths: tuple[Path, ...], as_json: bool, db_target: str | None, actor: str | None, as_of: date | None, rules_dir: Path | None
) -> None:
    """登记申请材料（文件、目录、Excel 汇总表）及其审查结论；内容未变的申请不产生新修订。

    退出码：0 全部已登记，2 有无效材料（其余照常登记）。

    \b
    示例：
      admit ledger add samples/ --by 张三
      admit ledger add intake.xlsx --db postgresql://admit@127.0.0.1/admit
    """
    from . import screen as screening
    from .ledger.records import add_applications

    rulebook = _load_rules(rules_dir)
    notices: list[str] = []
    items = list(screening.collect(paths, notices))
    for notice in notices:
        click.echo(f"注意：{safe(notice)}", err=True)
    with _open(db_target) as store:
        outcome = add_applications(store, items, rulebook, as_of or date.today(), _actor(actor))
    if as_json:
        _emit_json({"recorded": outcome.recorded, "unchanged": outcome.unchanged, "refused": outcome.refused})
    else:
        new = sum(1 for r in outcome.recorded if r["new_project"])
        revised, unchanged, refused = len(outcome.recorded) - new, len(outcome.unchanged), len(outcome.refused)
        counts = f"新项目 {new} 个，新修订 {revised} 份，内容未变 {unchanged} 份，无效 {refused} 份"
        click.echo(f"台账 {store.where}：{counts}")
        from .screen import invalid_lines

        for result in outcome.refused:
            heading, *problems = invalid_lines(result)
            click.echo(_terminal_style(f"[无效] {heading}", "fail"))
            for line in problems:
                click.echo(f"  {line}")
    sys.exit(2 if outcome.refused else 0)


@ledger.command("import")
@click.argument("book", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出导入结果。")
@db_option
@by_option
@rules_option
@reports_errors
def ledger_import(book: Path, as_json: bool, db_target: str | None, actor: str | None, rules_dir: Path | None) -> None:
    """导入台账工作簿（项目台账、会议审议、履约数据三个工作表，有哪个导入哪个）。

    每一行或登记，或被拒绝并指明工作表、行、列与案件编号；重复导入不产生任何变化。
    退出码：0 全部已导入，2 有被拒绝的行（其余照常导入）。

    \b
    示例：
      admit ledger import 台账.xlsx --by 李四
    """
    from .ledger.book import import_book

    rulebook = _load_rules(rules_dir)
    with _open(db_target) as store:
        outcome = import_book(store, book, rulebook, _actor(actor), date.today())
    if as_json:
        _emit_json(
            {"changed": dict(outcome.changed), "unchanged": dict(outcome.unchanged), "refused": [r.to_json() for r in outcome.refused]}
        )
    else:
        sheets = sorted(set(outcome.changed) | set(outcome.unchanged), key=["项目台账", "会议审议", "履约数据"].index)
        parts = [f"{s} 变更 {outcome.changed[s]} 行、未变 {outcome.unchanged[s]} 行" for s in sheets]
        click.echo(
            f"导入 {safe(str(book))} → 台账 {store.where}：" + ("；".join(parts) or "没有数据行") + f"；拒绝 {len(outcome.refused)} 行"
        )
        if not sum(outcome.changed.values()) and not outcome.refused:
            click.echo("没有任何变化：工作簿内容与台账一致。")
        for refusal in outcome.refused:
            click.echo(_terminal_style(f"[拒绝] {safe(refusal.where())}", "fail"))
            for header, message in refusal.problems:
                click.echo(f"    {header}：{safe(message)}")
    sys.exit(2 if outcome.refused else 0)


@ledger.command("export")
@click.argument("book", type=click.Path(path_type=Path, dir_okay=False))
@db_option
@reports_errors
def ledger_export(book: Path, db_target: str | None) -> None:
    """把整个台账导出为台账工作簿（与导入格式相同，导出后再导入不产生变化）。

    \b
    示例：
      admit ledger export 台账.xlsx
    """
    from .ledger.book import export_book

    check_outputs([book])
    with _open(db_target, create=False) as store:
        data = export_book(store)
    write_files({book: data})
    click.echo(f"已导出台账：{book}")


@ledger.command("template")
@click.argument("book", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="目标文件已存在时覆盖它。")
@rules_option
@reports_errors
def ledger_template(book: Path, force: bool, rules_dir: Path | None) -> None:
    """写出一份空白的台账工作簿（三个工作表，列标题说明与防止输错的下拉列表）。

    \b
    示例：
      admit ledger template 台账.xlsx
    """
    from .errors import OutputError
    from .ledger.book import template_bytes

    check_outputs([book])
    if book.exists() and not force:
        raise OutputError(f"{book} 已存在，未覆盖；确需覆盖请加 --force")
    write_files({book: template_bytes(_load_rules(rules_dir))})
    click.echo(f"已写出台账工作簿模板：{book}")


@ledger.command("show")
@click.argument("case_id")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@db_option
@reports_errors
def ledger_show(case_id: str, as_json: bool, db_target: str | None) -> None:
    """查看一个项目：修订、审查结论、审议结果、进度节点、土地合同、年度履约数据与变更记录。

    \b
    示例：
      admit ledger show JM-2026-0173
      admit ledger show JM-2026-0173 --json
    """
    from .ledger.views import NotFound, project_detail
    from .ledger_text import render_project

    try:
        with _open(db_target, create=False) as store, store.reading() as connection:
            detail = project_detail(connection, case_id)
    except NotFound:
        raise UsageError(f"台账中没有案件编号为 {case_id} 的项目") from None
    if as_json:
        _emit_json(detail)
    else:
        click.echo(render_project(detail, _terminal_style))


@ledger.command("list")
@click.option("--district", default=None, help="只列出这一区域的项目。")
@click.option("--type", "project_type", default=None, help="项目类型：工业项目、工业地产项目、物流项目、其他。")
@click.option("--stage", default=None, help="阶段：已申请、已过会、签约、注册、挂网、供地、交地、开工、竣工、投产、达产。")
@click.option("--verdict", default=None, help="审查结论：建议准入、提请联席会议一事一议、不予准入。")
@click.option("--resolution", default=None, help="审议结果：通过、有条件通过、暂缓、不予通过。")
@click.option("--year", type=int, default=None, help="年度（审议会议的年度；未审议的按首次登记年度）。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.option("--xlsx", "xlsx_path", type=click.Path(path_type=Path, dir_okay=False), help="同时写出 Excel 表。")
@db_option
@reports_errors
def ledger_list(
    district: str | None,
    project_type: str | None,
    stage: str | None,
    verdict: str | None,
    resolution: str | None,
    year: int | None,
    as_json: bool,
    xlsx_path: Path | None,
    db_target: str | None,
) -> None:
    """按条件列出台账中的项目（与审查结论不一致的审议结果标为“偏离”）。

    \b
    示例：
      admit ledger list --district 新会区 --stage 开工
      admit ledger list --resolution 通过 --year 2026 --xlsx 过会项目.xlsx
    """
    from .ledger.records import RESULTS
    from .ledger.views import LIST_HEADERS, STAGES, TYPE_NAMES, VERDICT_NAMES, Filters, list_table, project_rows
    from .text import format_table

    types = {**{v: k for k, v in TYPE_NAMES.items()}, **{k: k for k in TYPE_NAMES}}
    verdicts = {**{v: k for k, v in VERDICT_NAMES.items()}, **{k: k for k in VERDICT_NAMES}}
    if project_type is not None and project_type not in types:
        raise UsageError(f"未知的项目类型 {project_type}；可选：{'、'.join(TYPE_NAMES.values())}")
    if verdict is not None and verdict not in verdicts:
        raise UsageError(f"未知的审查结论 {verdict}；可选：{'、'.join(VERDICT_NAMES.values())}")
    if stage is not None and stage not in STAGES:
        raise UsageError(f"未知的阶段 {stage}；可选：{'、'.join(STAGES)}")
    if resolution is not None and resolution not in RESULTS:
        raise UsageError(f"未知的审议结果 {resolution}；可选：{'、'.join(RESULTS)}")
    filters = Filters(district, types.get(project_type or ""), stage, verdicts.get(verdict or ""), resolution, year)
    check_outputs([xlsx_path])
    with _open(db_target, create=False) as store, store.reading() as connection:
        rows = project_rows(connection, filters)
    if xlsx_path is not None:
        from .sheets import Sheet, xlsx_bytes

        write_files({xlsx_path: xlsx_bytes([Sheet("项目清单", LIST_HEADERS, list_table(rows), number_formats={4: "#,##0.00"})])})
    if as_json:
        _emit_json({"count": len(rows), "projects": rows})
        return
    click.echo(_terminal_style(f"台账项目：{len(rows)} 个", "title"))
    table = [list(LIST_HEADERS), *([safe(str(v)) if v is not None else "" for v in row] for row in list_table(rows))]
    for line in format_table(table):
        click.echo("  " + line.rstrip())


@ledger.command("verify")
@db_option
@reports_errors
def ledger_verify(db_target: str | None) -> None:
    """校验变更事件的哈希链：找出第一条被篡改、删除或调换的事件。

    退出码：0 完好，1 链条断裂。

    \b
    示例：
      admit ledger verify --db admit.db
    """
    from .ledger.chain import verify

    with _open(db_target, create=False) as store, store.reading() as connection:
        checked, broken = verify(connection)
    if broken is None:
        click.echo(f"事件链完好：共 {checked} 条事件。")
        sys.exit(0)
    click.echo(_terminal_style(f"事件链断裂：第 {broken.seq} 号事件，{broken.reason}", "fail"))
    sys.exit(1)


@ledger.command("upgrade")
@db_option
@reports_errors
def ledger_upgrade(db_target: str | None) -> None:
    """把旧版本 admit 建立的台账数据库升级到本程序的架构版本（请先备份）。

    \b
    示例：
      admit ledger upgrade --db admit.db
    """
    import sqlalchemy as sa

    from .ledger.database import Ledger, migrate, resolve_target
    from .ledger.database import _url as url_of

    target = resolve_target(db_target)
    with Ledger(sa.create_engine(url_of(target)), target) as store:
        before, after = migrate(store)
    click.echo(
        f"台账数据库已是最新架构版本 {after}。" if before == after else f"台账数据库已从架构版本 {before or '（空）'} 升级到 {after}。"
    )


@ledger.command("resolve")
@click.argument("case_id")
@click.argument("result")
@click.option("--meeting-no", type=int, required=True, help="会议编号（正整数，同一年内不重复）。")
@click.option("--meeting-date", metavar="YYYY-MM-DD", callback=parse_date_option, required=True, help="会议日期。")
@click.option("--conditions", default=None, help="附加条件（有条件通过时填写）。")
@db_option
@by_option
@reports_errors
def ledger_resolve(
    case_id: str, result: str, meeting_no: int, meeting_date: date, conditions: str | None, db_target: str | None, actor: str | None
) -> None:
    """登记一项审议结果（通过、有条件通过、暂缓、不予通过）；与审查结论不一致时标为偏离。

    \b
    示例：
      admit ledger resolve JM-2026-0173 通过 --meeting-no 12 --meeting-date 2026-11-28
    """
    from .ledger.chain import EventLog
    from .ledger.records import RowError, is_deviation, latest_decision, record_resolution

    if meeting_date > date.today():
        raise UsageError(f"会议日期 {meeting_date.isoformat()} 晚于今天，不能登记未来会议的审议结果")
    if meeting_no < 1:
        raise UsageError("会议编号应为正整数")
    with _open(db_target) as store, store.writing() as connection:
        log = EventLog(connection, _actor(actor))
        try:
            changed = record_resolution(connection, log, meeting_no, meeting_date, case_id, result, conditions, "admit ledger resolve")
        except RowError as error:
            raise UsageError("；".join(f"{h}：{m}" for h, m in error.problems)) from None
        log.flush()
        decided = latest_decision(connection, case_id)
    verdict = decided[1] if decided else None
    flag = "（与审查结论不一致）" if is_deviation(result, verdict) else ""
    click.echo(
        f"已登记：{case_id} {meeting_date.year} 年第 {meeting_no} 次会议 {result}{flag}" if changed else "该审议结果已登记，没有变化。"
    )


@ledger.command("agenda")
@click.argument("case_ids", nargs=-1)
@click.option("--meeting-no", type=int, required=True, help="会议编号。")
@click.option("--meeting-date", metavar="YYYY-MM-DD", callback=parse_date_option, required=True, help="会议日期。")
@db_option
@by_option
@reports_errors
def ledger_agenda(case_ids: tuple[str, ...], meeting_no: int, meeting_date: date, db_target: str | None, actor: str | None) -> None:
    """设定（或查看）一次会议的议程：按顺序列出提请审议的项目；之后 admit packet 可按议程生成会议材料。

    \b
    示例：
      admit ledger agenda JM-2026-0173 JM-2026-0175 --meeting-no 12 --meeting-date 2026-11-28
      admit packet --meeting-no 12 --meeting-date 2026-11-28 -o 会议材料.pdf
    """
    from .ledger.chain import EventLog
    from .ledger.records import RowError, agenda_applications, set_agenda

    with _open(db_target) as store:
        if case_ids:
            with store.writing() as connection:
                log = EventLog(connection, _actor(actor))
                try:
                    set_agenda(connection, log, meeting_no, meeting_date, list(case_ids), "admit ledger agenda")
                except RowError as error:
                    raise UsageError("；".join(f"{h}：{m}" for h, m in error.problems)) from None
                log.flush()
        with store.reading() as connection:
            items = agenda_applications(connection, meeting_no, meeting_date)
    click.echo(f"{meeting_date.year} 年第 {meeting_no} 次会议（{meeting_date.isoformat()}）议程：{len(items)} 个项目")
    for index, (case_id, content, revision) in enumerate(items, 1):
        name = json.loads(content)["name"]
        click.echo(f"  {index}. {safe(case_id)}  {safe(name)}（第 {revision} 版）")
