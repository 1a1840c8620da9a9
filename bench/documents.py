"""Benchmark of the documents: one review opinion (PDF, Word), and a meeting packet of 100
projects (PDF, Word).

    python bench/documents.py [--projects N] [--against REF] [--opinion-only]

Whole-process wall time and peak memory (process tree RSS), against the targets of the PDF
issue; the JSON-only `admit check` on the same application is the in-run baseline. With
``--against REF`` the opinion and the packet are also made, alternately in the same run, by the
code at git revision REF (the speed issue asks, against 2877183, one opinion at most 0.8× its
time and the packet at most 0.55× on both cores, at most 1.5× the size). The packet is also
made on one process (``ADMIT_LAYOUT_PROCESSES=1``) and with the other core kept busy, where it
must notice and be no slower than one process; all three files must be the same bytes.
"""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from admission.documents.parts import LAYOUT_PROCESSES_ENV
from bench.common import ROOT, Report, applications, checkout, median, run_measured, write_folder


@contextlib.contextmanager
def busy_core() -> Iterator[None]:
    """Another process spinning on a core for as long as the block lasts."""
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.5)  # long enough to show in the kernel's count of runnable tasks
        yield
    finally:
        spinner.kill()
        spinner.wait()


def font_faces(path: Path) -> Counter[str]:
    """How many font objects the PDF embeds for each face (its BaseFont without the subset tag)."""
    from pypdf import PdfReader

    objects: dict[int, str] = {}
    for page in PdfReader(path).pages:
        resources: Any = page["/Resources"].get_object()
        for reference in resources.get("/Font", {}).values():
            objects[reference.idnum] = str(reference.get_object()["/BaseFont"]).split("+", 1)[-1]
    return Counter(objects.values())


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
        one_process = [*packet[:-4], "-o", str(out / "one.pdf"), *packet[-2:]]
        ours: list[tuple[float, float, int]] = []
        alone: list[tuple[float, float, int]] = []
        theirs: list[tuple[float, float, int]] = []
        for _ in range(args.runs if baseline_tree else 1):  # alternated, so drift hits all alike
            ours.append(run_measured(packet))
            alone.append(run_measured(one_process, env={LAYOUT_PROCESSES_ENV: "1"}))
            if baseline_tree is not None:
                theirs.append(run_measured([*packet[:-4], "-o", str(out / "b.pdf"), *packet[-2:]], cwd=baseline_tree))
        crowded: list[tuple[float, float, int]] = []
        crowded_alone: list[tuple[float, float, int]] = []
        crowded_before: list[tuple[float, float, int]] = []
        with busy_core():  # the other core taken: the packet must see it and stay on one process
            for _ in range(max(1, (args.runs + 1) // 2)):  # alternated too: a block of each drifted apart by 20%
                crowded.append(run_measured([*packet[:-4], "-o", str(out / "crowded.pdf"), *packet[-2:]]))
                crowded_alone.append(run_measured(one_process, env={LAYOUT_PROCESSES_ENV: "1"}))
                if baseline_tree is not None:
                    crowded_before.append(run_measured([*packet[:-4], "-o", str(out / "b.pdf"), *packet[-2:]], cwd=baseline_tree))
        assert all(code == 0 for _, _, code in ours + alone + theirs + crowded + crowded_alone + crowded_before), "packet failed"
        elapsed, peak = median([r[0] for r in ours]), max(r[1] for r in ours)
        report.line(f"admit packet, {args.projects} projects, both cores: wall time, median", elapsed, "s", "< 15 s", elapsed < 15)
        report.line(f"admit packet, {args.projects} projects: peak RSS (process tree, shared pages in each)", peak, "MB")
        shared_once = run_measured(packet, proportional=True)[1]
        report.line(f"admit packet, {args.projects} projects: peak PSS (process tree)", shared_once, "MB", "< 500 MB", shared_once < 500)
        one = median([r[0] for r in alone])
        report.line(f"admit packet, {args.projects} projects, {LAYOUT_PROCESSES_ENV}=1: wall time, median", one, "s")
        report.line("  peak RSS (one process)", max(r[1] for r in alone), "MB")
        busy, busy_alone = median([r[0] for r in crowded]), median([r[0] for r in crowded_alone])
        report.line("other core busy: packet / one process, medians", busy / busy_alone, "×", "≤ 1.05", busy / busy_alone <= 1.05)
        if crowded_before:
            before_busy = median([r[0] for r in crowded_before])
            report.line(f"other core busy: packet now / at {args.against}", busy / before_busy, "×", "≤ 1.0", busy / before_busy <= 1.0)
        same = all(p.read_bytes() == (out / "p.pdf").read_bytes() for p in (out / "one.pdf", out / "crowded.pdf"))
        report.line("the same bytes on two processes, one, and with the other core busy", float(same), "", "1", same)
        faces = font_faces(out / "p.pdf")
        report.line("fonts embedded: objects per face", max(faces.values()), "", "1", max(faces.values()) == 1)
        if theirs:
            before = median([r[0] for r in theirs])
            report.line(f"admit packet at {args.against}, same run: wall time, median", before, "s")
            report.line(f"admit packet at {args.against}: peak RSS", max(r[1] for r in theirs), "MB")
            report.line("packet time now / before", elapsed / before, "×", "≤ 0.55 (speed issue)", elapsed / before <= 0.55)
            size = (out / "p.pdf").stat().st_size / (out / "b.pdf").stat().st_size
            report.line("packet size now / before", size, "×", "≤ 1.5", size <= 1.5)
        from pypdf import PdfReader

        report.line(f"admit packet, {args.projects} projects: pages", len(PdfReader(out / "p.pdf").pages), "pages")
        elapsed, peak, code = run_measured([*admit, "packet", str(folder), "--docx", str(out / "p.docx"), "--as-of", "2026-11-21"])
        assert code == 0, f"packet --docx exited {code}"
        report.line(f"admit packet --docx, {args.projects} projects: wall time", elapsed, "s")
        report.line(f"admit packet --docx, {args.projects} projects: peak RSS", peak, "MB")
    report.finish()


if __name__ == "__main__":
    main()
