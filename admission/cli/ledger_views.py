"""``admit ledger show | list | verify | upgrade``: reading the ledger (and upgrading its schema).
Nothing here imports the rule engine, pydantic or WeasyPrint."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from admission.app import Admit
from admission.cli.options import as_recorded_option, db_option, json_option, output_option, uses_admit
from admission.cli.project_text import render_project
from admission.cli.shell import command, emit_json, reports_errors, terminal_style
from admission.documents.files import check_outputs, write_files
from admission.documents.sheets import Sheet, xlsx_bytes
from admission.errors import OutputError, UsageError
from admission.ledger.audit import Head, audit, audit_lines
from admission.ledger.database import backup, upgrade_ledger
from admission.ledger.history import state
from admission.ledger.views import LIST_HEADERS, Filters, NotFound, list_table, project_detail, project_rows
from admission.text import format_table, safe


@command("show")
@click.argument("case_id")
@json_option()
@as_recorded_option
@uses_admit(rules=False, db=True)
@reports_errors
def ledger_show(admit: Admit, case_id: str, as_json: bool, as_recorded: str | None) -> None:
    """查看一个项目：修订、审查结论、审议结果、进度节点、土地合同、年度履约数据与变更记录。

    \b
    示例：
      admit ledger show JM-2026-0173
      admit ledger show JM-2026-0173 --json
    """
    try:
        with admit.ledger().reading() as connection:
            detail = project_detail(connection, case_id, as_recorded)
    except NotFound:
        raise UsageError(f"台账中没有案件编号为 {case_id} 的项目") from None
    if as_json:
        emit_json(detail)
    else:
        click.echo(render_project(detail, terminal_style))


@command("list")
@click.option("--district", default=None, help="只列出这一区域的项目。")
@click.option("--type", "project_type", default=None, help="项目类型：工业项目、工业地产项目、物流项目、其他。")
@click.option("--stage", default=None, help="阶段：已申请、已过会、签约、注册、挂网、供地、交地、开工、竣工、投产、达产。")
@click.option("--verdict", default=None, help="审查结论：建议准入、提请联席会议一事一议、不予准入。")
@click.option("--resolution", default=None, help="审议结果：通过、有条件通过、暂缓、不予通过。")
@click.option("--year", type=int, default=None, help="年度（审议会议的年度；未审议的按首次登记年度）。")
@json_option()
@output_option("xlsx", "同时写出 Excel 表。")
@as_recorded_option
@uses_admit(rules=False, db=True)
@reports_errors
def ledger_list(
    admit: Admit,
    district: str | None,
    project_type: str | None,
    stage: str | None,
    verdict: str | None,
    resolution: str | None,
    year: int | None,
    as_json: bool,
    xlsx_path: Path | None,
    as_recorded: str | None,
) -> None:
    """按条件列出台账中的项目（与审查结论不一致的审议结果标为“偏离”）。

    \b
    示例：
      admit ledger list --district 新会区 --stage 开工
      admit ledger list --resolution 通过 --year 2026 --xlsx 过会项目.xlsx
    """
    filters = Filters.named(district, project_type, stage, verdict, resolution, year)
    check_outputs([xlsx_path])
    with admit.ledger().reading() as connection:
        rows = project_rows(state(connection, as_recorded), filters)
    if xlsx_path is not None:
        write_files({xlsx_path: xlsx_bytes([Sheet("项目清单", LIST_HEADERS, list_table(rows), number_formats={4: "#,##0.00"})])})
    if as_json:
        emit_json({"count": len(rows), "projects": rows})
        return
    click.echo(terminal_style(f"台账项目：{len(rows)} 个", "title"))
    table = [list(LIST_HEADERS), *([safe(str(v)) if v is not None else "" for v in row] for row in list_table(rows))]
    for line in format_table(table):
        click.echo("  " + line.rstrip())


def parse_head_option(ctx: click.Context, param: click.Parameter, value: str | None) -> Head | None:
    if value is None:
        return None
    try:
        return Head.parse(value)
    except ValueError as error:
        raise click.BadParameter(str(error), ctx, param) from None


@command("verify")
@click.option("--expect-head", metavar="序号:摘要", callback=parse_head_option, default=None,
              help="上次 verify 打印的链头；核对它仍在且未变（发现末尾事件被删除）。")  # fmt: skip
@uses_admit(rules=False, db=True)
@reports_errors
def ledger_verify(admit: Admit, expect_head: Head | None) -> None:
    """校验台账：变更事件的哈希链（找出第一条被篡改、删除或调换的事件），现有记录与事件是否一致，以及保存的链头是否仍在。

    退出码：0 完好，1 发现问题。

    \b
    示例：
      admit ledger verify --db admit.db
      admit ledger verify --expect-head 1024:3f2a…（上次打印的链头）
    """
    with admit.ledger().reading() as connection:
        found = audit(connection, expect_head)
    for line, role in audit_lines(found):
        click.echo(terminal_style(line, role) if role == "fail" else line)
    sys.exit(0 if found.intact else 1)


@command("upgrade")
@db_option
@reports_errors
def ledger_upgrade(db_target: str | None) -> None:
    """把旧版本 admit 建立的台账数据库升级到本程序的架构版本（请先备份）。

    \b
    示例：
      admit ledger upgrade --db admit.db
    """
    before, after = upgrade_ledger(db_target)
    click.echo(
        f"台账数据库已是最新架构版本 {after}。" if before == after else f"台账数据库已从架构版本 {before or '（空）'} 升级到 {after}。"
    )


@command("backup")
@click.argument("target", type=click.Path(path_type=Path, dir_okay=False))
@uses_admit(rules=False, db=True)
@reports_errors
def ledger_backup(admit: Admit, target: Path) -> None:
    """备份台账：在他人继续使用时写出一致的副本。

    适用于 SQLite 台账；PostgreSQL 台账请用服务器的 pg_dump，本命令会给出写法。

    \b
    示例：
      admit ledger backup 台账备份-20261202.db --db admit.db
    """
    check_outputs([target])
    if target.exists():
        raise OutputError(f"{target} 已存在，未覆盖；请另选文件名")
    backup(admit.ledger(), target)
    click.echo(f"已备份台账：{target}")
