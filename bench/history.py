"""Benchmark of the ledger's two times: reports, the monitor and verify on a ledger of 10,000
projects and about 100,000 events, plain and ``--as-recorded``, whole process, against
``admit ledger list --json`` of the same ledger in the same run.

    python bench/history.py [--count N] [--postgres postgresql://…]

Targets (ledger issue): `report annual --json` and `monitor --json` under 3 s; `--as-recorded`
under 2× the plain run; `ledger verify` under 10 s.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ENV, ROOT, Report, applications, compile_once, median, run_measured, write_folder

ADMIT = [sys.executable, "-m", "admission"]
YEARS = (2021, 2022, 2023, 2024, 2025)


def write_book(path: Path, count: int, tax_shift: int, meetings: bool) -> None:
    """A 台账 workbook: milestones and land contracts, resolutions (when ``meetings``), five years of results."""
    from openpyxl import Workbook

    from admission.ledger.book import MEETING_COLUMNS, PROJECT_COLUMNS, RESULT_COLUMNS

    workbook = Workbook(write_only=True)
    projects = workbook.create_sheet("项目台账")
    projects.append([c.header for c in PROJECT_COLUMNS])
    if meetings:
        for index in range(count):
            row = {"案件编号": f"BENCH-{index:06d}", "签约日期": date(2026, 11, 21), "出让价款（万元）": 1000 + index % 777,
                   "约定开工日期": date(2026, 1, 1), "约定竣工日期": date(2027, 6, 30)}  # fmt: skip
            projects.append([row.get(c.header) for c in PROJECT_COLUMNS])
        resolved = workbook.create_sheet("会议审议")
        resolved.append([c.header for c in MEETING_COLUMNS])
        for index in range(count):
            held = date(2026, 11, 10) + timedelta(days=index % 10)
            row = {"会议编号": 1 + index % 10, "会议日期": held, "案件编号": f"BENCH-{index:06d}", "审议结果": "通过"}
            resolved.append([row.get(c.header) for c in MEETING_COLUMNS])
    results = workbook.create_sheet("履约数据")
    results.append([c.header for c in RESULT_COLUMNS])
    for index in range(count):
        for year in YEARS:
            row = {"案件编号": f"BENCH-{index:06d}", "年度": year, "实际税收（万元）": 100 + index % 50 + tax_shift}
            results.append([row.get(c.header) for c in RESULT_COLUMNS])
    workbook.save(path)


def events_of(db: str) -> int:
    out = subprocess.run([*ADMIT, "ledger", "verify", "--db", db], capture_output=True, text=True, cwd=ROOT, env=ENV, check=False).stdout
    return int(out.split("共 ")[1].split(" 条")[0]) if "共 " in out else -1


def measure(report: Report, label: str, db: str, count: int, recorded: str) -> None:
    runs = 3
    baseline = median([run_measured([*ADMIT, "ledger", "list", "--json", "--db", db])[0] for _ in range(runs)])
    report.line(f"{label}: baseline ledger list --json ({count:,} projects)", baseline, "s")
    for name, args in (
        ("report annual --json", ["report", "annual", "--year", "2026", "--json"]),
        ("monitor --json", ["monitor", "--as-of", "2026-11-30", "--json"]),
    ):
        plain = median([run_measured([*ADMIT, *args, "--db", db])[0] for _ in range(runs)])
        report.line(f"{label}: {name}", plain, "s", "< 3 s", plain < 3)
        again = median([run_measured([*ADMIT, *args, "--db", db, "--as-recorded", recorded])[0] for _ in range(runs)])
        report.line(f"{label}: {name} --as-recorded (before half the events)", again, "s", "< 2× plain", again < 2 * plain)
        report.line(f"{label}: {name}: × ledger list --json", plain / baseline, "×")
    elapsed, peak, code = run_measured([*ADMIT, "ledger", "verify", "--db", db])
    report.line(f"{label}: ledger verify ({events_of(db):,} events)", elapsed, "s", "< 10 s", elapsed < 10 and code == 0)
    report.line(f"{label}: ledger verify: peak RSS", peak, "MB")


def build(db: str, base: Path, count: int) -> str:
    """The ledger, and the instant halfway through its history (for --as-recorded)."""
    folder = base / "intake"
    folder.mkdir(exist_ok=True)
    write_folder(folder, applications(count))
    first, second = base / "台账-1.xlsx", base / "台账-2.xlsx"
    write_book(first, count, 0, meetings=True)
    write_book(second, count, 7, meetings=False)
    for command in (["ledger", "add", str(folder), "--as-of", "2026-11-21"], ["ledger", "import", str(first)]):
        done = subprocess.run([*ADMIT, *command, "--db", db], cwd=ROOT, env=ENV, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    time.sleep(0.01)
    recorded = datetime.now(UTC).isoformat()
    done = subprocess.run([*ADMIT, "ledger", "import", str(second), "--db", db], cwd=ROOT, env=ENV, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-2000:]
    return recorded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--postgres", default=None, help="an empty PostgreSQL database URL to measure as well")
    args = parser.parse_args()
    report = Report()
    compile_once()
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch)
        targets = [("SQLite", str(base / "admit.db"))] + ([("PostgreSQL", args.postgres)] if args.postgres else [])
        for label, db in targets:
            started = time.perf_counter()
            recorded = build(db, base, args.count)
            print(f"{label}: built in {time.perf_counter() - started:.0f} s")
            measure(report, label, db, args.count, recorded)
    report.finish()


if __name__ == "__main__":
    main()
