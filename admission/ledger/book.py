"""The 台账 workbook: sheets 项目台账, 会议审议 and 履约数据, read into the ledger and written from it.

Every row is recorded or refused with its sheet, row, column header, 案件编号 and project name;
a refused row never stops the rest. Re-importing the same workbook changes nothing (and says so),
and ``import(export(ledger))`` changes nothing either: export writes exactly what import reads.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from admission.contract.limits import MAX_NAME, case_id_problem, length_problem, text_problem
from admission.dates import parse_iso_date
from admission.documents.sheets import Sheet, Value, set_text_cell, workbook_bytes, xlsx_bytes
from admission.errors import ChangeRefused, InvalidInput, Problem
from admission.intake.workbook import MAX_BOOK_ROWS, _open_error, find_header_row, workbook_size_problem
from admission.ledger.database import Change, Ledger
from admission.ledger.queries import for_ids, latest_revisions, meeting_held
from admission.ledger.records import (
    WITHDRAW,
    ResolutionLookups,
    correct_field_in,
    correct_resolution_in,
    correctable_field,
    extension_in,
    in_force_at,
    progress_problems,
    project_in,
    resolution_in,
    transfer_in,
    year_in,
    year_problems,
)
from admission.ledger.schema import extensions, meetings, progress_notes, projects, resolutions, targets, transfers, yearly_results
from admission.ledger.supervision import note_in, note_problems, target_entry, target_in
from admission.numbers import number_problem
from admission.rules.rulebook import Rulebook
from admission.text import excerpt
from admission.vocabulary import (
    CITY,
    CONTRACT_DATES,
    CONTRACT_FIELDS,
    DIRECTIONS,
    LAND_SOURCES,
    MILESTONES,
    NATURES,
    NEW_LAND,
    NOTE_FIELDS,
    PROJECT_TYPES,
    PROPORTIONS,
    RESULTS,
    TARGET_INDICATORS,
    project_type_code,
    type_label,
)

_INDUSTRY_CODE = re.compile(r"^[A-T][0-9]{2}([0-9]{1,2})?$")


@dataclass(frozen=True)
class BookColumn:
    header: str
    key: str
    kind: str  # text | case_id | date | amount | integer
    note: str
    width: int = 14
    max_length: int = 40  # as the ledger's column holds it: the same limit on SQLite and PostgreSQL


IDENTITY = (
    BookColumn("项目名称", "name", "text", "无申请材料的项目必填", 30, MAX_NAME),
    BookColumn("所在区域", "district", "text", "无申请材料的项目必填"),
    BookColumn("项目类型", "type", "text", "工业项目 / 工业地产项目 / 物流项目 / 其他"),
    BookColumn("行业代码", "industry_code", "text", "如 C38 或 C3841", max_length=8),
    BookColumn("重点产业链", "chain", "text", "选填", 18),
    BookColumn("计划总投资（万元）", "total_investment", "amount", "无申请材料的项目必填", 18),
)
PROJECT_COLUMNS: tuple[BookColumn, ...] = (
    BookColumn("案件编号", "id", "case_id", "必填", 16),
    *IDENTITY,
    BookColumn("用地来源", "land_source", "text", "新增供地（默认）或 自有用地（不挂网、供地、交地）"),
    BookColumn("项目性质", "nature", "text", "新引进（默认）或 增资扩产", 10, 8),
    *(BookColumn(label, key, "date", "日期，如 2026-11-28；不得晚于导入当日") for key, label in MILESTONES),
    BookColumn("出让价款（万元）", "land_price", "amount", "大于 0", 16),
    *(BookColumn(label, key, "date", "土地出让合同 / 监管协议约定的日期") for key, label in CONTRACT_DATES),
    *(BookColumn(header, key, kind, "土地出让合同 / 监管协议（与申请材料不同时填写）", 18) for key, header, kind in CONTRACT_FIELDS),
)
MEETING_COLUMNS: tuple[BookColumn, ...] = (
    BookColumn("会议编号", "number", "integer", "正整数，同一年内不重复"),
    BookColumn("会议日期", "held_on", "date", "日期"),
    BookColumn("案件编号", "id", "case_id", "台账中已有申请材料的项目", 16),
    BookColumn("审议结果", "result", "text", "通过 / 有条件通过 / 暂缓 / 不予通过"),
    BookColumn("附加条件", "conditions", "text", "有条件通过时填写", 40, 2000),
    BookColumn("临时增补", "added_item", "text", "会上临时增补、不在议程中的议题填“是”", 10, 4),
)
RESULT_COLUMNS: tuple[BookColumn, ...] = (
    BookColumn("案件编号", "id", "case_id", "必填", 16),
    BookColumn("年度", "year", "integer", "如 2025"),
    BookColumn("实际税收（万元）", "tax", "amount", "不小于 0", 16),
    BookColumn("实际产值（万元）", "output", "amount", "不小于 0", 16),
    BookColumn("累计固定资产投资（万元）", "fixed_assets", "amount", "不小于 0", 22),
)
TRANSFER_COLUMNS: tuple[BookColumn, ...] = (
    BookColumn("案件编号", "id", "case_id", "必填", 16),
    BookColumn("流转日期", "on", "date", "自该日起计入转入区域"),
    BookColumn("转入区域", "to", "text", "必填"),
    BookColumn("批准文号", "approval", "text", "必填", 24, 200),
    BookColumn("原因", "reason", "text", "选填", 30, 2000),
)
EXTENSION_COLUMNS: tuple[BookColumn, ...] = (
    BookColumn("案件编号", "id", "case_id", "必填", 16),
    BookColumn("延期事项", "step", "text", "开工、竣工或达产", 10, 4),
    BookColumn("延至", "to", "date", "延期后的约定日期"),
    BookColumn("原因", "cause", "text", "政府原因、不可抗力或企业申请", 12, 8),
    BookColumn("批准文号", "approval", "text", "必填", 24, 200),
    BookColumn("批准日期", "approved_on", "date", "选填"),
)
CORRECTION_COLUMNS: tuple[BookColumn, ...] = (
    BookColumn("案件编号", "id", "case_id", "必填", 16),
    BookColumn("更正对象", "target", "text", "审议结果、附加条件，或项目台账、履约数据的列名（如 开工日期、实际税收（万元））", 20, 40),
    BookColumn("会议编号", "number", "integer", "更正审议结果、附加条件时填写"),
    BookColumn("会议日期", "held_on", "date", "更正审议结果、附加条件时填写"),
    BookColumn("年度", "year", "integer", "更正履约数据时填写"),
    BookColumn("更正后", "value", "text", "新值；审议结果可填“撤销”，其他可填“清除”", 20, 2000),
    BookColumn("更正原因", "reason", "text", "必填", 30, 2000),
)
TARGET_COLUMNS: tuple[BookColumn, ...] = (
    BookColumn("年度", "year", "integer", "如 2024"),
    BookColumn("区域", "region", "text", "全市或区域名称"),
    BookColumn("指标", "indicator", "text", "目标任务指标，如 评审项目数、引进超亿元项目投资额（亿元）、落地率", 30),
    BookColumn("目标值", "target", "text", "数字；占比、比率可写 70%", 12, 20),
    BookColumn("方向", "direction", "text", "≥（默认，不低于）或 ≤（不高于）", 8, 2),
    BookColumn("权重", "weight", "text", "计分权重；不计分的目标不填", 8, 20),
    BookColumn("未达标原因", "explanation", "text", "未完成目标时填写，列入绩效自评表", 30, 2000),
    BookColumn("更正原因", "reason", "text", "更改已登记的目标值、方向或权重时必填", 20, 2000),
)
NOTE_COLUMNS: tuple[BookColumn, ...] = (
    BookColumn("案件编号", "id", "case_id", "必填", 16),
    BookColumn("填报日期", "noted_on", "date", "必填；不得晚于导入当日"),
    *(BookColumn(label, key, "text", "目前进展、存在问题、需协调事项至少填一项", 30, 2000) for key, label in NOTE_FIELDS[:3]),
    *(BookColumn(label, key, "text", "选填", 16, 100) for key, label in NOTE_FIELDS[3:]),
)
SHEETS: dict[str, tuple[BookColumn, ...]] = {
    "项目台账": PROJECT_COLUMNS,
    "会议审议": MEETING_COLUMNS,
    "履约数据": RESULT_COLUMNS,
    "项目流转": TRANSFER_COLUMNS,
    "延期": EXTENSION_COLUMNS,
    "更正": CORRECTION_COLUMNS,
    "目标任务": TARGET_COLUMNS,
    "进展情况": NOTE_COLUMNS,
}
YES = "是"


@dataclass
class Refusal:
    """One refused row: where it is, whose it is, and what is wrong by column header."""

    source: str
    sheet: str
    row: int
    case_id: str
    name: str
    problems: list[tuple[str, str]]

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source, "sheet": self.sheet, "row": self.row, "id": self.case_id, "name": self.name,
            "problems": [{"column": h, "message": m} for h, m in self.problems],
        }  # fmt: skip

    def flat(self) -> list[dict[str, Any]]:
        """One entry per problem, as the web API lists them (sheet, row, column, project, message)."""
        return [{"sheet": self.sheet, "row": self.row, "column": h, "project": self.case_id, "message": m} for h, m in self.problems]

    def where(self) -> str:
        who = "，".join(filter(None, [self.case_id, self.name]))
        return f"{self.source} 工作表“{self.sheet}”第 {self.row} 行" + (f"（{who}）" if who else "")


@dataclass
class ImportOutcome:
    changed: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    refused: list[Refusal] = field(default_factory=list)


# --- cells ----------------------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    parsed = parse_iso_date(str(value).strip()) if isinstance(value, str) else None
    if parsed is None:
        raise ValueError(f"应为日期（日期单元格或 YYYY-MM-DD），实际为“{excerpt(value)}”")
    return parsed


def _amount(value: Any) -> str:
    if isinstance(value, bool):
        raise ValueError("应为数字")
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        raise ValueError(f"应为数字，实际为“{excerpt(value)}”") from None
    problem = number_problem(number)
    if problem:
        raise ValueError(problem)
    if number < 0:
        raise ValueError(f"不能为负数，实际为 {excerpt(number)}")
    normal = number.normalize()
    return f"{normal:f}"


def _integer(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("应为整数")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 10:
        return int(value.strip())
    raise ValueError(f"应为整数，实际为“{excerpt(value)}”")


def _case_id(value: Any) -> str | None:
    text = _text(value)
    problem = case_id_problem(text) if text is not None else None
    if problem:
        raise ValueError(problem)
    return text


_CONVERT = {"text": _text, "case_id": _case_id, "date": _date, "amount": _amount, "integer": _integer}


def _cell(column: BookColumn, value: Any) -> Any:
    """A cell converted, and refused by the same rules on both engines: a text too long for its
    column or holding control characters is a named problem of its row, never a database error."""
    converted = _CONVERT[column.kind](value)
    if isinstance(converted, str):
        problem = text_problem(converted) or length_problem(converted, column.max_length)
        if problem:
            raise ValueError(problem)
    return converted


def _rows(
    path: Path, sheet_name: str, columns: tuple[BookColumn, ...], workbook: Any
) -> Iterator[tuple[int, dict[str, Any], list[tuple[str, str]]]]:
    """Each non-blank row as (row number, converted values by key, problems by header)."""
    sheet = workbook[sheet_name]
    sheet.reset_dimensions()
    by_header = {c.header: c for c in columns}
    header_number, header_row = find_header_row(sheet, lambda text: text in by_header)
    layout: list[BookColumn | None] = []
    header_problems: list[tuple[str, str]] = []
    for index, header in enumerate(header_row, 1):
        text = _text(header)
        column = by_header.get(text) if text else None
        layout.append(column)
        if text and column is None:
            close = difflib.get_close_matches(text, list(by_header), n=1, cutoff=0.5)
            header_problems.append((f"第 {index} 列", f"未知的列标题“{text}”" + (f"；是否应为“{close[0]}”？" if close else "")))
    while layout and layout[-1] is None and (len(header_row) > len(layout) or header_row[len(layout) - 1] is None):
        layout.pop()
    if header_problems:
        yield header_number, {}, header_problems
    width = len(layout)
    if width == 0:
        return
    first = header_number + 1  # a title row above the header is skipped (ledger.md)
    read = 0
    for number, cells in enumerate(sheet.iter_rows(min_row=first, max_col=width, values_only=True), first):
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            continue
        read += 1
        if read > MAX_BOOK_ROWS:  # counted on rows with content: a styled blank cell far below costs nothing
            raise InvalidInput([Problem("$", f"工作表“{sheet_name}”超过 {MAX_BOOK_ROWS} 行，未导入（请拆分后分批导入）")], str(path))
        values: dict[str, Any] = {}
        problems: list[tuple[str, str]] = []
        for column, cell in zip(layout, cells, strict=False):
            if column is None or cell is None or (isinstance(cell, str) and not cell.strip()):
                continue
            try:
                values[column.key] = _cell(column, cell)
            except ValueError as error:
                problems.append((column.header, str(error)))
        yield number, values, problems


# --- importing ------------------------------------------------------------------------------------


class _Rehearsal(Exception):
    """Raised inside a dry run's transaction so that it rolls back."""


def import_book(
    ledger: Ledger, path: Path, rulebook: Rulebook, actor: str, today: date, *, named: str | None = None, dry_run: bool = False
) -> ImportOutcome:
    """Record every valid row of every sheet present; the rest are refused by row and column.

    ``named`` is the workbook as people know it (an upload's own file name) in sources and
    refusals; ``dry_run`` does all of it, checks included, in a transaction that is rolled back:
    what would be recorded and refused, with nothing recorded."""
    from openpyxl import load_workbook

    outcome = ImportOutcome()
    too_large = workbook_size_problem(path)
    if too_large:
        raise InvalidInput([Problem("$", too_large)], named or str(path))
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:
        raise InvalidInput([Problem("$", _open_error(error))], str(path)) from None
    try:
        present = [name for name in SHEETS if name in workbook.sheetnames]
        if not present:
            names = "、".join(workbook.sheetnames)
            raise InvalidInput([Problem("$", f"没有名为 {'、'.join(SHEETS)} 的工作表（现有：{names}）")], str(path))
        parsed = {name: list(_rows(path, name, SHEETS[name], workbook)) for name in present}
    finally:
        workbook.close()
    try:
        with ledger.change(actor) as change:
            ids = {str(values["id"]) for name in present for _, values, _ in parsed[name] if values.get("id")}
            applied = _Applier(change, rulebook, today, named or str(path), outcome, ids)
            for name in present:
                for number, values, problems in parsed[name]:
                    applied.row(name, number, values, problems)
            if dry_run:
                raise _Rehearsal
    except _Rehearsal:
        pass
    return outcome


def record_row(ledger: Ledger, sheet: str, typed: dict[str, str], rulebook: Rulebook, actor: str, today: date, source: str) -> bool:
    """One row of a 台账 sheet typed into a form (header -> text; blank cells leave the stored
    value), converted, checked and recorded exactly as an imported row is; whether anything
    changed. A refused row is a ChangeRefused naming each column."""
    columns = {c.header: c for c in SHEETS[sheet]}
    values: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    for header, text in typed.items():
        column = columns.get(header)
        if column is None:
            problems.append((header, f"不是“{sheet}”的列"))
        elif text.strip():
            try:
                values[column.key] = _cell(column, text.strip())
            except ValueError as error:
                problems.append((header, str(error)))
    outcome = ImportOutcome()
    with ledger.change(actor) as change:
        named = {str(values["id"])} if values.get("id") else set()
        _Applier(change, rulebook, today, source, outcome, named).row(sheet, 0, values, problems)
    if outcome.refused:
        raise ChangeRefused(outcome.refused[0].problems)
    return bool(outcome.changed[sheet])


@dataclass
class _Applier:
    change: Change
    rulebook: Rulebook
    today: date
    path: str
    outcome: ImportOutcome
    ids: set[str]  # every 案件编号 the rows name: only their projects are read, not the whole ledger
    _projects: dict[str, dict[str, Any]] = field(default_factory=dict)
    _with_application: set[str] = field(default_factory=set)
    _lookups: ResolutionLookups | None = None

    def __post_init__(self) -> None:
        connection = self.change.connection
        named = for_ids(sa.select(projects), projects.c.id, self.ids)
        self._projects = {row.id: dict(row._mapping) for row in connection.execute(named) if row.id in self.ids}
        self._with_application = set(latest_revisions(connection, self.ids))

    def row(self, sheet: str, number: int, values: dict[str, Any], problems: list[tuple[str, str]]) -> None:
        case_id = str(values.get("id") or "")
        name = str(values.get("name") or self._projects.get(case_id, {}).get("name") or "")
        source = f"{self.path}#{sheet}!{number}" if number else self.path  # 0: a form's row, named by its source alone
        try:
            if problems:
                raise ChangeRefused(problems)
            if number == 1:
                return
            apply = {"项目台账": self._project, "会议审议": self._resolution, "履约数据": self._results, "项目流转": self._transfer,
                     "延期": self._extension, "更正": self._correction, "目标任务": self._target,
                     "进展情况": self._note}[sheet]  # fmt: skip
            changed = apply(values, source)
        except ChangeRefused as error:
            self.outcome.refused.append(Refusal(self.path, sheet, number, case_id, name, error.problems))
            return
        (self.outcome.changed if changed else self.outcome.unchanged)[sheet] += 1

    def _require_id(self, values: dict[str, Any]) -> str:
        case_id = values.get("id")
        if not case_id:
            raise ChangeRefused([("案件编号", "缺少案件编号")])
        return str(case_id)

    def _project(self, values: dict[str, Any], source: str) -> bool:
        case_id = self._require_id(values)
        stored = self._projects.get(case_id)
        fields = {k: v for k, v in values.items() if k != "id"}
        problems = self._identity_problems(case_id, stored, fields)
        problems += progress_problems(stored, fields, self.today)
        merged = {**(stored or {}), **fields}
        if problems:
            raise ChangeRefused(problems)
        if stored is None:
            fields.setdefault("land_source", NEW_LAND)
        changed = project_in(self.change, case_id, fields, source, stored)
        self._projects[case_id] = merged
        return changed

    def _identity_problems(self, case_id: str, stored: dict[str, Any] | None, fields: dict[str, Any]) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        labels = {c.key: c.header for c in IDENTITY}
        if "type" in fields:
            code = project_type_code(fields["type"])
            if code is None:
                problems.append(("项目类型", f"“{excerpt(fields['type'])}”不是有效的项目类型；应为 {'、'.join(PROJECT_TYPES.values())}"))
            else:
                fields["type"] = code
        if "district" in fields and fields["district"] not in self.rulebook.districts:
            problems.append(("所在区域", f"未知的区域“{excerpt(fields['district'])}”；应为 {'、'.join(self.rulebook.districts)}"))
        if "industry_code" in fields and not _INDUSTRY_CODE.match(fields["industry_code"]):
            problems.append(("行业代码", f"应为门类字母加两位大类（如 C38，可带中类、小类），实际为“{excerpt(fields['industry_code'])}”"))
        if case_id in self._with_application and stored is not None:
            for key, header in labels.items():
                if key in fields and fields[key] != stored.get(key):
                    shown = type_label(str(stored.get(key))) if key == "type" else stored.get(key)
                    problems.append((header, f"与台账中申请材料的{header}（{shown}）不一致；项目基本信息以申请材料为准"))
                    fields.pop(key)
        elif stored is None:
            missing = [labels[k] for k in ("name", "district", "type", "total_investment") if k not in fields]
            if missing:
                problems.append(("案件编号", f"{case_id} 不在台账中；新项目须填写 {'、'.join(missing)}"))
        return problems

    def _resolution(self, values: dict[str, Any], source: str) -> bool:
        case_id = self._require_id(values)
        missing = [
            (header, "必填")
            for key, header in (("number", "会议编号"), ("held_on", "会议日期"), ("result", "审议结果"))
            if key not in values
        ]
        if missing:
            raise ChangeRefused(missing)
        added = values.get("added_item")
        if added not in (None, YES, "否"):
            raise ChangeRefused([("临时增补", f"应为“是”或留空，实际为“{excerpt(added)}”")])
        if self._lookups is None:  # the sheet's look-ups read once, for every project it names
            self._lookups = ResolutionLookups.read(self.change.connection, self.ids)
        return resolution_in(
            self.change, values["number"], values["held_on"], case_id, values["result"], values.get("conditions"), source, self.today,
            added_item=added == YES, lookups=self._lookups,
        )  # fmt: skip

    def _transfer(self, values: dict[str, Any], source: str) -> bool:
        case_id = self._require_id(values)
        missing = [
            (header, "必填") for key, header in (("on", "流转日期"), ("to", "转入区域"), ("approval", "批准文号")) if key not in values
        ]
        if missing:
            raise ChangeRefused(missing)
        _, changed = transfer_in(self.change, case_id, values["to"], values["on"], values["approval"], values.get("reason"),
                                 self.rulebook.districts, self.today, source)  # fmt: skip
        if changed:
            self._projects.setdefault(case_id, {})["district"] = values["to"]
        return changed

    def _extension(self, values: dict[str, Any], source: str) -> bool:
        case_id = self._require_id(values)
        wanted = (("step", "延期事项"), ("to", "延至"), ("cause", "原因"), ("approval", "批准文号"))
        missing = [(header, "必填") for key, header in wanted if key not in values]
        if missing:
            raise ChangeRefused(missing)
        in_force = [v for v in self.rulebook.versions if v.in_force(self.today)] or list(self.rulebook.versions)
        return extension_in(self.change, case_id, values["step"], values["to"], values["cause"], values["approval"],
                            values.get("approved_on"), None, in_force[0].monitoring.max_extension_days, self.today, source)  # fmt: skip

    def _correction(self, values: dict[str, Any], source: str) -> bool:
        case_id = self._require_id(values)
        missing = [
            (header, "必填") for key, header in (("target", "更正对象"), ("value", "更正后"), ("reason", "更正原因")) if key not in values
        ]
        if missing:
            raise ChangeRefused(missing)
        target, value, reason = values["target"], values["value"], values["reason"]
        if target in ("审议结果", "附加条件"):
            if "number" not in values or "held_on" not in values:
                raise ChangeRefused([("会议编号", "更正审议结果须填写会议编号与会议日期")])
            result, conditions = (value, None) if target == "审议结果" else (None, value)
            if target == "附加条件":
                current = self._resolution_in_force(case_id, values["number"], values["held_on"])
                result = current
            correct_resolution_in(self.change, values["number"], values["held_on"], case_id,
                                  None if result == WITHDRAW else result, conditions, reason, source)  # fmt: skip
            self._lookups = None  # what is in force changed: read again when next needed
            return True
        key, parsed = correctable_field(target, value, values.get("year"))
        correct_field_in(self.change, case_id, key, parsed, reason, self.today, source, values.get("year"))
        return True

    def _resolution_in_force(self, case_id: str, number: int, held_on: date) -> str:
        meeting = meeting_held(self.change.connection, number, held_on)
        current = in_force_at(self.change.connection, meeting.id, case_id) if meeting is not None else None
        if current is None:
            raise ChangeRefused([("会议编号", f"{case_id} 在该次会议没有在用的审议结果可更正")])
        return str(current.result)

    def _target(self, values: dict[str, Any], source: str) -> bool:
        entry = target_entry(values.get("year"), values.get("region"), values.get("indicator"), values.get("target"),
                             values.get("direction"), values.get("weight"), values.get("explanation"), self.rulebook.districts,
                             self.today)  # fmt: skip
        return target_in(self.change, entry, values.get("reason"), source)

    def _note(self, values: dict[str, Any], source: str) -> bool:
        case_id = self._require_id(values)
        fields = {key: values.get(key) for key, _ in NOTE_FIELDS}
        noted_on = values.get("noted_on")
        problems = note_problems(noted_on, fields, self.today)
        if case_id not in self._projects:
            problems.insert(0, ("案件编号", f"{case_id} 不在台账中"))
        if problems or noted_on is None:
            raise ChangeRefused(problems)
        return note_in(self.change, case_id, noted_on, fields, source)

    def _results(self, values: dict[str, Any], source: str) -> bool:
        case_id = self._require_id(values)
        year = values.get("year")
        if year is None:
            raise ChangeRefused([("年度", "必填")])
        if year_problems(year, self.today):
            raise ChangeRefused(year_problems(year, self.today))
        if case_id not in self._projects:
            raise ChangeRefused([("案件编号", f"{case_id} 不在台账中")])
        figures: dict[str, str] = {k: values[k] for k in ("tax", "output", "fixed_assets") if k in values}
        return year_in(self.change, case_id, year, figures, source)


def amount_text(value: Any) -> str:
    """A figure typed in a form or sent to the API, checked as a workbook cell is (万元, ≥ 0)."""
    return _amount(value)


# --- exporting and the empty template ----------------------------------------------------------------


def _export_value(column: BookColumn, value: Any) -> Value:
    if value is None:
        return None
    if column.kind == "amount":
        return Decimal(value)
    if column.key == "type":
        return type_label(str(value))
    if isinstance(value, (str, int, date)):
        return value
    return str(value)


def export_sheets(connection: sa.Connection) -> list[Sheet]:
    project_rows = [
        [_export_value(c, row._mapping[c.key]) for c in PROJECT_COLUMNS]
        for row in connection.execute(sa.select(projects).order_by(projects.c.id))
    ]
    latest = (
        sa.select(resolutions.c.meeting_id, resolutions.c.project_id, sa.func.max(resolutions.c.id).label("id"))
        .group_by(resolutions.c.meeting_id, resolutions.c.project_id)
        .subquery()
    )
    meeting_rows = [
        [row.number, row.held_on, row.project_id, row.result, row.conditions, YES if row.added_item else None]
        for row in connection.execute(
            sa.select(meetings.c.number, meetings.c.held_on, resolutions.c.project_id, resolutions.c.result, resolutions.c.conditions,
                      resolutions.c.added_item)
            .join(latest, latest.c.id == resolutions.c.id)
            .join(meetings, meetings.c.id == resolutions.c.meeting_id)
            .where(resolutions.c.withdrawn.is_(False))  # a withdrawn resolution is no longer in force
            .order_by(meetings.c.held_on, meetings.c.number, resolutions.c.project_id)
        )
    ]  # fmt: skip
    extension_rows = [
        [row.project_id, row.step, row.to_date, row.cause, row.approval, row.approved_on]
        for row in connection.execute(sa.select(extensions).order_by(extensions.c.id))
    ]
    transfer_rows = [
        [row.project_id, row.effective_on, row.to_district, row.approval, row.reason]
        for row in connection.execute(sa.select(transfers).order_by(transfers.c.effective_on, transfers.c.id))
    ]
    result_rows = [
        [row.project_id, row.year, *(Decimal(v) if v is not None else None for v in (row.tax, row.output, row.fixed_assets))]
        for row in connection.execute(sa.select(yearly_results).order_by(yearly_results.c.project_id, yearly_results.c.year))
    ]
    in_force: dict[tuple[int, str, str], Any] = {}
    for row in connection.execute(sa.select(targets).order_by(targets.c.id)):
        in_force[(row.year, row.region, row.indicator)] = row
    target_rows: list[list[Value]] = [
        [row.year, row.region, TARGET_INDICATORS[row.indicator], _target_text(row.target, row.indicator), DIRECTIONS[row.direction],
         row.weight, row.explanation, None]
        for key, row in sorted(in_force.items()) if not row.withdrawn
    ]  # fmt: skip
    latest_notes: dict[tuple[str, date], Any] = {}
    for row in connection.execute(sa.select(progress_notes).order_by(progress_notes.c.id)):
        latest_notes[(row.project_id, row.noted_on)] = row  # re-importing a day's latest note changes nothing
    note_rows: list[list[Value]] = [[pid, day, *(row._mapping[key] for key, _ in NOTE_FIELDS)]
                                    for (pid, day), row in sorted(latest_notes.items())]  # fmt: skip
    formats = {i: "yyyy-mm-dd" for i, c in enumerate(PROJECT_COLUMNS) if c.kind == "date"}
    return [
        Sheet("项目台账", [c.header for c in PROJECT_COLUMNS], project_rows, number_formats=formats),
        Sheet("会议审议", [c.header for c in MEETING_COLUMNS], meeting_rows, number_formats={1: "yyyy-mm-dd"}),
        Sheet("履约数据", [c.header for c in RESULT_COLUMNS], result_rows),
        Sheet("项目流转", [c.header for c in TRANSFER_COLUMNS], transfer_rows, number_formats={1: "yyyy-mm-dd"}),
        Sheet("延期", [c.header for c in EXTENSION_COLUMNS], extension_rows, number_formats={2: "yyyy-mm-dd", 5: "yyyy-mm-dd"}),
        Sheet("目标任务", [c.header for c in TARGET_COLUMNS], target_rows),
        Sheet("进展情况", [c.header for c in NOTE_COLUMNS], note_rows),
    ]


def _target_text(stored: str, indicator: str) -> str:
    """A target as the 目标任务 sheet writes it: a share or a rate as a percentage (70%)."""
    return f"{(Decimal(stored) * 100).normalize():f}%" if indicator in PROPORTIONS else stored


def export_book(ledger: Ledger) -> bytes:
    with ledger.reading() as connection:
        return xlsx_bytes(export_sheets(connection))


def template_bytes(rulebook: Rulebook) -> bytes:
    """An empty 台账 workbook: the three sheets, notes on every header, drop-downs that refuse typos."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    default = workbook.active
    assert default is not None
    workbook.remove(default)
    lists = {
        "所在区域": rulebook.districts,
        "项目类型": list(PROJECT_TYPES.values()),
        "用地来源": list(LAND_SOURCES),
        "审议结果": list(RESULTS),
        "区域": [CITY, *rulebook.districts],
        "方向": list(DIRECTIONS.values()),
        "项目性质": list(NATURES),
    }
    for sheet_name, columns in SHEETS.items():
        sheet = workbook.create_sheet(sheet_name)
        for index, column in enumerate(columns, 1):
            cell = sheet.cell(row=1, column=index)
            set_text_cell(cell, column.header)
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDEBF7")
            cell.comment = Comment(column.note, "admit")
            sheet.column_dimensions[get_column_letter(index)].width = max(column.width, len(column.header) * 2 + 2)
            letter = get_column_letter(index)
            if column.header in lists:
                validation = DataValidation(
                    type="list", formula1='"' + ",".join(lists[column.header]) + '"', allow_blank=True, showErrorMessage=True
                )
                validation.error = f"请从列表中选择{column.header}"
                validation.errorTitle = "输入无效"
                validation.add(f"{letter}2:{letter}20000")
                sheet.add_data_validation(validation)
            elif column.kind == "date":
                validation = DataValidation(type="date", operator="greaterThan", formula1="1", allow_blank=True, showErrorMessage=True)
                validation.error = "请输入日期，如 2026-11-28"
                validation.errorTitle = "输入无效"
                validation.add(f"{letter}2:{letter}20000")
                sheet.add_data_validation(validation)
        sheet.freeze_panes = "A2"
    return workbook_bytes(workbook)
