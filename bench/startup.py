"""Start-up: how long each kind of command takes as a whole process, against the interpreter's own
start-up (``python -c pass`` of the same virtualenv) in the same run, and what each imports.

The CLI loads its sub-commands lazily: ``admit ledger show`` must not pay for pydantic, the rule
engine or WeasyPrint, and ``admit check --json`` not for SQLAlchemy or WeasyPrint.

    .venv/bin/python bench/startup.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ENV, ROOT, Report, compile_once, median, time_command

ADMIT = [sys.executable, "-m", "admission"]
SAMPLE = str(ROOT / "samples" / "industrial-approve.json")
HEAVY = ("pydantic", "durable", "weasyprint", "docx", "matplotlib", "sqlalchemy", "openpyxl", "fastapi")


def loaded(args: list[str]) -> list[str]:
    """The heavy libraries a command imports."""
    probe = (
        "import sys\nfrom admission.cli import main\n"
        f"try:\n    main({args!r})\nexcept SystemExit:\n    pass\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, env=ENV, check=False).stdout
    last = out.strip().splitlines()[-1] if out.strip() else "[]"
    return [name.strip(" '") for name in last.strip("[]").split(",") if name.strip()]


def main() -> None:
    report = Report()
    compile_once()
    runs = 7
    with tempfile.TemporaryDirectory() as scratch:
        db = str(Path(scratch) / "admit.db")
        subprocess.run([*ADMIT, "ledger", "add", str(ROOT / "samples"), "--db", db, "--as-of", "2026-11-21"], env=ENV, cwd=ROOT,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)  # fmt: skip
        python = median(time_command([sys.executable, "-c", "pass"], runs))
        report.line(f"baseline: python -c pass (median of {runs})", python, "s")
        # What the fixed stack costs before any line of ours: click and pydantic's BaseModel
        # imported, nothing else. check --json cannot start faster than this.
        floor = median(time_command([sys.executable, "-c", "import click; from pydantic import BaseModel"], runs))
        report.line("floor: import click and pydantic's BaseModel: × python -c pass", floor / python, "×")
        # And under ledger show: SQLAlchemy's own import (every module of sqlalchemy/__init__).
        floor = median(time_command([sys.executable, "-c", "import click, sqlalchemy"], runs))
        report.line("floor: import click and sqlalchemy", floor, "s")
        commands = {
            "admit --version": ["--version"],
            "admit ledger show": ["ledger", "show", "JM-2026-0101", "--db", db],
            "admit check --json": ["check", "--json", "--as-of", "2026-11-21", SAMPLE],
            "admit report annual --json": ["report", "annual", "--year", "2026", "--json", "--db", db],
        }
        for label, args in commands.items():
            elapsed = median(time_command([*ADMIT, *args], runs))
            limit = {"admit ledger show": 0.35}.get(label)  # the speed issue's targets
            ratio = {"admit check --json": 12.0}.get(label)
            report.line(f"{label} (median of {runs})", elapsed, "s", f"< {limit} s" if limit else "", elapsed < limit if limit else None)
            judged = elapsed / python <= ratio if ratio else None
            report.line(f"{label}: × python -c pass", elapsed / python, "×", f"≤ {ratio:g}×" if ratio else "", judged)
            print(f"    imports: {', '.join(loaded(args)) or '—'}")
    report.finish()


if __name__ == "__main__":
    main()
