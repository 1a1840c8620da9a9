"""履约 findings: one project's facts against its land contract and commitments, as of a date.

Pure functions of plain facts (no database): the ledger side gathers the facts, this decides
what the city can claim. Every amount is exact (Fractions of the decimals as written) and rounded
half-up once, to 2 decimals of 万元, as the monitoring contract says.

As of date ``A``, a milestone dated after ``A`` has not happened yet: it counts as absent (so a
start recorded after ``A`` leaves the project not started as of ``A``, as the reports count).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from admission.dates import date_zh
from admission.numbers import fixed, grouped, percent, round_half_up
from admission.rules.rulebook import MonitoringTerms
from admission.vocabulary import ADDRESSEES, FINDING_KINDS, NEW_LAND

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
    enterprise: str = ""  # 投资主体
    agreed_delivery: date | None = None  # L
    delivered: date | None = None  # d
    supplied: date | None = None  # 供地
    # Approved extensions in force, in the order approved: (开工 | 竣工 | 达产, the date approved).
    extensions: tuple[tuple[str, date], ...] = ()


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
    agreed_date: date | None = None
    effective_date: date | None = None
    capped: bool = False
    enterprise: str = ""

    @property
    def key(self) -> tuple[str, str, int | None]:
        """What a status (notified, paid, …) is recorded against."""
        return self.project, self.kind, self.year

    @property
    def addressee(self) -> str:
        return ADDRESSEES[self.kind]

    def sort_key(self) -> tuple[str, str, int, int]:
        return self.district, self.project, KINDS.index(self.kind), -1 if self.year is None else self.year


def _wan(value: Fraction) -> Decimal:
    return round_half_up(value, 2)


def _text(value: Decimal) -> str:
    """An amount in an explanation as the notice prints it: 2,000,000.00 (万元, 2 decimals)."""
    return grouped(value)


def _share(value: Decimal) -> str:
    """A contract rate or share as a percentage: 0.0005 is 0.05%, 0.2 is 20%."""
    return percent(value)


def _as_of(day: date | None, as_of: date) -> date | None:
    """A milestone as known on ``as_of``: absent if it is later."""
    return day if day is not None and day <= as_of else None


@dataclass(frozen=True)
class EffectiveDates:
    """The agreed dates moved by the government's delay in delivering the land: ``S'``, ``C'``, ``K'``."""

    delay: int  # g, days
    start: date | None
    completion: date | None
    full_production: date | None

    extended: tuple[str, ...] = ()  # the steps an approved extension moved

    @classmethod
    def of(cls, facts: ProjectFacts, delivered: date | None, as_of: date) -> EffectiveDates:
        return cls.moved(facts.agreed_delivery, (facts.agreed_start, facts.agreed_completion, facts.agreed_full_production),
                         facts.extensions, delivered, as_of)  # fmt: skip

    @classmethod
    def moved(
        cls, agreed_delivery: date | None, agreed: tuple[date | None, date | None, date | None],
        extensions: tuple[tuple[str, date], ...], delivered: date | None, as_of: date,
    ) -> EffectiveDates:  # fmt: skip
        """``S'``, ``C'``, ``K'`` from the agreed (start, completion, 达产) dates: moved by the days the
        land was delivered late (by ``as_of`` when not yet delivered) and by approved extensions."""
        handed = min(delivered, as_of) if delivered is not None else as_of
        reference = agreed_delivery or agreed[0]
        delay = max(0, (handed - reference).days) if reference is not None else 0
        start, completion, full = (d + timedelta(days=delay) if d is not None else None for d in agreed)
        extended: list[str] = []
        for step, approved in extensions:  # an extension of the start moves the completion by as much
            if step == "开工" and start is not None and approved > start:
                completion = completion + (approved - start) if completion is not None else None
                start = approved
            elif step == "竣工" and completion is not None and approved > completion:
                completion = approved
            elif step == "达产" and full is not None and approved > full:
                full = approved
            else:
                continue
            extended.append(step)
        return cls(delay, start, completion, full, tuple(extended))

    def why(self, agreed: date, step: str = "开工") -> str:
        reasons = [f"因未按约定交地顺延 {self.delay} 日"] if self.delay else []
        if step in self.extended or (step == "竣工" and "开工" in self.extended):
            reasons.append("经批准延期")
        return f"（约定{date_zh(agreed)}，{'、'.join(reasons)}）" if reasons else ""


def check(facts: ProjectFacts, as_of: date) -> list[Finding]:
    """Every finding of one passed project as of ``as_of``, sorted as the contract says."""
    found: list[Finding] = []

    def add(kind: str, year: int | None, days: int | None, amount: Decimal | None, basis: str, explanation: str,
            agreed: date | None = None, effective: date | None = None, capped: bool = False) -> None:  # fmt: skip
        found.append(Finding(facts.project, facts.name, facts.district, kind, year, days, amount, basis, explanation,
                             agreed, effective, capped, facts.enterprise))  # fmt: skip

    terms = facts.terms
    delivered = _as_of(facts.delivered, as_of)
    dates = EffectiveDates.of(facts, delivered, as_of)
    if facts.land_source == NEW_LAND:
        _land_findings(facts, as_of, dates, delivered, add)
    _tax_findings(facts, as_of, dates, terms, found, add)
    return sorted(found, key=Finding.sort_key)


def _land_findings(facts: ProjectFacts, as_of: date, dates: EffectiveDates, delivered: date | None, add: Any) -> None:
    """The land-contract findings: none while the land is not delivered (the government's delay is
    never the firm's), none without a contract (a matter of data to complete)."""
    terms, price = facts.terms, facts.land_price
    supplied = _as_of(facts.supplied, as_of)
    if delivered is None:
        due = facts.agreed_delivery is not None and facts.agreed_delivery < as_of
        if supplied is not None or due:
            when = f"约定交地日期为{date_zh(facts.agreed_delivery)}" if facts.agreed_delivery else "已供地"
            add(
                "not_delivered",
                None,
                None,
                None,
                terms.source_delay,
                f"{when}，截至{date_zh(as_of)}尚未交地；未交地期间不追究企业责任",
            )
        return
    if price is None or facts.agreed_start is None:
        add(
            "no_contract",
            None,
            None,
            None,
            terms.source_late,
            "已供地或交地，但台账中没有出让价款或约定开工日期，无法核查，请补录土地出让合同",
        )
        return
    started, completed = _as_of(facts.started, as_of), _as_of(facts.completed, as_of)
    start = dates.start
    assert start is not None  # agreed_start is known
    cap = Fraction(price) * Fraction(terms.penalty_cap_share)
    charged = Fraction(0)
    if start < as_of and (started is None or started > start):
        reclaim_due = start + timedelta(days=terms.reclaim_days)
        until = min(started or as_of, as_of, reclaim_due)
        days = (until - start).days
        exact = Fraction(price) * Fraction(terms.late_start_rate) * days
        capped = exact > cap
        charged = min(exact, cap)
        stop = "（满收回期限，停止计算）" if until == reclaim_due and until < (started or as_of) else ""
        when = f"于{date_zh(started)}开工" if started else f"截至{date_zh(as_of)}仍未开工"
        add("late_start", None, days, _wan(charged), terms.source_late,
            f"约定开工日期为{date_zh(start)}{dates.why(facts.agreed_start)}，{when}，逾期{days}日{stop}；"
            f"出让价款{_text(price)}万元×每日{_share(terms.late_start_rate)}×{days}日={_text(_wan(charged))}万元"
            + ("（已达违约金上限）" if capped else ""), facts.agreed_start, start, capped)  # fmt: skip
    finish = dates.completion
    if (finish is not None and facts.agreed_completion is not None and finish < as_of and (completed is None or completed > finish)
            and (started is not None or terms.completion_before_start)):  # fmt: skip
        days = ((completed or as_of) - finish).days
        exact = Fraction(price) * Fraction(terms.late_completion_rate) * days
        allowed = max(Fraction(0), cap - charged)
        capped = exact > allowed
        amount = _wan(min(exact, allowed))
        when = f"于{date_zh(completed)}竣工" if completed else f"截至{date_zh(as_of)}仍未竣工"
        add("late_completion", None, days, amount, terms.source_late,
            f"约定竣工日期为{date_zh(finish)}{dates.why(facts.agreed_completion, '竣工')}，{when}，逾期{days}日；"
            f"出让价款{_text(price)}万元×每日{_share(terms.late_completion_rate)}×{days}日"
            + (f"，已达违约金上限，计{_text(amount)}万元" if capped else f"={_text(amount)}万元"),
            facts.agreed_completion, finish, capped)  # fmt: skip
    if started is None or started > start:
        idle = ((started or as_of) - start).days
        if idle >= terms.idle_land_days:
            amount = _wan(Fraction(price) * Fraction(terms.idle_land_share))
            explanation = (
                f"自约定开工日期{date_zh(start)}起{idle}日未开工（满{terms.idle_land_days}日），"
                "移送自然资源主管部门认定闲置土地、征缴闲置费："
                f"出让价款{_text(price)}万元×{_share(terms.idle_land_share)}={_text(amount)}万元"
            )
            add("idle_land", None, None, amount, terms.source_idle, explanation, facts.agreed_start, start)
    if started is None and (as_of - start).days >= terms.reclaim_days:
        add("reclaim", None, None, None, terms.source_idle,
            f"自约定开工日期{date_zh(start)}起{(as_of - start).days}日未开工（满{terms.reclaim_days}日），"
            "移送自然资源主管部门依法处置（无偿收回土地使用权）", facts.agreed_start, start)  # fmt: skip
    if finish is not None and finish <= as_of:
        _investment(facts, finish, add)


def _investment(facts: ProjectFacts, finish: date, add: Any) -> None:
    terms, price = facts.terms, facts.land_price
    assert price is not None
    year = finish.year
    actual = facts.years.get(year, YearFigures()).fixed_assets
    committed = facts.committed_fixed_assets
    if actual is None:
        add(
            "missing_data",
            year,
            None,
            None,
            terms.source_investment,
            f"请报送{year}年（约定竣工年度）的累计固定资产投资，以便核查投资是否达到约定",
        )
    elif actual < committed:
        amount = _wan(Fraction(price) * (Fraction(committed) - Fraction(actual)) / Fraction(committed))
        add("investment_shortfall", year, None, amount, terms.source_investment,
            f"承诺固定资产投资{_text(committed)}万元，至{year}年累计{_text(actual)}万元，差额占"
            f"{fixed((Fraction(committed) - Fraction(actual)) / Fraction(committed) * 100, 2)}%；"
            f"出让价款{_text(price)}万元×（{_text(committed)}−{_text(actual)}）÷{_text(committed)}"
            f"={_text(amount)}万元")  # fmt: skip


def _tax_findings(facts: ProjectFacts, as_of: date, dates: EffectiveDates, terms: MonitoringTerms, found: list[Finding], add: Any) -> None:
    full = dates.full_production
    if full is None:
        return
    for year in range(full.year + 1, as_of.year):
        actual = facts.years.get(year, YearFigures()).tax
        committed = facts.committed_tax
        if actual is None:
            # One missing_data per project and year, even when the investment check lacks it too.
            if not any(f.kind == "missing_data" and f.year == year for f in found):
                add(
                    "missing_data",
                    year,
                    None,
                    None,
                    terms.source_tax,
                    f"请报送{year}年（达产后第{year - full.year}个完整年度）的实际税收",
                )
        elif actual < committed:
            amount = _wan(Fraction(committed) - Fraction(actual))
            add("tax_shortfall", year, None, amount, terms.source_tax,
                f"承诺达产年税收{_text(committed)}万元，{year}年实际{_text(actual)}万元；"
                f"差额{_text(committed)}−{_text(actual)}={_text(amount)}万元")  # fmt: skip
