"""The ``admit`` command line: thin click commands over the core, nothing decided here."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from . import __version__, help_zh
from .dates import parse_iso_date
from .errors import AdmitError, InvalidInput, InvalidRulebook, OutputError, UsageError
from .output import check_outputs, write_files
from .pdf import use_font_dir
from .text import format_table, safe

if TYPE_CHECKING:
    from .rulebook import Rulebook

# The engine, pydantic and openpyxl are imported by the commands that use them: `admit ledger
# show` needs none of them and must answer in well under half a second.

F = TypeVar("F", bound=Callable[..., Any])


def parse_jobs_option(ctx: click.Context, param: click.Parameter, value: int | None) -> int | None:
    if value is not None and value < 1:
        raise click.BadParameter(f"进程数应为正整数，实际为 {value}", ctx, param)
    return value


def parse_date_option(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    """A YYYY-MM-DD option value, refused in Chinese with the option's name."""
    if value is None:
        return None
    parsed = parse_iso_date(value)
    if parsed is None:
        raise click.BadParameter(f"日期应为 YYYY-MM-DD 格式，实际为 {value!r}", ctx, param)
    return parsed


_STYLES = {"pass": {"fg": "green", "bold": True}, "fail": {"fg": "red"}, "warn": {"fg": "yellow"}, "title": {"bold": True}}


def _terminal_style(text: str, role: str) -> str:
    # click.echo strips these codes again when stdout is not a terminal.
    styles = _STYLES.get(role)
    return click.style(text, **styles) if styles else text  # type: ignore[arg-type]


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
                from .report import render_problems

                click.echo(render_problems(error.source, error.problems), err=True)
            else:
                click.echo(f"规则库无效（{len(error.problems)} 个问题）：", err=True)
                for problem in error.problems:
                    click.echo(f"  {problem.path}：{problem.message}", err=True)
            sys.exit(error.exit_code)
        except AdmitError as error:
            click.echo(f"错误：{safe(str(error))}", err=True)
            sys.exit(error.exit_code)
        except KeyboardInterrupt as interrupt:
            from .interrupts import exit_code_of

            click.echo("已中断。", err=True)
            sys.exit(exit_code_of(interrupt))
        except BrokenPipeError:
            # The reader went away (`| head`): not our failure, and nobody is left to tell.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(141)
        except click.exceptions.Exit:
            raise
        except click.ClickException:
            raise
        except Exception as error:  # a bug: one line, not a traceback, and never a verdict code
            click.echo(f"内部错误：{type(error).__name__}: {safe(str(error))}", err=True)
            sys.exit(70)

    return wrapper  # type: ignore[return-value]


def _load_rules(rules_dir: Path | None) -> Rulebook:
    from .rulebook import default_rules_dir, load_rulebook

    return load_rulebook(rules_dir or default_rules_dir())


rules_option = click.option(
    "--rules",
    "rules_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="使用另一份规则库目录（默认使用随程序发布的规则库）。",
)


def as_of_option_saying(help_text: str = "审查日期；申请未填受理日期时据此选择规则版本（默认今天）。") -> Callable[[F], F]:
    """``--as-of``, with help that says what the date does for this command."""
    return click.option("--as-of", metavar="YYYY-MM-DD", callback=parse_date_option, default=None, help=help_text)


as_of_option = as_of_option_saying()


def usage_error_zh(error: click.UsageError) -> str:
    """click's usage errors, said in Chinese (the values our own callbacks give already are)."""
    hint = None
    if isinstance(error, click.BadParameter):
        hint = error.param_hint if isinstance(error.param_hint, str) else None
        if hint is None and error.param is not None:
            hint = error.param.get_error_hint(error.ctx)
    if isinstance(error, click.MissingParameter):
        return f"缺少参数 {hint}" if hint else "缺少参数"
    if isinstance(error, click.BadParameter):
        message = safe(error.message)  # click's words, already Chinese through the catalogue (help_zh)
        return f"参数 {hint} 的值无效：{message}" if hint else f"参数值无效：{message}"
    if isinstance(error, click.NoSuchOption):
        close = f"；是否应为 {'、'.join(sorted(error.possibilities))}？" if error.possibilities else ""
        return f"没有选项 {error.option_name}{close}"
    return error.message  # click's own words, Chinese through the catalogue


help_zh.install()


class AdmitCommand(click.Command):
    """Every command's help laid out by display width (help_zh)."""

    context_class = help_zh.ChineseContext


class AdmitGroup(click.Group):
    """The top-level group: usage errors in Chinese, exit code 2, as the decision contract says.

    Its commands and sub-groups are made with the same classes, so all of them wrap help text
    the same way.
    """

    context_class = help_zh.ChineseContext
    command_class = AdmitCommand
    group_class = type

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        standalone = standalone_mode
        try:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.UsageError as error:
            if not standalone:
                raise
            if type(error).__name__ == "NoArgsIsHelpError":  # a bare group: its help is the answer
                click.echo(error.format_message(), err=True)
                sys.exit(error.exit_code)
            if error.ctx is not None:
                click.echo(error.ctx.get_usage(), err=True)
                click.echo(f"（运行 {error.ctx.command_path} --help 查看帮助）", err=True)
            click.echo(f"错误：{usage_error_zh(error)}", err=True)
            sys.exit(error.exit_code)
        except click.exceptions.Abort as abort:
            if not standalone:
                raise
            from .interrupts import exit_code_of

            click.echo("已中断。", err=True)
            cause = abort.__cause__
            sys.exit(exit_code_of(cause) if isinstance(cause, KeyboardInterrupt) else 130)


@click.group(cls=AdmitGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="admit")
def main() -> None:
    """admit：江门市招商引资项目准入审查工具。"""


db_option = click.option(
    "--db",
    "db_target",
    metavar="TARGET",
    default=None,
    help="台账数据库：SQLite 文件路径或 postgresql:// 地址（默认取环境变量 ADMIT_DB，否则为当前目录的 admit.db）。",
)
by_option = click.option("--by", "actor", metavar="NAME", default=None, help="经办人姓名，记入每条变更事件（默认为操作系统用户名）。")
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


def write_outputs(
    pdf_path: Path | None,
    html_path: Path | None,
    make_html: Callable[[], str] | None,
    templates_dir: Path | None,
    font_dir: Path | None,
    other: dict[Path | None, Callable[[], bytes]] | None = None,
) -> None:
    """Every output file of a command (a PDF and its HTML, a workbook…) made in full first, then
    written together (all or none): a PDF that fails to render costs the workbook nothing half-done."""
    from .documents import template_dirs

    files = {path: make() for path, make in (other or {}).items() if path is not None}
    if make_html is not None and (pdf_path is not None or html_path is not None):
        html = make_html()
        if html_path is not None:
            files[html_path] = html.encode("utf-8")
        if pdf_path is not None:
            from .pdf import render_pdf

            use_font_dir(font_dir)
            files[pdf_path], _ = render_pdf(html, template_dirs(templates_dir))
    write_files(files)


@main.command()
@click.argument("application", type=click.Path(path_type=Path, dir_okay=True, allow_dash=False))
@click.option("--id", "case_id", metavar="案件编号", help="APPLICATION 是 Excel 汇总表时：审查案件编号为此值的一行。")
@click.option("--row", type=click.IntRange(min=2), metavar="行号", help="APPLICATION 是 Excel 汇总表时：审查第几行（标题为第 1 行）。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出审查结论（格式见 docs/decision.md）。")
@click.option("--pdf", "pdf_path", type=click.Path(path_type=Path, dir_okay=False), help="同时写出审查意见 PDF。")
@click.option("--docx", "docx_path", type=click.Path(path_type=Path, dir_okay=False), help="同时写出可编辑的审查意见 Word 文档（.docx）。")
@click.option("--html", "html_path", type=click.Path(path_type=Path, dir_okay=False), help="同时写出审查意见 HTML（可在浏览器中查看）。")
@as_of_option
@rules_option
@templates_option
@font_dir_option
@reports_errors
def check(
    application: Path,
    case_id: str | None,
    row: int | None,
    as_json: bool,
    pdf_path: Path | None,
    docx_path: Path | None,
    html_path: Path | None,
    as_of: date | None,
    rules_dir: Path | None,
    templates_dir: Path | None,
    font_dir: Path | None,
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
    from .application import read_application_file
    from .intake import WORKBOOK_SUFFIXES, pick_row
    from .report import render_decision
    from .review import Decision
    from .screen import Item, try_decide

    check_outputs([pdf_path, docx_path, html_path], [application])
    rulebook = _load_rules(rules_dir)
    review_date = as_of or date.today()
    if application.suffix.lower() in WORKBOOK_SUFFIXES:
        picked = pick_row(application, row, case_id)
        item = Item(picked.source, raw=picked) if not isinstance(picked, InvalidInput) else Item(picked.source, refused=picked)
    elif case_id is not None or row is not None:
        raise UsageError("--id 与 --row 只用于 Excel 汇总表（.xlsx）；JSON 申请材料一个文件就是一份申请")
    else:
        item = Item(str(application), raw=read_application_file(application))
    outcome = try_decide(item, rulebook, review_date)
    if not isinstance(outcome, Decision):
        _report_refused(outcome, as_json)
    decision = outcome
    if pdf_path is not None or html_path is not None or docx_path is not None:
        from .documents import refuse_undrawable, render_opinion_html

        other: dict[Path | None, Callable[[], bytes]] = {}
        if docx_path is not None:
            from .word import opinion_docx

            other[docx_path] = lambda: opinion_docx(decision, review_date, templates_dir)
        if pdf_path is not None:
            use_font_dir(font_dir)
            refuse_undrawable(decision, templates_dir)
        write_outputs(
            pdf_path, html_path, lambda: render_opinion_html(decision, review_date, templates_dir), templates_dir, font_dir, other=other
        )
    if as_json:
        _emit_json(decision.to_json())
    else:
        click.echo(render_decision(decision, _terminal_style))
    sys.exit(decision.exit_code)


def _report_refused(result: dict[str, Any], as_json: bool) -> NoReturn:
    """An input refused by ``check``: its problems (by column for a workbook row), exit 2 (70 for a bug)."""
    from .screen import invalid_lines

    error = result["error"]
    if as_json:
        _emit_json({"error": error})
    else:
        heading, *problems = invalid_lines(result)
        click.echo(f"{heading}：申请材料无效，未作审查结论（{len(problems)} 个问题）", err=True)
        for line in problems:
            click.echo(line, err=True)
    sys.exit(70 if error["kind"] == "internal_error" else 2)


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
@click.option("--jobs", "-j", type=int, callback=parse_jobs_option, default=None, help="并行进程数（默认：全部 CPU 核）。")
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
    from .rulebook import default_rules_dir, load_rulebook

    check_outputs([csv_path, xlsx_path], paths)
    rulebook_dir = rules_dir or default_rules_dir()
    notices: list[str] = []
    items = list(screening.collect(paths, notices))
    check_outputs([csv_path, xlsx_path], [item.path for item in items if item.path is not None])
    rulebook = load_rulebook(rulebook_dir)
    # A bar on a terminal; nothing at all (not even the label) in a pipe or a log.
    with click.progressbar(length=len(items), label="预审中", file=sys.stderr, hidden=not sys.stderr.isatty()) as bar:
        results = screening.evaluate_all(items, rulebook, as_of or date.today(), jobs or screening.default_jobs(), bar.update)
    for notice in notices:
        click.echo(f"注意：{safe(notice)}", err=True)
    files: dict[Path, bytes] = {}
    if csv_path is not None:
        files[csv_path] = screening.results_csv(results, rulebook)
    if xlsx_path is not None:
        files[xlsx_path] = screening.results_xlsx(results, rulebook, notices)
    write_error: AdmitError | None = None
    try:
        write_files(files)  # both files or neither
    except AdmitError as error:
        write_error = error  # the results still reach stdout: a failed file costs nothing else
    if as_json:
        for line in screening.json_lines(results, notices):
            click.echo(line)
    else:
        click.echo(screening.render_summary(results, _terminal_style))
    if write_error is not None:
        raise write_error
    sys.exit(screening.exit_code(results))


@main.command()
@click.argument("target", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="目标文件已存在时覆盖它（默认拒绝，以免覆盖已填写的汇总表）。")
@rules_option
@reports_errors
def template(target: Path, force: bool, rules_dir: Path | None) -> None:
    """写出一份空白的申请汇总表（Excel），含列标题说明、示例行与下拉列表。

    \b
    示例：
      admit template intake.xlsx
    """
    from .intake import template_bytes

    check_outputs([target])
    if target.exists() and not force:
        raise OutputError(f"{target} 已存在，未覆盖（可能是已填写的汇总表）；确需覆盖请加 --force")
    write_files({target: template_bytes(_load_rules(rules_dir))})
    click.echo(f"已写出申请汇总表模板：{target}")


@main.command()
@click.argument("paths", nargs=-1, required=False, type=click.Path(path_type=Path))
@click.option("-o", "--output", "pdf_path", type=click.Path(path_type=Path, dir_okay=False), help="会议材料 PDF 的路径。")
@click.option("--html", "html_path", type=click.Path(path_type=Path, dir_okay=False), help="同时写出会议材料 HTML。")
@click.option("--docx", "docx_path", type=click.Path(path_type=Path, dir_okay=False), help="同时写出可编辑的会议材料 Word 文档（.docx）。")
@click.option("--meeting-no", type=click.IntRange(min=1), default=None, help="会议编号，正整数，如 12（第 12 次会议）。")
@click.option("--meeting-date", metavar="YYYY-MM-DD", callback=parse_date_option, default=None, help="会议日期（默认为审查日期）。")
@click.option("--title", default=None, help="会议材料标题（默认：江门市招商引资工作联席会议项目审查材料）。")
@as_of_option_saying("审查日期，写入各审查意见；申请未填受理日期时据此选择规则版本（默认今天）。")
@rules_option
@templates_option
@font_dir_option
@db_option
@reports_errors
def packet(
    paths: tuple[Path, ...],
    pdf_path: Path | None,
    html_path: Path | None,
    docx_path: Path | None,
    meeting_no: int | None,
    meeting_date: date | None,
    title: str | None,
    as_of: date | None,
    rules_dir: Path | None,
    templates_dir: Path | None,
    font_dir: Path | None,
    db_target: str | None,
) -> None:
    """生成联席会议材料：封面、目录、项目汇总表、逐项审查意见、无效材料清单与规则版本附录。

    接受申请材料文件、目录与 Excel 汇总表；不给路径时，按台账中该次会议的议程（admit ledger agenda）
    取各项目的最新修订。无效材料单独列出，不会中断生成。

    \b
    示例：
      admit packet samples/ -o 会议材料.pdf --meeting-no 12 --meeting-date 2026-11-28
      admit packet intake.xlsx -o 会议材料.pdf --html 会议材料.html
      admit packet --meeting-no 12 --meeting-date 2026-11-28 -o 会议材料.pdf --db admit.db
    """
    from . import screen as screening
    from .documents import DEFAULT_PACKET_TITLE, Meeting, render_packet_html

    if pdf_path is None and html_path is None and docx_path is None:
        raise UsageError("请用 -o 指定 PDF 路径（或用 --html、--docx 指定 HTML、Word 路径）")
    check_outputs([pdf_path, html_path, docx_path], paths)
    review_date = as_of or date.today()
    rulebook = _load_rules(rules_dir)
    notices: list[str] = []
    if paths:
        items = list(screening.collect(paths, notices))
    elif meeting_no is not None and meeting_date is not None:
        items = _agenda_items(db_target, meeting_no, meeting_date)
    else:
        raise UsageError("请给出申请材料路径，或用 --meeting-no 与 --meeting-date 按台账中的会议议程生成")
    check_outputs([pdf_path, html_path, docx_path], [item.path for item in items if item.path is not None])
    for notice in notices:
        click.echo(f"注意：{safe(notice)}", err=True)
    decisions, invalid = screening.decisions_for_documents(items, rulebook, review_date)
    if pdf_path is not None:
        from .documents import set_aside_undrawable

        use_font_dir(font_dir)
        decisions, invalid = set_aside_undrawable(decisions, invalid, templates_dir)
    from .dates import date_zh

    meeting = Meeting(title or DEFAULT_PACKET_TITLE, str(meeting_no or ""), date_zh(meeting_date or review_date))
    other: dict[Path | None, Callable[[], bytes]] = {}
    if docx_path is not None:
        from .word import packet_docx

        other[docx_path] = lambda: packet_docx(decisions, invalid, meeting, review_date, templates_dir)
    html = render_packet_html(decisions, invalid, meeting, review_date, templates_dir)
    write_outputs(pdf_path, html_path, lambda: html, templates_dir, font_dir, other=other)
    written = "、".join(str(p) for p in (pdf_path, docx_path, html_path) if p)
    click.echo(f"已生成会议材料：{written}（{len(decisions)} 个项目，{len(invalid)} 份无效材料）")
    if invalid:
        # The packet lists them in its own section; the exit code stays 0 because the packet
        # was made, as the meeting needs it regardless.
        click.echo(f"注意：{len(invalid)} 份申请材料无效，已列入会议材料的“无效申请材料”部分。", err=True)


def _agenda_items(db_target: str | None, meeting_no: int, meeting_date: date) -> list[Any]:
    """The agenda's applications (latest revisions) as screening items."""
    from .application import RawApplication, parse_json_text
    from .ledger.database import open_ledger
    from .ledger.records import agenda_applications
    from .screen import Item

    with open_ledger(db_target, create=False) as store, store.reading() as connection:
        found = agenda_applications(connection, meeting_no, meeting_date)
    if not found:
        meeting = f"{meeting_date.year} 年第 {meeting_no} 次会议（{meeting_date.isoformat()}）"
        raise UsageError(f"台账中没有{meeting}的议程（用 admit ledger agenda 设定）")
    items = []
    for case_id, content, revision in found:
        source = f"台账 {case_id} 第 {revision} 版"
        data, problems = parse_json_text(content.encode("utf-8"))
        items.append(Item(source, raw=RawApplication(source, data, tuple(problems))))
    return items


# --- admit rules ---------------------------------------------------------------------------------


@main.group()
def rules() -> None:
    """规则库工具：查看、校验、比较、回归测试与影响分析。"""


@rules.command("list")
@click.option("--type", "project_type", metavar="项目类型", default=None, help="只列出这一项目类型：工业项目、工业地产项目、物流项目。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@as_of_option_saying("列出这一天生效的规则（默认今天）。")
@rules_option
@reports_errors
def rules_list(project_type: str | None, as_json: bool, as_of: date | None, rules_dir: Path | None) -> None:
    """列出规则版本与规则集，并逐条列出审查日期当日生效的规则（各区域分类的门槛及其所辖区域）。

    \b
    示例：
      admit rules list
      admit rules list --as-of 2020-01-01 --type 工业项目
      admit rules list --json
    """
    from .dates import date_zh
    from .ruletools import SEVERITY_LABELS, in_force, listing_json, project_type_code, requirement, term_lines
    from .text import pad

    rulebook = _load_rules(rules_dir)
    on = as_of or date.today()
    if project_type is not None:
        project_type = project_type_code(rulebook, project_type)
    if as_json:
        _emit_json(listing_json(rulebook, on, project_type))
        return
    click.echo(_terminal_style("规则版本", "title"))
    for version in rulebook.versions:
        mark = "（审查日期当日生效）" if version.in_force(on) else ""
        types = "、".join(rs.label for rs in version.rulesets.values())
        click.echo(f"  {version.version}  {version.period_text()}  {types}{mark}")
        click.echo(f"      {version.title}")
    shown_terms: set[str] = set()
    for selected in in_force(rulebook, on, project_type):
        if selected.version.version not in shown_terms:
            shown_terms.add(selected.version.version)
            click.echo("")
            click.echo(_terminal_style(f"履约条款 · {selected.version.version}（追偿违约责任，见 admit monitor）", "title"))
            for label, text in term_lines(selected.version.monitoring):
                click.echo(f"  {pad(label, 36)}{text}")
        tiers = selected.version.tiers
        click.echo("")
        click.echo(_terminal_style(f"{selected.ruleset.label} · {selected.version.version} · {date_zh(on)} 适用", "title"))
        for tier in tiers:
            click.echo(f"  {tier.label}：{'、'.join(tier.districts)}")
        rows = [["指标", *[t.label for t in tiers], "单位", "必备/参考", "依据"]]
        for rule in selected.ruleset.rules:
            rows.append(
                [rule.label, *[requirement(rule, t.level) for t in tiers], rule.unit or "—", SEVERITY_LABELS[rule.severity], rule.source]
            )
        for line in format_table(rows):
            click.echo("  " + line)
    if not in_force(rulebook, on, project_type):
        click.echo(f"\n{date_zh(on)} 没有生效的规则集。")


@rules.command("show")
@click.argument("rule_id", metavar="规则")
@click.option("--version", "version_name", default=None, help="只看这一版本。")
@rules_option
@reports_errors
def rules_show(rule_id: str, version_name: str | None, rules_dir: Path | None) -> None:
    """查看一条规则：各版本、各区域分类的门槛，依据，以及所用指标的计算公式。

    规则可写中文名称（亩均税收）或规则编号（tax_per_mu）；写“履约条款”（或 monitoring）时查看履约条款。

    \b
    示例：
      admit rules show 亩均税收
      admit rules show 履约条款
      admit rules show 容积率 --version JM-2022
    """
    from .ruletools import SEVERITY_LABELS, find_rule, indicator_formula, rule_requirement, term_lines
    from .text import pad

    rulebook = _load_rules(rules_dir)
    if rule_id in ("monitoring", "履约条款"):
        for version in rulebook.versions:
            if version_name not in (None, version.version):
                continue
            click.echo(_terminal_style(f"履约条款 · {version.version}（{version.period_text()}）", "title"))
            for label, text in term_lines(version.monitoring):
                click.echo(f"  {pad(label, 36)}{text}")
            terms = version.monitoring
            for source in dict.fromkeys((terms.source_late, terms.source_idle, terms.source_investment, terms.source_tax)):
                click.echo(f"  依据：{source}")
        return
    found = find_rule(rulebook, rule_id, version_name)
    first = found[0][2]
    click.echo(_terminal_style(f"{first.label}（规则编号 {first.id}）", "title"))
    click.echo(f"计算公式：{indicator_formula(first)}")
    for version, project_type, rule in found:
        click.echo("")
        label = version.rulesets[project_type].label
        click.echo(_terminal_style(f"{version.version}（{version.period_text()}）· {label} · {SEVERITY_LABELS[rule.severity]}", "title"))
        for tier in version.tiers:
            click.echo(f"  {tier.label}（{'、'.join(tier.districts)}）：{rule_requirement(rule, tier.level)}")
        if version.special_review is not None and rule.severity == "mandatory" and rule.operator != "in":
            click.echo(
                f"  一事一议：重大项目未达标时，差距在标准的 {version.special_review.tolerance * 100:.0f}% 以内可提请联席会议一事一议"
            )
        click.echo(f"  依据：{rule.source}")


@rules.command("validate")
@click.argument("directory", required=False, type=click.Path(path_type=Path, file_okay=False))
@reports_errors
def rules_validate(directory: Path | None) -> None:
    """校验规则库（不审查任何申请）：结构、单位、版本日期重叠或间断、区域遗漏、未知指标、门槛类型。

    退出码：0 有效，2 有问题（逐条列出文件与键）。

    \b
    示例：
      admit rules validate
      admit rules validate ./proposed-rules
    """
    from .rulebook import default_rules_dir, load_rulebook

    rulebook = load_rulebook(directory or default_rules_dir())
    rulesets = sum(len(v.rulesets) for v in rulebook.versions)
    count = sum(len(rs.rules) for v in rulebook.versions for rs in v.rulesets.values())
    click.echo(f"规则库有效：{rulebook.directory}，{len(rulebook.versions)} 个版本，{rulesets} 个规则集，{count} 条规则。")


@rules.command("diff")
@click.argument("old", metavar="原版本")
@click.argument("new", metavar="新版本")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@as_of_option_saying("比较规则库目录时，各项目类型取这一天生效的版本（默认取最新版本）。")
@rules_option
@reports_errors
def rules_diff(old: str, new: str, as_json: bool, as_of: date | None, rules_dir: Path | None) -> None:
    """比较两个规则版本或两份规则库：逐个区域、逐条规则列出门槛的提高、降低、新增与删除，以及区域分类、一事一议条款、疑似填报错误界限和履约条款的变化。

    原版本、新版本为版本号（取自 --rules 或默认规则库）、规则库目录（各类型取最新版本，或 --as-of 当日生效的版本），或“目录:版本号”。

    \b
    示例：
      admit rules diff JM-2014 JM-2022
      admit rules diff rules/ ./proposed-rules
    """
    from .ruletools import diff, resolve_side

    rulebook = _load_rules(rules_dir)
    old_label, old_sets = resolve_side(old, rulebook, as_of)
    new_label, new_sets = resolve_side(new, rulebook, as_of)
    changes = diff(old_sets, new_sets)
    if as_json:
        _emit_json({"old": old_label, "new": new_label, "changes": [c.to_json() for c in changes]})
        return
    click.echo(_terminal_style(f"规则比较：{old_label} → {new_label}", "title"))
    if not changes:
        click.echo("没有差异。")
        return
    from .intake import TYPE_LABELS

    for section in dict.fromkeys(c.section for c in changes):
        shown = [c for c in changes if c.section == section]
        click.echo("")
        click.echo(_terminal_style(section, "title"))
        if section == "规则":
            rows = [["项目类型", "指标", "区域", "原要求", "新要求", "变化"]]
            rows += [[TYPE_LABELS.get(c.type, c.type), c.label, c.districts, c.old, c.new, c.kind] for c in shown]
        elif section == "区域分类":
            rows = [["区域", "原分类", "新分类", "变化"], *([c.districts, c.old, c.new, c.kind] for c in shown)]
        else:
            long = [c for c in shown if max(len(c.old), len(c.new)) > 24]  # a list (重点产业链) gets lines of its own
            rows = [["项目", "原规定", "新规定", "变化"], *([c.label, c.old, c.new, c.kind] for c in shown if c not in long)]
            for change in long:
                click.echo(f"  {change.label}（{change.kind}）：原 {change.old}；新 {change.new}")
        for line in format_table(rows) if len(rows) > 1 else []:
            click.echo("  " + line)
    click.echo(f"\n共 {len(changes)} 处变化。")


@rules.command("test")
@click.argument("directory", required=False, type=click.Path(path_type=Path, file_okay=False))
@reports_errors
def rules_test(directory: Path | None) -> None:
    """运行规则库自带的回归案例（DIR/cases/*.json：申请材料、审查日期、应得结论与未达标规则）。

    退出码：0 全部符合，1 有不符，2 规则库无效。

    \b
    示例：
      admit rules test
      admit rules test ./proposed-rules
    """
    from .rulebook import default_rules_dir, load_rulebook
    from .ruletools import run_cases

    rules_dir = directory or default_rules_dir()
    rulebook = load_rulebook(rules_dir)
    results = run_cases(rulebook, rules_dir / "cases")
    if not results:
        raise UsageError(f"{rules_dir / 'cases'} 中没有回归案例（*.json）")
    failures = [r for r in results if not r.ok]
    for result in failures:
        click.echo(_terminal_style(f"不符：{result.name}", "fail"))
        click.echo(f"  应为：{result.expected_verdict}，未达标 {result.expected_failed}")
        click.echo(f"  实得：{result.verdict}，未达标 {result.failed}")
        for problem in result.problems:
            click.echo(f"  {problem.path}：{problem.message}")
    passed = len(results) - len(failures)
    click.echo(f"{passed} passed, {len(failures)} failed")
    sys.exit(1 if failures else 0)


@rules.command("impact")
@click.argument("new_dir", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@as_of_option_saying("重新审查所用的审查日期；申请未填受理日期时据此选择两套规则中的版本（默认今天）。")
@rules_option
@reports_errors
def rules_impact(new_dir: Path, paths: tuple[Path, ...], as_json: bool, as_of: date | None, rules_dir: Path | None) -> None:
    """用拟议的规则库重新审查一批申请，列出结论会改变的项目（如 建议准入 → 不予准入）。

    \b
    示例：
      admit rules impact ./proposed-rules samples/
      admit rules impact ./proposed-rules 往期申请/ intake.xlsx --json
    """
    from .rulebook import load_rulebook
    from .ruletools import impact, verdict_text

    current = _load_rules(rules_dir)
    proposed = load_rulebook(new_dir)
    from .intake import source_label

    report = impact(current, proposed, list(paths), as_of or date.today())
    if as_json:
        invalid = [{"source": source, "problems": problems} for source, problems in report.invalid]
        _emit_json({"evaluated": report.evaluated, "invalid": invalid, "changed": [c.to_json() for c in report.changed]})
        return
    total = report.evaluated + len(report.invalid)
    head = f"影响分析：共 {total} 份申请，可审查 {report.evaluated} 份，其中 {len(report.changed)} 份结论将改变"
    if report.invalid:
        head += f"；另有 {len(report.invalid)} 份在两套规则下均为无效材料，未纳入比较"
    click.echo(_terminal_style(head, "title"))
    for change in report.changed:
        flip = f"{verdict_text(change.before)} → {verdict_text(change.after)}"
        click.echo(f"  {safe(change.case_id)}  {safe(change.name)}：{flip}  （{safe(source_label(change.source))}）")
        for rule in change.rules:
            click.echo(f"      {safe(rule)}")
    for source, problems in report.invalid:
        click.echo(
            f"  [无效] {safe(source_label(source))}：{safe(problems[0]['message'])}"
            + (f" 等 {len(problems)} 个问题" if len(problems) > 1 else "")
        )


# The ledger's and the monitor's commands live in their own modules; importing them registers
# them on ``main``.
from . import cli_ledger, cli_monitor, cli_report, cli_web  # noqa: E402, F401
