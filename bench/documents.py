"""Benchmark of the documents: one review opinion (PDF, Word), and a meeting packet of 100
projects (PDF, Word).

    python bench/documents.py [--projects N]

Whole-process wall time and peak memory (process tree RSS), against the targets of the PDF
issue; the JSON-only `admit check` on the same application is the in-run baseline.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, Report, applications, median, run_measured, write_folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--projects", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    report = Report()
    admit = [sys.executable, "-m", "admission"]
    sample = str(ROOT / "samples" / "industrial-conditional.json")
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch)
        baseline = median([run_measured([*admit, "check", "--json", "--as-of", "2026-11-21", sample])[0] for _ in range(args.runs)])
        report.line("baseline: admit check --json, median", baseline, "s")
        runs = [run_measured([*admit, "check", "--as-of", "2026-11-21", sample, "--pdf", str(out / "o.pdf")]) for _ in range(args.runs)]
        opinion = median([r[0] for r in runs])
        report.line("admit check --pdf (one opinion), whole process, median", opinion, "s", "< 2 s", opinion < 2)
        report.line("admit check --pdf, peak RSS", max(r[1] for r in runs), "MB")
        runs = [run_measured([*admit, "check", "--as-of", "2026-11-21", sample, "--docx", str(out / "o.docx")]) for _ in range(args.runs)]
        report.line("admit check --docx (one opinion), whole process, median", median([r[0] for r in runs]), "s")

        folder = out / "intake"
        folder.mkdir()
        write_folder(folder, applications(args.projects))
        elapsed, peak, code = run_measured([*admit, "packet", str(folder), "-o", str(out / "p.pdf"), "--as-of", "2026-11-21"])
        assert code == 0, f"packet exited {code}"
        report.line(f"admit packet, {args.projects} projects: wall time", elapsed, "s", "< 15 s", elapsed < 15)
        report.line(f"admit packet, {args.projects} projects: peak RSS (process tree)", peak, "MB", "< 500 MB", peak < 500)
        from pypdf import PdfReader

        report.line(f"admit packet, {args.projects} projects: pages", len(PdfReader(out / "p.pdf").pages), "pages")
        elapsed, peak, code = run_measured([*admit, "packet", str(folder), "--docx", str(out / "p.docx"), "--as-of", "2026-11-21"])
        assert code == 0, f"packet --docx exited {code}"
        report.line(f"admit packet --docx, {args.projects} projects: wall time", elapsed, "s")
        report.line(f"admit packet --docx, {args.projects} projects: peak RSS", peak, "MB")
    report.finish()


if __name__ == "__main__":
    main()
