"""Targets (年度目标任务): the indicator catalogue computed from the ledger, each target's completion
against 序时进度, its light and score; the 绩效自评表 (``report targets``) and the district 年考核
(``report assessment``). Everything is read from one snapshot (as of D, as recorded by R).

The catalogue's figures are those of ``reports.md`` (the annual 通报), with the meetings and
milestones counted up to the as-of date, so a target report in June says what June knew.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from admission.contract.fields import TOTAL_WAN
from admission.ledger.history import Record, Snapshot
from admission.numbers import exact_sum, json_number, round_half_up
from admission.reports.annual import FUNNEL, OVER_10YI, OVER_50YI, WAN_PER_YI, Passed, attraction_cohort, resolved_in_year, signed_in
from admission.rules.rulebook import Rulebook, SupervisionTerms
from admission.supervision.measures import ahead_points, completion, light, ranks, schedule, score
from admission.vocabulary import CITY, EXPANSION, NEW_LAND, PROPORTIONS, TARGET_INDICATORS

AMOUNT_PLACES, SHARE_PLACES = 2, 4


def _share(part: Fraction | int, whole: Fraction | int) -> Fraction:
    return Fraction(part) / Fraction(whole) if whole else Fraction(0)


def _by(day: date | None, as_of: date) -> bool:
    return day is not None and day <= as_of


Values = dict[str, Fraction]


def indicator_values_by_region(snapshot: Snapshot, year: int, as_of: date, regions: list[str | None]) -> dict[str | None, Values]:
    """Every catalogue indicator of ``year`` as of ``as_of`` for several regions (None: the city),
    exact (amounts in 亿元; shares and rates as fractions of 1), from one reading of the year: the
    city's meetings, resolutions and resolved figures are read once and split by the district each
    project counts in on ``as_of`` (transfers honoured)."""
    facts = resolved_in_year(snapshot, year, min(date(year, 12, 31), as_of), None, as_of, figures=[TOTAL_WAN])
    projects: dict[str | None, list[Any]] = defaultdict(list)
    for project in facts.projects.values():
        projects[project.district].append(project)
    passed: dict[str | None, list[Passed]] = defaultdict(list)
    for one in facts.passed:
        passed[one.district].append(one)
    reviewed = Counter(facts.projects[pid].district for pid in facts.last_resolution)
    projects[None], passed[None], reviewed[None] = list(facts.projects.values()), facts.passed, len(facts.last_resolution)
    return {region: _values(projects[region], passed[region], reviewed[region], year, as_of) for region in regions}


def _values(all_projects: list[Any], passed: list[Passed], reviewed: int, year: int, as_of: date) -> Values:
    signed = signed_in(all_projects, year, as_of)
    cohort = attraction_cohort(all_projects, year, as_of)
    totals = {p.id: Decimal(p.total_investment) for p in signed if p.total_investment is not None}
    manufacturing = [p for p in signed if (p.industry_code or "").startswith("C")]
    key_chain = [p for p in signed if p.chain]
    expansion = [p for p in signed if p.nature == EXPANSION]
    land = [p for p in passed if p.land_source == NEW_LAND]
    reached = {key: sum(1 for p in land if _by(p.milestones[key], as_of)) for key, _, _ in FUNNEL}
    started = sum(1 for p in cohort if _by(p.started_on, as_of))

    def wan(members: list[Any]) -> Fraction:
        return Fraction(exact_sum(totals.get(p.id, Decimal(0)) for p in members))

    signed_total = wan(signed)
    return {
        "reviewed": Fraction(reviewed),
        "passed": Fraction(len(passed)),
        "passed_investment_yi": Fraction(exact_sum(p.total for p in passed)) / WAN_PER_YI,
        "signed": Fraction(len(signed)),
        "signed_investment_yi": signed_total / WAN_PER_YI,
        "attraction": Fraction(len(cohort)),
        "attraction_investment_yi": wan(cohort) / WAN_PER_YI,
        "manufacturing_investment_yi": wan(manufacturing) / WAN_PER_YI,
        "manufacturing_share": _share(wan(manufacturing), signed_total),
        "key_chain_investment_yi": wan(key_chain) / WAN_PER_YI,
        "key_chain_share": _share(wan(key_chain), signed_total),
        "over_10yi": Fraction(sum(1 for total in totals.values() if total >= OVER_10YI)),
        "over_50yi": Fraction(sum(1 for total in totals.values() if total >= OVER_50YI)),
        "expansion": Fraction(len(expansion)),
        "expansion_investment_yi": wan(expansion) / WAN_PER_YI,
        "started": Fraction(started),
        "landing_rate": _share(started, len(cohort)),
        "listed_rate": _share(reached["listed"], len(land)),
        "supplied_rate": _share(reached["land_supplied"], len(land)),
        "started_rate": _share(reached["started"], len(land)),
    }


def shown_value(indicator: str, value: Fraction) -> Decimal:
    """An indicator's value as the JSON and the tables give it: counts whole, amounts in 亿元 to 2
    decimals, shares and rates to 4, rounded half-up once from the exact value."""
    if indicator in PROPORTIONS:
        return round_half_up(value, SHARE_PLACES)
    if indicator.endswith("_yi"):
        return round_half_up(value, AMOUNT_PLACES)
    return round_half_up(value, 0)


def _number(value: Decimal | None) -> int | float | None:
    return None if value is None else json_number(value)


def target_row(target: Record, actual: Fraction, progress: Fraction, terms: SupervisionTerms) -> dict[str, Any]:
    """One target measured: 完成值, 完成率, points ahead, light and score, as the JSON gives them."""
    goal = Fraction(target.target)
    proportion = target.indicator in PROPORTIONS
    rate = completion(actual, goal, target.direction)
    weight = Fraction(target.weight) if target.weight is not None else None
    yellow, red = Fraction(terms.yellow_points), Fraction(terms.red_points)
    scored = score(rate, weight, Fraction(terms.score_cap))
    return {
        "region": target.region,
        "indicator": target.indicator,
        "label": TARGET_INDICATORS[target.indicator],
        "direction": target.direction,
        "target": json_number(Decimal(target.target)),
        "actual": _number(shown_value(target.indicator, actual)),
        "completion": _number(round_half_up(rate, 4)),
        "ahead_points": _number(ahead_points(actual, goal, rate, progress, proportion, target.direction)),
        "light": light(actual, goal, rate, progress, proportion, target.direction, yellow, red),
        "weight": _number(Decimal(target.weight)) if target.weight is not None else None,
        "score": _number(scored),
        "reason": target.explanation if rate < 1 else None,
        "proportion": proportion,
    }


def _ordered(rows: list[Record]) -> list[Record]:
    order = list(TARGET_INDICATORS)
    return sorted(rows, key=lambda t: order.index(t.indicator))


def targets_report(snapshot: Snapshot, rulebook: Rulebook, year: int, as_of: date, district: str | None = None) -> dict[str, Any]:
    """``admit report targets --json``: the targets of 全市 (or of ``district``) for ``year`` as of
    ``as_of``, each measured; ``total_score`` sums the scores (the 绩效自评表's 自评分数)."""
    return targets_reports(snapshot, rulebook, year, as_of, [district])[0]


def targets_reports(snapshot: Snapshot, rulebook: Rulebook, year: int, as_of: date, regions: list[str | None],
                    values: dict[str | None, Values] | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """The targets report of each region (None: 全市), the year read once for all of them."""
    terms = rulebook.version_on(as_of).supervision
    progress = schedule(year, as_of)
    wanted = {region: _ordered([t for t in snapshot.targets if t.year == year and t.region == (region or CITY)]) for region in regions}
    if values is None:
        values = indicator_values_by_region(snapshot, year, as_of, [r for r in regions if wanted[r]])
    reports = []
    for region in regions:
        rows = [target_row(t, values[region][t.indicator], progress, terms) for t in wanted[region]]
        total = sum((Decimal(str(r["score"])) for r in rows if r["score"] is not None), Decimal(0))
        reports.append({
            "year": year,
            "as_of": as_of.isoformat(),
            "region": region or CITY,
            "schedule": _number(round_half_up(progress, 4)),
            "targets": rows,
            "total_weight": _number(sum((Decimal(str(r["weight"])) for r in rows if r["weight"] is not None), Decimal(0))),
            "total_score": _number(total.quantize(Decimal("0.01"))),
        })
    return reports


def assessment(snapshot: Snapshot, rulebook: Rulebook, year: int, as_of: date,
               values: dict[str | None, Values] | None = None) -> dict[str, Any]:  # fmt: skip
    """``admit report assessment --json``: each district's weighted targets scored, its total (the
    sum of its rounded scores), the ranks (ties share one), 通报表扬 and 约谈. A district without a
    weighted target is not assessed (it is named in ``unassessed``)."""
    terms = rulebook.version_on(as_of).supervision
    progress = schedule(year, as_of)
    scored: list[dict[str, Any]] = []
    wanted = {district: _ordered([t for t in snapshot.targets if t.year == year and t.region == district and t.weight is not None])
              for district in rulebook.districts}  # fmt: skip
    unassessed = [district for district in rulebook.districts if not wanted[district]]
    if values is None:
        values = indicator_values_by_region(snapshot, year, as_of, [d for d in rulebook.districts if wanted[d]])
    for district in rulebook.districts:
        if not wanted[district]:
            continue
        rows = [target_row(t, values[district][t.indicator], progress, terms) for t in wanted[district]]
        total = sum((Decimal(str(r["score"])) for r in rows), Decimal(0)).quantize(Decimal("0.01"))
        scored.append({"district": district, "total": total, "targets": rows})
    places = ranks([d["total"] for d in scored])
    order = rulebook.districts
    ranked = [{"district": d["district"], "score": json_number(d["total"]), "rank": rank, "targets": d["targets"]}
              for d, rank in zip(scored, places, strict=True)]  # fmt: skip
    districts = sorted(ranked, key=lambda d: (d["rank"], order.index(d["district"])))
    interview_line = terms.interview_score
    return {
        "year": year,
        "as_of": as_of.isoformat(),
        "schedule": _number(round_half_up(progress, 4)),
        "districts": districts,
        "praise": [d["district"] for d in districts if terms.praise_top and d["rank"] <= terms.praise_top],
        "interview": [d["district"] for d in districts if Decimal(str(d["score"])) < interview_line],
        "unassessed": unassessed,
        "praise_top": terms.praise_top,
        "interview_score": json_number(interview_line),
    }


def targets_and_assessment(snapshot: Snapshot, rulebook: Rulebook, year: int, as_of: date,
                           district: str | None) -> tuple[dict[str, Any], dict[str, Any]]:  # fmt: skip
    """The targets of 全市 (or ``district``) and the 年考核 together, the year read once (the targets page)."""
    values = indicator_values_by_region(snapshot, year, as_of, list(dict.fromkeys([district, *rulebook.districts])))
    return targets_reports(snapshot, rulebook, year, as_of, [district], values)[0], assessment(snapshot, rulebook, year, as_of, values)
