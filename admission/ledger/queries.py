"""Reads that views, reports, the monitor and the web share: the only SQL outside the ledger's own
writes. Each function takes an open reading connection (``with ledger.reading() as connection``),
so a report's figures all come from one consistent snapshot.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

import sqlalchemy as sa

from admission.ledger.schema import agenda, decisions, events, meetings, projects, resolutions, revisions, yearly_results
from admission.vocabulary import PASSED

Connection = sa.Connection
Row = sa.Row[Any]
FINDING_STATUS_EVENT = "finding_status"
# Past this many ids a query reads every row and keeps the wanted ones: an IN list that long is
# slower than a scan, and SQLite refuses more than 32,766 parameters in one statement.
_MAX_IN = 500


def _only(query: sa.Select[Any], column: sa.ColumnElement[Any], ids: list[str] | None) -> sa.Select[Any]:
    return query.where(column.in_(ids)) if ids is not None and len(ids) <= _MAX_IN else query


def projects_by_id(connection: Connection, ids: Iterable[str] | None = None, district: str | None = None) -> dict[str, Row]:
    """Each project's current row (identity, milestones, land contract), by 案件编号, in id order."""
    wanted = None if ids is None else list(ids)
    query = _only(sa.select(projects).order_by(projects.c.id), projects.c.id, wanted)
    if district is not None:
        query = query.where(projects.c.district == district)
    keep = None if wanted is None else set(wanted)
    return {row.id: row for row in connection.execute(query) if keep is None or row.id in keep}


def latest_revisions(connection: Connection, ids: Iterable[str] | None = None) -> dict[str, tuple[int, str]]:
    """Each project's latest revision number and content digest."""
    wanted = None if ids is None else list(ids)
    newest = sa.select(revisions.c.project_id, sa.func.max(revisions.c.number).label("number")).group_by(revisions.c.project_id)
    newest_sub = _only(newest, revisions.c.project_id, wanted).subquery()
    query = sa.select(revisions.c.project_id, revisions.c.number, revisions.c.sha256).join(
        newest_sub, (revisions.c.project_id == newest_sub.c.project_id) & (revisions.c.number == newest_sub.c.number)
    )
    keep = None if wanted is None else set(wanted)
    return {row.project_id: (row.number, row.sha256) for row in connection.execute(query) if keep is None or row.project_id in keep}


def latest_decision(connection: Connection, case_id: str) -> tuple[int, str | None] | None:
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


def all_revisions(connection: Connection) -> list[Row]:
    """Every revision: project, number, canonical content and when it was recorded."""
    return list(connection.execute(sa.select(revisions.c.project_id, revisions.c.number, revisions.c.content, revisions.c.recorded_at)))


def revision_applications(connection: Connection, refs: dict[str, int]) -> dict[str, dict[str, Any]]:
    """The application (parsed canonical JSON) of the named revision of each project."""
    if not refs:
        return {}
    found = {}
    query = _only(sa.select(revisions.c.project_id, revisions.c.number, revisions.c.content), revisions.c.project_id, list(refs))
    for row in connection.execute(query):
        if refs.get(row.project_id) == row.number:
            found[row.project_id] = json.loads(row.content)
    return found


def decision_facts(connection: Connection) -> dict[tuple[str, int], tuple[str, str]]:
    """The verdict and rule-book version of each revision's latest decision."""
    made = sa.select(decisions.c.project_id, decisions.c.revision, decisions.c.verdict, decisions.c.rulebook_version)
    return {
        (row.project_id, row.revision): (row.verdict, row.rulebook_version) for row in connection.execute(made.order_by(decisions.c.id))
    }


def meetings_between(connection: Connection, first: date, last: date) -> list[Row]:
    """The meetings held from ``first`` to ``last`` (both included), in date and number order."""
    query = sa.select(meetings).where(meetings.c.held_on >= first, meetings.c.held_on <= last)
    return list(connection.execute(query.order_by(meetings.c.held_on, meetings.c.number)))


def recent_meetings(connection: Connection, limit: int) -> list[Row]:
    return list(connection.execute(sa.select(meetings).order_by(meetings.c.held_on.desc()).limit(limit)))


def resolutions_of(connection: Connection, meeting_ids: Iterable[int]) -> list[Row]:
    """The resolutions of these meetings, each with its meeting's date and number, in the order
    they were held and recorded."""
    wanted = list(meeting_ids)
    if not wanted:
        return []
    query = (
        sa.select(resolutions, meetings.c.held_on, meetings.c.number.label("meeting_number"))
        .join(meetings, meetings.c.id == resolutions.c.meeting_id)
        .where(resolutions.c.meeting_id.in_(wanted))
        .order_by(meetings.c.held_on, resolutions.c.id)
    )
    return list(connection.execute(query))


def latest_resolutions(connection: Connection) -> list[Row]:
    """Each project's latest resolution (its result, resolved revision and meeting date)."""
    latest = sa.select(resolutions.c.project_id, sa.func.max(resolutions.c.id).label("id")).group_by(resolutions.c.project_id).subquery()
    query = (
        sa.select(resolutions.c.project_id, resolutions.c.result, resolutions.c.revision, meetings.c.held_on)
        .join(latest, latest.c.id == resolutions.c.id)
        .join(meetings, meetings.c.id == resolutions.c.meeting_id)
    )
    return list(connection.execute(query))


def passed_revisions(connection: Connection, only: str | None = None) -> dict[str, int]:
    """The projects whose latest resolution passed them (通过, 有条件通过), with the revision it resolved."""
    return {
        row.project_id: row.revision for row in latest_resolutions(connection) if row.result in PASSED and only in (None, row.project_id)
    }


def yearly_figures(connection: Connection) -> dict[str, dict[int, Row]]:
    """Each project's recorded figures (税收, 固定资产投资, 产值) by year."""
    years: dict[str, dict[int, Row]] = defaultdict(dict)
    for row in connection.execute(sa.select(yearly_results)):
        years[row.project_id][row.year] = row
    return years


def finding_statuses(connection: Connection) -> dict[tuple[str, str, int | None], dict[str, Any]]:
    """The latest recorded status of each 履约 finding (by project, kind, year)."""
    found: dict[tuple[str, str, int | None], dict[str, Any]] = {}
    query = sa.select(events).where(events.c.kind == FINDING_STATUS_EVENT).order_by(events.c.seq)
    for row in connection.execute(query):
        detail = json.loads(row.detail)
        found[(row.project_id, detail["finding"], detail.get("year"))] = {
            "status": detail["status"], "reason": detail.get("reason"), "at": row.at, "by": row.actor,
        }  # fmt: skip
    return found


def meeting_held(connection: Connection, number: int, held_on: date) -> Row | None:
    """The meeting numbered ``number`` in ``held_on``'s year, when it was held that day."""
    meeting = connection.execute(sa.select(meetings).where(meetings.c.year == held_on.year, meetings.c.number == number)).first()
    return meeting if meeting is not None and meeting.held_on == held_on else None


def agenda_applications(connection: Connection, number: int, held_on: date) -> list[tuple[str, str, int]]:
    """(case id, canonical application JSON, revision) of each agenda item, latest revisions, in order."""
    meeting = meeting_held(connection, number, held_on)
    if meeting is None:
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
