"""Word export (可编辑的审查意见和会议材料): the HTML the templates make, as a .docx.

Opinions are revised after leaders comment, and a PDF cannot be edited. The Word file is made
from the very HTML the PDF is laid out from (the same templates, an office's overrides
included), element by element, so a change to a template's wording reaches every format. Each
element becomes a paragraph in a named style (公文正文 in 仿宋, 公文标题 and 一级标题 in 黑体, …)
rather than direct formatting, so an office maps the styles onto its own 公文 template in Word or
WPS ("样式 → 修改") instead of reformatting every paragraph. python-docx escapes every text it
writes: application text never becomes markup.

What maps to what (by tag and class) is the table below; what only a printed page has (the
running title, the table of contents with its page numbers) is left out.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from admission.text import display_width

BODY_FONT = "仿宋"  # FangSong: the 公文 body face (GB/T 9704 7.1: 3号仿宋)
TITLE_FONT = "方正小标宋简体"  # the 标题 and 发文机关标志 face (2号小标宋); Word substitutes the closest
HEADING_FONT = "黑体"  # SimHei: first-level headings (一、)
SECOND_FONT = "楷体"  # KaiTi: second-level headings (（一）)
NUMBER_FONT = "宋体"  # the page number (4号半角宋体阿拉伯数字)
LATIN_FONT = "Times New Roman"
TEXT_WIDTH_MM = 210 - 28 - 26  # A4 less the GB/T 9704 side margins
LANDSCAPE_WIDTH_MM = 297 - 37 - 35  # the same type area turned
LANDSCAPE_COLUMNS = 9  # a table this wide is set on a landscape page (the packet's 汇总表)
RED = "C00000"  # the 发文机关标志 and the red line under the 文号
LINE_PITCH_PT = 28  # exact line spacing: 22 lines of 3号 text on the GB/T 9704 type area
TABLE_PITCH_PT = 16
CELL_CHAR_MM = 10.5 * 0.3528  # one 五号 character
DIGIT_MM = CELL_CHAR_MM * 0.62  # a digit of the widest likely Latin face (DejaVu Serif where Times is missing)
SEAL_LINE_CHARS = 28 - 4 - 1  # a 落款 longer than a line less its four-character right indent
CELL_PADDING_MM = 4.5  # the cell margins (Word 1.9 mm a side) and a little room for bold headings


@dataclass(frozen=True)
class Look:
    """How one paragraph style looks: face, size in pt (三号 16, 二号 22, 小四 12), alignment,
    first-line indent in characters, exact line pitch in pt (None: single), colour."""

    font: str
    size: float
    align: str = "justify"
    indent: int = 0
    pitch: float | None = LINE_PITCH_PT
    bold: bool = False
    colour: str | None = None


STYLES: dict[str, Look] = {
    "公文正文": Look(BODY_FONT, 16, indent=2),
    "公文标题": Look(TITLE_FONT, 22, "center", pitch=36),
    "发文单位": Look(TITLE_FONT, 26, "center", pitch=None, colour=RED),
    "文号": Look(BODY_FONT, 16, "center"),
    "主送": Look(BODY_FONT, 16, "left"),
    "一级标题": Look(HEADING_FONT, 16, "left", indent=2),
    "二级标题": Look(SECOND_FONT, 16, "left", indent=2),
    "列表": Look(BODY_FONT, 16, "justify", indent=2),
    "表格文字": Look(BODY_FONT, 10.5, "left", pitch=TABLE_PITCH_PT),
    "落款": Look(BODY_FONT, 16, "right"),
    "附注": Look(BODY_FONT, 10.5, "left", pitch=None),
}
# An element's paragraph style: by "tag.class" first, then by tag. Anything else is a container.
BLOCK_STYLES = {
    "div.issuer": "发文单位",
    "div.doc-number": "文号",
    "div.verdict": "二级标题",
    "div.audit": "附注",
    "p.seal": "落款",
    "p.seal-line": "落款",
    "p.addressee": "主送",
    "h1": "公文标题",
    "h2": "一级标题",
    "h3": "二级标题",
    "p": "公文正文",
}
SKIPPED = {"head", "script", "style", "div.running-title", "section.toc"}
# What starts on a new page, as the style sheet breaks the printed pages.
NEW_PAGE = {"section.toc", "section.summary", "section.invalid", "section.appendix", "section.opinions", "section.notice"}
_SPACES = re.compile(r"[ \t\n\r\f\v]+")  # not \s: the 文号's ideographic spaces (U+3000) are kept
_WIDTH = re.compile(r"width:\s*([\d.]+)%")


# --- the HTML as a small tree ---------------------------------------------------------------------


@dataclass
class Node:
    tag: str
    classes: tuple[str, ...] = ()
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Node | str] = field(default_factory=list)

    def selectors(self) -> Iterator[str]:
        """``tag.class`` for each class, then the bare tag: how the tables above name it."""
        yield from (f"{self.tag}.{name}" for name in self.classes)
        yield self.tag

    def text(self) -> str:
        """The element's text as a reader sees it: white space folded, ``<br>`` and each block
        inside it (a cell's paragraphs) on a line of its own."""
        parts: list[str] = []
        for child in self.children:
            if isinstance(child, str):
                parts.append(child)
            elif child.tag == "br":
                parts.append("\n")
            elif child.tag in _INNER_BLOCKS:
                parts += ["\n", child.text(), "\n"]
            else:
                parts.append(child.text())
        lines = (_SPACES.sub(" ", line).strip() for line in "".join(parts).split("\n"))
        return "\n".join(line for line in lines if line)

    def elements(self) -> list[Node]:
        return [child for child in self.children if isinstance(child, Node)]


_INNER_BLOCKS = {"p", "div", "li"}
_VOID = {"br", "col", "meta", "link", "img", "hr", "input"}


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("document")
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        node = Node(tag, tuple(values.get("class", "").split()), values)
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse_html(html: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


# --- the tree as Word paragraphs and tables --------------------------------------------------------


def _new_document() -> Any:
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    # GB/T 9704 (党政机关公文格式): top 37 mm, bottom 35 mm, left 28 mm, right 26 mm.
    section.top_margin, section.bottom_margin, section.left_margin, section.right_margin = Mm(37), Mm(35), Mm(28), Mm(26)
    section.footer_distance = Mm(28)  # the page number 7 mm below the type area
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = LATIN_FONT, Pt(16)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    defaults = document.styles.element.find(qn("w:docDefaults"))  # python-docx's template has both parts
    language = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:lang')}")
    if language is not None:  # the template says en-US for East Asian text too
        language.set(qn("w:eastAsia"), "zh-CN")
    # Word puts a quarter-em gap between Chinese and Latin letters or digits by default
    # (自动调整中文与西文、数字的间距); 公文 have none, as the text itself has none.
    # (LibreOffice 7 widens those boundaries whatever the setting; Word and WPS honour it.)
    paragraph_defaults = defaults.find(f"{qn('w:pPrDefault')}/{qn('w:pPr')}")
    for setting in ("w:autoSpaceDE", "w:autoSpaceDN"):
        switch = OxmlElement(setting)
        switch.set(qn("w:val"), "0")
        paragraph_defaults.insert_element_before(switch, *_AFTER_AUTOSPACE)
    alignments = {
        "left": WD_ALIGN_PARAGRAPH.LEFT,
        "center": WD_ALIGN_PARAGRAPH.CENTER,
        "right": WD_ALIGN_PARAGRAPH.RIGHT,
        "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
    }
    for name, look in STYLES.items():
        style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        if style.style_id != name:  # _paragraph sets styles by id
            raise RuntimeError(f"python-docx named the style {name} {style.style_id}")
        style.base_style = document.styles["Normal"]
        style.font.name = LATIN_FONT
        style.font.size = Pt(look.size)
        style.font.bold = look.bold
        if look.colour:
            style.font.color.rgb = RGBColor.from_string(look.colour)
        style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), look.font)
        layout = style.paragraph_format
        layout.alignment = alignments[look.align]
        layout.space_before = layout.space_after = Pt(0)
        if look.pitch is not None:
            layout.line_spacing_rule = WD_LINE_SPACING.EXACTLY
            layout.line_spacing = Pt(look.pitch)
        if look.indent:
            layout.first_line_indent = Pt(look.size * look.indent)
    document.styles["文号"].paragraph_format.space_after = Pt(12)
    title = document.styles["公文标题"].paragraph_format
    title.space_before, title.space_after = Pt(14), Pt(14)  # a blank line above and below the title
    _red_rule_below(document.styles["文号"])
    document.styles["落款"].paragraph_format.right_indent = Pt(16 * 4)  # 右空四字
    _page_number_footer(section)
    return document


# Word refuses a file whose paragraph properties are out of the schema's order (CT_PPr): what
# may follow the borders and the autospace switches, for insert_element_before.
_PPR_TAIL = ("w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
             "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl",
             "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")  # fmt: skip
_AFTER_AUTOSPACE = _PPR_TAIL
_AFTER_BORDERS = ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct",
                  "w:autoSpaceDE", "w:autoSpaceDN", *_PPR_TAIL)  # fmt: skip


def _red_rule_below(style: Any) -> None:
    """The red line under the 文号 (GB/T 9704 7.2.4: 版头中的分隔线), as a paragraph border."""
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "12"), ("w:space", "6"), ("w:color", RED)):
        bottom.set(qn(key), value)
    borders.append(bottom)
    style.element.get_or_add_pPr().insert_element_before(borders, *_AFTER_BORDERS)


def _page_number_footer(section: Any) -> None:
    """GB/T 9704 7.5 页码: "— 1 —" in 4号 宋体 under the text, from a PAGE field Word fills in."""
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER

    def run(text: str | None = None, field: str | None = None) -> None:
        element = paragraph.add_run(text or "")
        element.font.size = Pt(14)
        element.font.name = NUMBER_FONT
        element.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), NUMBER_FONT)
        if field is not None:
            for kind, instruction in (("begin", None), (None, field), ("separate", None), (None, "1"), ("end", None)):
                if kind is not None:
                    char = OxmlElement("w:fldChar")
                    char.set(qn("w:fldCharType"), kind)
                    element._r.append(char)
                elif instruction == field:
                    code = OxmlElement("w:instrText")
                    code.set(qn("xml:space"), "preserve")
                    code.text = f" {field} "
                    element._r.append(code)
                else:
                    shown = OxmlElement("w:t")
                    shown.text = instruction
                    element._r.append(shown)

    run("— ")
    run(field="PAGE")
    run(" —")


def _paragraph(container: Any, text: str, style: str) -> Any:
    """A paragraph in a named style.

    The style is set by its id on the paragraph's XML: python-docx's ``style=`` looks up the
    default style by scanning every style on each call, which made a 100-project packet take
    24 s instead of 2. Our style names are their ids (python-docx derives the id from the name).
    """
    paragraph = container.add_paragraph(text)
    paragraph._p.style = style
    return paragraph


@dataclass
class _Writer:
    document: Any
    started: bool = False  # anything written yet (no page break before the first page)
    pending_break: bool = False
    landscape: bool = False  # inside a section turned for a wide table

    def block(self, text: str, style: str) -> None:
        for line in text.split("\n") if style == "附注" else [text.replace("\n", " ")]:
            if line:
                self._before_content()
                paragraph = _paragraph(self.document, line, style)
                if style == "落款" and display_width(line) / 2 > SEAL_LINE_CHARS:
                    paragraph.paragraph_format.right_indent = Pt(0)  # a long 盖章 line on one line, flush right

    def page_break(self) -> None:
        if self.started:
            self.pending_break = True

    def _before_content(self) -> None:
        if self.pending_break:
            self.document.add_page_break()
            self.pending_break = False
        self.started = True

    def table(self, node: Node) -> None:
        rows = list(_rows(node))
        if not rows:
            return
        self._before_content()
        width = max(sum(int(cell.attrs.get("colspan", "1") or 1) for cell in row) for row in rows)
        wide = width >= LANDSCAPE_COLUMNS
        turn = wide and not self.landscape
        if turn:  # GB/T 9704 7.4.3: a wide table is set landscape, on pages of its own
            self.turn(landscape=True)
        table = self.document.add_table(rows=len(rows), cols=width)
        table.style = self.document.styles["Table Grid"]
        table.autofit = False
        widths = _column_widths(node, width, LANDSCAPE_WIDTH_MM if self.landscape else TEXT_WIDTH_MM)
        for column, millimetres in zip(table.columns, widths, strict=True):
            column.width = Mm(millimetres)  # the grid's widths: what Word and LibreOffice lay out by
        for row_node, row in zip(rows, table.rows, strict=True):
            column = 0
            for cell_node in row_node:
                span = max(1, int(cell_node.attrs.get("colspan", "1") or 1))
                cell = row.cells[column]
                if span > 1:
                    cell = cell.merge(row.cells[min(column + span, width) - 1])
                cell.width = Mm(sum(widths[column : column + span]))
                paragraph = cell.paragraphs[0]
                paragraph._p.style = "表格文字"  # see _paragraph
                if "number" in cell_node.classes:  # figures line up on the right, as in the PDF
                    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                for number, line in enumerate(cell_node.text().split("\n")):  # a <br> is a line break in the cell too
                    if number:
                        paragraph.add_run().add_break()
                    paragraph.add_run(line).bold = cell_node.tag == "th"
                column += span
        self.document.add_paragraph()
        if turn:
            self.turn(landscape=False)

    def turn(self, landscape: bool) -> None:
        """A new section on a new page, turned for a wide table or back to portrait."""
        self.landscape = landscape
        # Nothing written yet: the first section itself is turned.
        section = self.document.add_section(WD_SECTION.NEW_PAGE) if self.started else self.document.sections[0]
        section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
        long_side, short_side = Mm(297), Mm(210)
        section.page_width, section.page_height = (long_side, short_side) if landscape else (short_side, long_side)
        # The type area turned with the page: the binding edge (28 mm) stays at the top.
        margins = (Mm(28), Mm(26), Mm(37), Mm(35)) if landscape else (Mm(37), Mm(35), Mm(28), Mm(26))
        section.top_margin, section.bottom_margin, section.left_margin, section.right_margin = margins
        self.pending_break = False  # the section starts the new page

    def list_items(self, node: Node) -> None:
        for number, item in enumerate((child for child in node.elements() if child.tag == "li"), 1):
            prefix = f"{number}." if node.tag == "ol" else ""  # GB/T 9704 third level: "1." and the text, no space
            self.block(prefix + item.text(), "列表")


def _rows(table: Node) -> Iterator[list[Node]]:
    for child in table.elements():
        if child.tag == "tr":
            yield [cell for cell in child.elements() if cell.tag in ("td", "th")]
        elif child.tag in ("thead", "tbody", "tfoot"):
            yield from _rows(child)


def _column_widths(table: Node, count: int, text_width: float = TEXT_WIDTH_MM) -> list[float]:
    """Millimetres per column, from the template's ``<col style="width: N%">``; without them, by
    the widest text of each column (a 项目名称 column is not as narrow as a 序号 one), each
    column between 4 and 24 characters' worth."""
    shares = [float(m.group(1)) for group in table.elements() if group.tag == "colgroup" for col in group.elements()
              if (m := _WIDTH.search(col.attrs.get("style", "")))]  # fmt: skip
    rows = list(_rows(table))
    if len(shares) != count:
        shares = [4.0] * count
        for row in rows:
            for column, cell in enumerate(row[:count]):
                if int(cell.attrs.get("colspan", "1") or 1) == 1:
                    shares[column] = max(shares[column], min(24.0, display_width(cell.text()) / 2 + 1))
    widths = [text_width * share / sum(shares) for share in shares]
    # A short heading (序号, 年度, 容积率) never wraps a character a line: such a column gets its
    # heading's width, taken from the other columns in proportion to the room they have to spare.
    heading = rows[0] if rows and len(rows[0]) == count else []
    least = [min(3, display_width(cell.text()) / 2) * CELL_CHAR_MM + CELL_PADDING_MM for cell in heading]
    for row in rows[1:]:  # nor does a figure (100.00), as in the PDF
        for column, cell in enumerate(row[: len(least)]):
            if "number" in cell.classes and int(cell.attrs.get("colspan", "1") or 1) == 1:
                least[column] = max(least[column], len(cell.text()) * DIGIT_MM + CELL_PADDING_MM)
    short = sum(max(0.0, need - width) for need, width in zip(least, widths, strict=False))
    spare = sum(max(0.0, width - need) for need, width in zip(least, widths, strict=False))
    if least and 0 < short <= spare:
        widths = [need if width < need else width - (width - need) * short / spare for need, width in zip(least, widths, strict=True)]
    return widths


def _write(writer: _Writer, node: Node) -> None:
    keys = set(node.selectors())
    if keys & SKIPPED:
        return
    turned = bool(keys & NEW_PAGE) and not writer.landscape and any(_is_wide(child) for child in node.elements())
    if turned:  # a page section holding a wide table is set landscape with its heading and notes
        writer.turn(landscape=True)
    elif keys & NEW_PAGE or ("article.opinion" in keys and writer.started):
        writer.page_break()
    style = next((BLOCK_STYLES[key] for key in node.selectors() if key in BLOCK_STYLES), None)
    if "div.signature" in keys:  # one line per signer: side by side they wrap at 三号
        for cell in (c for t in node.elements() if t.tag == "table" for r in _rows(t) for c in r):
            writer.block(cell.text(), "主送")
        for child in node.elements():
            if child.tag != "table":
                _write(writer, child)
    elif node.tag == "table":
        writer.table(node)
    elif node.tag in ("ol", "ul"):
        writer.list_items(node)
    elif style is not None:
        writer.block(node.text(), style)
    else:
        for part in node.children:
            if isinstance(part, Node):
                _write(writer, part)
            elif part.strip():
                writer.block(_SPACES.sub(" ", part).strip(), "公文正文")
    if "section.cover" in keys:
        writer.page_break()
    if turned:
        writer.turn(landscape=False)


def _is_wide(node: Node) -> bool:
    rows = list(_rows(node)) if node.tag == "table" else []
    return bool(rows) and max(sum(int(cell.attrs.get("colspan", "1") or 1) for cell in row) for row in rows) >= LANDSCAPE_COLUMNS


def html_docx(html: str) -> bytes:
    """The rendered HTML of a document (opinion, packet, notice, report) as a Word file."""
    document = _new_document()
    _write(_Writer(document), parse_html(html))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
