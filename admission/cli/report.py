"""``admit report annual | monthly``: the 通报, every figure from the ledger."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import click

from admission.app import Admit
from admission.cli.options import (
    as_of_option_saying,
    as_recorded_option,
    date_option,
    default_as_of,
    json_option,
    output_option,
    uses_admit,
)
from admission.cli.shell import AdmitGroup, F, answer, reports_errors, targets
from admission.dates import BEIJING, today_in_beijing
from admission.errors import UsageError
from admission.reports.monthly import parse_month
from admission.reports.outputs import annual_paragraph, monthly_lines
from admission.supervision.outputs import assessment_lines, targets_lines

report_json_option = json_option("以 JSON 输出全部数字。")
pdf_option = output_option("pdf", "写出通报 PDF（公文格式，含图表）。")
docx_option = output_option("docx", "写出通报 Word 文件（公文格式，可编辑）。")
issued_option = date_option("--issued", "成文日期，印在落款和文号中（默认今天；给出 --as-recorded 时默认为该日）。")
xlsx_option = output_option("xlsx", "写出通报数据表（Excel，含图表）。")
html_option = output_option("html", "同时写出 PDF 的 HTML。")
report_admit = uses_admit(db=True, templates=True, fonts=True)


def report_files(function: F) -> F:
    """The options every 通报 command takes after its own (--as-recorded, --issued, --json, the
    files to write), the office it reads, and its error handling."""
    stack = (as_recorded_option, issued_option, report_json_option, pdf_option, docx_option, xlsx_option, html_option, report_admit,
             reports_errors)  # fmt: skip
    for decorate in reversed(stack):
        function = decorate(function)
    return function


def issued_on(as_recorded: str | None) -> date:
    """The default 成文日期: the day (in Beijing, the office's clock) a report reproduced with
    ``--as-recorded`` was issued, else today there."""
    if as_recorded is None:
        return today_in_beijing()
    return datetime.fromisoformat(as_recorded).astimezone(BEIJING).date()


@click.group(cls=AdmitGroup)
def report() -> None:
    """通报：年度过会项目总体情况通报、月通报、绩效自评表、年考核（数字全部来自台账）。"""


@report.command("annual")
@click.option("--year", type=click.IntRange(1990, 9999), required=True, help="年度，如 2022。")
@as_of_option_saying("统计截止日期（默认当年 12 月 31 日）。")
@report_files
def report_annual(
    admit: Admit,
    year: int,
    as_of: date | None,
    as_recorded: str | None,
    issued: date | None,
    as_json: bool,
    pdf_path: Path | None,
    docx_path: Path | None,
    xlsx_path: Path | None,
    html_path: Path | None,
) -> None:
    """年度过会项目总体情况通报：会议、过会项目与投资、平均指标、挂网供地开工、招商成效、偏离情况。

    \b
    示例：
      admit report annual --year 2022
      admit report annual --year 2022 --json
      admit report annual --year 2022 --pdf 2022年通报.pdf --docx 2022年通报.docx --xlsx 2022年通报.xlsx
    """
    on, day = as_of or date(year, 12, 31), issued or issued_on(as_recorded)
    heading = click.style(f"{year} 年度过会项目总体情况通报（统计截至 {on.isoformat()}）", bold=True)
    answer(targets(pdf=pdf_path, docx=docx_path, xlsx=xlsx_path, html=html_path), lambda: admit.annual(year, on, as_recorded=as_recorded),
           lambda figures, kinds: admit.annual_documents(figures, kinds, day), as_json,
           lambda figures: [heading, annual_paragraph(figures)])  # fmt: skip


@report.command("monthly")
@click.option("--month", required=True, metavar="YYYY-MM", help="月份，如 2026-11。")
@click.option("--district", default=None, help="只通报这一区域。")
@report_files
def report_monthly(
    admit: Admit,
    month: str,
    district: str | None,
    as_recorded: str | None,
    issued: date | None,
    as_json: bool,
    pdf_path: Path | None,
    docx_path: Path | None,
    xlsx_path: Path | None,
    html_path: Path | None,
) -> None:
    """月通报：本月受理申请与审查结论、联席会议审议结果、各区域项目进度，以及月末督办事项。

    \b
    示例：
      admit report monthly --month 2026-11
      admit report monthly --month 2026-11 --district 新会区 --pdf 11月通报.pdf --xlsx 11月通报.xlsx
    """
    parsed = parse_month(month)
    if parsed is None:
        raise UsageError(f"月份应为 YYYY-MM（如 2026-11），实际为 {month!r}")
    day = issued or issued_on(as_recorded)
    answer(targets(pdf=pdf_path, docx=docx_path, xlsx=xlsx_path, html=html_path),
           lambda: admit.monthly(parsed[0], parsed[1], admit.district(district), as_recorded=as_recorded),
           lambda figures, kinds: admit.monthly_documents(figures, kinds, day), as_json, monthly_lines)  # fmt: skip


@report.command("targets")
@click.option("--year", type=click.IntRange(1990, 9999), required=True, help="年度，如 2024。")
@click.option("--district", default=None, help="只看这一区域的目标任务（默认全市）。")
@as_of_option_saying("统计截止日期（默认今天与年末中较早的一天）。")
@report_files
def report_targets(
    admit: Admit,
    year: int,
    district: str | None,
    as_of: date | None,
    as_recorded: str | None,
    issued: date | None,
    as_json: bool,
    pdf_path: Path | None,
    docx_path: Path | None,
    xlsx_path: Path | None,
    html_path: Path | None,
) -> None:
    """绩效自评表：年度目标任务的预期值、实现值、完成率、序时进度、灯号、权重、自评分数与未达标原因。

    \b
    示例：
      admit report targets --year 2024
      admit report targets --year 2024 --pdf 绩效自评表.pdf --docx 绩效自评表.docx --xlsx 绩效自评表.xlsx
      admit report targets --year 2026 --district 新会区 --as-of 2026-09-30
    """
    day = issued or issued_on(as_recorded)
    answer(targets(pdf=pdf_path, docx=docx_path, xlsx=xlsx_path, html=html_path),
           lambda: admit.targets_report(year, as_of or default_as_of(year), admit.district(district), as_recorded),
           lambda report_data, kinds: admit.targets_documents(report_data, kinds, day), as_json, targets_lines)  # fmt: skip


@report.command("assessment")
@click.option("--year", type=click.IntRange(1990, 9999), required=True, help="年度，如 2024。")
@as_of_option_saying("统计截止日期（默认今天与年末中较早的一天）。")
@report_files
def report_assessment(
    admit: Admit,
    year: int,
    as_of: date | None,
    as_recorded: str | None,
    issued: date | None,
    as_json: bool,
    pdf_path: Path | None,
    docx_path: Path | None,
    xlsx_path: Path | None,
    html_path: Path | None,
) -> None:
    """年考核：各区域计分目标的得分、总分与排名，通报表扬和约谈名单。

    \b
    示例：
      admit report assessment --year 2024
      admit report assessment --year 2024 --pdf 年考核.pdf --docx 年考核.docx --xlsx 年考核.xlsx
    """
    day = issued or issued_on(as_recorded)
    answer(targets(pdf=pdf_path, docx=docx_path, xlsx=xlsx_path, html=html_path),
           lambda: admit.assessment(year, as_of or default_as_of(year), as_recorded),
           lambda result, kinds: admit.assessment_documents(result, kinds, day), as_json, assessment_lines)  # fmt: skip
