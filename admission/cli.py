"""The ``admit`` command line: thin click commands over the core, nothing decided here."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import date
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from . import __version__
from .application import read_application_file
from .errors import AdmitError, InvalidInput, InvalidRulebook, UsageError
from .report import render_decision, render_problems, safe
from .review import decide, prepare
from .rulebook import Rulebook, default_rules_dir, load_rulebook

F = TypeVar("F", bound=Callable[..., Any])


def parse_date_option(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    """A YYYY-MM-DD option value, refused in Chinese with the option's name."""
    if value is None:
        return None
    try:
        if len(value) != 10:
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"日期应为 YYYY-MM-DD 格式，实际为 {value!r}", ctx, param) from None


_STYLES = {"pass": {"fg": "green", "bold": True}, "fail": {"fg": "red"}, "warn": {"fg": "yellow"}, "title": {"bold": True}}


def _terminal_style(text: str, role: str) -> str:
    # click.echo strips these codes again when stdout is not a terminal.
    return click.style(text, **_STYLES.get(role, {}))  # type: ignore[arg-type]


def _emit_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2))


def reports_errors(command: F) -> F:
    """Turn core errors into one clear message and the exit code the error carries."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        as_json = bool(kwargs.get("as_json"))
        try:
            return command(*args, **kwargs)
        except (InvalidInput, InvalidRulebook) as error:
            if as_json:
                _emit_json({"error": {"kind": error.kind, "problems": [p.to_json() for p in error.problems]}})
            elif isinstance(error, InvalidInput):
                click.echo(render_problems(error.source, error.problems), err=True)
            else:
                click.echo(f"规则库无效（{len(error.problems)} 个问题）：", err=True)
                for problem in error.problems:
                    click.echo(f"  {problem.path}：{problem.message}", err=True)
            sys.exit(error.exit_code)
        except AdmitError as error:
            click.echo(f"错误：{safe(str(error))}", err=True)
            sys.exit(error.exit_code)
        except KeyboardInterrupt:
            click.echo("已中断。", err=True)
            sys.exit(130)
        except click.exceptions.Exit:
            raise
        except click.ClickException:
            raise
        except Exception as error:  # a bug: one line, not a traceback, and never a verdict code
            click.echo(f"内部错误：{type(error).__name__}: {safe(str(error))}", err=True)
            sys.exit(70)

    return wrapper  # type: ignore[return-value]


def _load_rules(rules_dir: Path | None) -> Rulebook:
    return load_rulebook(rules_dir or default_rules_dir())


rules_option = click.option(
    "--rules",
    "rules_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="使用另一份规则库目录（默认使用随程序发布的规则库）。",
)
as_of_option = click.option(
    "--as-of",
    metavar="YYYY-MM-DD",
    callback=parse_date_option,
    default=None,
    help="审查日期；申请未填 submitted_on 时据此选择规则版本（默认今天）。",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="admit")
def main() -> None:
    """admit：江门市招商引资项目准入审查工具。"""


templates_option = click.option(
    "--templates",
    "templates_dir",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    default=None,
    help="模板目录：其中的同名文件覆盖默认模板（opinion.html.j2、packet.html.j2、style.css 等）。",
)
font_dir_option = click.option(
    "--font-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="额外的中文字体目录（也可用环境变量 ADMIT_FONT_DIR）。",
)


def _write_documents(html: str, pdf_path: Path | None, html_path: Path | None, templates_dir: Path | None, font_dir: Path | None) -> None:
    from .documents import template_dirs
    from .output import write_atomically

    if html_path is not None:
        write_atomically(html_path, html.encode("utf-8"))
    if pdf_path is not None:
        from .pdf import render_pdf, use_font_dir

        use_font_dir(font_dir)
        render_pdf(html, pdf_path, template_dirs(templates_dir))


@main.command()
@click.argument("application", type=click.Path(path_type=Path, dir_okay=True, allow_dash=False))
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出审查结论（见 decision.md）。")
@click.option("--pdf", "pdf_path", type=click.Path(path_type=Path, dir_okay=False), help="同时写出审查意见 PDF。")
@click.option("--html", "html_path", type=click.Path(path_type=Path, dir_okay=False), help="同时写出审查意见 HTML（可在浏览器中查看）。")
@as_of_option
@rules_option
@templates_option
@font_dir_option
@reports_errors
def check(
    application: Path,
    as_json: bool,
    pdf_path: Path | None,
    html_path: Path | None,
    as_of: date | None,
    rules_dir: Path | None,
    templates_dir: Path | None,
    font_dir: Path | None,
) -> None:
    """审查一份申请材料，给出结论与逐条说明。

    退出码：0 建议准入，1 不予准入，3 提请联席会议一事一议，2 输入无效（写 PDF 时出错为其他退出码）。

    \b
    示例：
      admit check samples/industrial-approve.json
      admit check --json --as-of 2026-11-21 application.json
      admit check application.json --pdf 审查意见.pdf
    """
    rulebook = _load_rules(rules_dir)
    raw = read_application_file(application)
    review_date = as_of or date.today()
    decision = decide(prepare(raw, rulebook, review_date))
    if pdf_path is not None or html_path is not None:
        from .documents import render_opinion_html

        _write_documents(render_opinion_html(decision, review_date, templates_dir), pdf_path, html_path, templates_dir, font_dir)
    if as_json:
        _emit_json(decision.to_json())
    else:
        click.echo(render_decision(decision, _terminal_style))
    sys.exit(decision.exit_code)


@main.command()
@rules_option
@reports_errors
def schema(rules_dir: Path | None) -> None:
    """输出申请材料的 JSON Schema（项目类型、区域、重点产业链取自规则库）。

    \b
    示例：
      admit schema > application.schema.json
    """
    from .schema import application_schema

    _emit_json(application_schema(_load_rules(rules_dir)))


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出全部结果（summary 与 results）。")
@click.option("--csv", "csv_path", type=click.Path(path_type=Path, dir_okay=False), help="把结果写成 CSV 表（UTF-8，Excel 可直接打开）。")
@click.option("--xlsx", "xlsx_path", type=click.Path(path_type=Path, dir_okay=False), help="把结果写成 Excel 表（结论列着色）。")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help="并行进程数（默认：全部 CPU 核）。")
@as_of_option
@rules_option
@reports_errors
def screen(
    paths: tuple[Path, ...],
    as_json: bool,
    csv_path: Path | None,
    xlsx_path: Path | None,
    jobs: int | None,
    as_of: date | None,
    rules_dir: Path | None,
) -> None:
    """会前批量预审：申请材料文件、目录（递归查找 *.json）与 Excel 汇总表（每行一份申请）。

    无效的文件或行单独列出，不影响其余申请的审查。退出码：0 全部已审查，2 有无效输入（结果照常输出）。

    \b
    示例：
      admit screen samples/
      admit screen intake.xlsx 补充材料/ --xlsx 预审结果.xlsx --csv 预审结果.csv
      admit screen --json --jobs 2 samples/
    """
    from . import screen as screening

    rulebook_dir = rules_dir or default_rules_dir()
    items = list(screening.collect(paths))
    rulebook = load_rulebook(rulebook_dir)
    # A bar on a terminal; nothing at all (not even the label) in a pipe or a log.
    with click.progressbar(length=len(items), label="预审中", file=sys.stderr, hidden=not sys.stderr.isatty()) as bar:
        results = screening.evaluate_all(items, rulebook, as_of or date.today(), jobs or screening.default_jobs(), bar.update)
    if csv_path is not None:
        screening.write_csv(csv_path, results)
    if xlsx_path is not None:
        screening.write_xlsx(xlsx_path, results)
    if as_json:
        for line in screening.json_lines(results):
            click.echo(line)
    else:
        click.echo(screening.render_summary(results, _terminal_style))
    sys.exit(screening.exit_code(results))


@main.command()
@click.argument("target", type=click.Path(path_type=Path, dir_okay=False))
@rules_option
@reports_errors
def template(target: Path, rules_dir: Path | None) -> None:
    """写出一份空白的申请汇总表（Excel），含列标题说明、示例行与下拉列表。

    \b
    示例：
      admit template intake.xlsx
    """
    from .intake import write_template

    write_template(target, _load_rules(rules_dir))
    click.echo(f"已写出申请汇总表模板：{target}")


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--output", "pdf_path", type=click.Path(path_type=Path, dir_okay=False), help="会议材料 PDF 的路径。")
@click.option("--html", "html_path", type=click.Path(path_type=Path, dir_okay=False), help="同时写出会议材料 HTML。")
@click.option("--meeting-no", default=None, help="会议次数，如 12（第 12 次会议）。")
@click.option("--meeting-date", metavar="YYYY-MM-DD", callback=parse_date_option, default=None, help="会议日期（默认为审查日期）。")
@click.option("--title", default=None, help="会议材料标题（默认：江门市招商引资工作联席会议项目审查材料）。")
@as_of_option
@rules_option
@templates_option
@font_dir_option
@reports_errors
def packet(
    paths: tuple[Path, ...],
    pdf_path: Path | None,
    html_path: Path | None,
    meeting_no: str | None,
    meeting_date: date | None,
    title: str | None,
    as_of: date | None,
    rules_dir: Path | None,
    templates_dir: Path | None,
    font_dir: Path | None,
) -> None:
    """生成联席会议材料：封面、目录、项目汇总表、逐项审查意见、无效材料清单与规则版本附录。

    接受申请材料文件、目录与 Excel 汇总表；无效材料单独列出，不会中断生成。

    \b
    示例：
      admit packet samples/ -o 会议材料.pdf --meeting-no 12 --meeting-date 2026-11-28
      admit packet intake.xlsx -o 会议材料.pdf --html 会议材料.html
    """
    from . import screen as screening
    from .documents import DEFAULT_PACKET_TITLE, Meeting, render_packet_html

    if pdf_path is None and html_path is None:
        raise UsageError("请用 -o 指定 PDF 路径（或用 --html 指定 HTML 路径）")
    review_date = as_of or date.today()
    rulebook = _load_rules(rules_dir)
    decisions, invalid = screening.decisions_for_documents(list(paths), rulebook, review_date)
    meeting = Meeting(title or DEFAULT_PACKET_TITLE, meeting_no or "", (meeting_date or review_date).isoformat())
    html = render_packet_html(decisions, invalid, meeting, review_date, templates_dir)
    _write_documents(html, pdf_path, html_path, templates_dir, font_dir)
    click.echo(f"已生成会议材料：{pdf_path or html_path}（{len(decisions)} 个项目，{len(invalid)} 份无效材料）")
    if invalid:
        # The packet lists them in its own section; the exit code stays 0 because the packet
        # was made, as the meeting needs it regardless.
        click.echo(f"注意：{len(invalid)} 份申请材料无效，已列入会议材料的“无效申请材料”部分。", err=True)
