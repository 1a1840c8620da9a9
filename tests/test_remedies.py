"""达标所需: applying each remedy makes its rule pass, and 0.01 less of it does not."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings

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


def outcome(app: dict[str, Any], rule: str) -> str:
    return next(f.contract_outcome for f in run_engine(app).findings if f.rule.id == rule)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(applications())
def test_each_remedy_meets_its_rule_and_is_the_smallest_at_0_01(app: dict[str, Any]) -> None:
    decision = run_engine(app)
    failed = {f.rule.id for f in decision.findings if f.failed}
    remedied = {r.rule for r in decision.remedies}
    assert remedied <= failed
    numeric = {f.rule.id for f in decision.findings if f.failed and f.rule.operator != "in"}
    assert numeric <= remedied, "every failed numeric rule gets at least one remedy"
    for remedy in decision.remedies:
        assert outcome(apply(app, remedy.field, remedy.required), remedy.rule) == "pass", remedy
        step = Decimal("0.01") if remedy.change == "raise" else Decimal("-0.01")
        nearly = remedy.required - step
        direct = remedy.field in {"investment.total_wan", "commitments.rd_ratio"} or remedy.field.startswith("real_estate.")
        if not direct and nearly > 0 and (nearly - remedy.current) * step > 0:
            assert outcome(apply(app, remedy.field, nearly), remedy.rule) == "fail", remedy


def test_remedies_are_in_json_and_in_the_report() -> None:
    from click.testing import CliRunner

    from admission.cli import main

    from .conftest import REVIEW_DATE, SAMPLES_DIR

    path = str(SAMPLES_DIR / "industrial-real-estate-conditional.json")
    result = CliRunner().invoke(main, ["check", "--as-of", REVIEW_DATE.isoformat(), path])
    assert "达标所需（单项调整，其他条件不变）：" in result.stdout
    assert (
        "  - 容积率：计容建筑面积由 190000 平方米 提高到不低于 199666.67 平方米；或用地面积由 100 亩 减少到不高于 95.15 亩" in result.stdout
    )
    import json

    decision = json.loads(CliRunner().invoke(main, ["check", "--json", "--as-of", REVIEW_DATE.isoformat(), path]).stdout)
    assert decision["remedies"][0] == {
        "rule": "plot_ratio", "field": "floor_area_m2", "change": "raise", "current": 190000, "required": 199666.67,
        "unit": "平方米", "note": "",
    }  # fmt: skip
