"""Review opinions and meeting packets: real PDFs with real fonts, read back."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from admission.cli import main
from admission.documents.pdf import _safe_fetcher
from admission.resources import data_dir

from .conftest import REVIEW_DATE, SAMPLES_DIR
from .helpers import sample, write_json
from .pdf_tools import embedded_fonts, has_embedded_files, page_count, pdf_layout_lines, pdf_text, render_png, squash

AS_OF = ["--as-of", REVIEW_DATE.isoformat()]
HOSTILE_NAME = (
    '<b>粗体</b><link rel="attachment" href="file:///etc/passwd"><style>*{display:none}</style><img src="http://127.0.0.1:9/x.png">项目'
)
VERDICT_WORDS = {"approve": "建议准入", "conditional": "提请联席会议一事一议", "reject": "不予准入"}


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def opinion(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("opinion")
    pdf, html = folder / "审查意见.pdf", folder / "审查意见.html"
    code, out, err = run("check", *AS_OF, str(SAMPLES_DIR / "logistics-conditional.json"), "--pdf", str(pdf), "--html", str(html))
    assert code == 3, err  # the exit code stays the verdict's
    assert "结论：提请联席会议一事一议" in out
    return pdf, html


@pytest.fixture(scope="module")
def packet(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    folder = tmp_path_factory.mktemp("packet")
    pdf, html = folder / "会议材料.pdf", folder / "会议材料.html"
    code, out, err = run(
        "packet", str(SAMPLES_DIR), "-o", str(pdf), "--html", str(html), "--meeting-no", "12", "--meeting-date", "2026-11-28", *AS_OF
    )
    assert code == 0, err
    assert "14 个项目，9 份无效材料" in out and "9 份申请材料无效" in err
    return pdf, html, pdf_text(pdf)


def test_opinion_reads_like_a_review_opinion(opinion: tuple[Path, Path]) -> None:
    pdf, _ = opinion
    text = pdf_text(pdf)
    for expected in ("关于江门高新区智慧物流枢纽项目的准入审查意见", "经审查，该项目", "审查单位（盖章）", "江招联审〔2026〕",
                     "JM-2026-0302", "一类地区", "指标审查", "是否达标",
                     "亩均税收", "未达标（差距在允许范围内）", "提请联席会议一事一议", "关注事项", "建筑系数", "审查人（签字）",
                     "规则摘要", "申请材料摘要"):  # fmt: skip
        assert squash(expected) in text, expected
    decision = json.loads(run("check", "--json", *AS_OF, str(SAMPLES_DIR / "logistics-conditional.json"))[1])
    assert decision["rulebook"]["digest"] in text
    pages = page_count(pdf)
    for number, page in enumerate(text.split("\f")[:pages], 1):
        assert page.startswith(squash("项目准入审查意见 · JM-2026-0302")), page[:40]  # the running header
        assert squash(f"第 {number} 页 / 共 {pages} 页") in page, page[-20:]


def test_opinion_embeds_subset_chinese_fonts_with_real_bold(opinion: tuple[Path, Path]) -> None:
    fonts = embedded_fonts(opinion[0])
    # Noto CJK for the text; DejaVu Sans Mono only for the digests, which are hexadecimal.
    assert fonts and all(re.fullmatch(r"/[A-Z]{6}\+(Noto-(Sans|Serif)-CJK-SC(-Bold)?|DejaVu-Sans-Mono)", f) for f in fonts), fonts
    assert any(f.endswith("-Bold") for f in fonts)
    assert any("Serif-CJK-SC" in f and not f.endswith("-Bold") for f in fonts)


def test_opinion_html_is_written_and_self_contained(opinion: tuple[Path, Path]) -> None:
    html = opinion[1].read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and '<html lang="zh-CN">' in html
    assert "@page" in html and "<link" not in html  # the stylesheet is inlined


def test_packet_has_cover_contents_summary_opinions_invalid_and_appendix(packet: tuple[Path, Path, str]) -> None:
    pdf, _, text = packet
    for expected in ("江门市招商引资工作联席会议项目审查材料", "2026年第 12 次", "2026年11月28日", "目录", "项目汇总表",
                     "合计（14 个项目）", "无效申请材料",
                     "附录：审查规则版本", "JM-2014", "JM-2022"):  # fmt: skip
        assert squash(expected) in text, expected
    for name in sorted(SAMPLES_DIR.glob("*.json")):
        if name.name.startswith("invalid-"):
            assert name.name in text, name.name
            continue
        assert squash(sample(name.name)["name"]) in text, name.name
    decisions = json.loads(run("screen", "--json", *AS_OF, str(SAMPLES_DIR))[1])
    for result in decisions["results"]:
        if "decision" in result:
            assert result["decision"]["rulebook"]["digest"] in text
            assert VERDICT_WORDS[result["decision"]["verdict"]] in text
    pages = page_count(pdf)
    assert len(text.rstrip("\f").split("\f")) == pages
    assert text.rstrip("\f").endswith(f"第{pages}页/共{pages}页")
    assert text.count("的准入审查意见") == 14


def test_packet_orders_opinions_by_verdict_then_investment(packet: tuple[Path, Path, str]) -> None:
    html = packet[1].read_text(encoding="utf-8")
    verdicts = re.findall(r'<div class="verdict (\w+)">', html)
    assert len(verdicts) == 14
    assert verdicts == sorted(verdicts, key=["approve", "conditional", "reject"].index)
    investments = [int(v.replace(",", "")) for v in re.findall(r'<th>计划总投资</th><td class="number">([\d,]+)\.00万元', html)]
    by_verdict: dict[str, list[int]] = {}
    for verdict, amount in zip(verdicts, investments, strict=True):
        by_verdict.setdefault(verdict, []).append(amount)
    assert all(amounts == sorted(amounts, reverse=True) for amounts in by_verdict.values())


def test_packet_contents_link_to_the_right_pages(packet: tuple[Path, Path, str]) -> None:
    pdf, _, text = packet
    pages = text.split("\f")
    entries = [
        m.groups()
        for line in pdf_layout_lines(pdf)
        if (m := re.match(r"\s*\d+\. (.+)（(?:建议准入|提请联席会议一事一议|不予准入)）[ .]+(\d+)$", line))
    ]
    assert len(entries) == 14
    for name, page in entries:
        assert squash(name) in pages[int(page) - 1], (name, page)


def test_hostile_project_name_prints_as_text_and_fetches_nothing(tmp_path: Path) -> None:
    app = sample("industrial-approve.json")
    app["name"] = HOSTILE_NAME
    pdf, html = tmp_path / "o.pdf", tmp_path / "o.html"
    code, _, err = run("check", *AS_OF, str(write_json(tmp_path / "a.json", app)), "--pdf", str(pdf), "--html", str(html))
    assert code == 0, err
    markup = html.read_text(encoding="utf-8")
    assert "<link rel=" not in markup and "&lt;link rel=&#34;attachment&#34;" in markup
    assert "<img" not in markup and "<style>*" not in markup
    assert squash('<link rel="attachment" href="file:///etc/passwd">') in pdf_text(pdf)
    assert not has_embedded_files(pdf)


def test_renderer_serves_only_files_under_the_templates(tmp_path: Path) -> None:
    fetcher = _safe_fetcher([data_dir("templates")])
    assert fetcher.fetch((data_dir("templates") / "style.css").resolve().as_uri())
    assert fetcher.fetch("data:text/plain,ok")
    for url in (
        "file:///etc/passwd",
        "http://127.0.0.1:9/x.png",
        "https://example.org/a.css",
        (data_dir("templates") / ".." / "pyproject.toml").as_uri(),
    ):
        with pytest.raises(ValueError, match="拒绝"):
            fetcher.fetch(url)


def test_template_override_cannot_attach_local_files(tmp_path: Path) -> None:
    overrides = tmp_path / "templates"
    overrides.mkdir()
    original = (data_dir("templates") / "opinion.html.j2").read_text(encoding="utf-8")
    (overrides / "opinion.html.j2").write_text(
        original.replace(
            "</head>", '<link rel="attachment" href="file:///etc/hostname"><link rel="stylesheet" href="http://127.0.0.1:9/x.css"></head>'
        ),
        encoding="utf-8",
    )
    pdf = tmp_path / "o.pdf"
    code, _, err = run("check", *AS_OF, str(SAMPLES_DIR / "industrial-approve.json"), "--pdf", str(pdf), "--templates", str(overrides))
    assert code == 0, err
    assert not has_embedded_files(pdf)

    # Control: an attachment inside the template folders is embedded, so the check above can fail.
    (overrides / "opinion.html.j2").write_text(
        original.replace("</head>", '<link rel="attachment" href="style.css"></head>'), encoding="utf-8"
    )
    (overrides / "style.css").write_text((data_dir("templates") / "style.css").read_text(encoding="utf-8"), encoding="utf-8")
    run("check", *AS_OF, str(SAMPLES_DIR / "industrial-approve.json"), "--pdf", str(pdf), "--templates", str(overrides))
    assert has_embedded_files(pdf)


def test_templates_can_be_reworded_by_name(tmp_path: Path) -> None:
    overrides = tmp_path / "templates"
    overrides.mkdir()
    original = (data_dir("templates") / "_opinion.html.j2").read_text(encoding="utf-8")
    (overrides / "_opinion.html.j2").write_text(original.replace("三、审查意见", "三、初审意见（本局格式）"), encoding="utf-8")
    html = tmp_path / "o.html"
    run("check", *AS_OF, str(SAMPLES_DIR / "industrial-approve.json"), "--html", str(html), "--templates", str(overrides))
    assert "三、初审意见（本局格式）" in html.read_text(encoding="utf-8")

    (overrides / "_opinion.html.j2").write_text("{{ o.no_such_field }}", encoding="utf-8")
    code, _, err = run("check", *AS_OF, str(SAMPLES_DIR / "industrial-approve.json"), "--html", str(html), "--templates", str(overrides))
    assert code == 74 and "模板错误" in err and "no_such_field" in err


def test_same_inputs_give_byte_identical_pdfs(tmp_path: Path) -> None:
    first, second = tmp_path / "1.pdf", tmp_path / "2.pdf"
    for target in (first, second):
        run("check", *AS_OF, str(SAMPLES_DIR / "industrial-reject.json"), "--pdf", str(target))
    assert first.read_bytes() == second.read_bytes()


def test_glyph_missing_from_every_font_fails_and_keeps_the_old_file(tmp_path: Path) -> None:
    app = sample("industrial-approve.json")
    app["name"] = "私用区字符\ue000项目"
    pdf = tmp_path / "o.pdf"
    pdf.write_bytes(b"old")
    code, _, err = run("check", *AS_OF, str(write_json(tmp_path / "a.json", app)), "--pdf", str(pdf))
    assert code == 74
    assert "JM-2026-0101" in err and "U+E000" in err and "字体无法显示" in err and "项目名称" in err  # the field, named
    assert pdf.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "o.pdf"]


def _without_fonts(tmp_path: Path) -> dict[str, str]:
    config = tmp_path / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?><fontconfig><cachedir>' + str(tmp_path / "cache") + "</cachedir></fontconfig>", encoding="utf-8"
    )
    return {**os.environ, "FONTCONFIG_FILE": str(config)}


def test_no_chinese_font_is_a_clear_error_and_no_pdf(tmp_path: Path) -> None:
    pdf = tmp_path / "o.pdf"
    done = subprocess.run(
        [sys.executable, "-m", "admission", "check", *AS_OF, str(SAMPLES_DIR / "industrial-approve.json"), "--pdf", str(pdf)],
        env=_without_fonts(tmp_path), capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 74
    assert done.stderr.strip().splitlines() == [done.stderr.strip()]  # one line
    assert "未找到中文字体" in done.stderr and "fonts-noto-cjk" in done.stderr and "--font-dir" in done.stderr
    assert not pdf.exists()


def test_font_folder_option_supplies_the_font(tmp_path: Path) -> None:
    pdf = tmp_path / "o.pdf"
    done = subprocess.run(
        [sys.executable, "-m", "admission", "check", *AS_OF, str(SAMPLES_DIR / "industrial-approve.json"), "--pdf", str(pdf),
         "--font-dir", "/usr/share/fonts/opentype/noto"],
        env=_without_fonts(tmp_path), capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert any("CJK-SC" in f for f in embedded_fonts(pdf))


def test_first_page_renders_to_an_image_for_a_person_to_look_at(opinion: tuple[Path, Path], tmp_path: Path) -> None:
    png = render_png(opinion[0], tmp_path / "page-1")
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 20_000  # a blank A4 page at 60 dpi is ~2 KB


def test_packet_needs_an_output(tmp_path: Path) -> None:
    code, _, err = run("packet", str(SAMPLES_DIR))
    assert code == 2 and "-o" in err


CHINESE_GAP = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef] +[0-9A-Za-z]|[0-9A-Za-z%] +[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def test_packet_text_has_no_space_between_chinese_and_numbers(packet: tuple[Path, Path, str]) -> None:
    # GB/T 9704: justified text would stretch such a space ("67.20    万元"); styles keep theirs.
    html = packet[1].read_text(encoding="utf-8")
    body = re.sub(r"<style\b.*?</style>|<[^>]*>", "\n", html, flags=re.DOTALL)
    assert "2026年第12次" in body and "万元" in body
    assert not CHINESE_GAP.findall(body), CHINESE_GAP.findall(body)[:5]
    assert '<table class="facts">' in html  # attributes untouched


def test_a_packet_made_after_its_meeting_keeps_the_meetings_date(tmp_path: Path) -> None:
    """Reprinted after the meeting, the material still reads as the meeting's; a date asked for
    after the meeting is used, with a word to the clerk."""
    html = tmp_path / "p.html"
    one = str(SAMPLES_DIR / "industrial-approve.json")
    code, _, err = run("packet", one, "--meeting-no", "3", "--meeting-date", "2025-02-26", "--html", str(html))
    assert code == 0 and not err
    text = squash(html.read_text(encoding="utf-8"))
    assert "审查日期：2025年2月26日" in text and "2025年第3次" in text
    code, _, err = run("packet", one, "--meeting-no", "3", "--meeting-date", "2025-02-26", "--as-of", "2025-03-02", "--html", str(html))
    assert code == 0 and "审查日期 2025年3月2日 晚于会议日期 2025年2月26日" in err
    assert "审查日期：2025年3月2日" in squash(html.read_text(encoding="utf-8"))
