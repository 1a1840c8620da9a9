"""The engine against the reference evaluator, on generated applications at every rule edge.

CI runs this file a second time under MALLOC_PERTURB_=165, which makes durable_rules' use of
freed memory crash instead of passing by luck.
"""

from __future__ import annotations

import copy
import json
from datetime import date
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from admission.contract.application import RawApplication, parse_json_text
from admission.errors import InvalidInput
from admission.review.decision import Decision, decide
from admission.review.validation import prepare
from admission.rules.rulebook import Rulebook, load_rulebook

from . import reference
from .conftest import REVIEW_DATE, RULES_DIR
from .strategies import applications, to_json_text

RULEBOOK: Rulebook = load_rulebook(RULES_DIR)
RANK = {"reject": 0, "conditional": 1, "approve": 2}
PROPERTY_SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def run_engine(app: dict[str, Any], as_of: date = REVIEW_DATE) -> Decision:
    data, problems = parse_json_text(to_json_text(app).encode("utf-8"))
    return decide(prepare(RawApplication("generated", data, tuple(problems)), RULEBOOK, as_of))


@PROPERTY_SETTINGS
@given(applications())
def test_engine_agrees_with_reference_on_every_rule(app: dict[str, Any]) -> None:
    decision = run_engine(app)
    expected = reference.evaluate(app, REVIEW_DATE)
    assert decision.selected.version.version == expected.version
    assert decision.prepared.tier.level == expected.tier
    assert decision.major_project == expected.major_project
    actual_outcomes = {f.rule.id: (f.contract_outcome, f.within_tolerance) for f in decision.findings}
    assert actual_outcomes == expected.outcomes
    assert decision.verdict == expected.verdict
    for name, value in expected.indicators.items():
        if name != "land_mu":
            assert decision.indicators[name] == value, name


@PROPERTY_SETTINGS
@given(
    applications(), st.sampled_from(["tax", "investment"]), st.decimals(min_value=Decimal("0.001"), max_value=Decimal("100000"), places=3)
)
def test_raising_tax_or_investment_never_lowers_the_verdict(app: dict[str, Any], what: str, delta: Decimal) -> None:
    raised = copy.deepcopy(app)
    if what == "tax":
        raised["commitments"]["annual_tax_wan"] += delta
    else:
        raised["investment"]["fixed_assets_wan"] += delta
        raised["investment"]["total_wan"] += delta
    # A verdict only exists for figures in bounds and plausible (application.md).
    assume(all(reference.number_in_bounds(v) for v in _numbers(raised)) and not reference.implausible(raised))
    before, after = run_engine(app).verdict, run_engine(raised).verdict
    assert RANK[after] >= RANK[before], (before, after)


@settings(max_examples=100, deadline=None)
@given(applications())
def test_same_input_gives_the_same_json(app: dict[str, Any]) -> None:
    first = json.dumps(run_engine(app).to_json(), ensure_ascii=False, sort_keys=True)
    second = json.dumps(run_engine(app).to_json(), ensure_ascii=False, sort_keys=True)
    assert first == second


@settings(max_examples=100, deadline=None)
@given(applications(), st.dates(date(2014, 7, 1), date(2030, 12, 31)))
def test_review_date_selects_the_version_when_submitted_on_is_absent(app: dict[str, Any], as_of: date) -> None:
    del app["submitted_on"]
    version = reference.select_version(app["type"], as_of)
    if version is None:
        return  # covered by the invalid-input tests: no version in force is exit 2
    decision = run_engine(app, as_of)
    assert decision.selected.version.version == version
    assert decision.verdict == reference.evaluate(app, as_of).verdict


_PATH_OF = {
    "land_mu": ("land.area_mu", "land.area_m2"),
    "plot_ratio": ("floor_area_m2",),
    "investment_intensity": ("investment.fixed_assets_wan",),
    "tax_per_mu": ("commitments.annual_tax_wan",),
}


@settings(max_examples=300, deadline=None)
@given(
    applications(),
    st.sampled_from(["land", "floor", "fixed", "tax"]),
    st.sampled_from([Decimal("0.0015"), Decimal("0.01"), Decimal("0.1"), Decimal("10"), Decimal("100"), Decimal("10000")]),
)
def test_implausible_figures_are_refused_exactly_where_the_reference_says(app: dict[str, Any], what: str, factor: Decimal) -> None:
    """Scaling one figure by a unit slip's factor: refused (exit 2) exactly when application.md's ranges say."""
    target = {"land": ("land", next(iter(app["land"]))), "floor": (None, "floor_area_m2"),
              "fixed": ("investment", "fixed_assets_wan"), "tax": ("commitments", "annual_tax_wan")}[what]  # fmt: skip
    holder = app[target[0]] if target[0] else app
    holder[target[1]] = (holder[target[1]] * factor).normalize()
    if what == "fixed":
        app["investment"]["total_wan"] = max(app["investment"]["total_wan"], app["investment"]["fixed_assets_wan"])
    app.pop("footprint_m2", None)  # its own check (≤ land) is not what this property is about
    assume(all(reference.number_in_bounds(v) for v in _numbers(app)))
    expected = reference.implausible(app)
    try:
        run_engine(app)
    except InvalidInput as error:
        refused = {p.path for p in error.problems}
        assert expected, error.problems
        # Land is reported alone (every per-亩 figure follows from it); otherwise each figure at its field.
        wanted = {path for name in (["land_mu"] if "land_mu" in expected else expected) for path in _PATH_OF[name]}
        assert refused and refused <= wanted, (refused, expected)
    else:
        assert not expected


def _numbers(value: Any) -> list[Decimal]:
    if isinstance(value, dict):
        return [n for child in value.values() for n in _numbers(child)]
    return [value] if isinstance(value, Decimal) else []
