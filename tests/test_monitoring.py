"""履约 monitoring: the computation against a reference written from the contract, and the command."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from admission.cli import main
from admission.monitoring.findings import Finding, ProjectFacts, YearFigures, check
from admission.rules.rulebook import MonitoringTerms, load_rulebook

from . import reference_monitoring as reference
from .conftest import REVIEW_DATE, RULES_DIR
from .helpers import samples_submitted_on
from .pdf_tools import pdf_text
from .test_ledger import book

AS_OF = ["--as-of", REVIEW_DATE.isoformat()]
EDGES = [0, 1, -1, 364, 365, 366, 729, 730, 731]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


# --- the computation, against the reference ----------------------------------------------------------

# Amounts whose third decimal is 5 (half-up territory), small and large.
amounts = st.one_of(
    st.sampled_from([Decimal(x) for x in ("0.005", "0.015", "1234.565", "999.995", "3000", "12.345", "0.01", "100000")]),
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("200000"), places=3),
)
# Dates near leap days and year ends.
anchors = st.sampled_from([date(2024, 2, 28), date(2024, 2, 29), date(2023, 3, 1), date(2020, 12, 31), date(2021, 1, 1), date(2022, 6, 15)])


@st.composite
def offset_dates(draw: st.DrawFn, base: date) -> date:
    return base + timedelta(days=draw(st.one_of(st.sampled_from(EDGES), st.integers(-800, 1500))))


@st.composite
def cases(draw: st.DrawFn) -> tuple[ProjectFacts, reference.Project, date]:
    start = draw(st.one_of(st.none(), anchors, st.dates(date(2018, 1, 1), date(2026, 12, 31))))
    base = start or draw(anchors)
    as_of = draw(offset_dates(base))
    completion = draw(st.one_of(st.none(), offset_dates(base)))
    full = draw(st.one_of(st.none(), offset_dates(base)))
    started = draw(st.one_of(st.none(), offset_dates(base), st.just(as_of + timedelta(days=1))))
    completed = draw(st.one_of(st.none(), offset_dates(completion or base)))
    price = draw(st.one_of(st.none(), amounts))
    source = draw(st.sampled_from(["新增供地", "新增供地", "自有用地"]))
    fixed_committed = draw(st.decimals(min_value=Decimal("1"), max_value=Decimal("300000"), places=2))
    tax_committed = draw(st.one_of(st.just(Decimal(0)), st.decimals(min_value=Decimal("0"), max_value=Decimal("20000"), places=3)))
    years = sorted({base.year + d for d in range(-1, 8)})
    tax = {y: draw(st.one_of(st.none(), amounts, st.just(tax_committed))) for y in years}
    fixed = {y: draw(st.one_of(st.none(), amounts, st.just(fixed_committed))) for y in years}
    rate = draw(st.sampled_from([Decimal("0.001"), Decimal("0.0005"), Decimal("0.000333"), Decimal("0.005")]))
    # The cap reached exactly, exceeded and not: a small share against high rates and long delays.
    cap = draw(st.sampled_from([Decimal("1"), Decimal("0.5"), Decimal("0.1"), Decimal("0.073"), Decimal("2")]))
    before_start = draw(st.booleans())
    # Delivery before, on and after the agreed delivery date, and none at all; supply with or without it.
    agreed_delivery = draw(st.one_of(st.none(), offset_dates(base)))
    delivered = draw(st.one_of(st.none(), offset_dates(agreed_delivery or base), st.just(as_of), st.just(as_of + timedelta(days=1))))
    supplied = draw(st.one_of(st.none(), offset_dates(base)))
    steps = st.sampled_from(["开工", "竣工", "达产"])
    extensions = tuple(draw(st.lists(st.tuples(steps, offset_dates(base)), max_size=3)))
    terms = MonitoringTerms(late_start_rate=rate, late_completion_rate=rate, penalty_cap_share=cap, completion_before_start=before_start)
    facts = ProjectFacts(
        "P-1", "项目", "新会区", source, price, start, completion, full, started, completed, fixed_committed, tax_committed, terms,
        {y: YearFigures(tax[y], fixed[y]) for y in years}, agreed_delivery=agreed_delivery, delivered=delivered, supplied=supplied,
        extensions=extensions,
    )  # fmt: skip
    model = reference.Project(
        source, price, start, completion, full, started, completed, fixed_committed, tax_committed,
        reference.Terms(late_start_rate=rate, late_completion_rate=rate, penalty_cap_share=cap, completion_before_start=before_start),
        {y: v for y, v in tax.items() if v is not None}, {y: v for y, v in fixed.items() if v is not None},
        L=agreed_delivery, d=delivered, supplied=supplied, extensions=extensions,
    )  # fmt: skip
    return facts, model, as_of


@settings(max_examples=1500, deadline=None)
@given(cases())
def test_findings_agree_with_the_reference(case: tuple[ProjectFacts, reference.Project, date]) -> None:
    facts, model, as_of = case
    found = [(f.kind, f.year, f.days, f.amount_wan) for f in check(facts, as_of)]
    assert found == reference.findings(model, as_of)


@settings(max_examples=200, deadline=None)
@given(cases())
def test_checking_is_idempotent(case: tuple[ProjectFacts, reference.Project, date]) -> None:
    facts, _, as_of = case
    assert check(facts, as_of) == check(facts, as_of)


def test_a_known_case_to_the_cent() -> None:
    facts = ProjectFacts(
        "P", "项目", "台山市", "新增供地", Decimal("1234.565"), date(2024, 2, 29), date(2025, 2, 28), date(2025, 6, 30), None, None,
        Decimal("50000"), Decimal("3000"), MonitoringTerms(), {2025: YearFigures(Decimal("2999.995"), Decimal("40000"))},
        agreed_delivery=date(2024, 1, 31), delivered=date(2024, 1, 15),
    )  # fmt: skip
    found = {(f.kind, f.year): (f.days, f.amount_wan) for f in check(facts, date(2026, 3, 1))}
    # 2024-02-29 to 2026-03-01 is 731 days (a leap year), but accrual stops when reclaim is due: 730.
    assert found[("late_start", None)] == (730, Decimal("901.23"))  # 1234.565 × 0.001 × 730 = 901.232…
    assert found[("idle_land", None)] == (None, Decimal("246.91"))  # 1234.565 × 0.2 = 246.913, a referral
    assert ("reclaim", None) in found
    assert ("late_completion", None) not in found  # never started: not charged twice
    assert found[("investment_shortfall", 2025)] == (None, Decimal("246.91"))  # 1234.565 × 10000/50000
    assert ("tax_shortfall", 2025) not in found  # 2025 is not a full year after 达产 in 2025


def test_the_governments_delay_is_never_the_firms() -> None:
    terms = MonitoringTerms()
    base = {"project": "P", "name": "项目", "district": "台山市", "land_source": "新增供地", "land_price": Decimal(4000),
            "agreed_start": date(2024, 1, 1), "agreed_completion": date(2025, 1, 1), "agreed_full_production": None, "started": None,
            "completed": None, "committed_fixed_assets": Decimal(1), "committed_tax": Decimal(0), "terms": terms,
            "agreed_delivery": date(2023, 12, 1)}  # fmt: skip
    never = check(ProjectFacts(**base, supplied=date(2023, 11, 1)), date(2026, 11, 21))  # type: ignore[arg-type]
    assert [f.kind for f in never] == ["not_delivered"] and never[0].amount_wan is None
    late = check(ProjectFacts(**base, delivered=date(2024, 12, 1)), date(2025, 6, 1))  # type: ignore[arg-type]
    start = next(f for f in late if f.kind == "late_start")
    # Delivered 366 days late: the start moves from 2024-01-01 to 2025-01-01; 151 days to 2025-06-01.
    assert (start.agreed_date, start.effective_date, start.days) == (date(2024, 1, 1), date(2025, 1, 1), 151)
    assert "顺延 366 日" in start.explanation


# --- the command, on a ledger built through the public commands --------------------------------------


def _ledger(db: str, tmp_path: Path) -> None:
    run("ledger", "add", str(samples_submitted_on(tmp_path / "samples", "2022-12-01")), "--db", db, *AS_OF)
    path = book(
        tmp_path / "台账.xlsx",
        {
            "项目台账": [
                {"案件编号": "JM-2026-0101", "出让价款（万元）": 3000, "约定开工日期": date(2023, 9, 1), "约定竣工日期": date(2024, 6, 30),
                 "约定达产日期": date(2024, 12, 31), "约定交地日期": date(2023, 3, 1), "供地日期": date(2023, 2, 1),
                 "交地日期": date(2023, 3, 1)},
                {"案件编号": "JM-2026-0106", "用地来源": "自有用地", "约定开工日期": date(2023, 1, 1), "约定达产日期": date(2023, 6, 30),
                 "开工日期": date(2023, 2, 1)},
                {"案件编号": "JM-2026-0301", "出让价款（万元）": 800, "约定开工日期": date(2024, 1, 1)},  # not passed: never checked
                {"案件编号": "JM-2026-0201", "约定开工日期": date(2022, 1, 1), "交地日期": date(2023, 2, 1)},  # no land price: no_contract
            ],
            "会议审议": [
                {"会议编号": 1, "会议日期": date(2023, 1, 5), "案件编号": "JM-2026-0101", "审议结果": "通过"},
                {"会议编号": 1, "会议日期": date(2023, 1, 5), "案件编号": "JM-2026-0106", "审议结果": "有条件通过", "附加条件": "限期达产"},
                {"会议编号": 1, "会议日期": date(2023, 1, 5), "案件编号": "JM-2026-0301", "审议结果": "暂缓"},
                {"会议编号": 1, "会议日期": date(2023, 1, 5), "案件编号": "JM-2026-0201", "审议结果": "通过"},
            ],
            "履约数据": [
                {"案件编号": "JM-2026-0101", "年度": 2025, "实际税收（万元）": 2500.005},
                {"案件编号": "JM-2026-0106", "年度": 2024, "实际税收（万元）": 100},
                {"案件编号": "JM-2026-0106", "年度": 2025, "实际税收（万元）": 5000},
            ],
        },
    )  # fmt: skip
    code, out, err = run("ledger", "import", str(path), "--db", db)
    assert code == 0, out + err


def test_monitor_json_matches_the_reference(db_url: str, tmp_path: Path) -> None:
    _ledger(db_url, tmp_path)
    code, out, err = run("monitor", "--db", db_url, "--as-of", "2026-11-21", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["summary"]["projects_checked"] == 2 and result["summary"]["not_checked"] == ["JM-2026-0201"]
    got = [(f["project"], f["kind"], f["year"], f["days"], f["amount_wan"]) for f in result["findings"]]
    committed = {"JM-2026-0101": (Decimal(40000), Decimal(3000)), "JM-2026-0106": (Decimal(10500), Decimal(750))}
    expected: list[tuple[Any, ...]] = []
    models = {
        "JM-2026-0101": reference.Project("新增供地", Decimal(3000), date(2023, 9, 1), date(2024, 6, 30), date(2024, 12, 31), None, None,
                                          *committed["JM-2026-0101"], tax={2025: Decimal("2500.005")}, L=date(2023, 3, 1),
                                          d=date(2023, 3, 1), supplied=date(2023, 2, 1)),
        "JM-2026-0106": reference.Project("自有用地", None, date(2023, 1, 1), None, date(2023, 6, 30), date(2023, 2, 1), None,
                                          *committed["JM-2026-0106"], tax={2024: Decimal(100), 2025: Decimal(5000)}),
        "JM-2026-0201": reference.Project("新增供地", None, date(2022, 1, 1), None, None, None, None, Decimal(1), Decimal(1),
                                          d=date(2023, 2, 1)),
    }  # fmt: skip
    districts = {"JM-2026-0101": "新会区", "JM-2026-0106": "鹤山市", "JM-2026-0201": "江海区"}
    order = load_rulebook(RULES_DIR).districts  # findings by district in the rule book's order
    for project in sorted(models, key=lambda p: (order.index(districts[p]), p)):
        for kind, year, days, amount in reference.findings(models[project], date(2026, 11, 21)):
            expected.append((project, kind, year, days, float(amount) if amount is not None else None))
    assert got == expected
    claim = sum(Decimal(str(f["amount_wan"])) for f in result["findings"] if f["amount_wan"] is not None and f["addressee"] == "enterprise")
    assert Decimal(str(result["summary"]["total_amount_wan"])) == claim  # the referrals are not the office's claim
    referred = sum(Decimal(str(f["amount_wan"])) for f in result["findings"] if f["addressee"] == "referral" and f["amount_wan"])
    assert Decimal(str(result["summary"]["referral_amount_wan"])) == referred


def test_committed_figures_come_from_the_resolved_revision(db_url: str, tmp_path: Path) -> None:
    _ledger(db_url, tmp_path)
    from .helpers import sample, write_json

    later = sample("industrial-approve.json")
    later["commitments"]["annual_tax_wan"] = 9000  # a revision after the resolution does not change the promise
    run("ledger", "add", str(write_json(tmp_path / "a.json", later)), "--db", db_url, *AS_OF)
    _, out, _ = run("monitor", "--db", db_url, "--as-of", "2026-11-21", "--json")
    tax = [f for f in json.loads(out)["findings"] if f["project"] == "JM-2026-0101" and f["kind"] == "tax_shortfall"]
    assert [f["amount_wan"] for f in tax] == [500.0]  # 3000 − 2500.005 = 499.995, half-up


def test_statuses_are_ledger_events_and_close_findings(db_url: str, tmp_path: Path) -> None:
    _ledger(db_url, tmp_path)
    base = ["--db", db_url, "--as-of", "2026-11-21"]
    # Paid on 2026-11-20: in force as of 2026-11-21 (a status counts from its own date, monitoring contract v2).
    code, _, err = run("monitor", "mark", "JM-2026-0101", "late_start", "--status", "paid", "--on", "2026-11-20", "--by", "王五", *base)
    assert code == 0, err
    code, _, err = run("monitor", "mark", "JM-2026-0101", "idle_land", "--status", "waived", *base)
    assert code == 2 and "理由" in err
    code, _, err = run("monitor", "mark", "JM-2026-0301", "late_start", "--status", "notified", *base)
    assert code == 2 and "没有" in err
    _, out, _ = run("monitor", *base, "--json")
    result = json.loads(out)
    late = next(f for f in result["findings"] if f["project"] == "JM-2026-0101" and f["kind"] == "late_start")
    assert late["status"] == "paid" and not late["open"] and late["status_detail"]["by"] == "王五"
    assert Decimal(str(result["summary"]["open_amount_wan"])) == Decimal(str(result["summary"]["total_amount_wan"])) - Decimal(
        str(late["amount_wan"])
    )
    detail = json.loads(run("ledger", "show", "JM-2026-0101", "--json", "--db", db_url)[1])
    assert detail["events"][-1]["kind"] == "finding_status" and detail["events"][-1]["actor"] == "王五"
    assert run("ledger", "verify", "--db", db_url)[0] == 0


def test_monitoring_writes_nothing(db_url: str, tmp_path: Path) -> None:
    _ledger(db_url, tmp_path)
    before = run("ledger", "verify", "--db", db_url)[1]
    first = run("monitor", "--db", db_url, "--as-of", "2026-11-21", "--json")[1]
    assert run("monitor", "--db", db_url, "--as-of", "2026-11-21", "--json")[1] == first
    assert run("ledger", "verify", "--db", db_url)[1] == before


def test_an_as_of_before_every_contract_is_an_empty_clear_result(db_url: str, tmp_path: Path) -> None:
    _ledger(db_url, tmp_path)
    code, out, _ = run("monitor", "--db", db_url, "--as-of", "2021-01-01")
    assert code == 0 and "没有过会项目" in out  # the meeting was in 2023: nothing had passed by 2021
    code, out, _ = run("monitor", "--db", db_url, "--as-of", "2021-01-01", "--district", "台山市", "--json")
    assert json.loads(out)["findings"] == []
    code, _, err = run("monitor", "--db", db_url, "--district", "火星区")
    assert code == 2 and "未知的区域" in err


def test_monitor_pdf_and_xlsx(tmp_path: Path) -> None:
    db = str(tmp_path / "admit.db")
    _ledger(db, tmp_path)
    pdf, xlsx = tmp_path / "m.pdf", tmp_path / "m.xlsx"
    code, _, err = run("monitor", "--db", db, "--as-of", "2026-11-21", "--pdf", str(pdf), "--xlsx", str(xlsx))
    assert code == 0, err
    text = pdf_text(pdf)
    assert "履约核查通知书" in text and "3,000.00万元×每日0.1%×730日" in text and "2026年11月21日" in text
    from openpyxl import load_workbook

    workbook = load_workbook(xlsx)
    assert workbook.sheetnames == ["核查结果", "按区域汇总"]
    assert workbook["核查结果"].cell(row=1, column=7).value == "金额（万元）"


def test_terms_are_rule_book_data(tmp_path: Path) -> None:
    from .helpers import copy_rules, edit_rules

    rules = copy_rules(tmp_path)
    edit_rules(rules, "JM-2022.toml", "late_start_rate = 0.001", "late_start_rate = 1.5")
    code, _, err = run("rules", "validate", str(rules))
    assert code == 2 and "monitoring.late_start_rate" in err
    edit_rules(rules, "JM-2022.toml", "late_start_rate = 1.5", "late_start_rate = 0.002")
    code, out, _ = run("rules", "diff", "JM-2022", f"{rules}:JM-2022")
    assert code == 0 and "延期开工违约金" in out and "0.002" in out
    code, out, _ = run("rules", "list", "--as-of", "2026-11-21")
    assert "履约条款" in out and "千分之一" in out


def test_the_monitor_checks_no_future_date_and_writes_word_too(tmp_path: Path) -> None:
    import docx

    db = str(tmp_path / "admit.db")
    _ledger(db, tmp_path)
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    code, _, err = run("monitor", "--db", db, "--as-of", tomorrow)
    assert code == 2 and "晚于今天" in err
    word = tmp_path / "m.docx"
    code, _, err = run("monitor", "--db", db, "--as-of", "2026-11-21", "--docx", str(word))
    assert code == 0, err
    text = "\n".join(p.text for p in docx.Document(str(word)).paragraphs)
    assert "履约核查通知书" in text


def test_statuses_have_their_dates_and_a_partial_payment_leaves_the_rest_open(db_url: str, tmp_path: Path) -> None:
    _ledger(db_url, tmp_path)
    base = ["--db", db_url, "--as-of", "2026-11-21"]

    def late_start(as_of: str) -> dict[str, Any]:
        found = json.loads(run("monitor", "--db", db_url, "--as-of", as_of, "--json")[1])["findings"]
        return next(f for f in found if f["project"] == "JM-2026-0101" and f["kind"] == "late_start")

    assert late_start("2026-11-21")["amount_wan"] == 2190.0  # 3000 × 0.001 × 730: accrual stopped when reclaim was due
    paid = ["monitor", "mark", "JM-2026-0101", "延期开工", "--status", "已缴纳", "--amount", "1000", "--on", "2026-11-01",
            "--receipt", "缴款书 0001", *base]  # fmt: skip
    assert run(*paid)[0] == 0
    assert "没有变化" in run(*paid)[1]  # the same status again changes nothing
    now = late_start("2026-11-21")
    assert (now["status"], now["open"], now["open_amount_wan"], now["paid_amount_wan"]) == ("paid", True, 1190.0, 1000.0)
    before = late_start("2026-10-31")  # the payment was on 2026-11-01
    assert (before["status"], before["open_amount_wan"]) == ("open", 2190.0)
    code, _, err = run("monitor", "mark", "JM-2026-0101", "延期开工", "--status", "已通知", "--amount", "5", *base)
    assert code == 2 and "金额" in err


def test_the_notice_is_a_document_to_the_enterprise_with_its_findings_only(tmp_path: Path) -> None:
    db = str(tmp_path / "admit.db")
    _ledger(db, tmp_path)
    pdf = tmp_path / "m.pdf"
    assert run("monitor", "--db", db, "--as-of", "2026-11-21", "--pdf", str(pdf))[0] == 0
    text = pdf_text(pdf)
    notice = text[text.index("履约核查通知书") :]
    enterprise = sample_enterprise("JM-2026-0101")
    assert f"{enterprise}：" in notice and "江招联履〔2026〕" in text and "抄送：新会区人民政府" in notice
    assert "请于2026年12月21日前" in notice  # 30 days, rule-book data
    assert "土地闲置" not in notice and "无偿收回" not in notice  # referrals go to the land authority, not to the firm
    assert "移送自然资源主管部门的事项" in text and "内部处理事项" in text


def sample_enterprise(case_id: str) -> str:
    from .conftest import SAMPLES_DIR

    for path in SAMPLES_DIR.glob("*.json"):
        if path.name.startswith("invalid-"):
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        if data["id"] == case_id:
            return str(data["applicant"]["name"])
    raise LookupError(case_id)


def test_approved_extensions_move_the_dates_and_an_enterprise_may_ask_a_year_in_all(db_url: str, tmp_path: Path) -> None:
    _ledger(db_url, tmp_path)
    base = ["--db", db_url]

    def late_start() -> dict[str, Any]:
        found = json.loads(run("monitor", *base, "--as-of", "2026-11-21", "--json")[1])["findings"]
        return next(f for f in found if f["project"] == "JM-2026-0101" and f["kind"] == "late_start")

    assert late_start()["effective_date"] == "2023-09-01"
    args = ["ledger", "extend", "JM-2026-0101", "--kind", "开工", "--cause", "企业申请", "--approval", "江自然资函〔2023〕8号",
            "--approved-on", "2023-08-20", *base]  # fmt: skip
    code, _, err = run(*args, "--to", "2024-09-02")  # 367 days: more than a year
    assert code == 2 and "365" in err, err
    assert run(*args, "--to", "2024-08-31")[0] == 0  # 365 days
    moved = late_start()
    assert (moved["agreed_date"], moved["effective_date"]) == ("2023-09-01", "2024-08-31") and "经批准延期" in moved["explanation"]
    code, _, err = run(*args, "--to", "2024-09-30")  # a second request beyond the year in all
    assert code == 2 and "已延 365 日" in err, err
    government = ["ledger", "extend", "JM-2026-0101", "--kind", "开工", "--cause", "政府原因", "--approval", "江府函〔2024〕1号",
                  "--to", "2025-03-01", "--approved-on", "2024-12-01", *base]  # fmt: skip
    assert run(*government)[0] == 0  # no limit for the government's own cause
    assert late_start()["effective_date"] == "2025-03-01"
    exported = tmp_path / "台账-延期.xlsx"
    assert run("ledger", "export", str(exported), *base)[0] == 0
    outcome = json.loads(run("ledger", "import", str(exported), *base, "--json")[1])
    assert outcome["unchanged"].get("延期") == 2 and not any(outcome["changed"].values())
    assert run("ledger", "verify", *base)[0] == 0


@st.composite
def marked(draw: st.DrawFn) -> tuple[Decimal | None, list[dict[str, Any]], date]:
    as_of = date(2026, 6, 15)
    amount = draw(st.one_of(st.none(), amounts))
    marks = []
    for index in range(draw(st.integers(0, 5))):
        status = draw(st.sampled_from(["notified", "paid", "waived", "disputed"]))
        on = as_of + timedelta(days=draw(st.sampled_from([-30, -1, 0, 1, 30])))  # before, on and after the as-of date
        paid = draw(st.one_of(st.none(), amounts)) if status == "paid" else None
        marks.append({"status": status, "on": on.isoformat(), "at": f"2026-06-{index + 10}T00:00:00+00:00",
                      "amount_wan": str(paid) if paid is not None else None})  # fmt: skip
    return amount, marks, as_of


@settings(max_examples=500, deadline=None)
@given(marked())
def test_statuses_and_payments_agree_with_the_reference(case: tuple[Decimal | None, list[dict[str, Any]], date]) -> None:
    from admission.monitoring.ledger import _row

    amount, marks, as_of = case
    finding = Finding("P", "项目", "新会区", "late_start", None, 10, amount, "依据", "说明")
    row = _row(finding, marks, as_of)
    status, owed = reference.status_in_force(amount, marks, as_of)
    assert row["status"] == status
    assert (Decimal(str(row["open_amount_wan"])) if row["open_amount_wan"] is not None else None) == owed


def test_the_text_never_says_all_clear_while_a_passed_project_was_not_checked(tmp_path: Path) -> None:
    db = str(tmp_path / "admit.db")
    _ledger(db, tmp_path)
    code, out, _ = run("monitor", "--db", db, "--as-of", "2026-11-21")
    assert code == 0 and "1 个过会项目未交地或未录入土地出让合同，未核查：JM-2026-0201" in out and "均未发现" not in out
