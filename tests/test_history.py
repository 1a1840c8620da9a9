"""The ledger's two times (ledger contract, version 2): a report recomputed ``--as-recorded R``
is the report issued at R, whatever was recorded since; every read goes through one state."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

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
        code, _, err = run("ledger", "resolve", case_id, result, "--meeting-no", "3", "--meeting-date", "2026-03-10", "--db", db)
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
    assert run("ledger", "resolve", logistics["id"], "通过", "--meeting-no", "4", "--meeting-date", "2026-04-10", "--db", db_url)[0] == 0
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
    before = run("report", "monthly", "--month", "2026-03", "--db", db_url, "--json")[1]
    monitor_before = run("monitor", "--db", db_url, "--as-of", "2026-11-21", "--json")[1]
    time.sleep(0.01)
    recorded = datetime.now(UTC).isoformat()
    # A second resolution for the same meeting replaces the first: the meeting still reviewed two.
    assert run("ledger", "resolve", "JM-2026-0101", "有条件通过", "--meeting-no", "3", "--meeting-date", "2026-03-10",
               "--conditions", "按期投产", "--db", db_url)[0] == 0  # fmt: skip
    after = json.loads(run("report", "monthly", "--month", "2026-03", "--db", db_url, "--json")[1])
    assert [len(m["resolutions"]) for m in after["meetings"]] == [2]
    assert run("report", "monthly", "--month", "2026-03", "--db", db_url, "--json", "--as-recorded", recorded)[1] == before
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
