"""Projects to chase (督办) and their lights, and the 督办 rounds with their replies (supervision
contract, section 2), read from one snapshot as of D.

Each passed, not terminated project is checked item by item (未签约 … 未投产): an item has a due
date from its anchor and the rule book's months (calendar months), and is overdue from the day
after it while its milestone is not recorded by D. Its light is yellow while D is at most
``red_after_months`` after the due date, red beyond, and red too when two 督办 rounds chased it
without its being closed, or a round's reply deadline passed without a reply. A project's light
is its worst item's (green: nothing overdue).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from admission.dates import add_months
from admission.ledger.history import Record, Snapshot
from admission.monitoring.findings import EffectiveDates
from admission.rules.rulebook import Deadlines, MonitoringTerms, Rulebook
from admission.supervision.measures import GREEN, LIGHT_ORDER, RED, YELLOW
from admission.vocabulary import CHASE_ITEMS, LIGHTS, NEW_LAND, NOTE_FIELDS, PASSED

REPLIED, CLOSED, AWAITING, LATE = "replied", "closed", "awaiting", "late"
ROUND_ITEM_STATES = {AWAITING: "待反馈", REPLIED: "已反馈", LATE: "逾期未反馈", CLOSED: "已办结"}


def _by(day: date | None, as_of: date) -> date | None:
    return day if day is not None and day <= as_of else None


def due_dates(project: Record, meeting: date, deadlines: Deadlines, listing_months: int, moved: EffectiveDates,
              as_of: date) -> dict[str, date | None]:  # fmt: skip
    """Each chase item's due date for one project (None: its anchor is not reached by ``as_of``)."""
    new_land = project.land_source == NEW_LAND
    signed, listed = _by(project.signed_on, as_of), _by(project.listed_on, as_of)
    supplied, delivered = _by(project.supplied_on, as_of), _by(project.delivered_on, as_of)
    completed = _by(project.completed_on, as_of)
    undelivered = project.agreed_delivery_on or (add_months(supplied, deadlines.undelivered) if supplied else None)
    return {
        "unsigned": add_months(meeting, deadlines.unsigned),
        "unregistered": add_months(signed, deadlines.unregistered) if signed else None,
        "unlisted": add_months(meeting, listing_months) if new_land else None,
        "unsupplied": add_months(listed, deadlines.unsupplied) if new_land and listed else None,
        "undelivered": undelivered if new_land else None,
        "unstarted": moved.start or (add_months(delivered, deadlines.unstarted) if delivered else None),
        "uncompleted": moved.completion,
        "not_in_production": add_months(completed, deadlines.not_in_production) if completed else None,
    }


@dataclass(frozen=True)
class RoundState:
    """What the 督办 rounds say of one item of one project as of D."""

    rounds: list[int]  # the rounds that listed it, in the order issued
    open_rounds: int  # of them, not closed (办结) by D
    unanswered: bool  # a round's reply deadline passed by D with no reply


def item_light(due: date, as_of: date, red_after_months: int, state: RoundState) -> str:
    """An overdue item's light (see the module docstring)."""
    if as_of > add_months(due, red_after_months) or state.open_rounds >= 2 or state.unanswered:
        return RED
    return YELLOW


def _round_items(snapshot: Snapshot) -> dict[tuple[str, str], list[tuple[Record, Record]]]:
    found: dict[tuple[str, str], list[tuple[Record, Record]]] = {}
    for notice in snapshot.rounds:
        for item in notice["items"]:
            found.setdefault((item.project_id, item.item), []).append((notice, item))
    return found


def item_state(notice: Record, item: Record, project: Record | None, as_of: date) -> str:
    """A round's item as of D: 已办结 (closed, or its milestone recorded by D), 已反馈, 逾期未反馈 or 待反馈."""
    if notice.issued_on > as_of:
        return AWAITING
    actions = [a for a in item["actions"] if a.acted_on <= as_of]
    milestone = CHASE_ITEMS[item.item][1]
    if any(a.kind == "close" for a in actions) or (project is not None and _by(project[milestone], as_of) is not None):
        return CLOSED
    if any(a.kind == "reply" for a in actions):
        return REPLIED
    return LATE if as_of > notice.reply_due else AWAITING


def _state(pairs: list[tuple[Record, Record]], project: Record, as_of: date) -> RoundState:
    issued = [(n, i) for n, i in pairs if n.issued_on <= as_of]
    states = [item_state(n, i, project, as_of) for n, i in issued]
    return RoundState([int(n.id) for n, _ in issued], sum(1 for s in states if s != CLOSED), any(s == LATE for s in states))


def _note(snapshot: Snapshot, project_id: str, as_of: date) -> dict[str, Any] | None:
    note = snapshot.latest_note(project_id, as_of)
    if note is None:
        return None
    return {"on": note.noted_on.isoformat(), **{key: note[key] for key, _ in NOTE_FIELDS}}


def chase(snapshot: Snapshot, rulebook: Rulebook, as_of: date, district: str | None = None) -> dict[str, Any]:
    """``admit supervise list --json``: every passed, not terminated project with something overdue
    as of ``as_of`` (its light and items, the latest progress note), the counts of all chased
    projects by light, and every 督办 round with an item still open."""
    terms = rulebook.version_on(as_of).supervision
    versions = {key: version for key, (_, version) in snapshot.decisions.items()}
    passing = {r.project_id: r for r in snapshot.latest_resolutions(as_of) if r.result in PASSED}
    rows = snapshot.projects_by_id(passing, district, as_of)
    rounds = _round_items(snapshot)
    projects, counts = [], {GREEN: 0, YELLOW: 0, RED: 0}
    for project_id, project in rows.items():
        if snapshot.terminated_by(project_id, as_of):
            continue
        resolution = passing[project_id]
        version = rulebook.version(versions.get((project_id, resolution.revision), ""))
        listing = (version.monitoring if version else MonitoringTerms()).listing_due_months
        agreed = (project.agreed_start_on, project.agreed_completion_on, project.agreed_full_production_on)
        moved = EffectiveDates.moved(project.agreed_delivery_on, agreed, snapshot.extensions_by(project_id, as_of),
                                     _by(project.delivered_on, as_of), as_of)  # fmt: skip
        items: list[dict[str, Any]] = []
        for code, due in due_dates(project, resolution.held_on, terms.deadlines, listing, moved, as_of).items():
            if due is None or as_of <= due or _by(project[CHASE_ITEMS[code][1]], as_of) is not None:
                continue
            state = _state(rounds.get((project_id, code), []), project, as_of)
            since = due + timedelta(days=1)
            items.append({"item": code, "label": CHASE_ITEMS[code][0], "due": due.isoformat(), "since": since.isoformat(),
                          "overdue_days": (as_of - due).days, "light": item_light(due, as_of, terms.red_after_months, state),
                          "rounds": state.rounds})  # fmt: skip
        worst: str = max((str(i["light"]) for i in items), key=LIGHT_ORDER.__getitem__, default=GREEN)
        counts[worst] += 1
        if items:
            projects.append({"project": project_id, "name": project.name, "district": project.district, "light": worst,
                             "light_label": LIGHTS[worst], "meeting_date": resolution.held_on.isoformat(), "items": items,
                             "note": _note(snapshot, project_id, as_of)})  # fmt: skip
    order = rulebook.districts
    rank = {name: index for index, name in enumerate(order)}
    projects.sort(key=lambda p: (-LIGHT_ORDER[p["light"]], rank.get(p["district"], len(order)), p["project"]))
    return {"as_of": as_of.isoformat(), "district": district, "counts": counts, "projects": projects,
            "rounds": open_rounds(snapshot, as_of, district)}  # fmt: skip


def open_rounds(snapshot: Snapshot, as_of: date, district: str | None = None) -> list[dict[str, Any]]:
    """Every 督办 round issued by ``as_of`` (of ``district``) with at least one item not closed."""
    found = []
    for notice in snapshot.rounds:
        if notice.issued_on > as_of or (district is not None and notice.district != district):
            continue
        listed = [round_item(snapshot, notice, item, as_of) for item in notice["items"]]
        if any(i["state"] != CLOSED for i in listed):
            found.append({"notice": int(notice.id), "number": notice.number, "issued_on": notice.issued_on.isoformat(),
                          "district": notice.district, "reply_due": notice.reply_due.isoformat(), "items": listed})  # fmt: skip
    return found


def round_item(snapshot: Snapshot, notice: Record, item: Record, as_of: date) -> dict[str, Any]:
    project = snapshot.projects.get(item.project_id)
    state = item_state(notice, item, project, as_of)
    return {"position": int(item.position), "project": item.project_id, "name": project.name if project else "",
            "item": item.item, "label": CHASE_ITEMS[item.item][0], "due": item.due_on.isoformat(), "light": item.light,
            "state": state, "state_label": ROUND_ITEM_STATES[state],
            "actions": [{"kind": a.kind, "on": a.acted_on.isoformat(), "text": a.text}
                        for a in item["actions"] if a.acted_on <= as_of]}  # fmt: skip
