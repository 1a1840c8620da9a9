"""Recording into the ledger: applications (with their decisions), resolutions, project rows and
yearly results. Every function works inside one writing transaction and logs one event per change.

Nothing here is updated in place except a project's current state and a year's figures, and
both keep their history in the events (before and after). Recording the same thing twice changes
nothing: an identical application is no new revision, an identical row no event.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from ..application import application_digest, canonical_json
from ..review import Decision
from ..rulebook import Rulebook
from ..screen import Item, Result, duplicate_id_problems, error_result, try_decide
from .chain import EventLog
from .database import Ledger
from .schema import agenda, decisions, meetings, projects, resolutions, revisions, yearly_results

RESULTS = ("通过", "有条件通过", "暂缓", "不予通过")
PASSED = ("通过", "有条件通过")
LAND_SOURCES = ("新增供地", "自有用地")


def is_deviation(result: str, verdict: str | None) -> bool:
    """A resolution against the engine's verdict (与审查结论不一致): passing a rejected project, or
    refusing one the engine would admit."""
    return (result in PASSED and verdict == "reject") or (result == "不予通过" and verdict == "approve")


# --- applications ----------------------------------------------------------------------------


@dataclass
class AddOutcome:
    recorded: list[dict[str, Any]] = field(default_factory=list)  # {"id", "revision", "verdict", "new_project"}
    unchanged: list[str] = field(default_factory=list)
    refused: list[Result] = field(default_factory=list)


def _identity(decision: Decision) -> dict[str, Any]:
    app = decision.application
    return {
        "name": app.name,
        "district": app.district,
        "type": app.type,
        "industry_code": app.industry.code,
        "chain": app.industry.chain,
        "total_investment": str(app.investment.total_wan),
    }


def latest_revisions(connection: sa.Connection, ids: Iterable[str] | None = None) -> dict[str, tuple[int, str]]:
    """Each project's latest revision number and content digest."""
    newest = sa.select(revisions.c.project_id, sa.func.max(revisions.c.number).label("number")).group_by(revisions.c.project_id)
    if ids is not None:
        newest = newest.where(revisions.c.project_id.in_(list(ids)))
    newest_sub = newest.subquery()
    query = sa.select(revisions.c.project_id, revisions.c.number, revisions.c.sha256).join(
        newest_sub, (revisions.c.project_id == newest_sub.c.project_id) & (revisions.c.number == newest_sub.c.number)
    )
    return {row.project_id: (row.number, row.sha256) for row in connection.execute(query)}


def add_applications(ledger: Ledger, items: Iterable[Item], rulebook: Rulebook, review_date: date, actor: str) -> AddOutcome:
    """Record each valid application as a revision with its decision; report the rest."""
    outcome = AddOutcome()
    decided: list[tuple[Item, Decision]] = []
    for item in items:
        result = try_decide(item, rulebook, review_date)
        if isinstance(result, Decision):
            decided.append((item, result))
        else:
            outcome.refused.append(result)
    duplicates = duplicate_id_problems([(item.source, d.application.id) for item, d in decided])
    outcome.refused += [error_result(i.source, "invalid_input", [duplicates[i.source]]) for i, _ in decided if i.source in duplicates]
    decided = [(item, d) for item, d in decided if item.source not in duplicates]

    with ledger.writing() as connection:
        log = EventLog(connection, actor)
        latest = latest_revisions(connection)
        known = {row.id: dict(row._mapping) for row in connection.execute(sa.select(projects))} if decided else {}
        new_projects: list[dict[str, Any]] = []
        new_revisions: list[dict[str, Any]] = []
        new_decisions: list[dict[str, Any]] = []
        for item, decision in decided:
            case_id = decision.application.id
            content = canonical_json(decision.application)
            digest = application_digest(content)
            previous = latest.get(case_id)
            if previous is not None and previous[1] == digest:
                outcome.unchanged.append(case_id)
                continue
            number = previous[0] + 1 if previous else 1
            identity = _identity(decision)
            changes: dict[str, Any] = {}
            if case_id not in known:
                new_projects.append({"id": case_id, **identity})
            else:
                changes = {k: {"before": known[case_id][k], "after": v} for k, v in identity.items() if known[case_id][k] != v}
                if changes:
                    connection.execute(
                        projects.update().where(projects.c.id == case_id).values({k: c["after"] for k, c in changes.items()})
                    )
            known[case_id] = {**known.get(case_id, {}), **identity}
            decision_json = decision.to_json()
            new_revisions.append(
                {"project_id": case_id, "number": number, "content": content, "sha256": digest, "source": item.source,
                 "recorded_at": log.at, "recorded_by": actor}
            )  # fmt: skip
            new_decisions.append(
                {"project_id": case_id, "revision": number, "made_at": log.at, "review_date": review_date, "verdict": decision.verdict,
                 "rulebook_version": decision.selected.version.version, "rulebook_digest": decision.selected.digest,
                 "content": json.dumps(decision_json, ensure_ascii=False, sort_keys=True)}
            )  # fmt: skip
            latest[case_id] = (number, digest)
            detail = {"revision": number, "sha256": digest, "verdict": decision.verdict, "rulebook": decision.selected.digest}
            if changes:
                detail["changes"] = changes
            log.record("application_added" if number == 1 else "application_revised", case_id, item.source, detail)
            outcome.recorded.append({"id": case_id, "revision": number, "verdict": decision.verdict, "new_project": number == 1})
        if new_projects:
            connection.execute(projects.insert(), new_projects)
        if new_revisions:
            connection.execute(revisions.insert(), new_revisions)
            connection.execute(decisions.insert(), new_decisions)
        log.flush()
    return outcome


# --- meetings and resolutions ------------------------------------------------------------------


class RowError(Exception):
    """One row (or command) refused: the problems by column header, in Chinese."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("；".join(f"{h}：{m}" for h, m in problems))
        self.problems = problems


def meeting_id(connection: sa.Connection, log: EventLog, number: int, held_on: date, source: str) -> int:
    """The meeting numbered ``number`` in ``held_on``'s year, created if new; another date is refused."""
    found = connection.execute(sa.select(meetings).where(meetings.c.year == held_on.year, meetings.c.number == number)).first()
    if found is not None:
        if found.held_on != held_on:
            raise RowError(
                [
                    (
                        "会议编号",
                        f"{held_on.year} 年第 {number} 次会议已登记日期为 {found.held_on.isoformat()}，与 {held_on.isoformat()} 不一致",
                    )
                ]
            )
        return int(found.id)
    created = connection.execute(meetings.insert().values(year=held_on.year, number=number, held_on=held_on)).inserted_primary_key
    assert created is not None
    log.record("meeting_added", None, source, {"year": held_on.year, "number": number, "date": held_on.isoformat()})
    return int(created[0])


def latest_decision(connection: sa.Connection, case_id: str) -> tuple[int, str | None] | None:
    """The project's latest revision number and the verdict of its latest decision (None: no application)."""
    latest = latest_revisions(connection, [case_id]).get(case_id)
    if latest is None:
        return None
    verdict = connection.execute(
        sa.select(decisions.c.verdict)
        .where(decisions.c.project_id == case_id, decisions.c.revision == latest[0])
        .order_by(decisions.c.id.desc())
        .limit(1)
    ).scalar()
    return latest[0], verdict


def record_resolution(
    connection: sa.Connection, log: EventLog, number: int, held_on: date, case_id: str, result: str, conditions: str | None, source: str
) -> bool:
    """Record one resolution; False when the same one is already the latest (nothing changes)."""
    problems = []
    if result not in RESULTS:
        problems.append(("审议结果", f"“{result}”不是有效的审议结果；应为 {'、'.join(RESULTS)} 之一"))
    decided = latest_decision(connection, case_id)
    if decided is None:
        problems.append(("案件编号", f"{case_id} 在台账中没有申请材料（先用 admit ledger add 登记）"))
    if problems:
        raise RowError(problems)
    assert decided is not None
    meeting = meeting_id(connection, log, number, held_on, source)
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
            verdict=verdict, deviation=deviation, recorded_at=log.at, recorded_by=log.actor,
        )
    )  # fmt: skip
    detail: dict[str, Any] = {"meeting": f"{held_on.year}-{number}", "result": result, "revision": revision, "verdict": verdict}
    if conditions:
        detail["conditions"] = conditions
    if deviation:
        detail["deviation"] = True
    if latest is not None:
        detail["before"] = {"result": latest.result, "conditions": latest.conditions}
    log.record("resolution_recorded", case_id, source, detail)
    return True


# --- project rows and yearly results -------------------------------------------------------------


def update_project(
    connection: sa.Connection, log: EventLog, case_id: str, values: dict[str, Any], source: str, current: dict[str, Any] | None
) -> bool:
    """Set the given fields of a project, or create it when ``current`` (its stored row) is None;
    False when nothing changes. The caller knows the stored row: no query per row of a workbook."""
    if current is None:
        connection.execute(projects.insert().values(id=case_id, **values))
        log.record("project_added", case_id, source, {k: _plain(v) for k, v in values.items()})
        return True
    changes = {k: v for k, v in values.items() if current.get(k) != v}
    if not changes:
        return False
    connection.execute(projects.update().where(projects.c.id == case_id).values(changes))
    detail = {k: {"before": _plain(current.get(k)), "after": _plain(v)} for k, v in changes.items()}
    log.record("project_updated", case_id, source, detail)
    return True


def record_year(connection: sa.Connection, log: EventLog, case_id: str, year: int, values: dict[str, str], source: str) -> bool:
    """Set a project's figures for one year (empty cells leave the stored ones); False when unchanged."""
    if connection.execute(sa.select(projects.c.id).where(projects.c.id == case_id)).first() is None:
        raise RowError([("案件编号", f"{case_id} 不在台账中")])
    current = connection.execute(
        sa.select(yearly_results).where(yearly_results.c.project_id == case_id, yearly_results.c.year == year)
    ).first()
    if current is None:
        connection.execute(yearly_results.insert().values(project_id=case_id, year=year, **values))
        log.record("results_recorded", case_id, source, {"year": year, **values})
        return True
    changes = {k: v for k, v in values.items() if getattr(current, k) != v}
    if not changes:
        return False
    where = (yearly_results.c.project_id == case_id) & (yearly_results.c.year == year)
    connection.execute(yearly_results.update().where(where).values(changes))
    log.record(
        "results_updated", case_id, source, {"year": year, **{k: {"before": getattr(current, k), "after": v} for k, v in changes.items()}}
    )
    return True


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


# --- meeting agendas -------------------------------------------------------------------------------


def set_agenda(connection: sa.Connection, log: EventLog, number: int, held_on: date, case_ids: list[str], source: str) -> bool:
    """The projects a meeting will consider, in order; False when the agenda is already exactly that."""
    missing = [case_id for case_id in case_ids if case_id not in latest_revisions(connection, case_ids)]
    if missing:
        raise RowError([("案件编号", f"{'、'.join(missing)} 在台账中没有申请材料，不能列入议程")])
    repeated = sorted({c for c in case_ids if case_ids.count(c) > 1})
    if repeated:
        raise RowError([("案件编号", f"{'、'.join(repeated)} 重复列入议程")])
    meeting = meeting_id(connection, log, number, held_on, source)
    current = [
        r.project_id
        for r in connection.execute(sa.select(agenda.c.project_id).where(agenda.c.meeting_id == meeting).order_by(agenda.c.position))
    ]
    if current == case_ids:
        return False
    connection.execute(agenda.delete().where(agenda.c.meeting_id == meeting))
    if case_ids:
        connection.execute(agenda.insert(), [{"meeting_id": meeting, "project_id": c, "position": i} for i, c in enumerate(case_ids, 1)])
    log.record("agenda_set", None, source, {"meeting": f"{held_on.year}-{number}", "before": current, "after": case_ids})
    return True


def agenda_applications(connection: sa.Connection, number: int, held_on: date) -> list[tuple[str, str, int]]:
    """(case id, canonical application JSON, revision) of each agenda item, latest revisions, in order."""
    meeting = connection.execute(sa.select(meetings).where(meetings.c.year == held_on.year, meetings.c.number == number)).first()
    if meeting is None or meeting.held_on != held_on:
        return []
    ids = [
        r.project_id
        for r in connection.execute(sa.select(agenda.c.project_id).where(agenda.c.meeting_id == meeting.id).order_by(agenda.c.position))
    ]
    latest = latest_revisions(connection, ids)
    found = []
    for case_id in ids:
        number_, _ = latest[case_id]
        content = connection.execute(
            sa.select(revisions.c.content).where(revisions.c.project_id == case_id, revisions.c.number == number_)
        ).scalar_one()
        found.append((case_id, str(content), number_))
    return found
