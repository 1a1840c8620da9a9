"""The ledger (项目台账) through its public commands, on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from admission.cli import main
from admission.ledger.book import MEETING_COLUMNS, PROJECT_COLUMNS, RESULT_COLUMNS
from admission.ledger.database import open_ledger

from .conftest import REVIEW_DATE, ROOT, SAMPLES_DIR
from .helpers import sample, write_json

AS_OF = ["--as-of", REVIEW_DATE.isoformat()]
TODAY = date.today()
ADMIT = [sys.executable, "-m", "admission"]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def show(db: str, case_id: str) -> dict[str, Any]:
    code, out, err = run("ledger", "show", case_id, "--json", "--db", db)
    assert code == 0, err
    detail: dict[str, Any] = json.loads(out)
    return detail


def add_samples(db: str, *extra: str) -> tuple[int, str, str]:
    return run("ledger", "add", str(SAMPLES_DIR), "--db", db, "--by", "张三", *AS_OF, *extra)


def book(path: Path, sheets: dict[str, list[dict[str, Any]]]) -> Path:
    """A 台账 workbook with the given rows (dicts by header) on the named sheets."""
    columns = {"项目台账": PROJECT_COLUMNS, "会议审议": MEETING_COLUMNS, "履约数据": RESULT_COLUMNS}
    workbook = Workbook()
    default = workbook.active
    assert default is not None
    workbook.remove(default)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        headers = [c.header for c in columns[name]]
        sheet.append(headers)
        for row in rows:
            sheet.append([row.get(h) for h in headers])
    workbook.save(path)
    return path


def engine_of(db: str) -> sa.Engine:
    from admission.ledger.database import _url

    return sa.create_engine(_url(db))


# --- applications and decisions ------------------------------------------------------------------


def test_add_records_revisions_and_decisions_once(db_url: str, tmp_path: Path) -> None:
    code, out, _ = add_samples(db_url)
    assert code == 2  # the invalid samples are refused, the rest recorded
    assert "新项目 14 个" in out and "无效 9 份" in out
    code, out, _ = add_samples(db_url)
    assert "新项目 0 个，新修订 0 份，内容未变 14 份" in out

    detail = show(db_url, "JM-2026-0101")
    assert [r["number"] for r in detail["revisions"]] == [1]
    assert detail["revisions"][0]["recorded_by"] == "张三"
    (decision,) = detail["decisions"]
    assert decision["verdict"] == "approve" and decision["rulebook_version"] == "JM-2022"
    assert decision["rulebook_digest"].startswith("sha256:")

    changed = sample("industrial-approve.json")
    changed["commitments"]["annual_tax_wan"] = 100  # now fails 亩均税收
    code, out, _ = run("ledger", "add", str(write_json(tmp_path / "a.json", changed)), "--db", db_url, *AS_OF)
    assert code == 0 and "新修订 1 份" in out
    detail = show(db_url, "JM-2026-0101")
    assert [r["number"] for r in detail["revisions"]] == [1, 2]
    assert [d["verdict"] for d in detail["decisions"]] == ["approve", "reject"]
    assert [e["kind"] for e in detail["events"]] == ["application_added", "application_revised"]


def test_add_reads_workbooks_and_refuses_duplicates_in_one_batch(db_url: str, tmp_path: Path) -> None:
    first = write_json(tmp_path / "a.json", sample("industrial-approve.json"))
    second = write_json(tmp_path / "b.json", sample("industrial-approve.json"))
    code, out, _ = run("ledger", "add", str(first), str(second), "--db", db_url, *AS_OF, "--json")
    assert code == 2
    result = json.loads(out)
    assert result["recorded"] == [] and len(result["refused"]) == 2


def test_a_batch_longer_than_one_slice_of_rows_is_recorded_whole_with_its_events(db_url: str, tmp_path: Path) -> None:
    """Rows are written ROWS_AT_A_TIME applications at a time, in one transaction: every one is
    recorded, once, with its event, and a duplicate across slices is still refused, both copies."""
    from admission.ledger.applications import ROWS_AT_A_TIME

    folder = tmp_path / "batch"
    folder.mkdir()
    app = sample("industrial-approve.json")
    count = ROWS_AT_A_TIME + 3
    for index in range(count):
        app["id"] = f"JM-2026-{index:05d}" if index != count - 1 else "JM-2026-00001"  # the last repeats the second
        write_json(folder / f"{index:05d}.json", app)
    code, out, _ = run("ledger", "add", str(folder), "--db", db_url, *AS_OF, "--json")
    assert code == 2
    result = json.loads(out)
    assert len(result["recorded"]) == count - 2 and [r["application"]["id"] for r in result["refused"]] == ["JM-2026-00001"] * 2
    assert len({r["id"] for r in result["recorded"]}) == count - 2
    code, out, _ = run("ledger", "verify", "--db", db_url)
    assert code == 0 and f"共 {count - 2 + 2} 条事件" in out, out  # each recorded, and both refused copies kept


# --- the 台账 workbook ------------------------------------------------------------------------------


def _good_book(path: Path) -> Path:
    return book(
        path,
        {
            "项目台账": [
                {"案件编号": "JM-2026-0101", "签约日期": date(2026, 1, 5), "注册日期": "2026-02-01", "挂网日期": date(2026, 3, 1),
                 "出让价款（万元）": 3200.5, "约定开工日期": date(2026, 9, 1), "约定竣工日期": date(2027, 9, 1)},
                {"案件编号": "QY-2022-001", "项目名称": "已签约未审查的扩产项目", "所在区域": "蓬江区", "项目类型": "其他",
                 "计划总投资（万元）": 20000, "用地来源": "自有用地", "签约日期": date(2022, 5, 1), "开工日期": date(2022, 8, 1)},
            ],
            "会议审议": [
                {"会议编号": 3, "会议日期": date(2026, 11, 20), "案件编号": "JM-2026-0101", "审议结果": "通过"},
                {"会议编号": 3, "会议日期": date(2026, 11, 20), "案件编号": "JM-2026-0103", "审议结果": "通过"},
            ],
            "履约数据": [{"案件编号": "QY-2022-001", "年度": 2023, "实际税收（万元）": 850, "实际产值（万元）": 12000}],
        },
    )  # fmt: skip


def test_import_records_each_sheet_and_is_idempotent(db_url: str, tmp_path: Path) -> None:
    add_samples(db_url)
    path = _good_book(tmp_path / "台账.xlsx")
    code, out, err = run("ledger", "import", str(path), "--db", db_url, "--by", "李四")
    assert code == 0, out + err
    assert "项目台账 变更 2 行" in out and "会议审议 变更 2 行" in out and "履约数据 变更 1 行" in out
    code, out, _ = run("ledger", "import", str(path), "--db", db_url)
    assert code == 0 and "没有任何变化" in out

    detail = show(db_url, "JM-2026-0101")
    assert detail["milestones"]["签约日期"] == "2026-01-05" and detail["milestones"]["挂网日期"] == "2026-03-01"
    assert detail["land_contract"]["出让价款（万元）"] == "3200.5"
    assert detail["stage"] == "挂网"
    assert detail["resolutions"][0]["result"] == "通过" and not detail["deviation"]
    other = show(db_url, "QY-2022-001")
    assert other["type_label"] == "其他" and "挂网日期" not in other["milestones"]
    assert other["yearly_results"] == [{"year": 2023, "tax": "850", "output": "12000", "fixed_assets": None}]
    assert any(e["actor"] == "李四" for e in other["events"])

    # 通过 on a project the engine rejects: recorded, and flagged wherever it is shown.
    rejected = show(db_url, "JM-2026-0103")
    assert rejected["deviation"] and rejected["resolutions"][0]["verdict"] == "reject"
    code, out, _ = run("ledger", "list", "--db", db_url, "--resolution", "通过", "--json")
    listed = {p["id"]: p for p in json.loads(out)["projects"]}
    assert set(listed) == {"JM-2026-0101", "JM-2026-0103"} and listed["JM-2026-0103"]["deviation"]
    _, text, _ = run("ledger", "list", "--db", db_url, "--resolution", "通过")
    assert "与审查结论不一致" in text


def test_export_then_import_changes_nothing(db_url: str, tmp_path: Path) -> None:
    add_samples(db_url)
    run("ledger", "import", str(_good_book(tmp_path / "in.xlsx")), "--db", db_url)
    exported = tmp_path / "out.xlsx"
    assert run("ledger", "export", str(exported), "--db", db_url)[0] == 0
    code, out, _ = run("ledger", "import", str(exported), "--db", db_url)
    assert code == 0 and "没有任何变化" in out, out


BAD_ROWS: list[tuple[str, dict[str, Any], str, str]] = [
    ("项目台账", {"案件编号": "NOPE-1"}, "案件编号", "不在台账中"),
    ("项目台账", {"案件编号": "JM-2026-0102", "签约日期": TODAY + timedelta(days=3)}, "签约日期", "晚于今天"),
    ("项目台账", {"案件编号": "JM-2026-0104", "供地日期": date(2026, 5, 1), "挂网日期": date(2026, 6, 1)}, "供地日期", "早于挂网日期"),
    ("项目台账", {"案件编号": "JM-2026-0105", "用地来源": "自有用地", "挂网日期": date(2026, 6, 1)}, "挂网日期", "自有用地"),
    ("项目台账", {"案件编号": "JM-2026-0106", "出让价款（万元）": 0}, "出让价款（万元）", "应大于 0"),
    ("项目台账", {"案件编号": "JM-2026-0201", "项目名称": "改名"}, "项目名称", "与台账中申请材料"),
    ("项目台账", {"案件编号": "JM-2026-0202", "约定开工日期": date(2027, 1, 1), "约定竣工日期": date(2026, 1, 1)}, "约定竣工日期", "早于"),
    ("会议审议", {"会议编号": 5, "会议日期": date(2026, 1, 9), "案件编号": "NOPE-2", "审议结果": "通过"}, "案件编号", "没有申请材料"),
    ("会议审议", {"会议编号": 5, "会议日期": date(2026, 1, 9), "案件编号": "JM-2026-0301", "审议结果": "同意"}, "审议结果", "不是有效的"),
    ("会议审议", {"会议编号": 3, "会议日期": date(2026, 2, 2), "案件编号": "JM-2026-0302", "审议结果": "通过"}, "会议编号", "不一致"),
    ("履约数据", {"案件编号": "JM-2026-0303", "年度": 2024, "实际税收（万元）": -5}, "实际税收（万元）", "不能为负数"),
    ("履约数据", {"案件编号": "JM-2026-0303", "年度": TODAY.year + 1}, "年度", "不是有效的年度"),
    ("履约数据", {"案件编号": "JM-2026-0303", "年度": 2024, "实际产值（万元）": "很多"}, "实际产值（万元）", "应为数字"),
]


def test_each_bad_row_is_named_and_the_valid_rest_recorded(db_url: str, tmp_path: Path) -> None:
    add_samples(db_url)
    run("ledger", "import", str(_good_book(tmp_path / "first.xlsx")), "--db", db_url)  # meeting 3 on 2026-11-20
    sheets: dict[str, list[dict[str, Any]]] = {"项目台账": [], "会议审议": [], "履约数据": []}
    for sheet, row, _, _ in BAD_ROWS:
        sheets[sheet].append(row)
    sheets["项目台账"].append({"案件编号": "JM-2026-0203", "签约日期": date(2026, 4, 1)})  # a valid row among them
    code, out, _ = run("ledger", "import", str(book(tmp_path / "bad.xlsx", sheets)), "--db", db_url, "--json")
    assert code == 2
    refused = json.loads(out)["refused"]
    assert len(refused) == len(BAD_ROWS)
    for (sheet, row, header, words), refusal in zip(BAD_ROWS, sorted(refused, key=_book_order), strict=True):
        assert refusal["sheet"] == sheet and refusal["id"] == row["案件编号"]
        assert any(p["column"] == header and words in p["message"] for p in refusal["problems"]), (row, refusal)
    assert show(db_url, "JM-2026-0203")["milestones"]["签约日期"] == "2026-04-01"
    _, text, _ = run("ledger", "import", str(tmp_path / "bad.xlsx"), "--db", db_url)
    assert "工作表“项目台账”第 7 行（JM-2026-0201，" in text  # named by sheet, row, 案件编号 and name


def _book_order(refusal: dict[str, Any]) -> tuple[int, int]:
    return ["项目台账", "会议审议", "履约数据"].index(refusal["sheet"]), refusal["row"]


def test_a_file_that_is_not_a_workbook_is_one_clear_line(db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "台账.xlsx"
    path.write_text("not a workbook", encoding="utf-8")
    code, _, err = run("ledger", "import", str(path), "--db", db_url)
    assert code == 2 and "不是有效的 Excel 工作簿" in err and "Traceback" not in err


def test_template_is_empty_and_its_lists_refuse_typos(tmp_path: Path) -> None:
    path = tmp_path / "台账.xlsx"
    assert run("ledger", "template", str(path))[0] == 0
    workbook = load_workbook(path)
    # ledger contract v2, and the supervision contract's two sheets
    assert workbook.sheetnames == ["项目台账", "会议审议", "履约数据", "项目流转", "延期", "更正", "目标任务", "进展情况"]
    validations = [v for sheet in workbook for v in sheet.data_validations.dataValidation]
    assert validations and all(v.showErrorMessage for v in validations)
    assert run("ledger", "template", str(path))[0] == 73  # never over an existing file


# --- meetings --------------------------------------------------------------------------------------


def test_resolve_one_at_a_time_and_packet_from_the_agenda(db_url: str, tmp_path: Path) -> None:
    add_samples(db_url)
    code, out, _ = run("ledger", "resolve", "JM-2026-0104", "通过", "--meeting-no", "7", "--meeting-date", "2026-11-02", "--db", db_url)
    assert code == 0 and "与审查结论不一致" in out
    code, _, err = run("ledger", "resolve", "JM-NONE", "通过", "--meeting-no", "7", "--meeting-date", "2026-11-02", "--db", db_url)
    assert code == 2 and "没有申请材料" in err

    meeting = ["--meeting-no", "8", "--meeting-date", "2026-11-28", "--db", db_url]
    code, out, _ = run("ledger", "agenda", "JM-2026-0302", "JM-2026-0101", *meeting)
    assert code == 0 and "2 个项目" in out
    html = tmp_path / "p.html"
    code, out, err = run("packet", "--meeting-no", "8", "--meeting-date", "2026-11-28", "--html", str(html), "--db", db_url, *AS_OF)
    assert code == 0, err
    assert "2 个项目，0 份无效材料" in out
    text = html.read_text(encoding="utf-8")
    # The agenda's order, not the verdict sort: the 一事一议 item 0302 was put first on the agenda.
    assert text.index("江门高新区智慧物流枢纽项目") < text.index("新会精密结构件智能制造项目")
    assert "项目按会议议程顺序排列" in text and "2026年第8次" in text
    assert re.search(r"合计（2个项目）</td><td></td><td></td><td class=\"number\">[0-9.]+</td>", text)


# --- audit -----------------------------------------------------------------------------------------


def test_verify_finds_the_first_tampered_event(db_url: str) -> None:
    add_samples(db_url)
    code, out, _ = run("ledger", "verify", "--db", db_url)
    assert code == 0 and "共 23 条事件" in out  # 14 recorded, and 9 refused submissions kept (ledger contract v2)
    engine = engine_of(db_url)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE events SET actor = 'mallory' WHERE seq = 5"))
    code, out, _ = run("ledger", "verify", "--db", db_url)
    assert code == 1 and "第 5 号事件" in out
    with engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM events WHERE seq = 3"))
    code, out, _ = run("ledger", "verify", "--db", db_url)
    assert code == 1 and "第 3 号事件" in out
    engine.dispose()


# --- schema versions and unreachable databases ------------------------------------------------------


def test_schema_versions(db_url: str) -> None:
    from alembic import command
    from alembic.config import Config

    import admission.ledger.database as database

    engine = engine_of(db_url)
    config = Config()
    config.set_main_option("script_location", str(Path(database.__file__).parent / "migrations"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")  # a ledger made by the previous admit
    code, _, err = run("ledger", "show", "X", "--db", db_url)
    assert code == 69 and "admit ledger upgrade" in err
    assert run("ledger", "upgrade", "--db", db_url)[0] == 0
    assert add_samples(db_url)[0] == 2  # usable now

    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    code, _, err = run("ledger", "show", "JM-2026-0101", "--db", db_url)
    assert code == 69 and "更新版本的 admit" in err
    engine.dispose()


def test_the_migrations_end_at_the_schema_this_version_uses() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    import admission.ledger.database as database

    config = Config()
    config.set_main_option("script_location", str(Path(database.__file__).parent / "migrations"))
    script = ScriptDirectory.from_config(config)
    assert script.get_current_head() == database.SCHEMA_REVISION
    assert {r.revision for r in script.walk_revisions()} == {database.SCHEMA_REVISION, *database.OLDER_REVISIONS}


def test_unreachable_databases_are_one_line_and_exit_69(tmp_path: Path) -> None:
    code, _, err = run("ledger", "show", "X", "--db", "postgresql://admit@127.0.0.1:9/none")
    assert code == 69 and "连接被拒绝" in err and len(err.strip().splitlines()) == 1
    code, _, err = run("ledger", "add", str(SAMPLES_DIR / "industrial-approve.json"), "--db", str(tmp_path / "no" / "dir" / "a.db"))
    assert code == 69 and "目录不存在" in err
    code, _, err = run("ledger", "show", "X", "--db", str(tmp_path / "absent.db"))
    assert code == 69 and "不存在" in err
    assert not (tmp_path / "absent.db").exists()


# --- concurrency and faults --------------------------------------------------------------------------


def _big_book(path: Path, count: int, start: date) -> Path:
    rows = [
        {"案件编号": f"QY-{path.stem}-{i:05d}", "项目名称": f"项目{i}", "所在区域": "新会区", "项目类型": "其他",
         "计划总投资（万元）": 1000 + i, "签约日期": start + timedelta(days=i % 300)}
        for i in range(count)
    ]  # fmt: skip
    return book(path, {"项目台账": rows})


def test_two_imports_at_once_both_finish(db_url: str, tmp_path: Path) -> None:
    books = [_big_book(tmp_path / f"{name}.xlsx", 400, date(2023, 1, 1)) for name in ("a", "b")]
    open_ledger(db_url).close()  # the schema exists before the race
    commands = [[*ADMIT, "ledger", "import", str(b), "--db", db_url] for b in books]
    processes = [subprocess.Popen(c, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for c in commands]
    for process in processes:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, out + err
    code, out, _ = run("ledger", "list", "--db", db_url, "--json")
    assert json.loads(out)["count"] == 800
    code, out, _ = run("ledger", "verify", "--db", db_url)
    assert code == 0 and "共 800 条事件" in out


def _state(db: str) -> tuple[int, int]:
    engine = engine_of(db)
    with engine.connect() as connection:
        counted = (connection.execute(sa.text("SELECT count(*) FROM projects")).scalar_one(),
                   connection.execute(sa.text("SELECT count(*) FROM events")).scalar_one())  # fmt: skip
    engine.dispose()
    return int(counted[0]), int(counted[1])


def _wait_until_writing(db: str, process: subprocess.Popen[bytes]) -> None:
    """Until the import holds the writers' lock with rows written: its journal exists (SQLite), or
    its advisory lock is held (PostgreSQL)."""
    deadline = time.monotonic() + 120
    engine = None if db.endswith(".db") else engine_of(db)
    try:
        while time.monotonic() < deadline and process.poll() is None:
            if engine is None:
                if Path(db + "-journal").exists():
                    return
            else:
                with engine.connect() as connection:
                    if connection.execute(sa.text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")).scalar_one():
                        return
            time.sleep(0.005)
    finally:
        if engine is not None:
            engine.dispose()
    raise AssertionError("the import never started writing")


@pytest.mark.parametrize("delay", [0.0, 0.2, 0.4])
def test_a_killed_import_leaves_the_ledger_as_it_was(db_url: str, tmp_path: Path, delay: float) -> None:
    add_samples(db_url)
    before = _state(db_url)
    path = _big_book(tmp_path / "big.xlsx", 6000, date(2023, 1, 1))
    command = [*ADMIT, "ledger", "import", str(path), "--db", db_url]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_until_writing(db_url, process)
    time.sleep(delay)  # inside the writing transaction: 6000 rows, since 3000 on SQLite once committed within 0.4 s
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, "the import finished before it was killed: make the workbook larger"
    assert _state(db_url) == before  # all of it rolled back
    code, out, _ = run("ledger", "verify", "--db", db_url)
    assert code == 0, out
    assert add_samples(db_url)[0] == 2  # the ledger still takes writes (no stale lock)
    if db_url.endswith(".db"):
        with engine_of(db_url).connect() as connection:
            assert connection.execute(sa.text("PRAGMA integrity_check")).scalar_one() == "ok"


def test_list_filters_and_xlsx(db_url: str, tmp_path: Path) -> None:
    add_samples(db_url)
    code, out, _ = run("ledger", "list", "--db", db_url, "--district", "恩平市", "--json")
    assert {p["id"] for p in json.loads(out)["projects"]} == {"JM-2026-0203", "JM-2026-0303"}
    code, out, _ = run("ledger", "list", "--db", db_url, "--verdict", "不予准入", "--type", "物流项目", "--json")
    assert [p["id"] for p in json.loads(out)["projects"]] == ["JM-2026-0303"]
    code, _, err = run("ledger", "list", "--db", db_url, "--stage", "上天")
    assert code == 2 and "未知的阶段" in err
    xlsx = tmp_path / "list.xlsx"
    assert run("ledger", "list", "--db", db_url, "--xlsx", str(xlsx))[0] == 0
    sheet = load_workbook(xlsx).active
    assert sheet is not None and sheet.max_row == 15


def test_show_an_unknown_project(db_url: str) -> None:
    add_samples(db_url)
    code, _, err = run("ledger", "show", "JM-0000", "--db", db_url)
    assert code == 2 and "没有案件编号为 JM-0000 的项目" in err


def test_default_database_is_admit_db_or_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    run("ledger", "add", str(SAMPLES_DIR / "industrial-approve.json"), *AS_OF)
    assert (tmp_path / "admit.db").exists()
    monkeypatch.setenv("ADMIT_DB", str(tmp_path / "other.db"))
    run("ledger", "add", str(SAMPLES_DIR / "industrial-approve.json"), *AS_OF)
    assert (tmp_path / "other.db").exists()
    assert os.environ["ADMIT_DB"].endswith("other.db")


def test_a_title_row_above_the_ledger_header_is_skipped(db_url: str, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    add_samples(db_url)  # 2: the samples include invalid ones on purpose
    path = book(tmp_path / "台账.xlsx", {"会议审议": [
        {"会议编号": 1, "会议日期": date(2026, 11, 28), "案件编号": "JM-2026-0101", "审议结果": "通过"}]})  # fmt: skip
    workbook = load_workbook(path)
    sheet = workbook["会议审议"]
    sheet.insert_rows(1)
    sheet["A1"] = "2026年联席会议审议结果汇总表"
    workbook.save(path)
    code, out, err = run("ledger", "import", str(path), "--db", db_url)
    assert code == 0, out + err + repr(path)
    assert "会议审议 变更 1 行" in out and "拒绝 0 行" in out
