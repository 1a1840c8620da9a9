"""Benchmark of `admit report annual`: a ledger of 5,000 projects over three years, whole process.

    python bench/reports.py [--count N]

Targets of the reports issue: `--json` under 3 s and `--pdf` under 15 s on this 2-core machine,
beside a baseline in the same run (`admit ledger list --json` over the same ledger).
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

    from admission.ledger.book import MEETING_COLUMNS, PROJECT_COLUMNS

    workbook = Workbook(write_only=True)
    projects = workbook.create_sheet("项目台账")
    projects.append([c.header for c in PROJECT_COLUMNS])
    resolved = workbook.create_sheet("会议审议")
    resolved.append([c.header for c in MEETING_COLUMNS])
    for index in range(count):
        case_id = f"BENCH-{index:06d}"
        year = 2022 + index % 3
        meeting = 1 + (index // 3) % 30
        held = date(year, 1, 10) + timedelta(days=11 * (meeting - 1))
        row = {"案件编号": case_id, "签约日期": held + timedelta(days=5)}
        if index % 2:
            row["挂网日期"] = held + timedelta(days=20)
        if index % 4 == 1:
            row["供地日期"] = held + timedelta(days=40)
            row["开工日期"] = held + timedelta(days=80)
        projects.append([row.get(c.header) for c in PROJECT_COLUMNS])
        resolved.append([meeting, held, case_id, "通过" if index % 10 else "暂缓", None])
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
        runs = [run_measured([*ADMIT, "report", "annual", "--year", "2023", "--json", "--db", db]) for _ in range(3)]
        assert all(code == 0 for _, _, code in runs)
        elapsed = median([t for t, _, _ in runs])
        report.line("report annual --json (median of 3)", elapsed, "s", "< 3 s", elapsed < 3)
        report.line("report annual --json: peak RSS", max(p for _, p, _ in runs), "MB", "< 400 MB", max(p for _, p, _ in runs) < 400)
        elapsed, peak, code = run_measured([*ADMIT, "report", "annual", "--year", "2023", "--pdf", str(base / "r.pdf"), "--db", db])
        assert code == 0
        report.line("report annual --pdf", elapsed, "s", "< 15 s", elapsed < 15)
        report.line("report annual --pdf: peak RSS", peak, "MB", "< 400 MB", peak < 400)
    report.finish()


if __name__ == "__main__":
    main()
