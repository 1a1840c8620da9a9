"""The real CLI: exact exit codes, messages, the decision.md JSON shape, and no tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from admission.cli import main

from .conftest import REVIEW_DATE, ROOT, SAMPLES_DIR
from .helpers import copy_rules, edit_rules, sample, write_json

AS_OF = ["--as-of", REVIEW_DATE.isoformat()]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_human_report_names_every_rule_and_the_verdict() -> None:
    code, out, err = run("check", *AS_OF, str(SAMPLES_DIR / "industrial-conditional.json"))
    assert code == 3 and err == ""
    for text in (
        "项目准入审查结果",
        "蓬江动力电池模组项目",
        "蓬江区（一类地区）",
        "JM-2022",
        "重大项目  是",
        "制造业项目",
        "计划总投资",
        "投资强度",
        "亩均税收",
        "容积率",
        "建筑系数（参考）",
        "研发投入强度（参考）",
        "未达标（差距在允许范围内）",
        "结论：提请联席会议一事一议",
    ):
        assert text in out, text
    assert "\x1b[" not in out  # no colour when stdout is not a terminal


def test_human_report_lines_up_the_rule_table() -> None:
    _, out, _ = run("check", *AS_OF, str(SAMPLES_DIR / "logistics-reject.json"))
    assert "\n亩均税收          不低于 12 万元/亩·年  10.00 万元/亩·年  未达标（差距在允许范围内）\n" in out


def test_json_output_follows_decision_md() -> None:
    code, out, _ = run("check", "--json", *AS_OF, str(SAMPLES_DIR / "industrial-conditional.json"))
    assert code == 3
    decision = json.loads(out)
    assert list(decision) == [
        "application",
        "verdict",
        "rulebook",
        "tier",
        "major_project",
        "indicators",
        "findings",
        "reasons",
        "remedies",
    ]
    assert decision["application"] == {"id": "JM-2026-0102", "name": "蓬江动力电池模组项目", "type": "industrial", "district": "蓬江区"}
    assert decision["rulebook"]["version"] == "JM-2022" and decision["rulebook"]["effective_from"] == "2022-01-01"
    assert decision["rulebook"]["digest"].startswith("sha256:") and len(decision["rulebook"]["digest"]) == 71
    assert decision["tier"] == 1 and decision["major_project"] is True
    assert decision["indicators"] == {
        "land_mu": 200.0,
        "plot_ratio": 1.88,
        "investment_intensity": 450.0,
        "tax_per_mu": 25.0,
        "output_per_mu": 1300.0,
        "building_coverage": 0.675,
        "total_investment": 95000,
        "rd_intensity": 0.035,
    }
    tax = next(f for f in decision["findings"] if f["rule"] == "tax_per_mu")
    assert tax == {
        "rule": "tax_per_mu",
        "label": "亩均税收",
        "operator": ">=",
        "threshold": 30,
        "actual": 25.0,
        "unit": "万元/亩·年",
        "severity": "mandatory",
        "outcome": "fail",
        "within_tolerance": True,
        "source": tax["source"],
    }
    assert [f["rule"] for f in decision["findings"]] == [
        "manufacturing",
        "total_investment",
        "investment_intensity",
        "tax_per_mu",
        "plot_ratio",
        "building_coverage",
        "rd_intensity",
    ]
    assert decision["reasons"][0] == "亩均税收为 25.00 万元/亩·年，低于一类地区 30 万元/亩·年的要求，差距在标准的 20% 以内。"


def test_version_without_clause_has_no_major_projects_and_null_tolerance() -> None:
    _, out, _ = run("check", "--json", *AS_OF, str(SAMPLES_DIR / "industrial-2014-reject.json"))
    decision = json.loads(out)
    assert decision["rulebook"]["version"] == "JM-2014" and decision["major_project"] is False
    assert {f["within_tolerance"] for f in decision["findings"]} == {None}


def test_advisory_rule_without_input_is_missing_not_an_error(tmp_path: Path) -> None:
    app = sample("industrial-approve.json")
    del app["footprint_m2"], app["commitments"]["rd_ratio"]
    code, out, _ = run("check", "--json", *AS_OF, str(write_json(tmp_path / "a.json", app)))
    assert code == 0
    outcomes = {f["rule"]: (f["outcome"], f["actual"]) for f in json.loads(out)["findings"]}
    assert outcomes["building_coverage"] == ("missing", None) and outcomes["rd_intensity"] == ("missing", None)
    assert "building_coverage" not in json.loads(out)["indicators"]


def test_invalid_input_lists_every_problem_on_stderr() -> None:
    code, out, err = run("check", *AS_OF, str(SAMPLES_DIR / "invalid-numbers.json"))
    assert code == 2 and out == ""
    assert err.splitlines() == [
        f"JM-2026-0902 新会精密结构件智能制造项目（新会区）  {SAMPLES_DIR / 'invalid-numbers.json'}"
        "：申请材料无效，未作审查结论（4 个问题）",
        "  floor_area_m2：必须大于 0，实际为 -5",
        "  investment.total_wan：应为数字，实际为文字 '50000'；请填数字 50000，不加引号",
        "  commitments.annual_tax_wan：应为数字，实际为布尔值 true",
        "  commitments.rd_ratio：不能大于 1，实际为 1.5",
    ]


def test_invalid_input_as_json_is_the_error_object() -> None:
    code, out, _ = run("check", "--json", *AS_OF, str(SAMPLES_DIR / "invalid-typo-area-mou.json"))
    assert code == 2
    assert json.loads(out) == {
        "error": {
            "kind": "invalid_input",
            "problems": [
                {"path": "land.area_mou", "message": "未知字段；是否应为 `land.area_mu`？"},
                {"path": "land", "message": "须填写 land.area_mu（亩）或 land.area_m2（平方米）之一"},
            ],
        }
    }


@pytest.mark.parametrize("kind", ["directory", "missing"])
def test_paths_that_are_not_files_exit_2(tmp_path: Path, kind: str) -> None:
    path = tmp_path if kind == "directory" else tmp_path / "missing.json"
    code, _, err = run("check", str(path))
    assert code == 2
    assert ("是目录" if kind == "directory" else "文件不存在") in err


@pytest.mark.parametrize("value", ["21/11/2026", "20261121", "2026-W47-6", "2026-02-30"])
def test_bad_as_of_is_a_usage_error(value: str) -> None:
    code, _, err = run("check", "--as-of", value, str(SAMPLES_DIR / "logistics-approve.json"))
    assert code == 2 and "日期应为 YYYY-MM-DD 格式" in err


def test_review_date_selects_the_version_when_submitted_on_is_absent(tmp_path: Path) -> None:
    app = sample("industrial-2014-approve.json")
    del app["submitted_on"]
    path = write_json(tmp_path / "a.json", app)
    _, out, _ = run("check", "--json", "--as-of", "2021-12-31", str(path))
    assert json.loads(out)["rulebook"]["version"] == "JM-2014"
    _, out, _ = run("check", "--json", "--as-of", "2022-01-01", str(path))
    assert json.loads(out)["rulebook"]["version"] == "JM-2022"
    code, _, err = run("check", "--as-of", "2014-06-30", str(path))
    assert code == 2 and "审查日期 2014-06-30 没有适用于 industrial 的规则版本" in err


def test_rules_option_uses_another_rule_book(tmp_path: Path) -> None:
    rules = copy_rules(tmp_path)
    # The sample's 亩均税收 is 25.00 in tier 1; lower the threshold to 25 and it is approved.
    edit_rules(
        rules,
        "JM-2022.toml",
        'id = "tax_per_mu"\nlabel = "亩均税收"\nindicator = "tax_per_mu"\noperator = ">="\nthresholds = { 1 = 30,',
        'id = "tax_per_mu"\nlabel = "亩均税收"\nindicator = "tax_per_mu"\noperator = ">="\nthresholds = { 1 = 25,',
    )
    default_code, default_out, _ = run("check", "--json", *AS_OF, str(SAMPLES_DIR / "industrial-conditional.json"))
    code, out, _ = run("check", "--json", *AS_OF, "--rules", str(rules), str(SAMPLES_DIR / "industrial-conditional.json"))
    assert (default_code, code) == (3, 0)
    assert json.loads(out)["rulebook"]["digest"] != json.loads(default_out)["rulebook"]["digest"]


def test_broken_rule_book_names_file_and_key(tmp_path: Path) -> None:
    rules = copy_rules(tmp_path)
    edit_rules(rules, "JM-2022.toml", 'indicator = "plot_ratio"', 'indicator = "plot_ration"')
    code, out, err = run("check", *AS_OF, "--rules", str(rules), str(SAMPLES_DIR / "logistics-approve.json"))
    assert code == 2 and out == ""
    assert "JM-2022.toml: rulesets.industrial.rules[4].indicator：未知指标 plot_ration；是否应为 plot_ratio？" in err


def test_schema_command_prints_a_json_schema_with_rule_book_lists() -> None:
    code, out, _ = run("schema")
    schema = json.loads(out)
    assert code == 0
    assert schema["properties"]["district"]["enum"][0] == "江门高新区"
    assert set(schema["properties"]["type"]["enum"]) == {"industrial", "industrial_real_estate", "logistics"}
    assert "land_area" not in schema["properties"] and "land" in schema["required"]


def test_shipped_schema_file_is_up_to_date() -> None:
    _, out, _ = run("schema")
    assert (ROOT / "schema" / "application.schema.json").read_text(encoding="utf-8") == out


@pytest.mark.parametrize(
    ("name", "code"),
    [("industrial-approve.json", 0), ("industrial-reject.json", 1), ("logistics-conditional.json", 3), ("invalid-gbk.json", 2)],
)
def test_real_process_exit_codes_and_no_traceback(name: str, code: int) -> None:
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    done = subprocess.run(
        [sys.executable, "-m", "admission", "check", *AS_OF, str(SAMPLES_DIR / name)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=60,
    )
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "--jsn", "a.json"], "错误：没有选项 --jsn；是否应为 --json？"),
        (["check"], "错误：缺少参数 'APPLICATION'"),
        (["nope"], "错误：没有命令 nope"),
        (["screen", "-j", "0", "samples"], "错误：参数 '--jobs' / '-j' 的值无效：进程数应为正整数，实际为 0"),
    ],
)
def test_usage_errors_are_in_chinese_with_exit_2(args: list[str], message: str) -> None:
    code, out, err = run(*args)
    assert code == 2 and out == ""
    assert message in err.splitlines()
    assert "Usage:" not in err and err.startswith("用法：")
