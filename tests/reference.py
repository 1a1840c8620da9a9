"""A plain-Python reference evaluator, written from ``rulebook.md`` alone.

It shares no code with ``admission``: its tables are copied from the spec's tables (so a wrong
number in ``rules/*.toml`` is caught too) and it does its arithmetic with high-precision
``Decimal`` and ``quantize``, not with the product's Fractions and fixed-point engine facts.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

D = Decimal
CONTEXT = decimal.Context(prec=200)

TIERS = {
    "JM-2014": {"江门高新区": 1, "蓬江区": 2, "江海区": 2, "新会区": 2, "鹤山市": 2, "台山市": 3, "开平市": 3, "恩平市": 3},
    "JM-2022": {"江门高新区": 1, "蓬江区": 1, "江海区": 1, "新会区": 2, "鹤山市": 2, "台山市": 3, "开平市": 3, "恩平市": 3},
}
VERSIONS = (
    ("JM-2014", date(2014, 7, 1), date(2021, 12, 31), {"industrial"}),
    ("JM-2022", date(2022, 1, 1), date.max, {"industrial", "industrial_real_estate", "logistics"}),
)
# rule id, indicator, operator, thresholds by tier, mandatory?
Rule = tuple[str, str, str, tuple[Decimal, Decimal, Decimal], bool]


def _t(a: str, b: str, c: str) -> tuple[Decimal, Decimal, Decimal]:
    return D(a), D(b), D(c)


RULES: dict[tuple[str, str], list[Rule]] = {
    ("JM-2014", "industrial"): [
        ("total_investment", "total_investment", ">=", _t("5000", "5000", "3000"), True),
        ("investment_intensity", "investment_intensity", ">=", _t("300", "250", "200"), True),
        ("tax_per_mu", "tax_per_mu", ">=", _t("25", "20", "15"), True),
        ("plot_ratio", "plot_ratio", ">=", _t("1.0", "1.0", "1.0"), True),
    ],
    ("JM-2022", "industrial"): [
        ("manufacturing", "industry_section", "in", _t("0", "0", "0"), True),
        ("total_investment", "total_investment", ">=", _t("10000", "10000", "5000"), True),
        ("investment_intensity", "investment_intensity", ">=", _t("400", "350", "300"), True),
        ("tax_per_mu", "tax_per_mu", ">=", _t("30", "25", "20"), True),
        ("plot_ratio", "plot_ratio", ">=", _t("1.5", "1.5", "1.2"), True),
        ("building_coverage", "building_coverage", ">=", _t("0.40", "0.40", "0.40"), False),
        ("rd_intensity", "rd_intensity", ">=", _t("0.03", "0.03", "0.03"), False),
    ],
    ("JM-2022", "industrial_real_estate"): [
        ("total_investment", "total_investment", ">=", _t("10000", "10000", "5000"), True),
        ("investment_intensity", "investment_intensity", ">=", _t("500", "450", "400"), True),
        ("tax_per_mu", "tax_per_mu", ">=", _t("30", "25", "20"), True),
        ("plot_ratio", "plot_ratio", ">=", _t("3.0", "2.5", "2.0"), True),
        ("self_held_ratio", "self_held_ratio", ">=", _t("0.40", "0.40", "0.40"), True),
        ("supporting_floor_ratio", "supporting_floor_ratio", "<=", _t("0.15", "0.15", "0.15"), True),
    ],
    ("JM-2022", "logistics"): [
        ("total_investment", "total_investment", ">=", _t("10000", "5000", "5000"), True),
        ("investment_intensity", "investment_intensity", ">=", _t("300", "250", "200"), True),
        ("tax_per_mu", "tax_per_mu", ">=", _t("20", "15", "12"), True),
        ("plot_ratio", "plot_ratio", ">=", _t("1.5", "1.2", "1.0"), True),
        ("building_coverage", "building_coverage", ">=", _t("0.50", "0.50", "0.50"), False),
    ],
}
KEY_CHAINS = [
    "新能源电池", "硅能源", "新型储能", "新一代信息技术", "新一代电子信息", "智能装备", "机床装备", "石化新材料",
    "先进材料", "新能源汽车及零部件", "摩托车", "现代轻工纺织", "现代农业与食品", "五金卫浴", "智能家电",
]  # fmt: skip
TOLERANCE = D("0.2")
CLAUSE_VERSIONS = {"JM-2022"}


@dataclass(frozen=True)
class ReferenceDecision:
    version: str
    tier: int
    verdict: str
    major_project: bool
    indicators: dict[str, Decimal]
    outcomes: dict[str, tuple[str, bool | None]]  # rule -> (outcome, within_tolerance)


def _round(value: Decimal, places: int) -> Decimal:
    return value.quantize(D(1).scaleb(-places), rounding=ROUND_HALF_UP, context=CONTEXT)


def indicators_of(app: dict[str, Any]) -> dict[str, Decimal]:
    c = CONTEXT
    land = app["land"]
    land_mu = land["area_mu"] if "area_mu" in land else c.multiply(land["area_m2"], D("0.0015"))
    values = {
        "land_mu": land_mu,
        "plot_ratio": _round(c.divide(c.multiply(app["floor_area_m2"], D("0.0015")), land_mu), 2),
        "investment_intensity": _round(c.divide(app["investment"]["fixed_assets_wan"], land_mu), 2),
        "tax_per_mu": _round(c.divide(app["commitments"]["annual_tax_wan"], land_mu), 2),
        "total_investment": app["investment"]["total_wan"],
    }
    commitments = app["commitments"]
    if "annual_output_wan" in commitments:
        values["output_per_mu"] = _round(c.divide(commitments["annual_output_wan"], land_mu), 2)
    if "footprint_m2" in app:
        values["building_coverage"] = _round(c.divide(c.multiply(app["footprint_m2"], D("0.0015")), land_mu), 4)
    if "rd_ratio" in commitments:
        values["rd_intensity"] = commitments["rd_ratio"]
    if "real_estate" in app:
        values["self_held_ratio"] = app["real_estate"]["self_held_ratio"]
        values["supporting_floor_ratio"] = app["real_estate"]["supporting_floor_ratio"]
    return values


def select_version(project_type: str, on: date) -> str | None:
    for name, start, end, types in VERSIONS:
        if project_type in types and start <= on <= end:
            return name
    return None


def evaluate(app: dict[str, Any], as_of: date) -> ReferenceDecision:
    on = date.fromisoformat(app["submitted_on"]) if "submitted_on" in app else as_of
    version = select_version(app["type"], on)
    assert version is not None, "the generator makes only applications with a version in force"
    tier = TIERS[version][app["district"]]
    values = indicators_of(app)
    clause = version in CLAUSE_VERSIONS
    total = values["total_investment"]
    chain = app["industry"].get("chain")
    major = clause and (total >= 100000 or (chain in KEY_CHAINS and total >= 50000))

    outcomes: dict[str, tuple[str, bool | None]] = {}
    failed_mandatory: list[bool] = []  # within tolerance?
    for rule_id, indicator, operator, thresholds, mandatory in RULES[(version, app["type"])]:
        threshold = thresholds[tier - 1]
        if operator == "in":
            passed = app["industry"]["code"][0] == "C"
            within = False
        elif indicator not in values:
            outcomes[rule_id] = ("missing", None)
            continue
        elif operator == ">=":
            passed = values[indicator] >= threshold
            within = values[indicator] >= (1 - TOLERANCE) * threshold
        else:
            passed = values[indicator] <= threshold
            within = values[indicator] <= (1 + TOLERANCE) * threshold
        if passed:
            outcomes[rule_id] = ("pass", None)
        else:
            outcomes[rule_id] = ("fail", within if (mandatory and clause) else None)
            if mandatory:
                failed_mandatory.append(within)
    if not failed_mandatory:
        verdict = "approve"
    elif clause and major and all(failed_mandatory):
        verdict = "conditional"
    else:
        verdict = "reject"
    return ReferenceDecision(version, tier, verdict, major, values, outcomes)


# --- application.md: bounds on every number, and plausibility --------------------------------

PLAUSIBLE = {  # application.md, "Plausibility": (low, high), None for an open end
    "land_mu": (D("0.1"), D("20000")),
    "plot_ratio": (D("0.05"), D("20")),
    "investment_intensity": (D("1"), D("20000")),
    "tax_per_mu": (None, D("2000")),
}


def number_in_bounds(value: Decimal) -> bool:
    """application.md: finite, |x| ≤ 1e12, nonzero |x| ≥ 1e-6, at most 20 significant digits."""
    if not value.is_finite() or abs(value) > D("1e12") or (value != 0 and abs(value) < D("1e-6")):
        return False
    return len(value.normalize().as_tuple().digits) <= 20


def implausible(app: dict[str, Any]) -> list[str]:
    """The indicators whose unrounded value lies outside its plausible range."""
    with decimal.localcontext(CONTEXT):
        land = D(app["land"]["area_mu"]) if "area_mu" in app["land"] else D(app["land"]["area_m2"]) * D("0.0015")
        values = {
            "land_mu": land,
            "plot_ratio": D(app["floor_area_m2"]) * D("0.0015") / land,
            "investment_intensity": D(app["investment"]["fixed_assets_wan"]) / land,
            "tax_per_mu": D(app["commitments"]["annual_tax_wan"]) / land,
        }
    found = []
    for name, (low, high) in PLAUSIBLE.items():
        if (low is not None and values[name] < low) or (high is not None and values[name] > high):
            found.append(name)
    return found
