"""Reading the ledger: one project in full, and lists of projects with filters.

The same plain dictionaries serve ``--json``, the Chinese text of the CLI, the workbooks and
(later) the web pages, so no figure or label is worked out twice.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from admission.contract.fields import FIELDS
from admission.errors import UsageError
from admission.ledger.history import Snapshot, state
from admission.ledger.schema import decisions, events, refused_submissions
from admission.vocabulary import (
    CONTRACT_DATES,
    CONTRACT_FIELDS,
    DEVIATION,
    EVENT_KINDS,
    LAND_MILESTONES,
    MILESTONES,
    NOTE_FIELDS,
    PASSED,
    PROJECT_TYPES,
    RESULTS,
    STAGES,
    VERDICTS,
    code_for,
    type_label,
)


class NotFound(LookupError):
    pass


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def stage_of(project: dict[str, Any], result: str | None, reviewed: bool) -> str:
    """A project's stage (阶段): the furthest milestone once passed; before that 已申请 (no decision
    yet), 已审查 (a decision, no resolution) or the meeting's 暂缓 / 不予通过."""
    if result in PASSED:
        for key, label in reversed(MILESTONES):
            if project.get(key):
                return label.removesuffix("日期")
        return "已过会"
    if result in ("暂缓", "不予通过"):
        return result
    return "已审查" if reviewed else "已申请"


def _field_changes(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """What a revision changed, field by field in Chinese: 达产年税收：7488 → 2496 万元."""
    changes = []
    for field in FIELDS:
        old, new = _at(before, field.path), _at(after, field.path)
        if old != new:
            shown = f"{field.name}：{_shown(old)} → {_shown(new)}{(' ' + field.unit) if field.unit else ''}"
            changes.append({"field": field.path, "label": field.name, "before": old, "after": new, "text": shown})
    return changes


def _at(data: dict[str, Any], path: str) -> Any:
    value: Any = data
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _shown(value: Any) -> str:
    return "未填" if value is None else type_label(value) if value in PROJECT_TYPES else str(value)


def _revisions(snapshot: Snapshot, case_id: str) -> list[dict[str, Any]]:
    contents = {r.number: json.loads(r.content) for r in snapshot.revision_contents() if r.project_id == case_id}
    listed = []
    previous: dict[str, Any] | None = None
    for revision in (r for r in snapshot.revisions if r.project_id == case_id):
        content = contents.get(revision.number, {})
        listed.append({
            "number": revision.number, "sha256": revision.sha256, "source": revision.source,
            "recorded_at": revision.recorded_at, "recorded_by": revision.recorded_by,
            "changes": _field_changes(previous, content) if previous is not None else [],
        })  # fmt: skip
        previous = content
    return listed


def _decision(d: Any) -> dict[str, Any]:
    content = json.loads(d.content)
    failed = [f["label"] for f in content["findings"] if f["outcome"] == "fail" and f["severity"] == "mandatory"]
    return {"revision": d.revision, "made_at": d.made_at, "review_date": d.review_date.isoformat(), "verdict": d.verdict,
            "verdict_label": VERDICTS[d.verdict], "rulebook_version": d.rulebook_version, "rulebook_digest": d.rulebook_digest,
            "failed_rules": failed}  # fmt: skip


def _resolution(r: Any) -> dict[str, Any]:
    return {"meeting": {"year": r.year, "number": r.meeting_number, "date": r.held_on.isoformat()}, "result": r.result,
            "conditions": r.conditions, "revision": r.revision, "verdict": r.verdict, "deviation": bool(r.deviation),
            "added_item": bool(r.added_item), "reason": r.reason, "recorded_at": r.recorded_at, "recorded_by": r.recorded_by}  # fmt: skip


def _event(e: Any) -> dict[str, Any]:
    return {"seq": e.seq, "at": e.at, "actor": e.actor, "source": e.source, "kind": e.kind,
            "kind_label": EVENT_KINDS.get(e.kind, e.kind), "detail": json.loads(e.detail)}  # fmt: skip


def project_detail(connection: sa.Connection, case_id: str, recorded_by: str | None = None) -> dict[str, Any]:
    """Everything the ledger knows about one project (``admit ledger show --json``), as recorded
    by ``recorded_by`` (None: now)."""
    snapshot = state(connection, recorded_by, only=case_id)
    project = snapshot.projects.get(case_id)
    if project is None:
        raise NotFound(case_id)
    decision_rows = [
        d for d in connection.execute(sa.select(decisions).where(decisions.c.project_id == case_id).order_by(decisions.c.id))
        if recorded_by is None or d.made_at <= recorded_by
    ]  # fmt: skip
    event_rows = [
        e for e in connection.execute(sa.select(events).where(events.c.project_id == case_id).order_by(events.c.seq))
        if recorded_by is None or e.at <= recorded_by
    ]  # fmt: skip
    decision_list = [_decision(d) for d in decision_rows]
    resolution_list = [_resolution(r) for r in snapshot.resolutions]
    latest = resolution_list[-1]["result"] if resolution_list else None
    ended = snapshot.terminations.get(case_id)
    refused = connection.execute(
        sa.select(refused_submissions).where(refused_submissions.c.case_id == case_id).order_by(refused_submissions.c.id)
    ).all()
    return {
        "id": case_id,
        "as_recorded": recorded_by,
        "name": project["name"],
        "district": project["district"],
        "type": project["type"],
        "type_label": type_label(project["type"]),
        "industry_code": project["industry_code"],
        "chain": project["chain"],
        "total_investment": project["total_investment"],
        "land_source": project["land_source"],
        "stage": "终止" if ended is not None else stage_of(project, latest, bool(decision_list)),
        "terminated": {"on": ended.effective_on.isoformat(), "reason": ended.reason} if ended is not None else None,
        "transfers": [
            {"on": t.effective_on.isoformat(), "from": t.from_district, "to": t.to_district, "approval": t.approval, "reason": t.reason}
            for t in snapshot.transfers.get(case_id, [])
        ],
        "refused_submissions": [
            {"source": r.source, "recorded_at": r.recorded_at, "recorded_by": r.recorded_by, "problems": json.loads(r.problems)}
            for r in refused
            if recorded_by is None or r.recorded_at <= recorded_by
        ],
        "milestones": {
            label: _iso(project[key]) for key, label in MILESTONES if key not in LAND_MILESTONES or project["land_source"] != "自有用地"
        },
        "land_contract": {
            "出让价款（万元）": project["land_price"],
            **{label: _iso(project[key]) for key, label in CONTRACT_DATES},
            **{header: _iso(project[key]) for key, header, _ in CONTRACT_FIELDS},
        },
        "revisions": _revisions(snapshot, case_id),
        "decisions": decision_list,
        "resolutions": resolution_list,
        "deviation": any(r["deviation"] for r in resolution_list[-1:]),
        "yearly_results": [
            {"year": y, "tax": r.tax, "output": r.output, "fixed_assets": r.fixed_assets}
            for y, r in sorted(snapshot.yearly[case_id].items())
        ],
        "notes": [
            {"on": n.noted_on.isoformat(), **{key: n[key] for key, _ in NOTE_FIELDS}, "recorded_at": n.recorded_at,
             "recorded_by": n.recorded_by}
            for n in snapshot.notes.get(case_id, [])
        ],
        "events": [_event(e) for e in event_rows],
    }


@dataclass(frozen=True)
class Filters:
    district: str | None = None
    type: str | None = None
    stage: str | None = None
    verdict: str | None = None
    resolution: str | None = None
    year: int | None = None

    @classmethod
    def named(
        cls,
        district: str | None = None,
        project_type: str | None = None,
        stage: str | None = None,
        verdict: str | None = None,
        resolution: str | None = None,
        year: int | None = None,
    ) -> Filters:
        """Filters as a person names them (Chinese names or codes); an unknown one is refused
        with what it could be."""
        type_code = code_for(project_type, PROJECT_TYPES) if project_type else None
        verdict_code = code_for(verdict, VERDICTS) if verdict else None
        if project_type and type_code is None:
            raise UsageError(f"未知的项目类型 {project_type}；可选：{'、'.join(PROJECT_TYPES.values())}")
        if verdict and verdict_code is None:
            raise UsageError(f"未知的审查结论 {verdict}；可选：{'、'.join(VERDICTS.values())}")
        if stage and stage not in STAGES:
            raise UsageError(f"未知的阶段 {stage}；可选：{'、'.join(STAGES)}")
        if resolution and resolution not in RESULTS:
            raise UsageError(f"未知的审议结果 {resolution}；可选：{'、'.join(RESULTS)}")
        return cls(district or None, type_code, stage or None, verdict_code, resolution or None, year)


def project_rows(snapshot: Snapshot, filters: Filters) -> list[dict[str, Any]]:
    """One row per project: identity, latest verdict and resolution in force, deviation, stage; filtered."""
    latest = {r.project_id: r for r in snapshot.latest_resolutions()}
    first_year: dict[str, int] = {}
    for revision in snapshot.revisions:
        first_year.setdefault(revision.project_id, int(revision.recorded_at[:4]))
    rows = []
    for project in snapshot.projects_by_id(district=filters.district or None).values():
        if filters.type and project.type != filters.type:
            continue
        resolution = latest.get(project.id)
        verdict = snapshot.verdict(project.id)
        year = resolution.year if resolution is not None else first_year.get(project.id)
        item = {
            "id": project.id,
            "name": project.name,
            "district": project.district,
            "type": project.type,
            "type_label": type_label(project.type),
            "total_investment": project.total_investment,
            "verdict": verdict,
            "verdict_label": VERDICTS.get(verdict or "", ""),
            "resolution": resolution.result if resolution is not None else None,
            "meeting": f"{resolution.year} 年第 {resolution.meeting_number} 次" if resolution is not None else None,
            "deviation": bool(resolution.deviation) if resolution is not None else False,
            "stage": "终止"
            if project.id in snapshot.terminations
            else stage_of(project, resolution.result if resolution is not None else None, verdict is not None),
            "year": year,
        }
        if filters.stage and item["stage"] != filters.stage:
            continue
        if filters.verdict and verdict != filters.verdict:
            continue
        if filters.resolution and item["resolution"] != filters.resolution:
            continue
        if filters.year and year != filters.year:
            continue
        rows.append(item)
    return rows


LIST_HEADERS = ("案件编号", "项目名称", "所在区域", "项目类型", "计划总投资（万元）", "审查结论", "审议结果", "会议", "偏离", "阶段")


def list_table(rows: Sequence[dict[str, Any]]) -> list[list[Any]]:
    return [
        [r["id"], r["name"], r["district"], r["type_label"], Decimal(r["total_investment"]) if r["total_investment"] else None,
         r["verdict_label"], r["resolution"] or "", r["meeting"] or "", DEVIATION if r["deviation"] else "", r["stage"]]
        for r in rows
    ]  # fmt: skip


# --- lists a page shows a part of ---------------------------------------------------------------

DEFAULT_PER_PAGE, MAX_PER_PAGE = 50, 500


@dataclass(frozen=True)
class ListPage:
    """One page of a list: its rows, and where it is in the whole (the web's lists, the API)."""

    rows: list[dict[str, Any]]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def list_page(
    rows: list[dict[str, Any]], *, q: str = "", searched: tuple[str, ...] = ("id", "name"), sort: str = "",
    descending: bool = False, sortable: dict[str, Callable[[dict[str, Any]], Any]] | None = None, page: int = 1,
    per_page: int | None = DEFAULT_PER_PAGE,
) -> ListPage:  # fmt: skip
    """``rows`` searched (``q`` in any of the ``searched`` fields, case-insensitive), sorted by a
    known column (empty values last, either way), and cut to one page. An unknown sort column
    keeps the list's own order; a page past the end is the last one; ``per_page=None`` is all of it."""
    needle = q.strip().casefold()
    if needle:
        rows = [r for r in rows if any(needle in str(r.get(key) or "").casefold() for key in searched)]
    key_of = (sortable or {}).get(sort)
    if key_of is not None:
        present = [r for r in rows if key_of(r) is not None]
        rows = sorted(present, key=key_of, reverse=descending) + [r for r in rows if key_of(r) is None]
    if per_page is None:  # the whole list (a download of it)
        return ListPage(rows, len(rows), 1, max(1, len(rows)))
    per_page = max(1, min(MAX_PER_PAGE, per_page))
    pages = max(1, -(-len(rows) // per_page))
    page = max(1, min(page, pages))
    return ListPage(rows[(page - 1) * per_page : page * per_page], len(rows), page, per_page)


def project_sort_keys(districts: list[str]) -> dict[str, Callable[[dict[str, Any]], Any]]:
    """The project list's sortable columns; districts in the rule book's order."""
    order = {name: index for index, name in enumerate(districts)}
    return {
        "id": lambda r: r["id"],
        "name": lambda r: r["name"],
        "district": lambda r: order.get(r["district"], len(order)),
        "type": lambda r: r["type_label"],
        "total_investment": lambda r: Decimal(str(r["total_investment"])) if r["total_investment"] is not None else None,
        "verdict": lambda r: r["verdict_label"] or None,
        "resolution": lambda r: r["resolution"],
        "stage": lambda r: r["stage"],
    }


def meeting_detail(connection: sa.Connection, year: int, number: int) -> dict[str, Any] | None:
    """A meeting as its page shows it: the agenda in its order, each item with its project, the
    engine's verdict and the resolution in force, then the items added at the meeting."""
    from admission.ledger.queries import agenda_applications, meeting_numbered

    meeting = meeting_numbered(connection, year, number)
    if meeting is None:
        return None
    snapshot = state(connection)
    in_force = {r.project_id: r for r in snapshot.resolutions_of([meeting.id])}
    projects = snapshot.projects_by_id()

    def item(case_id: str, on_agenda: bool) -> dict[str, Any]:
        project = projects.get(case_id)
        resolution = in_force.get(case_id)
        verdict = snapshot.verdict(case_id)
        return {
            "id": case_id, "name": project.name if project else "", "district": project.district if project else "",
            "verdict": verdict, "verdict_label": VERDICTS.get(verdict or "", ""), "on_agenda": on_agenda,
            "result": resolution.result if resolution is not None else None,
            "conditions": resolution.conditions if resolution is not None else None,
            "deviation": bool(resolution.deviation) if resolution is not None else False,
        }  # fmt: skip

    agenda_ids = [case_id for case_id, _, _ in agenda_applications(connection, number, meeting.held_on)]
    items = [item(case_id, True) for case_id in agenda_ids]
    items += [item(case_id, False) for case_id in in_force if case_id not in agenda_ids]
    return {"year": meeting.year, "number": meeting.number, "held_on": meeting.held_on.isoformat(), "items": items}
