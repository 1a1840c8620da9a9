"""admit rules: list, show, validate, diff, test, impact, on the real rule book and edited copies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from admission.cli import main
from admission.rules.rulebook import Rulebook

from .conftest import REVIEW_DATE, RULES_DIR, SAMPLES_DIR
from .helpers import copy_rules, edit_rules

AS_OF = ["--as-of", REVIEW_DATE.isoformat()]
TAX_TIERS_2022 = "thresholds = { 1 = 30, 2 = 25, 3 = 20 }"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_every_rule_of_every_rule_set_has_a_case_that_fails_it(rulebook: Rulebook) -> None:
    failing: dict[tuple[str, str], set[str]] = {}
    for path in (RULES_DIR / "cases").glob("*.json"):
        case = json.loads(path.read_text(encoding="utf-8"))
        day = case["application"].get("submitted_on", case["as_of"])
        from datetime import date

        selected = rulebook.select(case["application"]["type"], date.fromisoformat(day))
        assert selected is not None, path.name
        failing.setdefault((selected.version.version, selected.type), set()).update(case["expect"]["failed"])
    for version in rulebook.versions:
        for project_type, ruleset in version.rulesets.items():
            uncovered = {r.id for r in ruleset.rules} - failing.get((version.version, project_type), set())
            assert not uncovered, f"{version.version}/{project_type}: no case makes {sorted(uncovered)} fail"


def test_shipped_cases_all_pass() -> None:
    code, out, _ = run("rules", "test")
    assert code == 0 and out.strip().endswith("30 passed, 0 failed")


def test_cases_catch_a_changed_threshold(tmp_path: Path) -> None:
    rules = copy_rules(tmp_path)
    edit_rules(rules, "JM-2022.toml", TAX_TIERS_2022, "thresholds = { 1 = 30, 2 = 28, 3 = 20 }")
    code, out, _ = run("rules", "test", str(rules))
    assert code == 1
    assert "不符：jm2022-industrial-half-up-edge.json" in out
    assert out.strip().endswith("27 passed, 3 failed")


def test_list_shows_versions_and_every_rule_in_force() -> None:
    code, out, _ = run("rules", "list", *AS_OF, "--type", "物流项目")
    assert code == 0
    assert "JM-2022  自2022年1月1日起施行  工业项目、工业地产项目、物流项目（审查日期当日生效）" in out
    assert "物流项目 · JM-2022 · 2026年11月21日 适用" in out
    assert "  一类地区：江门高新区、蓬江区、江海区" in out
    assert "  亩均税收    ≥ 20      ≥ 15      ≥ 12      万元/亩·年  必备" in out
    assert "建筑系数    ≥ 50%     ≥ 50%     ≥ 50%     —           参考" in out
    assert "industrial" not in out and "logistics" not in out
    assert run("rules", "list", *AS_OF, "--type", "logistics")[1] == out, "the code works too"


def test_list_as_json_and_for_an_earlier_date() -> None:
    code, out, _ = run("rules", "list", "--json", "--as-of", "2020-01-01")
    listing = json.loads(out)
    assert code == 0 and [s["version"] for s in listing["in_force"]] == ["JM-2014"]
    tax = next(r for r in listing["in_force"][0]["rules"] if r["id"] == "tax_per_mu")
    assert tax["thresholds"] == {"1": 25, "2": 20, "3": 15} and tax["unit"] == "万元/亩·年"


def test_show_gives_thresholds_per_version_and_tier_and_the_formula() -> None:
    code, out, _ = run("rules", "show", "容积率")
    assert code == 0
    assert "计算公式：容积率 = 计容建筑面积（平方米）× 0.0015 ÷ 用地面积（亩），四舍五入保留 2 位小数" in out
    assert "JM-2014（2014年7月1日至2021年12月31日施行）· 工业项目 · 必备" in out
    assert "  三类地区（台山市、开平市、恩平市）：≥ 1.2" in out  # JM-2022 industrial
    assert "差距在标准的 20% 以内可提请联席会议一事一议" in out
    assert run("rules", "show", "plot_ratio")[1] == out, "the rule id works too"


def test_show_unknown_rule_suggests_the_nearest() -> None:
    code, _, err = run("rules", "show", "tax_per_mou")
    assert code == 2 and "是否应为 tax_per_mu" in err
    code, _, err = run("rules", "show", "亩均税额")
    assert code == 2 and "是否应为 亩均税收" in err


def test_validate_ok_and_broken(tmp_path: Path) -> None:
    code, out, _ = run("rules", "validate")
    assert code == 0 and "2 个版本，4 个规则集，22 条规则" in out
    rules = copy_rules(tmp_path)
    edit_rules(rules, "JM-2022.toml", 'indicator = "plot_ratio"', 'indicator = "plot_ration"')
    edit_rules(rules, "JM-2014.toml", "effective_to = 2021-12-31", "effective_to = 2021-06-30")
    code, _, err = run("rules", "validate", str(rules))
    assert code == 2
    assert "JM-2022.toml: rulesets.industrial.rules[4].indicator：未知指标 plot_ration" in err
    assert (
        "JM-2022.toml: effective_from：项目类型 industrial 在 JM-2014 结束（2021-06-30）与 JM-2022 生效（2022-01-01）之间没有适用的版本"
        in err
    )


def test_diff_of_two_versions_compares_each_district_and_every_section() -> None:
    code, out, _ = run("rules", "diff", "--json", "JM-2014", "JM-2022")
    changes = json.loads(out)["changes"]
    assert code == 0
    tax = [c for c in changes if c["type"] == "industrial" and c["rule"] == "tax_per_mu"]
    assert [(c["districts"], c["old"], c["new"], c["change"]) for c in tax] == [
        ("江门高新区", "一类地区 ≥ 25 万元/亩·年", "一类地区 ≥ 30 万元/亩·年", "提高"),
        ("蓬江区、江海区", "二类地区 ≥ 20 万元/亩·年", "一类地区 ≥ 30 万元/亩·年", "提高"),  # moved tiers: 20 → 30
        ("新会区、鹤山市", "二类地区 ≥ 20 万元/亩·年", "二类地区 ≥ 25 万元/亩·年", "提高"),
        ("台山市、开平市、恩平市", "三类地区 ≥ 15 万元/亩·年", "三类地区 ≥ 20 万元/亩·年", "提高"),
    ]
    moved = [(c["districts"], c["old"], c["new"]) for c in changes if c["section"] == "区域分类"]
    assert moved == [("蓬江区", "二类地区", "一类地区"), ("江海区", "二类地区", "一类地区")]
    clause = {c["label"]: (c["old"], c["new"]) for c in changes if c["section"] == "一事一议"}
    assert clause["条款"] == ("未设一事一议条款", "设一事一议条款") and clause["允许差距（容差）"] == ("—", "20%")
    assert {c["label"] for c in changes if c["section"] == "项目类型"} == {"工业地产项目", "物流项目"}
    _, human, _ = run("rules", "diff", "JM-2014", "JM-2022")
    assert ">=" not in human and "≥ 40%（参考）" in human and "全部区域" in human


def test_diff_of_two_folders(tmp_path: Path) -> None:
    rules = copy_rules(tmp_path)
    edit_rules(rules, "JM-2022.toml", TAX_TIERS_2022, "thresholds = { 1 = 30, 2 = 28, 3 = 18 }")
    edit_rules(rules, "JM-2022.toml", "tolerance = 0.2", "tolerance = 0.15")
    code, out, _ = run("rules", "diff", str(RULES_DIR), str(rules))
    lines = [" ".join(line.split()) for line in out.splitlines()]
    assert code == 0
    assert "工业项目 亩均税收 新会区、鹤山市 二类地区 ≥ 25 万元/亩·年 二类地区 ≥ 28 万元/亩·年 提高" in lines
    assert "工业项目 亩均税收 台山市、开平市、恩平市 三类地区 ≥ 20 万元/亩·年 三类地区 ≥ 18 万元/亩·年 降低" in lines
    assert "允许差距（容差） 20% 15% 修改" in lines
    assert lines[-1] == "共 3 处变化。"
    code, out, _ = run("rules", "diff", str(RULES_DIR), str(RULES_DIR))
    assert "没有差异。" in out


def test_impact_lists_projects_whose_verdict_changes(tmp_path: Path) -> None:
    rules = copy_rules(tmp_path)
    edit_rules(rules, "JM-2022.toml", TAX_TIERS_2022, "thresholds = { 1 = 30, 2 = 28, 3 = 20 }")
    code, out, _ = run("rules", "impact", "--json", *AS_OF, str(rules), str(SAMPLES_DIR))
    report = json.loads(out)
    assert code == 0 and report["evaluated"] == 14 and len(report["invalid"]) == 9, "invalid inputs are counted apart"
    assert report["changed"] == [
        {"source": str(SAMPLES_DIR / "industrial-approve-boundary-m2.json"), "id": "JM-2026-0106", "name": "鹤山卫浴五金智能工厂项目",
         "before": "approve", "after": "reject",
         "rules": ["亩均税收：要求由“不低于 25 万元/亩·年”改为“不低于 28 万元/亩·年”"
                   "（实际 25.00 万元/亩·年，达标 → 未达标（差距在允许范围内））"]},
    ]  # fmt: skip
    _, human, _ = run("rules", "impact", *AS_OF, str(rules), str(SAMPLES_DIR))
    assert "共 23 份申请，可审查 14 份，其中 1 份结论将改变；另有 9 份在两套规则下均为无效材料" in human
    assert "JM-2026-0106  鹤山卫浴五金智能工厂项目：建议准入 → 不予准入" in human
    assert "亩均税收：要求由“不低于 25 万元/亩·年”改为“不低于 28 万元/亩·年”" in human


@pytest.mark.parametrize("command", ["list", "show", "validate", "diff", "test", "impact"])
def test_rules_commands_have_help_with_an_example(command: str) -> None:
    code, out, _ = run("rules", command, "--help")
    assert code == 0 and "示例：" in out
