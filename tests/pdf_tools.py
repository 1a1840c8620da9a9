"""Reading PDFs back: text (pdftotext), pages and fonts (pypdf), pictures (pdftoppm)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from pypdf import PdfReader


def pdf_text(path: Path) -> str:
    """The text of every page, pages separated by form feeds, all other white space removed.

    pdftotext keeps or drops the spaces around Chinese text depending on the layout (letter
    spacing shows up as spaces), so comparisons are made without any.
    """
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return "\f".join("".join(page.split()) for page in text.split("\f"))


def pdf_reading_text(path: Path) -> str:
    """The text in the order it was written (``pdftotext -raw``), white space removed: a table
    cell's lines stay together instead of interleaving with the cells beside it."""
    text = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return "".join(text.split())


def pdf_layout_lines(path: Path) -> list[str]:
    """Lines as laid out on the page (for leader lines such as the table of contents)."""
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout.splitlines()


def squash(text: str) -> str:
    return "".join(text.split())


def page_count(path: Path) -> int:
    return len(PdfReader(path).pages)


def embedded_fonts(path: Path) -> set[str]:
    """BaseFont names of every font on every page (subset fonts carry an ``ABCDEF+`` tag)."""
    names: set[str] = set()
    for page in PdfReader(path).pages:
        resources: Any = page["/Resources"].get_object()
        fonts: Any = resources.get("/Font", {})
        for font in fonts.values():
            font = font.get_object()
            names.add(str(font["/BaseFont"]))
            for descendant in font.get("/DescendantFonts", []):
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")), "font not embedded"
    return names


def font_objects(path: Path) -> list[Any]:
    """Each distinct font object the pages use (a document may share one resource dictionary)."""
    seen: dict[int, Any] = {}
    for page in PdfReader(path).pages:
        resources: Any = page["/Resources"].get_object()
        for reference in resources.get("/Font", {}).values():
            seen.setdefault(reference.idnum, reference.get_object())
    return list(seen.values())


def has_embedded_files(path: Path) -> bool:
    """Whether the PDF carries attached files, in the name tree or as annotations."""
    reader = PdfReader(path)
    root: Any = reader.trailer["/Root"]
    if "/EmbeddedFiles" in root.get("/Names", {}):
        return True
    annotations: list[Any] = [a.get_object() for page in reader.pages for a in (page.get("/Annots") or [])]
    return any(a.get("/Subtype") == "/FileAttachment" for a in annotations)


def render_png(path: Path, out_prefix: Path, page: int = 1) -> Path:
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", "-f", str(page), "-l", str(page), "-singlefile", str(path), str(out_prefix)], check=True
    )
    return out_prefix.with_suffix(".png")
