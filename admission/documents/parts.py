"""A meeting packet's PDF laid out in parts, the second part on the other core when it is free.

Why: layout is two thirds of a packet's time (a 100-project packet: 14-15 s on one core), and
WeasyPrint lays a document out on one core. Most pages belong to *blocks* that each begin a page
and print no page number: the 汇总表, each opinion, the invalid materials, the appendix. Each lays
out the same alone as in the packet, so the first blocks are laid out here and the rest in a
forked process, both without running head or folio. A third, light layout, the *skeleton*, holds
the cover and the 目录 and, for each block, an empty placeholder exactly as many pages long.
WeasyPrint itself then numbers the pages and fills the 目录's page numbers and the "共N页" folio:
the numbers are those of one layout by construction. Each part page's drawing (its content
stream) is laid over its skeleton page, with its bookmarks and anchors, and the glyphs it used
join the skeleton's fonts, so the file embeds one subset per face, as a single layout does.

The same bytes whatever the load: where to split depends on the packet alone, and a part drawn
here or in the other process is the same stream. Only *where* the blocks are laid out depends on
the machine: all of them here, as one part, when no second core is free
(``ADMIT_LAYOUT_PROCESSES=1`` asks for that too); the same pages, fonts and bytes.

What the drawings may carry is checked, not assumed: a part with links, images, patterns,
shadings or groups, an office's own packet template or page-side (left/right) rules, or a
skeleton whose placeholders do not fall on the expected pages, is laid out the ordinary way, as
one document. A second part that uses a face the first never drew is drawn again here (its font
object exists only where it was drawn): slower, never different. This leans on WeasyPrint's
drawing objects (``Stream``, ``Page.paint``, ``Document.fonts``), so the version is pinned
(``pyproject.toml``); the tests compare the result with one layout's.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import re
import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from admission.documents.pdf import (
    check_chinese_font,
    html_document,
    new_resources,
    paint_pages,
    refuse_boxes,
    render_pdf,
    rendering,
    weasyprint_module,
)

LAYOUT_PROCESSES_ENV = "ADMIT_LAYOUT_PROCESSES"  # "1": lay the parts out one after the other here
MIN_BLOCKS = 6  # fewer (four opinions, with the 汇总表 and appendix): one layout, cheaper than parts
# The first part's share of the blocks: this process also lays out the skeleton while the other
# draws the second part.
FIRST_PART_SHARE = 0.40

# Every margin box CSS paged media knows: a part draws none (the skeleton draws the page's own).
MARGIN_BOXES = (
    "top-left-corner", "top-left", "top-center", "top-right", "top-right-corner", "right-top", "right-middle", "right-bottom",
    "bottom-right-corner", "bottom-right", "bottom-center", "bottom-left", "bottom-left-corner", "left-bottom", "left-middle", "left-top",
)  # fmt: skip
# No quotes or angle brackets: the template prints these inside <style> with autoescaping on.
BODY_STYLE = "@page { " + " ".join(f"@{box} {{ content: none !important; border: none !important }}" for box in MARGIN_BOXES) + " }"
# One 1px block per page: a forced break before an empty block, or before a container's first
# child, does not begin a page of its own (measured), a break between two blocks does.
SKELETON_STYLE = ".part-placeholder { break-before: page; } .part-page { height: 1px; } .part-page + .part-page { break-before: page; }"
# Page-side and page-number selectors would let a page's place in the packet change its layout.
PLACED_PAGE_RULES = re.compile(r"@page[^{]*:(left|right|recto|verso|blank|nth)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Part:
    """What one layout of the packet holds. The packet's body is a row of blocks, each beginning a
    page (the 汇总表, each opinion, the invalid materials, the appendix): a ``body`` part is blocks
    ``[start, stop)`` of ``total``; the ``skeleton`` is the cover and the 目录 with each block an
    empty placeholder (``placeholders``: each block's anchor and page count)."""

    kind: str
    start: int = 0
    stop: int = 0
    total: int = 0
    placeholders: tuple[tuple[str, int], ...] = ()

    @property
    def style(self) -> str:
        return BODY_STYLE if self.kind == "body" else SKELETON_STYLE


@dataclass
class DrawnPage:
    """One page of a part as drawn: its content stream and where its anchors and bookmarks are."""

    content: bytes
    anchors: dict[str, tuple[float, float, float, float]]
    bookmarks: list[tuple[int, str, tuple[float, float], str]]


@dataclass
class DrawnPart:
    """A part laid out and drawn: plain data, sent whole from the other process."""

    pages: list[DrawnPage]
    page_counts: list[int]  # each block's
    glyphs: dict[int, tuple[dict[int, float], dict[int, str]]]  # by WeasyPrint's font key: widths, text
    states: dict[str, dict[str, float]]  # the graphics states (opacities) the streams name
    missing: list[str]  # characters drawn as empty boxes
    # In the process that drew it only (never sent): the fonts, and their configuration, which
    # must outlive them (it owns the faces the fonts point into).
    fonts: dict[int, Any] = field(default_factory=dict)
    font_config: Any = None


class NotInParts(Exception):
    """This packet (its templates, or what a part drew) is laid out as one document."""


def splittable(template_dirs: Sequence[Path]) -> bool:
    """Whether packets from these templates may be laid out in parts: ours, or an office's that
    keeps our packet template and sets no page-side rules."""
    office = template_dirs[:-1]
    if any((folder / "packet.html.j2").exists() for folder in office):
        return False
    for folder in office:
        style = folder / "style.css"
        if style.is_file() and PLACED_PAGE_RULES.search(style.read_text(encoding="utf-8", errors="replace")):
            return False
    return True


def second_core_free() -> bool:
    """Whether another process would get a core of its own now: at least two cores are ours and
    fewer than that many other tasks are runnable (the kernel's instantaneous count, read three
    times over 20 ms, the lowest kept). ``ADMIT_LAYOUT_PROCESSES`` decides instead when set."""
    asked = os.environ.get(LAYOUT_PROCESSES_ENV, "").strip()
    if asked:
        return asked != "1"
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    if cores < 2:
        return False
    readings = []
    for attempt in range(3):
        try:
            readings.append(int(Path("/proc/loadavg").read_text().split()[3].split("/")[0]))
        except (OSError, ValueError, IndexError):
            return True  # no count to read: assume the machine is ours
        if attempt < 2:
            time.sleep(0.01)
    others = min(readings) - 1  # the count includes this process
    return others < cores - 1


def draw_part(
    html: str,
    template_dirs: list[Path],
    anchors: Sequence[str],
    laid_out: Callable[[list[int]], None] | None = None,
    font_files: bool = True,
) -> DrawnPart:
    """Lay out one part (its blocks' ``anchors`` in order) and draw each page's content stream;
    ``laid_out`` hears each block's page count as soon as the layout is done, before the drawing.
    Without ``font_files`` (the other process: only its glyphs are sent), each font's copy of its
    font file is dropped as soon as it is made: 46 MB of the Noto faces, never written from there."""
    import pydyf

    with rendering() as missing:
        document = html_document(html, template_dirs).render()
        counts = _page_counts(document.pages, anchors)
        if laid_out is not None:
            laid_out(counts)
        # No collection here, unlike one layout's: with the document alive it scans every box to
        # free little (a 100-project packet's second part: 0.7 s, on the critical path, to lower
        # the peak by 9 MB). When two processes share the work, this one collects its part once
        # drawn, while the other is still busy (render_packet_pdf); the other one simply ends.
        if any(page.links for page in document.pages):
            raise NotInParts("a part has links")
        fonts: dict[int, Any] = {}
        resources, images = new_resources(), dict[str, Any]()
        pages = []
        for page, stream in zip(document.pages, paint_pages(document, fonts, resources, images), strict=True):
            pages.append(DrawnPage(b"\n".join(pydyf._to_bytes(item) for item in stream.stream), dict(page.anchors), list(page.bookmarks)))
            if not font_files:
                for font in fonts.values():
                    font.file_content = b""
    if images or any(resources[name] for name in ("XObject", "Pattern", "Shading")):
        raise NotInParts("a part draws images, patterns, shadings or groups")
    states = {name: dict(state) for name, state in resources["ExtGState"].items()}
    if any(set(state) - {"ca", "CA"} for state in states.values()):
        raise NotInParts("a part sets graphics states other than opacity")
    return DrawnPart(
        pages=pages,
        page_counts=counts,
        glyphs={key: (dict(font.widths), dict(font.to_unicode)) for key, font in fonts.items()},
        states=states,
        missing=missing,
        fonts=fonts,
        font_config=document.font_config,
    )


def _page_counts(pages: Sequence[Any], anchors: Sequence[str]) -> list[int]:
    """How many pages each block spans, from the page its anchor is on."""
    starts: list[int] = []
    for anchor in anchors:
        found = next((index for index, page in enumerate(pages) if anchor in page.anchors), None)
        if found is None or (starts and found <= starts[-1]):
            raise NotInParts(f"block {anchor} does not begin a page of its own")
        starts.append(found)
    if not starts or starts[0] != 0:
        raise NotInParts("a part does not begin with its first block")
    return [after - start for start, after in zip(starts, [*starts[1:], len(pages)], strict=True)]


def _draw_in_child(connection: Connection, html: str, template_dirs: list[Path], anchors: Sequence[str]) -> None:
    """The other process: the page counts as soon as they are known, then the drawn part (or, at
    any point, why it failed)."""
    # Ctrl-C or SIGTERM (the parent's stop) simply end this process: it writes no file, and the
    # parent's handlers, inherited by the fork, would raise wherever it is, even inside a weakref
    # callback at exit, where the interpreter prints the traceback ("Exception ignored in ...").
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    answer: DrawnPart | str
    try:
        try:
            answer = draw_part(html, template_dirs, anchors, laid_out=connection.send, font_files=False)
            answer.fonts, answer.font_config = {}, None  # they point into this process's memory
        except Exception as error:  # any failure: the parent lays the part out itself
            answer = f"{type(error).__name__}: {error}"
        connection.send(answer)
    except OSError:
        pass  # the parent stopped listening (it was interrupted, or failed): nothing to say, no traceback
    finally:
        connection.close()


class Helper:
    """The second part, laid out in another process: forked, so WeasyPrint is already imported
    (forkserver in a process with threads, the web server's, where a fork may inherit a held lock)."""

    def __init__(self, html: str, template_dirs: list[Path], anchors: Sequence[str]) -> None:
        single = threading.active_count() == 1
        context = multiprocessing.get_context("fork") if single else multiprocessing.get_context("forkserver")
        self._receiver, sender = context.Pipe(duplex=False)
        self._process = context.Process(target=_draw_in_child, args=(sender, html, template_dirs, list(anchors)), daemon=True)
        self._process.start()
        sender.close()

    @classmethod
    def start(cls, html: str, template_dirs: list[Path], anchors: Sequence[str]) -> Helper | None:
        """The helper at work, or None where no process can be started: in a daemonic process
        (which may have no children), or when the system refuses one (the caller then lays the
        part out itself)."""
        if multiprocessing.current_process().daemon:
            return None
        try:
            return cls(html, template_dirs, anchors)
        except OSError:
            return None

    def page_counts(self) -> list[int] | None:
        """Each of the part's blocks' page counts, once laid out; None when the process failed."""
        answer = self._answer()
        return answer if isinstance(answer, list) else None

    def result(self) -> DrawnPart | None:
        """The drawn part; None when the process failed (the caller then lays it out itself)."""
        answer = self._answer()
        return answer if isinstance(answer, DrawnPart) else None

    def _answer(self) -> Any:
        try:
            return self._receiver.recv()
        except (EOFError, OSError):
            return None

    def stop(self) -> None:
        self._receiver.close()
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()


def render_packet_pdf(part_html: Callable[[Part | None], str], anchors: Sequence[str], template_dirs: list[Path]) -> tuple[bytes, int]:
    """The packet's PDF and page count: ``part_html(part)`` is the HTML of a part (None: the whole
    packet), ``anchors`` its blocks' anchors in order (see ``Part``). Refused, as one layout is,
    if any character comes out as an empty box."""
    if len(anchors) < MIN_BLOCKS or not splittable(template_dirs):
        return render_pdf(part_html(None), template_dirs)
    check_chinese_font()
    weasyprint_module()  # imported before the fork, so the other process starts with it
    # The first part is smaller: after it, this process lays out the skeleton (its page counts
    # come from the other process as soon as its layout is done) while the other still draws.
    split = round(len(anchors) * FIRST_PART_SHARE)
    first, second = Part("body", 0, split, len(anchors)), Part("body", split, len(anchors), len(anchors))
    try:
        helper = Helper.start(part_html(second), template_dirs, anchors[split:]) if second_core_free() else None
        if helper is None:
            # One core: the body as one part, one layout less to set up. Each page is drawn alone
            # and each font object comes from the first page that uses it, so these are the two
            # parts' very streams and fonts: the same bytes. The body's layout, garbage once drawn,
            # is not collected: that took 1.3 s of a 12 s packet to lower its peak from 494 to 430 MB.
            whole = draw_part(part_html(Part("body", 0, len(anchors), len(anchors))), template_dirs, anchors)
            skeleton = _skeleton(part_html, anchors, whole.page_counts, template_dirs)
            refuse_boxes(whole.missing)
            return _written(skeleton, whole)
        try:
            drawn_first = draw_part(part_html(first), template_dirs, anchors[:split])
            gc.collect()  # the first part's layout, garbage now, freed while the other process lays out
            counts_second = helper.page_counts()
            drawn_second = None
            if counts_second is None:  # the other process failed: the second part is drawn here
                drawn_second = draw_part(part_html(second), template_dirs, anchors[split:])
                counts_second = drawn_second.page_counts
            skeleton = _skeleton(part_html, anchors, drawn_first.page_counts + counts_second, template_dirs)
            if drawn_second is None:
                drawn_second = helper.result()
        finally:
            helper.stop()
        if drawn_second is None or not set(drawn_second.glyphs) <= set(drawn_first.fonts):
            # Not drawn there, or with a face the first part never used (whose font object only
            # a process that drew it has): drawn here, the same stream either way.
            drawn_second = draw_part(part_html(second), template_dirs, anchors[split:])
        if drawn_second.page_counts != counts_second:
            raise NotInParts("the second part's pages changed between two layouts")
        refuse_boxes(drawn_first.missing + drawn_second.missing)
        return _written(skeleton, drawn_first, drawn_second)
    except NotInParts:
        return render_pdf(part_html(None), template_dirs)


@dataclass
class Skeleton:
    document: Any  # WeasyPrint's, laid out
    first_page: int  # where the first block's placeholder begins


def _skeleton(part_html: Callable[[Part | None], str], anchors: Sequence[str], counts: list[int], template_dirs: list[Path]) -> Skeleton:
    """The cover and 目录, each block a placeholder of its page count, laid out."""
    placeholders = tuple(zip(anchors, counts, strict=True))
    with rendering():  # laid out only: its boxes are found when it is drawn, in _written
        document = html_document(part_html(Part("skeleton", placeholders=placeholders)), template_dirs).render()
    return Skeleton(document, _placeholder_start(document.pages, anchors, counts))


def _written(skeleton: Skeleton, *parts: DrawnPart) -> tuple[bytes, int]:
    """The PDF: each part's page laid over its placeholder page, the parts' glyphs joined to the
    skeleton's fonts (one object per face), written by WeasyPrint."""
    import pydyf

    document = skeleton.document
    drawn = [page for part in parts for page in part.pages]
    states = {name: state for part in parts for name, state in part.states.items()}
    for page, over in zip(document.pages[skeleton.first_page : skeleton.first_page + len(drawn)], drawn, strict=True):
        _lay_over(page, over, states, pydyf)
    fonts: dict[int, Any] = {}
    for part in parts:
        for key, (widths, text) in part.glyphs.items():
            font = fonts.setdefault(key, parts[0].fonts.get(key) or part.fonts[key])
            font.widths.update(widths)
            font.to_unicode.update(text)
    document.fonts.update(fonts)
    with rendering() as missing:  # the skeleton's own texts are drawn now
        data = document.write_pdf()
    refuse_boxes(missing)
    return data, len(document.pages)


def _placeholder_start(pages: Sequence[Any], anchors: Sequence[str], counts: Sequence[int]) -> int:
    """The skeleton page the first block's placeholder begins on, once every placeholder page is
    checked to be where its block's page will go."""
    where: dict[str, int] = {}
    for index, page in enumerate(pages):
        for name in page.anchors:
            where.setdefault(name, index)  # a block spanning pages is on each: its first
    if anchors[0] not in where or any(where.get(anchor) != where.get(f"{anchor}-p1") for anchor in anchors):
        raise NotInParts("a block's placeholder does not begin on its first page")
    page = where[anchors[0]]
    for anchor, count in zip(anchors, counts, strict=True):
        for offset in range(count):
            name = f"{anchor}-p{offset + 1}"
            if where.get(name) != page + offset:
                raise NotInParts(f"the skeleton's page for {name} is not where the block's page goes")
        page += count
    return where[anchors[0]]


def _lay_over(page: Any, drawn: DrawnPage, states: dict[str, dict[str, float]], pydyf: Any) -> None:
    """Draw ``drawn`` over the skeleton's ``page`` when the PDF is written, and move its anchors and
    bookmarks onto that page (the placeholder's own only mark where it is)."""
    page.anchors = dict(drawn.anchors)
    page.bookmarks = list(drawn.bookmarks)
    # One layout paints a page's backgrounds, then its content, then the margin boxes (running
    # head, folio) over it. The part has painted the same page's backgrounds and its content: the
    # skeleton then adds only its margin boxes, in that order (a background painted again would
    # hide the content; margin boxes painted first would differ where they touch it).
    page_box = page._page_box
    page_box.background = page_box.canvas_background = None
    paint_skeleton = page.paint

    def paint(stream: Any, scale: float = 1) -> None:
        graphics_states = stream._resources["ExtGState"]
        for name, state in states.items():
            if name not in graphics_states:
                graphics_states[name] = pydyf.Dictionary(state)
        with stream.stacked():
            stream.stream.append(drawn.content)
        paint_skeleton(stream, scale)

    page.paint = paint
