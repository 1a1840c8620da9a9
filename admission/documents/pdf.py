"""HTML to PDF with WeasyPrint, behind the fence the engineering notes call for.

- Fonts: a Chinese font must be there before we start (fontconfig is asked), and any glyph
  rendered as ``.notdef`` (an empty box) fails the render: a PDF of boxes is never written.
- Fetching: only files under the template folders (and ``data:`` URLs) are served; every other
  URL, network or local, is refused, so neither a template nor a crafted input can make the
  renderer download something or embed ``/etc/passwd`` as an attachment.
- Characters no installed font can draw: when a render draws one as a box, a small probe
  document of just the user texts (``missing_characters``) finds which application and field
  hold it, so an opinion names them and a packet sets those applications aside, by name.
- The PDF is returned as bytes for the caller's atomic writer; WeasyPrint's defaults give
  byte-identical PDFs for the same input.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import logging
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse
from xml.sax.saxutils import escape

from admission.errors import RenderError

COLLECT_AFTER_PAGES = 10  # a longer document (a packet) has its layout garbage freed before writing

FONT_DIR_ENV = "ADMIT_FONT_DIR"
INSTALL_HINT = (
    "请安装中文字体：sudo apt-get install fonts-noto-cjk libharfbuzz-subset0；"
    f"无 root 权限时，可用 --font-dir 或环境变量 {FONT_DIR_ENV} 指定含中文字体（含粗体）的目录"
)


def use_font_dir(font_dir: Path | None) -> None:
    """Add a font folder to fontconfig's search path; must run before WeasyPrint is imported."""
    font_dir = font_dir or (Path(os.environ[FONT_DIR_ENV]) if os.environ.get(FONT_DIR_ENV) else None)
    if font_dir is None:
        return
    if not font_dir.is_dir():
        raise RenderError(f"字体目录不存在：{font_dir}")
    base = os.environ.get("FONTCONFIG_FILE", "/etc/fonts/fonts.conf")
    include = f'<include ignore_missing="yes">{escape(base)}</include>' if Path(base).exists() else ""
    folder = tempfile.mkdtemp(prefix="admit-fonts-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)  # fontconfig reads it until we exit
    config = Path(folder) / "fonts.conf"
    config.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>{include}'
        # The folder name is XML text: a path with & or < must not break (or inject into) the file.
        f"<dir>{escape(str(font_dir.resolve()))}</dir></fontconfig>\n",
        encoding="utf-8",
    )
    os.environ["FONTCONFIG_FILE"] = str(config)


def check_chinese_font() -> None:
    """Fail early, with the fix, when fontconfig knows no Chinese font at all."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return  # no fontconfig tools: the .notdef check during rendering still guards us
    found = subprocess.run([fc_list, ":lang=zh-cn", "family"], capture_output=True, text=True, check=False, timeout=60)
    if found.returncode == 0 and not found.stdout.strip():
        raise RenderError(f"未找到中文字体，无法生成 PDF。{INSTALL_HINT}")


class _MissingGlyphs(logging.Handler):
    """Collects WeasyPrint's warnings about characters no font could draw."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.characters: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if ".notdef" in record.getMessage() and isinstance(record.args, tuple) and record.args:
            self.characters.append(str(record.args[0]))


# While WeasyPrint lays out and draws. Its boxes live until the document is written, so every
# collection of the older generations scans the whole growing layout and finds almost nothing to
# free: at the command's thresholds (50,000, 20) they were 9% of a part's layout (0.43-0.49 s of
# 66 opinions); at these, 0.10 s, with the same peak memory (329 MB).
LAYOUT_THRESHOLDS = (500_000, 50)
_layout_lock = threading.Lock()
_layouts_running = 0
_thresholds_before: tuple[int, int, int] = (0, 0, 0)


@contextlib.contextmanager
def layout_collection() -> Iterator[None]:
    """The garbage collector's thresholds for a layout while the block runs (the web server lays
    out several at once: the first to begin sets them, the last to end restores them)."""
    global _layouts_running, _thresholds_before
    with _layout_lock:
        if _layouts_running == 0:
            _thresholds_before = gc.get_threshold()
            gc.set_threshold(*LAYOUT_THRESHOLDS, _thresholds_before[2])
        _layouts_running += 1
    try:
        yield
    finally:
        with _layout_lock:
            _layouts_running -= 1
            if _layouts_running == 0:
                gc.set_threshold(*_thresholds_before)


@contextlib.contextmanager
def rendering() -> Iterator[list[str]]:
    """While WeasyPrint lays out or draws: under the layout's collector thresholds, and with the
    characters it draws as empty boxes (``.notdef``), as its warnings name them (it finds them
    while drawing, not while laying out)."""
    handler = _MissingGlyphs()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        with layout_collection():
            yield handler.characters
    finally:
        logger.removeHandler(handler)


def _safe_fetcher(allowed_roots: list[Path]) -> Any:
    from weasyprint.urls import URLFetcher

    roots = [r.resolve() for r in allowed_roots]

    class TemplatesOnlyFetcher(URLFetcher):  # type: ignore[misc]
        """Serves files under the template folders and data: URLs; refuses everything else."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            parsed = urlparse(url)
            if parsed.scheme == "data":
                return super().fetch(url, headers)
            if parsed.scheme == "file":
                path = Path(unquote(parsed.path)).resolve()
                if any(path.is_relative_to(root) for root in roots) and path.is_file():
                    return super().fetch(url, headers)
            raise ValueError(f"admit 拒绝读取模板目录以外的资源：{url}")

    return TemplatesOnlyFetcher(allowed_protocols=("file", "data"), allow_redirects=False)


def _linked_sonames() -> Callable[[str], str | None] | None:
    """``ctypes.util.find_library`` answered from one reading of the dynamic linker's cache
    (``ldconfig -p``), None when there is no cache to read.

    Why: WeasyPrint asks cffi for each of its seven libraries by several names, Windows and
    macOS ones first (``libgobject-2.0-0``, ``gobject-2.0-0``, then ``gobject-2.0``). On Linux
    every name the cache lacks makes ``find_library`` run ``ldconfig``, then ``gcc`` and ``ld``:
    about 15 ms a miss, 0.25 s of an opinion's 1.4 s. The names found are those ctypes itself
    finds in the same cache (the same pattern, the same ABI tag)."""
    import ctypes
    import re

    ldconfig = shutil.which("ldconfig") or next((p for p in ("/sbin/ldconfig", "/usr/sbin/ldconfig") if os.path.exists(p)), None)
    if ldconfig is None:
        return None
    try:
        listing = subprocess.run([ldconfig, "-p"], capture_output=True, check=True, timeout=10, env={"LC_ALL": "C", "LANG": "C"}).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    text = listing.decode("utf-8", "replace")
    machine = os.uname().machine + ("-64" if ctypes.sizeof(ctypes.c_void_p) == 8 else "-32")
    abi = {"x86_64-64": "libc6,x86-64", "ppc64-64": "libc6,64bit", "sparc64-64": "libc6,64bit", "s390x-64": "libc6,64bit",
           "ia64-64": "libc6,IA-64"}.get(machine, "libc6")  # fmt: skip

    def find(name: str) -> str | None:
        found = re.search(rf"\s+(lib{re.escape(name)}\.[^\s]+)\s+\({re.escape(abi)}", text)
        return found.group(1) if found else None

    return find


def weasyprint_module() -> Any:
    """WeasyPrint (heavy: only commands that write PDFs import it), its libraries looked up in the
    linker's cache read once (``_linked_sonames``); should that find too little, the import is
    made again the stock way, so the shortcut can cost time but never a PDF."""
    import ctypes.util
    import sys

    if "weasyprint" in sys.modules:
        return sys.modules["weasyprint"]
    stock, cached = ctypes.util.find_library, _linked_sonames()
    if cached is not None:
        ctypes.util.find_library = cached  # type: ignore[assignment]  # replaced for this one import
        try:
            import weasyprint

            return weasyprint
        except OSError:
            for name in [m for m in sys.modules if m == "weasyprint" or m.startswith("weasyprint.")]:
                del sys.modules[name]
        finally:
            ctypes.util.find_library = stock
    import weasyprint

    return weasyprint


def html_document(html: str, template_dirs: list[Path]) -> Any:
    weasyprint = weasyprint_module()
    return weasyprint.HTML(string=html, base_url=str(template_dirs[0].resolve()) + "/", url_fetcher=_safe_fetcher(template_dirs))


def _drawn(html: str, template_dirs: list[Path]) -> tuple[Any, bytes, list[str]]:
    """Lay out and write ``html``; the document, its PDF and the characters drawn as empty boxes."""
    with rendering() as missing:
        document = html_document(html, template_dirs).render()
        # Layout leaves much garbage in reference cycles; freeing it before fonts are subset
        # and the file is written lowers the peak (measured: 484 -> 456 MB for 100 projects).
        # A short document has little to free, and the collection was 87 ms of a 1.6 s opinion.
        if len(document.pages) > COLLECT_AFTER_PAGES:
            gc.collect()
        return document, document.write_pdf(), missing


PAINT_SCALE = 0.75  # CSS px to PDF points: WeasyPrint draws at zoom 1


def paint_pages(document: Any, fonts: dict[int, Any], resources: Any, images: dict[str, Any]) -> Iterator[Any]:
    """Each page of a laid-out ``document`` drawn to its own content stream (WeasyPrint's
    ``Stream``), as writing the PDF would draw it, without writing it: the fonts used, and the
    graphics states, images and patterns named, are gathered in the given dictionaries. One page
    at a time: a stream holds many small objects, which a caller can drop once it has its bytes."""
    from weasyprint.pdf.stream import Stream

    for page in document.pages:
        box = (0, 0, page.width, page.height)
        stream = Stream(fonts, box, resources, images, None, document.color_profiles, document.output_intent)
        page.paint(stream, PAINT_SCALE)
        yield stream


def new_resources() -> Any:
    """The resource dictionaries WeasyPrint's ``Stream`` adds to as it draws."""
    import pydyf

    return pydyf.Dictionary({name: pydyf.Dictionary() for name in ("ExtGState", "XObject", "Pattern", "Shading")})


def missing_characters(html: str, template_dirs: list[Path]) -> set[str]:
    """The characters of ``html`` that no installed font draws (a probe: laid out and drawn, for
    WeasyPrint finds them while drawing, but no PDF is written)."""
    check_chinese_font()
    with rendering() as missing:
        for _ in paint_pages(html_document(html, template_dirs).render(), {}, new_resources(), {}):
            pass
    return set("".join(missing)) - set(" \n")


def character_names(characters: str) -> str:
    """``“😀”（U+1F600）`` for each character, for a message a person can act on."""
    return "、".join(f"“{c}”（U+{ord(c):04X}）" for c in characters[:10])


class UndrawableCharacters(RenderError):
    """Some character came out as a box (.notdef): the caller may name the field that holds it."""


def refuse_boxes(missing: list[str]) -> None:
    """Refuse a PDF in which these characters (WeasyPrint's ``.notdef`` reports) came out as boxes."""
    if missing:
        characters = "".join(dict.fromkeys("".join(missing)))
        raise UndrawableCharacters(f"已安装的字体无法显示这些字符，PDF 会出现空框，已停止生成：{character_names(characters)}")


def render_pdf(html: str, template_dirs: list[Path]) -> tuple[bytes, int]:
    """The PDF of ``html`` and its page count; refused if any character came out as a box."""
    check_chinese_font()
    document, data, missing = _drawn(html, template_dirs)
    refuse_boxes(missing)
    return data, len(document.pages)
