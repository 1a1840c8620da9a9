"""Regression measurements for the hostile inputs of the hardening issue, whole process.

    python bench/hardening.py [--rows N]

Each hostile input is timed beside a baseline in the same run (`admit check --json` on a normal
sample, and `--csv` of the same screening for the workbook writer), with its peak memory:

- writing a 10,000-row `--xlsx` (was quadratic: 55 s for 10k rows; target under 10 s);
- a workbook with one styled blank cell at XFD1048576 (was about half an hour);
- `"area_mu": 1e-1000000` and `"floor_area_m2": 1e999999999` (minutes, and 43 s / 8.8 GB);
- `admit check /dev/zero` (was 17 GB);
- a 1 MB file of unknown keys and a 60 MB one (5,000,000 keys took 332 s and 12.5 GB);
- a decompression-bomb workbook for `screen` and `ledger import` (1 MB read as 2.1 GB).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, Report, applications, run_measured, write_folder
from bench.screen import write_workbook

ADMIT = [sys.executable, "-m", "admission"]
AS_OF = ["--as-of", "2026-11-21"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    report = Report()
    sample = json.loads((ROOT / "samples" / "industrial-approve.json").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch)

        def measure(name: str, command: list[str], expected: set[int], limit: float | None = None) -> None:
            elapsed, peak, code = run_measured(command)
            assert code in expected, f"{name}: exit code {code}"
            report.line(f"{name}: wall time", elapsed, "s", f"< {limit:g} s" if limit else "", elapsed < limit if limit else None)
            report.line(f"{name}: peak RSS", peak, "MB", "< 400 MB", peak < 400)

        normal = base / "normal.json"
        normal.write_text(json.dumps(sample, ensure_ascii=False), encoding="utf-8")
        measure("baseline: check --json, a normal application", [*ADMIT, "check", "--json", *AS_OF, str(normal)], {0})

        for field, text in (("land.area_mu", "1e-1000000"), ("floor_area_m2", "1e999999999")):
            app = json.loads(json.dumps(sample))
            *parents, leaf = field.split(".")
            holder = app
            for part in parents:
                holder = holder[part]
            holder[leaf] = "__N__"
            path = base / f"{leaf}.json"
            path.write_text(json.dumps(app, ensure_ascii=False).replace('"__N__"', text), encoding="utf-8")
            measure(f"check, {field} = {text}", [*ADMIT, "check", "--json", *AS_OF, str(path)], {2}, 5)
        measure("check /dev/zero", [*ADMIT, "check", "--json", *AS_OF, "/dev/zero"], {2}, 5)
        for label, keys in (("1 MB", 40_000), ("60 MB", 5_000_000)):
            flood = base / f"flood-{keys}.json"
            flood.write_text(json.dumps({**sample, **{f"k{i}": 1 for i in range(keys)}}), encoding="utf-8")
            measure(f"check, {label} of unknown keys", [*ADMIT, "check", "--json", *AS_OF, str(flood)], {2}, 10)

        workbook = base / "far-cell.xlsx"
        write_workbook(workbook, applications(3))
        from openpyxl import load_workbook
        from openpyxl.styles import Font

        loaded = load_workbook(workbook)
        sheet = loaded.active
        assert sheet is not None
        sheet["XFD1048576"].font = Font(bold=True)
        loaded.save(workbook)
        measure("screen, a styled blank cell at XFD1048576", [*ADMIT, "screen", "--json", *AS_OF, str(workbook)], {0}, 30)

        import zipfile

        bomb = base / "bomb.xlsx"  # about 200 KB that inflates to 210 MB of shared strings (was 2.1 GB per MB read)
        with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
            archive.writestr("xl/sharedStrings.xml", b" " * (210 * 1024 * 1024))
        measure("screen, a decompression bomb (refused before parsing)", [*ADMIT, "screen", "--json", *AS_OF, str(bomb)], {2}, 5)
        measure("ledger import, the same bomb", [*ADMIT, "ledger", "import", str(bomb), "--db", str(base / "b.db")], {2}, 5)

        folder = base / "intake"
        folder.mkdir()
        write_folder(folder, applications(args.rows))
        screen = [*ADMIT, "screen", *AS_OF, "--jobs", "1", str(folder)]
        measure(f"baseline: screen {args.rows:,} files, --csv", [*screen, "--csv", str(base / "r.csv")], {0})
        measure(f"screen {args.rows:,} files, --xlsx", [*screen, "--xlsx", str(base / "r.xlsx")], {0})
        both = [*screen, "--csv", str(base / "s.csv"), "--xlsx", str(base / "s.xlsx")]
        measure(f"screen {args.rows:,} files, --csv and --xlsx", both, {0})
    print("the --xlsx target (< 10 s for the file) is the difference between the --xlsx and --csv runs:")
    report.finish()


if __name__ == "__main__":
    main()
