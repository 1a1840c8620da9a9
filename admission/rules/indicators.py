"""Indicators (指标): the quantities rules test, computed exactly as ``rulebook.md`` defines them.

This table is the one place that knows the formulas; the rule book refers to indicators by name
and is checked against this table when it is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from admission.contract.application import Application
from admission.numbers import exact_decimal, quotient_half_up, round_half_up

MU_PER_M2 = Fraction(15, 10000)  # 1 亩 = 10000/15 m²


@dataclass(frozen=True)
class Indicator:
    name: str
    label: str
    unit: str
    formula: str
    # Places the value is rounded to before rules compare it; None means "as given".
    places: int | None
    # Places for display only (land_mu is compared unrounded but shown with 2 decimals).
    display_places: int | None
    # The input fields the indicator needs: a mandatory rule on it makes them required.
    inputs: tuple[str, ...]
    categorical: bool = False
    percent: bool = False  # a share, shown to people as a percentage (0.35 is 35%)


INDICATORS: dict[str, Indicator] = {
    i.name: i
    for i in (
        Indicator("land_mu", "用地面积", "亩", "用地面积（亩）；或 用地面积（平方米）× 0.0015", None, 2, ("land.area_mu",)),
        Indicator("plot_ratio", "容积率", "", "计容建筑面积（平方米）× 0.0015 ÷ 用地面积（亩）", 2, 2, ("floor_area_m2",)),
        Indicator(
            "investment_intensity",
            "投资强度",
            "万元/亩",
            "固定资产投资（万元）÷ 用地面积（亩）",
            2,
            2,
            ("investment.fixed_assets_wan",),
        ),
        Indicator("tax_per_mu", "亩均税收", "万元/亩·年", "达产年税收（万元）÷ 用地面积（亩）", 2, 2, ("commitments.annual_tax_wan",)),
        Indicator(
            "output_per_mu",
            "亩均产值",
            "万元/亩·年",
            "达产年产值（万元）÷ 用地面积（亩）",
            2,
            2,
            ("commitments.annual_output_wan",),
        ),
        Indicator(
            "building_coverage", "建筑系数", "", "建筑基底面积（平方米）× 0.0015 ÷ 用地面积（亩）", 4, 4, ("footprint_m2",), percent=True
        ),
        Indicator("total_investment", "计划总投资", "万元", "计划总投资（万元），按申请填报值", None, None, ("investment.total_wan",)),
        Indicator(
            "rd_intensity",
            "研发投入强度",
            "",
            "研发投入占营业收入的比例，按申请填报值",
            None,
            None,
            ("commitments.rd_ratio",),
            percent=True,
        ),
        Indicator(
            "self_held_ratio",
            "自持比例",
            "",
            "开发主体自持的计容建筑面积占比，按申请填报值",
            None,
            None,
            ("real_estate.self_held_ratio",),
            percent=True,
        ),
        Indicator(
            "supporting_floor_ratio",
            "配套用房比例",
            "",
            "配套用房计容建筑面积占比，按申请填报值",
            None,
            None,
            ("real_estate.supporting_floor_ratio",),
            percent=True,
        ),
        Indicator(
            "industry_section",
            "行业门类",
            "",
            "行业代码的首字母（《国民经济行业分类》GB/T 4754-2017 门类）",
            None,
            None,
            ("industry.code",),
            True,
        ),
    )
}


def land_mu(application: Application) -> Fraction:
    if application.land.area_mu is not None:
        return Fraction(application.land.area_mu)
    assert application.land.area_m2 is not None  # guaranteed by validation: exactly one is set
    return Fraction(application.land.area_m2) * MU_PER_M2


def compute_indicators(application: Application) -> dict[str, Decimal | str]:
    """Every indicator that can be computed, rounded for comparison; absent inputs are left out.

    Quotients are taken on the exact integer ratios of the Decimals and rounded once, half-up.
    """
    land = land_mu(application)
    land_n, land_d = land.numerator, land.denominator
    m2_n, m2_d = MU_PER_M2.numerator, MU_PER_M2.denominator
    # name -> numerator as an exact ratio (n, d); the indicator is (n / d) / land.
    per_mu: dict[str, tuple[int, int]] = {
        "plot_ratio": _times(application.floor_area_m2, m2_n, m2_d),
        "investment_intensity": application.investment.fixed_assets_wan.as_integer_ratio(),
        "tax_per_mu": application.commitments.annual_tax_wan.as_integer_ratio(),
    }
    if application.commitments.annual_output_wan is not None:
        per_mu["output_per_mu"] = application.commitments.annual_output_wan.as_integer_ratio()
    if application.footprint_m2 is not None:
        per_mu["building_coverage"] = _times(application.footprint_m2, m2_n, m2_d)

    values: dict[str, Decimal | str] = {"land_mu": exact_decimal(land)}
    for name, (n, d) in per_mu.items():
        places = INDICATORS[name].places
        assert places is not None
        values[name] = quotient_half_up(n * land_d, d * land_n, places)
    values["total_investment"] = application.investment.total_wan
    if application.commitments.rd_ratio is not None:
        values["rd_intensity"] = application.commitments.rd_ratio
    if application.real_estate is not None:
        values["self_held_ratio"] = application.real_estate.self_held_ratio
        values["supporting_floor_ratio"] = application.real_estate.supporting_floor_ratio
    values["industry_section"] = application.industry.code[0]
    return values


def _times(value: Decimal, n: int, d: int) -> tuple[int, int]:
    value_n, value_d = value.as_integer_ratio()
    return value_n * n, value_d * d


def display_value(name: str, value: Decimal) -> Decimal:
    """The value as reports show it (land_mu with 2 decimals; others as compared)."""
    places = INDICATORS[name].display_places
    if places is None or name != "land_mu":
        return value
    return round_half_up(Fraction(value), places)
