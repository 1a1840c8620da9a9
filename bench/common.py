"""Shared bits of the benchmarks: timing, memory, and printing against targets."""

from __future__ import annotations

import copy
import json
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Commands are measured as an installed program runs: with its bytecode compiled once and reused.
# These machines set PYTHONDONTWRITEBYTECODE=1, which makes every run recompile every module it
# imports (about 0.15 s of the 0.4 s `admit ledger show` took); an installed admit never does that.
ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}


def compile_once() -> None:
    """Write the bytecode of the package and its dependencies, as ``pip install`` does."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "admission"), *sys.path[1:]], env=ENV, check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip


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
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, cwd=ROOT, env=ENV)
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


def tree_rss_mb(pid: int, proportional: bool = False) -> float:
    """RSS of a process and all its descendants, from /proc; with ``proportional``, their PSS
    instead: a page shared by a forked child and its parent (libraries, fonts, the parent's heap
    before the fork) is counted once, halved between them, not once in each."""
    source, field = ("smaps_rollup", "Pss:") if proportional else ("status", "VmRSS:")
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            for line in Path(f"/proc/{current}/{source}").read_text().splitlines():
                if line.startswith(field):
                    total += int(line.split()[1])
            for task in Path(f"/proc/{current}/task").iterdir():
                stack += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total / 1024


def run_measured(
    command: list[str], cwd: Path = ROOT, env: dict[str, str] | None = None, proportional: bool = False
) -> tuple[float, float, int]:
    """Wall seconds, peak tree RSS in MB (PSS with ``proportional``), exit code (``python -m
    admission`` run in ``cwd`` imports the ``admission`` found there: another revision's, for a
    baseline); ``env`` is added to the environment."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd, env={**ENV, **(env or {})})
    peak = 0.0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss_mb(process.pid, proportional))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    code = process.wait()
    elapsed = time.perf_counter() - start
    done.set()
    sampler.join()
    return elapsed, peak, code


def checkout(ref: str, into: Path) -> Path:
    """The project's files at git revision ``ref``, unpacked into ``into`` (for a baseline run of
    the same benchmark in the same session)."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref], capture_output=True, check=True).stdout
    into.mkdir(parents=True, exist_ok=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def build_ledger(base: Path, count: int, write_book: Callable[[Path, int], None]) -> str:
    """A SQLite ledger of ``count`` applications (the samples, varied) and a 台账 workbook, through
    the public commands; its path."""
    folder = base / "intake"
    folder.mkdir()
    write_folder(folder, applications(count))
    db = str(base / "admit.db")
    book = base / "台账.xlsx"
    write_book(book, count)
    admit = [sys.executable, "-m", "admission"]
    for command in (["ledger", "add", str(folder), "--as-of", "2026-11-21"], ["ledger", "import", str(book)]):
        _, _, code = run_measured([*admit, *command, "--db", db])
        assert code == 0, f"{command} exited {code}"
    return db
