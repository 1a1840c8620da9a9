"""``admit report …``: thin click commands over ``admission.reports``."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from .cli import (
    _emit_json,
    _load_rules,
    db_option,
    font_dir_option,
    main,
    parse_date_option,
    reports_errors,
    rules_option,
    templates_option,
    write_outputs,
)
from .output import check_outputs

json_option = click.option("--json", "as_json", is_flag=True, help="以 JSON 输出全部数字。")
pdf_option = click.option("--pdf", "pdf_path", type=click.Path(path_type=Path, dir_okay=False), help="写出通报 PDF（含图表）。")
xlsx_option = click.option("--xlsx", "xlsx_path", type=click.Path(path_type=Path, dir_okay=False), help="写出通报数据表（Excel，含图表）。")
html_option = click.option("--html", "html_path", type=click.Path(path_type=Path, dir_okay=False), help="同时写出 PDF 的 HTML。")


@main.group()
def report() -> None:
    """通报：年度过会项目总体情况通报、月通报（数字全部来自台账）。"""


@report.command("annual")
@click.option("--year", type=click.IntRange(1990, 9999), required=True, help="年度，如 2022。")
@click.option("--as-of", metavar="YYYY-MM-DD", callback=parse_date_option, default=None, help="统计截止日期（默认当年 12 月 31 日）。")
@json_option
@pdf_option
@xlsx_option
@html_option
@db_option
@rules_option
@templates_option
@font_dir_option
@reports_errors
def report_annual(
    year: int,
    as_of: date | None,
    as_json: bool,
    pdf_path: Path | None,
    xlsx_path: Path | None,
    html_path: Path | None,
    db_target: str | None,
    rules_dir: Path | None,
    templates_dir: Path | None,
    font_dir: Path | None,
) -> None:
    """年度过会项目总体情况通报：会议、过会项目与投资、平均指标、挂网供地开工、招商成效、偏离情况。

    \b
    示例：
      admit report annual --year 2022
      admit report annual --year 2022 --json
      admit report annual --year 2022 --pdf 2022年通报.pdf --xlsx 2022年通报.xlsx
    """
    from .ledger.database import open_ledger
    from .reports.annual import annual
    from .reports.outputs import annual_html, annual_paragraph, annual_xlsx

    check_outputs([pdf_path, xlsx_path, html_path])
    rulebook = _load_rules(rules_dir)
    on = as_of or date(year, 12, 31)
    with open_ledger(db_target, create=False) as store, store.reading() as connection:
        figures = annual(connection, rulebook, year, on)
    workbook = {xlsx_path: lambda: annual_xlsx(figures)}
    write_outputs(pdf_path, html_path, lambda: annual_html(figures, templates_dir), templates_dir, font_dir, workbook)
    if as_json:
        _emit_json(figures)
        return
    click.echo(click.style(f"{year} 年度过会项目总体情况通报（统计截至 {on.isoformat()}）", bold=True))
    click.echo(annual_paragraph(figures))


@report.command("monthly")
@click.option("--month", required=True, metavar="YYYY-MM", help="月份，如 2026-11。")
@click.option("--district", default=None, help="只通报这一区域。")
@json_option
@pdf_option
@xlsx_option
@html_option
@db_option
@rules_option
@templates_option
@font_dir_option
@reports_errors
def report_monthly(
    month: str,
    district: str | None,
    as_json: bool,
    pdf_path: Path | None,
    xlsx_path: Path | None,
    html_path: Path | None,
    db_target: str | None,
    rules_dir: Path | None,
    templates_dir: Path | None,
    font_dir: Path | None,
) -> None:
    """月通报：本月受理申请与审查结论、联席会议审议结果、各区域项目进度，以及月末督办事项。

    \b
    示例：
      admit report monthly --month 2026-11
      admit report monthly --month 2026-11 --district 新会区 --pdf 11月通报.pdf --xlsx 11月通报.xlsx
    """
    from .errors import UsageError
    from .ledger.database import open_ledger
    from .reports.monthly import monthly_report, parse_month
    from .reports.outputs import monthly_html, monthly_lines, monthly_xlsx

    parsed = parse_month(month)
    if parsed is None:
        raise UsageError(f"月份应为 YYYY-MM（如 2026-11），实际为 {month!r}")
    check_outputs([pdf_path, xlsx_path, html_path])
    rulebook = _load_rules(rules_dir)
    if district is not None and district not in rulebook.districts:
        raise UsageError(f"未知的区域 {district}；可选：{'、'.join(rulebook.districts)}")
    with open_ledger(db_target, create=False) as store:
        figures = monthly_report(store, rulebook, parsed[0], parsed[1], district)
    workbook = {xlsx_path: lambda: monthly_xlsx(figures)}
    write_outputs(pdf_path, html_path, lambda: monthly_html(figures, templates_dir), templates_dir, font_dir, workbook)
    if as_json:
        _emit_json(figures)
        return
    for line in monthly_lines(figures):
        click.echo(line)
