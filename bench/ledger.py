"""Benchmark of the ledger (项目台账), whole process, on SQLite (and PostgreSQL with --postgres URL).

    python bench/ledger.py [--count N] [--postgres postgresql://…]

Targets of the ledger issue, each beside a baseline in the same run:
- `admit ledger add` of 10,000 application files: under 20 s (baseline: `admit screen --jobs 1`
  of the same files, which makes the same decisions and records nothing);
- `admit ledger import` of a 10,000-row 项目台账: under 15 s;
- `admit ledger show` on the resulting ledger: under 0.35 s (the speed issue; baseline: `admit --version`);
- peak memory under 400 MB for each (the speed issue asks it of ``--count 50000`` too).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Report, applications, compile_once, median, run_measured, write_folder

ADMIT = [sys.executable, "-m", "admission"]


def write_book(path: Path, count: int) -> None:
    from openpyxl import Workbook

    from admission.ledger.book import PROJECT_COLUMNS

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("项目台账")
    headers = [c.header for c in PROJECT_COLUMNS]
    sheet.append(headers)
    for index in range(count):
        row = {"案件编号": f"BENCH-{index:06d}", "签约日期": date(2024, 1, 1) + timedelta(days=index % 500),
               "注册日期": date(2024, 6, 1) + timedelta(days=index % 300), "出让价款（万元）": 1000 + index % 777,
               "约定开工日期": date(2026, 1, 1), "约定竣工日期": date(2027, 6, 30)}  # fmt: skip
        sheet.append([row.get(h) for h in headers])
    workbook.save(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--postgres", default=None, help="an empty PostgreSQL database URL to measure as well")
    args = parser.parse_args()
    report = Report()
    compile_once()
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch)
        folder = base / "intake"
        folder.mkdir()
        write_folder(folder, applications(args.count))
        book = base / "台账.xlsx"
        write_book(book, args.count)
        as_of = ["--as-of", "2026-11-21"]
        elapsed, peak, _ = run_measured([*ADMIT, "screen", "--json", "--jobs", "1", *as_of, str(folder)])
        report.line(f"baseline: screen {args.count:,} files --jobs 1: wall time", elapsed, "s")
        targets = [("SQLite", str(base / "admit.db"))] + ([("PostgreSQL", args.postgres)] if args.postgres else [])
        for label, db in targets:
            elapsed, peak, code = run_measured([*ADMIT, "ledger", "add", str(folder), "--db", db, *as_of])
            assert code == 0, f"ledger add exited {code}"
            limit = 20 * args.count / 10_000  # the targets are for 10,000; a larger batch gets them pro rata
            report.line(f"{label}: ledger add {args.count:,} files: wall time", elapsed, "s", f"< {limit:g} s", elapsed < limit)
            report.line(f"{label}: ledger add: peak RSS", peak, "MB", "< 400 MB", peak < 400)
            elapsed, peak, code = run_measured([*ADMIT, "ledger", "import", str(book), "--db", db])
            assert code == 0, f"ledger import exited {code}"
            limit = 15 * args.count / 10_000
            report.line(f"{label}: ledger import {args.count:,} rows: wall time", elapsed, "s", f"< {limit:g} s", elapsed < limit)
            report.line(f"{label}: ledger import: peak RSS", peak, "MB", "< 400 MB", peak < 400)
            baseline = median([run_measured([*ADMIT, "--version"])[0] for _ in range(5)])
            report.line("baseline: admit --version: wall time (median of 5)", baseline, "s")
            runs = [run_measured([*ADMIT, "ledger", "show", f"BENCH-{args.count // 2:06d}", "--db", db]) for _ in range(5)]
            assert all(code == 0 for _, _, code in runs)
            shown = median([t for t, _, _ in runs])
            report.line(f"{label}: ledger show on {args.count:,} projects (median of 5)", shown, "s", "< 0.35 s", shown < 0.35)
            report.line(f"{label}: ledger show: peak RSS", max(p for _, p, _ in runs), "MB", "< 400 MB", max(p for _, p, _ in runs) < 400)
    report.finish()


if __name__ == "__main__":
    main()
