"""Benchmark of `admit screen`: 10,000 JSON files and a 10,000-row workbook, whole process.

    python bench/screen.py [--count N]

Prints wall time and peak memory (the whole process tree's RSS, sampled every 20 ms) for one
process (--jobs 1) beside all cores (--jobs N), against the targets of the screening issue.
"""

from __future__ import annotations

import argparse
import copy
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from admission.intake import COLUMNS, TYPE_LABELS
from admission.screen import default_jobs
from bench.common import ROOT, Report


def applications(count: int) -> list[dict[str, object]]:
    """``count`` valid applications: the samples, with unique ids and varied tax."""
    samples = [
        json.loads(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "samples").glob("*.json")) if not p.name.startswith("invalid-")
    ]
    made = []
    for index in range(count):
        app = copy.deepcopy(samples[index % len(samples)])
        app["id"] = f"BENCH-{index:06d}"
        app["commitments"]["annual_tax_wan"] = app["commitments"]["annual_tax_wan"] + index % 97
        made.append(app)
    return made


def write_folder(folder: Path, apps: list[dict[str, object]]) -> None:
    for index, app in enumerate(apps):
        (folder / f"{index:06d}.json").write_text(json.dumps(app, ensure_ascii=False), encoding="utf-8")


def write_workbook(path: Path, apps: list[dict[str, object]]) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append([c.header for c in COLUMNS])
    for app in apps:
        row = []
        for column in COLUMNS:
            value: object = app
            for part in column.path.split("."):
                value = value.get(part) if isinstance(value, dict) else None
            row.append(TYPE_LABELS.get(str(value), value) if column.path == "type" else value)
        sheet.append(row)
    workbook.save(path)


def tree_rss_mb(pid: int) -> float:
    """RSS of a process and all its descendants, from /proc."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            for task in Path(f"/proc/{current}/task").iterdir():
                stack += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total / 1024


def run_measured(command: list[str]) -> tuple[float, float, int]:
    """Wall seconds, peak tree RSS in MB, exit code."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    peak = 0.0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss_mb(process.pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    code = process.wait()
    elapsed = time.perf_counter() - start
    done.set()
    sampler.join()
    return elapsed, peak, code


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
