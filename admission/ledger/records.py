"""The ledger's writes, as its API: each public function here is one change (one transaction,
checked, logged as events, committed together) that the CLI, the web and the workbook import
call the same way. No caller touches the event log, SQLAlchemy or the writers' lock.

The row-level helpers (``*_in``) work inside an open :class:`~admission.ledger.database.Change`,
so the 台账 workbook import records thousands of rows in one transaction with the same checks.

Nothing here is updated in place except a project's current state and a year's figures, and
both keep their history in the events (before and after). Recording the same thing twice changes
nothing: an identical application is no new revision, an identical row no event.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from admission.errors import ChangeRefused
from admission.ledger.database import Change, Ledger
from admission.ledger.history import FINDING_STATUS_EVENT
from admission.ledger.queries import Connection, agenda_applications, latest_decision, latest_revisions
from admission.ledger.schema import agenda, meetings, projects, resolutions, yearly_results
from admission.text import excerpt
from admission.vocabulary import (
    CONTRACT_DATES,
    LAND_MILESTONES,
    LAND_SOURCES,
    MILESTONES,
    NEW_LAND,
    ORDERED_MILESTONES,
    OWN_LAND,
    RESULTS,
    is_deviation,
)

FIRST_YEAR = 1990  # the first year the ledger takes figures and meetings for

# --- the rules a change must keep, one place each -------------------------------------------------


def meeting_problems(number: int | None, held_on: date | None, today: date) -> list[tuple[str, str]]:
    """A meeting as a person names it (编号 and date): the same rule for the agenda, resolutions,
    the packet and the 会议审议 sheet."""
    problems = []
    if number is not None and number < 1:
        problems.append(("会议编号", f"应为正整数，实际为 {number}"))
    if held_on is not None and held_on > today:
        problems.append(("会议日期", f"{held_on.isoformat()} 晚于今天，不能登记未来会议的审议结果"))
    if held_on is not None and held_on.year < FIRST_YEAR:
        problems.append(("会议日期", f"{held_on.isoformat()} 早于 {FIRST_YEAR} 年"))
    return problems


def year_problems(year: int, today: date) -> list[tuple[str, str]]:
    if not FIRST_YEAR <= year <= today.year:
        return [("年度", f"{year} 不是有效的年度（{FIRST_YEAR} 至 {today.year}）")]
    return []


def progress_problems(stored: dict[str, Any] | None, fields: dict[str, Any], today: date) -> list[tuple[str, str]]:
    """What is wrong with setting ``fields`` (milestones, land source, land contract) on a project
    whose stored row is ``stored``: the same checks and words for a workbook row, a web form and
    the API."""
    problems: list[tuple[str, str]] = []
    merged = {**(stored or {}), **fields}
    land_source = merged.get("land_source") or NEW_LAND
    if "land_source" in fields and fields["land_source"] not in LAND_SOURCES:
        problems.append(("用地来源", f"应为 {' 或 '.join(LAND_SOURCES)}，实际为“{excerpt(fields['land_source'])}”"))
    labels = dict(MILESTONES)
    for key, label in MILESTONES:
        if key in fields and fields[key] > today:
            problems.append((label, f"{fields[key].isoformat()} 晚于今天（{today.isoformat()}），不能登记未来的日期"))
    if land_source == OWN_LAND:
        problems += [(labels[k], "自有用地项目没有挂网、供地、交地环节") for k in LAND_MILESTONES if merged.get(k)]
    present = [(k, merged[k]) for k in ORDERED_MILESTONES if merged.get(k)]
    for (k1, d1), (k2, d2) in itertools.pairwise(present):
        if d2 < d1:
            order = "顺序应为挂网、供地、交地、开工、竣工、投产、达产"
            problems.append((labels[k2], f"{labels[k2]} {d2.isoformat()} 早于{labels[k1]} {d1.isoformat()}，{order}"))
    if "land_price" in fields and Decimal(fields["land_price"]) <= 0:
        problems.append(("出让价款（万元）", "应大于 0"))
    agreed = [(k, merged[k]) for k, _ in CONTRACT_DATES if merged.get(k)]
    contract = dict(CONTRACT_DATES)
    for (k1, d1), (k2, d2) in itertools.pairwise(agreed):
        if d2 < d1:
            problems.append((contract[k2], f"{contract[k2]} {d2.isoformat()} 早于{contract[k1]} {d1.isoformat()}"))
    return problems


def _refuse(problems: list[tuple[str, str]]) -> None:
    if problems:
        raise ChangeRefused(problems)


# --- meetings, agendas and resolutions -------------------------------------------------------------


def meeting_in(change: Change, number: int, held_on: date, source: str) -> int:
    """The meeting numbered ``number`` in ``held_on``'s year, created if new; another date is refused."""
    connection = change.connection
    found = connection.execute(sa.select(meetings).where(meetings.c.year == held_on.year, meetings.c.number == number)).first()
    if found is not None:
        if found.held_on != held_on:
            recorded = found.held_on.isoformat()
            raise ChangeRefused(
                [("会议编号", f"{held_on.year} 年第 {number} 次会议已登记日期为 {recorded}，与 {held_on.isoformat()} 不一致")]
            )
        return int(found.id)
    created = connection.execute(meetings.insert().values(year=held_on.year, number=number, held_on=held_on)).inserted_primary_key
    if created is None:
        raise RuntimeError("the meeting's id was not returned")
    change.log.record("meeting_added", None, source, {"year": held_on.year, "number": number, "date": held_on.isoformat()})
    return int(created[0])


def resolution_in(
    change: Change, number: int, held_on: date, case_id: str, result: str, conditions: str | None, source: str, today: date
) -> bool:
    """Record one resolution in an open change; False when the same one is already the latest."""
    connection = change.connection
    problems = meeting_problems(number, held_on, today)
    if result not in RESULTS:
        problems.append(("审议结果", f"“{result}”不是有效的审议结果；应为 {'、'.join(RESULTS)} 之一"))
    decided = latest_decision(connection, case_id)
    if decided is None:
        problems.append(("案件编号", f"{case_id} 在台账中没有申请材料（先在会前预审中登记到台账）"))
    _refuse(problems)
    assert decided is not None  # refused above otherwise
    meeting = meeting_in(change, number, held_on, source)
    latest = connection.execute(
        sa.select(resolutions.c.result, resolutions.c.conditions)
        .where(resolutions.c.meeting_id == meeting, resolutions.c.project_id == case_id)
        .order_by(resolutions.c.id.desc())
        .limit(1)
    ).first()
    if latest is not None and latest.result == result and (latest.conditions or None) == (conditions or None):
        return False
    revision, verdict = decided
    deviation = is_deviation(result, verdict)
    connection.execute(
        resolutions.insert().values(
            meeting_id=meeting, project_id=case_id, revision=revision, result=result, conditions=conditions or None,
            verdict=verdict, deviation=deviation, recorded_at=change.at, recorded_by=change.actor,
        )
    )  # fmt: skip
    detail: dict[str, Any] = {"meeting": f"{held_on.year}-{number}", "result": result, "revision": revision, "verdict": verdict}
    if conditions:
        detail["conditions"] = conditions
    if deviation:
        detail["deviation"] = True
    if latest is not None:
        detail["before"] = {"result": latest.result, "conditions": latest.conditions}
    change.log.record("resolution_recorded", case_id, source, detail)
    return True


@dataclass(frozen=True)
class Resolved:
    """A resolution as recorded: whether anything changed, and whether it departs from the verdict."""

    changed: bool
    verdict: str | None
    deviation: bool


def record_resolution(
    ledger: Ledger,
    number: int,
    held_on: date,
    case_id: str,
    result: str,
    conditions: str | None,
    *,
    actor: str,
    source: str,
    today: date,
) -> Resolved:
    """One resolution (审议结果) of a meeting."""
    with ledger.change(actor) as change:
        changed = resolution_in(change, number, held_on, case_id, result, conditions, source, today)
        decided = latest_decision(change.connection, case_id)
    verdict = decided[1] if decided else None
    return Resolved(changed, verdict, is_deviation(result, verdict))


def set_agenda(
    ledger: Ledger, number: int, held_on: date, case_ids: list[str], *, actor: str, source: str, today: date
) -> list[tuple[str, str, int]]:
    """The projects a meeting will consider, in order (nothing changes when it already is exactly
    that); returns the agenda as recorded: (案件编号, application JSON, revision) each."""
    problems = [p for p in meeting_problems(number, held_on, today) if p[0] == "会议编号"]  # an agenda may be set ahead
    _refuse(problems)
    with ledger.change(actor) as change:
        if case_ids:
            _agenda_in(change, number, held_on, case_ids, source)
        return agenda_applications(change.connection, number, held_on)


def _agenda_in(change: Change, number: int, held_on: date, case_ids: list[str], source: str) -> bool:
    connection = change.connection
    missing = [case_id for case_id in case_ids if case_id not in latest_revisions(connection, case_ids)]
    if missing:
        raise ChangeRefused([("案件编号", f"{'、'.join(missing)} 在台账中没有申请材料，不能列入议程")])
    repeated = sorted({c for c in case_ids if case_ids.count(c) > 1})
    if repeated:
        raise ChangeRefused([("案件编号", f"{'、'.join(repeated)} 重复列入议程")])
    meeting = meeting_in(change, number, held_on, source)
    current = [
        r.project_id
        for r in connection.execute(sa.select(agenda.c.project_id).where(agenda.c.meeting_id == meeting).order_by(agenda.c.position))
    ]
    if current == case_ids:
        return False
    connection.execute(agenda.delete().where(agenda.c.meeting_id == meeting))
    connection.execute(agenda.insert(), [{"meeting_id": meeting, "project_id": c, "position": i} for i, c in enumerate(case_ids, 1)])
    change.log.record("agenda_set", None, source, {"meeting": f"{held_on.year}-{number}", "before": current, "after": case_ids})
    return True


# --- project rows, progress and yearly results -------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def project_in(change: Change, case_id: str, values: dict[str, Any], source: str, current: dict[str, Any] | None) -> bool:
    """Set the given fields of a project, or create it when ``current`` (its stored row) is None;
    False when nothing changes. The caller knows the stored row: no query per row of a workbook."""
    connection = change.connection
    if current is None:
        connection.execute(projects.insert().values(id=case_id, **values))
        change.log.record("project_added", case_id, source, {k: _plain(v) for k, v in values.items()})
        return True
    changes = {k: v for k, v in values.items() if current.get(k) != v}
    if not changes:
        return False
    connection.execute(projects.update().where(projects.c.id == case_id).values(changes))
    detail = {k: {"before": _plain(current.get(k)), "after": _plain(v)} for k, v in changes.items()}
    change.log.record("project_updated", case_id, source, detail)
    return True


def year_in(change: Change, case_id: str, year: int, values: dict[str, str], source: str) -> bool:
    """Set a project's figures for one year (empty cells leave the stored ones); False when unchanged."""
    connection = change.connection
    if connection.execute(sa.select(projects.c.id).where(projects.c.id == case_id)).first() is None:
        raise ChangeRefused([("案件编号", f"{case_id} 不在台账中")])
    current = connection.execute(
        sa.select(yearly_results).where(yearly_results.c.project_id == case_id, yearly_results.c.year == year)
    ).first()
    if current is None:
        connection.execute(yearly_results.insert().values(project_id=case_id, year=year, **values))
        change.log.record("results_recorded", case_id, source, {"year": year, **values})
        return True
    changes = {k: v for k, v in values.items() if getattr(current, k) != v}
    if not changes:
        return False
    where = (yearly_results.c.project_id == case_id) & (yearly_results.c.year == year)
    connection.execute(yearly_results.update().where(where).values(changes))
    detail = {"year": year, **{k: {"before": getattr(current, k), "after": v} for k, v in changes.items()}}
    change.log.record("results_updated", case_id, source, detail)
    return True


def set_progress(ledger: Ledger, case_id: str, fields: dict[str, Any], *, actor: str, today: date, source: str) -> None:
    """Set milestones (or land-contract fields) of one project, checked as an import row is."""
    with ledger.change(actor) as change:
        row = change.connection.execute(sa.select(projects).where(projects.c.id == case_id)).first()
        if row is None:
            raise ChangeRefused([("案件编号", f"{case_id} 不在台账中")])
        stored = dict(row._mapping)
        _refuse(progress_problems(stored, fields, today))
        project_in(change, case_id, fields, source, stored)


def set_year(ledger: Ledger, case_id: str, year: int, figures: dict[str, str], *, actor: str, today: date, source: str) -> None:
    """One year's actual figures of one project, checked as a 履约数据 row is."""
    _refuse(year_problems(year, today))
    with ledger.change(actor) as change:
        year_in(change, case_id, year, figures, source)


# --- 履约 findings ------------------------------------------------------------------------------------


def record_finding_status(
    ledger: Ledger,
    project: str,
    kind: str,
    year: int | None,
    status: str,
    reason: str | None,
    *,
    actor: str,
    source: str,
    still_found: Callable[[Connection], list[tuple[str, str]]],
) -> None:
    """What was done about one 履约 finding (已通知, 已缴纳 …), as an event of the ledger.
    ``still_found`` checks, in the same transaction, that the finding is there to be marked."""
    detail: dict[str, Any] = {"finding": kind, "year": year, "status": status}
    if reason:
        detail["reason"] = reason
    with ledger.change(actor) as change:
        _refuse(still_found(change.connection))
        change.log.record(FINDING_STATUS_EVENT, project, source, detail)
