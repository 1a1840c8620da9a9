"""Recording applications with their decisions: the one ledger write that reviews (it runs the
rule engine on each input, so it lives apart from ``records`` and its light imports)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa

from admission.contract.application import canonical_json
from admission.contract.digest import application_digest
from admission.dates import beijing_date
from admission.errors import Problem
from admission.intake.batch import Result, about_decision, error_result, set_aside_duplicates, try_decide
from admission.intake.sources import Item
from admission.ledger.database import Change, Ledger
from admission.ledger.queries import for_ids, latest_revisions
from admission.ledger.schema import decisions, projects, refused_submissions, resolutions, revisions
from admission.review.decision import Decision
from admission.rules.rulebook import Rulebook


@dataclass(frozen=True)
class Recorded:
    """One application recorded: its project, the new revision's number and its verdict."""

    id: str
    revision: int
    verdict: str
    new_project: bool

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "revision": self.revision, "verdict": self.verdict, "new_project": self.new_project}


@dataclass
class AddOutcome:
    recorded: list[Recorded] = field(default_factory=list)
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


def record_applications(ledger: Ledger, items: Iterable[Item], rulebook: Rulebook, review_date: date, actor: str) -> AddOutcome:
    """Record each valid application as a revision with its decision; report the rest (an input
    sharing its 案件编号 with another of the batch is refused by 案件编号 and 项目名称, as in screen)."""
    outcome = AddOutcome()
    decided: list[tuple[str, Decision]] = []
    for item in items:
        result = try_decide(item, rulebook, review_date)
        if isinstance(result, Decision):
            decided.append((item.source, result))
        else:
            outcome.refused.append(result)
    decided, duplicated = set_aside_duplicates(decided)
    outcome.refused += duplicated
    with ledger.change(actor) as change:
        decided = _district_held(change, decided, outcome)
        _record_decisions(change, decided, review_date, outcome)
        _keep_refused(change, outcome.refused)
    return outcome


def _district_held(change: Change, decided: list[tuple[str, Decision]], outcome: AddOutcome) -> list[tuple[str, Decision]]:
    """A project with a resolution moves to another district only by a transfer (流转): a new
    revision naming another district is refused, so no re-upload moves a reviewed project."""
    ids = {decision.application.id for _, decision in decided}  # only the batch's projects are read, not the whole ledger
    with_resolution = for_ids(sa.select(resolutions.c.project_id).distinct(), resolutions.c.project_id, ids)
    resolved = {row.project_id for row in change.connection.execute(with_resolution)}
    located = for_ids(sa.select(projects.c.id, projects.c.district), projects.c.id, ids)
    districts = {row.id: row.district for row in change.connection.execute(located)}
    kept = []
    for source, decision in decided:
        case_id, district = decision.application.id, decision.application.district
        if case_id in resolved and districts.get(case_id) not in (None, district):
            how = f"admit ledger transfer {case_id} --to {district}"
            message = f"该项目已有会议审议结果，所在区域为{districts[case_id]}；区域变更须登记项目流转（{how}）"
            outcome.refused.append(error_result(source, "invalid_input", [Problem("district", message)], about_decision(decision)))
        else:
            kept.append((source, decision))
    return kept


def _keep_refused(change: Change, refused: list[Result]) -> None:
    """Refused submissions are kept (受理登记: 退回补正), with where they came from and why."""
    rows = []
    for result in refused:
        about = result.get("application", {})
        problems = json.dumps(result["error"]["problems"], ensure_ascii=False)
        case_id = about.get("id") if isinstance(about.get("id"), str) and len(about["id"]) <= 64 else None
        rows.append({"case_id": case_id, "name": (about.get("name") or None) and str(about["name"])[:200],
                     "district": about.get("district"), "source": result["source"], "problems": problems,
                     "recorded_at": change.at, "recorded_by": change.actor})  # fmt: skip
        change.log.record("submission_refused", case_id, result["source"], {"problems": len(result["error"]["problems"])})
    if rows:
        change.connection.execute(refused_submissions.insert(), rows)


def _record_decisions(change: Change, decided: list[tuple[str, Decision]], review_date: date, outcome: AddOutcome) -> None:
    connection = change.connection
    ids = {decision.application.id for _, decision in decided}
    latest = latest_revisions(connection, ids)
    known = {row.id: dict(row._mapping) for row in connection.execute(for_ids(sa.select(projects), projects.c.id, ids)) if row.id in ids}
    new_projects: list[dict[str, Any]] = []
    new_revisions: list[dict[str, Any]] = []
    new_decisions: list[dict[str, Any]] = []
    for source, decision in decided:
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
                connection.execute(projects.update().where(projects.c.id == case_id).values({k: c["after"] for k, c in changes.items()}))
        known[case_id] = {**known.get(case_id, {}), **identity}
        new_revisions.append(
            {"project_id": case_id, "number": number, "content": content, "sha256": digest, "source": source,
             "recorded_at": change.at, "recorded_by": change.actor,
             "effective_on": decision.application.submitted_date or beijing_date(change.at)}
        )  # fmt: skip
        new_decisions.append(
            {"project_id": case_id, "revision": number, "made_at": change.at, "review_date": review_date, "verdict": decision.verdict,
             "rulebook_version": decision.selected.version.version, "rulebook_digest": decision.selected.digest,
             "content": json.dumps(decision.to_json(), ensure_ascii=False, sort_keys=True)}
        )  # fmt: skip
        latest[case_id] = (number, digest)
        detail = {"revision": number, "sha256": digest, "verdict": decision.verdict, "rulebook": decision.selected.digest}
        if changes:
            detail["changes"] = changes
        change.log.record("application_added" if number == 1 else "application_revised", case_id, source, detail)
        outcome.recorded.append(Recorded(case_id, number, decision.verdict, number == 1))
    if new_projects:
        connection.execute(projects.insert(), new_projects)
    if new_revisions:
        connection.execute(revisions.insert(), new_revisions)
        connection.execute(decisions.insert(), new_decisions)
