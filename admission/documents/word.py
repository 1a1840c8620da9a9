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
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

BODY_FONT = "仿宋"  # FangSong: the 公文 body face
HEADING_FONT = "黑体"  # SimHei: headings
LATIN_FONT = "Times New Roman"
TEXT_WIDTH_MM = 210 - 28 - 26  # A4 less the GB/T 9704 side margins

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
# An element's paragraph style: by "tag.class" first, then by tag. Anything else is a container.
BLOCK_STYLES = {
    "div.issuer": "发文单位",
    "div.doc-number": "文号",
    "div.verdict": "二级标题",
    "div.audit": "附注",
    "p.seal": "落款",
    "p.seal-line": "落款",
    "h1": "公文标题",
    "h2": "一级标题",
    "h3": "二级标题",
    "p": "公文正文",
}
SKIPPED = {"head", "script", "style", "div.running-title", "section.toc"}
# What starts on a new page, as the style sheet breaks the printed pages.
NEW_PAGE = {"section.toc", "section.summary", "section.invalid", "section.appendix", "section.opinions"}
_SPACES = re.compile(r"\s+")
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
        """The element's text as a reader sees it: white space folded, ``<br>`` a line break."""
        parts: list[str] = []
        for child in self.children:
            if isinstance(child, str):
                parts.append(child)
            elif child.tag == "br":
                parts.append("\n")
            else:
                parts.append(child.text())
        return "\n".join(_SPACES.sub(" ", line).strip() for line in "".join(parts).split("\n")).strip()

    def elements(self) -> list[Node]:
        return [child for child in self.children if isinstance(child, Node)]


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
    alignments = {
        "left": WD_ALIGN_PARAGRAPH.LEFT,
        "center": WD_ALIGN_PARAGRAPH.CENTER,
        "right": WD_ALIGN_PARAGRAPH.RIGHT,
        "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
    }
    for name, (font, size, bold, align, indent) in STYLES.items():
        style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        if style.style_id != name:  # _paragraph sets styles by id
            raise RuntimeError(f"python-docx named the style {name} {style.style_id}")
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


@dataclass
class _Writer:
    document: Any
    started: bool = False  # anything written yet (no page break before the first page)
    pending_break: bool = False

    def block(self, text: str, style: str) -> None:
        for line in text.split("\n") if style == "附注" else [text.replace("\n", " ")]:
            if line:
                self._before_content()
                _paragraph(self.document, line, style)

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
        table = self.document.add_table(rows=len(rows), cols=width)
        table.style = self.document.styles["Table Grid"]
        table.autofit = False
        widths = _column_widths(node, width)
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
                paragraph.add_run(cell_node.text().replace("\n", " ")).bold = cell_node.tag == "th"
                column += span
        self.document.add_paragraph()

    def list_items(self, node: Node) -> None:
        for number, item in enumerate((child for child in node.elements() if child.tag == "li"), 1):
            prefix = f"{number}. " if node.tag == "ol" else ""
            self.block(prefix + item.text(), "列表")


def _rows(table: Node) -> Iterator[list[Node]]:
    for child in table.elements():
        if child.tag == "tr":
            yield [cell for cell in child.elements() if cell.tag in ("td", "th")]
        elif child.tag in ("thead", "tbody", "tfoot"):
            yield from _rows(child)


def _column_widths(table: Node, count: int) -> list[float]:
    """Millimetres per column, from the template's ``<col style="width: N%">`` (else equal)."""
    shares = [float(m.group(1)) for group in table.elements() if group.tag == "colgroup" for col in group.elements()
              if (m := _WIDTH.search(col.attrs.get("style", "")))]  # fmt: skip
    if len(shares) != count:
        return [TEXT_WIDTH_MM / count] * count
    return [TEXT_WIDTH_MM * share / sum(shares) for share in shares]


def _write(writer: _Writer, node: Node) -> None:
    keys = set(node.selectors())
    if keys & SKIPPED:
        return
    if keys & NEW_PAGE or ("article.opinion" in keys and writer.started):
        writer.page_break()
    style = next((BLOCK_STYLES[key] for key in node.selectors() if key in BLOCK_STYLES), None)
    if "div.signature" in keys:
        for row in (r for t in node.elements() if t.tag == "table" for r in _rows(t)):
            writer.block("　　".join(cell.text() for cell in row), "公文正文")
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


def html_docx(html: str) -> bytes:
    """The rendered HTML of a document (opinion, packet, notice, report) as a Word file."""
    document = _new_document()
    _write(_Writer(document), parse_html(html))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
