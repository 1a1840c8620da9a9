"""Every document a reader signs, read back as a 公文 reader reads it (issue 20).

Each kind (审查意见, 会议材料, 履约核查通知书, 年度通报, 月通报) is made by the CLI as HTML, PDF and
Word, and its text is checked against what GB/T 9704 and the office's house style ask: no space
between Chinese and digits or Latin letters, dates as 2025年2月26日, amounts with two decimals and
thousands separators, rates as percentages, no English code or JSON path. The Word files are
read with python-docx for the GB/T 9704 sizes, faces, the red 发文机关, the page-number field,
and paragraphs that are the PDF's.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from .conftest import SAMPLES_DIR
from .pdf_tools import pdf_reading_text, pdf_text, squash
from .test_monitoring import _ledger
from .test_monitoring import run as monitor_run
from .test_reports import load_sample, run

KINDS = ("opinion", "packet", "notice", "annual", "monthly")
PACKET_SAMPLES = ("industrial-approve.json", "industrial-conditional.json", "logistics-reject.json", "industrial-reject.json")


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Path]]:
    """Each document kind as {"html", "pdf", "docx"} files, all made by the CLI."""
    folder = tmp_path_factory.mktemp("gongwen")
    made: dict[str, dict[str, Path]] = {kind: {f: folder / f"{kind}.{f}" for f in ("html", "pdf", "docx")} for kind in KINDS}

    def outputs(kind: str, pdf_flag: str = "--pdf") -> list[str]:
        files = made[kind]
        return [pdf_flag, str(files["pdf"]), "--html", str(files["html"]), "--docx", str(files["docx"])]

    as_of = ["--as-of", "2026-11-21"]
    code, out, err = run("check", str(SAMPLES_DIR / "industrial-reject.json"), *as_of, *outputs("opinion"))
    assert code == 1, out + err
    samples = [str(SAMPLES_DIR / name) for name in PACKET_SAMPLES]
    code, out, err = run("packet", *samples, "--meeting-no", "3", "--meeting-date", "2026-11-28", *as_of, *outputs("packet", "-o"))
    assert code == 0, out + err
    monitored = str(folder / "monitor.db")
    _ledger(monitored, folder)
    code, out, err = monitor_run("monitor", "--db", monitored, *as_of, *outputs("notice"))
    assert code == 0, out + err
    reported = str(folder / "reports.db")
    load_sample(reported)
    issued = ["--issued", "2023-01-10"]
    code, out, err = run("report", "annual", "--year", "2022", "--db", reported, *issued, *outputs("annual"))
    assert code == 0, out + err
    code, out, err = run("report", "monthly", "--month", "2022-11", "--db", reported, *issued, *outputs("monthly"))
    assert code == 0, out + err
    return made


# --- reading the documents back -------------------------------------------------------------------

_BLOCKS = {"p", "div", "td", "th", "tr", "li", "h1", "h2", "h3", "table", "section", "article", "br", "figcaption", "ol", "ul"}


class _Text(HTMLParser):
    """The text a reader sees, one line per block; what is not read (styles, the digests in
    <code>) is left out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script", "title", "code"):
            self.hidden += 1
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script", "title", "code"):
            self.hidden -= 1
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(re.sub(r"[ \t\r\n]+", " ", data))


def html_lines(path: Path) -> list[str]:
    reader = _Text()
    reader.feed(path.read_text(encoding="utf-8"))
    return [line.strip() for line in "".join(reader.parts).split("\n") if line.strip()]


def docx_lines(path: Path) -> list[str]:
    import docx

    document = docx.Document(str(path))
    lines = [p.text for p in document.paragraphs]
    lines += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return [line for line in lines if line.strip()]


HAN = "\u3400-\u4dbf\u4e00-\u9fff\u3000-\u303f\uff00-\uffef"
GAP = re.compile(rf"[{HAN}][ \t]+[0-9A-Za-z]|[0-9A-Za-z%][ \t]+[{HAN}]")
ISO_DATE = re.compile(r"(?<!\d)\d{4}-\d{1,2}-\d{1,2}(?!\d)")
AMOUNT = re.compile(r"(?<![\d,.])(\d[\d,]*(?:\.\d+)?)(万元|亿元)(?!/)")
# A rule's threshold is written as the rule book words it (不低于5,000万元, 1亿元以上).
THRESHOLD_BEFORE = ("不低于", "不高于", "低于", "高于", "超过", "约")
THRESHOLD_AFTER = ("以上", "以下")
WELL_FORMED_AMOUNT = re.compile(r"\d{1,3}(?:,\d{3})*\.\d{2}")
DECIMAL_RATE = re.compile(r"(?:率|占比|比例|比重|×)[^，。；\n0-9]{0,8}(0\.\d+)(?![\d%万亿])")
ENGLISH_CODE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b|\b[a-z_]+(?:\.[a-z_]+)+\b")


def problems(lines: list[str]) -> list[str]:
    """Every place the text breaks the house style, quoted with a little context."""
    found: list[str] = []
    for line in lines:
        found += [f"空格：{line[max(0, m.start() - 8) : m.end() + 8]}" for m in GAP.finditer(line)]
        found += [f"日期：{m.group()}（{line[:30]}）" for m in ISO_DATE.finditer(line)]
        for match in AMOUNT.finditer(line):
            # 低于三类地区5,000万元: the comparison word may stand before the district tier.
            before, after = line[max(0, match.start() - 8) : match.start()], line[match.end() : match.end() + 2]
            if any(word in before for word in THRESHOLD_BEFORE) or after.startswith(THRESHOLD_AFTER):
                continue
            if not WELL_FORMED_AMOUNT.fullmatch(match.group(1)):
                found.append(f"金额：{line[max(0, match.start() - 10) : match.end()]}")
        found += [f"比率：{line[max(0, m.start() - 8) : m.end() + 4]}" for m in DECIMAL_RATE.finditer(line)]
        found += [f"英文代码：{m.group()}（{line[:30]}）" for m in ENGLISH_CODE.finditer(line)]
    return found


def test_the_house_style_checks_can_fail() -> None:
    """The checks below find what the issue reported (so a clean document means something)."""
    reported = ["（案件编号 JM-2025-0004）收悉", "约定开工日期2025-11-01", "出让价款2000000万元", "187.5万元", "×0.2",
                "挂网率0.6509", "investment.fixed_assets_wan", "late_start", "《规则（2022 年）》"]  # fmt: skip
    assert len(problems(reported)) >= len(reported)
    assert problems(["出让价款2,000,000.00万元×每日0.05%", "2025年2月26日", "不低于5,000万元", "投资1亿元以上项目", "挂网率65.1%"]) == []


@pytest.mark.parametrize("kind", KINDS)
def test_every_document_reads_as_a_gongwen(documents: dict[str, dict[str, Path]], kind: str) -> None:
    files = documents[kind]
    assert problems(html_lines(files["html"])) == [], "HTML"
    assert problems(docx_lines(files["docx"])) == [], "Word"
    text = pdf_text(files["pdf"])
    assert not ISO_DATE.search(text), "PDF dates are written in Chinese"
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日", text)


# --- Word as GB/T 9704 ---------------------------------------------------------------------------


def _style(document: Any, name: str) -> tuple[str | None, float | None]:
    from docx.oxml.ns import qn

    style = document.styles[name]
    return style.element.rPr.rFonts.get(qn("w:eastAsia")), style.font.size.pt if style.font.size else None


@pytest.mark.parametrize("kind", KINDS)
def test_word_files_are_gb_t_9704(documents: dict[str, dict[str, Path]], kind: str) -> None:
    import docx
    from docx.enum.text import WD_LINE_SPACING
    from docx.oxml.ns import qn

    document = docx.Document(str(documents[kind]["docx"]))
    # 正文 3号仿宋 (16 pt) on a fixed 28 pt line pitch, 标题 2号小标宋 (22 pt), headings 3号黑体/楷体.
    assert _style(document, "公文正文") == ("仿宋", 16)
    assert _style(document, "公文标题") == ("方正小标宋简体", 22)
    assert _style(document, "一级标题") == ("黑体", 16) and _style(document, "二级标题") == ("楷体", 16)
    body = document.styles["公文正文"].paragraph_format
    assert (body.line_spacing_rule, body.line_spacing.pt) == (WD_LINE_SPACING.EXACTLY, 28)
    assert str(document.styles["发文单位"].font.color.rgb) == "C00000"
    section = document.sections[0]
    margins = [round(m.mm) if m is not None else None for m in (section.top_margin, section.bottom_margin, section.left_margin,
                                                                 section.right_margin)]  # fmt: skip
    assert margins == [37, 35, 28, 26]
    footer = section.footer._element.xml
    assert "PAGE" in "".join(t.text or "" for t in section.footer._element.iter(qn("w:instrText"))), footer
    switches = document.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:pPrDefault')}/{qn('w:pPr')}")
    assert switches is not None
    for name in ("w:autoSpaceDE", "w:autoSpaceDN"):  # no gap between Chinese and digits in Word either
        switch = switches.find(qn(name))
        assert switch is not None and switch.get(qn("w:val")) == "0", name
    paragraphs = [(p.style.name if p.style is not None else "", p.text) for p in document.paragraphs]
    assert paragraphs[0][0] == "发文单位" or kind == "packet" or kind == "notice"
    if kind in ("annual", "monthly", "notice", "opinion"):
        assert any(style == "发文单位" for style, _ in paragraphs) and any(style == "落款" for style, _ in paragraphs)
    # The Word file says what the PDF says: each paragraph and cell is in the PDF's text.
    text = pdf_reading_text(documents[kind]["pdf"])
    for line in docx_lines(documents[kind]["docx"]):
        if line.startswith(("审查依据", "规则摘要", "申请材料摘要")) or "签字" in line:
            continue  # the audit lines wrap around the digests; the signature lines are a table in the PDF
        # A list's numbers are drawn apart from its text in the PDF.
        assert squash(re.sub(r"^\d+\.", "", line)) in text, line


def test_word_tables_are_not_equal_columns(documents: dict[str, dict[str, Path]]) -> None:
    """项目名称 gets room: the summary table's name column is wider than its 序号 column."""
    import docx

    document = docx.Document(str(documents["packet"]["docx"]))
    summary = next(t for t in document.tables if "项目名称" in [c.text for c in t.rows[0].cells])
    widths = [column.width for column in summary.columns]
    headers = [c.text for c in summary.rows[0].cells]
    assert widths[headers.index("项目名称")] > 2 * widths[0]
    from docx.enum.section import WD_ORIENT

    # Ten columns do not fit a portrait page at 五号: the 汇总表 is set landscape, the rest portrait.
    orientations = [section.orientation for section in document.sections]
    assert WD_ORIENT.LANDSCAPE in orientations and orientations[-1] == WD_ORIENT.PORTRAIT


def test_an_office_toml_override_reaches_the_report_in_pdf_and_word(tmp_path: Path) -> None:
    import docx

    from .conftest import ROOT

    templates = tmp_path / "templates"
    templates.mkdir()
    office = (ROOT / "templates" / "office.toml").read_text(encoding="utf-8")
    (templates / "office.toml").write_text(office.replace("各县（市、区）人民政府，市有关单位：", "市委办公室："), encoding="utf-8")
    db = str(tmp_path / "admit.db")
    load_sample(db)
    pdf, word = tmp_path / "r.pdf", tmp_path / "r.docx"
    code, _, err = run("report", "monthly", "--month", "2022-11", "--db", db, "--templates", str(templates), "--pdf", str(pdf),
                       "--docx", str(word))  # fmt: skip
    assert code == 0, err
    assert "市委办公室：" in pdf_text(pdf)
    assert [p.text for p in docx.Document(str(word)).paragraphs if p.style is not None and p.style.name == "主送"] == ["市委办公室："]
