"""The input contract: every invalid case of application.md is exit 2 with its JSON path."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from admission.contract.application import credit_code_check_digit, parse_json_text, read_application_file
from admission.errors import InvalidInput
from admission.review.validation import prepare
from admission.rules.rulebook import Rulebook

from .conftest import REVIEW_DATE
from .helpers import sample, write_json


def problems_of(rulebook: Rulebook, text: str | bytes) -> list[tuple[str, str]]:
    data = text.encode("utf-8") if isinstance(text, str) else text
    try:
        raw_data, duplicate_problems = parse_json_text(data)
        from admission.contract.application import RawApplication

        prepare(RawApplication("t", raw_data, tuple(duplicate_problems)), rulebook, REVIEW_DATE)
    except InvalidInput as error:
        return [(p.path, p.message) for p in error.problems]
    return []


def paths_of(rulebook: Rulebook, app: dict[str, Any]) -> list[str]:
    import json

    return [path for path, _ in problems_of(rulebook, json.dumps(app, ensure_ascii=False))]


def test_valid_sample_has_no_problems(rulebook: Rulebook) -> None:
    assert paths_of(rulebook, sample("industrial-approve.json")) == []


@pytest.mark.parametrize(
    ("text", "message_part"),
    [
        ("", "文件为空"),
        ("   \n", "文件为空"),
        ("[1, 2]", "应为 JSON 对象，实际为数组"),
        ('"text"', "实际为文字"),
        ("{", "不是有效的 JSON：第 1 行第 2 列"),
        ('{"a": 1,}', "键名应使用双引号"),
        ("{} {}", "多余内容"),
        ("[" * 100000, "嵌套过深"),
    ],
)
def test_unparseable_files_are_one_root_problem(rulebook: Rulebook, text: str, message_part: str) -> None:
    problems = problems_of(rulebook, text)
    assert len(problems) == 1
    assert problems[0][0] == "$"
    assert message_part in problems[0][1]


def test_gbk_file_is_named_as_not_utf8(rulebook: Rulebook) -> None:
    problems = problems_of(rulebook, '{"name": "江门示例项目"}'.encode("gbk"))
    assert problems == [("$", problems[0][1])]
    assert "不是 UTF-8" in problems[0][1] and "GBK" in problems[0][1]


def test_utf8_byte_order_mark_is_accepted(rulebook: Rulebook) -> None:
    import json

    text = "\ufeff" + json.dumps(sample("logistics-approve.json"), ensure_ascii=False)
    assert problems_of(rulebook, text.encode("utf-8")) == []


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_rejected_at_their_path(rulebook: Rulebook, constant: str) -> None:
    import json

    text = json.dumps(sample("logistics-approve.json"), ensure_ascii=False).replace(
        '"annual_tax_wan": 1000', f'"annual_tax_wan": {constant}'
    )
    assert ("commitments.annual_tax_wan", "不能是 NaN 或无穷大") in problems_of(rulebook, text)


def test_duplicate_keys_are_reported_with_their_path_and_other_problems_too(rulebook: Rulebook) -> None:
    import json

    text = json.dumps(sample("logistics-approve.json"), ensure_ascii=False)
    text = text.replace('"land": {"area_mu": 60}', '"land": {"area_mu": 60, "area_mu": 61}').replace(
        '"id": "JM-2026-0301"', '"id": "bad id!"'
    )
    paths = [path for path, _ in problems_of(rulebook, text)]
    assert paths == ["land.area_mu", "id"]


@pytest.mark.parametrize(
    ("mutate", "path", "message_part"),
    [
        (
            lambda a: a["investment"].update(total_wan="50000"),
            "investment.total_wan",
            "应为数字，实际为文字 '50000'；请填数字 50000，不加引号",
        ),
        (lambda a: a["commitments"].update(annual_tax_wan=True), "commitments.annual_tax_wan", "应为数字，实际为布尔值 true"),
        (lambda a: a.update(floor_area_m2=None), "floor_area_m2", "应为数字"),
        (lambda a: a.update(floor_area_m2=1e13), "floor_area_m2", "不能超过 1e12"),
        (lambda a: a["land"].update(area_mu=0), "land.area_mu", "必须大于 0"),
        (lambda a: a["land"].update(area_mu=-3), "land.area_mu", "必须大于 0"),
        (lambda a: a["commitments"].update(annual_tax_wan=-1), "commitments.annual_tax_wan", "不能小于 0"),
        (lambda a: a["commitments"].update(rd_ratio=1.01), "commitments.rd_ratio", "不能大于 1"),
        (lambda a: a.pop("name"), "name", "缺少必填字段"),
        (lambda a: a.update(name="   "), "name", "不能为空白"),
        (lambda a: a.update(name="名" * 201), "name", "最多 200 个字符"),
        (lambda a: a.update(id="JM 2026/1"), "id", "案件编号"),
        (lambda a: a["industry"].update(code="c38"), "industry.code", "行业代码"),
        (lambda a: a.update(submitted_on="2026-02-30"), "submitted_on", "不是有效的日期"),
        (lambda a: a.update(submitted_on="2026/11/02"), "submitted_on", "YYYY-MM-DD"),
        (lambda a: a.update(submitted_on="2026-W45-1"), "submitted_on", "YYYY-MM-DD"),
        (lambda a: a.update(flor_area_m2=1), "flor_area_m2", "是否应为 `floor_area_m2`"),
        (lambda a: a["land"].update(area_mou=1), "land.area_mou", "是否应为 `land.area_mou`".replace("mou", "mu")),
        (lambda a: a.update(type="warehouse"), "type", "未知的项目类型"),
        (lambda a: a.update(district="广州市"), "district", "未知的区域"),
        (lambda a: a["investment"].update(fixed_assets_wan=60000), "investment.fixed_assets_wan", "超过计划总投资"),
        (lambda a: a.update(footprint_m2=70000), "footprint_m2", "超过用地面积"),
        (lambda a: a["land"].update(area_m2=66666), "land", "只能填写其一"),
        (lambda a: a.update(land={}), "land", "之一"),
        (lambda a: a["industry"].update(chain="房地产"), "industry.chain", "不是规则库中的重点产业链"),
        (lambda a: a.update(real_estate={"self_held_ratio": 0.5, "supporting_floor_ratio": 0.1}), "real_estate", "只有工业地产项目"),
        (lambda a: a.update(submitted_on="2014-06-30"), "submitted_on", "没有适用于 industrial 的规则版本"),
    ],
)
def test_each_invalid_field_is_named(rulebook: Rulebook, mutate: Any, path: str, message_part: str) -> None:
    import json

    app = sample("industrial-approve.json")
    mutate(app)
    problems = problems_of(rulebook, json.dumps(app, ensure_ascii=False))
    assert any(p == path and message_part in m for p, m in problems), problems


def test_all_problems_of_a_file_are_reported_together(rulebook: Rulebook) -> None:
    app = sample("industrial-approve.json")
    app["land"] = {"area_mou": 100}
    app["investment"]["fixed_assets_wan"] = "lots"
    app["applicant"]["credit_code"] = "123"
    del app["commitments"]["annual_tax_wan"]
    assert sorted(paths_of(rulebook, app)) == sorted(
        ["land.area_mou", "land", "investment.fixed_assets_wan", "applicant.credit_code", "commitments.annual_tax_wan"]
    )


def test_credit_code_check_digit_follows_gb_32100() -> None:
    # 91350100M000100Y43 is the standard's own worked example.
    assert credit_code_check_digit("91350100M000100Y4") == "3"


@pytest.mark.parametrize(
    ("code", "message_part"),
    [("9144070", "应为 18 位"), ("91440705MA4WK1T3XI", "不允许的字符：I"), ("91350100M000100Y44", "校验位错误：应为 3")],
)
def test_bad_credit_codes_are_named(rulebook: Rulebook, code: str, message_part: str) -> None:
    import json

    app = sample("industrial-approve.json")
    app["applicant"]["credit_code"] = code
    problems = problems_of(rulebook, json.dumps(app, ensure_ascii=False))
    assert [(p, message_part in m) for p, m in problems] == [("applicant.credit_code", True)]


def test_numbers_are_read_as_decimals_never_floats(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text('{"x": 0.1, "y": 30.000000000000004, "z": 1E+3}', encoding="utf-8")
    raw = read_application_file(path)
    assert raw.data == {"x": Decimal("0.1"), "y": Decimal("30.000000000000004"), "z": Decimal("1E+3")}


@pytest.mark.parametrize("kind", ["directory", "missing"])
def test_unreadable_paths_are_input_errors(tmp_path: Path, kind: str) -> None:
    path = tmp_path if kind == "directory" else tmp_path / "nope.json"
    with pytest.raises(InvalidInput) as caught:
        read_application_file(path)
    assert caught.value.problems[0].path == "$"
    assert ("是目录" if kind == "directory" else "文件不存在") in caught.value.problems[0].message


def test_write_json_helper_round_trips(tmp_path: Path) -> None:
    app = sample("logistics-approve.json")
    assert read_application_file(write_json(tmp_path / "a.json", app)).data["id"] == app["id"]
