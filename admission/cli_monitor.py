"""``admit monitor``: thin click commands over ``admission.monitoring`` (nothing is computed here)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from .cli import (
    _emit_json,
    _load_rules,
    _terminal_style,
    by_option,
    db_option,
    font_dir_option,
    main,
    parse_date_option,
    reports_errors,
    rules_option,
    templates_option,
    write_outputs,
)
from .errors import UsageError
from .output import check_outputs
from .text import safe


@main.group(invoke_without_command=True)
@click.option("--as-of", metavar="YYYY-MM-DD", callback=parse_date_option, default=None, help="核查日期（默认今天）。")
@click.option("--district", default=None, help="只核查这一区域的项目。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出核查结果。")
@click.option("--xlsx", "xlsx_path", type=click.Path(path_type=Path, dir_okay=False), help="写出各区可据以办理的核查结果表。")
@click.option("--pdf", "pdf_path", type=click.Path(path_type=Path, dir_okay=False), help="写出核查汇总与逐项目《履约核查通知书》PDF。")
@click.option("--html", "html_path", type=click.Path(path_type=Path, dir_okay=False), help="同时写出 PDF 的 HTML。")
@db_option
@rules_option
@templates_option
@font_dir_option
@click.pass_context
@reports_errors
def monitor(
    ctx: click.Context,
    as_of: date | None,
    district: str | None,
    as_json: bool,
    xlsx_path: Path | None,
    pdf_path: Path | None,
    html_path: Path | None,
    db_target: str | None,
    rules_dir: Path | None,
    templates_dir: Path | None,
    font_dir: Path | None,
) -> None:
    """履约核查：对照土地出让合同与承诺，列出过会项目的违约情形与可追偿金额（精确到分）。

    只读台账，不作任何修改；处理情况用 admit monitor mark 登记。

    \b
    示例：
      admit monitor --as-of 2026-11-21
      admit monitor --district 台山市 --xlsx 履约核查.xlsx --pdf 履约核查.pdf
      admit monitor mark JM-2023-0042 late_start --status notified
    """
    if ctx.invoked_subcommand is not None:
        return
    from .ledger.database import open_ledger
    from .monitoring.ledger import monitor as run_monitor

    check_outputs([xlsx_path, pdf_path, html_path])
    rulebook = _load_rules(rules_dir)
    if district is not None and district not in rulebook.districts:
        raise UsageError(f"未知的区域 {district}；可选：{'、'.join(rulebook.districts)}")
    on = as_of or date.today()
    with open_ledger(db_target, create=False) as store:
        result = run_monitor(store, rulebook, on, district)
    for warning in result["warnings"]:
        click.echo(f"注意：{safe(warning)}", err=True)
    from .monitoring.outputs import findings_html, findings_xlsx

    workbook = {xlsx_path: lambda: findings_xlsx(result)}
    write_outputs(pdf_path, html_path, lambda: findings_html(result, on, templates_dir), templates_dir, font_dir, workbook)
    if as_json:
        _emit_json(result)
    else:
        from .monitoring.outputs import summary_lines

        for line, role in summary_lines(result, on):
            click.echo(_terminal_style(line, role))


@monitor.command("mark")
@click.argument("project")
@click.argument("kind")
@click.option("--year", type=int, default=None, help="年度（税收未达承诺、缺少履约数据等按年度的核查结果）。")
@click.option("--status", type=click.Choice(["notified", "paid", "waived", "disputed"]), required=True,
              help="notified 已通知、paid 已缴纳、waived 已免除（须写理由）、disputed 有异议。")  # fmt: skip
@click.option("--reason", default=None, help="理由或说明（免除时必填）。")
@click.option("--as-of", metavar="YYYY-MM-DD", callback=parse_date_option, default=None, help="核查日期（默认今天）。")
@db_option
@by_option
@rules_option
@reports_errors
def monitor_mark(
    project: str,
    kind: str,
    year: int | None,
    status: str,
    reason: str | None,
    as_of: date | None,
    db_target: str | None,
    actor: str | None,
    rules_dir: Path | None,
) -> None:
    """登记一项核查结果的处理情况（已通知、已缴纳、已免除、有异议），记入台账变更记录。

    已缴纳、已免除的核查结果不再计入未结金额。

    \b
    示例：
      admit monitor mark JM-2023-0042 late_start --status notified --by 王五
      admit monitor mark JM-2023-0042 tax_shortfall --year 2025 --status waived --reason "受灾减免，经市政府同意"
    """
    from .ledger.database import default_actor, open_ledger
    from .ledger.records import RowError
    from .monitoring.findings import KIND_LABELS
    from .monitoring.ledger import STATUSES, mark

    rulebook = _load_rules(rules_dir)
    try:
        with open_ledger(db_target, create=False) as store:
            mark(store, rulebook, project, kind, year, status, reason, actor or default_actor(), as_of or date.today())
    except RowError as error:
        raise UsageError("；".join(f"{h}：{m}" for h, m in error.problems)) from None
    which = KIND_LABELS[kind] + (f"（{year} 年）" if year else "")
    click.echo(f"已登记：{project} {which} → {STATUSES[status]}")
