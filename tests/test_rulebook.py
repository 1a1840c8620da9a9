"""The rule book as data: the default content, and every editing mistake caught with file and key."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from admission.contract.application import RawApplication
from admission.errors import InvalidRulebook
from admission.review.decision import decide
from admission.review.validation import prepare
from admission.rules.indicators import INDICATORS
from admission.rules.rulebook import Rulebook, load_rulebook

from . import reference
from .conftest import REVIEW_DATE
from .helpers import copy_rules, edit_rules, sample


def test_default_rule_book_matches_rulebook_md(rulebook: Rulebook) -> None:
    for (version, project_type), rules in reference.RULES.items():
        v = rulebook.version(version)
        assert v is not None
        loaded = v.rulesets[project_type].rules
        assert [r.id for r in loaded] == [r[0] for r in rules]
        for rule, (_, indicator, operator, thresholds, mandatory) in zip(loaded, rules, strict=True):
            assert (rule.indicator, rule.operator, rule.severity == "mandatory") == (indicator, operator, mandatory)
            if operator != "in":
                assert tuple(rule.threshold(t) for t in (1, 2, 3)) == thresholds
            assert rule.unit is not None and rule.label and rule.source
        assert {d: t.level for t in v.tiers for d in t.districts} == reference.TIERS[version]
        assert v.basis.strip() and v.sources
    jm2022 = rulebook.version("JM-2022")
    assert jm2022 is not None and jm2022.special_review is not None
    assert jm2022.special_review.key_chains == reference.KEY_CHAINS
    assert rulebook.version("JM-2014").special_review is None  # type: ignore[union-attr]


def test_digest_depends_on_the_rule_data_only(rulebook: Rulebook, tmp_path: Path) -> None:
    selected = rulebook.select("industrial", REVIEW_DATE)
    assert selected is not None
    rules = copy_rules(tmp_path)
    edit_rules(rules, "JM-2022.toml", "# (江门市", "# A comment changes nothing. (江门市")
    same = load_rulebook(rules).select("industrial", REVIEW_DATE)
    assert same is not None and same.digest == selected.digest
    edit_rules(rules, "JM-2022.toml", "thresholds = { 1 = 1.5, 2 = 1.5, 3 = 1.2 }", "thresholds = { 1 = 1.6, 2 = 1.5, 3 = 1.2 }")
    changed = load_rulebook(rules).select("industrial", REVIEW_DATE)
    assert changed is not None and changed.digest != selected.digest
    other_type = load_rulebook(rules).select("logistics", REVIEW_DATE)
    assert other_type is not None and other_type.digest == rulebook.select("logistics", REVIEW_DATE).digest  # type: ignore[union-attr]


def decide_with(rules_dir: Path, app: dict[str, object]) -> str:
    data = json.loads(
        json.dumps(app, ensure_ascii=False), parse_float=__import__("decimal").Decimal, parse_int=__import__("decimal").Decimal
    )
    return decide(prepare(RawApplication("t", data), load_rulebook(rules_dir), REVIEW_DATE)).verdict


NEW_VERSION = """
version = "JM-2027"
title = "a proposed revision"
effective_from = 2027-01-01
basis = "test"
sources = ["test"]

[[tiers]]
level = 1
label = "一类地区"
districts = ["江门高新区", "蓬江区", "江海区", "新会区", "鹤山市", "台山市", "开平市"]

[[tiers]]
level = 4
label = "四类地区"
districts = ["恩平市"]

[special_review]
major_total_investment = 100000
major_chain_total_investment = 50000
tolerance = 0.2
key_chains = ["新能源电池"]
source = "test"

[rulesets.logistics]
label = "物流项目"
"""


def _rule(rule_id: str, tier1: int, tier4: int) -> str:
    return (
        f'\n[[rulesets.logistics.rules]]\nid = "{rule_id}"\nlabel = "{rule_id}"\nindicator = "{rule_id}"\noperator = ">="\n'
        f'thresholds = {{ 1 = {tier1}, 4 = {tier4} }}\nunit = "{INDICATORS[rule_id].unit}"\nseverity = "mandatory"\nsource = "test"\n'
    )


def test_new_tier_new_rule_and_new_version_need_no_code(tmp_path: Path) -> None:
    rules = copy_rules(tmp_path)
    # A new version from 2027: a fourth tier for 恩平市 and a mandatory rule on 亩均产值.
    text = NEW_VERSION + "".join(
        _rule(*r)
        for r in [("total_investment", 10000, 2000), ("investment_intensity", 300, 100), ("tax_per_mu", 20, 10), ("output_per_mu", 100, 50)]
    )
    (rules / "JM-2027.toml").write_text(text, encoding="utf-8")
    edit_rules(rules, "JM-2022.toml", "effective_from = 2022-01-01", "effective_from = 2022-01-01\neffective_to = 2026-12-31")

    app = sample("logistics-reject.json")  # 恩平市: rejected under JM-2022's tier 3
    app["submitted_on"] = "2027-03-01"
    app["commitments"]["annual_output_wan"] = 1500  # 50 万元/亩 on 30 亩: meets tier 4's 亩均产值
    selected = load_rulebook(rules).select("logistics", date(2027, 3, 1))
    assert selected is not None and selected.version.version == "JM-2027"
    assert decide_with(rules, app) == "approve"
    app["commitments"]["annual_output_wan"] = 1499.8  # 49.993 rounds to 49.99
    assert decide_with(rules, app) == "reject"
    app["submitted_on"] = "2026-12-31"
    assert decide_with(rules, app) == "reject"  # still JM-2022


def broken(tmp_path: Path, file: str, old: str, new: str) -> list[str]:
    rules = copy_rules(tmp_path)
    edit_rules(rules, file, old, new)
    with pytest.raises(InvalidRulebook) as caught:
        load_rulebook(rules)
    return [f"{p.path}：{p.message}" for p in caught.value.problems]


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        ("JM-2022.toml", 'unit = "万元/亩"', 'unti = "万元/亩"', "JM-2022.toml: rulesets.industrial.rules.2.unti：未知的键（拼写错误？）"),
        (
            "JM-2022.toml",
            "{ 1 = 400, 2 = 350, 3 = 300 }",
            '{ 1 = "400", 2 = 350, 3 = 300 }',
            "JM-2022.toml: rulesets.industrial.rules.2.thresholds.1：应为数字，实际为 '400'",
        ),
        (
            "JM-2022.toml",
            "{ 1 = 400, 2 = 350, 3 = 300 }",
            "{ 1 = 400, 2 = 350 }",
            "JM-2022.toml: rulesets.industrial.rules[2].thresholds：门槛值应恰好覆盖区域分类 1, 2, 3：缺少 3",
        ),
        (
            "JM-2022.toml",
            "{ 1 = 400, 2 = 350, 3 = 300 }",
            "{ 1 = 400.0000001, 2 = 350, 3 = 300 }",
            "JM-2022.toml: rulesets.industrial.rules[2].thresholds.1：门槛值最多 6 位小数",
        ),
        ("JM-2022.toml", 'operator = "<="', 'operator = "<"', "JM-2022.toml: rulesets.industrial_real_estate.rules.5.operator"),
        (
            "JM-2022.toml",
            'indicator = "tax_per_mu"',
            'indicator = "tax_per_acre"',
            "JM-2022.toml: rulesets.industrial.rules[3].indicator：未知指标 tax_per_acre",
        ),
        ("JM-2022.toml", 'severity = "advisory"', 'severity = "optional"', "JM-2022.toml: rulesets.industrial.rules.5.severity"),
        (
            "JM-2022.toml",
            "effective_from = 2022-01-01",
            "effective_from = 2021-06-01",
            "JM-2022.toml: effective_from：JM-2022（自2021年6月1日起施行）与 JM-2014.toml 的 "
            "JM-2014（2014年7月1日至2021年12月31日施行）"
            "在项目类型 industrial 上的生效期重叠",
        ),
        (
            "JM-2022.toml",
            'districts = ["新会区", "鹤山市"]',
            'districts = ["新会区", "鹤山市", "蓬江区"]',
            "JM-2022.toml: tiers[1].districts：蓬江区 同时属于两个区域分类",
        ),
        (
            "JM-2022.toml",
            'id = "rd_intensity"',
            'id = "building_coverage"',
            "JM-2022.toml: rulesets.industrial.rules[6].id：规则编号 building_coverage 在同一规则集中重复",
        ),
        ("JM-2014.toml", "effective_to = 2021-12-31", "effective_to = 2013-12-31", "JM-2014.toml: effective_to：结束日期早于生效日期"),
        ("JM-2014.toml", "[[tiers]]", "[[tiers]", "JM-2014.toml：不是有效的 TOML"),
        (
            "JM-2022.toml",
            'unit = "万元/亩"',
            'unit = "元/亩"',
            "JM-2022.toml: rulesets.industrial.rules[2].unit：指标 investment_intensity 的单位应为“万元/亩”",
        ),
        (
            "JM-2022.toml",
            "effective_from = 2022-01-01",
            "effective_from = 2022-03-01",
            "JM-2022.toml: effective_from：项目类型 industrial 在 JM-2014 结束（2021-12-31）与 JM-2022 生效（2022-03-01）之间",
        ),
        (
            "JM-2022.toml",
            'districts = ["台山市", "开平市", "恩平市"]',
            'districts = ["台山市", "开平市"]',
            "JM-2022.toml: tiers：区域分类遗漏了：恩平市",
        ),
    ],
)
def test_broken_rule_files_are_reported_with_file_and_key(tmp_path: Path, file: str, old: str, new: str, expected: str) -> None:
    problems = broken(tmp_path, file, old, new)
    assert any(p.startswith(expected) for p in problems), problems


def test_empty_rules_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidRulebook) as caught:
        load_rulebook(tmp_path)
    assert "没有 *.toml" in caught.value.problems[0].message
