"""The 通报 from the ledger: the 2022 published figures reproduced from raw records, on both databases."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from admission.cli import main
from admission.reports.outputs import monthly_lines

from .conftest import ROOT, SAMPLES_DIR
from .pdf_tools import pdf_text

SAMPLE = SAMPLES_DIR / "ledger-2022"
# Jiangmen's published 2022 figures (the quoted text of the reports contract), as the JSON gives them.
PUBLISHED = {
    "meetings": 32,
    "passed": 173,
    "passed_investment_yi": 1071.0,
    "averages": {"plot_ratio": 2.1, "investment_intensity": 504.5, "tax_per_mu": 40.0},
    "land_cohort": 169,
    "funnel": {"listed": 110, "land_supplied": 100, "started": 69},
    "rates": {"listed": 0.6509, "land_supplied": 0.5917, "started": 0.4083},
    "attraction": {
        "count": 304, "investment_yi": 1830.0, "manufacturing": {"count": 261, "investment_yi": 1454.0},
        "key_chain": {"count": 237, "investment_yi": 1273.0}, "key_chain_share": 0.6956,
        "over_10yi": {"count": 53, "investment_yi": 1289.3}, "over_50yi": {"count": 6, "investment_yi": 561.0},
        "started": 245, "landing_rate": 0.8059,
    },
}  # fmt: skip


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def load_sample(db: str) -> None:
    code, out, err = run("ledger", "add", str(SAMPLE / "申请汇总表.xlsx"), "--db", db, "--as-of", "2022-12-31")
    assert code == 0, out + err
    code, out, err = run("ledger", "import", str(SAMPLE / "台账.xlsx"), "--db", db)
    assert code == 0, out + err


def subset(actual: Any, expected: Any) -> Any:
    """``actual`` cut down to the keys ``expected`` names."""
    if isinstance(expected, dict):
        return {k: subset(actual[k], v) for k, v in expected.items()}
    return actual


def test_the_2022_figures_are_reproduced_from_raw_records(db_url: str) -> None:
    load_sample(db_url)
    code, out, err = run("report", "annual", "--year", "2022", "--db", db_url, "--json")
    assert code == 0, err
    figures = json.loads(out)
    assert subset(figures, PUBLISHED) == PUBLISHED
    # What the published text says in words: 部分项目容积率达 4.0, 个别项目超 90 万元/亩; 180 reviewed.
    assert figures["maxima"]["plot_ratio"] == 4.0 and figures["maxima"]["tax_per_mu"] > 90
    assert figures["reviewed"] == 180 and figures["deviations"] == 2
    assert sum(d["passed"] for d in figures["by_district"]) == 173
    assert sum(t["passed"] for t in figures["by_type"]) == 173


def test_the_text_reads_like_the_published_paragraph(tmp_path: Path) -> None:
    db = str(tmp_path / "admit.db")
    load_sample(db)
    _, out, _ = run("report", "annual", "--year", "2022", "--db", db)
    for words in ("召开市招商引资工作联席会议 32 场", "评审过会项目 173 个", "计划投资约 1071 亿元", "平均容积率约 2.1",
                  "平均投资强度 504.5 万元/亩", "挂网率 65.1%", "供地率 59.2%", "动工率约 40.8%", "项目 304 个，投资额 1,830.00 亿元",
                  "投资 10 亿元以上项目 53 个，计划投资额 1,289.30 亿元", "落地率 80.6%"):  # fmt: skip
        assert words in out, words


def test_the_sample_is_what_its_script_builds(tmp_path: Path) -> None:
    sys.path.insert(0, str(SAMPLE))
    try:
        import build  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(SAMPLE))
    build.build(tmp_path)
    for book in ("申请汇总表.xlsx", "台账.xlsx"):
        ours, theirs = load_workbook(tmp_path / book), load_workbook(SAMPLE / book)
        assert ours.sheetnames == theirs.sheetnames
        for sheet in ours.sheetnames:
            rebuilt = [[c.value for c in row] for row in ours[sheet].iter_rows()]
            assert rebuilt == [[c.value for c in row] for row in theirs[sheet].iter_rows()], (book, sheet)


def test_as_of_counts_only_what_happened_by_then(tmp_path: Path) -> None:
    db = str(tmp_path / "admit.db")
    load_sample(db)
    _, out, _ = run("report", "annual", "--year", "2022", "--as-of", "2023-06-30", "--db", db, "--json")
    later = json.loads(out)
    assert later["funnel"]["started"] == 69 + 6  # six starts in March 2023
    assert later["funnel"]["listed"] == 110 + 3
    assert later["attraction"]["started"] == 245 + 5


def test_a_year_without_data_is_zeros_that_say_so(tmp_path: Path) -> None:
    db = str(tmp_path / "admit.db")
    load_sample(db)
    code, out, _ = run("report", "annual", "--year", "2019", "--db", db, "--json")
    figures = json.loads(out)
    assert code == 0 and figures["passed"] == 0 and figures["rates"]["listed"] == 0 and figures["averages"]["plot_ratio"] == 0
    code, out, _ = run("report", "annual", "--year", "2019", "--db", db)
    assert code == 0 and "各项指标均为零" in out


def test_pdf_is_reproducible_with_vector_charts_and_the_xlsx_has_the_tables(tmp_path: Path) -> None:
    db = str(tmp_path / "admit.db")
    load_sample(db)
    first, second, xlsx = tmp_path / "a.pdf", tmp_path / "b.pdf", tmp_path / "a.xlsx"
    # Two separate processes: reproducibility must not depend on in-process caches.
    for target in (first, second):
        done = subprocess.run([sys.executable, "-m", "admission", "report", "annual", "--year", "2022", "--db", db, "--pdf", str(target),
                               "--issued", "2023-01-10"], cwd=ROOT, capture_output=True, text=True, timeout=300)  # fmt: skip
        assert done.returncode == 0, done.stderr
    assert first.read_bytes() == second.read_bytes()
    text = pdf_text(first)
    assert "关于2022年度过会项目总体情况的通报" in text and "图1" in text and "过会→挂网→供地→交地→开工" in text
    # A 公文: 发文机关, 文号 of the year it is issued, 主送, 落款 with the date in Chinese.
    assert text.startswith("关于2022年度过会项目总体情况的通报江门市招商引资工作联席会议办公室江招联通〔2023〕号")
    assert "各县（市、区）人民政府，市有关单位：" in text and "江门市招商引资工作联席会议办公室2023年1月10日" in text
    # The deviations are listed with name and district; both halves have district tables.
    assert "JM-2022-0178示例蓬江区电子信息项目（178）蓬江区2022年第32次（2022年11月18日）" in text
    assert "（二）招商成效" in text and "合计1731,071.00" in text
    from pypdf import PdfReader

    page = PdfReader(first).pages[0]
    assert "/Image" not in str(page.get("/Resources", {}))  # charts are vector drawings, not pictures
    assert run("report", "annual", "--year", "2022", "--db", db, "--xlsx", str(xlsx))[0] == 0
    workbook = load_workbook(xlsx)
    assert workbook.sheetnames == ["总体情况", "过会与供地", "分区域", "分类型", "审议偏离"]
    overview = {row[0].value: row[1] for row in workbook["总体情况"].iter_rows(min_row=2)}
    assert overview["过会项目（个）"].value == 173 and overview["挂网率"].value == pytest.approx(0.6509)
    # Counts read as counts, rates as percentages, amounts with separators (not 173.00 and 0.6509).
    assert (overview["过会项目（个）"].number_format, overview["挂网率"].number_format) == ("0", "0.0%")
    assert overview["过会项目计划投资（亿元）"].number_format == "#,##0.00"
    first_deviation = [c.value for c in next(workbook["审议偏离"].iter_rows(min_row=2))]
    assert first_deviation[:3] == ["JM-2022-0178", "示例蓬江区电子信息项目（178）", "蓬江区"]
    assert workbook["分区域"].freeze_panes == "A2"
    with zipfile.ZipFile(xlsx) as archive:
        assert sum(1 for name in archive.namelist() if name.startswith("xl/charts/chart")) == 3


def test_monthly_report(tmp_path: Path) -> None:
    db = str(tmp_path / "admit.db")
    load_sample(db)
    code, out, err = run("report", "monthly", "--month", "2022-11", "--db", db, "--json")
    assert code == 0, err
    month = json.loads(out)
    assert month["as_of"] == "2022-11-30"
    assert [m["number"] for m in month["meetings"]] == [31, 32]
    deviations = [r for m in month["meetings"] for r in m["resolutions"] if r["deviation"]]
    assert {r["project"] for r in deviations} == {"JM-2022-0178", "JM-2022-0179"}  # 不予通过 on admissible projects
    # Passed on new land before 2022-05-31 and not listed by the end of November: to be chased.
    not_listed = month["to_chase"]["not_listed"]
    assert not_listed and all(p["due"] <= "2022-11-30" for p in not_listed)
    assert [p["district"] for p in not_listed] == sorted((p["district"] for p in not_listed), key=[
        "江门高新区", "蓬江区", "江海区", "新会区", "鹤山市", "台山市", "开平市", "恩平市"].index)  # fmt: skip
    code, out, _ = run("report", "monthly", "--month", "2022-11", "--district", "新会区", "--db", db, "--json")
    assert {p["district"] for p in json.loads(out)["to_chase"]["not_listed"]} <= {"新会区"}
    pdf, xlsx = tmp_path / "m.pdf", tmp_path / "m.xlsx"
    code, _, err = run("report", "monthly", "--month", "2022-11", "--db", db, "--pdf", str(pdf), "--xlsx", str(xlsx))
    assert code == 0, err
    assert "督办事项" in pdf_text(pdf)
    # the supervision contract adds the last two
    assert load_workbook(xlsx).sheetnames == ["受理申请", "会议审议", "项目进度", "督办事项", "目标任务", "红黄灯项目"]
    # The web page caps each list (a city-wide month listed 50,000 projects); the text lists all.
    whole, capped = monthly_lines(month), monthly_lines(month, limit=2)
    assert not any("……另有" in line for line in whole)
    first = month["meetings"][0]["resolutions"]
    assert f"      ……另有 {len(first) - 2} 项，见该次会议" in capped and len(capped) < len(whole)
    assert all(line in whole for line in capped if "……另有" not in line)


@pytest.mark.parametrize(("args", "words"), [
    (["--month", "2026-13"], "YYYY-MM"),
    (["--month", "2026/11"], "YYYY-MM"),
    (["--month", "2026-11", "--district", "火星区"], "未知的区域"),
])  # fmt: skip
def test_bad_report_options_are_one_line(tmp_path: Path, args: list[str], words: str) -> None:
    db = str(tmp_path / "admit.db")
    load_sample(db)
    code, _, err = run("report", "monthly", *args, "--db", db)
    assert code == 2 and words in err and len(err.strip().splitlines()) == 1


def test_an_unwritable_report_output_is_73_and_leaves_the_old_file(tmp_path: Path) -> None:
    db = str(tmp_path / "admit.db")
    load_sample(db)
    code, _, err = run("report", "annual", "--year", "2022", "--db", db, "--xlsx", str(tmp_path / "no" / "a.xlsx"))
    assert code == 73 and "输出目录不存在" in err
