"""The one writer of every table admit gives a person: CSV and Excel workbooks.

Every workbook and CSV file the project writes goes through here, so three promises hold in
one place:

- **Inert text.** A cell made from user text never becomes a formula. Excel, WPS and LibreOffice
  evaluate a CSV field that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return,
  and openpyxl writes any string starting with ``=`` as a formula. In CSV such a field gets a
  leading apostrophe (the convention spreadsheet programs show as "text"); in a workbook it is
  stored as a string cell with the "quote prefix" style, which is what Excel itself does when a
  person types ``'=…``: the value stays exactly as written, and editing it keeps it text.
- **No crash on odd characters.** Characters XML cannot hold (control characters in a file
  name, say) are shown as ``\\uXXXX`` instead of making the whole workbook fail.
- **Linear time, bytes first.** Workbooks are built in openpyxl's write-only mode (the normal
  mode recomputes the sheet's size on every append: 55 s for 10,000 rows) and saved to memory;
  the caller writes the bytes atomically, so a full disk is one clear error, not a half-closed
  zip file complaining at exit.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import gc
import io
import re
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from admission.errors import OutputError, os_error_zh
from admission.text import display_width

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# What XML 1.0 cannot hold (openpyxl raises IllegalCharacterError on these).
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

COUNT_FORMAT, AMOUNT_FORMAT, RATE_FORMAT = "0", "#,##0.00", "0.0%"  # the 通报's and monitor's number formats


@dataclass(frozen=True)
class Formatted:
    """A number with its own format, for a column that mixes counts, amounts and rates."""

    number: int | Decimal
    format: str


Value = str | int | float | Decimal | date | Formatted | None


def visible(text: str) -> str:
    """Characters a workbook cannot hold, written as ``\\uXXXX`` so nothing is silently lost."""
    return _ILLEGAL_XML.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_TRIGGERS)


def csv_field(value: Value) -> str | int | float | Decimal:
    """A CSV field a spreadsheet program shows as the text it is, never evaluates."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Formatted):
        return value.number
    if isinstance(value, str):
        return "'" + value if is_formula_like(value) else value
    return value


def csv_bytes(headers: Sequence[str], rows: Sequence[Sequence[Value]]) -> bytes:
    """UTF-8 with a byte-order mark: what Excel needs to open Chinese CSV without mojibake."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_field(h) for h in headers])
    writer.writerows([csv_field(v) for v in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


@dataclass
class Sheet:
    """One worksheet: a bold, frozen, filterable header row above plain data rows."""

    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Value]]
    # Number formats by column index (0-based), e.g. {"3": "#,##0.00"}.
    number_formats: dict[int, str] = field(default_factory=dict)
    # Fill colour (RRGGBB) of one cell of a row, by row: (column index, colour) or None.
    fill: Callable[[Sequence[Value]], tuple[int, str] | None] | None = None
    max_width: int = 60
    landscape: bool = True


def cell(sheet: Any, value: Value, **style: Any) -> Any:
    """One write-only cell: user text inert and printable, numbers as numbers."""
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, Formatted):
        return cell(sheet, value.number, number_format=value.format, **style)
    if isinstance(value, Decimal):
        value = int(value) if value == value.to_integral_value() and abs(value) < 10**15 else float(value)
    if isinstance(value, str):
        value = visible(value)
    result = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        result.data_type = "s"  # never "f", whatever the text starts with
        if is_formula_like(value):
            result.quotePrefix = True
    for name, setting in style.items():
        setattr(result, name, setting)
    return result


def _width(value: Value) -> int:
    if isinstance(value, Formatted):
        return len(str(value.number)) + 3
    return display_width(value if isinstance(value, str) else str(value)) if value is not None else 0


@contextlib.contextmanager
def _writer_failures_reported() -> Iterator[None]:
    """openpyxl writes each worksheet through a temporary file; when that write fails (a full
    disk), its half-run generator later complains on stderr with a traceback as it is collected.
    Here the failure becomes one OutputError and the leftover complaint is collected silently."""
    message = None
    try:
        yield
    except Exception as error:
        # With lxml installed (python-docx brings it) openpyxl serialises through lxml, which
        # reports the same failure as SerialisationError("IO_ENOSPC"), not as an OSError.
        lxml_io = type(error).__module__.startswith("lxml") and "IO_" in str(error)
        if not isinstance(error, OSError) and not lxml_io:
            raise
        code = getattr(errno, str(error).rsplit("IO_", 1)[-1].strip(), None)
        reason = os_error_zh(error if isinstance(error, OSError) else OSError(code, str(error)))
        import tempfile  # only for this message: imported by every command, written by few

        message = f"无法生成 Excel 文件：写临时文件失败（{reason}，临时目录 {tempfile.gettempdir()}）"
        traceback.clear_frames(error.__traceback__)  # the frames hold the workbook and its writers
    if message is None:
        return
    previous = sys.unraisablehook
    sys.unraisablehook = lambda unraisable: None
    try:
        gc.collect()
    finally:
        sys.unraisablehook = previous
    raise OutputError(message)


def xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    with _writer_failures_reported():
        return _xlsx_bytes(sheets)


def _xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    centred = Alignment(horizontal="center", vertical="center", wrap_text=True)
    fills: dict[str, PatternFill] = {}
    for spec in sheets:
        sheet = workbook.create_sheet(spec.title)
        columns = len(spec.headers)
        for index, header in enumerate(spec.headers):
            # Chinese characters are two columns wide; cap very long texts so the sheet stays usable.
            widest = max([_width(header)] + [_width(row[index]) for row in spec.rows if index < len(row)])
            sheet.column_dimensions[get_column_letter(index + 1)].width = min(spec.max_width, widest + 2)
        sheet.freeze_panes = "A2"
        last = get_column_letter(max(columns, 1))
        sheet.auto_filter.ref = f"A1:{last}{len(spec.rows) + 1}"
        sheet.print_title_rows = "1:1"
        if spec.landscape:
            sheet.page_setup.orientation = "landscape"
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.append([cell(sheet, h, font=header_font, fill=header_fill, alignment=centred) for h in spec.headers])
        for row in spec.rows:
            cells = [cell(sheet, v) for v in row]
            for index, number_format in spec.number_formats.items():
                if index < len(cells) and isinstance(row[index], (int, float, Decimal)):
                    cells[index].number_format = number_format
            coloured = spec.fill(row) if spec.fill else None
            if coloured is not None:
                index, colour = coloured
                cells[index].fill = fills.setdefault(colour, PatternFill("solid", fgColor=colour))
            sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def workbook_bytes(workbook: Any) -> bytes:
    """A workbook built in openpyxl's normal mode (templates with comments), saved to memory."""
    buffer = io.BytesIO()
    with _writer_failures_reported():
        workbook.save(buffer)
    return buffer.getvalue()


def text_value(value: Value) -> Value:
    """A value for a cell of a normal-mode workbook (templates): text printable and inert.

    Normal-mode cells decide their type when assigned, so inertness is given by the caller with
    :func:`set_text_cell`; this only makes the characters printable.
    """
    return visible(value) if isinstance(value, str) else value


def set_text_cell(target: Any, value: Value) -> None:
    """Assign a value to a normal-mode cell, keeping text text."""
    target.value = text_value(value)
    if isinstance(value, str):
        target.data_type = "s"
        if is_formula_like(value):
            target.quotePrefix = True
