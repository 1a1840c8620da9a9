"""Recording applications with their decisions: the one ledger write that reviews (it runs the
rule engine on each input, so it lives apart from ``records`` and its light imports)."""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa

from admission.contract.application import canonical_json
from admission.contract.digest import application_digest
from admission.dates import beijing_date
from admission.errors import Problem
from admission.intake.batch import Result, about_decision, duplicate_refusals, error_result, try_decide
from admission.intake.sources import Item
from admission.ledger.database import Change, Ledger
from admission.ledger.queries import MAX_IN_LIST, for_ids, latest_revisions
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


@dataclass(frozen=True)
class Decided:
    """One decided application, reduced to what its rows need, the JSON texts compressed: 50,000
    pydantic applications with their decisions took 1.1 GB; these take a tenth of it."""

    source: str
    about: dict[str, str]  # 案件编号, 项目名称, 区域: what a refusal names
    identity: dict[str, Any]  # the project row's fields
    content: bytes  # the application as canonical JSON, zlib-compressed
    sha256: str
    effective_on: date | None
    verdict: str
    rulebook_version: str
    rulebook_digest: str
    decision: bytes  # the decision as JSON, zlib-compressed

    @property
    def id(self) -> str:
        return self.about["id"]

    @classmethod
    def of(cls, source: str, decision: Decision) -> Decided:
        app = decision.application
        content = canonical_json(app)
        identity = {"name": app.name, "district": app.district, "type": app.type, "industry_code": app.industry.code,
                    "chain": app.industry.chain, "total_investment": str(app.investment.total_wan)}  # fmt: skip
        return cls(
            source=source,
            about=about_decision(decision),
            identity=identity,
            content=zlib.compress(content.encode("utf-8"), 1),
            sha256=application_digest(content),
            effective_on=app.submitted_date,
            verdict=decision.verdict,
            rulebook_version=decision.selected.version.version,
            rulebook_digest=decision.selected.digest,
            decision=zlib.compress(json.dumps(decision.to_json(), ensure_ascii=False, sort_keys=True).encode("utf-8"), 1),
        )


# Rows are written this many applications at a time, in the one transaction: a batch of 50,000
# never holds all its rows' texts at once. No more than a query's IN list takes (``for_ids``):
# a longer slice would read the whole ledger for each.
ROWS_AT_A_TIME = MAX_IN_LIST


def record_applications(ledger: Ledger, items: Iterable[Item], rulebook: Rulebook, review_date: date, actor: str) -> AddOutcome:
    """Record each valid application as a revision with its decision; report the rest (an input
    sharing its 案件编号 with another of the batch is refused by 案件编号 and 项目名称, as in screen)."""
    outcome = AddOutcome()
    decided: list[Decided] = []
    for item in items:
        result = try_decide(item, rulebook, review_date)
        if isinstance(result, Decision):
            decided.append(Decided.of(item.source, result))
        else:
            outcome.refused.append(result)
    refusals = duplicate_refusals([(d.source, d.about) for d in decided])
    outcome.refused += refusals.values()
    decided = [d for d in decided if d.source not in refusals]
    with ledger.change(actor) as change:
        decided = _district_held(change, decided, outcome)
        for start in range(0, len(decided), ROWS_AT_A_TIME):
            _record_decisions(change, decided[start : start + ROWS_AT_A_TIME], review_date, outcome)
        _keep_refused(change, outcome.refused)
    return outcome


def _district_held(change: Change, decided: list[Decided], outcome: AddOutcome) -> list[Decided]:
    """A project with a resolution moves to another district only by a transfer (流转): a new
    revision naming another district is refused, so no re-upload moves a reviewed project."""
    ids = {d.id for d in decided}  # only the batch's projects are read, not the whole ledger
    with_resolution = for_ids(sa.select(resolutions.c.project_id).distinct(), resolutions.c.project_id, ids)
    resolved = {row.project_id for row in change.connection.execute(with_resolution)}
    located = for_ids(sa.select(projects.c.id, projects.c.district), projects.c.id, ids)
    districts = {row.id: row.district for row in change.connection.execute(located)}
    kept = []
    for d in decided:
        case_id, district = d.id, d.about["district"]
        if case_id in resolved and districts.get(case_id) not in (None, district):
            how = f"admit ledger transfer {case_id} --to {district}"
            message = f"该项目已有会议审议结果，所在区域为{districts[case_id]}；区域变更须登记项目流转（{how}）"
            outcome.refused.append(error_result(d.source, "invalid_input", [Problem("district", message)], d.about))
        else:
            kept.append(d)
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


def _record_decisions(change: Change, decided: list[Decided], review_date: date, outcome: AddOutcome) -> None:
    """One slice of the batch's rows (and its events) written."""
    connection = change.connection
    ids = {d.id for d in decided}
    latest = latest_revisions(connection, ids)
    known = {row.id: dict(row._mapping) for row in connection.execute(for_ids(sa.select(projects), projects.c.id, ids)) if row.id in ids}
    new_projects: list[dict[str, Any]] = []
    new_revisions: list[dict[str, Any]] = []
    new_decisions: list[dict[str, Any]] = []
    for d in decided:
        case_id, identity = d.id, d.identity
        previous = latest.get(case_id)
        if previous is not None and previous[1] == d.sha256:
            outcome.unchanged.append(case_id)
            continue
        number = previous[0] + 1 if previous else 1
        changes: dict[str, Any] = {}
        if case_id not in known:
            new_projects.append({"id": case_id, **identity})
        else:
            changes = {k: {"before": known[case_id][k], "after": v} for k, v in identity.items() if known[case_id][k] != v}
            if changes:
                connection.execute(projects.update().where(projects.c.id == case_id).values({k: c["after"] for k, c in changes.items()}))
        known[case_id] = {**known.get(case_id, {}), **identity}
        new_revisions.append(
            {"project_id": case_id, "number": number, "content": zlib.decompress(d.content).decode("utf-8"), "sha256": d.sha256,
             "source": d.source, "recorded_at": change.at, "recorded_by": change.actor,
             "effective_on": d.effective_on or beijing_date(change.at)}
        )  # fmt: skip
        new_decisions.append(
            {"project_id": case_id, "revision": number, "made_at": change.at, "review_date": review_date, "verdict": d.verdict,
             "rulebook_version": d.rulebook_version, "rulebook_digest": d.rulebook_digest,
             "content": zlib.decompress(d.decision).decode("utf-8")}
        )  # fmt: skip
        latest[case_id] = (number, d.sha256)
        detail = {"revision": number, "sha256": d.sha256, "verdict": d.verdict, "rulebook": d.rulebook_digest}
        if changes:
            detail["changes"] = changes
        change.log.record("application_added" if number == 1 else "application_revised", case_id, d.source, detail)
        outcome.recorded.append(Recorded(case_id, number, d.verdict, number == 1))
    if new_projects:
        connection.execute(projects.insert(), new_projects)
    if new_revisions:
        connection.execute(revisions.insert(), new_revisions)
        connection.execute(decisions.insert(), new_decisions)
    change.log.flush()  # this slice's events written too: none is held for the whole batch
