"""The monthly report (月通报): what happened in a month, by district, and whom to chase at its end.

- applications received in the month (by 受理日期, else the day recorded) and their verdicts;
- meetings held in the month and their resolutions (deviations marked);
- milestones reached in the month (签约 … 达产), by district;
- to chase as of the month's last day: every finding of the 履约 monitor, and every passed
  新增供地 project still not 挂网 ``listing_due_months`` (rule-book data, default 6) after its meeting.
"""

from __future__ import annotations

import calendar
import json
import re
from datetime import date
from typing import Any

from admission.dates import add_months
from admission.ledger.history import Record, Snapshot
from admission.monitoring.ledger import monitor
from admission.rules.rulebook import MonitoringTerms, Rulebook
from admission.vocabulary import MILESTONES, NEW_LAND, PASSED, VERDICTS

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(text: str) -> tuple[int, int] | None:
    """``YYYY-MM`` exactly, a real month; None otherwise."""
    found = _MONTH.match(text)
    if not found:
        return None
    year, month = int(found.group(1)), int(found.group(2))
    return (year, month) if 1990 <= year <= 9999 and 1 <= month <= 12 else None


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def monthly(snapshot: Snapshot, rulebook: Rulebook, year: int, month: int, district: str | None) -> dict[str, Any]:
    first, last = date(year, month, 1), month_end(year, month)
    rows = snapshot.projects_by_id(on=last)

    def wanted(project_id: str) -> bool:
        row = rows.get(project_id)
        return row is not None and (district is None or row.district == district)

    received = []
    facts = snapshot.decisions
    latest_verdict = {key: verdict for key, (verdict, _) in facts.items()}
    for row in snapshot.revision_contents():
        submitted = json.loads(row.content).get("submitted_on") or row.recorded_at[:10]
        day = date.fromisoformat(submitted)
        if first <= day <= last and wanted(row.project_id):
            verdict = latest_verdict.get((row.project_id, row.number))
            received.append({"project": row.project_id, "name": rows[row.project_id].name, "district": rows[row.project_id].district,
                             "revision": row.number, "date": day.isoformat(), "verdict": verdict,
                             "verdict_label": VERDICTS.get(verdict or "", "")})  # fmt: skip
    held = snapshot.meetings_between(first, last)
    by_meeting: dict[int, list[Record]] = {}
    for resolution in snapshot.resolutions_of([m.id for m in held]):
        by_meeting.setdefault(resolution.meeting_id, []).append(resolution)
    meeting_list = []
    for meeting in held:
        decided = [
            {"project": r.project_id, "name": rows[r.project_id].name, "district": rows[r.project_id].district, "result": r.result,
             "conditions": r.conditions, "verdict": r.verdict, "deviation": bool(r.deviation)}
            for r in by_meeting.get(meeting.id, [])
            if wanted(r.project_id)
        ]  # fmt: skip
        meeting_list.append({"number": meeting.number, "date": meeting.held_on.isoformat(), "resolutions": decided})
    districts = [district] if district else list(rulebook.districts)

    def order(item: dict[str, Any]) -> tuple[int, str]:
        """By district in the rule book's order (as the office lists them), then by project."""
        known = rulebook.districts
        return (known.index(item["district"]) if item["district"] in known else len(known)), item["project"]

    milestones = []
    for name in districts:
        counts = {
            label.removesuffix("日期"): sum(1 for r in rows.values() if r.district == name and _within(getattr(r, key), first, last))
            for key, label in MILESTONES
        }
        milestones.append({"district": name, **counts})
    return {
        "month": f"{year:04d}-{month:02d}",
        "later_corrections": snapshot.corrections_after(last),
        "as_of": last.isoformat(),
        "district": district,
        "applications": {"count": len(received), "by_verdict": _by_verdict(received), "items": sorted(received, key=order)},
        "meetings": meeting_list,
        "milestones": milestones,
        "not_listed": sorted(_not_listed(snapshot, rulebook, rows, last, wanted, facts), key=order),
    }


def _within(day: date | None, first: date, last: date) -> bool:
    return day is not None and first <= day <= last


def _by_verdict(items: list[dict[str, Any]]) -> dict[str, int]:
    return {label: sum(1 for i in items if i["verdict"] == code) for code, label in VERDICTS.items()}


def _not_listed(
    snapshot: Snapshot,
    rulebook: Rulebook,
    rows: dict[str, Record],
    as_of: date,
    wanted: Any,
    facts: dict[tuple[str, int], tuple[str, str]],
) -> list[dict[str, Any]]:
    found = []
    versions = {key: version for key, (_, version) in facts.items()}
    for row in snapshot.latest_resolutions():
        project = rows[row.project_id]
        if row.result not in PASSED or project.land_source != NEW_LAND or not wanted(row.project_id):
            continue
        version = rulebook.version(versions.get((row.project_id, row.revision), ""))
        months = (version.monitoring if version else MonitoringTerms()).listing_due_months
        due = add_months(row.held_on, months)
        if due <= as_of and (project.listed_on is None or project.listed_on > as_of):
            found.append({"project": row.project_id, "name": project.name, "district": project.district,
                          "meeting_date": row.held_on.isoformat(), "due": due.isoformat(), "months": months})  # fmt: skip
    return found


def monthly_report(snapshot: Snapshot, rulebook: Rulebook, year: int, month: int, district: str | None) -> dict[str, Any]:
    """The ``admit report monthly --json`` object: the month's figures and whom to chase at its end."""
    from admission.supervision.chase import chase as chased
    from admission.supervision.targets import targets_reports

    figures = monthly(snapshot, rulebook, year, month, district)
    last = month_end(year, month)
    chase = monitor(snapshot, rulebook, last, district)
    lights = chased(snapshot, rulebook, last, district)
    figures["to_chase"] = {"monitor": chase["findings"], "monitor_summary": chase["summary"], "not_listed": figures.pop("not_listed"),
                           "lights": {"counts": lights["counts"], "projects": lights["projects"]}}  # fmt: skip
    # Each region's targets to date against 序时进度 (supervision contract), where it has any.
    regions: list[str | None] = [district] if district else [None, *rulebook.districts]
    measured = targets_reports(snapshot, rulebook, year, last, regions)
    figures["targets"] = [report for report in measured if report["targets"]]
    return figures
