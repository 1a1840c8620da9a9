"""Recording applications with their decisions: the one ledger write that reviews (it runs the
rule engine on each input, so it lives apart from ``records`` and its light imports)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa

from admission.contract.application import application_digest, canonical_json
from admission.intake.batch import Result, set_aside_duplicates, try_decide
from admission.intake.sources import Item
from admission.ledger.database import Change, Ledger
from admission.ledger.queries import latest_revisions
from admission.ledger.schema import decisions, projects, revisions
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
        _record_decisions(change, decided, review_date, outcome)
    return outcome


def _record_decisions(change: Change, decided: list[tuple[str, Decision]], review_date: date, outcome: AddOutcome) -> None:
    connection = change.connection
    latest = latest_revisions(connection)
    known = {row.id: dict(row._mapping) for row in connection.execute(sa.select(projects))} if decided else {}
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
             "recorded_at": change.at, "recorded_by": change.actor}
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
