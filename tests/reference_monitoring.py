"""A reference 履约 monitor written from the monitoring contract alone (shares no code with admission).

Decimal arithmetic at 200 digits with one quantize(ROUND_HALF_UP) per amount, where the product
uses Fractions; the clarification the product documents is applied here too: a milestone dated
after the as-of date has not happened as of that date.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

CONTEXT = decimal.Context(prec=200)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Terms:
    late_start_rate: Decimal = Decimal("0.001")
    late_completion_rate: Decimal = Decimal("0.001")
    idle_land_share: Decimal = Decimal("0.2")
    idle_land_days: int = 365
    reclaim_days: int = 730


@dataclass(frozen=True)
class Project:
    land_source: str
    price: Decimal | None
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


Finding = tuple[str, int | None, int | None, Decimal | None]  # kind, year, days, amount


def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP, context=CONTEXT)


def findings(p: Project, A: date) -> list[Finding]:
    with decimal.localcontext(CONTEXT):
        return _findings(p, A)


def _findings(p: Project, A: date) -> list[Finding]:
    out: list[Finding] = []
    s = p.s if p.s is not None and p.s <= A else None
    c = p.c if p.c is not None and p.c <= A else None
    P, t = p.price, p.terms
    if p.land_source == "新增供地":
        if p.S is not None and P is not None:
            if p.S < A and (s is None or s > p.S):
                days = ((s if s is not None else A) - p.S).days
                out.append(("late_start", None, days, _round(P * t.late_start_rate * days)))
            if (s is None or s > p.S) and ((s if s is not None else A) - p.S).days >= t.idle_land_days:
                out.append(("idle_land", None, None, _round(P * t.idle_land_share)))
        if p.S is not None and s is None and (A - p.S).days >= t.reclaim_days:
            out.append(("reclaim", None, None, None))
        if p.C is not None and P is not None:
            if p.C < A and (c is None or c > p.C):
                days = ((c if c is not None else A) - p.C).days
                out.append(("late_completion", None, days, _round(P * t.late_completion_rate * days)))
            if p.C <= A:
                actual = p.fixed.get(p.C.year)
                if actual is None:
                    out.append(("missing_data", p.C.year, None, None))
                elif actual < p.fixed_committed:
                    out.append(("investment_shortfall", p.C.year, None, _round(P * (p.fixed_committed - actual) / p.fixed_committed)))
    if p.K is not None:
        for year in range(p.K.year + 1, A.year):
            actual = p.tax.get(year)
            if actual is None:
                if ("missing_data", year, None, None) not in out:
                    out.append(("missing_data", year, None, None))
            elif actual < p.tax_committed:
                out.append(("tax_shortfall", year, None, _round(p.tax_committed - actual)))
    return sorted(out, key=lambda f: (f[0], -1 if f[1] is None else f[1]))
