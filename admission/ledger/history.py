"""The ledger as it was recorded by a given time: the one read that every report, the monitor and
the pages make (``state(connection, recorded_by=R)``).

Two times (ledger contract, version 2): a fact's **effective date** is when it is true in the
world (a meeting's date, a milestone's date, a status's date); its **recorded time** is when the
ledger learned it (the UTC time of its event). ``state`` answers "what did the ledger know at R"
(``--as-recorded R``); the reports then take the facts effective on or before their as-of date
from it. Without R it is the ledger as it is now.

How: revisions, decisions, resolutions and statuses are append-only records with their recorded
times, so they are filtered by it. A project's fields, a year's figures and an agenda are the
current rows with every change recorded after R undone, from the before-values the events keep
(each change is an event with before and after). A report issued on R and recomputed later
``--as-recorded R`` therefore reads exactly the facts it read then.

Resolutions: a project has at most one resolution in force per meeting, the latest recorded
(a correction replaces it, a withdrawal removes it).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cached_property
from typing import Any

import sqlalchemy as sa

from admission.dates import BEIJING, beijing_date
from admission.ledger.queries import for_ids
from admission.ledger.schema import (
    decisions,
    events,
    extensions,
    meetings,
    progress_notes,
    projects,
    resolutions,
    revisions,
    supervision_actions,
    supervision_items,
    supervision_rounds,
    targets,
    terminations,
    transfers,
    yearly_results,
)
from admission.vocabulary import CONTRACT_DATES, MILESTONES, PASSED

Connection = sa.Connection
FINDING_STATUS_EVENT = "finding_status"
DATE_FIELDS = frozenset([*(key for key, _ in (*MILESTONES, *CONTRACT_DATES)), "contract_signed_on"])
# Events whose changes to a current row are undone to see the ledger as recorded earlier.
_UNDONE = ("project_added", "project_updated", "project_corrected", "project_transferred", "application_added", "application_revised",
           "results_recorded", "results_updated", "results_corrected", "agenda_set", "meeting_added")  # fmt: skip
_FIELD_CHANGES = ("project_updated", "project_corrected", "project_transferred", "application_added", "application_revised")


class Record(dict[str, Any]):
    """A row of the snapshot: a dict whose keys are also attributes (``project.district``).

    The dict is its own ``__dict__``, so an attribute is read by the interpreter's own instance
    lookup: a ``__getattr__`` method cost a Python call per read (1.9 million reads, half a second,
    in one 50,000-project report). A key that shadows a dict method (``items``) is read as a key."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.__dict__ = self

    # The dict methods that json, pickle and copy call by name, as data descriptors: those come
    # before the instance dict in attribute lookup, so a key of that name (a 督办 round's
    # "items") cannot hide them. ``record["items"]`` is the key.
    items = property(dict.items.__get__)
    keys = property(dict.keys.__get__)
    values = property(dict.values.__get__)

    def __reduce__(self) -> tuple[type[Record], tuple[dict[str, Any]]]:
        """Pickled and copied as the dict it is, made again through ``__init__`` (its own ``__dict__``)."""
        return Record, (dict(self),)

    def __getattr__(self, name: str) -> Any:  # only for mypy: instance lookup answers first
        raise AttributeError(name)


@dataclass
class Snapshot:
    """The ledger as recorded by ``recorded_by`` (None: now)."""

    connection: Connection
    recorded_by: str | None
    projects: dict[str, Record] = field(default_factory=dict)
    only: str | None = None  # the one project read (``ledger show``), else None
    meetings: dict[int, Record] = field(default_factory=dict)
    resolutions: list[Record] = field(default_factory=list)
    yearly: dict[str, dict[int, Record]] = field(default_factory=dict)
    # Every status recorded for each finding (by project, kind, year), in recorded order; each
    # with its effective date ("on"), and for a payment its amount and receipt.
    statuses: dict[tuple[str, str, int | None], list[dict[str, Any]]] = field(default_factory=dict)
    later_changes: list[Record] = field(default_factory=list)  # events recorded after R (or none)
    transfers: dict[str, list[Record]] = field(default_factory=dict)  # by project, in effective order
    terminations: dict[str, Record] = field(default_factory=dict)
    extensions: dict[str, list[Record]] = field(default_factory=dict)  # by project, in recorded order
    # Supervision: the targets in force (the latest recorded per year, region and indicator), each
    # project's progress notes (by 填报日期, then recorded order), and every 督办 round with its
    # items, each item with its replies and closing (``actions``), all as recorded by R.
    targets: list[Record] = field(default_factory=list)
    notes: dict[str, list[Record]] = field(default_factory=dict)
    rounds: list[Record] = field(default_factory=list)

    @cached_property
    def revisions(self) -> list[Record]:
        """Every revision as recorded, by project and number: its columns, not its content (the
        application's JSON, read only where a figure needs it). Read when first asked for."""
        return self._revision_rows(None if self.only is None else [self.only])

    def _revision_rows(self, ids: Collection[str] | None) -> list[Record]:
        listed = sa.select(revisions.c.project_id, revisions.c.number, revisions.c.recorded_at, revisions.c.source, revisions.c.recorded_by,
                           revisions.c.sha256, revisions.c.effective_on).order_by(revisions.c.project_id, revisions.c.number)  # fmt: skip
        listed = for_ids(listed, revisions.c.project_id, ids)
        known = _recorded(self.recorded_by)
        return [row for row in _records(self.connection.execute(listed)) if known(row.recorded_at)]

    @cached_property
    def decisions(self) -> dict[tuple[str, int], tuple[str, str]]:
        """Each (project, revision)'s latest decision as recorded: its verdict and rule-book version.
        Read when first asked for (the targets and the annual report never ask), and only these
        columns: a decision's JSON is most of the ledger's bytes."""
        decided = sa.select(decisions.c.project_id, decisions.c.revision, decisions.c.made_at, decisions.c.verdict,
                            decisions.c.rulebook_version).order_by(decisions.c.id)  # fmt: skip
        if self.only is not None:
            decided = decided.where(decisions.c.project_id == self.only)
        known = _recorded(self.recorded_by)
        return {(row.project_id, row.revision): (row.verdict, row.rulebook_version)
                for row in self.connection.execute(decided) if known(row.made_at)}  # fmt: skip

    # --- reads the reports and the monitor share ------------------------------------------------

    def extensions_by(self, project_id: str, on: date | None) -> tuple[tuple[str, date], ...]:
        """The project's approved extensions in force by ``on`` (approved by then; without an
        approval date, recorded by then), in the order approved: (开工 | 竣工 | 达产, the new date)."""
        return tuple((e.step, e.to_date) for e in self.extensions.get(project_id, [])
                     if on is None or (e.approved_on or beijing_date(e.recorded_at)) <= on)  # fmt: skip

    def latest_note(self, project_id: str, day: date) -> Record | None:
        """The project's progress note in force on ``day``: the latest whose 填报日期 is by then."""
        found = [n for n in self.notes.get(project_id, []) if n.noted_on <= day]
        return found[-1] if found else None

    def district_on(self, project_id: str, day: date) -> str:
        """The district a project counts in on ``day``: the one a transfer (流转) effective by then
        moved it to, the one the first transfer moved it from before that, else its own."""
        moves = self.transfers.get(project_id, [])
        if not moves:
            return str(self.projects[project_id].district)
        if day < moves[0].effective_on:
            return str(moves[0].from_district)
        return str([m for m in moves if m.effective_on <= day][-1].to_district)

    def _identities_on(self, day: date) -> dict[str, dict[str, Any]]:
        """Identity as of ``day`` where it differs from the current one: from the latest revision
        effective by then, when a later revision (effective after ``day``) changed it."""
        if "revisions" in self.__dict__:
            candidates = self.revisions
        else:  # only the projects with a revision not in force by then can differ: usually none
            later = sa.select(revisions.c.project_id).distinct()
            later = later.where(sa.or_(revisions.c.effective_on.is_(None), revisions.c.effective_on > day))
            if self.recorded_by is not None:
                later = later.where(revisions.c.recorded_at <= self.recorded_by)
            if self.only is not None:
                later = later.where(revisions.c.project_id == self.only)
            changed = {row.project_id for row in self.connection.execute(later)}
            candidates = [r for r in self._revision_rows(changed) if r.project_id in changed] if changed else []
        latest: dict[str, Record] = {}
        in_force: dict[str, Record] = {}
        for revision in candidates:
            latest[revision.project_id] = revision
            if revision.effective_on is not None and revision.effective_on <= day:
                in_force[revision.project_id] = revision
        older = {pid: r.number for pid, r in in_force.items() if latest[pid].number != r.number}
        return {pid: identity_of(application) for pid, application in self.revision_applications(older).items()}

    def terminated_by(self, project_id: str, day: date) -> bool:
        ended = self.terminations.get(project_id)
        return ended is not None and ended.effective_on <= day

    def projects_by_id(self, ids: Iterable[str] | None = None, district: str | None = None, on: date | None = None) -> dict[str, Record]:
        """Each project as recorded (identity, milestones, land contract), by 案件编号, in id order;
        ``on`` a date, each counted in the district in force that day (transfers honoured)."""
        keep = None if ids is None else set(ids)
        earlier = self._identities_on(on) if on is not None else {}
        found = {}
        for pid, row in sorted(self.projects.items()):
            if keep is not None and pid not in keep:
                continue
            if pid in earlier:
                row = Record({**row, **earlier[pid]})
            if on is not None and pid in self.transfers:
                row = Record({**row, "district": self.district_on(pid, on)})
            if district is None or row.district == district:
                found[pid] = row
        return found

    def meetings_between(self, first: date, last: date) -> list[Record]:
        held = [m for m in self.meetings.values() if first <= m.held_on <= last]
        return sorted(held, key=lambda m: (m.held_on, m.number))

    def resolutions_of(self, meeting_ids: Iterable[int]) -> list[Record]:
        """The resolutions in force at these meetings, in the order held and recorded."""
        wanted = set(meeting_ids)
        return [r for r in self.resolutions if r.meeting_id in wanted]

    def latest_resolutions(self, on: date | None = None) -> list[Record]:
        """Each project's latest resolution in force (by meeting date, then recorded order), of the
        meetings held by ``on`` when given."""
        latest: dict[str, Record] = {}
        for resolution in self.resolutions:
            if on is None or resolution.held_on <= on:
                latest[resolution.project_id] = resolution
        return list(latest.values())

    def passed_revisions(self, only: str | None = None, on: date | None = None) -> dict[str, int]:
        """The projects whose latest resolution (at a meeting by ``on``) passed them, with the revision it bound to."""
        return {r.project_id: r.revision for r in self.latest_resolutions(on) if r.result in PASSED and only in (None, r.project_id)}

    def revision_applications(self, refs: dict[str, int]) -> dict[str, dict[str, Any]]:
        """The application (parsed canonical JSON) of the named revision of each project."""
        if not refs:
            return {}
        query = sa.select(revisions.c.project_id, revisions.c.number, revisions.c.content)
        query = for_ids(query, revisions.c.project_id, refs)
        return {row.project_id: json.loads(row.content) for row in self.connection.execute(query) if refs.get(row.project_id) == row.number}

    def revision_figures(self, refs: dict[str, int], numbers: Sequence[str], texts: Sequence[str] = ()) -> dict[str, dict[str, Any]]:
        """Named fields (dotted paths such as ``investment.total_wan``) of the named revision of each
        project, picked out by the database's own JSON functions: no application is parsed here
        (parsing 50,000 of them was a third of a 50,000-project report). A number comes back as
        the Decimal that parsing the application gives, a text as str, an absent field as None."""
        if not refs:
            return {}
        paths = [*numbers, *texts]
        query = _figures_query(self.connection, refs, paths, numbers)
        found = {}
        for row in self.connection.execute(query):
            if refs.get(row.project_id) == row.number:
                values = row[2:]
                found[row.project_id] = {
                    path: (_written_number(value) if path in numbers else value) if value is not None else None
                    for path, value in zip(paths, values, strict=True)
                }
        return found

    def revision_contents(self) -> list[Record]:
        """Every revision as recorded (the one project's, for a snapshot of one), with its canonical content."""
        known = {(r.project_id, r.number) for r in self.revisions}
        query = sa.select(revisions.c.project_id, revisions.c.number, revisions.c.content, revisions.c.recorded_at)
        if self.only is not None:  # a project page read every revision's content: 0.1 s at 50,000 projects
            query = query.where(revisions.c.project_id == self.only)
        return [Record(row._mapping) for row in self.connection.execute(query) if (row.project_id, row.number) in known]

    @cached_property
    def latest_revision(self) -> dict[str, int]:
        """Each project's latest revision number (as recorded)."""
        latest: dict[str, int] = {}
        for revision in self.revisions:
            latest[revision.project_id] = max(revision.number, latest.get(revision.project_id, 0))
        return latest

    def verdict(self, project_id: str) -> str | None:
        """The verdict of the project's latest decision on its latest revision (as recorded)."""
        number = self.latest_revision.get(project_id)
        return self.decisions.get((project_id, number), (None, ""))[0] if number is not None else None

    def corrections_after(self, day: date) -> int:
        """How many corrections of facts effective by ``day`` were recorded after it (期后更正): a
        resolution of a meeting by then corrected or withdrawn, a date or figure of then corrected,
        a transfer effective by then recorded later; as recorded by R, only those known at R (so a
        report recomputed ``--as-recorded`` says what it said when issued)."""
        end = datetime.combine(day, datetime.max.time(), BEIJING).astimezone(UTC).isoformat(timespec="microseconds")
        kinds = ("resolution_corrected", "project_corrected", "results_corrected", "project_transferred")
        query = sa.select(events.c.kind, events.c.detail).where(events.c.at > end, events.c.kind.in_(kinds))
        if self.recorded_by is not None:
            query = query.where(events.c.at <= self.recorded_by)
        held = {f"{m.year}-{m.number}": m.held_on for m in self.meetings.values()}
        count = 0
        for row in self.connection.execute(query):
            detail = json.loads(row.detail)
            if row.kind == "resolution_corrected":
                count += held.get(detail["meeting"], date.max) <= day
            elif row.kind == "results_corrected":
                count += detail["year"] <= day.year
            elif row.kind == "project_transferred":
                count += date.fromisoformat(detail["on"]) <= day
            else:
                values = [v for change in detail["changes"].values() for v in (change["before"], change["after"]) if v]
                count += any(str(v) <= day.isoformat() for v in values if len(str(v)) == 10) or not values
        return count


def _figures_query(connection: Connection, refs: dict[str, int], paths: list[str], numbers: Sequence[str]) -> sa.Select[Any]:
    """project_id, number and each path's text, of the revisions named (and, on SQLite when they
    are most of them, of the others too: the caller keeps the named ones).

    SQLite: ``->`` keeps a number as written (``->>`` would give a float), ``->>`` gives a text.
    PostgreSQL: ``#>>`` gives both as written; each content is parsed as JSONB once (behind
    ``OFFSET 0``, which keeps the planner from repeating the cast for every path: 1.19 s against
    0.29 s for six paths of 50,000 revisions), and only the named revisions are (two arrays)."""
    if connection.dialect.name != "postgresql":
        fields = [revisions.c.content.op("->" if path in numbers else "->>", return_type=sa.Text)("$." + path) for path in paths]
        query = sa.select(revisions.c.project_id, revisions.c.number, *(f.label(f"f{i}") for i, f in enumerate(fields)))
        # A few of the revisions: joined on the primary key from one JSON parameter ([[id, number],
        # …]), so no field is picked out of a revision nobody asked for (8,889 of 50,000: 0.10 s
        # against 0.26 s). Most of them: a scan is faster (44,444 of 50,000: 0.27 s against 0.45 s);
        # the caller keeps the named ones.
        stored = connection.execute(sa.select(sa.func.count()).select_from(revisions)).scalar_one()
        if len(refs) * 3 >= stored:
            return for_ids(query, revisions.c.project_id, refs)
        pairs = json.dumps([[pid, number] for pid, number in refs.items()])
        listed = sa.func.json_each(sa.bindparam("pairs", pairs, type_=sa.Text)).table_valued("value").alias("named")
        on = sa.and_(revisions.c.project_id == sa.func.json_extract(listed.c.value, "$[0]"),
                     revisions.c.number == sa.func.json_extract(listed.c.value, "$[1]"))  # fmt: skip
        return query.select_from(listed.join(revisions, on))
    from sqlalchemy.dialects.postgresql import ARRAY, JSONB

    named = sa.select(sa.func.unnest(sa.bindparam("ids", list(refs), type_=ARRAY(sa.Text))),
                      sa.func.unnest(sa.bindparam("numbers", list(refs.values()), type_=ARRAY(sa.Integer))))  # fmt: skip
    parsed = (
        sa.select(revisions.c.project_id, revisions.c.number, sa.cast(revisions.c.content, JSONB).label("doc"))
        .where(sa.tuple_(revisions.c.project_id, revisions.c.number).in_(named))
        .offset(0)
        .subquery()
    )
    fields = [parsed.c.doc.op("#>>", return_type=sa.Text)("{" + ",".join(path.split(".")) + "}") for path in paths]
    return sa.select(parsed.c.project_id, parsed.c.number, *(f.label(f"f{i}") for i, f in enumerate(fields)))


def _written_number(text: str) -> Decimal:
    """A number of the canonical JSON as parsing the application gives it (an integer exactly, a
    fraction through its float: ``1234.50`` is 1234.5), so the figures, and the documents that
    show them, stay those the reports gave before they read fields in SQL."""
    return Decimal(text) if text.lstrip("-").isdigit() else Decimal(repr(float(text)))


def identity_of(application: dict[str, Any]) -> dict[str, Any]:
    """A project's identity fields as a revision's application gives them."""
    industry, investment = application.get("industry", {}), application.get("investment", {})
    return {"name": application.get("name"), "district": application.get("district"), "type": application.get("type"),
            "industry_code": industry.get("code"), "chain": industry.get("chain"),
            "total_investment": str(investment.get("total_wan")) if investment.get("total_wan") is not None else None}  # fmt: skip


def state(connection: Connection, recorded_by: str | None = None, only: str | None = None) -> Snapshot:
    """The ledger as recorded by ``recorded_by`` (an instant from ``dates.recorded_bound``; None:
    now); ``only`` limits it to one project (``ledger show``), which reads just that project's rows."""
    snapshot = Snapshot(connection, recorded_by, only=only)
    known = _recorded(recorded_by)

    def of(table: sa.Table, column: str = "project_id") -> sa.Select[Any]:
        query = sa.select(table)
        return query.where(table.c[column] == only) if only is not None else query

    snapshot.projects = {row["id"]: row for row in _records(connection.execute(of(projects, "id")))}
    snapshot.meetings = {row.id: Record(row._mapping) for row in connection.execute(sa.select(meetings))}
    snapshot.yearly = defaultdict(dict)
    for row in connection.execute(of(yearly_results)):
        snapshot.yearly[row.project_id][row.year] = Record(row._mapping)
    if recorded_by is not None:
        _undo_later_changes(snapshot, recorded_by, only)
    snapshot.resolutions = _resolutions_in_force(connection, snapshot, known, only)
    for row in connection.execute(of(transfers).order_by(transfers.c.effective_on, transfers.c.id)):
        if known(row.recorded_at):
            snapshot.transfers.setdefault(row.project_id, []).append(Record(row._mapping))
    for row in connection.execute(of(extensions).order_by(extensions.c.id)):
        if known(row.recorded_at):
            snapshot.extensions.setdefault(row.project_id, []).append(Record(row._mapping))
    for row in connection.execute(of(terminations)):
        if known(row.recorded_at):
            snapshot.terminations[row.project_id] = Record(row._mapping)

    snapshot.statuses = _statuses(connection, known, only)
    _supervision(snapshot, known, only)
    return snapshot


def _supervision(snapshot: Snapshot, known: Any, only: str | None) -> None:
    """Targets, notes and 督办 rounds as recorded by R (append-only records: filtered, never undone)."""
    connection = snapshot.connection
    in_force: dict[tuple[int, str, str], Record] = {}
    if only is None:
        for row in connection.execute(sa.select(targets).order_by(targets.c.id)):
            if known(row.recorded_at):
                in_force[(row.year, row.region, row.indicator)] = Record(row._mapping)
    snapshot.targets = [t for t in in_force.values() if not t.withdrawn]
    query = sa.select(progress_notes).order_by(progress_notes.c.noted_on, progress_notes.c.id)
    for row in connection.execute(query if only is None else query.where(progress_notes.c.project_id == only)):
        if known(row.recorded_at):
            snapshot.notes.setdefault(row.project_id, []).append(Record(row._mapping))
    rounds = {
        row.id: Record({**row._mapping, "items": []}) for row in connection.execute(sa.select(supervision_rounds)) if known(row.recorded_at)
    }
    items: dict[tuple[int, int], Record] = {}
    item_query = sa.select(supervision_items).order_by(supervision_items.c.round_id, supervision_items.c.position)
    for row in connection.execute(item_query if only is None else item_query.where(supervision_items.c.project_id == only)):
        if row.round_id in rounds:
            items[(row.round_id, row.position)] = item = Record({**row._mapping, "actions": []})
            rounds[row.round_id]["items"].append(item)
    for row in connection.execute(sa.select(supervision_actions).order_by(supervision_actions.c.id)):
        if known(row.recorded_at) and (row.round_id, row.position) in items:
            items[(row.round_id, row.position)]["actions"].append(Record(row._mapping))
    snapshot.rounds = sorted((r for r in rounds.values() if r["items"]), key=lambda r: (r.issued_on, r.id))


def _records(result: sa.CursorResult[Any]) -> Iterator[Record]:
    """Each row as a Record (a dict built from the column names once: far cheaper than a mapping
    per row), made without calling ``Record.__init__``: a Python call per row was a sixth of it."""
    keys = list(result.keys())
    new, fill = dict.__new__, dict.update
    for row in result:
        record = new(Record)
        fill(record, zip(keys, row, strict=True))
        record.__dict__ = record
        yield record


def _recorded(bound: str | None) -> Any:
    return (lambda at: True) if bound is None else (lambda at: at <= bound)


def _value(key: str, value: Any) -> Any:
    """A field's value as an event keeps it (ISO dates, decimal text), as the table holds it."""
    return date.fromisoformat(value) if key in DATE_FIELDS and isinstance(value, str) else value


def _undo_later_changes(snapshot: Snapshot, bound: str, only: str | None) -> None:
    later = sa.select(events).where(events.c.at > bound, events.c.kind.in_(_UNDONE)).order_by(events.c.seq.desc())
    if only is not None:
        later = later.where(sa.or_(events.c.project_id == only, events.c.project_id.is_(None)))
    snapshot.later_changes = [Record(row._mapping) for row in snapshot.connection.execute(later)]
    removed_meetings: set[tuple[int, int]] = set()
    for event in snapshot.later_changes:
        detail = json.loads(event.detail)
        project = snapshot.projects.get(event.project_id or "")
        creating = event.kind == "project_added" or (event.kind == "application_added" and "changes" not in detail)
        if creating and not _existed_before(snapshot, event):
            snapshot.projects.pop(event.project_id or "", None)
            continue
        changes = detail.get("changes", detail) if event.kind != "project_added" else {}
        if project is not None and event.kind in _FIELD_CHANGES:
            for key, change in changes.items():
                if isinstance(change, dict) and "before" in change and key in project:
                    project[key] = _value(key, change["before"])
        elif event.kind == "results_recorded":
            snapshot.yearly.get(event.project_id or "", {}).pop(detail["year"], None)
        elif event.kind in ("results_updated", "results_corrected"):
            year = snapshot.yearly.get(event.project_id or "", {}).get(detail["year"])
            for key, change in detail.get("changes", detail).items():
                if year is not None and isinstance(change, dict) and "before" in change:
                    year[key] = change["before"]
        elif event.kind == "meeting_added":
            removed_meetings.add((detail["year"], detail["number"]))
    snapshot.meetings = {mid: m for mid, m in snapshot.meetings.items() if (m.year, m.number) not in removed_meetings}


def _existed_before(snapshot: Snapshot, event: Record) -> bool:
    """Whether the project was already in the ledger before this event (made by an earlier one)."""
    earlier = sa.select(sa.func.count()).where(
        events.c.project_id == event.project_id, events.c.seq < event.seq, events.c.kind.in_(("project_added", "application_added"))
    )
    return bool(snapshot.connection.execute(earlier).scalar_one())


def _resolutions_in_force(connection: Connection, snapshot: Snapshot, known: Any, only: str | None) -> list[Record]:
    """The latest recorded resolution of each project at each meeting, in meeting order."""
    query = sa.select(resolutions).order_by(resolutions.c.id)
    if only is not None:
        query = query.where(resolutions.c.project_id == only)
    latest: dict[tuple[int, str], Record] = {}
    for row in _records(connection.execute(query)):
        meeting = snapshot.meetings.get(row["meeting_id"])
        if meeting is not None and known(row["recorded_at"]):
            row.update(held_on=meeting["held_on"], meeting_number=meeting["number"], year=meeting["year"])
            latest[(row["meeting_id"], row["project_id"])] = row
    in_force = [r for r in latest.values() if not r.get("withdrawn")]
    return sorted(in_force, key=lambda r: (r.held_on, r.id))


def _statuses(connection: Connection, known: Any, only: str | None = None) -> dict[tuple[str, str, int | None], list[dict[str, Any]]]:
    found: dict[tuple[str, str, int | None], list[dict[str, Any]]] = {}
    query = sa.select(events).where(events.c.kind == FINDING_STATUS_EVENT).order_by(events.c.seq)
    if only is not None:
        query = query.where(events.c.project_id == only)
    for row in connection.execute(query):
        if not known(row.at):
            continue
        detail = json.loads(row.detail)
        found.setdefault((row.project_id, detail["finding"], detail.get("year")), []).append({
            "status": detail["status"], "reason": detail.get("reason"), "at": row.at, "by": row.actor,
            "on": detail.get("on") or beijing_date(row.at).isoformat(), "amount_wan": detail.get("amount"),
            "receipt": detail.get("receipt"),
        })  # fmt: skip
    return found
