"""The monitor over the ledger: facts of every passed project, findings, statuses, summary.

Reading only: monitoring never writes to the ledger. Recording what was done about a finding
(``mark``) is a separate, explicit command, stored as a ledger event with who and when.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from ..exact import json_number
from ..ledger.chain import EventLog
from ..ledger.database import Ledger
from ..ledger.records import PASSED, RowError
from ..ledger.schema import decisions, events, projects, resolutions, revisions, yearly_results
from ..rulebook import MonitoringTerms, Rulebook
from .findings import KIND_LABELS, KINDS, Finding, ProjectFacts, YearFigures, check

STATUSES = {"notified": "已通知", "paid": "已缴纳", "waived": "已免除", "disputed": "有异议"}
CLOSED = ("paid", "waived")
STATUS_EVENT = "finding_status"


def _decimal(text: str | None) -> Decimal | None:
    return Decimal(text) if text is not None else None


def gather(
    connection: sa.Connection, rulebook: Rulebook, district: str | None = None, only: str | None = None
) -> tuple[list[ProjectFacts], list[str]]:
    """Every project whose latest resolution passed it (or just ``only``), with the commitments of the resolved revision."""
    latest = sa.select(resolutions.c.project_id, sa.func.max(resolutions.c.id).label("id")).group_by(resolutions.c.project_id).subquery()
    passed = {
        row.project_id: row.revision
        for row in connection.execute(
            sa.select(resolutions.c.project_id, resolutions.c.revision, resolutions.c.result).join(latest, latest.c.id == resolutions.c.id)
        )
        if row.result in PASSED and only in (None, row.project_id)
    }
    if not passed:
        return [], []
    wanted = revisions.c.project_id.in_(list(passed)) if only is not None else sa.true()
    contents = {
        (row.project_id, row.number): row.content
        for row in connection.execute(sa.select(revisions.c.project_id, revisions.c.number, revisions.c.content).where(wanted))
        if passed.get(row.project_id) == row.number
    }
    versions: dict[tuple[str, int], str] = {}
    made = sa.select(decisions.c.project_id, decisions.c.revision, decisions.c.rulebook_version).order_by(decisions.c.id)
    for row in connection.execute(made):
        versions[(row.project_id, row.revision)] = row.rulebook_version
    years: dict[str, dict[int, YearFigures]] = defaultdict(dict)
    for row in connection.execute(sa.select(yearly_results)):
        years[row.project_id][row.year] = YearFigures(_decimal(row.tax), _decimal(row.fixed_assets))
    query = sa.select(projects).where(projects.c.id.in_(list(passed))).order_by(projects.c.id)
    if district:
        query = query.where(projects.c.district == district)
    facts: list[ProjectFacts] = []
    warnings: list[str] = []
    for row in connection.execute(query):
        revision = passed[row.id]
        application = json.loads(contents[(row.id, revision)])
        version_name = versions.get((row.id, revision))
        version = rulebook.version(version_name) if version_name else None
        if version is None:
            warnings.append(f"{row.id} 的审查版本 {version_name} 不在当前规则库中，按默认履约条款核查")
        facts.append(
            ProjectFacts(
                project=row.id, name=row.name, district=row.district, land_source=row.land_source, land_price=_decimal(row.land_price),
                agreed_start=row.agreed_start_on, agreed_completion=row.agreed_completion_on,
                agreed_full_production=row.agreed_full_production_on, started=row.started_on, completed=row.completed_on,
                committed_fixed_assets=Decimal(str(application["investment"]["fixed_assets_wan"])),
                committed_tax=Decimal(str(application["commitments"]["annual_tax_wan"])),
                terms=version.monitoring if version else MonitoringTerms(), years=years.get(row.id, {}),
            )
        )  # fmt: skip
    return facts, warnings


def statuses(connection: sa.Connection) -> dict[tuple[str, str, int | None], dict[str, Any]]:
    """The latest recorded status of each finding (by project, kind, year)."""
    found: dict[tuple[str, str, int | None], dict[str, Any]] = {}
    for row in connection.execute(sa.select(events).where(events.c.kind == STATUS_EVENT).order_by(events.c.seq)):
        detail = json.loads(row.detail)
        found[(row.project_id, detail["finding"], detail.get("year"))] = {
            "status": detail["status"], "reason": detail.get("reason"), "at": row.at, "by": row.actor,
        }  # fmt: skip
    return found


def monitor(ledger: Ledger, rulebook: Rulebook, as_of: date, district: str | None = None, only: str | None = None) -> dict[str, Any]:
    """The monitor's whole answer (the ``--json`` object), with statuses and open totals; ``only``
    limits it to one project (a project page)."""
    with ledger.reading() as connection:
        facts, warnings = gather(connection, rulebook, district, only)
        recorded = statuses(connection)
    findings = sorted((f for project in facts for f in check(project, as_of)), key=Finding.sort_key)
    return report(findings, len(facts), recorded, as_of, warnings)


def report(
    findings: list[Finding], checked: int, recorded: dict[tuple[str, str, int | None], dict[str, Any]], as_of: date, warnings: list[str]
) -> dict[str, Any]:
    by_kind: dict[str, dict[str, Any]] = {}
    total = open_total = Decimal(0)
    rows = []
    for finding in findings:
        status = recorded.get(finding.key)
        amount = finding.amount_wan or Decimal(0)
        total += amount
        is_open = status is None or status["status"] not in CLOSED
        if is_open:
            open_total += amount
        entry = by_kind.setdefault(finding.kind, {"count": 0, "amount": Decimal(0)})
        entry["count"] += 1
        entry["amount"] += amount
        rows.append(
            {"project": finding.project, "name": finding.name, "district": finding.district, "kind": finding.kind,
             "kind_label": KIND_LABELS[finding.kind], "year": finding.year, "days": finding.days,
             "amount_wan": json_number(finding.amount_wan) if finding.amount_wan is not None else None, "basis": finding.basis,
             "explanation": finding.explanation, "status": status["status"] if status else "open",
             "status_label": STATUSES[status["status"]] if status else "待处理", "status_detail": status, "open": is_open}
        )  # fmt: skip
    return {
        "as_of": as_of.isoformat(),
        "findings": rows,
        "summary": {
            "projects_checked": checked,
            "projects_with_findings": len({f.project for f in findings}),
            "total_amount_wan": json_number(total.quantize(Decimal("0.01"))),
            "open_count": sum(1 for r in rows if r["open"]),
            "open_amount_wan": json_number(open_total.quantize(Decimal("0.01"))),
            "by_kind": {
                kind: {"count": by_kind[kind]["count"], "amount_wan": json_number(by_kind[kind]["amount"].quantize(Decimal("0.01")))}
                for kind in KINDS
                if kind in by_kind
            },
        },
        "warnings": warnings,
    }


def mark(
    ledger: Ledger, rulebook: Rulebook, project: str, kind: str, year: int | None, status: str, reason: str | None, actor: str, as_of: date
) -> None:
    """Record what was done about one finding, as a ledger event; the finding must exist as of ``as_of``."""
    problems = []
    if kind not in KINDS:
        problems.append(("类型", f"未知的核查类型 {kind}；可选：{'、'.join(KINDS)}"))
    if status not in STATUSES:
        problems.append(("状态", f"未知的状态 {status}；可选：{'、'.join(STATUSES)}"))
    if status == "waived" and not (reason and reason.strip()):
        problems.append(("理由", "免除须写明理由（--reason）"))
    if problems:
        raise RowError(problems)
    with ledger.writing() as connection:
        facts, _ = gather(connection, rulebook)
        current = [f for p in facts if p.project == project for f in check(p, as_of)]
        if not any(f.kind == kind and f.year == year for f in current):
            which = f"{project} 的“{KIND_LABELS[kind]}”" + (f"（{year} 年）" if year else "")
            raise RowError([("核查结果", f"截至 {as_of.isoformat()} 没有{which}这一核查结果")])
        log = EventLog(connection, actor)
        detail: dict[str, Any] = {"finding": kind, "year": year, "status": status}
        if reason:
            detail["reason"] = reason
        log.record(STATUS_EVENT, project, "admit monitor mark", detail)
        log.flush()
