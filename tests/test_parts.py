"""The meeting packet laid out in parts (documents/parts.py): what a reader sees is what one
layout of the whole packet gives, page for page, and the file is the same on one core or two."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from PIL import Image, ImageChops
from pypdf import PdfReader

from admission.cli import main
from admission.documents.parts import LAYOUT_PROCESSES_ENV, Helper, splittable
from admission.documents.pdf import render_pdf
from admission.documents.templating import template_dirs

from .conftest import REVIEW_DATE, ROOT, SAMPLES_DIR
from .pdf_tools import embedded_fonts, font_objects, pdf_layout_lines

PACKET = ["--meeting-no", "12", "--meeting-date", "2026-11-28", "--as-of", REVIEW_DATE.isoformat()]


def make_packet(folder: Path, processes: str, *options: str) -> tuple[Path, Path]:
    """The samples' packet (14 opinions, 9 invalid), its PDF laid out with ``processes``, and its HTML."""
    pdf, html = folder / f"packet-{processes}.pdf", folder / f"packet-{processes}.html"
    result = CliRunner(env={LAYOUT_PROCESSES_ENV: processes}).invoke(
        main, ["packet", str(SAMPLES_DIR), "-o", str(pdf), "--html", str(html), *PACKET, *options]
    )
    assert result.exit_code == 0, result.stderr
    return pdf, html


@pytest.fixture(scope="module")
def packets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The packet in parts on two processes and on one, and one layout of its whole HTML."""
    folder = tmp_path_factory.mktemp("parts")
    two, html = make_packet(folder, "2")
    one, _ = make_packet(folder, "1")
    whole = folder / "whole.pdf"
    whole.write_bytes(render_pdf(html.read_text(encoding="utf-8"), template_dirs(None))[0])
    return {"two": two, "one": one, "whole": whole}


def outline(reader: PdfReader) -> list[tuple[int, str, int | None, float]]:
    """Every bookmark: depth, title, page and height on the page."""
    found: list[tuple[int, str, int | None, float]] = []

    def walk(items: list[Any], depth: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                found.append((depth, str(item.title), reader.get_destination_page_number(item), round(float(item.top or 0), 2)))

    walk(reader.outline, 0)
    return found


def links(reader: PdfReader) -> list[tuple[int, str, list[float]]]:
    """Every link: its page, where it goes and where it sits."""
    return [
        (number, str(annotation.get("/Dest") or annotation.get("/A")), [round(float(v), 2) for v in annotation["/Rect"]])
        for number, page in enumerate(reader.pages)
        for annotation in (a.get_object() for a in page.get("/Annots") or [])
    ]


def test_a_packet_in_parts_reads_and_looks_page_for_page_like_one_layout(packets: dict[str, Path], tmp_path: Path) -> None:
    # Laid out in parts indeed (a packet that falls back to one layout is that layout's bytes).
    assert packets["two"].read_bytes() != packets["whole"].read_bytes()
    parts, whole = PdfReader(packets["two"]), PdfReader(packets["whole"])
    assert len(parts.pages) == len(whole.pages) > 14
    # Every line of every page, folios ("第N页/共M页") and the 目录's page numbers included.
    assert pdf_layout_lines(packets["two"]) == pdf_layout_lines(packets["whole"])
    assert outline(parts) == outline(whole) and len(outline(parts)) > 14 * 3
    assert links(parts) == links(whole) and len(links(parts)) >= 14
    destinations = {name: parts.get_destination_page_number(d) for name, d in parts.named_destinations.items()}
    assert destinations == {name: whole.get_destination_page_number(d) for name, d in whole.named_destinations.items()}
    # One subset per face, as one layout embeds, and a file of about the same size.
    assert embedded_fonts(packets["two"]) == embedded_fonts(packets["whole"])
    faces = [font["/BaseFont"] for font in font_objects(packets["two"])]
    assert len(faces) == len(set(faces)) == len(embedded_fonts(packets["whole"]))
    assert packets["two"].stat().st_size <= 1.5 * packets["whole"].stat().st_size
    # And the same pictures.
    for name in ("two", "whole"):
        subprocess.run(["pdftoppm", "-r", "30", "-png", str(packets[name]), str(tmp_path / name)], check=True)
    pictures = sorted(tmp_path.glob("two-*.png"))
    assert len(pictures) == len(whole.pages)
    for picture in pictures:
        other = tmp_path / picture.name.replace("two-", "whole-")
        assert ImageChops.difference(Image.open(picture).convert("RGB"), Image.open(other).convert("RGB")).getbbox() is None, picture.name


def test_a_packet_in_parts_is_the_same_file_on_one_core_or_two(packets: dict[str, Path], tmp_path: Path) -> None:
    assert packets["one"].read_bytes() == packets["two"].read_bytes()
    again, _ = make_packet(tmp_path, "2")
    assert again.read_bytes() == packets["two"].read_bytes()


def test_an_office_style_with_left_and_right_pages_is_laid_out_as_one_document(tmp_path: Path) -> None:
    office = tmp_path / "office"
    office.mkdir()
    shipped = (template_dirs(None)[0] / "style.css").read_text(encoding="utf-8")
    (office / "style.css").write_text(shipped + "\n@page :left { margin-left: 25mm; }\n", encoding="utf-8")
    assert not splittable(template_dirs(office)) and splittable(template_dirs(None))
    pdf, html = make_packet(tmp_path, "2", "--templates", str(office))
    assert pdf.read_bytes() == render_pdf(html.read_text(encoding="utf-8"), template_dirs(office))[0]


def test_a_part_the_other_process_cannot_lay_out_is_left_to_this_one() -> None:
    html = '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"></head><body><p>没有审查意见</p></body></html>'
    helper = Helper(html, template_dirs(None), ["opinion-1"])
    try:
        assert helper.result() is None  # the process said why; the caller lays the part out itself
    finally:
        helper.stop()


def test_ctrl_c_while_both_halves_are_laid_out_stops_both_quietly(tmp_path: Path) -> None:
    """A terminal's Ctrl-C reaches the whole process group: the command says 已中断 once, the
    other process ends too, and nothing is written."""
    pdf = tmp_path / "packet.pdf"
    process = subprocess.Popen(
        [sys.executable, "-m", "admission", "packet", str(SAMPLES_DIR), "-o", str(pdf), *PACKET],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, LAYOUT_PROCESSES_ENV: "2"},
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    helpers: list[int] = []
    while not helpers and time.monotonic() < deadline:  # until the other half has begun (not fc-list)
        helpers = [pid for pid in _descendants(process.pid) if b"admission" in _command_line(pid)]
        time.sleep(0.05)
    assert helpers, "the second half never started"
    time.sleep(0.5)  # well into its layout
    os.killpg(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130 and err.strip() == "已中断。", err
    assert not pdf.exists() and not list(tmp_path.iterdir())
    for pid in helpers:
        assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2], pid


def _descendants(pid: int) -> list[int]:
    found, stack = [], [pid]
    while stack:
        for task in Path(f"/proc/{stack.pop()}/task").glob("*"):
            try:
                children = [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
            found += children
            stack += children
    return found


def _command_line(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def test_layouts_run_under_their_own_collector_thresholds_and_give_them_back() -> None:
    import gc
    import threading

    from admission.documents.pdf import LAYOUT_THRESHOLDS, layout_collection

    before = gc.get_threshold()
    layout = (*LAYOUT_THRESHOLDS, before[2])
    seen: list[tuple[int, ...]] = []
    second_in, first_out = threading.Event(), threading.Event()

    def second_layout() -> None:  # the web server's case: it begins inside the first, ends after it
        with layout_collection():
            second_in.set()
            first_out.wait()
            seen.append(gc.get_threshold())  # still the layout's: the first one's end gave none back

    with layout_collection():
        seen.append(gc.get_threshold())
        worker = threading.Thread(target=second_layout)
        worker.start()
        second_in.wait()
    first_out.set()
    worker.join()
    assert seen == [layout, layout]
    assert gc.get_threshold() == before  # given back once the last one ended
