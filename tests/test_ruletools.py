"""admit rules: list, show, validate, diff, test, impact, on the real rule book and edited copies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from admission.cli import main
from admission.rulebook import Rulebook

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
    code, out, _ = run("rules", "list", *AS_OF, "--type", "logistics")
    assert code == 0
    assert "JM-2022  2022-01-01 起  industrial、industrial_real_estate、logistics（当日生效）" in out
    assert "物流项目（logistics）· JM-2022 · 2026-11-21 生效" in out
    assert "  亩均税收    ≥ 20      ≥ 15      ≥ 12      万元/亩·年  必备" in out
    assert "建筑系数    ≥ 0.50    ≥ 0.50    ≥ 0.50    —           参考" in out


def test_list_as_json_and_for_an_earlier_date() -> None:
    code, out, _ = run("rules", "list", "--json", "--as-of", "2020-01-01")
    listing = json.loads(out)
    assert code == 0 and [s["version"] for s in listing["in_force"]] == ["JM-2014"]
    tax = next(r for r in listing["in_force"][0]["rules"] if r["id"] == "tax_per_mu")
    assert tax["thresholds"] == {"1": 25, "2": 20, "3": 15} and tax["unit"] == "万元/亩·年"


def test_show_gives_thresholds_per_version_and_tier_and_the_formula() -> None:
    code, out, _ = run("rules", "show", "plot_ratio")
    assert code == 0
    assert "指标公式：容积率（plot_ratio）= floor_area_m2 × 0.0015 ÷ 用地面积（亩），四舍五入保留 2 位小数" in out
    assert "JM-2014（2014-07-01 至 2021-12-31）· 工业项目（industrial）· 必备" in out
    assert "  三类地区（台山市、开平市、恩平市）：≥ 1.2" in out  # JM-2022 industrial
    assert "一事一议容差：20%" in out


def test_show_unknown_rule_suggests_the_nearest() -> None:
    code, _, err = run("rules", "show", "tax_per_mou")
    assert code == 2 and "是否应为 tax_per_mu" in err


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


def test_diff_of_two_versions_lists_raised_and_added_thresholds() -> None:
    code, out, _ = run("rules", "diff", "--json", "JM-2014", "JM-2022")
    changes = json.loads(out)["changes"]
    assert code == 0
    tax = [c for c in changes if c["type"] == "industrial" and c["rule"] == "tax_per_mu"]
    assert [(c["tier"], c["old"], c["new"], c["change"]) for c in tax] == [
        ("一类地区", ">= 25 万元/亩·年（必备）", ">= 30 万元/亩·年（必备）", "提高"),
        ("二类地区", ">= 20 万元/亩·年（必备）", ">= 25 万元/亩·年（必备）", "提高"),
        ("三类地区", ">= 15 万元/亩·年（必备）", ">= 20 万元/亩·年（必备）", "提高"),
    ]
    assert {c["rule"] for c in changes if c["change"] == "新增" and c["type"] == "logistics"} >= {"plot_ratio", "building_coverage"}


def test_diff_of_two_folders(tmp_path: Path) -> None:
    rules = copy_rules(tmp_path)
    edit_rules(rules, "JM-2022.toml", TAX_TIERS_2022, "thresholds = { 1 = 30, 2 = 28, 3 = 18 }")
    code, out, _ = run("rules", "diff", str(RULES_DIR), str(rules))
    lines = [" ".join(line.split()) for line in out.splitlines()]
    assert code == 0
    assert "工业项目 亩均税收 二类地区 >= 25 万元/亩·年（必备） >= 28 万元/亩·年（必备） 提高" in lines
    assert "工业项目 亩均税收 三类地区 >= 20 万元/亩·年（必备） >= 18 万元/亩·年（必备） 降低" in lines
    assert lines[-1] == "共 2 处变化。"
    code, out, _ = run("rules", "diff", str(RULES_DIR), str(RULES_DIR))
    assert "没有差异。" in out


def test_impact_lists_projects_whose_verdict_changes(tmp_path: Path) -> None:
    rules = copy_rules(tmp_path)
    edit_rules(rules, "JM-2022.toml", TAX_TIERS_2022, "thresholds = { 1 = 30, 2 = 28, 3 = 20 }")
    code, out, _ = run("rules", "impact", "--json", *AS_OF, str(rules), str(SAMPLES_DIR))
    report = json.loads(out)
    assert code == 0 and report["evaluated"] == 23
    assert report["changed"] == [
        {"source": str(SAMPLES_DIR / "industrial-approve-boundary-m2.json"), "id": "JM-2026-0106", "name": "鹤山卫浴五金智能工厂项目",
         "before": "approve", "after": "reject"},
    ]  # fmt: skip
    _, human, _ = run("rules", "impact", *AS_OF, str(rules), str(SAMPLES_DIR))
    assert "JM-2026-0106  鹤山卫浴五金智能工厂项目：建议准入 → 不予准入" in human


@pytest.mark.parametrize("command", ["list", "show", "validate", "diff", "test", "impact"])
def test_rules_commands_have_help_with_an_example(command: str) -> None:
    code, out, _ = run("rules", command, "--help")
    assert code == 0 and "示例：" in out
