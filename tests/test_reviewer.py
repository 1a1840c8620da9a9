"""The reviewer's experience: a clerk's workbook read as meant, invalid rows named as a person
finds them, one row checked on its own, documents in the office's words, Word export."""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from admission.intake.workbook import COLUMNS
from admission.vocabulary import PROJECT_TYPES as TYPE_LABELS

from .conftest import SAMPLES_DIR
from .helpers import sample, write_json
from .pdf_tools import pdf_text, squash
from .test_screen import AS_OF, VALID_SAMPLES, check_json, run, screen_json

# The headers as a clerk in WPS typed them: half-width brackets, spaces, full-width letters,
# a * marking a required column, ㎡ for 平方米, and a few other names for the same column.
CLERK_HEADERS = {
    "案件编号": "*案件编号",
    "项目名称": "项目 名称",
    "投资主体": "投资企业",
    "统一社会信用代码": "统一社会信用代码",
    "项目类型": "项目类型",
    "所在区域": "区域",
    "行业代码": "行业代码",
    "重点产业链": "重点产业链",
    "用地面积（亩）": "用地面积(亩)",
    "用地面积（平方米）": "用地面积（㎡）",
    "计容建筑面积（平方米）": "计容建筑面积(m2)",
    "建筑基底面积（平方米）": "建筑基底面积（平方米）",
    "计划总投资（万元）": "计划总投资 (万元)",
    "固定资产投资（万元）": "固定资产投资（万元）",
    "达产年税收（万元）": "达产年税收(万元)",
    "达产年产值（万元）": "达产年产值（万元）",
    "研发投入强度": "研发投入强度",
    "自持比例": "自持比例",
    "配套用房比例": "配套用房比例",
    "受理日期": "受理日期",
}


def _cell(app: dict[str, Any], path: str) -> Any:
    value: Any = app
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def clerk_workbook(path: Path, apps: list[dict[str, Any]], edit: dict[int, dict[str, Any]] | None = None) -> Path:
    """Applications as a clerk types them: Chinese type labels, dates as 2026/11/3, ratios as 3.5%."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append([CLERK_HEADERS[c.header] for c in COLUMNS])
    for index, app in enumerate(apps):
        row: list[Any] = []
        for column in COLUMNS:
            value = _cell(app, column.path)
            if column.path == "type" and value is not None:
                value = TYPE_LABELS[value]
            elif column.path == "submitted_on" and value is not None:
                year, month, day = (int(part) for part in value.split("-"))
                value = f"{year}/{month}/{day}" if index % 2 else f"{year}年{month}月{day}日"
            elif column.path == "commitments.rd_ratio" and value is not None:
                value = f"{value * 100:g}%"
            row.append(value)
        for header, value in (edit or {}).get(index, {}).items():
            row[[c.header for c in COLUMNS].index(header)] = value
        sheet.append(row)
    workbook.save(path)
    return path


def test_a_clerks_workbook_is_read_as_meant_and_decides_as_the_json_does(tmp_path: Path) -> None:
    apps = [sample(name) for name in VALID_SAMPLES]
    intake = clerk_workbook(tmp_path / "申请汇总表.xlsx", apps)
    _, screened = screen_json(str(intake))
    assert screened["summary"]["total"] == len(apps), "the header row is not an application"
    assert screened["summary"]["invalid"] == 0, [r["error"] for r in screened["results"] if "error" in r]
    for name, result in zip(VALID_SAMPLES, screened["results"], strict=True):
        expected = check_json(SAMPLES_DIR / name)
        assert result["decision"]["verdict"] == expected["verdict"], name
        assert result["decision"]["indicators"] == expected["indicators"], name


def test_district_aliases_apply_to_workbooks_only_and_typos_get_a_suggestion(tmp_path: Path) -> None:
    app = sample("industrial-approve.json")
    edits = {0: {"所在区域": "高新区"}, 1: {"所在区域": "篷江区"}}
    intake = clerk_workbook(tmp_path / "intake.xlsx", [app, app | {"id": "JM-2"}], edit=edits)
    _, screened = screen_json(str(intake))
    first, second = screened["results"]
    assert first["decision"]["application"]["district"] == "江门高新区"
    problem = second["error"]["problems"][0]
    assert problem["column"] == "区域" and "是否应为“蓬江区”" in problem["message"]
    code, out, _ = run("check", "--json", *AS_OF, str(write_json(tmp_path / "a.json", app | {"district": "高新区"})))
    assert code == 2, "a JSON application stays strict"
    assert "是否应为“江门高新区”" in json.loads(out)["error"]["problems"][0]["message"]


def test_a_ratio_typed_as_a_whole_number_is_refused_with_the_percentage_meant(tmp_path: Path) -> None:
    app = sample("industrial-real-estate-approve.json")
    intake = clerk_workbook(tmp_path / "intake.xlsx", [app], edit={0: {"自持比例": 45, "配套用房比例": "12.5%"}})
    _, screened = screen_json(str(intake))
    (result,) = screened["results"]
    problem = result["error"]["problems"][0]
    assert problem["column"] == "自持比例" and "是否应为 45%（即 0.45）" in problem["message"]
    intake = clerk_workbook(tmp_path / "fixed.xlsx", [app], edit={0: {"自持比例": "45%", "配套用房比例": "12.5%"}})
    _, screened = screen_json(str(intake))
    decision = screened["results"][0]["decision"]
    assert decision["indicators"]["self_held_ratio"] == 0.45 and decision["indicators"]["supporting_floor_ratio"] == 0.125
    # A header that says (%) holds percentages: 45 is 45%.
    percent = clerk_workbook(tmp_path / "percent.xlsx", [app], edit={0: {"自持比例": 45, "配套用房比例": "12.5"}})
    workbook = load_workbook(percent)
    sheet = workbook.active
    assert sheet is not None
    for cell in sheet[1]:
        if cell.value in ("自持比例", "配套用房比例"):
            cell.value = f"{cell.value}（%）"
    workbook.save(percent)
    _, screened = screen_json(str(percent))
    decision = screened["results"][0]["decision"]
    assert decision["indicators"]["self_held_ratio"] == 0.45 and decision["indicators"]["supporting_floor_ratio"] == 0.125


def test_an_invalid_row_is_named_by_case_number_name_and_column_everywhere(tmp_path: Path) -> None:
    good, bad = sample("industrial-approve.json"), sample("logistics-approve.json")
    intake = clerk_workbook(tmp_path / "intake.xlsx", [good, bad], edit={1: {"用地面积（亩）": "八十", "受理日期": "2026/2/30"}})
    code, out, _ = run("screen", *AS_OF, str(intake))
    assert code == 2
    assert f"[无效] {bad['id']} {bad['name']}（{bad['district']}）  {intake} 第 3 行" in out
    assert "    用地面积(亩)：" in out and "    受理日期：" in out
    code, screened = screen_json(str(intake))
    refused = screened["results"][1]
    assert refused["application"] == {"id": bad["id"], "name": bad["name"], "district": bad["district"]}
    assert {p["column"] for p in refused["error"]["problems"]} == {"用地面积(亩)", "受理日期"}
    csv_path, xlsx_path = tmp_path / "out.csv", tmp_path / "out.xlsx"
    run("screen", *AS_OF, "--csv", str(csv_path), "--xlsx", str(xlsx_path), str(intake))
    rows = list(csv.DictReader(io.StringIO(csv_path.read_text(encoding="utf-8-sig"))))
    assert rows[1]["案件编号"] == bad["id"] and rows[1]["项目名称"] == bad["name"] and "用地面积(亩)：" in rows[1]["问题"]
    sheet = load_workbook(xlsx_path)["预审结果"]
    values = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    assert any(bad["id"] in row and bad["name"] in row for row in values)


def test_the_packet_lists_invalid_rows_by_name_with_the_district_to_return_to(tmp_path: Path) -> None:
    bad = sample("logistics-approve.json")
    intake = clerk_workbook(tmp_path / "intake.xlsx", [sample("industrial-approve.json"), bad], edit={1: {"用地面积（亩）": None}})
    pdf = tmp_path / "packet.pdf"
    code, _, _ = run("packet", *AS_OF, "-o", str(pdf), str(intake))
    assert code == 0
    text = pdf_text(pdf)
    assert squash(f"{bad['id']} {bad['name']}") in text and squash(f"退回{bad['district']}补正") in text
    assert squash("用地面积(亩)、用地面积（㎡）") in text, "both land columns are named for 'exactly one of the two'"


def test_the_template_example_row_is_never_screened_and_drop_downs_refuse_other_entries(tmp_path: Path) -> None:
    template = tmp_path / "template.xlsx"
    assert run("template", str(template))[0] == 0
    sheet = load_workbook(template).active
    assert sheet is not None
    assert all(v.showErrorMessage and v.errorStyle in (None, "stop") for v in sheet.data_validations.dataValidation)
    code, screened = screen_json(str(template))
    assert code == 0 and screened["summary"]["total"] == 0


def test_check_takes_one_row_of_a_workbook_by_case_number_or_row(tmp_path: Path) -> None:
    apps = [sample("industrial-approve.json"), sample("logistics-reject.json")]
    intake = clerk_workbook(tmp_path / "intake.xlsx", apps)
    code, out, _ = run("check", "--json", *AS_OF, str(intake), "--id", apps[1]["id"])
    assert code == 1 and json.loads(out)["verdict"] == check_json(SAMPLES_DIR / "logistics-reject.json")["verdict"]
    code, out, _ = run("check", *AS_OF, str(intake), "--row", "2")
    assert code == 0 and apps[0]["name"] in out
    code, _, err = run("check", *AS_OF, str(intake))
    assert code == 2 and "请用 --id 案件编号 或 --row 行号 指定一份" in err and apps[1]["id"] in err
    code, _, err = run("check", *AS_OF, str(intake), "--id", "JM-NONE")
    assert code == 2 and "没有案件编号为 JM-NONE 的申请" in err
    broken = clerk_workbook(tmp_path / "broken.xlsx", apps, edit={0: {"达产年税收（万元）": "很多"}})
    code, _, err = run("check", *AS_OF, str(broken), "--row", "2")
    assert code == 2 and f"{apps[0]['id']} {apps[0]['name']}" in err and "  达产年税收(万元)：" in err
    code, _, err = run("check", *AS_OF, str(SAMPLES_DIR / "industrial-approve.json"), "--row", "2")
    assert code == 2 and "只用于 Excel 汇总表" in err


def test_opinions_read_like_the_offices_own(tmp_path: Path) -> None:
    pdf = tmp_path / "opinion.pdf"
    code, _, _ = run("check", *AS_OF, "--pdf", str(pdf), str(SAMPLES_DIR / "industrial-real-estate-conditional.json"))
    assert code == 3
    text = pdf_text(pdf)
    for expected in (
        "经审查，该项目容积率、自持比例未达到要求，配套用房比例超过上限",  # each kind of shortfall once (issue 20)
        "建议提请联席会议一事一议",
        "自持比例为35%，低于一类地区40%的要求",
        "配套用房比例为17%，超过一类地区15%的上限",
        "统一社会信用代码：未提供",
        "自2022年1月1日起施行",
        "审查单位（盖章）",
        "2026年11月21日",
    ):
        assert squash(expected) in text, expected
    for absent in ("industrial_real_estate", "industrial", "容差", "本项目默认值》", "2026-11-21"):
        assert absent not in text, absent


def test_the_issuing_office_comes_from_a_settings_file_an_office_edits(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "office.toml").write_text(
        'name = "台山市投资促进局"\ndocument_number = "台投审〔{year}〕7号"\nseal_line = "审查单位（盖章）：台山市投资促进局"\n',
        encoding="utf-8",
    )
    pdf, docx_path = tmp_path / "o.pdf", tmp_path / "o.docx"
    args = ("check", *AS_OF, "--templates", str(templates), "--pdf", str(pdf), "--docx", str(docx_path))
    run(*args, str(SAMPLES_DIR / "industrial-approve.json"))
    assert squash("台投审〔2026〕7号") in pdf_text(pdf) and "台山市投资促进局" in pdf_text(pdf)
    (templates / "office.toml").write_text('name = "x"\nseal = 1\n', encoding="utf-8")
    code, _, err = run(*args, str(SAMPLES_DIR / "industrial-approve.json"))
    assert code not in (0, 1, 2, 3) and "office.toml" in err


def _docx_text(path: Path) -> tuple[list[tuple[str, str]], str]:
    import docx

    document = docx.Document(str(path))
    paragraphs = [(p.style.name if p.style is not None else "", p.text) for p in document.paragraphs]
    cells = " ".join(cell.text for table in document.tables for row in table.rows for cell in row.cells)
    return paragraphs, cells


def test_word_export_has_the_pdfs_content_in_named_styles(tmp_path: Path) -> None:
    import docx
    from docx.oxml.ns import qn

    pdf, docx_path = tmp_path / "o.pdf", tmp_path / "o.docx"
    code, _, _ = run("check", *AS_OF, "--pdf", str(pdf), "--docx", str(docx_path), str(SAMPLES_DIR / "industrial-conditional.json"))
    assert code == 3
    paragraphs, cells = _docx_text(docx_path)
    text = pdf_text(pdf)
    conclusion = next(t for style, t in paragraphs if t.startswith("经审查"))
    assert squash(conclusion) in text, "the Word document says what the PDF says"
    for _, paragraph in paragraphs:
        if paragraph.strip():
            assert squash(paragraph) in text or paragraph.startswith("审查依据") or "签字" in paragraph, paragraph
    assert "未达标（差距在允许范围内）" in cells
    styles = docx.Document(str(docx_path)).styles
    fonts = {name: styles[name].element.rPr.rFonts.get(qn("w:eastAsia")) for name in ("公文正文", "公文标题", "一级标题")}
    assert fonts == {"公文正文": "仿宋", "公文标题": "方正小标宋简体", "一级标题": "黑体"}
    assert {style for style, _ in paragraphs} >= {"发文单位", "文号", "公文标题", "公文正文", "一级标题", "落款"}


def test_packet_word_export_lists_every_opinion_and_the_invalid_materials(tmp_path: Path) -> None:
    docx_path = tmp_path / "packet.docx"
    code, _, _ = run("packet", *AS_OF, "--docx", str(docx_path), "--meeting-no", "35", str(SAMPLES_DIR))
    assert code == 0
    paragraphs, cells = _docx_text(docx_path)
    titles = [t for style, t in paragraphs if style == "公文标题" and t.endswith("的准入审查意见")]
    assert len(titles) == len(VALID_SAMPLES)
    assert "第35次" in cells and "无效申请材料" in [t for _, t in paragraphs]


@pytest.mark.parametrize("meeting_no", ["第三十五次", "0"])
def test_the_meeting_number_must_be_a_number(meeting_no: str, tmp_path: Path) -> None:
    code, _, err = run("packet", *AS_OF, "-o", str(tmp_path / "p.pdf"), "--meeting-no", meeting_no, str(SAMPLES_DIR))
    assert code == 2 and not (tmp_path / "p.pdf").exists()
    assert re.search("不是有效的数字|不在允许范围", err), err


def _all_commands() -> list[list[str]]:
    import click

    from admission.cli import main

    found: list[list[str]] = [[]]
    for name, command in main.commands.items():
        found.append([name])
        if isinstance(command, click.Group):
            found += [[name, sub] for sub in command.commands]
    return found


def test_the_message_catalogue_is_compiled_from_its_source() -> None:
    from admission.cli.help_zh import CATALOG, MO_FILE, mo_bytes

    assert MO_FILE.read_bytes() == mo_bytes(CATALOG), "run: python -m admission.cli.help_zh"


def test_help_is_chinese_and_never_breaks_a_word_or_the_terminal_width() -> None:
    import click
    from click.testing import CliRunner

    from admission.cli import main
    from admission.text import display_width

    for command in _all_commands():
        result = CliRunner().invoke(main, [*command, "--help"], terminal_width=80)
        assert result.exit_code == 0, command
        text = result.stdout
        for english in ("Usage:", "Options:", "Commands:", "Show this message", "Show the version", "[OPTIONS]", " TEXT", "DIRECTORY"):
            assert english not in text, (command, english)
        lines = text.splitlines()
        examples = [line for line in lines if line.startswith("    ") and "admit " in line]  # commands to copy, kept whole
        assert all(display_width(line) <= 80 for line in lines if line not in examples), (command, text)
        # The help's source words: a line break between two Latin letters is a split word when
        # the two halves joined are one of them.
        target: click.Command = main
        for name in command:
            assert isinstance(target, click.Group)
            target = target.commands[name]
        sources = [target.help or "", *(getattr(p, "help", "") or "" for p in target.params)]
        if isinstance(target, click.Group):
            sources += [c.help or "" for c in target.commands.values()]
        words = {w for source in sources for w in re.findall(r"[A-Za-z0-9_.\-/]{2,}", source)}
        for before, after in itertools.pairwise(lines):
            tail, head = re.search(r"[A-Za-z0-9_.\-/]*$", before), re.match(r"\s*([A-Za-z0-9_.\-/]*)", after)
            assert tail is not None and head is not None
            if tail.group() and head.group(1):
                assert tail.group() + head.group(1) not in words, (command, before, after)


def test_a_bad_value_is_explained_in_chinese() -> None:
    code, _, err = run("packet", *AS_OF, "-o", "/tmp/never.pdf", "--meeting-no", "第三十五次", str(SAMPLES_DIR))
    assert code == 2 and "第三十五次 不是有效的数字" in err and "--help 查看帮助" in err
