"""Hypothesis strategies for valid applications that sit on, and around, every edge of the rules."""

from __future__ import annotations

import decimal
import json
import math
from datetime import date
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from .reference import KEY_CHAINS, RULES, TIERS, TOLERANCE

D = Decimal
MU_PER_M2 = D("0.0015")
DISTRICTS = list(TIERS["JM-2022"])
VERSION_EDGES = [date(2014, 7, 1), date(2021, 12, 31), date(2022, 1, 1)]


def _edges(indicator: str) -> list[Decimal]:
    """Every threshold of an indicator in any rule set, and its tolerance bounds."""
    found: set[Decimal] = set()
    for rules in RULES.values():
        for _, name, operator, thresholds, _ in rules:
            if name != indicator or operator == "in":
                continue
            for threshold in thresholds:
                found.update({threshold, threshold * (1 - TOLERANCE), threshold * (1 + TOLERANCE)})
    return sorted(found)


# Offsets around an edge: on it, a rounding step away, half a step (half-up territory) and a
# hair either side of the half step.
_OFFSETS = [D(x) for x in ("0", "0.001", "-0.001", "0.005", "-0.005", "0.0049", "-0.0049", "0.0051", "-0.0051", "0.01", "-0.01")]


def _ulp_neighbours(value: Decimal) -> list[Decimal]:
    as_float = float(value)
    return [D(repr(math.nextafter(as_float, math.inf))), D(repr(math.nextafter(as_float, -math.inf)))]


def near_edges(indicator: str, low: Decimal, high: Decimal, free: st.SearchStrategy[Decimal]) -> st.SearchStrategy[Decimal]:
    candidates = sorted({e + o for e in _edges(indicator) for o in _OFFSETS} | {n for e in _edges(indicator) for n in _ulp_neighbours(e)})
    candidates = [c for c in candidates if low <= c <= high]
    return st.one_of(st.sampled_from(candidates), free)


_TWENTY_DIGITS = decimal.Context(prec=20, rounding=decimal.ROUND_HALF_EVEN)


def _fit(value: Decimal) -> Decimal:
    """At most the 20 significant digits application.md allows (products of edge values can have more)."""
    return _TWENTY_DIGITS.plus(value)


def _decimals(low: str, high: str, places: int) -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=D(low), max_value=D(high), places=places, allow_nan=False, allow_infinity=False)


@st.composite
def applications(draw: st.DrawFn) -> dict[str, Any]:
    """A valid application (Decimal numbers), its indicators steered at the rule edges."""
    project_type = draw(st.sampled_from(["industrial", "industrial_real_estate", "logistics"]))
    if project_type == "industrial":
        day = draw(st.one_of(st.sampled_from(VERSION_EDGES), st.dates(date(2014, 7, 1), date(2030, 12, 31))))
    else:
        day = draw(st.one_of(st.just(date(2022, 1, 1)), st.dates(date(2022, 1, 1), date(2030, 12, 31))))
    by_m2 = draw(st.booleans())
    # Within the plausible 0.1–20,000 亩 of application.md (100 m² = 0.15 亩).
    area = draw(_decimals("100", "3000000", 2) if by_m2 else _decimals("0.5", "5000", 3))
    land_mu = area * MU_PER_M2 if by_m2 else area

    plot_ratio = draw(near_edges("plot_ratio", D("0.1"), D("8"), _decimals("0.1", "8", 4)))
    intensity = draw(near_edges("investment_intensity", D("1"), D("2000"), _decimals("1", "2000", 3)))
    tax = draw(near_edges("tax_per_mu", D("0"), D("200"), _decimals("0", "200", 3)))
    fixed = _fit(intensity * land_mu)
    total = max(draw(near_edges("total_investment", D("1"), D("300000"), _decimals("1", "300000", 2))), fixed)
    app: dict[str, Any] = {
        "id": f"GEN-{draw(st.integers(0, 99999)):05d}",
        "name": draw(
            st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), min_size=1, max_size=20).filter(str.strip)
        ),
        "applicant": {"name": "测试企业有限公司"},
        "type": project_type,
        "district": draw(st.sampled_from(DISTRICTS)),
        "industry": {"code": draw(st.sampled_from(["C38", "C13", "C39", "G59", "F51", "A01"]))},
        "land": {"area_m2": area} if by_m2 else {"area_mu": area},
        # Dividing by 0.0015 repeats forever: keep 6 decimals (the contract allows 20 digits).
        "floor_area_m2": _fit((plot_ratio * land_mu / MU_PER_M2).quantize(D("0.000001"))),
        "investment": {"total_wan": total, "fixed_assets_wan": fixed},
        "commitments": {"annual_tax_wan": _fit(tax * land_mu)},
        "submitted_on": day.isoformat(),
    }
    if draw(st.booleans()):
        app["industry"]["chain"] = draw(st.sampled_from(KEY_CHAINS))
    if draw(st.booleans()):
        coverage = draw(near_edges("building_coverage", D("0.01"), D("0.99"), _decimals("0.01", "0.99", 4)))
        app["footprint_m2"] = _fit(min((coverage * land_mu / MU_PER_M2).quantize(D("0.000001")), land_mu / MU_PER_M2))
    if draw(st.booleans()):
        app["commitments"]["annual_output_wan"] = draw(_decimals("0", "1000000", 2))
    if draw(st.booleans()):
        app["commitments"]["rd_ratio"] = draw(near_edges("rd_intensity", D("0"), D("1"), _decimals("0", "1", 5)))
    if project_type == "industrial_real_estate":
        app["real_estate"] = {
            "self_held_ratio": draw(near_edges("self_held_ratio", D("0"), D("1"), _decimals("0", "1", 4))),
            "supporting_floor_ratio": draw(near_edges("supporting_floor_ratio", D("0"), D("1"), _decimals("0", "1", 4))),
        }
    return app


def to_json_text(value: Any) -> str:
    """JSON text with every Decimal written exactly as a plain JSON number."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k, ensure_ascii=False)}: {to_json_text(v)}" for k, v in value.items()) + "}"
    return json.dumps(value, ensure_ascii=False)
