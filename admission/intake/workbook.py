"""The Excel intake workbook (汇总表): one application per row, Chinese headers with units.

The columns map one-to-one onto the fields of application.md. A row becomes the same JSON-like
object a file would give, so it goes through exactly the same validation and engine.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from admission.contract.application import RawApplication
from admission.contract.fields import FIELDS, FREE_TEXT_PATHS, SHARE_PATHS, Field
from admission.errors import InvalidInput, Problem, UsageError, os_error_zh
from admission.rules.rulebook import Rulebook
from admission.text import excerpt
from admission.vocabulary import project_type_code, type_label

Column = Field  # a workbook column is a field of the input (``contract.fields``)
COLUMNS: tuple[Column, ...] = FIELDS
BY_HEADER = {c.header: c for c in COLUMNS}
TEMPLATE_HEADERS = {c.path: c.header for c in COLUMNS}
FREE_TEXT = FREE_TEXT_PATHS
RATIO_PATHS = SHARE_PATHS
# Other names clerks give the same columns (matched after normalising, see ``header_key``).
HEADER_ALIASES: dict[str, str] = {alias: field.header for field in FIELDS for alias in field.aliases}


def header_key(text: str) -> str:
    """A header as compared: the forms WPS and Excel users type are one key.

    NFKC makes full-width letters, digits and brackets half-width (``（亩）`` and ``(亩)``);
    spaces of any width and the ``*`` that marks a required column are dropped; ``㎡``, ``m²``
    and ``m2`` all mean 平方米.
    """
    key = unicodedata.normalize("NFKC", text)
    key = re.sub(r"[\s*]+", "", key).lower()
    key = key.replace("[", "(").replace("]", ")").replace("【", "(").replace("】", ")")
    return re.sub(r"\(m2\)|\(m\^2\)|\(平米\)|\(平方\)", "(平方米)", key)


BY_KEY: dict[str, Column] = {
    **{header_key(alias): BY_HEADER[header] for alias, header in HEADER_ALIASES.items()},
    **{header_key(c.header): c for c in COLUMNS},
    # 自持比例(%): the column holds percentages, 35 meaning 35%.
    **{header_key(f"{c.header}(%)"): replace(c, kind="percent") for c in COLUMNS if c.path in RATIO_PATHS},
}
EXAMPLE_MARK = "示例行"  # a row whose 项目名称 holds this is the template's example: never screened
EXAMPLE_ROW: dict[str, Any] = {
    "案件编号": "JM-2026-0001",
    "项目名称": f"示例精密结构件智能制造项目（{EXAMPLE_MARK}，审查时自动跳过）",
    "投资主体": "示例精密科技（江门）有限公司",
    "项目类型": "工业项目",
    "所在区域": "新会区",
    "行业代码": "C38",
    "重点产业链": "新能源电池",
    "用地面积（亩）": 100,
    "计容建筑面积（平方米）": 120000,
    "建筑基底面积（平方米）": 30000,
    "计划总投资（万元）": 50000,
    "固定资产投资（万元）": 40000,
    "达产年税收（万元）": 3000,
    "达产年产值（万元）": 150000,
    "研发投入强度": 0.04,
    "受理日期": "2026-11-02",
}
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_PERCENT = re.compile(r"^([+-]?(\d+(\.\d*)?|\.\d+))%$")
_TEXT_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def _text_date(value: str) -> str:
    """``2026/11/3``, ``2026.11.3`` and ``2026年11月3日`` as ISO; anything else as it was."""
    match = _TEXT_DATE.match(value)
    if not match:
        return value
    try:
        return date(*(int(part) for part in match.groups())).isoformat()
    except ValueError:
        return value  # 2026/2/30: left for validation, which names the cell


def _cell_value(column: Column, value: Any) -> Any:
    """A cell as the JSON value the contract expects, read as a clerk meant it; wrong kinds are
    left for validation. Text is NFKC-normalised first (full-width digits, ％ and letters)."""
    if isinstance(value, str):
        # Names are kept as written (（）stay full-width); codes, numbers and dates are normalised.
        value = (value if column.path in FREE_TEXT else unicodedata.normalize("NFKC", value)).strip()
        if value == "":
            return None
    if column.kind in ("number", "percent") and isinstance(value, str):
        number = value.replace(",", "")
        percent = _PERCENT.match(number) if column.path in RATIO_PATHS else None
        if percent:
            return Decimal(percent.group(1)) / 100  # 2.5% in a ratio column is 0.025
    if column.kind == "percent":
        number_value = _cell_value(replace(column, kind="number"), value)
        return number_value / 100 if isinstance(number_value, Decimal) else number_value
    if column.path == "industry.code" and isinstance(value, str):
        return value.upper()
    if column.kind == "date" and isinstance(value, str):
        return _text_date(value)
    if column.kind == "number":
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            return Decimal(value)
        if isinstance(value, float):
            # Excel stores doubles; repr is the shortest decimal that reads back the same, which
            # is the number the person typed.
            return Decimal(repr(value))
        if isinstance(value, str) and _PLAIN_NUMBER.match(value.replace(",", "")):
            return Decimal(value.replace(",", ""))  # a number stored as text, as Excel often does
        return value
    if column.kind == "date" and isinstance(value, (datetime, date)):
        return (value.date() if isinstance(value, datetime) else value).isoformat()
    if column.kind == "type" and isinstance(value, str):
        return project_type_code(value) or value  # 工业地产项目, 工业地产 and the code alike
    if isinstance(value, (int, float)) and not isinstance(value, bool) and column.kind == "text":
        return str(int(value)) if float(value).is_integer() else str(value)
    return value


def application_to_row(application: dict[str, Any]) -> list[Any]:
    """One application as a row of the intake layout (the inverse of ``row_to_application``):
    the cells in ``COLUMNS`` order, the type as its Chinese label, absent fields empty."""
    row: list[Any] = []
    for column in COLUMNS:
        value: Any = application
        for part in column.path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        row.append(type_label(str(value)) if column.kind == "type" and value is not None else value)
    return row


def is_example_row(headers: list[Column | None], cells: tuple[Any, ...]) -> bool:
    return any(
        column is not None and column.path == "name" and isinstance(cell, str) and EXAMPLE_MARK in cell
        for column, cell in zip(headers, cells, strict=False)
    )


def row_to_application(headers: list[Column | None], cells: tuple[Any, ...]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for column, cell in zip(headers, cells, strict=False):
        if column is None:
            continue
        value = _cell_value(column, cell)
        if value is None:
            continue
        target = data
        *parents, leaf = column.path.split(".")
        for parent in parents:
            target = target.setdefault(parent, {})
        target[leaf] = value
    return data


def _sheet_has_formulas(workbook: Any, sheet: Any) -> bool:
    """Whether the sheet's XML holds any formula (``<f>``): a cheap scan, no parsing."""
    path = getattr(sheet, "_worksheet_path", None)
    archive = getattr(workbook, "_archive", None)
    if path is None or archive is None:
        return True  # cannot tell: take the careful path
    with archive.open(path) as xml:
        tail = b""
        while chunk := xml.read(1 << 20):
            if b"<f>" in tail + chunk or b"<f " in tail + chunk:
                return True
            tail = chunk[-3:]
    return False


def _formulas_without_values(path: Path, sheet_index: int, width: int) -> dict[int, list[int]]:
    """Rows and columns of formula cells (read a second time, as formulas) for a sheet that has them."""
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=False)
    try:
        sheet = workbook.worksheets[sheet_index]
        sheet.reset_dimensions()
        found: dict[int, list[int]] = {}
        for number, cells in enumerate(sheet.iter_rows(max_col=width, values_only=True), 1):
            for column, value in enumerate(cells):
                if isinstance(value, str) and value.startswith("="):
                    found.setdefault(number, []).append(column)
        return found
    finally:
        workbook.close()


# What a workbook may hold, checked on its zip directory before any of it is parsed: a 1 MB
# file can inflate to gigabytes (a "zip bomb"), and openpyxl holds the shared strings in memory.
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024  # all parts together (a 50,000-project 台账 is about 40 MB)
MAX_SHARED_STRINGS_BYTES = 60 * 1024 * 1024
MAX_PARTS = 2000
MAX_INTAKE_ROWS = 20_000  # applications in one intake workbook
MAX_BOOK_ROWS = 200_000  # rows of one 台账 sheet


def workbook_size_problem(path: Path) -> str | None:
    """Why a workbook is refused before it is opened (too large once decompressed, or built to
    be), or None; a file that is no zip at all is left to the reader's own message."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if len(parts) > MAX_PARTS:
        return f"工作簿内部文件过多（{len(parts)} 个），不像是正常的 Excel 文件，未读取"
    megabyte = 1024 * 1024
    total = sum(part.file_size for part in parts)
    if total > MAX_UNCOMPRESSED_BYTES:
        return f"工作簿解压后达 {total // megabyte} MB，超过 {MAX_UNCOMPRESSED_BYTES // megabyte} MB 上限，未读取（请拆分后分批导入）"
    strings = sum(part.file_size for part in parts if part.filename.lower().endswith("sharedstrings.xml"))
    if strings > MAX_SHARED_STRINGS_BYTES:
        return f"工作簿中的文字内容解压后达 {strings // megabyte} MB，超过 {MAX_SHARED_STRINGS_BYTES // megabyte} MB 上限，未读取"
    return None


def _open_error(error: Exception) -> str:
    from zipfile import BadZipFile  # only a refused workbook needs it: zipfile is 4 ms of every command's start

    if isinstance(error, (BadZipFile, KeyError)):
        return "不是有效的 Excel 工作簿（.xlsx）：文件已损坏，或是其他格式改了扩展名（.xls 请在 Excel/WPS 中另存为 .xlsx）"
    if isinstance(error, PermissionError):
        return "没有读取权限"
    if isinstance(error, OSError):
        return f"无法读取：{os_error_zh(error)}"
    return "无法读取 Excel 工作簿：文件内容不符合 .xlsx 格式"


def read_workbook(path: Path, notices: list[str] | None = None) -> Iterator[RawApplication | InvalidInput]:
    """Each row as a RawApplication (source ``path#row``); workbook-level problems as InvalidInput.

    Read as it really is, not as its metadata claims: every stored row is read even when the
    sheet's ``<dimension>`` says fewer (openpyxl's read-only reader trusts it otherwise), only as
    many columns as the header row has are looked at (a styled blank cell at ``XFD1048576`` made
    a rectangle walk run for half an hour), the first *visible* sheet is the one read, and a
    formula whose result was never saved is reported, not read as an empty cell.

    A workbook that cannot be opened or read is one invalid input, whatever openpyxl raised
    (it raises zip, XML and key errors for damaged files): the rest of the batch goes on.
    """
    from openpyxl import load_workbook  # only screening pays for importing openpyxl

    notices = notices if notices is not None else []
    if not path.is_file():
        yield InvalidInput([Problem("$", "不是普通文件，无法作为 Excel 工作簿读取")], str(path))
        return
    too_large = workbook_size_problem(path)
    if too_large:
        yield InvalidInput([Problem("$", too_large)], str(path))
        return
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:
        yield InvalidInput([Problem("$", _open_error(error))], str(path))
        return
    number = 1
    try:
        chosen = _chosen_sheet(workbook, path, notices)
        if isinstance(chosen, InvalidInput):
            yield chosen
            return
        sheet_index, sheet = chosen
        sheet.reset_dimensions()
        header_number, header_row = find_header_row(sheet, lambda text: header_key(text) in BY_KEY)
        while header_row and header_row[-1] is None:
            header_row = header_row[:-1]
        if not header_row:
            yield InvalidInput([Problem("$", f"工作表“{sheet.title}”为空：第 1 行应为列标题")], str(path))
            return
        if header_number > 1:
            above = "第 1 行" if header_number == 2 else f"第 1–{header_number - 1} 行"
            notices.append(f"{path}：第 {header_number} 行是列标题，其上的标题行（{above}）未读取")
        headers, unknown = _read_headers(header_row, notices, f"{path}")
        columns = column_names(headers, header_row)
        width = len(header_row)
        formulas = _formulas_without_values(path, sheet_index, width) if _sheet_has_formulas(workbook, sheet) else {}
        duplicated = _duplicated_columns(headers)
        first = header_number + 1
        read = 0
        for number, cells in enumerate(sheet.iter_rows(min_row=first, max_col=width, values_only=True), first):
            if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
                continue  # blank rows are layout, not applications
            read += 1
            if read > MAX_INTAKE_ROWS:  # streamed: the rows past the limit are never read
                yield InvalidInput([Problem("$", f"申请汇总表超过 {MAX_INTAKE_ROWS} 行，第 {number} 行起未读取（请拆分后分批预审）")],
                                   f"{path}#{number}")  # fmt: skip
                return
            if is_example_row(headers, cells):
                notices.append(f"{path} 第 {number} 行是模板的示例行（项目名称含“{EXAMPLE_MARK}”），未审查")
                continue
            source = f"{path}#{number}"
            data = row_to_application(headers, cells)
            row_problems = [Problem(_header_name(headers, c), UNSAVED_FORMULA) for c in formulas.get(number, []) if cells[c] is None]
            row_problems += _disagreeing_duplicates(duplicated, cells) + _unread_values(unknown, cells)
            if row_problems:
                yield InvalidInput(row_problems, source, summary=row_summary(data))
                continue
            yield RawApplication(source, data, columns=columns)
    except Exception:
        yield InvalidInput([Problem("$", f"第 {number + 1} 行起无法读取：文件内容不符合 .xlsx 格式")], f"{path}#{number + 1}")
    finally:
        workbook.close()


def _chosen_sheet(workbook: Any, path: Path, notices: list[str]) -> tuple[int, Any] | InvalidInput:
    """The sheet to read: the first visible one (a notice names the hidden ones passed over); a
    台账 workbook uploaded as an intake is one clear line, not hundreds of invalid rows."""
    visible = [(i, ws) for i, ws in enumerate(workbook.worksheets) if ws.sheet_state == "visible"]
    if not visible:
        return InvalidInput([Problem("$", "工作簿中没有可见的工作表")], str(path))
    sheet_index, sheet = visible[0]
    if sheet.title in LEDGER_SHEET_NAMES:
        return InvalidInput([Problem("$", f"这是项目台账工作簿（工作表“{sheet.title}”），不是申请汇总表：请在“项目台账 → 导入台账工作簿”"
                                          "上传（命令行：admit ledger import）")], str(path))  # fmt: skip
    if sheet_index > 0:
        skipped = "、".join(f"“{ws.title}”" for ws in workbook.worksheets[:sheet_index])
        notices.append(f"{path}：跳过了隐藏的工作表 {skipped}，读取的是第一个可见的工作表“{sheet.title}”")
    return sheet_index, sheet


def _unread_values(unknown: dict[int, tuple[str, str]], cells: tuple[Any, ...]) -> list[Problem]:
    """A value under a header that looks like a field's but was not recognised: the row would be
    judged without it."""
    return [
        Problem(f"第 {i + 1} 列", f"列标题“{text}”无法识别，本行该列的值（{_shown(cells[i])}）未能读取{hint}")
        for i, (text, hint) in unknown.items()
        if i < len(cells) and cells[i] is not None and str(cells[i]).strip()
    ]


# The 台账 workbook's sheets (admission.ledger.book.SHEETS; a test keeps the two the same).
LEDGER_SHEET_NAMES = ("项目台账", "会议审议", "履约数据", "项目流转", "延期", "更正", "目标任务", "进展情况")
HEADER_SEARCH_ROWS = 10  # a 汇总表 has a title row or two (and a date line) above its header


def find_header_row(sheet: Any, is_header: Callable[[str], bool]) -> tuple[int, tuple[Any, ...]]:
    """(row number, cells) of a sheet's header row: the first of its first rows whose cells are
    known headers (two of them, or all of them in a narrower row), so a title row such as
    “2026年第12次会议申请汇总表” above it is skipped rather than read as headers. Row 1 when no
    row qualifies: its headers are then reported as unknown, as before."""
    first: tuple[int, tuple[Any, ...]] | None = None
    for number, cells in enumerate(sheet.iter_rows(max_row=HEADER_SEARCH_ROWS, values_only=True), 1):
        first = first or (number, cells)
        texts = [str(c).strip() for c in cells if c is not None and str(c).strip()]
        known = sum(1 for text in texts if is_header(text))
        if known >= 2 or (known and known == len(texts)):
            return number, cells
    return first or (1, ())


def _shown(value: Any) -> str:
    return excerpt(str(value), 20)


def _read_headers(header_row: tuple[Any, ...], notices: list[str], where: str) -> tuple[list[Column | None], dict[int, tuple[str, str]]]:
    """The column of each header (``None`` when unknown), and the unknown ones that look like a
    field's header, with a hint.

    Header trouble is said once, as a notice about the workbook, never counted as an
    application. A row holding a value under a header that looks like a field's but is not
    recognised is refused, since its verdict would rest on a figure that was never read; a
    column that resembles no field (备注) is only noted.
    """
    headers: list[Column | None] = []
    unknown: dict[int, tuple[str, str]] = {}
    for index, header in enumerate(header_row):
        text = str(header).strip() if header is not None else ""
        column = BY_KEY.get(header_key(text)) if text else None
        headers.append(column)
        if column is None and text:
            close = difflib.get_close_matches(header_key(text), list(BY_KEY), n=1, cutoff=0.5)
            if close:
                # Probably meant for a field: a row with a value here would be judged without it.
                hint = f"；是否应为“{BY_KEY[close[0]].header}”？"
                unknown[index] = (text, hint)
                notices.append(f"{where}：第 {index + 1} 列标题“{text}”无法识别{hint}该列有值的行列为无效")
            else:
                notices.append(f"{where}：第 {index + 1} 列“{text}”不是申请表的列（例如备注栏），未读取")
    for header, indexes in _duplicated_columns(headers).items():
        places = "、".join(f"第 {i + 1} 列" for i in indexes)
        notices.append(f"{where}：列标题“{header}”重复（{places}）：各列值相同的行照常审查，值不同的行列为无效")
    return headers, unknown


def column_names(headers: list[Column | None], header_row: tuple[Any, ...]) -> dict[str, str]:
    """Field path -> the header a person sees for it: as typed in this workbook, else the template's."""
    names: dict[str, str] = {}
    for column, typed in zip(headers, header_row, strict=False):
        if column is not None:
            names[column.path] = str(typed).strip()
    return names


WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
_ROW_SOURCE = re.compile(r"^(.*)#(\d+)$")


def workbook_row(source: str) -> tuple[str, int] | None:
    """``申请汇总表.xlsx#5`` as (workbook, row number); None for any other source."""
    match = _ROW_SOURCE.match(source)
    if match and match.group(1).lower().endswith(WORKBOOK_SUFFIXES):
        return match.group(1), int(match.group(2))
    return None


def source_label(source: str) -> str:
    """A source as a person reads it: ``申请汇总表.xlsx 第 5 行``, or the file as it was named."""
    row = workbook_row(source)
    return f"{row[0]} 第 {row[1]} 行" if row else source


def column_of(path: str, columns: dict[str, str]) -> str:
    """The column header(s) for a problem's field path (``columns`` as typed in the workbook,
    else the template's): ``land`` is both land-area columns, ``real_estate`` both ratios."""
    columns = {**TEMPLATE_HEADERS, **columns}
    if path in columns:
        return columns[path]
    inside = [header for field, header in columns.items() if field.startswith(path + ".")]
    return "、".join(inside) if inside else ("整行" if path == "$" else path)


def row_summary(data: dict[str, Any]) -> dict[str, str]:
    """案件编号, 项目名称 and 所在区域 of a row as far as they can be read, to name an invalid row."""
    found: dict[str, str] = {}
    for key in ("id", "name", "district"):
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            found[key] = excerpt(value.strip(), 60)
    return found


UNSAVED_FORMULA = "是公式，但工作簿中没有保存计算结果（请在 Excel/WPS 中打开并保存，或改为数值）"


def _header_name(headers: list[Column | None], index: int) -> str:
    column = headers[index]
    return column.header if column is not None else f"第 {index + 1} 列"


def _duplicated_columns(headers: list[Column | None]) -> dict[str, list[int]]:
    positions: dict[str, list[int]] = {}
    for index, column in enumerate(headers):
        if column is not None:
            positions.setdefault(column.header, []).append(index)
    return {header: indexes for header, indexes in positions.items() if len(indexes) > 1}


def _disagreeing_duplicates(duplicated: dict[str, list[int]], cells: tuple[Any, ...]) -> list[Problem]:
    """A row whose repeated columns hold different values: which one is meant is for a person to say."""
    problems = []
    for header, indexes in duplicated.items():
        values = {cells[i] for i in indexes if i < len(cells) and cells[i] not in (None, "")}
        if len(values) > 1:
            where = "、".join(f"第 {i + 1} 列" for i in indexes)
            problems.append(Problem(header, f"列标题“{header}”出现在{where}，本行各列的值不同，无法确定以哪一列为准"))
    return problems


def template_bytes(rulebook: Rulebook) -> bytes:
    """An empty intake workbook: headers with notes, one example row, drop-down lists."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    from admission.documents.sheets import set_text_cell, workbook_bytes

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "申请汇总表"
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    for index, column in enumerate(COLUMNS, 1):
        cell = sheet.cell(row=1, column=index)
        set_text_cell(cell, column.header)
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.comment = Comment(f"{column.note}（字段 {column.path}）", "admit")
        sheet.column_dimensions[get_column_letter(index)].width = column.width
        example = EXAMPLE_ROW.get(column.header)
        if example is not None:
            set_text_cell(sheet.cell(row=2, column=index), example)
            sheet.cell(row=2, column=index).font = Font(italic=True, color="808080")
    sheet.freeze_panes = "A2"
    lists = {
        "项目类型": [rulebook.type_labels[t] for t in rulebook.types],
        "所在区域": rulebook.districts,
        "重点产业链": rulebook.key_chains,
    }
    for header, choices in lists.items():
        letter = get_column_letter([c.header for c in COLUMNS].index(header) + 1)
        validation = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True, showErrorMessage=True)
        validation.error = f"请从列表中选择{header}"
        validation.errorTitle = "输入无效"
        validation.add(f"{letter}2:{letter}10000")
        sheet.add_data_validation(validation)
    return workbook_bytes(workbook)


def pick_row(path: Path, row: int | None, case_id: str | None) -> RawApplication | InvalidInput:
    """One application of a workbook, by its row number or its 案件编号, for ``admit check``.

    With neither, a workbook holding exactly one application gives that one. Anything else is a
    usage error that lists what the workbook holds, so the reviewer can pick.
    """
    notices: list[str] = []
    rows = list(read_workbook(path, notices))
    if len(rows) == 1 and isinstance(rows[0], InvalidInput) and not workbook_row(rows[0].source):
        return rows[0]  # the workbook itself could not be read

    def number_of(entry: RawApplication | InvalidInput) -> int:
        found = workbook_row(entry.source)
        return found[1] if found else 0

    def id_of(entry: RawApplication | InvalidInput) -> str:
        data = entry.data if isinstance(entry, RawApplication) else entry.summary
        value = data.get("id")
        return value if isinstance(value, str) else ""

    if row is not None:
        chosen = [entry for entry in rows if number_of(entry) == row]
        if not chosen:
            raise UsageError(f"{path} 第 {row} 行没有申请（可能是空行、标题行或模板的示例行）")
    elif case_id is not None:
        wanted = unicodedata.normalize("NFKC", case_id).strip()
        chosen = [entry for entry in rows if id_of(entry) == wanted]
        if not chosen:
            raise UsageError(f"{path} 中没有案件编号为 {case_id} 的申请")
        if len(chosen) > 1:
            places = "、".join(f"第 {number_of(entry)} 行" for entry in chosen)
            raise UsageError(f"{path} 中案件编号 {case_id} 出现在{places}，请用 --row 指定其中一行")
    else:
        chosen = rows
        if len(rows) != 1:
            listing = "；".join(f"第 {number_of(entry)} 行 {id_of(entry) or '（无案件编号）'}" for entry in rows[:20])
            more = f" 等 {len(rows)} 份" if len(rows) > 20 else ""
            raise UsageError(f"{path} 中有 {len(rows)} 份申请，请用 --id 案件编号 或 --row 行号 指定一份：{listing}{more}")
    return chosen[0]
