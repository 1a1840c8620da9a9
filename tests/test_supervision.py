"""Supervision (督办与考核): targets, their completion against 序时进度, lights, scores, the 年考核, the
projects to chase, 督办 rounds and replies, progress notes and the leader's 台账.

The arithmetic is checked against ``reference_supervision`` (written from the contract) with
hypothesis, also on generated ledgers; the published figures are reproduced from the samples'
raw records on SQLite and PostgreSQL; the documents are read back (PDF text, python-docx, openpyxl).
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from admission.dates import add_months
from admission.ledger.book import TARGET_COLUMNS
from admission.ledger.database import open_ledger
from admission.ledger.history import state
from admission.ledger.supervision import set_target, target_entry
from admission.rules.rulebook import Rulebook
from admission.supervision import measures
from admission.supervision.chase import RoundState, item_light
from admission.supervision.targets import targets_report

from . import reference_supervision as ref
from .conftest import SAMPLES_DIR
from .pdf_tools import pdf_text
from .test_gongwen import docx_lines, problems
from .test_reports import load_sample, run

SAMPLE_2024 = SAMPLES_DIR / "ledger-2024"
YEARS = st.integers(1990, 2100)


# --- the arithmetic against the reference ------------------------------------------------------------


@given(YEARS, st.integers(-40, 400))
def test_schedule_counts_the_days_gone_by(year: int, offset: int) -> None:
    day = date(year, 1, 1) + timedelta(days=offset)
    assert measures.schedule(year, day) == ref.schedule(year, day)


def test_schedule_on_the_first_and_last_days_of_leap_and_common_years() -> None:
    assert measures.schedule(2024, date(2024, 1, 1)) == Fraction(1, 366)
    assert measures.schedule(2023, date(2023, 1, 1)) == Fraction(1, 365)
    assert measures.schedule(2024, date(2024, 12, 30)) == Fraction(365, 366)
    assert measures.schedule(2024, date(2024, 12, 31)) == measures.schedule(2024, date(2025, 3, 1)) == 1
    assert measures.schedule(2024, date(2023, 12, 31)) == 0


amounts = st.fractions(min_value=0, max_value=10**6, max_denominator=100)
targets_ = st.fractions(min_value=Fraction(1, 100), max_value=10**6, max_denominator=100)
shares = st.fractions(min_value=0, max_value=1, max_denominator=1000)


@given(amounts, targets_, st.sampled_from([">=", "<="]), st.fractions(min_value=0, max_value=1, max_denominator=366), st.booleans())
def test_completion_points_and_light_match_the_reference(
    actual: Fraction, target: Fraction, direction: str, progress: Fraction, proportion: bool
) -> None:
    if proportion:
        actual, target = min(actual, Fraction(1)), min(target, Fraction(1))
    rate = measures.completion(actual, target, direction)
    assert rate == ref.completion(actual, target, direction)
    assert measures.ahead_points(actual, target, rate, progress, proportion, direction) == ref.ahead_points(
        actual, target, direction, progress, proportion
    )
    for yellow, red in ((10, 30), (5, 20), (1, 2)):
        got = measures.light(actual, target, rate, progress, proportion, direction, Fraction(yellow), Fraction(red))
        assert got == ref.light(actual, target, direction, progress, proportion, yellow, red)


@given(st.fractions(min_value=0, max_value=1, max_denominator=366), st.sampled_from([(10, 30), (5, 25)]), st.integers(-2, 2))
def test_lights_at_the_band_edges(progress: Fraction, bands: tuple[int, int], nudge: int) -> None:
    """完成率 exactly at 序时进度 − yellow (or − red) points, and one ten-thousandth either side."""
    yellow, red = bands
    for edge in (progress - Fraction(yellow, 100), progress - Fraction(red, 100)):
        rate = edge + Fraction(nudge, 10000)
        if rate < 0:
            continue
        target = Fraction(100)
        actual = rate * target
        got = measures.light(actual, target, rate, progress, False, ">=", Fraction(yellow), Fraction(red))
        assert got == ref.light(actual, target, ">=", progress, False, yellow, red)
    assert measures.light(Fraction(80), Fraction(100), Fraction(8, 10), Fraction(9, 10), False, ">=", Fraction(10), Fraction(30)) == "green"


@given(amounts, targets_, st.sampled_from([">=", "<="]), st.fractions(min_value=0, max_value=100, max_denominator=100),
       st.sampled_from([Fraction(1), Fraction(12, 10), Fraction(2)]))  # fmt: skip
def test_scores_are_capped_and_rounded_once(actual: Fraction, target: Fraction, direction: str, weight: Fraction, cap: Fraction) -> None:
    rate = measures.completion(actual, target, direction)
    assert measures.score(rate, weight, cap) == ref.score(actual, target, direction, weight, cap)
    assert measures.score(rate, None, cap) is None


def test_the_published_scores() -> None:
    assert measures.score(Fraction(151, 170), Fraction("6.67"), Fraction(1)) == Decimal("5.92")
    assert measures.score(Fraction(38, 40), Fraction(8), Fraction(1)) == Decimal("7.60")
    assert measures.score(Fraction(105, 100), Fraction("6.67"), Fraction(1)) == Decimal("6.67")


@given(st.lists(st.sampled_from([Decimal(x) for x in ("100.00", "98.50", "98.50", "60.00", "59.99", "0.00")]), max_size=12))
def test_ranks_share_ties_and_skip(totals: list[Decimal]) -> None:
    assert measures.ranks(totals) == ref.ranks(totals)


def test_ranks_example() -> None:
    assert measures.ranks([Decimal(90), Decimal(95), Decimal(95), Decimal(80)]) == [3, 1, 1, 4]


@given(st.dates(date(1990, 1, 1), date(2090, 12, 31)), st.integers(0, 60))
def test_calendar_months(day: date, months: int) -> None:
    assert add_months(day, months) == ref.add_months(day, months)


def test_calendar_months_at_month_ends() -> None:
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2023, 1, 31), 1) == date(2023, 2, 28)
    assert add_months(date(2024, 8, 31), 3) == date(2024, 11, 30)
    assert add_months(date(2024, 12, 15), 1) == date(2025, 1, 15)


@given(st.dates(date(2020, 1, 1), date(2030, 12, 31)), st.integers(-200, 400), st.integers(0, 6), st.integers(0, 3), st.booleans())
def test_item_lights_match_the_reference(due: date, offset: int, red_after: int, open_rounds: int, unanswered: bool) -> None:
    as_of = due + timedelta(days=offset)
    expected = ref.item_light(due, as_of, red_after, open_rounds, unanswered)
    if expected is not None:
        assert item_light(due, as_of, red_after, RoundState([], open_rounds, unanswered)) == expected


# --- generated ledgers: the catalogue's figures and the targets' measures --------------------------------

DISTRICTS = ("蓬江区", "新会区", "台山市")
project = st.fixed_dictionaries({
    "district": st.sampled_from(DISTRICTS),
    "signed": st.one_of(st.none(), st.dates(date(2023, 11, 1), date(2025, 2, 1))),
    "total": st.sampled_from([5000, 9999, 10000, 10001, 99999, 100000, 250000, 500000, 700000]),
    "chain": st.booleans(),
    "expansion": st.booleans(),
})  # fmt: skip


def _reference_values(projects: list[dict[str, Any]], year: int, as_of: date, district: str | None) -> dict[str, Fraction]:
    signed = [p for p in projects if p["signed"] and p["signed"].year == year and p["signed"] <= as_of
              and district in (None, p["district"])]  # fmt: skip
    total = sum((Fraction(p["total"]) for p in signed), Fraction(0))
    chain = sum((Fraction(p["total"]) for p in signed if p["chain"]), Fraction(0))
    return {
        "signed": Fraction(len(signed)),
        "signed_investment_yi": total / 10000,
        "attraction": Fraction(sum(1 for p in signed if p["total"] >= 10000)),
        "over_10yi": Fraction(sum(1 for p in signed if p["total"] >= 100000)),
        "over_50yi": Fraction(sum(1 for p in signed if p["total"] >= 500000)),
        "expansion": Fraction(sum(1 for p in signed if p["expansion"])),
        "key_chain_share": chain / total if total else Fraction(0),
    }


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    st.lists(project, min_size=1, max_size=12),
    st.sampled_from([2024, 2023]),
    st.integers(0, 380),
    st.sampled_from([None, "新会区"]),
    st.lists(st.tuples(st.sampled_from(["signed", "signed_investment_yi", "attraction", "over_10yi", "over_50yi", "expansion",
                                        "key_chain_share"]),
                       st.integers(1, 40), st.sampled_from([">=", "<="]), st.one_of(st.none(), st.integers(1, 30))),
             min_size=1, max_size=4, unique_by=lambda t: t[0]),
)  # fmt: skip
def test_targets_on_generated_ledgers_match_the_reference(
    tmp_path_factory: pytest.TempPathFactory, rulebook: Rulebook, projects: list[dict[str, Any]], year: int, offset: int,
    district: str | None, wanted: list[tuple[str, int, str, int | None]],
) -> None:  # fmt: skip
    from admission.ledger.book import record_row

    folder = tmp_path_factory.mktemp("generated")
    ledger = open_ledger(str(folder / "admit.db"))
    today = date.today()
    as_of = min(date(year, 1, 1) + timedelta(days=offset), today)
    try:
        for number, p in enumerate(projects):
            typed = {"案件编号": f"QY-{number:03d}", "项目名称": f"示例{number}", "所在区域": p["district"], "项目类型": "其他",
                     "计划总投资（万元）": str(p["total"]), "项目性质": "增资扩产" if p["expansion"] else "新引进"}  # fmt: skip
            if p["signed"]:
                typed["签约日期"] = p["signed"].isoformat()
            if p["chain"]:
                typed["重点产业链"] = "新能源电池"
            record_row(ledger, "项目台账", typed, rulebook, "测试", today, "test")
        region = district or "全市"
        for code, value, direction, weight in wanted:
            shown = f"{value}%" if code == "key_chain_share" else str(value)
            entry = target_entry(year, region, code, shown, direction, weight, None, rulebook.districts, today)
            set_target(ledger, entry, None, actor="测试", source="test")
        with ledger.reading() as connection:
            report = targets_report(state(connection), rulebook, year, as_of, district)
    finally:
        ledger.close()
    values = _reference_values(projects, year, as_of, district)
    progress = ref.schedule(year, as_of)
    assert report["schedule"] == float(ref.half_up(progress, 4))
    by_code = {row["indicator"]: row for row in report["targets"]}
    for code, value, direction, weight in wanted:
        row, actual = by_code[code], values[code]
        proportion = code == "key_chain_share"
        target = Fraction(value, 100) if proportion else Fraction(value)
        places = 4 if proportion else 2 if code.endswith("_yi") else 0
        assert Decimal(str(row["actual"])) == ref.half_up(actual, places), code
        assert Decimal(str(row["completion"])) == ref.half_up(ref.completion(actual, target, direction), 4), code
        assert Decimal(str(row["ahead_points"])) == ref.ahead_points(actual, target, direction, progress, proportion), code
        assert row["light"] == ref.light(actual, target, direction, progress, proportion, 10, 30), code
        expected_score = ref.score(actual, target, direction, Fraction(weight), Fraction(1)) if weight else None
        assert (Decimal(str(row["score"])) if row["score"] is not None else None) == expected_score, code


# --- the published figures from the samples' raw records ---------------------------------------------------


def load_2024(db: str) -> None:
    code, out, err = run("ledger", "add", str(SAMPLE_2024 / "申请汇总表.xlsx"), "--db", db, "--as-of", "2024-12-31")
    assert code == 0, out + err
    code, out, err = run("ledger", "import", str(SAMPLE_2024 / "台账.xlsx"), "--db", db, "--by", "样例")
    assert code == 0, out + err


def test_the_2024_self_assessment_is_reproduced(db_url: str) -> None:
    load_2024(db_url)
    code, out, err = run("report", "targets", "--year", "2024", "--db", db_url, "--json")
    assert code == 0, err
    report = json.loads(out)
    rows = {r["indicator"]: r for r in report["targets"]}
    assert (rows["reviewed"]["actual"], rows["reviewed"]["completion"], rows["reviewed"]["score"]) == (151, 0.8882, 5.92)
    assert rows["reviewed"]["ahead_points"] == -11.2 and rows["reviewed"]["light"] == "yellow"
    assert rows["reviewed"]["reason"].startswith("受市场环境")
    assert (rows["over_10yi"]["actual"], rows["over_10yi"]["score"], rows["over_10yi"]["reason"] is not None) == (38, 7.6, True)
    assert (rows["attraction"]["actual"], rows["attraction"]["score"], rows["attraction"]["reason"]) == (105, 6.67, None)
    assert report["total_score"] == 20.19 and report["schedule"] == 1.0
    code, out, err = run("report", "assessment", "--year", "2024", "--db", db_url, "--json")
    assert code == 0, err
    result = json.loads(out)
    assert [d["rank"] for d in result["districts"]] == [1, 1, 1, 4, 5, 6, 7, 8]
    assert result["praise"] == ["江门高新区", "江海区", "台山市"] and result["interview"] == ["恩平市"]
    assert result["districts"][-1]["score"] == 30.0


def test_the_2022_targets_are_measured_from_the_2022_sample(tmp_path: Path) -> None:
    db = str(tmp_path / "2022.db")
    load_sample(db)
    code, out, err = run("ledger", "import", str(SAMPLES_DIR / "ledger-2022" / "目标任务.xlsx"), "--db", db)
    assert code == 0, out + err
    code, out, err = run("report", "targets", "--year", "2022", "--db", db)
    assert code == 0, err
    assert "完成 304，完成率 101.3%" in out and "完成 1,830.00，完成率 109.3%" in out


# --- targets as records: corrections, two times, refusals ------------------------------------------------


def test_a_changed_target_needs_a_reason_and_history_keeps_the_old_one(db_url: str) -> None:
    base = ["targets", "set", "--year", "2024", "--indicator", "评审项目数", "--db", db_url, "--by", "张三"]
    code, out, err = run(*base, "--target", "170", "--weight", "6.67")
    assert code == 0 and "已登记" in out, err
    code, out, _ = run(*base, "--target", "170", "--weight", "6.67")
    assert code == 0 and "未变化" in out
    code, _, err = run(*base, "--target", "160", "--weight", "6.67")
    assert code == 2 and "更正原因" in err and "Traceback" not in err
    with open_ledger(db_url) as ledger, ledger.reading() as connection:
        before = state(connection).targets
    from admission.ledger.chain import now_utc

    moment = now_utc()
    code, out, err = run(*base, "--target", "160", "--weight", "6.67", "--reason", "市政府调整目标")
    assert code == 0, err
    code, out, _ = run("targets", "list", "--year", "2024", "--db", db_url, "--json", "--as-of", "2024-12-31")
    assert json.loads(out)["targets"][0]["target"] == 160
    code, out, _ = run("targets", "list", "--year", "2024", "--db", db_url, "--json", "--as-of", "2024-12-31", "--as-recorded", moment)
    assert json.loads(out)["targets"][0]["target"] == 170 == int(before[0].target)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--indicator", "评审数", "--target", "10"], "未知的指标"),
        (["--indicator", "评审项目数", "--target", "70%"], "不是占比或比率"),
        (["--indicator", "落地率", "--target", "170%"], "0 与 100%"),
        (["--indicator", "评审项目数", "--target", "十"], "应为数字"),
        (["--indicator", "评审项目数", "--target", "10", "--weight", "-1"], "权重"),
        (["--indicator", "评审项目数", "--target", "10", "--region", "广州市"], "未知的区域"),
        (["--indicator", "评审项目数", "--target", "10", "--direction", "="], "≥ 或 ≤"),
        (["--indicator", "评审项目数", "--target", "0"], "应大于 0"),
    ],
)
def test_a_bad_target_is_refused_in_chinese(tmp_path: Path, args: list[str], message: str) -> None:
    code, out, err = run("targets", "set", "--year", "2024", "--db", str(tmp_path / "a.db"), *args)
    assert code == 2 and message in err and "Traceback" not in err, (out, err)


def test_a_target_sheet_row_is_refused_by_sheet_row_and_column(tmp_path: Path) -> None:
    book = tmp_path / "目标.xlsx"
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "目标任务"
    sheet.append([c.header for c in TARGET_COLUMNS])
    sheet.append([2024, "全市", "评审项目数", 170, "≥", 6.67, None, None])
    sheet.append([2024, "全市", "过会项目数", "很多", "≥", None, None, None])
    workbook.save(book)
    code, out, err = run("ledger", "import", str(book), "--db", str(tmp_path / "a.db"), "--json")
    assert code == 2, out + err
    outcome = json.loads(out)
    (refused,) = outcome["refused"]
    assert refused["sheet"] == "目标任务" and refused["row"] == 3
    assert refused["problems"][0]["column"] == "目标值" and "应为数字" in refused["problems"][0]["message"]


# --- chasing: lights, rounds, replies, closings, notes ----------------------------------------------------


def _chased(db: str) -> None:
    load_2024(db)


def test_supervise_issue_reply_and_close(db_url: str, tmp_path: Path) -> None:
    _chased(db_url)
    as_of = ["--as-of", "2024-12-31"]
    code, out, err = run("supervise", "list", "--db", db_url, "--district", "新会区", "--json", *as_of)
    assert code == 0, err
    listed = json.loads(out)
    red = [p for p in listed["projects"] if p["light"] == "red"]
    assert red and all(i["overdue_days"] > 0 for p in listed["projects"] for i in p["items"])
    first = listed["projects"][0]
    assert first["project"] == "JM-2024-0004" and first["items"][0]["item"] == "unsupplied"
    assert first["items"][0]["due"] == "2024-07-19" and first["items"][0]["overdue_days"] == 165

    code, out, err = run("ledger", "note", "JM-2024-0004", "--db", db_url, "--on", "2024-12-20", "--progress", "已签约，正在办理注册",
                         "--problems", "用地指标待落实", "--by", "李四")  # fmt: skip
    assert code == 0, err
    pdf, docx_file = tmp_path / "督办通知.pdf", tmp_path / "督办通知.docx"
    code, out, err = run("supervise", "issue", "--district", "新会区", "--db", db_url, *as_of, "--by", "张三", "--json",
                         "--pdf", str(pdf), "--docx", str(docx_file))  # fmt: skip
    assert code == 0, err
    notice = json.loads(out)
    assert notice["number"] == "江招联督〔2024〕1号" and notice["reply_due"] == "2025-01-10"
    assert notice["items"][0]["note"] == "目前进展：已签约，正在办理注册；存在问题：用地指标待落实"
    text = pdf_text(pdf)
    for words in ("新会区人民政府", "关于督促新会区加快推进招商引资项目的通知", "江招联督〔2024〕1号", "2025年1月10日前", "JM-2024-0004",
                  "抄送"):  # fmt: skip
        assert words in text.replace("\n", ""), words
    lines = docx_lines(docx_file)
    assert any("新会区人民政府" in line for line in lines) and any("JM-2024-0004" in line for line in lines)
    assert problems(lines) == []

    code, _, err = run("supervise", "reply", "1", "1", "--text", "已完成挂网，预计1月供地", "--on", "2025-01-08", "--db", db_url)
    assert code == 0, err
    code, _, err = run("supervise", "reply", "1", "1", "--text", "已完成挂网，预计1月供地", "--on", "2024-12-30", "--db", db_url)
    assert code == 2 and "早于督办通知的发出日期" in err
    code, _, err = run("supervise", "reply", "1", "99", "--text", "x", "--db", db_url)
    assert code == 2 and "没有第 99 项" in err
    code, _, err = run("supervise", "close", "1", "2", "--on", "2025-01-20", "--reason", "已注册", "--db", db_url)
    assert code == 0, err
    code, _, err = run("supervise", "close", "1", "2", "--on", "2025-01-21", "--db", db_url)
    assert code == 2 and "已于 2025-01-20 办结" in err

    code, out, err = run("supervise", "list", "--db", db_url, "--district", "新会区", "--json", "--as-of", "2025-01-25")
    round_items = {i["position"]: i for i in json.loads(out)["rounds"][0]["items"]}
    assert round_items[1]["state"] == "replied" and round_items[2]["state"] == "closed"
    assert round_items[3]["state"] == "late"  # no reply by 2025-01-10
    late = next(p for p in json.loads(out)["projects"] if p["project"] == round_items[3]["project"])
    assert all(i["light"] == "red" for i in late["items"] if 1 in i["rounds"] and i["item"] == round_items[3]["item"])


def test_an_item_closes_itself_when_its_milestone_is_recorded(tmp_path: Path) -> None:
    db = str(tmp_path / "a.db")
    _chased(db)
    code, out, err = run("supervise", "issue", "--district", "新会区", "--db", db, "--as-of", "2024-12-31", "--json")
    assert code == 0, err
    first = json.loads(out)["items"][0]
    assert first["item"] == "unsupplied"
    book = tmp_path / "供地.xlsx"
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "项目台账"
    sheet.append(["案件编号", "供地日期"])
    sheet.append([first["project"], date(2025, 1, 5)])
    workbook.save(book)
    code, out, err = run("ledger", "import", str(book), "--db", db)
    assert code == 0, out + err
    code, out, _ = run("supervise", "list", "--db", db, "--district", "新会区", "--json", "--as-of", "2025-01-06")
    states = {i["position"]: i["state"] for i in json.loads(out)["rounds"][0]["items"]}
    assert states[1] == "closed"
    code, out, _ = run("supervise", "list", "--db", db, "--district", "新会区", "--json", "--as-of", "2025-01-04")
    states = {i["position"]: i["state"] for i in json.loads(out)["rounds"][0]["items"]}
    assert states[1] == "awaiting"


def test_two_open_rounds_on_an_item_turn_it_red(tmp_path: Path) -> None:
    db = str(tmp_path / "a.db")
    _chased(db)
    code, out, _ = run("supervise", "list", "--db", db, "--district", "新会区", "--json", "--as-of", "2024-12-31")
    yellow = [(p["project"], i["item"]) for p in json.loads(out)["projects"] for i in p["items"] if i["light"] == "yellow"]
    assert yellow
    for day in ("2024-12-20", "2024-12-31"):
        code, _, err = run("supervise", "issue", "--district", "新会区", "--db", db, "--as-of", day)
        assert code == 0, err
    code, out, _ = run("supervise", "list", "--db", db, "--district", "新会区", "--json", "--as-of", "2024-12-31")
    lights = {(p["project"], i["item"]): (i["light"], i["rounds"]) for p in json.loads(out)["projects"] for i in p["items"]}
    twice = [key for key in yellow if len(lights[key][1]) == 2]
    assert twice and all(lights[key][0] == "red" for key in twice)


def test_a_district_user_cannot_answer_another_districts_round(tmp_path: Path) -> None:
    from admission.errors import ChangeRefused
    from admission.ledger.supervision import REPLY, act_on_item

    db = str(tmp_path / "a.db")
    _chased(db)
    code, _, err = run("supervise", "issue", "--district", "新会区", "--db", db, "--as-of", "2024-12-31")
    assert code == 0, err
    with open_ledger(db) as ledger:
        with pytest.raises(ChangeRefused) as refused:
            act_on_item(ledger, 1, 1, REPLY, date(2025, 1, 2), "已办理", actor="台山", today=date.today(), source="test", district="台山市")
        assert "没有编号为 1 的督办通知" in str(refused.value.problems)


def test_the_latest_note_as_of_a_date(tmp_path: Path) -> None:
    db = str(tmp_path / "a.db")
    _chased(db)
    for day, text in (("2024-12-01", "第一次"), ("2024-12-15", "第二次")):
        code, _, err = run("ledger", "note", "JM-2024-0004", "--db", db, "--on", day, "--progress", text)
        assert code == 0, err
    code, out, _ = run("ledger", "note", "JM-2024-0004", "--db", db, "--on", "2024-12-15", "--progress", "第二次")
    assert "未变化" in out
    code, _, err = run("ledger", "note", "JM-2024-0004", "--db", db, "--on", "2024-12-16")
    assert code == 2 and "至少填写一项" in err
    for as_of, expected in (("2024-12-10", "第一次"), ("2024-12-31", "第二次")):
        code, out, _ = run("supervise", "list", "--db", db, "--district", "新会区", "--json", "--as-of", as_of)
        found = next(p for p in json.loads(out)["projects"] if p["project"] == "JM-2024-0004")
        assert found["note"]["progress"] == expected


# --- documents: the 考核 table and the leader's 台账 --------------------------------------------------------


def test_the_assessment_and_self_assessment_documents(tmp_path: Path) -> None:
    db = str(tmp_path / "a.db")
    load_2024(db)
    files = {kind: tmp_path / f"年考核.{kind}" for kind in ("pdf", "docx", "xlsx")}
    code, _out, err = run("report", "assessment", "--year", "2024", "--db", db, "--issued", "2025-01-15",
                         *(arg for kind, path in files.items() for arg in (f"--{kind}", str(path))))  # fmt: skip
    assert code == 0, err
    text = pdf_text(files["pdf"]).replace("\n", "")
    for words in ("关于2024年度各县（市、区）招商引资工作考核结果的通报", "通报表扬", "恩平市考核总分低于60分", "2025年1月15日"):
        assert words in text, words
    lines = docx_lines(files["docx"])
    assert problems(lines) == [] and any("恩平市" in line for line in lines)
    ranking = load_workbook(files["xlsx"])["考核排名"]
    assert [row[0].value for row in ranking.iter_rows(min_row=2)][:4] == [1, 1, 1, 4]
    assert isinstance(ranking["C2"].value, (int, float))

    files = {kind: tmp_path / f"自评表.{kind}" for kind in ("pdf", "docx")}
    code, _out, err = run("report", "targets", "--year", "2024", "--db", db, "--pdf", str(files["pdf"]), "--docx", str(files["docx"]))
    assert code == 0, err
    text = pdf_text(files["pdf"]).replace("\n", "")
    for words in ("2024年度招商引资工作目标任务完成情况自评表", "评审项目数", "5.92", "7.60", "88.8%", "受市场环境等因素影响"):
        assert words in text, words
    assert problems(docx_lines(files["docx"])) == []


def test_the_leaders_book_has_numbers_dates_and_print_settings(tmp_path: Path) -> None:
    db = str(tmp_path / "a.db")
    load_2024(db)
    book = tmp_path / "领导台账.xlsx"
    code, _out, err = run("ledger", "export", "--leader", str(book), "--db", db, "--as-of", "2024-12-31")
    assert code == 0, err
    sheet = load_workbook(book).worksheets[0]
    headers = [c.value for c in sheet[1]]
    assert headers[:4] == ["序号", "区域", "项目名称", "投资主体"] and "灯号" in headers and "目前进展" in headers
    rows = {row[2].value: row for row in sheet.iter_rows(min_row=2)}
    row = next(r for r in sheet.iter_rows(min_row=2) if r[headers.index("目前进展")].value)
    assert isinstance(row[headers.index("计划总投资（万元）")].value, (int, float))
    assert row[headers.index("签约日期")].is_date
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref and sheet.print_title_rows == "$1:$1"
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToWidth == 1
    assert len(rows) == 159  # 152 applications' projects and 7 signed-only ones
    lights = {r[headers.index("灯号")].value for r in sheet.iter_rows(min_row=2)}
    assert {"红灯", "黄灯", "绿灯"} <= lights


def test_rules_show_and_diff_the_supervision_terms(tmp_path: Path) -> None:
    from .helpers import copy_rules, edit_rules

    code, out, _ = run("rules", "show", "督办与考核", "--version", "JM-2022")
    assert code == 0 and "项目逾期转红灯" in out and "3 个月" in out
    proposed = copy_rules(tmp_path)
    edit_rules(proposed, "JM-2022.toml", "red_after_months = 3 ", "red_after_months = 2 ")
    code, out, _ = run("rules", "diff", "rules", str(proposed))
    assert "督办与考核" in out and "项目逾期转红灯" in out
    edit_rules(proposed, "JM-2022.toml", "yellow_points = 10 ", "yellow_points = 40 ")
    code, _, err = run("rules", "validate", str(proposed))
    assert code == 2 and "supervision.red_points" in (err + _)


def test_the_2024_sample_is_what_its_script_builds(tmp_path: Path) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_2024", SAMPLE_2024 / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.build(tmp_path)
    for book in ("申请汇总表.xlsx", "台账.xlsx"):
        ours, theirs = load_workbook(tmp_path / book), load_workbook(SAMPLE_2024 / book)
        assert ours.sheetnames == theirs.sheetnames
        for sheet in ours.sheetnames:
            rebuilt = [[c.value for c in row] for row in ours[sheet].iter_rows()]
            assert rebuilt == [[c.value for c in row] for row in theirs[sheet].iter_rows()], (book, sheet)


@pytest.mark.parametrize(
    ("statement", "named"),
    [
        ("UPDATE targets SET target = '1' WHERE id = 1", "目标任务"),
        ("UPDATE progress_notes SET progress = '已开工' WHERE id = 1", "进展情况"),
        ("UPDATE supervision_items SET light = 'green' WHERE position = 1", "督办事项"),
        ("DELETE FROM supervision_actions", "督办反馈与办结"),
    ],
)
def test_ledger_verify_names_a_supervision_record_edited_without_an_event(tmp_path: Path, statement: str, named: str) -> None:
    import sqlite3

    db = str(tmp_path / "a.db")
    load_2024(db)
    assert run("supervise", "issue", "--district", "新会区", "--db", db, "--as-of", "2024-12-31")[0] == 0
    assert run("supervise", "reply", "1", "1", "--text", "已办理", "--on", "2025-01-02", "--db", db)[0] == 0
    code, out, _ = run("ledger", "verify", "--db", db)
    assert code == 0, out
    connection = sqlite3.connect(db)
    connection.execute(statement)
    connection.commit()
    connection.close()
    code, out, err = run("ledger", "verify", "--db", db)
    assert code == 1 and f"{named}记录与变更事件不符" in out + err
