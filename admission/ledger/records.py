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
import json
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from admission.dates import parse_iso_date
from admission.errors import ChangeRefused
from admission.ledger.database import Change, Ledger
from admission.ledger.history import FINDING_STATUS_EVENT, Record
from admission.ledger.queries import Connection, agenda_applications, for_ids, latest_revisions, meeting_held
from admission.ledger.schema import (
    agenda,
    decisions,
    events,
    extensions,
    meetings,
    projects,
    resolutions,
    revisions,
    terminations,
    transfers,
    yearly_results,
)
from admission.numbers import number_problem
from admission.text import excerpt
from admission.vocabulary import (
    CONTRACT_DATES,
    ENTERPRISE_REQUEST,
    EXTENSION_CAUSES,
    EXTENSION_STEPS,
    LAND_MILESTONES,
    LAND_SOURCES,
    MILESTONES,
    NATURES,
    NEW_LAND,
    ORDERED_MILESTONES,
    OWN_LAND,
    RESULTS,
    is_deviation,
)

FIRST_YEAR = 1990  # the first year the ledger takes figures and meetings for
MAX_MEETING_NUMBER = 999
AGENDA_AHEAD_DAYS = 366  # an agenda may be set for a meeting at most a year ahead

# --- the rules a change must keep, one place each -------------------------------------------------


def meeting_problems(number: int | None, held_on: date | None, today: date) -> list[tuple[str, str]]:
    """A meeting as a person names it (编号 and date): the same rule for the agenda, resolutions,
    the packet and the 会议审议 sheet."""
    problems = []
    if number is not None and not 1 <= number <= MAX_MEETING_NUMBER:
        problems.append(("会议编号", f"应为 1 至 {MAX_MEETING_NUMBER} 的整数，实际为 {number}"))
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
    if "nature" in fields and fields["nature"] not in NATURES:
        problems.append(("项目性质", f"应为 {' 或 '.join(NATURES)}，实际为“{excerpt(fields['nature'])}”"))
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


@dataclass
class ResolutionLookups:
    """What recording resolutions looks up, read once for a batch (a 会议审议 sheet, a meeting
    page's results) instead of five queries a row: the meetings, the batch's revisions with the
    verdict of each one's latest decision, the resolutions in force at each meeting and the
    agendas. Kept in step with the batch's own writes (a meeting created, a resolution recorded,
    an agenda item added); a correction in the same change must start new ones."""

    connection: Connection
    meetings: dict[tuple[int, int], tuple[int, date]]  # (year, number): (id, held_on)
    revisions: dict[str, list[tuple[date, int]]]  # by project: (effective_on, number)
    verdicts: dict[tuple[str, int], str | None]  # (project, revision): the latest decision's verdict
    in_force: dict[tuple[int, str], Any]  # (meeting, project): the latest resolution, None once withdrawn
    agendas: dict[int, list[str]]  # by meeting, read when first asked for

    @classmethod
    def read(cls, connection: Connection, case_ids: Collection[str]) -> ResolutionLookups:
        ids = set(case_ids)
        held = {(row.year, row.number): (row.id, row.held_on) for row in connection.execute(sa.select(meetings))}
        listed: dict[str, list[tuple[date, int]]] = {}
        query = for_ids(sa.select(revisions.c.project_id, revisions.c.number, revisions.c.effective_on), revisions.c.project_id, ids)
        for row in connection.execute(query):
            if row.project_id in ids:
                listed.setdefault(row.project_id, []).append((row.effective_on, row.number))
        decided = for_ids(sa.select(decisions.c.project_id, decisions.c.revision, decisions.c.verdict), decisions.c.project_id, ids)
        verdicts = {(row.project_id, row.revision): row.verdict
                    for row in connection.execute(decided.order_by(decisions.c.id)) if row.project_id in ids}  # fmt: skip
        resolved = for_ids(sa.select(resolutions), resolutions.c.project_id, ids).order_by(resolutions.c.id)
        latest = {(row.meeting_id, row.project_id): row for row in connection.execute(resolved) if row.project_id in ids}
        in_force = {key: None if row.withdrawn else row for key, row in latest.items()}
        return cls(connection, held, listed, verdicts, in_force, {})

    def meeting(self, number: int, held_on: date) -> tuple[int, date] | None:
        return self.meetings.get((held_on.year, number))

    def agenda(self, meeting: int) -> list[str]:
        if meeting not in self.agendas:
            query = sa.select(agenda.c.project_id).where(agenda.c.meeting_id == meeting).order_by(agenda.c.position)
            self.agendas[meeting] = [row.project_id for row in self.connection.execute(query)]
        return self.agendas[meeting]


def _meeting_date_problems(found: tuple[int, date] | None, number: int, held_on: date) -> list[tuple[str, str]]:
    if found is None or found[1] == held_on:
        return []
    return [("会议编号", f"{held_on.year} 年第 {number} 次会议已登记日期为 {found[1].isoformat()}，与 {held_on.isoformat()} 不一致")]


def meeting_in(change: Change, number: int, held_on: date, source: str, lookups: ResolutionLookups | None = None) -> int:
    """The meeting numbered ``number`` in ``held_on``'s year, created if new; another date is refused."""
    connection = change.connection
    if lookups is not None:
        found = lookups.meeting(number, held_on)
    else:
        row = connection.execute(sa.select(meetings).where(meetings.c.year == held_on.year, meetings.c.number == number)).first()
        found = (row.id, row.held_on) if row is not None else None
    if found is not None:
        _refuse(_meeting_date_problems(found, number, held_on))
        return int(found[0])
    created = connection.execute(meetings.insert().values(year=held_on.year, number=number, held_on=held_on)).inserted_primary_key
    if created is None:
        raise RuntimeError("the meeting's id was not returned")
    change.log.record("meeting_added", None, source, {"year": held_on.year, "number": number, "date": held_on.isoformat()})
    if lookups is not None:
        lookups.meetings[(held_on.year, number)] = (int(created[0]), held_on)
    return int(created[0])


def revision_in_force(
    connection: Connection, case_id: str, held_on: date, lookups: ResolutionLookups | None = None
) -> tuple[int, str | None]:
    """The revision a meeting on ``held_on`` considered: the latest whose effective date (its
    受理日期, else the day it was recorded, Beijing time) is on or before the meeting, with the
    verdict of its latest decision. Refused when every revision is later than the meeting."""
    lookups = lookups or ResolutionLookups.read(connection, [case_id])
    found = lookups.revisions.get(case_id, [])
    if not found:
        raise ChangeRefused([("案件编号", f"{case_id} 在台账中没有申请材料（先在会前预审中登记到台账）")])
    in_force = [number for effective, number in found if effective <= held_on]
    if not in_force:
        earliest = min(effective for effective, _ in found)
        raise ChangeRefused([("会议日期", f"{case_id} 最早的申请材料日期为 {earliest.isoformat()}，晚于会议日期 {held_on.isoformat()}")])
    revision = max(in_force)
    return revision, lookups.verdicts.get((case_id, revision))


def in_force_at(connection: Connection, meeting: int, case_id: str) -> Any:
    """The project's resolution in force at a meeting (the latest recorded, unless withdrawn)."""
    query = sa.select(resolutions).where(resolutions.c.meeting_id == meeting, resolutions.c.project_id == case_id)
    latest = connection.execute(query.order_by(resolutions.c.id.desc()).limit(1)).first()
    return None if latest is None or latest.withdrawn else latest


def _on_agenda(change: Change, lookups: ResolutionLookups, meeting: int, case_id: str, added_item: bool, key: str, held: str,
               source: str) -> None:  # fmt: skip
    """The agenda rule: with an agenda, only its projects are resolved, or an item added at the
    meeting (临时增补议题), which is then appended to it."""
    listed = lookups.agenda(meeting)
    if not listed or case_id in listed:
        return
    if not added_item:
        raise ChangeRefused([("案件编号", f"{case_id} 不在{held}的议程中；会上临时增补的议题请标明临时增补（--added-item）")])
    change.connection.execute(agenda.insert().values(meeting_id=meeting, project_id=case_id, position=len(listed) + 1))
    change.log.record("agenda_set", None, source, {"meeting": key, "before": listed, "after": [*listed, case_id]})
    lookups.agendas[meeting] = [*listed, case_id]


def resolution_in(
    change: Change,
    number: int,
    held_on: date,
    case_id: str,
    result: str,
    conditions: str | None,
    source: str,
    today: date,
    added_item: bool = False,
    lookups: ResolutionLookups | None = None,
) -> bool:
    """Record one resolution in an open change; False when the same one is already in force.
    A different one for the same meeting is refused: a resolution is changed by a correction.
    ``lookups``: those of the batch this row is part of (else this row's are read)."""
    connection = change.connection
    problems = meeting_problems(number, held_on, today)
    if result not in RESULTS:
        problems.append(("审议结果", f"“{result}”不是有效的审议结果；应为 {'、'.join(RESULTS)} 之一"))
    _refuse(problems)
    lookups = lookups or ResolutionLookups.read(connection, [case_id])
    _refuse(_meeting_date_problems(lookups.meeting(number, held_on), number, held_on))
    revision, verdict = revision_in_force(connection, case_id, held_on, lookups)
    meeting = meeting_in(change, number, held_on, source, lookups)
    key, held = f"{held_on.year}-{number}", f"{held_on.year} 年第 {number} 次会议"
    current = lookups.in_force.get((meeting, case_id))
    if current is not None:
        if current.result == result and (current.conditions or None) == (conditions or None):
            return False
        how = f"admit ledger correct {case_id} --meeting-no {number} --meeting-date {held_on.isoformat()}"
        raise ChangeRefused([("审议结果", f"{case_id} 在{held}已登记审议结果“{current.result}”；如需更正，请用 {how} 并写明更正原因")])
    _on_agenda(change, lookups, meeting, case_id, added_item, key, held, source)
    deviation = is_deviation(result, verdict)
    recorded = {"meeting_id": meeting, "project_id": case_id, "revision": revision, "result": result, "conditions": conditions or None,
                "verdict": verdict, "deviation": deviation, "recorded_at": change.at, "recorded_by": change.actor,
                "added_item": added_item}  # fmt: skip
    connection.execute(resolutions.insert(), recorded)  # parameters, not .values(): one compiled statement for every row
    lookups.in_force[(meeting, case_id)] = Record(recorded)
    detail: dict[str, Any] = {"meeting": key, "result": result, "revision": revision, "verdict": verdict}
    if conditions:
        detail["conditions"] = conditions
    if deviation:
        detail["deviation"] = True
    if added_item:
        detail["added_item"] = True
    change.log.record("resolution_recorded", case_id, source, detail)
    return True


def correct_resolution(
    ledger: Ledger,
    number: int,
    held_on: date,
    case_id: str,
    result: str | None,
    conditions: str | None,
    *,
    reason: str,
    actor: str,
    source: str,
) -> Resolved:
    """A resolution corrected (another 审议结果 / 附加条件) or, with ``result`` None, withdrawn
    (撤销), with its reason. The corrected record stays in history."""
    with ledger.change(actor) as change:
        return correct_resolution_in(change, number, held_on, case_id, result, conditions, reason, source)


def correct_resolution_in(
    change: Change, number: int, held_on: date, case_id: str, result: str | None, conditions: str | None, reason: str, source: str
) -> Resolved:
    """A resolution corrected or withdrawn in an open change (see ``correct_resolution``)."""
    problems = [] if reason.strip() else [("更正原因", "必填")]
    if result is not None and result not in RESULTS:
        problems.append(("审议结果", f"“{result}”不是有效的审议结果；应为 {'、'.join(RESULTS)} 之一，或撤销"))
    _refuse(problems)
    meeting = meeting_held(change.connection, number, held_on)
    current = in_force_at(change.connection, meeting.id, case_id) if meeting is not None else None
    if meeting is None or current is None:
        raise ChangeRefused(
            [("审议结果", f"{case_id} 在 {held_on.year} 年第 {number} 次会议（{held_on.isoformat()}）没有在用的审议结果可更正")]
        )
    kept = result or current.result
    deviation = is_deviation(kept, current.verdict)
    change.connection.execute(
        resolutions.insert().values(
            meeting_id=meeting.id, project_id=case_id, revision=current.revision, result=kept,
            conditions=(conditions if result is not None else current.conditions) or None, verdict=current.verdict,
            deviation=deviation, recorded_at=change.at, recorded_by=change.actor, added_item=current.added_item,
            withdrawn=result is None, reason=reason.strip(),
        )
    )  # fmt: skip
    detail: dict[str, Any] = {
        "meeting": f"{held_on.year}-{number}", "result": kept, "revision": current.revision, "verdict": current.verdict,
        "before": {"result": current.result, "conditions": current.conditions}, "reason": reason.strip(),
    }  # fmt: skip
    if conditions and result is not None:
        detail["conditions"] = conditions
    elif result is None and current.conditions:
        detail["conditions"] = current.conditions
    if deviation:
        detail["deviation"] = True
    if result is None:
        detail["withdrawn"] = True
    change.log.record("resolution_corrected", case_id, source, detail)
    return Resolved(True, current.verdict, deviation)


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
    added_item: bool = False,
) -> Resolved:
    """One resolution (审议结果) of a meeting, bound to the revision in force at the meeting."""
    with ledger.change(actor) as change:
        changed = resolution_in(change, number, held_on, case_id, result, conditions, source, today, added_item)
        _, verdict = revision_in_force(change.connection, case_id, held_on)
    return Resolved(changed, verdict, is_deviation(result, verdict))


def record_resolutions(
    ledger: Ledger, number: int, held_on: date, decided: list[tuple[str, str, str | None]], *, actor: str, source: str, today: date
) -> int:
    """A meeting's results entered together (案件编号, 审议结果, 附加条件 each), in one transaction:
    all are recorded or, when one is refused, none (the refusal names every refused row by its
    案件编号). How many changed."""
    refused: list[tuple[str, str]] = []
    with ledger.change(actor) as change:
        changed = 0
        lookups = ResolutionLookups.read(change.connection, [case_id for case_id, _, _ in decided])
        for case_id, result, conditions in decided:
            try:
                changed += resolution_in(change, number, held_on, case_id, result, conditions, source, today, False, lookups)
            except ChangeRefused as error:  # every refusal named by its row (案件编号), then none recorded
                refused += [(case_id, f"{header}：{message}") for header, message in error.problems]
        if refused:
            raise ChangeRefused(refused)
        return changed


def set_agenda(
    ledger: Ledger, number: int, held_on: date, case_ids: list[str], *, actor: str, source: str, today: date
) -> list[tuple[str, str, int]]:
    """The projects a meeting will consider, in order (nothing changes when it already is exactly
    that); returns the agenda as recorded: (案件编号, application JSON, revision) each."""
    problems = [p for p in meeting_problems(number, held_on, today) if "晚于今天" not in p[1]]  # an agenda may be set ahead
    if (held_on - today).days > AGENDA_AHEAD_DAYS:
        problems.append(("会议日期", f"{held_on.isoformat()} 距今超过一年，不能设定议程"))
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
    on: date | None = None,
    amount: Decimal | None = None,
    receipt: str | None = None,
) -> bool:
    """What was done about one 履约 finding (已通知, 已缴纳 with an amount and receipt …), effective
    ``on``, as an event of the ledger; False when it is exactly the finding's latest status already.
    ``still_found`` checks, in the same transaction, that the finding is there to be marked."""
    detail: dict[str, Any] = {"finding": kind, "year": year, "status": status}
    if on is not None:
        detail["on"] = on.isoformat()
    if amount is not None:
        detail["amount"] = str(amount)
    for key, text in (("reason", reason), ("receipt", receipt)):
        if text:
            detail[key] = text
    with ledger.change(actor) as change:
        _refuse(still_found(change.connection))
        query = sa.select(events.c.detail).where(events.c.kind == FINDING_STATUS_EVENT, events.c.project_id == project)
        marks = [json.loads(row.detail) for row in change.connection.execute(query.order_by(events.c.seq))]
        same = [m for m in marks if m["finding"] == kind and m.get("year") == year]
        if same and same[-1] == detail:
            return False
        change.log.record(FINDING_STATUS_EVENT, project, source, detail)
        return True


# --- corrections of project facts, transfers and terminations -----------------------------------------

WITHDRAW, CLEAR = "撤销", "清除"
_CORRECTABLE = {**{label: key for key, label in MILESTONES}, **{label: key for key, label in CONTRACT_DATES},
                "出让价款（万元）": "land_price"}  # fmt: skip
_YEARLY = {"实际税收（万元）": "tax", "实际产值（万元）": "output", "累计固定资产投资（万元）": "fixed_assets"}


def correctable_field(header: str, text: str, year: int | None) -> tuple[str, Any]:
    """A field a correction names by its 台账 header, and the value typed (清除: none)."""
    table = _YEARLY if year is not None else _CORRECTABLE
    key = table.get(header)
    if key is None:
        raise ChangeRefused([("更正对象", f"“{excerpt(header)}”不能更正；可选：{'、'.join(table)}")])
    if text == CLEAR:
        return key, None
    if key in dict(MILESTONES) or key in dict(CONTRACT_DATES):
        day = parse_iso_date(text)
        if day is None:
            raise ChangeRefused([(header, f"日期应为 YYYY-MM-DD，实际为“{excerpt(text)}”")])
        return key, day
    try:
        amount = Decimal(text.replace(",", ""))
    except ArithmeticError:
        raise ChangeRefused([(header, f"应为数字，实际为“{excerpt(text)}”")]) from None
    if not amount.is_finite() or amount < 0 or number_problem(amount) is not None:
        raise ChangeRefused([(header, f"应为不小于 0 的数字，实际为“{excerpt(text)}”")])
    return key, str(amount)


def correct_field(
    ledger: Ledger, case_id: str, key: str, value: Any, *, reason: str, actor: str, today: date, source: str, year: int | None = None
) -> None:
    """A milestone date, a land-contract field (``year`` None) or a yearly figure (with ``year``)
    corrected to ``value``, or cleared (None), with its reason; checked as a new value would be."""
    with ledger.change(actor) as change:
        correct_field_in(change, case_id, key, value, reason, today, source, year)


def correct_field_in(
    change: Change, case_id: str, key: str, value: Any, reason: str, today: date, source: str, year: int | None = None
) -> None:
    """A field corrected in an open change (see ``correct_field``)."""
    _refuse([] if reason.strip() else [("更正原因", "必填")])
    connection = change.connection
    if year is not None:
        current = connection.execute(
            sa.select(yearly_results).where(yearly_results.c.project_id == case_id, yearly_results.c.year == year)
        ).first()
        if current is None:
            raise ChangeRefused([("年度", f"{case_id} 没有 {year} 年的履约数据可更正")])
        where = (yearly_results.c.project_id == case_id) & (yearly_results.c.year == year)
        connection.execute(yearly_results.update().where(where).values({key: value}))
        detail = {"year": year, "changes": {key: {"before": getattr(current, key), "after": value}}, "reason": reason.strip()}
        change.log.record("results_corrected", case_id, source, detail)
        return
    row = connection.execute(sa.select(projects).where(projects.c.id == case_id)).first()
    if row is None:
        raise ChangeRefused([("案件编号", f"{case_id} 不在台账中")])
    stored = dict(row._mapping)
    _refuse(progress_problems(stored, {key: value}, today) if value is not None else [])
    connection.execute(projects.update().where(projects.c.id == case_id).values({key: value}))
    changes = {key: {"before": _plain(stored.get(key)), "after": _plain(value)}}
    change.log.record("project_corrected", case_id, source, {"changes": changes, "reason": reason.strip()})


def transfer(
    ledger: Ledger, case_id: str, to_district: str, on: date, approval: str, reason: str | None, *, districts: list[str], actor: str,
    today: date, source: str,
) -> str:  # fmt: skip
    """A project moved to another district from ``on`` (项目流转), with the approval's 文号; returns
    the district it left. Reports for a period before ``on`` still count it where it was."""
    with ledger.change(actor) as change:
        return transfer_in(change, case_id, to_district, on, approval, reason, districts, today, source)[0]


def transfer_in(
    change: Change, case_id: str, to_district: str, on: date, approval: str, reason: str | None, districts: list[str], today: date,
    source: str,
) -> tuple[str, bool]:  # fmt: skip
    """A transfer in an open change: (the district left, whether anything changed); the same
    transfer again (a re-imported 项目流转 row) changes nothing."""
    problems = []
    if to_district not in districts:
        problems.append(("转入区域", f"未知的区域“{excerpt(to_district)}”；应为 {'、'.join(districts)}"))
    if not approval.strip():
        problems.append(("批准文号", "必填"))
    if on > today:
        problems.append(("流转日期", f"{on.isoformat()} 晚于今天"))
    _refuse(problems)
    connection = change.connection
    row = connection.execute(sa.select(projects).where(projects.c.id == case_id)).first()
    if row is None:
        raise ChangeRefused([("案件编号", f"{case_id} 不在台账中")])
    same = connection.execute(
        sa.select(transfers.c.from_district).where(
            transfers.c.project_id == case_id, transfers.c.effective_on == on, transfers.c.to_district == to_district
        )
    ).first()
    if same is not None:
        return str(same.from_district), False
    later = connection.execute(sa.select(sa.func.max(transfers.c.effective_on)).where(transfers.c.project_id == case_id)).scalar()
    if later is not None and later >= on:
        raise ChangeRefused([("流转日期", f"{case_id} 已有 {later.isoformat()} 的流转记录，新的流转应在其后")])
    if row.district == to_district:
        raise ChangeRefused([("转入区域", f"{case_id} 现属{to_district}，无需流转")])
    connection.execute(
        transfers.insert().values(project_id=case_id, effective_on=on, from_district=row.district, to_district=to_district,
                                  approval=approval.strip(), reason=reason, recorded_at=change.at, recorded_by=change.actor)
    )  # fmt: skip
    connection.execute(projects.update().where(projects.c.id == case_id).values(district=to_district))
    detail = {"on": on.isoformat(), "changes": {"district": {"before": row.district, "after": to_district}}, "approval": approval.strip()}
    if reason:
        detail["reason"] = reason
    change.log.record("project_transferred", case_id, source, detail)
    return str(row.district), True


def terminate(ledger: Ledger, case_id: str, on: date, reason: str, *, actor: str, today: date, source: str) -> None:
    """A project ended from ``on`` (终止: withdrawn, contract rescinded, land reclaimed), with its
    reason: the monitor and supervision no longer chase it after that date."""
    problems = [] if reason.strip() else [("终止原因", "必填")]
    if on > today:
        problems.append(("终止日期", f"{on.isoformat()} 晚于今天"))
    _refuse(problems)
    with ledger.change(actor) as change:
        connection = change.connection
        if connection.execute(sa.select(projects.c.id).where(projects.c.id == case_id)).first() is None:
            raise ChangeRefused([("案件编号", f"{case_id} 不在台账中")])
        ended = connection.execute(sa.select(terminations.c.effective_on).where(terminations.c.project_id == case_id)).scalar()
        if ended is not None:
            raise ChangeRefused([("案件编号", f"{case_id} 已于 {ended.isoformat()} 终止")])
        connection.execute(
            terminations.insert().values(project_id=case_id, effective_on=on, reason=reason.strip(), recorded_at=change.at,
                                         recorded_by=change.actor)
        )  # fmt: skip
        change.log.record("project_terminated", case_id, source, {"on": on.isoformat(), "reason": reason.strip()})


def extend(
    ledger: Ledger, case_id: str, step: str, to: date, cause: str, approval: str, approved_on: date | None, reason: str | None, *,
    max_enterprise_days: int, actor: str, today: date, source: str,
) -> bool:  # fmt: skip
    """An approved extension (延建) of a project's agreed start, completion or 达产 date."""
    with ledger.change(actor) as change:
        return extension_in(change, case_id, step, to, cause, approval, approved_on, reason, max_enterprise_days, today, source)


def extension_in(
    change: Change, case_id: str, step: str, to: date, cause: str, approval: str, approved_on: date | None, reason: str | None,
    max_enterprise_days: int, today: date, source: str,
) -> bool:  # fmt: skip
    """An extension in an open change; the same again (a re-imported 延期 row) changes nothing. The
    extensions an enterprise requested may add ``max_enterprise_days`` in all."""
    problems = []
    if step not in EXTENSION_STEPS:
        problems.append(("延期事项", f"应为 {'、'.join(EXTENSION_STEPS)} 之一，实际为“{excerpt(step)}”"))
    if cause not in EXTENSION_CAUSES:
        problems.append(("原因", f"应为 {'、'.join(EXTENSION_CAUSES)} 之一，实际为“{excerpt(cause)}”"))
    if not approval.strip():
        problems.append(("批准文号", "必填"))
    if approved_on is not None and approved_on > today:
        problems.append(("批准日期", f"{approved_on.isoformat()} 晚于今天"))
    _refuse(problems)
    connection = change.connection
    row = connection.execute(sa.select(projects).where(projects.c.id == case_id)).first()
    if row is None:
        raise ChangeRefused([("案件编号", f"{case_id} 不在台账中")])
    agreed = getattr(row, EXTENSION_STEPS[step])
    if agreed is None:
        raise ChangeRefused([("延期事项", f"{case_id} 没有约定{step}日期，无从延期")])
    earlier = connection.execute(sa.select(extensions).where(extensions.c.project_id == case_id).order_by(extensions.c.id)).all()
    if any(e.step == step and e.to_date == to and e.cause == cause and e.approval == approval.strip() for e in earlier):
        return False
    current = max([agreed, *(e.to_date for e in earlier if e.step == step)])
    if to <= current:
        raise ChangeRefused([("延至", f"{to.isoformat()} 不晚于现在的约定{step}日期 {current.isoformat()}")])
    if cause == ENTERPRISE_REQUEST:
        used = _enterprise_days(earlier, row)
        if used + (to - current).days > max_enterprise_days:
            raise ChangeRefused(
                [("延至", f"企业申请的延期合计不得超过 {max_enterprise_days} 日（已延 {used} 日，本次 {(to - current).days} 日）")]
            )
    connection.execute(
        extensions.insert().values(project_id=case_id, step=step, to_date=to, cause=cause, approval=approval.strip(),
                                   approved_on=approved_on, reason=reason, recorded_at=change.at, recorded_by=change.actor)
    )  # fmt: skip
    detail = {"step": step, "to": to.isoformat(), "cause": cause, "approval": approval.strip(), "before": current.isoformat()}
    if approved_on is not None:
        detail["approved_on"] = approved_on.isoformat()
    change.log.record("project_extended", case_id, source, detail)
    return True


def _enterprise_days(earlier: Sequence[Any], row: Any) -> int:
    """The days the extensions an enterprise requested have added so far."""
    used = 0
    current = {step: getattr(row, key) for step, key in EXTENSION_STEPS.items()}
    for extension in earlier:
        base = current[extension.step]
        if base is not None and extension.to_date > base:
            if extension.cause == ENTERPRISE_REQUEST:
                used += (extension.to_date - base).days
            current[extension.step] = extension.to_date
    return used
