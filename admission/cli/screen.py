"""``admit screen`` (会前批量预审) and ``admit template`` (the blank intake workbook)."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from admission.app import Admit
from admission.cli.options import as_of_option, json_option, output_option, parse_jobs_option, uses_admit
from admission.cli.shell import command, notice, reports_errors, save, targets, terminal_style, write_blank
from admission.documents.files import check_outputs
from admission.errors import AdmitError
from admission.intake.batch import default_jobs, exit_code, json_lines, render_summary
from admission.intake.sources import collect
from admission.intake.workbook import template_bytes


@command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@json_option("以 JSON 输出全部结果（summary 与 results）。")
@output_option("csv", "把结果写成 CSV 表（UTF-8，Excel 可直接打开）。")
@output_option("xlsx", "把结果写成 Excel 表（结论列着色）。")
@click.option("--jobs", "-j", type=int, callback=parse_jobs_option, default=None, help="并行进程数（默认：全部 CPU 核）。")
@as_of_option
@uses_admit()
@reports_errors
def screen(
    admit: Admit,
    paths: tuple[Path, ...],
    as_json: bool,
    csv_path: Path | None,
    xlsx_path: Path | None,
    jobs: int | None,
    as_of: date | None,
) -> None:
    """会前批量预审：申请材料文件、目录（递归查找 *.json）与 Excel 汇总表（每行一份申请）。

    无效的文件或行单独列出，不影响其余申请的审查。退出码：0 全部已审查，2 有无效输入（结果照常输出）。

    \b
    示例：
      admit screen samples/
      admit screen intake.xlsx 补充材料/ --xlsx 预审结果.xlsx --csv 预审结果.csv
      admit screen --json --jobs 2 samples/
    """
    outputs = targets(csv=csv_path, xlsx=xlsx_path)
    check_outputs(outputs.values(), paths)
    notices: list[str] = []
    items = list(collect(paths, notices))
    check_outputs(outputs.values(), [item.path for item in items if item.path is not None])
    admit.rulebook  # noqa: B018 - a broken rule book is reported before any work starts
    # A bar on a terminal; nothing at all (not even the label) in a pipe or a log.
    with click.progressbar(length=len(items), label="预审中", file=sys.stderr, hidden=not sys.stderr.isatty()) as bar:
        results = admit.screen(items, as_of or date.today(), jobs or default_jobs(), bar.update)
    for text in notices:
        notice(text)
    write_error: AdmitError | None = None
    try:
        save(admit.screening_documents(results, outputs.keys(), notices), outputs)  # both files or neither
    except AdmitError as error:
        write_error = error  # the results still reach stdout: a failed file costs nothing else
    if as_json:
        for line in json_lines(results, notices):
            click.echo(line)
    else:
        click.echo(render_summary(results, terminal_style))
    if write_error is not None:
        raise write_error
    sys.exit(exit_code(results))


@command()
@click.argument("target", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="目标文件已存在时覆盖它（默认拒绝，以免覆盖已填写的汇总表）。")
@uses_admit()
@reports_errors
def template(admit: Admit, target: Path, force: bool) -> None:
    """写出一份空白的申请汇总表（Excel），含列标题说明、示例行与下拉列表。

    \b
    示例：
      admit template intake.xlsx
    """
    write_blank(target, template_bytes(admit.rulebook), force, "可能是已填写的汇总表", "已写出申请汇总表模板")
