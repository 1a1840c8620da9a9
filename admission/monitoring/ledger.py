"""The monitor over the ledger: facts of every passed project, findings, statuses, summary.

Reading only: monitoring never writes to the ledger. Recording what was done about a finding
(``mark``) is a separate, explicit command, stored as a ledger event with who and when.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from admission.contract.fields import ANNUAL_TAX_WAN, ENTERPRISE, FIXED_ASSETS_WAN
from admission.errors import ChangeRefused
from admission.ledger.database import Ledger
from admission.ledger.history import Connection, Snapshot, state
from admission.ledger.records import record_finding_status
from admission.monitoring.findings import KINDS, Finding, ProjectFacts, YearFigures, check
from admission.numbers import json_number
from admission.rules.rulebook import MonitoringTerms, Rulebook
from admission.vocabulary import ADDRESSEE_LABELS, CLOSED_STATUSES, FINDING_KINDS, FINDING_STATUSES, code_for


def _decimal(text: str | None) -> Decimal | None:
    return Decimal(text) if text is not None else None


def _committed(contract: str | None, applied: Decimal) -> Decimal:
    """A commitment: the 监管协议's when recorded, else the resolved revision's application."""
    return Decimal(contract) if contract is not None else applied


def gather(
    snapshot: Snapshot, rulebook: Rulebook, district: str | None = None, only: str | None = None, on: date | None = None
) -> tuple[list[ProjectFacts], list[str]]:
    """Every project whose latest resolution passed it (or just ``only``), with the commitments of
    the resolved revision; ``on`` a date, in the district in force then and without the projects
    terminated by then (终止: no longer chased)."""
    passed = snapshot.passed_revisions(only, on)
    if not passed:
        return [], []
    applied = snapshot.revision_figures(passed, (FIXED_ASSETS_WAN, ANNUAL_TAX_WAN), (ENTERPRISE,))
    versions = {key: version for key, (_, version) in snapshot.decisions.items()}
    years = snapshot.yearly
    facts: list[ProjectFacts] = []
    warnings: list[str] = []
    for row in snapshot.projects_by_id(passed, district, on).values():
        if on is not None and snapshot.terminated_by(row.id, on):
            continue
        revision = passed[row.id]
        committed = applied[row.id]
        version_name = versions.get((row.id, revision))
        version = rulebook.version(version_name) if version_name else None
        if version is None:
            warnings.append(f"{row.id} 的审查版本 {version_name} 不在当前规则库中，按默认履约条款核查")
        figures = {year: YearFigures(_decimal(y.tax), _decimal(y.fixed_assets)) for year, y in years.get(row.id, {}).items()}
        facts.append(
            ProjectFacts(
                project=row.id, name=row.name, district=row.district, land_source=row.land_source, land_price=_decimal(row.land_price),
                agreed_start=row.agreed_start_on, agreed_completion=row.agreed_completion_on,
                agreed_full_production=row.agreed_full_production_on, started=row.started_on, completed=row.completed_on,
                committed_fixed_assets=_committed(row.committed_fixed_assets, committed[FIXED_ASSETS_WAN]),
                committed_tax=_committed(row.committed_tax, committed[ANNUAL_TAX_WAN]),
                terms=version.monitoring if version else MonitoringTerms(), years=figures,
                enterprise=committed[ENTERPRISE] or "", agreed_delivery=row.agreed_delivery_on,
                delivered=row.delivered_on, supplied=row.supplied_on,
                extensions=snapshot.extensions_by(row.id, on),
            )
        )  # fmt: skip
    return facts, warnings


def monitor(snapshot: Snapshot, rulebook: Rulebook, as_of: date, district: str | None = None, only: str | None = None) -> dict[str, Any]:
    """The monitor's whole answer (the ``--json`` object), with statuses and open totals, over the
    ledger as recorded (``snapshot``); ``only`` limits it to one project (a project page)."""
    facts, warnings = gather(snapshot, rulebook, district, only, as_of)
    recorded = snapshot.statuses
    findings = sorted((f for project in facts for f in check(project, as_of)), key=Finding.sort_key)
    return report(findings, len(facts), recorded, as_of, warnings, rulebook.districts)


def status_on(marks: list[dict[str, Any]], as_of: date) -> tuple[dict[str, Any] | None, Decimal]:
    """The status in force on ``as_of`` (the latest effective by then) and the sum paid by then."""
    effective = sorted((m for m in marks if m["on"] <= as_of.isoformat()), key=lambda m: (m["on"], m["at"]))
    paid = sum((Decimal(m["amount_wan"]) for m in effective if m["status"] == "paid" and m.get("amount_wan")), Decimal(0))
    return (effective[-1] if effective else None), paid


def _open_amount(finding: Finding, status: dict[str, Any] | None, paid: Decimal) -> Decimal | None:
    """What is still owed: nothing once waived or paid in full; the rest after a partial payment."""
    if finding.amount_wan is None:
        return None
    if status is not None and status["status"] == "waived":
        return Decimal("0.00")
    if status is not None and status["status"] == "paid" and not paid:
        return Decimal("0.00")  # paid, the amount not given: taken as settled
    return max(Decimal("0.00"), finding.amount_wan - paid)


def _row(finding: Finding, marks: list[dict[str, Any]], as_of: date) -> dict[str, Any]:
    status, paid = status_on(marks, as_of)
    rest = _open_amount(finding, status, paid)
    is_open = (status is None or status["status"] not in CLOSED_STATUSES) or (rest is not None and rest > 0)
    amount = json_number(finding.amount_wan) if finding.amount_wan is not None else None
    return {
        "project": finding.project, "name": finding.name, "enterprise": finding.enterprise, "district": finding.district,
        "kind": finding.kind, "kind_label": FINDING_KINDS[finding.kind], "addressee": finding.addressee,
        "addressee_label": ADDRESSEE_LABELS[finding.addressee], "year": finding.year, "days": finding.days,
        "agreed_date": finding.agreed_date.isoformat() if finding.agreed_date else None,
        "effective_date": finding.effective_date.isoformat() if finding.effective_date else None,
        "amount_wan": amount, "capped": finding.capped, "open_amount_wan": json_number(rest) if rest is not None else None,
        "paid_amount_wan": json_number(paid.quantize(Decimal("0.01"))),
        "basis": finding.basis, "explanation": finding.explanation, "status": status["status"] if status else "open",
        "status_label": FINDING_STATUSES[status["status"]] if status else "待处理", "status_detail": status, "open": is_open,
    }  # fmt: skip


def _cents(value: Decimal) -> int | float:
    return json_number(value.quantize(Decimal("0.01")))


def report(
    findings: list[Finding],
    checked: int,
    recorded: dict[tuple[str, str, int | None], list[dict[str, Any]]],
    as_of: date,
    warnings: list[str],
    districts: list[str] | None = None,
) -> dict[str, Any]:
    """The ``--json`` object: the findings (by district in the rule book's order, project, kind,
    year), the claim (enterprise amounts only), the referrals apart, and the projects not checked."""
    order = {name: index for index, name in enumerate(districts or [])}
    findings = sorted(findings, key=lambda f: (order.get(f.district, len(order)), *f.sort_key()))
    by_kind: dict[str, dict[str, Any]] = {}
    total = open_total = referred = Decimal(0)
    rows = [_row(f, recorded.get(f.key, []), as_of) for f in findings]
    for finding, row in zip(findings, rows, strict=True):
        amount = finding.amount_wan or Decimal(0)
        if finding.addressee == "enterprise":
            total += amount
            open_total += Decimal(str(row["open_amount_wan"])) if row["open_amount_wan"] is not None else Decimal(0)
        elif finding.addressee == "referral":
            referred += amount
        entry = by_kind.setdefault(finding.kind, {"count": 0, "amount": Decimal(0)})
        entry["count"] += 1
        entry["amount"] += amount
    not_checked = sorted({f.project for f in findings if f.addressee == "internal"})
    return {
        "as_of": as_of.isoformat(),
        "findings": rows,
        "summary": {
            "projects_checked": checked - len(not_checked),
            "projects_not_checked": len(not_checked),
            "not_checked": not_checked,
            "projects_with_findings": len({f.project for f in findings if f.addressee != "internal"}),
            "total_amount_wan": _cents(total),
            "open_count": sum(1 for r in rows if r["open"] and r["addressee"] == "enterprise"),
            "open_amount_wan": _cents(open_total),
            "referral_amount_wan": _cents(referred),
            "by_kind": {
                kind: {"count": by_kind[kind]["count"], "amount_wan": _cents(by_kind[kind]["amount"])} for kind in KINDS if kind in by_kind
            },
        },
        "warnings": warnings,
    }


def mark(
    ledger: Ledger,
    rulebook: Rulebook,
    project: str,
    kind: str,
    year: int | None,
    status: str,
    reason: str | None,
    actor: str,
    as_of: date,
    *,
    on: date | None = None,
    amount: Decimal | None = None,
    receipt: str | None = None,
) -> bool:
    """Record what was done about one finding, as a ledger event; the finding must exist as of
    ``as_of``. Kind and status may be given by code or by their Chinese names (延期开工, 已通知)."""
    problems = []
    kind_code, status_code = code_for(kind, FINDING_KINDS), code_for(status, FINDING_STATUSES)
    if kind_code is None:
        problems.append(("类型", f"未知的核查类型 {kind}；可选：{'、'.join(FINDING_KINDS.values())}"))
    if status_code is None:
        problems.append(("状态", f"未知的状态 {status}；可选：{'、'.join(FINDING_STATUSES.values())}"))
    if status_code == "waived" and not (reason and reason.strip()):
        problems.append(("理由", "免除须写明理由"))
    if amount is not None and status_code != "paid":
        problems.append(("金额", "只有“已缴纳”登记缴纳金额"))
    if amount is not None and (not amount.is_finite() or amount <= 0):
        problems.append(("金额", "缴纳金额应大于 0"))
    if on is not None and on > date.today():
        problems.append(("日期", f"{on.isoformat()} 晚于今天"))
    if problems or kind_code is None or status_code is None:
        raise ChangeRefused(problems)

    def still_found(connection: Connection) -> list[tuple[str, str]]:
        facts, _ = gather(state(connection), rulebook, only=project)
        current = [f for p in facts for f in check(p, as_of)]
        if any(f.kind == kind_code and f.year == year for f in current):
            return []
        which = f"{project} 的“{FINDING_KINDS[kind_code]}”" + (f"（{year} 年）" if year else "")
        return [("核查结果", f"截至 {as_of.isoformat()} 没有{which}这一核查结果")]

    return record_finding_status(
        ledger, project, kind_code, year, status_code, reason, actor=actor, source="admit monitor mark", still_found=still_found,
        on=on or date.today(), amount=amount, receipt=receipt,
    )  # fmt: skip
