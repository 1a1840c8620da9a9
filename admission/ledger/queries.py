"""Reads of the ledger as it is now, for its writes (the latest revision, an agenda) and the pages.

The reports and the monitor read ``history.state`` instead: the ledger as recorded by a time.
Each function takes an open reading connection (``with ledger.reading() as connection``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

import sqlalchemy as sa

from admission.ledger.schema import agenda, decisions, events, meetings, projects, revisions

Connection = sa.Connection
Row = sa.Row[Any]
# Past this many ids a query reads every row and keeps the wanted ones: an IN list that long is
# slower than a scan, and SQLite refuses more than 32,766 parameters in one statement.
MAX_IN_LIST = 500


def for_ids(query: sa.Select[Any], column: sa.ColumnElement[Any], ids: Iterable[str] | None) -> sa.Select[Any]:
    """The query limited to rows whose ``column`` is one of ``ids`` when they are few; the caller
    keeps the wanted rows either way."""
    wanted = None if ids is None else list(ids)
    return query.where(column.in_(wanted)) if wanted is not None and len(wanted) <= MAX_IN_LIST else query


def ledger_version(connection: Connection) -> int:
    """The number of the last event: every write records one, so it changes with every change."""
    return int(connection.execute(sa.select(sa.func.max(events.c.seq))).scalar() or 0)


def latest_revisions(connection: Connection, ids: Iterable[str] | None = None) -> dict[str, tuple[int, str]]:
    """Each project's latest revision number and content digest."""
    wanted = None if ids is None else list(ids)
    newest = sa.select(revisions.c.project_id, sa.func.max(revisions.c.number).label("number")).group_by(revisions.c.project_id)
    newest_sub = for_ids(newest, revisions.c.project_id, wanted).subquery()
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


def recent_meetings(connection: Connection, limit: int | None) -> list[Row]:
    """Meetings, the latest first (all of them without a limit)."""
    query = sa.select(meetings).order_by(meetings.c.held_on.desc(), meetings.c.number.desc())
    return list(connection.execute(query if limit is None else query.limit(limit)))


def project_district(connection: Connection, case_id: str) -> str | None:
    """The district a project is in now, or None when the ledger has no such project."""
    found = connection.execute(sa.select(projects.c.district).where(projects.c.id == case_id)).scalar_one_or_none()
    return None if found is None else str(found)


def revision_content(connection: Connection, case_id: str, number: int) -> str | None:
    """The canonical application JSON of one revision of a project, or None."""
    found = connection.execute(sa.select(revisions.c.content).where(revisions.c.project_id == case_id, revisions.c.number == number))
    content = found.scalar_one_or_none()
    return None if content is None else str(content)


def meeting_numbered(connection: Connection, year: int, number: int) -> Row | None:
    """The meeting numbered ``number`` in ``year`` (numbers restart every year)."""
    return connection.execute(sa.select(meetings).where(meetings.c.year == year, meetings.c.number == number)).first()


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
