"""Benchmark of the documents: one review opinion (PDF, Word), and a meeting packet of 100
projects (PDF, Word).

    python bench/documents.py [--projects N] [--against REF] [--opinion-only]

Whole-process wall time and peak memory (process tree RSS), against the targets of the PDF
issue; the JSON-only `admit check` on the same application is the in-run baseline. With
``--against REF`` the opinion and the packet are also made, alternately in the same run, by the
code at git revision REF (the speed issue asks one opinion at most 0.8× its time before the
issue, 2877183; the 公文 issue asks the packet to stay within 10% of its time before that one).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, Report, applications, checkout, median, run_measured, write_folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--projects", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--against", default=None, metavar="REF", help="also time the opinion and the packet at this git revision")
    parser.add_argument("--opinion-only", action="store_true", help="the one opinion alone, no packet")
    args = parser.parse_args()
    report = Report()
    admit = [sys.executable, "-m", "admission"]
    sample = str(ROOT / "samples" / "industrial-conditional.json")
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch)
        baseline = median([run_measured([*admit, "check", "--json", "--as-of", "2026-11-21", sample])[0] for _ in range(args.runs)])
        report.line("baseline: admit check --json, median", baseline, "s")
        baseline_tree = checkout(args.against, out / "baseline") if args.against else None
        opinion_command = [*admit, "check", "--as-of", "2026-11-21", sample, "--pdf", str(out / "o.pdf")]
        runs, before_runs = [], []
        for _ in range(args.runs):  # alternated with the baseline revision's, so drift hits both alike
            runs.append(run_measured(opinion_command))
            if baseline_tree is not None:
                before_runs.append(run_measured([*opinion_command[:-1], str(out / "b.pdf")], cwd=baseline_tree))
        opinion = median([r[0] for r in runs])
        report.line("admit check --pdf (one opinion), whole process, median", opinion, "s", "< 2 s", opinion < 2)
        report.line("admit check --pdf, peak RSS", max(r[1] for r in runs), "MB")
        if before_runs:
            before = median([r[0] for r in before_runs])
            report.line(f"admit check --pdf at {args.against}, same run, median", before, "s")
            report.line("one opinion now / before", opinion / before, "×", "≤ 0.8 (speed issue)", opinion / before <= 0.8)
        if args.opinion_only:
            report.finish()
            return
        runs = [run_measured([*admit, "check", "--as-of", "2026-11-21", sample, "--docx", str(out / "o.docx")]) for _ in range(args.runs)]
        report.line("admit check --docx (one opinion), whole process, median", median([r[0] for r in runs]), "s")

        folder = out / "intake"
        folder.mkdir()
        write_folder(folder, applications(args.projects))
        packet = [*admit, "packet", str(folder), "-o", str(out / "p.pdf"), "--as-of", "2026-11-21"]
        ours: list[tuple[float, float, int]] = []
        theirs: list[tuple[float, float, int]] = []
        for _ in range(args.runs if baseline_tree else 1):  # alternated, so drift hits both alike
            ours.append(run_measured(packet))
            if baseline_tree is not None:
                theirs.append(run_measured([*packet[:-4], "-o", str(out / "b.pdf"), *packet[-2:]], cwd=baseline_tree))
        assert all(code == 0 for _, _, code in ours + theirs), "packet failed"
        elapsed, peak = median([r[0] for r in ours]), max(r[1] for r in ours)
        report.line(f"admit packet, {args.projects} projects: wall time, median", elapsed, "s", "< 15 s", elapsed < 15)
        report.line(f"admit packet, {args.projects} projects: peak RSS (process tree)", peak, "MB", "< 500 MB", peak < 500)
        if theirs:
            before = median([r[0] for r in theirs])
            report.line(f"admit packet at {args.against}, same run: wall time, median", before, "s")
            report.line(f"admit packet at {args.against}: peak RSS", max(r[1] for r in theirs), "MB")
            report.line("packet time now / before", elapsed / before, "×", "≤ 1.10", elapsed / before <= 1.10)
        from pypdf import PdfReader

        report.line(f"admit packet, {args.projects} projects: pages", len(PdfReader(out / "p.pdf").pages), "pages")
        elapsed, peak, code = run_measured([*admit, "packet", str(folder), "--docx", str(out / "p.docx"), "--as-of", "2026-11-21"])
        assert code == 0, f"packet --docx exited {code}"
        report.line(f"admit packet --docx, {args.projects} projects: wall time", elapsed, "s")
        report.line(f"admit packet --docx, {args.projects} projects: peak RSS", peak, "MB")
    report.finish()


if __name__ == "__main__":
    main()
