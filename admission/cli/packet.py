"""``admit packet``: the meeting packet (会议材料) of files, workbooks or a meeting's agenda."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from admission.app import Admit
from admission.cli.options import as_of_option_saying, date_option, output_option, uses_admit
from admission.cli.shell import command, notice, reports_errors, save, targets
from admission.documents.files import check_outputs
from admission.documents.views import DEFAULT_PACKET_TITLE, meeting_held, packet_review_date
from admission.errors import UsageError
from admission.intake.sources import collect


@command()
@click.argument("paths", nargs=-1, required=False, type=click.Path(path_type=Path))
@output_option("pdf", "会议材料 PDF 的路径。", "-o", "--output")
@output_option("html", "同时写出会议材料 HTML。")
@output_option("docx", "同时写出可编辑的会议材料 Word 文档（.docx）。")
@click.option("--meeting-no", type=click.IntRange(min=1), default=None, help="会议编号，正整数，如 12（第 12 次会议）。")
@date_option("--meeting-date", "会议日期（默认为审查日期）。")
@click.option("--title", default=None, help="会议材料标题（默认：江门市招商引资工作联席会议项目审查材料）。")
@as_of_option_saying("审查日期，写入各审查意见；申请未填受理日期时据此选择规则版本（默认今天，会议已开过的为会议日期）。")
@uses_admit(templates=True, fonts=True, db=True)
@reports_errors
def packet(
    admit: Admit,
    paths: tuple[Path, ...],
    pdf_path: Path | None,
    html_path: Path | None,
    docx_path: Path | None,
    meeting_no: int | None,
    meeting_date: date | None,
    title: str | None,
    as_of: date | None,
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
    outputs = targets(pdf=pdf_path, docx=docx_path, html=html_path)
    if not outputs:
        raise UsageError("请用 -o 指定 PDF 路径（或用 --html、--docx 指定 HTML、Word 路径）")
    check_outputs(outputs.values(), paths)
    review_date, odd_date = packet_review_date(as_of, meeting_date, date.today())
    if odd_date:
        notice(odd_date)
    admit.rulebook  # noqa: B018 - a broken rule book is reported before any work starts
    notices: list[str] = []
    if paths:
        items = list(collect(paths, notices))
    elif meeting_no is not None and meeting_date is not None:
        items = admit.agenda_items(meeting_no, meeting_date)
    else:
        raise UsageError("请给出申请材料路径，或用 --meeting-no 与 --meeting-date 按台账中的会议议程生成")
    check_outputs(outputs.values(), [item.path for item in items if item.path is not None])
    for text in notices:
        notice(text)
    meeting = meeting_held(title or DEFAULT_PACKET_TITLE, meeting_date or review_date, meeting_no, in_agenda_order=not paths)
    made = admit.packet(items, meeting, review_date, outputs.keys())
    save(made.documents, outputs)
    written = "、".join(str(outputs[kind]) for kind in ("pdf", "docx", "html") if kind in outputs)
    click.echo(f"已生成会议材料：{written}（{made.opinions} 个项目，{len(made.invalid)} 份无效材料）")
    if made.invalid:
        # The packet lists them in its own section; the exit code stays 0 because the packet
        # was made, as the meeting needs it regardless.
        click.echo(f"注意：{len(made.invalid)} 份申请材料无效，已列入会议材料的“无效申请材料”部分。", err=True)
