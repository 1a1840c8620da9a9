"""The Excel intake workbook (汇总表): one application per row, Chinese headers with units.

The columns map one-to-one onto the fields of application.md. A row becomes the same JSON-like
object a file would give, so it goes through exactly the same validation and engine.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from .application import RawApplication
from .errors import InvalidInput, Problem
from .rulebook import Rulebook


@dataclass(frozen=True)
class Column:
    header: str
    path: str
    kind: str  # "text", "number", "date", "type"
    width: int
    note: str


COLUMNS: tuple[Column, ...] = (
    Column("案件编号", "id", "text", 16, "必填；1–64 个字母、数字或 . _ -，如 JM-2026-0173"),
    Column("项目名称", "name", "text", 36, "必填"),
    Column("投资主体", "applicant.name", "text", 32, "必填；投资企业名称"),
    Column("统一社会信用代码", "applicant.credit_code", "text", 22, "选填；18 位，含校验位"),
    Column("项目类型", "type", "type", 14, "必填；工业项目 / 工业地产项目 / 物流项目"),
    Column("所在区域", "district", "text", 12, "必填；从下拉列表选择"),
    Column("行业代码", "industry.code", "text", 10, "必填；GB/T 4754-2017 门类字母加两位大类，如 C38"),
    Column("重点产业链", "industry.chain", "text", 18, "选填；从下拉列表选择"),
    Column("用地面积（亩）", "land.area_mu", "number", 14, "与“用地面积（平方米）”二选一"),
    Column("用地面积（平方米）", "land.area_m2", "number", 18, "与“用地面积（亩）”二选一"),
    Column("计容建筑面积（平方米）", "floor_area_m2", "number", 22, "必填"),
    Column("建筑基底面积（平方米）", "footprint_m2", "number", 22, "选填；用于建筑系数"),
    Column("计划总投资（万元）", "investment.total_wan", "number", 18, "必填"),
    Column("固定资产投资（万元）", "investment.fixed_assets_wan", "number", 20, "必填；不超过计划总投资"),
    Column("达产年税收（万元）", "commitments.annual_tax_wan", "number", 18, "必填"),
    Column("达产年产值（万元）", "commitments.annual_output_wan", "number", 18, "选填"),
    Column("研发投入强度", "commitments.rd_ratio", "number", 14, "选填；0–1 之间的小数，如 0.035"),
    Column("自持比例", "real_estate.self_held_ratio", "number", 10, "工业地产项目必填；0–1 之间的小数"),
    Column("配套用房比例", "real_estate.supporting_floor_ratio", "number", 14, "工业地产项目必填；0–1 之间的小数"),
    Column("受理日期", "submitted_on", "date", 12, "选填；YYYY-MM-DD，决定适用的规则版本"),
)
BY_HEADER = {c.header: c for c in COLUMNS}
TYPE_LABELS = {"industrial": "工业项目", "industrial_real_estate": "工业地产项目", "logistics": "物流项目"}
TYPE_BY_LABEL = {label: code for code, label in TYPE_LABELS.items()}
EXAMPLE_ROW: dict[str, Any] = {
    "案件编号": "JM-2026-0001",
    "项目名称": "示例精密结构件智能制造项目（示例行，请删除或覆盖）",
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


def _cell_value(column: Column, value: Any) -> Any:
    """A cell as the JSON value the contract expects; wrong kinds are left for validation."""
    if isinstance(value, str):
        value = value.strip()
        if value == "":
            return None
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
        return TYPE_BY_LABEL.get(value, value)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and column.kind == "text":
        return str(int(value)) if float(value).is_integer() else str(value)
    return value


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


def read_workbook(path: Path) -> Iterator[RawApplication | InvalidInput]:
    """Each row as a RawApplication (source ``path#row``); workbook-level problems as InvalidInput.

    A workbook that cannot be opened or read is one invalid input, whatever openpyxl raised
    (it raises zip, XML and key errors for damaged files): the rest of the batch goes on.
    """
    from openpyxl import load_workbook  # only screening pays for importing openpyxl

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:
        yield InvalidInput([Problem("$", f"无法读取 Excel 工作簿：{type(error).__name__}: {error}")], str(path))
        return
    number = 1
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header_row = next(rows, None)
        if header_row is None:
            yield InvalidInput([Problem("$", "工作表为空：第 1 行应为列标题")], str(path))
            return
        headers, problems = _read_headers(header_row)
        if problems:
            yield InvalidInput(problems, f"{path}#1")
        for number, cells in enumerate(rows, 2):
            if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
                continue  # blank rows are layout, not applications
            yield RawApplication(f"{path}#{number}", row_to_application(headers, cells))
    except Exception as error:
        yield InvalidInput([Problem("$", f"第 {number + 1} 行起无法读取：{type(error).__name__}: {error}")], f"{path}#{number + 1}")
    finally:
        workbook.close()


def _read_headers(header_row: tuple[Any, ...]) -> tuple[list[Column | None], list[Problem]]:
    headers: list[Column | None] = []
    problems: list[Problem] = []
    for index, header in enumerate(header_row, 1):
        text = str(header).strip() if header is not None else ""
        column = BY_HEADER.get(text)
        headers.append(column)
        if column is None and text:
            close = difflib.get_close_matches(text, list(BY_HEADER), n=1, cutoff=0.5)
            hint = f"；是否应为“{close[0]}”？" if close else ""
            problems.append(Problem(f"第 {index} 列", f"未知的列标题“{text}”{hint}"))
    return headers, problems


def write_template(target: Path, rulebook: Rulebook) -> None:
    """An empty intake workbook: headers with notes, one example row, drop-down lists."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    from .output import save_atomically

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "申请汇总表"
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    for index, column in enumerate(COLUMNS, 1):
        cell = sheet.cell(row=1, column=index, value=column.header)
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.comment = Comment(f"{column.note}（字段 {column.path}）", "admit")
        sheet.column_dimensions[get_column_letter(index)].width = column.width
        example = EXAMPLE_ROW.get(column.header)
        if example is not None:
            sheet.cell(row=2, column=index, value=example)
    sheet.freeze_panes = "A2"
    lists = {
        "项目类型": [TYPE_LABELS.get(t, t) for t in rulebook.types],
        "所在区域": rulebook.districts,
        "重点产业链": rulebook.key_chains,
    }
    for header, choices in lists.items():
        letter = get_column_letter([c.header for c in COLUMNS].index(header) + 1)
        validation = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True)
        validation.error = f"请从列表中选择{header}"
        validation.errorTitle = "输入无效"
        validation.add(f"{letter}2:{letter}10000")
        sheet.add_data_validation(validation)
    save_atomically(target, lambda path: workbook.save(path))
