"""The ledger's two times (ledger contract, version 2): a report recomputed ``--as-recorded R``
is the report issued at R, whatever was recorded since; every read goes through one state."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from openpyxl import Workbook

from admission.cli import main
from admission.dates import beijing_time, recorded_bound

from .conftest import ROOT, SAMPLES_DIR
from .helpers import sample, write_json

AS_OF = ["--as-of", "2026-11-21"]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def _report(db: str, *extra: str) -> dict[str, object]:
    code, out, err = run("report", "annual", "--year", "2026", "--db", db, "--json", *extra)
    assert code == 0, err
    figures: dict[str, object] = json.loads(out)
    return figures


def _pdf(db: str, target: Path, *extra: str) -> bytes:
    command = [sys.executable, "-m", "admission", "report", "annual", "--year", "2026", "--db", db, "--pdf", str(target), *extra]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return target.read_bytes()


def _a_year(db: str, tmp_path: Path) -> None:
    for name in ("industrial-approve.json", "industrial-reject.json", "logistics-approve.json"):
        assert run("ledger", "add", str(SAMPLES_DIR / name), "--db", db, *AS_OF)[0] == 0
    for case_id, result in (("JM-2026-0101", "通过"), ("JM-2026-0103", "不予通过")):
        code, _, err = run("ledger", "resolve", case_id, result, "--meeting-no", "3", "--meeting-date", "2026-11-10", "--db", db)
        assert code == 0, err


def test_a_report_recomputed_as_recorded_is_the_report_issued_then(db_url: str, tmp_path: Path) -> None:
    _a_year(db_url, tmp_path)
    issued = _report(db_url)
    issued_pdf = _pdf(db_url, tmp_path / "issued.pdf")
    time.sleep(0.01)
    recorded = datetime.now(UTC).isoformat()
    time.sleep(0.01)
    # Afterwards: a new project passes, a milestone and a yearly figure are recorded, the monthly
    # meeting's other project is resolved, the first project is revised.
    logistics = sample("logistics-approve.json")
    assert run("ledger", "resolve", logistics["id"], "通过", "--meeting-no", "4", "--meeting-date", "2026-11-20", "--db", db_url)[0] == 0
    revised = sample("industrial-approve.json")
    revised["investment"]["total_wan"] = revised["investment"]["total_wan"] * 2
    assert run("ledger", "add", str(write_json(tmp_path / "r.json", revised)), "--db", db_url, *AS_OF)[0] == 0
    book = tmp_path / "台账.xlsx"
    assert run("ledger", "export", str(book), "--db", db_url)[0] == 0
    now = _report(db_url)
    assert now != issued  # the ledger moved on
    assert _report(db_url, "--as-recorded", recorded) == issued
    assert _pdf(db_url, tmp_path / "again.pdf", "--as-recorded", recorded) == issued_pdf


def test_the_monitor_and_the_monthly_report_take_the_recorded_time_too(db_url: str, tmp_path: Path) -> None:
    _a_year(db_url, tmp_path)
    before = run("report", "monthly", "--month", "2026-11", "--db", db_url, "--json")[1]
    monitor_before = run("monitor", "--db", db_url, "--as-of", "2026-11-21", "--json")[1]
    time.sleep(0.01)
    recorded = datetime.now(UTC).isoformat()
    # A correction replaces the resolution in force: the meeting still reviewed two projects.
    code, _, err = run("ledger", "correct", "JM-2026-0101", "--meeting-no", "3", "--meeting-date", "2026-11-10",
                       "--result", "有条件通过", "--conditions", "按期投产", "--reason", "会议纪要更正", "--db", db_url)  # fmt: skip
    assert code == 0, err
    after = json.loads(run("report", "monthly", "--month", "2026-11", "--db", db_url, "--json")[1])
    assert [len(m["resolutions"]) for m in after["meetings"]] == [2]
    assert [r["result"] for r in after["meetings"][0]["resolutions"] if r["project"] == "JM-2026-0101"] == ["有条件通过"]
    assert run("report", "monthly", "--month", "2026-11", "--db", db_url, "--json", "--as-recorded", recorded)[1] == before
    again = run("monitor", "--db", db_url, "--as-of", "2026-11-21", "--json", "--as-recorded", recorded)[1]
    assert json.loads(again)["findings"] == json.loads(monitor_before)["findings"]


def test_recorded_times_are_read_and_shown_in_beijing_time() -> None:
    assert recorded_bound("2026-12-02") == "2026-12-02T15:59:59.999999+00:00"  # the end of that day in Beijing
    assert recorded_bound("2026-12-02T21:10") == "2026-12-02T13:10:00.000000+00:00"
    assert beijing_time("2026-12-02T13:10:00.000000+00:00") == "2026-12-02 21:10"
    code, _, err = run("report", "annual", "--year", "2026", "--as-recorded", "上周五")
    assert code == 2 and "--as-recorded" in err and "上周五" in err


# --- tamper evidence that covers the records ----------------------------------------------------------

TAMPERING = [
    ("a resolution", "UPDATE resolutions SET result = '不予通过' WHERE project_id = 'JM-2026-0101'"),
    ("a revision", "UPDATE revisions SET content = replace(content, '5000', '5001') WHERE project_id = 'JM-2026-0101'"),
    ("a decision", "UPDATE decisions SET verdict = 'approve' WHERE project_id = 'JM-2026-0103'"),
    ("a milestone", "UPDATE projects SET signed_on = '2026-01-01' WHERE id = 'JM-2026-0101'"),
    ("a yearly figure", "UPDATE yearly_results SET tax = '99999' WHERE project_id = 'JM-2026-0101'"),
    ("a user's role", "UPDATE users SET role = 'reviewer' WHERE name = '只读乙'"),
]


def _engine(db: str) -> sa.Engine:
    from admission.ledger.database import _url

    return sa.create_engine(_url(db))


def _tamper_ready(db: str, tmp_path: Path) -> None:
    _a_year(db, tmp_path)
    book = tmp_path / "履约.xlsx"
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "项目台账"
    sheet.append(["案件编号", "签约日期"])
    sheet.append(["JM-2026-0101", date(2026, 4, 1)])
    results = workbook.create_sheet("履约数据")
    results.append(["案件编号", "年度", "实际税收（万元）"])
    results.append(["JM-2026-0101", 2026, 1200])
    workbook.save(book)
    code, out, err = run("ledger", "import", str(book), "--db", db)
    assert code == 0, out + err
    added = CliRunner().invoke(
        main, ["user", "add", "只读乙", "--role", "viewer", "--password-stdin", "--db", db], input="correct-horse-7\n"
    )
    assert added.exit_code == 0, added.stderr


@pytest.mark.parametrize("what, statement", TAMPERING, ids=[t[0] for t in TAMPERING])
def test_verify_finds_a_record_changed_without_an_event(what: str, statement: str, db_url: str, tmp_path: Path) -> None:
    _tamper_ready(db_url, tmp_path)
    code, out, _ = run("ledger", "verify", "--db", db_url)
    assert code == 0 and "台账记录与事件一致" in out, out
    engine = _engine(db_url)
    with engine.begin() as connection:
        assert connection.execute(sa.text(statement)).rowcount >= 1, what
    engine.dispose()
    code, out, _ = run("ledger", "verify", "--db", db_url)
    assert code == 1 and "不一致" in out, (what, out)


def test_deleted_last_events_are_found_with_the_kept_head(db_url: str, tmp_path: Path) -> None:
    _a_year(db_url, tmp_path)
    code, out, _ = run("ledger", "verify", "--db", db_url)
    head = out.split("链头：")[1].split("（")[0]
    assert code == 0 and run("ledger", "verify", "--db", db_url, "--expect-head", head)[0] == 0
    engine = _engine(db_url)
    with engine.begin() as connection:
        last = connection.execute(sa.text("SELECT max(seq) FROM events")).scalar_one()
        connection.execute(sa.text("DELETE FROM events WHERE seq = :seq"), {"seq": last})
    code, out, _ = run("ledger", "verify", "--db", db_url, "--expect-head", head)
    assert code == 1 and "链头不符" in out, out
    with engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM events"))
    engine.dispose()
    code, out, _ = run("ledger", "verify", "--db", db_url)  # no head kept: the records still say so
    assert code == 1 and "不一致" in out, out


# --- corrections, the agenda, late resolutions, transfers, terminations --------------------------------


def _resolve(db: str, case_id: str, result: str, number: str, day: str, *extra: str) -> tuple[int, str, str]:
    return run("ledger", "resolve", case_id, result, "--meeting-no", number, "--meeting-date", day, "--db", db, *extra)


def test_a_second_resolution_is_refused_and_a_correction_or_withdrawal_replaces_it(db_url: str, tmp_path: Path) -> None:
    _a_year(db_url, tmp_path)
    code, _, err = _resolve(db_url, "JM-2026-0101", "暂缓", "3", "2026-11-10")
    assert code == 2 and "已登记审议结果“通过”" in err and "admit ledger correct" in err, err
    assert _resolve(db_url, "JM-2026-0101", "通过", "3", "2026-11-10")[0] == 0  # the same again changes nothing
    base = ["--meeting-no", "3", "--meeting-date", "2026-11-10", "--db", db_url]
    assert run("ledger", "correct", "JM-2026-0101", *base, "--result", "暂缓")[0] == 2  # a reason is required
    assert run("ledger", "correct", "JM-2026-0101", *base, "--result", "暂缓", "--reason", "")[0] == 2
    assert run("ledger", "correct", "JM-2026-0101", *base, "--result", "暂缓", "--reason", "纪要更正")[0] == 0
    assert _report(db_url)["passed"] == 0
    assert run("ledger", "correct", "JM-2026-0103", *base, "--result", "撤销", "--reason", "误登记")[0] == 0
    monthly = json.loads(run("report", "monthly", "--month", "2026-11", "--db", db_url, "--json")[1])
    assert [(r["project"], r["result"]) for m in monthly["meetings"] for r in m["resolutions"]] == [("JM-2026-0101", "暂缓")]
    detail = json.loads(run("ledger", "show", "JM-2026-0101", "--db", db_url, "--json")[1])
    assert detail["stage"] == "暂缓" and [e["kind"] for e in detail["events"]][-1] == "resolution_corrected"
    assert run("ledger", "verify", "--db", db_url)[0] == 0


def test_with_an_agenda_only_its_projects_or_added_items_are_resolved(db_url: str, tmp_path: Path) -> None:
    for name in ("industrial-approve.json", "industrial-reject.json"):
        run("ledger", "add", str(SAMPLES_DIR / name), "--db", db_url, *AS_OF)
    assert run("ledger", "agenda", "JM-2026-0101", "--meeting-no", "5", "--meeting-date", "2026-11-15", "--db", db_url)[0] == 0
    code, _, err = _resolve(db_url, "JM-2026-0103", "不予通过", "5", "2026-11-15")
    assert code == 2 and "不在" in err and "--added-item" in err, err
    assert _resolve(db_url, "JM-2026-0103", "不予通过", "5", "2026-11-15", "--added-item")[0] == 0
    _, out, _ = run("ledger", "agenda", "--meeting-no", "5", "--meeting-date", "2026-11-15", "--db", db_url)
    assert out.index("JM-2026-0101") < out.index("JM-2026-0103")  # appended to the agenda
    code, _, err = run("ledger", "agenda", "JM-2026-0101", "--meeting-no", "1000", "--meeting-date", "2026-11-15", "--db", db_url)
    assert code == 2 and "1 至 999" in err


def test_a_late_resolution_binds_to_the_revision_in_force_at_its_meeting(db_url: str, tmp_path: Path) -> None:
    first = sample("industrial-approve.json")
    run("ledger", "add", str(write_json(tmp_path / "1.json", first)), "--db", db_url, *AS_OF)
    later = {**first, "submitted_on": "2026-11-25", "commitments": {**first["commitments"], "annual_tax_wan": 9000}}
    run("ledger", "add", str(write_json(tmp_path / "2.json", later)), "--db", db_url, *AS_OF)
    code, _, err = _resolve(db_url, first["id"], "通过", "1", "2026-11-20")  # recorded after revision 2, held before it
    assert code == 0, err
    detail = json.loads(run("ledger", "show", first["id"], "--db", db_url, "--json")[1])
    assert detail["resolutions"][0]["revision"] == 1
    code, _, err = _resolve(db_url, first["id"], "通过", "2", "2026-10-01")
    assert code == 2 and "最早的申请材料日期为 2026-11-02" in err, err


def test_a_transfer_moves_a_project_from_its_date_and_a_reupload_cannot(db_url: str, tmp_path: Path) -> None:
    _a_year(db_url, tmp_path)  # JM-2026-0101 (新会区) passed on 2026-11-10
    moved = sample("industrial-approve.json")
    moved["district"] = "江海区"
    code, out, _ = run("ledger", "add", str(write_json(tmp_path / "m.json", moved)), "--db", db_url, *AS_OF)
    assert code == 2 and "admit ledger transfer" in out, out
    args = ["ledger", "transfer", "JM-2026-0101", "--to", "江海区", "--on", "2026-11-25", "--approval", "江府办函〔2026〕12号"]
    code, out, err = run(*args, "--db", db_url)
    assert code == 0 and "新会区" in out, err

    def passed_in(as_of: str) -> dict[str, int]:
        districts: list[dict[str, Any]] = _report(db_url, "--as-of", as_of)["by_district"]  # type: ignore[assignment]
        return {d["district"]: d["passed"] for d in districts if d["passed"]}

    assert passed_in("2026-11-20") == {"新会区": 1}  # before the transfer: unchanged
    assert passed_in("2026-12-31") == {"江海区": 1}
    detail = json.loads(run("ledger", "show", "JM-2026-0101", "--db", db_url, "--json")[1])
    assert detail["transfers"][0]["to"] == "江海区" and detail["district"] == "江海区"
    assert run("ledger", "verify", "--db", db_url)[0] == 0


def test_a_terminated_project_shows_so_and_is_not_chased(db_url: str, tmp_path: Path) -> None:
    _a_year(db_url, tmp_path)
    code, _, err = run("ledger", "terminate", "JM-2026-0101", "--on", "2026-11-30", "--reason", "投资方书面撤回", "--db", db_url)
    assert code == 0, err
    assert run("ledger", "terminate", "JM-2026-0101", "--on", "2026-11-30", "--reason", "再次", "--db", db_url)[0] == 2
    listed = json.loads(run("ledger", "list", "--db", db_url, "--json")[1])["projects"]
    assert {p["id"]: p["stage"] for p in listed}["JM-2026-0101"] == "终止"
    checked = json.loads(run("monitor", "--db", db_url, "--as-of", "2026-12-01", "--json")[1])["summary"]["projects_checked"]
    assert checked == 0  # the only passed project ended on 2026-11-30
    assert run("ledger", "verify", "--db", db_url)[0] == 0


def test_refused_submissions_are_kept_and_shown(db_url: str, tmp_path: Path) -> None:
    broken = sample("industrial-approve.json")
    broken["land"] = {"area_mu": -5}
    code, _, _ = run("ledger", "add", str(write_json(tmp_path / "退回.json", broken)), "--db", db_url, *AS_OF)
    assert code == 2
    assert run("ledger", "add", str(SAMPLES_DIR / "industrial-approve.json"), "--db", db_url, *AS_OF)[0] == 0
    detail = json.loads(run("ledger", "show", "JM-2026-0101", "--db", db_url, "--json")[1])
    assert [Path(r["source"]).name for r in detail["refused_submissions"]] == ["退回.json"]
    assert "受理登记" in run("ledger", "show", "JM-2026-0101", "--db", db_url)[1]


def test_backup_is_a_consistent_copy(db_url: str, tmp_path: Path) -> None:
    _a_year(db_url, tmp_path)
    target = tmp_path / "备份.db"
    code, _, err = run("ledger", "backup", str(target), "--db", db_url)
    if db_url.startswith("postgresql"):
        assert code == 2 and "pg_dump" in err and not target.exists()
        return
    assert code == 0, err
    assert json.loads(run("ledger", "show", "JM-2026-0101", "--db", str(target), "--json")[1])["id"] == "JM-2026-0101"
    assert run("ledger", "verify", "--db", str(target))[0] == 0
    assert run("ledger", "backup", str(target), "--db", db_url)[0] == 73  # never overwritten


HOSTILE_ROWS = [
    ({"案件编号": "JM-2026-0901", "项目名称": "长" * 201}, "项目名称", "过长"),
    ({"案件编号": "X/../../etc/passwd", "项目名称": "某项目"}, "案件编号", "不是有效的案件编号"),
    ({"案件编号": "..", "项目名称": "某项目"}, "案件编号", "不能是 . 或 .."),
    ({"案件编号": "JM-2026-0902", "项目名称": "正常\u202e名称"}, "项目名称", "双向文字控制符"),
]


def test_ids_lengths_and_characters_are_checked_alike_on_both_engines(db_url: str, tmp_path: Path) -> None:
    from .test_ledger import book

    identity = {"所在区域": "新会区", "项目类型": "工业项目", "计划总投资（万元）": 10000}
    rows = [{**identity, **row} for row, _, _ in HOSTILE_ROWS]
    code, out, err = run("ledger", "import", str(book(tmp_path / "台账.xlsx", {"项目台账": rows})), "--db", db_url, "--json")
    assert code == 2, err  # named refusals, never exit 70
    refused = json.loads(out)["refused"]
    assert len(refused) == len(HOSTILE_ROWS)
    for (_, header, words), refusal in zip(HOSTILE_ROWS, refused, strict=True):
        assert any(p["column"] == header and words in p["message"] for p in refusal["problems"]), refusal


def test_import_of_the_export_changes_nothing_after_transfers_corrections_and_terminations(db_url: str, tmp_path: Path) -> None:
    _a_year(db_url, tmp_path)
    base = ["--db", db_url]
    run("ledger", "add", str(write_json(tmp_path / "bad.json", {"id": "JM-2026-0101"})), *base, *AS_OF)  # a refused submission
    assert run("ledger", "transfer", "JM-2026-0101", "--to", "江海区", "--on", "2026-11-25", "--approval", "批文1号", *base)[0] == 0
    assert run("ledger", "correct", "JM-2026-0103", "--meeting-no", "3", "--meeting-date", "2026-11-10", "--result", "暂缓",
               "--reason", "纪要更正", *base)[0] == 0  # fmt: skip
    assert run("ledger", "terminate", "JM-2026-0103", "--on", "2026-11-30", "--reason", "撤回", *base)[0] == 0
    exported = tmp_path / "台账.xlsx"
    assert run("ledger", "export", str(exported), *base)[0] == 0
    before = run("ledger", "verify", *base)[1]
    code, out, err = run("ledger", "import", str(exported), *base, "--json")
    assert code == 0, out + err
    outcome = json.loads(out)
    assert not any(outcome["changed"].values()) and outcome["refused"] == []
    assert "项目流转" in outcome["unchanged"]
    assert run("ledger", "verify", *base)[1] == before  # not one event more


def test_the_workbook_records_transfers_corrections_and_added_items(db_url: str, tmp_path: Path) -> None:
    from openpyxl import Workbook as NewWorkbook

    _a_year(db_url, tmp_path)
    path = tmp_path / "流转.xlsx"
    workbook = NewWorkbook()
    moves = workbook.active
    assert moves is not None
    moves.title = "项目流转"
    moves.append(["案件编号", "流转日期", "转入区域", "批准文号", "原因"])
    moves.append(["JM-2026-0101", date(2026, 11, 25), "江海区", "批文1号", "企业迁址"])
    fixes = workbook.create_sheet("更正")
    fixes.append(["案件编号", "更正对象", "会议编号", "会议日期", "年度", "更正后", "更正原因"])
    fixes.append(["JM-2026-0103", "审议结果", 3, date(2026, 11, 10), None, "撤销", "误登记"])
    fixes.append(["JM-2026-0101", "审议结果", 3, date(2026, 11, 10), None, "暂缓", None])  # no reason: refused
    workbook.save(path)
    code, out, _ = run("ledger", "import", str(path), "--db", db_url, "--json")
    outcome = json.loads(out)
    assert code == 2 and [(r["sheet"], r["row"]) for r in outcome["refused"]] == [("更正", 3)]
    assert json.loads(run("ledger", "show", "JM-2026-0101", "--db", db_url, "--json")[1])["district"] == "江海区"
    monthly = json.loads(run("report", "monthly", "--month", "2026-11", "--db", db_url, "--json")[1])
    assert [r["project"] for m in monthly["meetings"] for r in m["resolutions"]] == ["JM-2026-0101"]


def test_a_report_says_how_many_corrections_were_recorded_after_its_period(db_url: str, tmp_path: Path) -> None:
    _a_year(db_url, tmp_path)  # the November meeting; today is after November
    text = run("report", "monthly", "--month", "2026-11", "--db", db_url)[1]
    assert "期后更正" not in text
    issued = datetime.now(UTC).isoformat()
    assert run("ledger", "correct", "JM-2026-0103", "--meeting-no", "3", "--meeting-date", "2026-11-10", "--result", "暂缓",
               "--reason", "纪要更正", "--db", db_url)[0] == 0  # fmt: skip
    assert "本通报数据含期后更正 1 项" in run("report", "monthly", "--month", "2026-11", "--db", db_url)[1]
    again = run("report", "monthly", "--month", "2026-11", "--db", db_url, "--as-recorded", issued)[1]
    assert again == text  # as issued: before the correction


def test_identity_as_of_a_date_comes_from_the_revision_in_force_then(db_url: str, tmp_path: Path) -> None:
    from admission.ledger.database import open_ledger
    from admission.ledger.history import state

    first = sample("industrial-approve.json")
    run("ledger", "add", str(write_json(tmp_path / "1.json", first)), "--db", db_url, *AS_OF)
    renamed = {**first, "name": "新会精密结构件二期项目", "submitted_on": "2026-11-25"}
    run("ledger", "add", str(write_json(tmp_path / "2.json", renamed)), "--db", db_url, *AS_OF)
    with open_ledger(db_url, create=False) as ledger, ledger.reading() as connection:
        snapshot = state(connection)
        assert snapshot.projects_by_id(on=date(2026, 11, 20))[first["id"]].name == first["name"]
        assert snapshot.projects_by_id(on=date(2026, 11, 30))[first["id"]].name == renamed["name"]


def test_a_record_is_a_dict_whose_keys_are_attributes_even_items() -> None:
    """A snapshot row reads ``row.district``; a key named like a dict method (a 督办 round's
    "items") stays a key, and json, pickle and copy still see a dict."""
    import copy
    import pickle

    from admission.ledger.history import Record

    round_ = Record(id=7, items=[Record(position=1, label="开工")])
    assert round_.id == 7 and round_["items"][0].label == "开工" and getattr(round_, "absent", None) is None
    assert json.loads(json.dumps(round_)) == {"id": 7, "items": [{"position": 1, "label": "开工"}]}
    for again in (pickle.loads(pickle.dumps(round_)), copy.deepcopy(round_), copy.copy(round_)):
        assert again == round_ and again.id == 7 and again["items"][0].label == "开工"
        again["id"] = 8
        assert again.id == 8 and round_.id == 7  # still its own attributes, not a copy of them
