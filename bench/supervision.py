"""Benchmark of supervision: `report targets`, `report assessment` and `supervise list` over a large
ledger (50,000 projects by default), whole process, against `ledger list --json` in the same run.

    python bench/supervision.py [--count N]

Target of the supervision issue: each under 3 s on this 2-core machine.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Report, build_ledger, median, run_measured

ADMIT = [sys.executable, "-m", "admission"]
DISTRICTS = ["江门高新区", "蓬江区", "江海区", "新会区", "鹤山市", "台山市", "开平市", "恩平市"]
INDICATORS = ["评审项目数", "过会项目数", "引进超亿元项目数", "投资10亿元以上项目数", "挂网率"]


def fifteen_meetings(index: int) -> tuple[int, date]:
    """Application ``index`` resolved at one of 15 meetings in November 2026: (number, day)."""
    return 1 + index % 15, date(2026, 11, 3) + timedelta(days=index % 15)


def write_book(path: Path, count: int, meeting: Callable[[int], tuple[int, date]] = fifteen_meetings) -> None:
    """项目台账 and 会议审议 for ``count`` applications (``meeting`` says where each was resolved),
    progress notes for one in ten of 2026, and the 2026 targets of the city and each district."""
    from openpyxl import Workbook

    from admission.ledger.book import MEETING_COLUMNS, NOTE_COLUMNS, PROJECT_COLUMNS, TARGET_COLUMNS

    workbook = Workbook(write_only=True)
    sheets = {name: workbook.create_sheet(name) for name in ("项目台账", "会议审议", "目标任务", "进展情况")}
    columns = {"项目台账": PROJECT_COLUMNS, "会议审议": MEETING_COLUMNS, "目标任务": TARGET_COLUMNS, "进展情况": NOTE_COLUMNS}
    for name, sheet in sheets.items():
        sheet.append([c.header for c in columns[name]])
    for index in range(count):
        case_id = f"BENCH-{index:06d}"
        number, held = meeting(index)
        project: dict[str, object] = {"案件编号": case_id}
        if index % 4:
            project["签约日期"] = held + timedelta(days=2)
        if index % 3 == 0:
            project["挂网日期"] = held + timedelta(days=3)
        sheets["项目台账"].append([project.get(c.header) for c in PROJECT_COLUMNS])
        sheets["会议审议"].append([number, held, case_id, "通过" if index % 9 else "暂缓", None])
        if index % 10 == 0 and held.year == 2026:
            sheets["进展情况"].append([case_id, date(2026, 11, 28), "正在办理用地手续", "指标待落实", None, "区投资促进局", None])
    for region in ["全市", *DISTRICTS]:
        for position, indicator in enumerate(INDICATORS):
            value = "60%" if indicator.endswith("率") else 1000 + position
            sheets["目标任务"].append([2026, region, indicator, value, "≥", 20, None, None])
    workbook.save(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=50_000)
    parser.add_argument("--workdir", type=Path, default=None, help="build the ledger here once and reuse it on later runs")
    args = parser.parse_args()
    report = Report()
    with tempfile.TemporaryDirectory() as scratch:
        base = args.workdir or Path(scratch)
        base.mkdir(parents=True, exist_ok=True)
        db = str(base / "admit.db") if (base / "admit.db").exists() else build_ledger(base, args.count, write_book)
        baseline = median([run_measured([*ADMIT, "ledger", "list", "--json", "--db", db])[0] for _ in range(3)])
        report.line(f"baseline: ledger list --json over {args.count:,} projects (median of 3)", baseline, "s")
        as_of = ["--as-of", "2026-12-07"]
        commands = {
            "report targets --json": ["report", "targets", "--year", "2026", "--json", *as_of],
            "report assessment --json": ["report", "assessment", "--year", "2026", "--json", *as_of],
            "supervise list --json": ["supervise", "list", "--json", *as_of],
        }
        for name, command in commands.items():
            runs = [run_measured([*ADMIT, *command, "--db", db]) for _ in range(3)]
            assert all(code == 0 for _, _, code in runs), name
            elapsed = median([t for t, _, _ in runs])
            report.line(f"{name} (median of 3)", elapsed, "s", "< 3 s", elapsed < 3)
            peak = max(p for _, p, _ in runs)
            report.line(f"{name}: peak RSS", peak, "MB")
    report.finish()


if __name__ == "__main__":
    main()
