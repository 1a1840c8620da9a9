"""Benchmark of `admit monitor --json`: 5,000 passed projects with five years of results, whole process.

    python bench/monitor.py [--count N]

Target of the monitoring issue: under 3 s on this 2-core machine, beside a baseline in the same
run (`admit ledger list --json` over the same ledger, which reads every project once).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Report, build_ledger, median, run_measured

ADMIT = [sys.executable, "-m", "admission"]


def write_book(path: Path, count: int) -> None:
    from openpyxl import Workbook

    from admission.ledger.book import MEETING_COLUMNS, PROJECT_COLUMNS, RESULT_COLUMNS

    workbook = Workbook(write_only=True)
    sheets = {name: workbook.create_sheet(name) for name in ("项目台账", "会议审议", "履约数据")}
    columns = {"项目台账": PROJECT_COLUMNS, "会议审议": MEETING_COLUMNS, "履约数据": RESULT_COLUMNS}
    for name, sheet in sheets.items():
        sheet.append([c.header for c in columns[name]])
    for index in range(count):
        case_id = f"BENCH-{index:06d}"
        start = date(2021, 1, 1) + timedelta(days=index % 700)
        project = {"案件编号": case_id, "出让价款（万元）": 500 + index % 3000, "约定开工日期": start,
                   "约定竣工日期": start + timedelta(days=540), "约定达产日期": start + timedelta(days=900),
                   "约定交地日期": start - timedelta(days=60), "交地日期": start - timedelta(days=60 - index % 50)}  # fmt: skip
        if index % 3:
            project["开工日期"] = start + timedelta(days=index % 400)
        sheets["项目台账"].append([project.get(c.header) for c in PROJECT_COLUMNS])
        # Meetings after the applications' 受理日期 (a resolution binds to the revision in force then).
        sheets["会议审议"].append([1 + index % 10, date(2026, 11, 10) + timedelta(days=index % 10), case_id, "通过", None])
        for year in range(2021, 2026):
            sheets["履约数据"].append([case_id, year, 100 + (index * year) % 5000, None, 10000 + index % 90000])
    workbook.save(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=5_000)
    args = parser.parse_args()
    report = Report()
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch)
        db = build_ledger(base, args.count, write_book)
        baseline = median([run_measured([*ADMIT, "ledger", "list", "--json", "--db", db])[0] for _ in range(3)])
        report.line(f"baseline: ledger list --json over {args.count:,} projects (median of 3)", baseline, "s")
        runs = [run_measured([*ADMIT, "monitor", "--json", "--as-of", "2026-11-21", "--db", db]) for _ in range(3)]
        assert all(code == 0 for _, _, code in runs)
        elapsed = median([t for t, _, _ in runs])
        report.line(f"monitor --json, {args.count:,} projects × 5 years (median of 3)", elapsed, "s", "< 3 s", elapsed < 3)
        peak = max(p for _, p, _ in runs)
        report.line("monitor --json: peak RSS", peak, "MB", "< 400 MB", peak < 400)
    report.finish()


if __name__ == "__main__":
    main()
