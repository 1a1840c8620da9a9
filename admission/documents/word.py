"""Word export (可编辑的审查意见和会议材料): the same views the PDF lays out, as a .docx.

Opinions are revised after leaders comment, and a PDF cannot be edited. The document uses
named styles (公文正文 in 仿宋, 公文标题 and 一级标题 in 黑体, …) rather than direct formatting, so
an office maps them onto its own 公文 template in Word or WPS ("样式 → 修改", or by attaching the
template) instead of reformatting every paragraph. python-docx escapes every text it writes:
application text never becomes markup.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from admission.documents.views import InvalidView, Meeting, OpinionView, VersionView, opinion_view, packet_context
from admission.review.decision import Decision

BODY_FONT = "仿宋"  # FangSong: the 公文 body face
HEADING_FONT = "黑体"  # SimHei: headings
LATIN_FONT = "Times New Roman"

# name -> (east-Asian font, size in pt, bold, alignment, first-line indent in characters)
STYLES: dict[str, tuple[str, float, bool, str, int]] = {
    "公文正文": (BODY_FONT, 14, False, "justify", 2),
    "公文标题": (HEADING_FONT, 18, False, "center", 0),
    "发文单位": (HEADING_FONT, 20, True, "center", 0),
    "文号": (BODY_FONT, 14, False, "center", 0),
    "一级标题": (HEADING_FONT, 14, False, "left", 0),
    "二级标题": (HEADING_FONT, 12, False, "left", 0),
    "列表": (BODY_FONT, 12, False, "left", 0),
    "表格文字": (BODY_FONT, 10.5, False, "left", 0),
    "落款": (BODY_FONT, 14, False, "right", 0),
    "附注": (BODY_FONT, 9, False, "left", 0),
}


def _new_document() -> Any:
    from docx import Document
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    # GB/T 9704 (党政机关公文格式): top 37 mm, bottom 35 mm, left 28 mm, right 26 mm.
    section.top_margin, section.bottom_margin, section.left_margin, section.right_margin = Mm(37), Mm(35), Mm(28), Mm(26)
    alignments = {
        "left": WD_ALIGN_PARAGRAPH.LEFT,
        "center": WD_ALIGN_PARAGRAPH.CENTER,
        "right": WD_ALIGN_PARAGRAPH.RIGHT,
        "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
    }
    for name, (font, size, bold, align, indent) in STYLES.items():
        style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        assert style.style_id == name  # _paragraph sets styles by id
        style.base_style = document.styles["Normal"]
        style.font.name = LATIN_FONT
        style.font.size = Pt(size)
        style.font.bold = bold
        style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
        style.paragraph_format.alignment = alignments[align]
        style.paragraph_format.space_after = Pt(3)
        if indent:
            style.paragraph_format.first_line_indent = Pt(size * indent)
    return document


def _paragraph(container: Any, text: str, style: str) -> Any:
    """A paragraph in a named style.

    The style is set by its id on the paragraph's XML: python-docx's ``style=`` looks up the
    default style by scanning every style on each call, which made a 100-project packet take
    24 s instead of 2. Our style names are their ids (python-docx derives the id from the name).
    """
    paragraph = container.add_paragraph(text)
    paragraph._p.style = style
    return paragraph


def _table(document: Any, rows: Sequence[Sequence[str]], widths_mm: Sequence[float], header: bool = True) -> None:
    from docx.shared import Mm

    table = document.add_table(rows=len(rows), cols=len(widths_mm))
    table.style = document.styles["Table Grid"]
    for index, (row, cells) in enumerate(zip(table.rows, rows, strict=True)):
        for cell, text, width in zip(row.cells, cells, widths_mm, strict=True):
            cell.width = Mm(width)
            paragraph = cell.paragraphs[0]
            paragraph._p.style = "表格文字"  # see _paragraph
            paragraph.add_run(text).bold = header and index == 0
    document.add_paragraph()


def _list(document: Any, items: Sequence[str]) -> None:
    for number, item in enumerate(items, 1):
        _paragraph(document, f"{number}. {item}", "列表")


def _opinion(document: Any, o: OpinionView) -> None:
    _paragraph(document, o.office, "发文单位")
    _paragraph(document, o.document_number, "文号")
    _paragraph(document, f"关于{o.name}的准入审查意见", "公文标题")
    _paragraph(document, o.opening, "公文正文")
    _paragraph(document, "一、项目基本情况", "一级标题")
    output = f"{o.annual_output} 万元" if o.annual_output else "未提供"
    facts = [
        ("案件编号", o.case_id, "受理日期", o.submitted_on),
        ("项目名称", o.name, "投资主体", o.applicant),
        ("统一社会信用代码", o.credit_code, "项目类型", o.type_label),
        ("所在区域", f"{o.district}（{o.tier_label}）", "行业代码", o.industry_code),
        ("重点产业链", o.chain or "未提供", "重大项目", o.major),
        ("用地面积", f"{o.land_mu} 亩", "计划总投资", f"{o.total_investment} 万元（{o.total_yi} 亿元）"),
        ("固定资产投资", f"{o.fixed_assets} 万元", "达产年税收", f"{o.annual_tax} 万元"),
        ("达产年产值", output, "", ""),
    ]
    _table(document, facts, (28, 50, 28, 50), header=False)
    _paragraph(document, "二、指标审查情况", "一级标题")
    findings = [("指标", "准入要求", "实际值", "是否达标"), *((r.label, r.requirement, r.actual, r.result) for r in o.rows)]
    _table(document, findings, (34, 46, 36, 40))
    _paragraph(document, "三、审查意见", "一级标题")
    _paragraph(document, o.conclusion, "公文正文")
    _paragraph(document, f"审查结论：{o.verdict_label}", "二级标题")
    _paragraph(document, "主要理由", "二级标题")
    _list(document, o.reasons)
    if o.concerns:
        _paragraph(document, "关注事项", "二级标题")
        _list(document, o.concerns)
    if o.remedies:
        _paragraph(document, "达标所需（可采取下列任一调整，其他条件不变）", "二级标题")
        _list(document, o.remedies)
    document.add_paragraph()
    _paragraph(document, "审查人（签字）：________________　　复核人（签字）：________________", "公文正文")
    document.add_paragraph()
    _paragraph(document, o.seal_line, "落款")
    _paragraph(document, o.review_date, "落款")
    audit = (
        f"审查依据：《{o.version_title}》（{o.version}）{o.ruleset_label}规则；规则摘要 {o.rulebook_digest}；"
        f"申请材料摘要（规范化 JSON 的 SHA-256）{o.input_digest}；审查日期：{o.review_date}；由 admit {o.tool_version} 生成"
    )
    _paragraph(document, audit, "附注")


def _bytes(document: Any) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def opinion_docx(decision: Decision, review_date: date, templates: Path | None = None) -> bytes:
    """One review opinion as an editable Word document."""
    document = _new_document()
    _opinion(document, opinion_view(decision, review_date, templates))
    return _bytes(document)


def packet_docx(
    decisions: Sequence[Decision], invalid: Sequence[dict[str, Any]], meeting: Meeting, review_date: date, templates: Path | None = None
) -> bytes:
    """A meeting packet as an editable Word document: cover facts, summary, opinions, invalid
    materials and the rule-book appendix, in the PDF's order."""
    context = packet_context(decisions, invalid, meeting, review_date, templates)
    opinions: list[OpinionView] = context["opinions"]
    counts: dict[str, int] = context["counts"]
    versions: list[VersionView] = context["versions"]
    document = _new_document()
    _paragraph(document, context["office"].name, "发文单位")
    _paragraph(document, meeting.title, "公文标题")
    cover = [
        ("会议日期", meeting.date),
        ("提请审议项目", f"{len(opinions)} 个"),
        ("审查规则版本", "、".join(dict.fromkeys(v.version for v in versions))),
    ]
    if meeting.number:
        cover.insert(0, ("会议次数", f"第 {meeting.number} 次"))
    cover.append(("审查结论", f"{counts['approve']} 个建议准入，{counts['conditional']} 个提请一事一议，{counts['reject']} 个不予准入"))
    _table(document, cover, (40, 116), header=False)
    document.add_page_break()
    _paragraph(document, "项目汇总表", "一级标题")
    summary = [("序号", "项目名称", "类型", "区域", "总投资（亿元）", "用地（亩）", "结论")]
    summary += [(str(i), o.name, o.type_label, o.district, o.total_yi, o.land_mu, o.verdict_label) for i, o in enumerate(opinions, 1)]
    _table(document, summary, (10, 50, 20, 18, 20, 18, 20))
    for o in opinions:
        document.add_page_break()
        _opinion(document, o)
    invalid_views: list[InvalidView] = context["invalid"]
    if invalid_views:
        document.add_page_break()
        _paragraph(document, "无效申请材料", "一级标题")
        _paragraph(document, "以下材料未通过格式检查，未作审查结论，请退回所在区域补正后重新报送。", "公文正文")
        for number, item in enumerate(invalid_views, 1):
            back = f"，退回{item.district}补正" if item.district else ""
            title = item.title or "（无法读出案件编号和项目名称）"
            _paragraph(document, f"{number}. {title}{back}（来源：{item.where}）", "二级标题")
            _table(document, [("栏目", "问题"), *((p["place"], p["message"]) for p in item.problems)], (45, 111))
    document.add_page_break()
    _paragraph(document, "附录：审查规则版本", "一级标题")
    rows = [("版本", "项目类型", "施行期间", "规则摘要（SHA-256）"), *((v.version, v.type_label, v.period, v.digest) for v in versions)]
    _table(document, rows, (20, 24, 40, 72))
    for version in {v.version: v for v in versions}.values():
        _paragraph(document, f"{version.version}：{version.title}", "二级标题")
        _paragraph(document, version.basis, "公文正文")
    return _bytes(document)
