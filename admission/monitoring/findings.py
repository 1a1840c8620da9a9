"""履约 findings: one project's facts against its land contract and commitments, as of a date.

Pure functions of plain facts (no database): the ledger side gathers the facts, this decides
what the city can claim. Every amount is exact (Fractions of the decimals as written) and rounded
half-up once, to 2 decimals of 万元, as the monitoring contract says.

As of date ``A``, a milestone dated after ``A`` has not happened yet: it counts as absent (so a
start recorded after ``A`` leaves the project not started as of ``A``, as the reports count).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction

from admission.numbers import round_half_up
from admission.rules.rulebook import MonitoringTerms
from admission.vocabulary import FINDING_KINDS, NEW_LAND

KINDS = tuple(FINDING_KINDS)


@dataclass(frozen=True)
class YearFigures:
    tax: Decimal | None = None
    fixed_assets: Decimal | None = None  # cumulative


@dataclass(frozen=True)
class ProjectFacts:
    """What the monitor needs of one passed project (committed figures from the resolved revision)."""

    project: str
    name: str
    district: str
    land_source: str
    land_price: Decimal | None  # P, 万元
    agreed_start: date | None  # S
    agreed_completion: date | None  # C
    agreed_full_production: date | None  # K
    started: date | None  # s
    completed: date | None  # c
    committed_fixed_assets: Decimal  # 万元
    committed_tax: Decimal  # 万元 a year
    terms: MonitoringTerms
    years: dict[int, YearFigures] = field(default_factory=dict)


@dataclass(frozen=True)
class Finding:
    project: str
    name: str
    district: str
    kind: str
    year: int | None
    days: int | None
    amount_wan: Decimal | None
    basis: str
    explanation: str

    @property
    def key(self) -> tuple[str, str, int | None]:
        """What a status (notified, paid, …) is recorded against."""
        return self.project, self.kind, self.year

    def sort_key(self) -> tuple[str, str, str, int]:
        return self.district, self.project, self.kind, -1 if self.year is None else self.year


def _wan(value: Fraction) -> Decimal:
    return round_half_up(value, 2)


def _text(value: Decimal) -> str:
    return f"{value:f}"


def _as_of(day: date | None, as_of: date) -> date | None:
    """A milestone as known on ``as_of``: absent if it is later."""
    return day if day is not None and day <= as_of else None


def _late(
    kind: str, step: str, agreed: date | None, actual: date | None, price: Decimal | None, rate: Decimal, basis: str, as_of: date
) -> tuple[str, None, int, Decimal, str, str] | None:
    """延期开工 or 延期竣工: the agreed date passed and the step not done by it; ``P × rate × days``."""
    if agreed is None or price is None or not agreed < as_of or (actual is not None and actual <= agreed):
        return None
    days = ((actual or as_of) - agreed).days
    amount = _wan(Fraction(price) * Fraction(rate) * days)
    when = f"于 {actual.isoformat()} {step}" if actual else f"截至 {as_of.isoformat()} 仍未{step}"
    explanation = (
        f"约定{step}日期 {agreed.isoformat()}，{when}，逾期 {days} 日；"
        f"出让价款 {_text(price)} 万元 × 每日 {_text(rate)} × {days} 日 = {_text(amount)} 万元"
    )
    return kind, None, days, amount, basis, explanation


def check(facts: ProjectFacts, as_of: date) -> list[Finding]:
    """Every finding of one passed project as of ``as_of``, sorted as the contract says."""
    found: list[Finding] = []

    def add(kind: str, year: int | None, days: int | None, amount: Decimal | None, basis: str, explanation: str) -> None:
        found.append(Finding(facts.project, facts.name, facts.district, kind, year, days, amount, basis, explanation))

    terms = facts.terms
    price = facts.land_price
    started = _as_of(facts.started, as_of)
    completed = _as_of(facts.completed, as_of)
    if facts.land_source == NEW_LAND:
        start = facts.agreed_start
        late = _late("late_start", "开工", start, started, price, terms.late_start_rate, terms.source_late, as_of)
        if late is not None:
            add(*late)
        if start is not None and price is not None and (started is None or started > start):
            idle = ((started or as_of) - start).days
            if idle >= terms.idle_land_days:
                amount = _wan(Fraction(price) * Fraction(terms.idle_land_share))
                add("idle_land", None, None, amount, terms.source_idle,
                    f"约定开工日期 {start.isoformat()} 起 {idle} 日未开工（满 {terms.idle_land_days} 日）；"
                    f"出让价款 {_text(price)} 万元 × {_text(terms.idle_land_share)} = {_text(amount)} 万元")  # fmt: skip
        if start is not None and started is None and (as_of - start).days >= terms.reclaim_days:
            add("reclaim", None, None, None, terms.source_idle,
                f"约定开工日期 {start.isoformat()} 起 {(as_of - start).days} 日未开工（满 {terms.reclaim_days} 日），"
                "建议依法无偿收回土地使用权")  # fmt: skip
        finish = facts.agreed_completion
        late = _late("late_completion", "竣工", finish, completed, price, terms.late_completion_rate, terms.source_late, as_of)
        if late is not None:
            add(*late)
        if finish is not None and price is not None and finish <= as_of:
            year = finish.year
            actual = facts.years.get(year, YearFigures()).fixed_assets
            committed = facts.committed_fixed_assets
            if actual is None:
                missing = f"{year} 年（约定竣工年度）的累计固定资产投资未填报，无法核查投资是否达约定"
                add("missing_data", year, None, None, terms.source_investment, missing)
            elif actual < committed:
                amount = _wan(Fraction(price) * (Fraction(committed) - Fraction(actual)) / Fraction(committed))
                add("investment_shortfall", year, None, amount, terms.source_investment,
                    f"承诺固定资产投资 {_text(committed)} 万元，至 {year} 年累计 {_text(actual)} 万元，差额占 "
                    f"{_text(round_half_up((Fraction(committed) - Fraction(actual)) / Fraction(committed) * 100, 2))}%；"
                    f"出让价款 {_text(price)} 万元 × ({_text(committed)} − {_text(actual)}) ÷ {_text(committed)} "
                    f"= {_text(amount)} 万元")  # fmt: skip
    full = facts.agreed_full_production
    if full is not None:
        for year in range(full.year + 1, as_of.year):
            actual = facts.years.get(year, YearFigures()).tax
            committed = facts.committed_tax
            if actual is None:
                # One missing_data per project and year, even when the investment check lacks it too.
                if not any(f.kind == "missing_data" and f.year == year for f in found):
                    missing = f"{year} 年（达产后第 {year - full.year} 个完整年度）的实际税收未填报，无法核查"
                    add("missing_data", year, None, None, terms.source_tax, missing)
            elif actual < committed:
                amount = _wan(Fraction(committed) - Fraction(actual))
                add("tax_shortfall", year, None, amount, terms.source_tax,
                    f"承诺达产年税收 {_text(committed)} 万元，{year} 年实际 {_text(actual)} 万元；"
                    f"差额 {_text(committed)} − {_text(actual)} = {_text(amount)} 万元")  # fmt: skip
    return sorted(found, key=Finding.sort_key)
