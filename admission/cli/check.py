"""``admit check`` and ``admit schema``: one application reviewed, and the input's JSON Schema."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

import click

from admission.app import Admit
from admission.cli.decision_text import render_decision
from admission.cli.options import as_of_option, json_option, output_option, uses_admit
from admission.cli.shell import command, emit_json, reports_errors, save, targets, terminal_style
from admission.contract.schema import application_schema
from admission.documents.files import check_outputs
from admission.intake.batch import invalid_lines
from admission.intake.sources import single_item
from admission.review.decision import Decision


@command()
@click.argument("application", type=click.Path(path_type=Path, dir_okay=True, allow_dash=False))
@click.option("--id", "case_id", metavar="案件编号", help="APPLICATION 是 Excel 汇总表时：审查案件编号为此值的一行。")
@click.option("--row", type=click.IntRange(min=2), metavar="行号", help="APPLICATION 是 Excel 汇总表时：审查第几行（标题为第 1 行）。")
@json_option("以 JSON 输出审查结论（格式见 docs/decision.md）。")
@output_option("pdf", "同时写出审查意见 PDF。")
@output_option("docx", "同时写出可编辑的审查意见 Word 文档（.docx）。")
@output_option("html", "同时写出审查意见 HTML（可在浏览器中查看）。")
@as_of_option
@uses_admit(templates=True, fonts=True)
@reports_errors
def check(
    admit: Admit,
    application: Path,
    case_id: str | None,
    row: int | None,
    as_json: bool,
    pdf_path: Path | None,
    docx_path: Path | None,
    html_path: Path | None,
    as_of: date | None,
) -> None:
    """审查一份申请材料（JSON 文件，或 Excel 汇总表中的一行），给出结论与逐条说明。

    退出码：0 建议准入，1 不予准入，3 提请联席会议一事一议，2 输入无效（写 PDF 时出错为其他退出码）。

    \b
    示例：
      admit check samples/industrial-approve.json
      admit check --json --as-of 2026-11-21 application.json
      admit check application.json --pdf 审查意见.pdf --docx 审查意见.docx
      admit check 申请汇总表.xlsx --id JM-2026-0173 --pdf 审查意见.pdf
      admit check 申请汇总表.xlsx --row 5
    """
    outputs = targets(pdf=pdf_path, docx=docx_path, html=html_path)
    check_outputs(outputs.values(), [application])
    admit.rulebook  # noqa: B018 - a broken rule book is reported before the input is read
    review_date = as_of or date.today()
    outcome = admit.decide(single_item(application, row, case_id), review_date)
    if not isinstance(outcome, Decision):
        _report_refused(outcome, as_json)
    if outputs:
        save(admit.opinion(outcome, review_date, outputs.keys()), outputs)
    if as_json:
        emit_json(outcome.to_json())
    else:
        click.echo(render_decision(outcome, terminal_style))
    sys.exit(outcome.exit_code)


def _report_refused(result: dict[str, Any], as_json: bool) -> NoReturn:
    """An input refused by ``check``: its problems (by column for a workbook row), exit 2 (70 for a bug)."""
    error = result["error"]
    if as_json:
        emit_json({"error": error})
    else:
        heading, *problems = invalid_lines(result)
        click.echo(f"{heading}：申请材料无效，未作审查结论（{len(problems)} 个问题）", err=True)
        for line in problems:
            click.echo(line, err=True)
    sys.exit(70 if error["kind"] == "internal_error" else 2)


@command()
@uses_admit()
@reports_errors
def schema(admit: Admit) -> None:
    """输出申请材料的 JSON Schema（项目类型、区域、重点产业链取自规则库）。

    \b
    示例：
      admit schema > application.schema.json
    """
    emit_json(application_schema(admit.rulebook), pretty=True)
