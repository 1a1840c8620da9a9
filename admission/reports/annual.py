"""The annual report (年度过会项目总体情况通报): every figure from the ledger, as the reports contract defines it.

Sums are exact (Fractions of the decimals as recorded) and rounded half-up once: amounts in 亿元
and averages and maxima to 2 decimals, rates and shares to 4. The averages are ratios of sums, as
亩均 figures of a region are computed. A milestone counts when its date is on or before as-of.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from functools import cached_property
from typing import Any

from admission.contract.fields import ANNUAL_TAX_WAN, AREA_M2, AREA_MU, FIXED_ASSETS_WAN, FLOOR_AREA_M2, TOTAL_WAN
from admission.ledger.history import Snapshot
from admission.numbers import exact_product, exact_sum, json_number, largest_ratio, rate, round_half_up, yi_value
from admission.rules.rulebook import Rulebook
from admission.vocabulary import PASSED, PROJECT_TYPES, VERDICTS, type_label

MU_PER_M2 = Decimal("0.0015")
WAN_PER_YI = 10000
ATTRACTION_MIN = 10000  # 万元: 1 亿元, included
OVER_10YI = 100000
OVER_50YI = 500000
FUNNEL = (("listed", "listed_on", "挂网"), ("land_supplied", "supplied_on", "供地"), ("land_delivered", "delivered_on", "交地"),
          ("started", "started_on", "开工"))  # fmt: skip
TYPE_ORDER = tuple(PROJECT_TYPES)


def _yi(wan: Fraction) -> Decimal:
    return yi_value(wan)


def _rate(part: int | Fraction, whole: int | Fraction) -> Decimal:
    return rate(part, whole, 4)


def _number(value: Decimal) -> int | float:
    return json_number(value)


ANNUAL_FIGURES = (TOTAL_WAN, FIXED_ASSETS_WAN, ANNUAL_TAX_WAN, AREA_MU, AREA_M2, FLOOR_AREA_M2)  # what the report sums


@dataclass
class Passed:
    """One passed project, with the figures of the revision its resolution was made on (exact
    decimals; ``figures`` holds the fields its reader asked for: the targets need the total alone;
    summed exactly with ``exact_sum``, divided as Fractions)."""

    project: str
    name: str
    district: str
    type: str
    land_source: str
    milestones: dict[str, date | None]
    figures: dict[str, Any]

    def _amount(self, path: str) -> Decimal:
        value: Decimal = self.figures[path]  # a number, as revision_figures gives it
        return value

    @property
    def total(self) -> Decimal:
        return self._amount(TOTAL_WAN)

    @property
    def fixed(self) -> Decimal:
        return self._amount(FIXED_ASSETS_WAN)

    @property
    def tax(self) -> Decimal:
        return self._amount(ANNUAL_TAX_WAN)

    @cached_property
    def land_mu(self) -> Decimal:
        area_mu = self.figures[AREA_MU]
        return Decimal(area_mu) if area_mu is not None else exact_product(Decimal(self.figures[AREA_M2]), MU_PER_M2)

    @cached_property
    def floor_mu(self) -> Decimal:
        """The floor area × 0.0015, so that Σ floor ÷ Σ land is the 容积率."""
        return exact_product(Decimal(self.figures[FLOOR_AREA_M2]), MU_PER_M2)


def _in(day: date | None, as_of: date) -> bool:
    return day is not None and day <= as_of


def annual(snapshot: Snapshot, rulebook: Rulebook, year: int, as_of: date, district: str | None = None) -> dict[str, Any]:
    """The ``admit report annual --json`` object for ``year`` as of ``as_of``.

    With ``district``, every project figure is that district's own (the meetings are the city's).
    """
    last = date(year, 12, 31)
    year_facts = resolved_in_year(snapshot, year, last, district, as_of)
    figures = _figures(rulebook, year, as_of, len(year_facts.meetings), len(year_facts.last_resolution), year_facts.passed,
                       year_facts.projects, year_facts.resolved)  # fmt: skip
    if district is not None:
        figures["district"] = district
        figures["by_district"] = [d for d in figures["by_district"] if d["district"] == district]
    figures["later_corrections"] = snapshot.corrections_after(min(last, as_of))
    return figures


@dataclass(frozen=True)
class YearFacts:
    """A year's meetings and what they resolved, for one district or the city (reports.md): the
    meetings, the resolutions in force at them, each reviewed project's last one, the passed
    projects with their resolved figures, and every project as of the as-of date."""

    meetings: list[Any]
    resolved: list[Any]
    last_resolution: dict[str, Any]
    passed: list[Passed]
    projects: dict[str, Any]


def resolved_in_year(snapshot: Snapshot, year: int, until: date, district: str | None, as_of: date,
                     figures: Sequence[str] = ANNUAL_FIGURES) -> YearFacts:  # fmt: skip
    """The meetings of ``year`` held by ``until`` and their resolutions, the projects counted in
    ``district`` (or all) on ``as_of``, each passed one with the ``figures`` of its resolved
    revision; the annual report and the targets read the same."""
    held = snapshot.meetings_between(date(year, 1, 1), until)
    resolved = snapshot.resolutions_of([m.id for m in held])
    project_rows = snapshot.projects_by_id(district=district, on=as_of)
    resolved = [row for row in resolved if row.project_id in project_rows]
    last_resolution = {row.project_id: row for row in resolved}  # ordered: the last one in the year wins
    passed_refs = {pid: row.revision for pid, row in last_resolution.items() if row.result in PASSED}
    read = snapshot.revision_figures(passed_refs, figures)
    passed = [_passed(project_rows[pid], read[pid]) for pid in sorted(passed_refs)]
    return YearFacts(held, resolved, last_resolution, passed, project_rows)


def _passed(project: Any, figures: dict[str, Any]) -> Passed:
    milestones = {key: getattr(project, column) for key, column, _ in FUNNEL}
    return Passed(project.id, project.name, project.district, project.type, project.land_source, milestones, figures)


def _figures(
    rulebook: Rulebook, year: int, as_of: date, meeting_count: int, reviewed: int, passed: list[Passed],
    project_rows: dict[str, Any], resolved: list[Any],
) -> dict[str, Any]:  # fmt: skip
    all_projects = list(project_rows.values())
    land = Fraction(exact_sum(p.land_mu for p in passed))

    def average(values: list[Decimal]) -> int | float:
        return _number(round_half_up(Fraction(exact_sum(values)) / land, 2)) if land else 0

    def maximum(pairs: list[tuple[Decimal, Decimal]]) -> int | float:
        largest = largest_ratio(pairs)
        return _number(round_half_up(largest, 2)) if largest is not None else 0

    cohort = [p for p in passed if p.land_source == "新增供地"]
    funnel = {key: sum(1 for p in cohort if _in(p.milestones[key], as_of)) for key, _, _ in FUNNEL}
    cohort_all = attraction_cohort(all_projects, year, as_of)  # read once; each district's is its part
    totals = {p.id: Decimal(p.total_investment) for p in cohort_all}
    attraction = _attraction(cohort_all, totals, as_of)
    deviations = [
        {"project": r.project_id, "name": project_rows[r.project_id].name, "district": project_rows[r.project_id].district,
         "meeting": f"{r.held_on.year} 年第 {r.meeting_number} 次", "date": r.held_on.isoformat(),
         "result": r.result, "verdict": r.verdict, "verdict_label": VERDICTS.get(r.verdict or "", "")}
        for r in resolved if r.deviation
    ]  # fmt: skip
    passed_in, cohort_in = _by_district(passed), _by_district(cohort_all)  # grouped once, not filtered per district
    by_district = []
    for district in rulebook.districts:
        here = passed_in.get(district, [])
        land_here = [p for p in here if p.land_source == "新增供地"]
        by_district.append(
            {"district": district, "passed": len(here), "passed_investment_yi": _number(_yi(Fraction(exact_sum(p.total for p in here)))),
             "listed": sum(1 for p in land_here if _in(p.milestones["listed"], as_of)),
             "started": sum(1 for p in land_here if _in(p.milestones["started"], as_of)),
             "attraction": _attraction(cohort_in.get(district, []), totals, as_of)}
        )  # fmt: skip
    types = sorted({p.type for p in passed}, key=lambda t: TYPE_ORDER.index(t) if t in TYPE_ORDER else len(TYPE_ORDER))
    by_type = [
        {"type": t, "label": type_label(t), "passed": sum(1 for p in passed if p.type == t),
         "passed_investment_yi": _number(_yi(Fraction(exact_sum(p.total for p in passed if p.type == t))))}
        for t in types
    ]  # fmt: skip
    return {
        "year": year,
        "as_of": as_of.isoformat(),
        "meetings": meeting_count,
        "reviewed": reviewed,
        "passed": len(passed),
        "passed_investment_yi": _number(_yi(Fraction(exact_sum(p.total for p in passed)))),
        "averages": {
            "plot_ratio": average([p.floor_mu for p in passed]),
            "investment_intensity": average([p.fixed for p in passed]),
            "tax_per_mu": average([p.tax for p in passed]),
        },
        "maxima": {
            "plot_ratio": maximum([(p.floor_mu, p.land_mu) for p in passed]),
            "investment_intensity": maximum([(p.fixed, p.land_mu) for p in passed]),
            "tax_per_mu": maximum([(p.tax, p.land_mu) for p in passed]),
        },
        "land_cohort": len(cohort),
        "funnel": funnel,
        "rates": {key: _number(_rate(count, len(cohort))) for key, count in funnel.items()},
        "attraction": attraction,
        "deviations": len(deviations),
        "deviation_list": deviations,
        "by_district": by_district,
        "by_type": by_type,
    }


def _by_district(items: Iterable[Any]) -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = {}
    for item in items:
        grouped.setdefault(item.district, []).append(item)
    return grouped


def signed_in(all_projects: Iterable[Any], year: int, as_of: date) -> list[Any]:
    """The projects signed (签约) in ``year`` by ``as_of``, any size."""
    return [p for p in all_projects if p.signed_on is not None and p.signed_on.year == year and p.signed_on <= as_of]


def attraction_cohort(all_projects: Iterable[Any], year: int, as_of: date) -> list[Any]:
    """招商成效: the projects signed in ``year`` by ``as_of`` with a total investment of 1 亿元 or more."""
    signed = signed_in(all_projects, year, as_of)
    return [p for p in signed if p.total_investment is not None and Decimal(p.total_investment) >= ATTRACTION_MIN]


def _attraction(signed: list[Any], totals: dict[str, Decimal], as_of: date) -> dict[str, Any]:
    """招商成效 of a cohort (``attraction_cohort``), ``totals`` its projects' total investments."""

    def wan(members: list[Any]) -> Fraction:
        return Fraction(exact_sum(totals[p.id] for p in members))

    def group(members: list[Any]) -> dict[str, Any]:
        return {"count": len(members), "investment_yi": _number(_yi(wan(members)))}

    key_chain = [p for p in signed if p.chain]
    started = sum(1 for p in signed if _in(p.started_on, as_of))
    return {
        **group(signed),
        "manufacturing": group([p for p in signed if (p.industry_code or "").startswith("C")]),
        "key_chain": group(key_chain),
        "key_chain_share": _number(_rate(wan(key_chain), wan(signed))),
        "over_10yi": group([p for p in signed if totals[p.id] >= OVER_10YI]),
        "over_50yi": group([p for p in signed if totals[p.id] >= OVER_50YI]),
        "started": started,
        "landing_rate": _number(_rate(started, len(signed))),
    }
