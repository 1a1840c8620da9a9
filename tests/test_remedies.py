"""达标所需: applying each remedy makes its rule pass without leaning on rounding, and 0.01 less
of it does not meet the threshold exactly."""

from __future__ import annotations

import copy
from decimal import Decimal
from fractions import Fraction
from typing import Any

from hypothesis import HealthCheck, given, settings

from admission.review.remedies import scope_line

from .strategies import applications
from .test_engine_properties import run_engine


def apply(app: dict[str, Any], field: str, value: Decimal) -> dict[str, Any]:
    changed = copy.deepcopy(app)
    *parents, leaf = field.split(".")
    target = changed
    for part in parents:
        target = target[part]
    target[leaf] = value
    if field == "investment.fixed_assets_wan":  # the remedy's note: total must be at least as much
        changed["investment"]["total_wan"] = max(changed["investment"]["total_wan"], value)
    return changed


# The indicator formulas of the rule-book contract, written from it, unrounded: (numerator field,
# factor). 1 亩 = 10000/15 m², so m² × 0.0015 is 亩.
QUOTIENTS = {
    "plot_ratio": ("floor_area_m2", Fraction(15, 10000)),
    "investment_intensity": ("investment.fixed_assets_wan", Fraction(1)),
    "tax_per_mu": ("commitments.annual_tax_wan", Fraction(1)),
    "output_per_mu": ("commitments.annual_output_wan", Fraction(1)),
    "building_coverage": ("footprint_m2", Fraction(15, 10000)),
}


def exact_quotient(app: dict[str, Any], indicator: str) -> Fraction:
    field, factor = QUOTIENTS[indicator]
    value: Any = app
    for part in field.split("."):
        value = value[part]
    land = app["land"]
    mu = Fraction(land["area_mu"]) if "area_mu" in land else Fraction(land["area_m2"]) * Fraction(15, 10000)
    return Fraction(value) * factor / mu


def meets_exactly(app: dict[str, Any], indicator: str, operator: str, threshold: Decimal) -> bool:
    quotient = exact_quotient(app, indicator)
    return quotient >= Fraction(threshold) if operator == ">=" else quotient <= Fraction(threshold)


def outcome(app: dict[str, Any], rule: str) -> str:
    return next(f.contract_outcome for f in run_engine(app).findings if f.rule.id == rule)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(applications())
def test_each_remedy_meets_its_rule_and_is_the_smallest_at_0_01(app: dict[str, Any]) -> None:
    decision = run_engine(app)
    failed = {f.rule.id for f in decision.findings if f.failed}
    remedied = {r.rule for r in decision.remedies}
    assert remedied <= failed
    outside = any(f.failed and f.mandatory and f.rule.operator == "in" for f in decision.findings)
    if outside:  # outside the rule set's scope (not 制造业): no figure could make it admissible
        assert not decision.remedies and scope_line(decision)
        return
    numeric = {f.rule.id for f in decision.findings if f.failed and f.rule.operator != "in"}
    assert numeric <= remedied, "every failed numeric rule gets at least one remedy"
    for remedy in decision.remedies:
        assert outcome(apply(app, remedy.field, remedy.required), remedy.rule) == "pass", remedy
        step = Decimal("0.01") if remedy.change == "raise" else Decimal("-0.01")
        nearly = remedy.required - step
        direct = remedy.field in {"investment.total_wan", "commitments.rd_ratio"} or remedy.field.startswith("real_estate.")
        if direct:
            continue
        finding = next(f for f in decision.findings if f.rule.id == remedy.rule)
        assert finding.threshold is not None
        rule = finding.rule
        assert meets_exactly(apply(app, remedy.field, remedy.required), rule.indicator, rule.operator, finding.threshold), remedy
        if nearly > 0 and (nearly - remedy.current) * step > 0:
            assert not meets_exactly(apply(app, remedy.field, nearly), rule.indicator, rule.operator, finding.threshold), remedy


def test_a_remedy_asks_for_the_threshold_itself_not_the_rounding_margin() -> None:
    """25 万元/亩 on 600 亩 is 15000 万元: 14997 would pass only through half-up rounding."""
    from .conftest import REVIEW_DATE

    app = {
        "id": "JM-2026-0600", "name": "亩均税收差一点的项目", "applicant": {"name": "某公司"}, "type": "industrial",
        "district": "新会区", "industry": {"code": "C38"}, "land": {"area_mu": 600}, "floor_area_m2": 900000,
        "investment": {"total_wan": 300000, "fixed_assets_wan": 240000}, "commitments": {"annual_tax_wan": 13500},
        "submitted_on": REVIEW_DATE.isoformat(),
    }  # fmt: skip
    decision = run_engine(app)
    texts = [r.text() for r in decision.remedies if r.rule == "tax_per_mu"]
    assert texts[0] == "达产年税收由 13,500.00 万元提高到不低于 15,000.00 万元", texts


def test_remedies_are_in_json_and_in_the_report() -> None:
    from click.testing import CliRunner

    from admission.cli import main

    from .conftest import REVIEW_DATE, SAMPLES_DIR

    path = str(SAMPLES_DIR / "industrial-real-estate-conditional.json")
    result = CliRunner().invoke(main, ["check", "--as-of", REVIEW_DATE.isoformat(), path])
    assert "达标所需（单项调整，其他条件不变）：" in result.stdout
    assert (
        "  - 容积率：计容建筑面积由 190,000.00 平方米提高到不低于 200,000.00 平方米；或用地面积由 100 亩调减到不高于 95.00 亩"
        in result.stdout
    )
    import json

    decision = json.loads(CliRunner().invoke(main, ["check", "--json", "--as-of", REVIEW_DATE.isoformat(), path]).stdout)
    assert decision["remedies"][0] == {
        "rule": "plot_ratio", "field": "floor_area_m2", "change": "raise", "current": 190000, "required": 200000.00,
        "unit": "平方米", "note": "",
    }  # fmt: skip


def test_a_project_outside_the_rule_set_is_told_so_not_given_figures() -> None:
    """A 批发 firm typed 工业项目 fails 投资强度 and 亩均税收 too, but no change of those figures
    could make it admissible: the useful line is 不属于工业项目准入范围, not 达标所需."""
    from click.testing import CliRunner

    from admission.cli import main

    from .conftest import SAMPLES_DIR

    result = CliRunner().invoke(main, ["check", str(SAMPLES_DIR / "industrial-reject-not-manufacturing.json"), "--as-of", "2026-11-21"])
    assert "准入范围：该项目行业代码门类为 F，不属于工业项目准入范围" in result.stdout, result.stdout
    assert "达标所需" not in result.stdout
