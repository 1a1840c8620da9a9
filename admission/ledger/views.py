"""Reading the ledger: one project in full, and lists of projects with filters.

The same plain dictionaries serve ``--json``, the Chinese text of the CLI, the workbooks and
(later) the web pages, so no figure or label is worked out twice.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from admission.errors import UsageError
from admission.ledger.schema import decisions, events, meetings, projects, resolutions, revisions, yearly_results
from admission.vocabulary import (
    CONTRACT_DATES,
    DEVIATION,
    EVENT_KINDS,
    LAND_MILESTONES,
    MILESTONES,
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


def stage_of(project: dict[str, Any], passed: bool) -> str:
    for key, label in reversed(MILESTONES):
        if project.get(key):
            return label.removesuffix("日期")
    return "已过会" if passed else "已申请"


def project_detail(connection: sa.Connection, case_id: str) -> dict[str, Any]:
    """Everything the ledger knows about one project (``admit ledger show --json``)."""
    row = connection.execute(sa.select(projects).where(projects.c.id == case_id)).first()
    if row is None:
        raise NotFound(case_id)
    project = dict(row._mapping)
    revision_rows = connection.execute(
        sa.select(revisions.c.number, revisions.c.sha256, revisions.c.source, revisions.c.recorded_at, revisions.c.recorded_by)
        .where(revisions.c.project_id == case_id)
        .order_by(revisions.c.number)
    ).all()
    decision_rows = connection.execute(sa.select(decisions).where(decisions.c.project_id == case_id).order_by(decisions.c.id)).all()
    resolution_rows = connection.execute(
        sa.select(resolutions, meetings.c.year, meetings.c.number, meetings.c.held_on)
        .join(meetings, meetings.c.id == resolutions.c.meeting_id)
        .where(resolutions.c.project_id == case_id)
        .order_by(resolutions.c.id)
    ).all()
    result_rows = connection.execute(
        sa.select(yearly_results).where(yearly_results.c.project_id == case_id).order_by(yearly_results.c.year)
    ).all()
    event_rows = connection.execute(sa.select(events).where(events.c.project_id == case_id).order_by(events.c.seq)).all()
    decision_list = []
    for d in decision_rows:
        content = json.loads(d.content)
        failed = [f["label"] for f in content["findings"] if f["outcome"] == "fail" and f["severity"] == "mandatory"]
        decision_list.append(
            {"revision": d.revision, "made_at": d.made_at, "review_date": d.review_date.isoformat(), "verdict": d.verdict,
             "verdict_label": VERDICTS[d.verdict], "rulebook_version": d.rulebook_version, "rulebook_digest": d.rulebook_digest,
             "failed_rules": failed}
        )  # fmt: skip
    resolution_list = [
        {"meeting": {"year": r.year, "number": r.number, "date": r.held_on.isoformat()}, "result": r.result, "conditions": r.conditions,
         "revision": r.revision, "verdict": r.verdict, "deviation": bool(r.deviation), "recorded_at": r.recorded_at,
         "recorded_by": r.recorded_by}
        for r in resolution_rows
    ]  # fmt: skip
    return {
        "id": case_id,
        "name": project["name"],
        "district": project["district"],
        "type": project["type"],
        "type_label": type_label(project["type"]),
        "industry_code": project["industry_code"],
        "chain": project["chain"],
        "total_investment": project["total_investment"],
        "land_source": project["land_source"],
        "stage": stage_of(project, any(r["result"] in ("通过", "有条件通过") for r in resolution_list)),
        "milestones": {
            label: _iso(project[key]) for key, label in MILESTONES if key not in LAND_MILESTONES or project["land_source"] != "自有用地"
        },
        "land_contract": {"出让价款（万元）": project["land_price"], **{label: _iso(project[key]) for key, label in CONTRACT_DATES}},
        "revisions": [dict(r._mapping) for r in revision_rows],
        "decisions": decision_list,
        "resolutions": resolution_list,
        "deviation": any(r["deviation"] for r in resolution_list[-1:]),
        "yearly_results": [{"year": r.year, "tax": r.tax, "output": r.output, "fixed_assets": r.fixed_assets} for r in result_rows],
        "events": [
            {
                "seq": e.seq,
                "at": e.at,
                "actor": e.actor,
                "source": e.source,
                "kind": e.kind,
                "kind_label": EVENT_KINDS.get(e.kind, e.kind),
                "detail": json.loads(e.detail),
            }
            for e in event_rows
        ],
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


def project_rows(connection: sa.Connection, filters: Filters) -> list[dict[str, Any]]:
    """One row per project: identity, latest verdict and resolution, deviation, stage; filtered."""
    latest_decision = sa.select(decisions.c.project_id, sa.func.max(decisions.c.id).label("id")).group_by(decisions.c.project_id).subquery()
    verdicts = {
        row.project_id: row.verdict
        for row in connection.execute(
            sa.select(decisions.c.project_id, decisions.c.verdict).join(latest_decision, latest_decision.c.id == decisions.c.id)
        )
    }
    latest_resolution = (
        sa.select(resolutions.c.project_id, sa.func.max(resolutions.c.id).label("id")).group_by(resolutions.c.project_id).subquery()
    )
    resolved = {
        row.project_id: row
        for row in connection.execute(
            sa.select(resolutions.c.project_id, resolutions.c.result, resolutions.c.deviation, meetings.c.year, meetings.c.number)
            .join(latest_resolution, latest_resolution.c.id == resolutions.c.id)
            .join(meetings, meetings.c.id == resolutions.c.meeting_id)
        )
    }
    first_year = {
        row.project_id: int(str(row.first)[:4])
        for row in connection.execute(
            sa.select(revisions.c.project_id, sa.func.min(revisions.c.recorded_at).label("first")).group_by(revisions.c.project_id)
        )
    }
    query = sa.select(projects).order_by(projects.c.id)
    if filters.district:
        query = query.where(projects.c.district == filters.district)
    if filters.type:
        query = query.where(projects.c.type == filters.type)
    rows = []
    for row in connection.execute(query):
        project = dict(row._mapping)
        resolution = resolved.get(row.id)
        verdict = verdicts.get(row.id)
        passed = resolution is not None and resolution.result in PASSED
        year = resolution.year if resolution is not None else first_year.get(row.id)
        item = {
            "id": row.id,
            "name": row.name,
            "district": row.district,
            "type": row.type,
            "type_label": type_label(row.type),
            "total_investment": row.total_investment,
            "verdict": verdict,
            "verdict_label": VERDICTS.get(verdict or "", ""),
            "resolution": resolution.result if resolution is not None else None,
            "meeting": f"{resolution.year} 年第 {resolution.number} 次" if resolution is not None else None,
            "deviation": bool(resolution.deviation) if resolution is not None else False,
            "stage": stage_of(project, passed),
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
