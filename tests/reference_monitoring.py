"""A reference 履约 monitor written from the monitoring contract, version 2, alone (shares no code
with admission).

Decimal arithmetic at 200 digits with one quantize(ROUND_HALF_UP) per amount; the cap is applied
to the exact amounts, before rounding. A milestone dated after the as-of date has not happened as
of that date.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

CONTEXT = decimal.Context(prec=200)
CENT = Decimal("0.01")
ORDER = ("not_delivered", "no_contract", "late_start", "late_completion", "idle_land", "reclaim", "investment_shortfall",
         "tax_shortfall", "missing_data")  # fmt: skip


@dataclass(frozen=True)
class Terms:
    late_start_rate: Decimal = Decimal("0.001")
    late_completion_rate: Decimal = Decimal("0.001")
    idle_land_share: Decimal = Decimal("0.2")
    idle_land_days: int = 365
    reclaim_days: int = 730
    penalty_cap_share: Decimal = Decimal("1")
    completion_before_start: bool = False


@dataclass(frozen=True)
class Project:
    land_source: str
    price: Decimal | None  # P
    S: date | None
    C: date | None
    K: date | None
    s: date | None
    c: date | None
    fixed_committed: Decimal
    tax_committed: Decimal
    terms: Terms = Terms()
    tax: dict[int, Decimal] = field(default_factory=dict)
    fixed: dict[int, Decimal] = field(default_factory=dict)
    L: date | None = None  # 约定交地日期
    d: date | None = None  # 交地日期
    supplied: date | None = None  # 供地日期
    extensions: tuple[tuple[str, date], ...] = ()  # approved: (开工 | 竣工 | 达产, new date), in order


Finding = tuple[str, int | None, int | None, Decimal | None]  # kind, year, days, amount


def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP, context=CONTEXT)


def _known(day: date | None, A: date) -> date | None:
    return day if day is not None and day <= A else None


def findings(p: Project, A: date) -> list[Finding]:
    with decimal.localcontext(CONTEXT):
        out = _findings(p, A)
    return sorted(out, key=lambda f: (ORDER.index(f[0]), -1 if f[1] is None else f[1]))


def _delay(p: Project, d: date | None, A: date) -> int:
    """g: the government's delay in handing over the land."""
    handed = min(d, A) if d is not None else A
    if p.L is not None:
        return max(0, (handed - p.L).days)
    if p.S is not None:
        return max(0, (handed - p.S).days)
    return 0


def _findings(p: Project, A: date) -> list[Finding]:
    out: list[Finding] = []
    s, c, d, supplied = _known(p.s, A), _known(p.c, A), _known(p.d, A), _known(p.supplied, A)
    P, t = p.price, p.terms
    g = timedelta(days=_delay(p, d, A))
    S2 = p.S + g if p.S is not None else None
    C2 = p.C + g if p.C is not None else None
    K2 = p.K + g if p.K is not None else None
    for step, new in p.extensions:
        # 开工: S' moves to the approved date and C' by the same number of days; 竣工, 达产: C', K'.
        if step == "开工" and S2 is not None and new > S2:
            if C2 is not None:
                C2 = C2 + (new - S2)
            S2 = new
        elif step == "竣工" and C2 is not None and new > C2:
            C2 = new
        elif step == "达产" and K2 is not None and new > K2:
            K2 = new
    if p.land_source == "新增供地":
        if d is None:
            if supplied is not None or (p.L is not None and p.L < A):
                out.append(("not_delivered", None, None, None))
        elif P is None or p.S is None:
            out.append(("no_contract", None, None, None))
        else:
            assert S2 is not None
            cap = P * t.penalty_cap_share
            late_start = Decimal(0)
            if S2 < A and (s is None or s > S2):
                end = min(s if s is not None else A, A, S2 + timedelta(days=t.reclaim_days))
                days = (end - S2).days
                late_start = min(P * t.late_start_rate * days, cap)
                out.append(("late_start", None, days, _round(late_start)))
            if C2 is not None and C2 < A and (c is None or c > C2) and (s is not None or t.completion_before_start):
                days = ((c if c is not None else A) - C2).days
                amount = min(P * t.late_completion_rate * days, max(Decimal(0), cap - late_start))
                out.append(("late_completion", None, days, _round(amount)))
            if (s is None or s > S2) and ((s if s is not None else A) - S2).days >= t.idle_land_days:
                out.append(("idle_land", None, None, _round(P * t.idle_land_share)))
            if s is None and (A - S2).days >= t.reclaim_days:
                out.append(("reclaim", None, None, None))
            if C2 is not None and C2 <= A:
                actual = p.fixed.get(C2.year)
                if actual is None:
                    out.append(("missing_data", C2.year, None, None))
                elif actual < p.fixed_committed:
                    out.append(("investment_shortfall", C2.year, None, _round(P * (p.fixed_committed - actual) / p.fixed_committed)))
    if K2 is not None:
        for year in range(K2.year + 1, A.year):
            actual = p.tax.get(year)
            if actual is None:
                if ("missing_data", year, None, None) not in out:
                    out.append(("missing_data", year, None, None))
            elif actual < p.tax_committed:
                out.append(("tax_shortfall", year, None, _round(p.tax_committed - actual)))
    return out


def status_in_force(amount: Decimal | None, marks: list[dict[str, object]], A: date) -> tuple[str, Decimal | None]:
    """The status in force on A (the latest whose own date is on or before A, recorded order
    breaking ties) and what is still owed: nothing once waived, or paid without an amount; the
    amount less every payment by A otherwise."""
    effective = [m for m in marks if str(m["on"]) <= A.isoformat()]
    effective.sort(key=lambda m: (str(m["on"]), str(m["at"])))
    status = str(effective[-1]["status"]) if effective else "open"
    if amount is None:
        return status, None
    paid = sum((Decimal(str(m["amount_wan"])) for m in effective if m["status"] == "paid" and m.get("amount_wan")), Decimal(0))
    if status == "waived" or (status == "paid" and paid == 0):
        return status, Decimal("0.00")
    return status, max(Decimal("0.00"), amount - paid)
