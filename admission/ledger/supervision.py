"""The ledger's writes for supervision (督办与考核), as its API: yearly targets, progress notes, 督办
rounds, and the districts' replies and closings. Each public function is one change (checked,
logged as events, committed together); the ``*_in`` helpers work inside an open change, so the
台账 workbook's 目标任务 and 进展情况 sheets record rows with the same checks and words.

Nothing is updated in place: a target set again is a new record that supersedes the last (a
changed value needs a reason, as every correction does), a note is superseded by a later one,
and a reply or a closing is a new action on its item.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa

from admission.contract.limits import length_problem, text_problem
from admission.errors import ChangeRefused
from admission.ledger.database import Change, Ledger
from admission.ledger.schema import progress_notes, projects, supervision_actions, supervision_items, supervision_rounds, targets
from admission.numbers import number_problem
from admission.text import excerpt
from admission.vocabulary import CITY, NOTE_FIELDS, PROPORTIONS, TARGET_INDICATORS, indicator_code

MAX_NOTE = 2000  # characters of one field of a progress note or a reply
MAX_WEIGHT = Decimal(1000)
REPLY, CLOSE = "reply", "close"


def _refuse(problems: list[tuple[str, str]]) -> None:
    if problems:
        raise ChangeRefused(problems)


# --- targets (年度目标任务) ------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetEntry:
    """One target as a person typed it, already converted (``target_entry`` checks the typing)."""

    year: int
    region: str
    indicator: str
    direction: str
    target: Decimal
    weight: Decimal | None = None
    explanation: str | None = None


def target_value(text: str, indicator: str) -> Decimal:
    """目标值 as typed: a number; for a share or a rate also a percentage (70% is 0.7). Refused
    with a ValueError whose text says what to write."""
    typed = str(text).strip()
    percent = typed.endswith(("%", "％"))
    try:
        value = Decimal(typed.rstrip("%％").replace(",", "")) if typed else None
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise ValueError(f"应为数字{'或百分数（如 70%）' if indicator in PROPORTIONS else ''}，实际为“{excerpt(typed)}”")
    problem = number_problem(value)
    if problem:
        raise ValueError(problem)
    if percent:
        if indicator not in PROPORTIONS:
            raise ValueError(f"{TARGET_INDICATORS[indicator]}不是占比或比率，目标值不写百分号")
        value = value / 100
    if indicator in PROPORTIONS and not 0 <= value <= 1:
        raise ValueError(f"占比、比率的目标值应在 0 与 100% 之间（如 70% 或 0.7），实际为 {typed}")
    if value < 0:
        raise ValueError("目标值不能为负数")
    return value


def _typed(value: Any) -> str | None:
    """Text as typed, or None; a number (a cell, a JSON value) as its digits."""
    if value is None or isinstance(value, bool):
        return None
    return value if isinstance(value, str) else str(value) if isinstance(value, (int, Decimal)) else None


def target_entry(year: int | None, region: Any, indicator: Any, target: Any, direction: Any, weight: Any, explanation: Any,
                 districts: list[str], today: date) -> TargetEntry:  # fmt: skip
    """A target typed on the command line, in a form, a 目标任务 row or a JSON body, checked the
    same way everywhere: each problem named by its column (年度, 区域, 指标, 目标值, 方向, 权重)."""
    region, indicator, direction, explanation = _typed(region), _typed(indicator), _typed(direction), _typed(explanation)
    problems: list[tuple[str, str]] = []
    if year is None:
        problems.append(("年度", "必填"))
    elif not 1990 <= year <= today.year + 1:
        problems.append(("年度", f"应在 1990 至 {today.year + 1} 年之间，实际为 {year}"))
    region = (region or "").strip() or None
    if region is None:
        problems.append(("区域", f"必填：{CITY}或区域名称"))
    elif region != CITY and region not in districts:
        problems.append(("区域", f"未知的区域 {excerpt(region)}；可选：{CITY}、{'、'.join(districts)}"))
    code = indicator_code(indicator or "") if indicator else None
    if code is None:
        problems.append(("指标", f"未知的指标“{excerpt(indicator or '')}”；可选：{'、'.join(TARGET_INDICATORS.values())}"))
    way = {"≥": ">=", ">=": ">=", "≤": "<=", "<=": "<="}.get((direction or "≥").strip())
    if way is None:
        problems.append(("方向", f"应为 ≥ 或 ≤，实际为“{excerpt(direction or '')}”"))
    value = None
    if target is None or str(target).strip() == "":
        problems.append(("目标值", "必填"))
    elif code is not None:
        try:
            value = target_value(str(target), code)
            if value == 0 and way == ">=":
                problems.append(("目标值", "“不低于”的目标值应大于 0"))
        except ValueError as error:
            problems.append(("目标值", str(error)))
    parsed_weight = None
    if weight is not None and str(weight).strip():
        try:
            parsed_weight = Decimal(str(weight).strip())
            if not parsed_weight.is_finite() or not 0 < parsed_weight <= MAX_WEIGHT or number_problem(parsed_weight):
                raise InvalidOperation
        except InvalidOperation:
            problems.append(("权重", f"应为大于 0、不超过 {MAX_WEIGHT} 的数字，实际为“{excerpt(weight)}”"))
    if explanation is not None:
        problems += [("未达标原因", p) for p in filter(None, (text_problem(explanation), length_problem(explanation, MAX_NOTE)))]
    _refuse(problems)
    assert year is not None and region is not None and code is not None and way is not None and value is not None
    return TargetEntry(year, region, code, way, value, parsed_weight, (explanation or "").strip() or None)


def _target_values(entry: TargetEntry) -> dict[str, Any]:
    return {"direction": entry.direction, "target": str(entry.target), "weight": None if entry.weight is None else str(entry.weight),
            "explanation": entry.explanation}  # fmt: skip


def target_in(change: Change, entry: TargetEntry, reason: str | None, source: str) -> bool:
    """Record a target; False when it is exactly the one in force. Changing the value, direction or
    weight of a target in force is a correction and needs ``reason``; its 未达标原因 may be added
    or rewritten without one (it is the office's explanation, not a figure)."""
    connection = change.connection
    key = (targets.c.year == entry.year) & (targets.c.region == entry.region) & (targets.c.indicator == entry.indicator)
    current = connection.execute(sa.select(targets).where(key).order_by(targets.c.id.desc()).limit(1)).first()
    values = _target_values(entry)
    before = None if current is None or current.withdrawn else {k: getattr(current, k) for k in values}
    if before is not None and entry.explanation is None:
        values["explanation"] = before["explanation"]  # a row without 未达标原因 keeps the recorded one
    if before == values:
        return False
    figures_changed = before is not None and any(before[k] != values[k] for k in ("direction", "target", "weight"))
    reason = (reason or "").strip() or None
    if figures_changed and reason is None:
        label = TARGET_INDICATORS[entry.indicator]
        recorded = before["target"] if before else ""
        raise ChangeRefused([("更正原因", f"{entry.year}年{entry.region}“{label}”已有目标 {recorded}；更改须注明更正原因")])
    connection.execute(targets.insert().values(year=entry.year, region=entry.region, indicator=entry.indicator, **values,
                                               reason=reason, recorded_at=change.at, recorded_by=change.actor))  # fmt: skip
    detail: dict[str, Any] = {"year": entry.year, "region": entry.region, "indicator": entry.indicator}
    if before is None:
        change.log.record("target_set", None, source, {**detail, **values})
    else:
        changes = {k: {"before": before[k], "after": values[k]} for k in values if before[k] != values[k]}
        change.log.record("target_corrected", None, source, {**detail, "changes": changes, **({"reason": reason} if reason else {})})
    return True


def set_target(ledger: Ledger, entry: TargetEntry, reason: str | None, *, actor: str, source: str) -> bool:
    """One target (``admit targets set``, the web form): see ``target_in``."""
    with ledger.change(actor) as change:
        return target_in(change, entry, reason, source)


# --- progress notes (进展情况) ----------------------------------------------------------------------


def note_problems(noted_on: date | None, fields: dict[str, str | None], today: date) -> list[tuple[str, str]]:
    labels = dict(NOTE_FIELDS)
    problems: list[tuple[str, str]] = []
    if noted_on is None:
        problems.append(("填报日期", "必填"))
    elif noted_on > today:
        problems.append(("填报日期", f"{noted_on.isoformat()} 晚于今天"))
    elif noted_on.year < 1990:
        problems.append(("填报日期", "不应早于 1990 年"))
    for key, text in fields.items():
        if key not in labels:
            problems.append((key, "不是进展情况的栏目"))
        elif text:
            limit = 100 if key in ("unit", "person") else MAX_NOTE
            problems += [(labels[key], p) for p in filter(None, (text_problem(text), length_problem(text, limit)))]
    if not any((text or "").strip() for key, text in fields.items() if key in ("progress", "problems", "coordination")):
        problems.append(("目前进展", "目前进展、存在问题、需协调事项至少填写一项"))
    return problems


def note_in(change: Change, case_id: str, noted_on: date, fields: dict[str, str | None], source: str) -> bool:
    """Record a dated note of a project; False when the project's latest note of that date says
    exactly the same (re-importing a 进展情况 sheet changes nothing)."""
    connection = change.connection
    if connection.execute(sa.select(projects.c.id).where(projects.c.id == case_id)).first() is None:
        raise ChangeRefused([("案件编号", f"{case_id} 不在台账中")])
    values = {key: (fields.get(key) or "").strip() or None for key, _ in NOTE_FIELDS}
    same_day = connection.execute(
        sa.select(progress_notes).where(progress_notes.c.project_id == case_id, progress_notes.c.noted_on == noted_on)
        .order_by(progress_notes.c.id.desc()).limit(1)
    ).first()  # fmt: skip
    if same_day is not None and all(getattr(same_day, k) == v for k, v in values.items()):
        return False
    connection.execute(progress_notes.insert().values(project_id=case_id, noted_on=noted_on, **values, recorded_at=change.at,
                                                      recorded_by=change.actor))  # fmt: skip
    change.log.record("note_added", case_id, source, {"on": noted_on.isoformat(), **{k: v for k, v in values.items() if v}})
    return True


def add_note(ledger: Ledger, case_id: str, noted_on: date | None, fields: dict[str, str | None], *, actor: str, today: date,
             source: str) -> bool:  # fmt: skip
    """A progress note (``admit ledger note``, the project page's form)."""
    _refuse(note_problems(noted_on, fields, today))
    assert noted_on is not None
    with ledger.change(actor) as change:
        return note_in(change, case_id, noted_on, fields, source)


# --- 督办 rounds, replies and closings -------------------------------------------------------------


@dataclass(frozen=True)
class RoundItem:
    """One overdue item a 督办通知 lists: the project, what is overdue and since when."""

    project: str
    item: str  # a code of CHASE_ITEMS
    due_on: date
    light: str
    note: str | None


def issue_round(ledger: Ledger, number: str, issued_on: date, district: str, reply_due: date, items: list[RoundItem], *,
                actor: str, source: str) -> int:  # fmt: skip
    """Record a 督办 round (one notice to one district, its items numbered 1, 2, …); its id."""
    if not items:
        raise ChangeRefused([("区域", f"{district}截至{issued_on.isoformat()}没有逾期事项，无需督办")])
    with ledger.change(actor) as change:
        connection = change.connection
        inserted = connection.execute(
            supervision_rounds.insert().values(number=number, issued_on=issued_on, district=district, reply_due=reply_due,
                                               recorded_at=change.at, recorded_by=change.actor)
        ).inserted_primary_key  # fmt: skip
        assert inserted is not None
        round_id = int(inserted[0])
        rows = [{"round_id": round_id, "position": index, "project_id": i.project, "item": i.item, "due_on": i.due_on, "light": i.light,
                 "note": i.note} for index, i in enumerate(items, 1)]  # fmt: skip
        connection.execute(supervision_items.insert(), rows)
        listed = [{"position": index, "project": i.project, "item": i.item, "due": i.due_on.isoformat(), "light": i.light}
                  for index, i in enumerate(items, 1)]  # fmt: skip
        detail = {"round": int(round_id), "number": number, "on": issued_on.isoformat(), "district": district,
                  "reply_due": reply_due.isoformat(), "items": listed}  # fmt: skip
        change.log.record("supervision_issued", None, source, detail)
        return int(round_id)


def act_on_item(ledger: Ledger, round_id: int, position: int, kind: str, on: date, text: str | None, *, actor: str, today: date,
                source: str, district: str | None = None) -> None:  # fmt: skip
    """A district's reply (反馈) to a 督办 item, or its closing (办结), effective ``on``. With
    ``district`` (a district user), another district's round answers as a missing one."""
    label = "反馈" if kind == REPLY else "办结"
    problems: list[tuple[str, str]] = []
    if on > today:
        problems.append((f"{label}日期", f"{on.isoformat()} 晚于今天"))
    text = (text or "").strip() or None
    if kind == REPLY and text is None:
        problems.append(("反馈内容", "必填"))
    if text:
        problems += [(f"{label}内容", p) for p in filter(None, (text_problem(text), length_problem(text, MAX_NOTE)))]
    _refuse(problems)
    with ledger.change(actor) as change:
        connection = change.connection
        issued = connection.execute(sa.select(supervision_rounds).where(supervision_rounds.c.id == round_id)).first()
        if issued is None or (district is not None and issued.district != district):
            raise ChangeRefused([("督办通知", f"没有编号为 {round_id} 的督办通知")])
        item = connection.execute(
            sa.select(supervision_items).where(supervision_items.c.round_id == round_id, supervision_items.c.position == position)
        ).first()
        if item is None:
            raise ChangeRefused([("事项", f"督办通知 {round_id} 没有第 {position} 项")])
        if on < issued.issued_on:
            raise ChangeRefused([(f"{label}日期", f"早于督办通知的发出日期 {issued.issued_on.isoformat()}")])
        closed = connection.execute(
            sa.select(supervision_actions.c.acted_on).where(supervision_actions.c.round_id == round_id,
                                                            supervision_actions.c.position == position, supervision_actions.c.kind == CLOSE)
        ).first()  # fmt: skip
        if closed is not None:
            raise ChangeRefused([("事项", f"督办通知 {round_id} 第 {position} 项已于 {closed.acted_on.isoformat()} 办结")])
        connection.execute(supervision_actions.insert().values(round_id=round_id, position=position, kind=kind, acted_on=on, text=text,
                                                               recorded_at=change.at, recorded_by=change.actor))  # fmt: skip
        kind_event = "supervision_replied" if kind == REPLY else "supervision_closed"
        detail = {"round": round_id, "position": position, "item": item.item, "on": on.isoformat(), **({"text": text} if text else {})}
        change.log.record(kind_event, item.project_id, source, detail)
