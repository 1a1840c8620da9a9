"""Benchmark of `admit screen`: 10,000 JSON files and a 10,000-row workbook, whole process.

    python bench/screen.py [--count N]

Prints wall time and peak memory (the whole process tree's RSS, sampled every 20 ms) for one
process (--jobs 1) beside all cores (--jobs N), against the targets of the screening issue.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from admission.intake.batch import default_jobs
from admission.intake.workbook import COLUMNS, application_to_row
from bench.common import Report, applications, run_measured, write_folder


def write_workbook(path: Path, apps: list[dict[str, object]]) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append([c.header for c in COLUMNS])
    for app in apps:
        sheet.append(application_to_row(app))
    workbook.save(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=10_000)
    args = parser.parse_args()
    report = Report()
    cores = default_jobs()
    apps = applications(args.count)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "intake"
        folder.mkdir()
        write_folder(folder, apps)
        workbook = Path(scratch) / "intake.xlsx"
        write_workbook(workbook, apps)
        admit = [sys.executable, "-m", "admission", "screen", "--json", "--as-of", "2026-11-21"]
        for label, target, limit in (("JSON files", folder, 5.0), ("workbook rows", workbook, 15.0)):
            for jobs in (1, cores):
                elapsed, peak, code = run_measured([*admit, "--jobs", str(jobs), str(target)])
                assert code == 0, f"screen exited {code}"
                name = f"{args.count:,} {label}, --jobs {jobs}"
                judged = jobs == cores
                report.line(f"{name}: wall time", elapsed, "s", f"< {limit:g} s" if judged else "", elapsed < limit if judged else None)
                report.line(f"{name}: peak RSS (process tree)", peak, "MB", "< 400 MB" if judged else "", peak < 400 if judged else None)
    report.finish()


if __name__ == "__main__":
    main()
