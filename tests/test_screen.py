"""`admit screen`: same decisions as `admit check`, every broken input reported, tables read back."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from admission.cli import main
from admission.documents.files import write_files
from admission.errors import OutputError
from admission.intake.workbook import COLUMNS
from admission.vocabulary import PROJECT_TYPES as TYPE_LABELS

from .conftest import REVIEW_DATE, SAMPLES_DIR
from .helpers import sample, write_json
from .strategies import applications, to_json_text

AS_OF = ["--as-of", REVIEW_DATE.isoformat()]
VALID_SAMPLES = sorted(p.name for p in SAMPLES_DIR.glob("*.json") if not p.name.startswith("invalid-"))


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def check_json(path: Path) -> dict[str, Any]:
    _, out, _ = run("check", "--json", *AS_OF, str(path))
    decision: dict[str, Any] = json.loads(out)
    return decision


def screen_json(*args: str) -> tuple[int, dict[str, Any]]:
    code, out, _ = run("screen", "--json", *AS_OF, *args)
    return code, json.loads(out)


@settings(max_examples=15, deadline=None)
@given(st.lists(applications(), min_size=1, max_size=6))
def test_screening_a_folder_gives_check_decisions(tmp_path_factory: pytest.TempPathFactory, apps: list[dict[str, Any]]) -> None:
    folder = tmp_path_factory.mktemp("intake")
    for index, app in enumerate(apps):
        app["id"] = f"GEN-{index}"
        (folder / f"{index}.json").write_text(to_json_text(app), encoding="utf-8")
    code, screened = screen_json(str(folder))
    assert code == 0
    assert screened["summary"]["total"] == len(apps)
    for result in screened["results"]:
        assert result["decision"] == check_json(Path(result["source"]))


def test_parallel_screening_equals_single_process(tmp_path: Path) -> None:
    for index in range(150):  # more than one chunk per worker
        app = sample(VALID_SAMPLES[index % len(VALID_SAMPLES)])
        app["id"] = f"PAR-{index:03d}"
        app["commitments"]["annual_tax_wan"] += index
        write_json(tmp_path / f"{index:03d}.json", app)
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    single = screen_json("--jobs", "1", str(tmp_path))
    parallel = screen_json("--jobs", "2", str(tmp_path))
    assert single == parallel
    assert single[0] == 2 and single[1]["summary"]["total"] == 151 and single[1]["summary"]["invalid"] == 1


def fill_workbook(path: Path, rows: list[dict[str, Any]]) -> None:
    """Fill a workbook made by `admit template` the way a clerk would: one row per application."""
    workbook = load_workbook(path)
    sheet = workbook.active
    assert sheet is not None
    sheet.delete_rows(2)  # the example row
    for number, app in enumerate(rows, 2):
        for index, column in enumerate(COLUMNS, 1):
            value: Any = app
            for part in column.path.split("."):
                value = value.get(part) if isinstance(value, dict) else None
            if column.path == "type" and value is not None:
                value = TYPE_LABELS[value]
            sheet.cell(row=number, column=index, value=value)
    workbook.save(path)


def test_template_workbook_round_trips(tmp_path: Path) -> None:
    intake = tmp_path / "intake.xlsx"
    code, out, _ = run("template", str(intake))
    assert code == 0 and "已写出申请汇总表模板" in out
    template = load_workbook(intake).active
    assert template is not None
    assert [c.value for c in template[1]] == [c.header for c in COLUMNS]
    assert template.freeze_panes == "A2"
    lists = [dv.formula1 for dv in template.data_validations.dataValidation]
    assert '"工业项目,工业地产项目,物流项目"' in lists and any("新会区" in f for f in lists) and any("新能源电池" in f for f in lists)
    assert all(dv.showErrorMessage for dv in template.data_validations.dataValidation), "drop-downs refuse other entries"
    code, example = screen_json(str(intake))
    assert code == 0 and example["results"] == [], "the template's example row is never screened"
    assert any("示例行" in notice for notice in example["notices"])

    fill_workbook(intake, [sample(name) for name in VALID_SAMPLES])
    code, screened = screen_json(str(intake))
    assert code == 0
    assert [r["source"] for r in screened["results"]] == [f"{intake}#{n}" for n in range(2, len(VALID_SAMPLES) + 2)]
    for name, result in zip(VALID_SAMPLES, screened["results"], strict=True):
        assert result["decision"] == check_json(SAMPLES_DIR / name), name


def test_broken_inputs_of_every_kind_are_reported_and_nothing_else_is_lost(tmp_path: Path) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    for name in VALID_SAMPLES[:3]:
        write_json(folder / name, sample(name))
    (folder / "nested").mkdir()
    (folder / "nested" / "empty.json").write_text("", encoding="utf-8")
    (folder / "nested" / "gbk.json").write_bytes('{"name": "项目"}'.encode("gbk"))
    duplicate = sample(VALID_SAMPLES[0])
    write_json(folder / "nested" / "duplicate-id.json", duplicate)

    workbook_path = tmp_path / "intake.xlsx"
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append([c.header for c in COLUMNS] + ["备注栏"])
    good = sample("logistics-approve.json")
    row: dict[str, Any] = {c.header: None for c in COLUMNS}
    row.update({"案件编号": "XL-1", "项目名称": good["name"], "投资主体": "某公司", "项目类型": "物流项目", "所在区域": "鹤山市",
                "行业代码": "G59", "用地面积（亩）": 60, "计容建筑面积（平方米）": 60000, "计划总投资（万元）": 20000,
                "固定资产投资（万元）": 18000, "达产年税收（万元）": "1,000", "建筑基底面积（平方米）": 22000})  # fmt: skip
    sheet.append([*row.values(), "ok"])
    sheet.append([])  # blank rows are skipped
    bad = dict(row, 案件编号="XL-2", 项目类型="仓库", **{"用地面积（亩）": -1})
    sheet.append([*bad.values(), ""])
    workbook.save(workbook_path)
    (tmp_path / "not-a-workbook.xlsx").write_text("plain text", encoding="utf-8")

    code, screened = screen_json(str(folder), str(workbook_path), str(tmp_path / "missing.json"), str(tmp_path / "not-a-workbook.xlsx"))
    assert code == 2
    by_source = {r["source"]: r for r in screened["results"]}
    errors = {s: [p["path"] for p in r["error"]["problems"]] for s, r in by_source.items() if "error" in r}
    assert errors == {
        str(folder / VALID_SAMPLES[0]): ["id"],
        str(folder / "nested" / "duplicate-id.json"): ["id"],
        str(folder / "nested" / "empty.json"): ["$"],
        str(folder / "nested" / "gbk.json"): ["$"],
        f"{workbook_path}#4": ["land.area_mu", "type"],
        str(tmp_path / "missing.json"): ["$"],
        str(tmp_path / "not-a-workbook.xlsx"): ["$"],
    }
    assert "重复" in by_source[str(folder / VALID_SAMPLES[0])]["error"]["problems"][0]["message"]
    evaluated = sorted(s for s, r in by_source.items() if "decision" in r)
    assert evaluated == sorted([str(folder / VALID_SAMPLES[1]), str(folder / VALID_SAMPLES[2]), f"{workbook_path}#2"])
    assert by_source[f"{workbook_path}#2"]["decision"]["verdict"] == "approve"
    assert screened["summary"] == {"total": 10, "approve": 2, "conditional": 0, "reject": 1, "invalid": 7}
    notices = screened["notices"]
    assert any("第 21 列“备注栏”不是申请表的列" in notice for notice in notices), "a remarks column is noted, not an application"


def test_terminal_summary_counts_and_sorts_by_verdict() -> None:
    code, out, err = run("screen", *AS_OF, str(SAMPLES_DIR))
    assert code == 2 and err == ""  # no progress bar when stderr is not a terminal
    lines = out.splitlines()
    assert lines[0] == "预审结果：共 23 份申请"
    assert lines[1] == "  结论：建议准入 5，提请联席会议一事一议 3，不予准入 6，无效 9"
    assert lines[2].startswith("  按类型：工业项目 8，")
    assert lines[4:6] == ["  计划总投资合计（有效申请）：65.40 亿元", "  用地合计（有效申请）：1330.00 亩"]
    verdict_lines = [line for line in lines if line.startswith("[")]
    order = [line.split("]")[0][1:] for line in verdict_lines]
    assert order == sorted(order, key=["建议准入", "提请联席会议一事一议", "不予准入", "无效"].index)
    assert "[不予准入] JM-2026-0303  恩平农产品仓储项目（物流项目，恩平市）  未达标：计划总投资、投资强度、亩均税收" in lines


def test_csv_and_xlsx_outputs_read_back(tmp_path: Path) -> None:
    csv_path, xlsx_path = tmp_path / "结果.csv", tmp_path / "结果.xlsx"
    code, screened = screen_json("--csv", str(csv_path), "--xlsx", str(xlsx_path), str(SAMPLES_DIR))
    assert code == 2
    assert csv_path.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM, for Excel
    with csv_path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == screened["summary"]["total"]
    conditional = next(r for r in rows if r["案件编号"] == "JM-2026-0102")
    assert conditional["结论"] == "提请联席会议一事一议" and conditional["亩均税收（万元/亩·年）"] == "25.0"
    assert conditional["未达标必备指标"] == "亩均税收" and conditional["项目类型"] == "工业项目"
    invalid = next(r for r in rows if r["来源"].endswith("invalid-numbers.json"))
    assert invalid["结论"] == "无效" and "floor_area_m2：必须大于 0" in invalid["问题"]

    workbook = load_workbook(xlsx_path)
    sheet = workbook.active
    assert sheet is not None and workbook.sheetnames == ["预审结果", "汇总"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref and sheet.print_title_rows == "$1:$1"
    assert sheet.page_setup.orientation == "landscape"
    overview = dict(workbook["汇总"].iter_rows(min_row=2, values_only=True))
    assert overview["结论"] == "建议准入 5，提请联席会议一事一议 3，不予准入 6，无效 9", "the counts the terminal shows"
    header = [c.value for c in sheet[1]]
    by_id = {row[1].value: row for row in sheet.iter_rows(min_row=2)}
    conditional_row = by_id["JM-2026-0102"]
    assert conditional_row[header.index("区域分类")].value == "一类地区", "tier names, not numbers"
    assert conditional_row[header.index("亩均税收要求")].value == "≥ 30"
    assert conditional_row[header.index("亩均税收（万元/亩·年）")].number_format == "#,##0.00"
    assert conditional_row[header.index("达产年税收（万元）")].value == 5000
    with csv_path.open(encoding="utf-8-sig", newline="") as handle:
        assert header == list(csv.DictReader(handle).fieldnames or [])
    verdict_column = header.index("结论")
    fills = {row[verdict_column].value: row[verdict_column].fill.fgColor.rgb for row in sheet.iter_rows(min_row=2)}
    assert fills == {"建议准入": "00C6EFCE", "提请联席会议一事一议": "00FFEB9C", "不予准入": "00FFC7CE", "无效": "00D9D9D9"}
    name_column = chr(ord("A") + header.index("项目名称"))
    assert sheet.column_dimensions[name_column].width >= 2 * len("高新区先进材料产业综合体项目")
    assert sheet.cell(row=2, column=header.index("计划总投资（万元）") + 1).value == 12000


class _InterruptedAfterFirst(dict[Path, bytes]):
    """Outputs whose second file is never reached: Ctrl-C arrives while the first is written."""

    def items(self) -> Any:
        first = next(iter(super().items()))
        yield first
        raise KeyboardInterrupt


def test_interrupted_write_leaves_the_old_files_and_no_debris(tmp_path: Path) -> None:
    csv_target, xlsx_target = tmp_path / "预审结果.csv", tmp_path / "预审结果.xlsx"
    csv_target.write_text("old", encoding="utf-8")
    xlsx_target.write_text("old", encoding="utf-8")
    with pytest.raises(KeyboardInterrupt):
        write_files(_InterruptedAfterFirst({csv_target: b"new", xlsx_target: b"new"}))
    assert csv_target.read_text(encoding="utf-8") == "old" and xlsx_target.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["预审结果.csv", "预审结果.xlsx"]


def test_outputs_are_written_together_or_not_at_all(tmp_path: Path) -> None:
    first = tmp_path / "a.csv"
    first.write_text("old", encoding="utf-8")
    with pytest.raises(OutputError):
        write_files({first: b"new", tmp_path / "missing" / "b.xlsx": b"new"})
    assert first.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.csv"]


def test_unwritable_output_is_one_line_and_not_a_verdict_code(tmp_path: Path) -> None:
    code, _, err = run("screen", *AS_OF, "--csv", str(tmp_path / "no" / "such" / "dir.csv"), str(SAMPLES_DIR / "logistics-approve.json"))
    assert code == 73
    assert err.strip().startswith("错误：输出目录不存在")


def test_excel_numbers_are_read_as_the_decimals_people_typed(tmp_path: Path) -> None:
    path = tmp_path / "intake.xlsx"
    run("template", str(path))
    workbook = load_workbook(path)
    sheet = workbook.active
    assert sheet is not None
    headers = [c.header for c in COLUMNS]
    sheet.cell(row=2, column=headers.index("项目名称") + 1, value="数值读取检查项目")  # no longer the example row
    sheet.cell(row=2, column=headers.index("研发投入强度") + 1, value=0.03)  # exactly the threshold
    sheet.cell(row=2, column=headers.index("达产年税收（万元）") + 1, value=2500.0)  # 25.00 per 亩 in tier 2
    workbook.save(path)
    _, screened = screen_json(str(path))
    decision = screened["results"][0]["decision"]
    outcomes = {f["rule"]: f["outcome"] for f in decision["findings"]}
    assert outcomes["rd_intensity"] == "pass" and outcomes["tax_per_mu"] == "pass"
    assert Decimal(str(decision["indicators"]["tax_per_mu"])) == Decimal("25")


def test_a_title_row_above_the_header_is_skipped_and_typed_units_get_a_hint(tmp_path: Path) -> None:
    """Every real 汇总表 has a title row; clerks type 1500亩, 11亿元, 约100 and Excel date serials."""
    intake = tmp_path / "intake.xlsx"
    assert run("template", str(intake))[0] == 0
    fill_workbook(intake, [sample("industrial-approve.json"), sample("industrial-approve.json")])
    workbook = load_workbook(intake)
    sheet = workbook.active
    assert sheet is not None
    headers = [c.value for c in sheet[1]]
    sheet.cell(row=3, column=1, value="JM-TITLE-2")
    for header, typed in (
        ("用地面积（亩）", "1500亩"),
        ("计划总投资（万元）", "11亿元"),
        ("固定资产投资（万元）", "约100"),
        ("受理日期", 45717),
    ):
        sheet.cell(row=3, column=headers.index(header) + 1, value=typed)
    sheet.insert_rows(1)
    sheet["A1"] = "2026年第12次会议申请汇总表"
    workbook.save(intake)
    code, screened = screen_json(str(intake))
    assert code == 2
    assert any("第 2 行是列标题，其上的标题行（第 1 行）未读取" in n for n in screened["notices"]), screened["notices"]
    first, second = screened["results"]
    assert first["source"] == f"{intake}#3" and first["decision"]["verdict"] == "approve", "the header row was found"
    messages = {p["column"]: p["message"] for p in second["error"]["problems"]}
    assert messages["用地面积（亩）"].endswith("实际为文字 '1500亩'；请只填数字 1500，不写单位“亩”")
    assert "即 110000 万元？" in messages["计划总投资（万元）"]
    assert "请填确切的数字（如 100），不写“约”" in messages["固定资产投资（万元）"]
    # Excel's serial 45717 is 2025-03-01 (its day 0 is 1899-12-30).
    assert "疑似 Excel 日期序号，即 2025-03-01？" in messages["受理日期"]
