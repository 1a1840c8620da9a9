"""The ledger where people wait (speed issue), on SQLite and on a PostgreSQL server started here,
each measured beside the same command of a baseline revision (``--against``, default the code
before the issue's changes) in the same run, alternately, whole process:

- the 会议审议 import of ``--rows`` results (target: at most 0.45× the baseline, both engines);
- `ledger add` of one file on a ``--count``-project ledger against the same on an empty ledger
  (target: within 1.3×);
- `monitor --json` (target: under 3 s and 300 MB) and `report annual --json` (target: under
  1.5 s) on the ``--count``-project ledger.

    python bench/ledger_scale.py [--count 50000] [--rows 10000] [--against REF] [--sqlite-only]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from admission.ledger.database import open_ledger
from bench.common import ROOT, Report, applications, checkout, compile_once, median, run_measured, write_folder

ADMIT = [sys.executable, "-m", "admission"]
BEFORE_THE_ISSUE = "1b84dd3"  # main before the speed issue's ledger changes
AS_OF = ["--as-of", "2026-11-21"]


def meetings_book(path: Path, count: int) -> None:
    """A 会议审议 sheet resolving ``count`` projects over 15 meetings."""
    from openpyxl import Workbook

    from admission.ledger.book import MEETING_COLUMNS

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("会议审议")
    sheet.append([c.header for c in MEETING_COLUMNS])
    for index in range(count):
        held = date(2026, 11, 3) + timedelta(days=index % 15)
        sheet.append([1 + index % 15, held, f"BENCH-{index:06d}", "通过" if index % 9 else "暂缓", None])
    workbook.save(path)


def run(command: list[str], tree: Path) -> tuple[float, float]:
    elapsed, peak, code = run_measured([*ADMIT, *command], cwd=tree)
    assert code == 0, f"{command} exited {code} in {tree}"
    return elapsed, peak


class Engine:
    """A ledger engine: a named database copied from a built one for each run."""

    def __init__(self, name: str, folder: Path, server: str | None) -> None:
        self.name, self.folder, self.server = name, folder, server
        self.copies = 0

    def url(self, name: str) -> str:
        return f"{self.server}/{name}" if self.server else str(self.folder / f"{name}.db")

    def create(self, name: str) -> str:
        if self.server:
            self._sql(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def copy(self, source: str) -> str:
        self.copies += 1
        name = f"{source}_copy{self.copies}"
        if self.server:
            self._sql(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
        else:
            shutil.copyfile(self.folder / f"{source}.db", self.folder / f"{name}.db")
        os.sync()  # the copy written out now, not by the kernel during the run it is for (that cost 0.14 s)
        return self.url(name)

    def _sql(self, statement: str) -> None:
        import psycopg2

        connection = psycopg2.connect(f"{self.server}/postgres")
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute(statement)
        finally:
            connection.close()


@contextmanager
def engines(scratch: Path, sqlite_only: bool) -> Iterator[list[Engine]]:
    found = [Engine("SQLite", scratch, None)]
    if sqlite_only:
        yield found
        return
    from tests.databases import start_postgres

    with contextmanager(start_postgres)() as url:
        yield [*found, Engine("PostgreSQL", scratch, url)]


def paired(report: Report, label: str, measure: Callable[[Path], float], trees: dict[str, Path], runs: int) -> dict[str, float]:
    """Each tree's median over ``runs``, the trees taking turns so drift hits both alike."""
    times: dict[str, list[float]] = {name: [] for name in trees}
    for _ in range(runs):
        for name, tree in trees.items():
            times[name].append(measure(tree))
    found = {name: median(values) for name, values in times.items()}
    for name, value in found.items():
        report.line(f"{label} ({name}, median of {runs})", value, "s")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=50_000, help="projects of the large ledger")
    parser.add_argument("--rows", type=int, default=10_000, help="rows of the 会议审议 import")
    parser.add_argument("--against", default=BEFORE_THE_ISSUE, metavar="REF", help="the baseline revision")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    report = Report()
    compile_once()
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        trees = {"baseline": checkout(args.against, scratch / "baseline"), "now": ROOT}
        folder = scratch / "intake"
        folder.mkdir()
        write_folder(folder, applications(args.count))
        small = scratch / "intake-small"
        small.mkdir()
        for path in sorted(folder.iterdir())[: args.rows]:
            shutil.copy(path, small / path.name)
        book = scratch / "会议审议.xlsx"
        meetings_book(book, args.rows)
        one = scratch / "one"
        one.mkdir()
        (one / "one.json").write_text(json.dumps({**applications(1)[0], "id": "ONE-000001"}, ensure_ascii=False), encoding="utf-8")
        with engines(scratch, args.sqlite_only) as found:
            for engine in found:
                measure_engine(report, engine, trees, folder, small, book, one, args)
    report.finish()


def measure_engine(report: Report, engine: Engine, trees: dict[str, Path], folder: Path, small: Path, book: Path, one: Path,
                   args: argparse.Namespace) -> None:  # fmt: skip
    label = engine.name
    # The 会议审议 import, on copies of a ledger holding the applications it resolves.
    resolved = engine.create("resolved")
    run(["ledger", "add", str(small), "--db", resolved, *AS_OF], ROOT)
    def import_book(tree: Path) -> float:
        return run(["ledger", "import", str(book), "--db", engine.copy("resolved")], tree)[0]

    timed = paired(report, f"{label}: 会议审议 import of {args.rows:,} rows", import_book, trees, args.runs)
    ratio = timed["now"] / timed["baseline"]
    report.line(f"{label}: 会议审议 import, now ÷ baseline", ratio, "×", "≤ 0.45×", ratio <= 0.45)
    # `ledger add` of one file: on an empty ledger, then on the large one.
    large = engine.create("large")
    run(["ledger", "add", str(folder), "--db", large, *AS_OF], ROOT)
    run(["ledger", "import", str(book), "--db", large], ROOT)
    open_ledger(engine.create("empty"), create=True).close()  # the schema made, nothing recorded
    empty_add = median([run(["ledger", "add", str(one), "--db", engine.copy("empty"), *AS_OF], ROOT)[0] for _ in range(args.runs)])
    large_add = median([run(["ledger", "add", str(one), "--db", engine.copy("large"), *AS_OF], ROOT)[0] for _ in range(args.runs)])
    report.line(f"{label}: ledger add of one file, empty ledger (the baseline)", empty_add, "s")
    report.line(f"{label}: ledger add of one file, {args.count:,} projects", large_add, "s")
    report.line(f"{label}: ledger add of one file, large ÷ empty", large_add / empty_add, "×", "≤ 1.3×", large_add / empty_add <= 1.3)
    # The reads of the large ledger.
    for name, command, seconds, megabytes in (
        ("monitor --json", ["monitor", "--json", "--as-of", "2026-12-07"], 3.0, 300.0),
        ("report annual --json", ["report", "annual", "--year", "2026", "--json", "--as-of", "2026-12-07"], 1.5, None),
    ):
        measured = {tree_name: [run([*command, "--db", large], tree) for _ in range(args.runs)] for tree_name, tree in trees.items()}
        for tree_name, runs in measured.items():
            elapsed, peak = median([t for t, _ in runs]), max(p for _, p in runs)
            now = tree_name == "now"
            report.line(f"{label}: {name} on {args.count:,} projects ({tree_name})", elapsed, "s",
                        f"< {seconds} s" if now else "", elapsed < seconds if now else None)  # fmt: skip
            report.line(f"{label}: {name}: peak RSS ({tree_name})", peak, "MB", f"< {megabytes} MB" if now and megabytes else "",
                        peak < megabytes if now and megabytes else None)  # fmt: skip


if __name__ == "__main__":
    main()
