"""Shared bits of the benchmarks: timing, memory, and printing against targets."""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def rss_mb() -> float:
    """Current resident set size of this process, from /proc (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb_of_children() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def time_command(command: Sequence[str], runs: int) -> list[float]:
    """Wall-clock seconds of each run of a whole process (its output discarded)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, cwd=ROOT)
        times.append(time.perf_counter() - start)
    return times


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


class Report:
    """Prints each measurement beside its target; the exit code says whether all were met."""

    def __init__(self) -> None:
        self.failed: list[str] = []

    def line(self, name: str, value: float, unit: str, target: str = "", met: bool | None = None) -> None:
        verdict = "" if met is None else ("  ok" if met else "  MISSED")
        target_text = f"  (target {target})" if target else ""
        print(f"{name:<58} {value:>12.3f} {unit:<10}{target_text}{verdict}")
        if met is False:
            self.failed.append(name)

    def finish(self) -> None:
        if self.failed:
            print("targets missed: " + ", ".join(self.failed))
            sys.exit(1)
        print("all targets met")
