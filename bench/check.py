"""Benchmark of `admit check` and the engine, with the plain-Python reference as baseline.

    python bench/check.py [--quick]

Prints: whole-process latency of `admit check --json` (beside a bare `python -c pass` start),
engine throughput on validated applications (beside the reference evaluator from the tests,
run on the same applications in the same process), and RSS growth over 200,000 evaluations.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from admission.contract.application import read_application_file
from admission.review.decision import decide
from admission.review.validation import PreparedApplication, prepare
from admission.rules.rulebook import default_rules_dir, load_rulebook
from bench.common import ROOT, Report, median, rss_mb, time_command
from tests import reference

AS_OF = date(2026, 11, 21)


def valid_samples() -> list[tuple[PreparedApplication, dict[str, object]]]:
    """Every valid sample, prepared for the engine and parsed for the reference."""
    rulebook = load_rulebook(default_rules_dir())
    found = []
    for path in sorted((ROOT / "samples").glob("*.json")):
        if path.name.startswith("invalid-"):
            continue
        prepared = prepare(read_application_file(path), rulebook, AS_OF)
        found.append((prepared, json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal, parse_int=Decimal)))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer runs, for a smoke test")
    args = parser.parse_args()
    runs, evaluations, memory_evaluations = (3, 5_000, 20_000) if args.quick else (15, 50_000, 200_000)
    report = Report()

    sample = str(ROOT / "samples" / "industrial-conditional.json")
    python_start = median(time_command([sys.executable, "-c", "pass"], runs))
    check = median(time_command([sys.executable, "-m", "admission", "check", "--json", "--as-of", "2026-11-21", sample], runs))
    report.line("baseline: python -c pass, median", python_start, "s")
    report.line("admit check --json, whole process, median", check, "s", "< 0.5 s", check < 0.5)

    samples = valid_samples()
    prepared = [p for p, _ in samples]
    raw = [r for _, r in samples]
    for item in prepared:  # compile every rule set once, outside the timing
        decide(item)

    start = time.perf_counter()
    for index in range(evaluations):
        decide(prepared[index % len(prepared)])
    engine_rate = evaluations / (time.perf_counter() - start)

    start = time.perf_counter()
    for index in range(evaluations):
        reference.evaluate(raw[index % len(raw)], AS_OF)
    reference_rate = evaluations / (time.perf_counter() - start)

    report.line("reference evaluator (plain Python), applications/s", reference_rate, "apps/s")
    report.line("engine (durable_rules, fenced), applications/s", engine_rate, "apps/s", ">= 5000", engine_rate >= 5000)
    report.line("engine / reference throughput ratio", engine_rate / reference_rate, "x")

    before = rss_mb()
    for index in range(memory_evaluations):
        decide(prepared[index % len(prepared)])
    growth = rss_mb() - before
    report.line(f"RSS growth over {memory_evaluations:,} evaluations", growth, "MB", "< 20 MB", growth < 20)
    report.line("RSS after", rss_mb(), "MB")
    report.finish()


if __name__ == "__main__":
    main()
