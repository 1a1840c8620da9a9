"""Load benchmark of `admit serve` on loopback: 20 simulated users for 60 s on a ledger of 50,000
projects, on SQLite and on a PostgreSQL server started here.

    python bench/web.py [--users 20] [--seconds 60] [--count 50000] [--sqlite-only]

The ledger: ``--count`` applications recorded and resolved at meetings of 40 projects spread
from 2022 to November 2026, with milestones, the 2026 targets and progress notes. Before the load, every list and report
page is opened once as a reviewer and as a district user: its size (HTML, and as sent gzipped;
the web contract's limit is 300 KB of HTML at 50,000 projects) and its first and second view.
Then each simulated user signs in and loops over a mix: page views, `POST /api/check` with a
sample application, and now and then a screening upload of 50 applications. Requests go only to
127.0.0.1, the loop is bounded by --seconds, and the run stops by itself. Each user waits
0.2–1.0 s between requests (a person reading; `--think-max 0` makes it a closed-loop stress
test). Targets: no errors, p95 of page views and /api/check under 300 ms. Baseline in the same
run: `GET /static/admit.css` (the server's floor).
"""

from __future__ import annotations

import argparse
import contextlib
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, Report, applications, compile_once, write_folder
from bench.screen import write_workbook
from bench.supervision import write_book

ADMIT = [sys.executable, "-m", "admission"]
PASSWORD = "bench-password-1"
PAGES = ["/", "/projects", "/projects?sort=total_investment&desc=1&page=7", "/projects?q=BENCH-0001", "/projects/BENCH-049900",
         "/meetings", "/meetings/2026/3", "/reports/annual?year=2026", "/reports/monthly?month=2026-11", "/monitor", "/supervision",
         "/targets"]  # fmt: skip


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


PER_MEETING = 40  # projects a meeting resolves (Jiangmen 2022: 173 passed at 32 meetings)
FIRST_DAY, LAST_DAY = date(2022, 1, 10), date(2026, 11, 27)  # the rule books in force cover these


def meeting_day(index: int, count: int) -> date:
    """The day the meeting resolving application ``index`` was held: meetings of PER_MEETING
    projects spread evenly from 2022 to November 2026."""
    meetings = max(1, count // PER_MEETING)
    return FIRST_DAY + timedelta(days=(index // PER_MEETING) * (LAST_DAY - FIRST_DAY).days // meetings)


def spread_applications(count: int) -> list[dict[str, object]]:
    """The benchmark's applications, each submitted a week before its meeting."""
    made = applications(count)
    for index, app in enumerate(made):
        app["submitted_on"] = (meeting_day(index, count) - timedelta(days=7)).isoformat()
    return made


def spread_meetings(count: int) -> Callable[[int], tuple[int, date]]:
    """Where application ``index`` was resolved: (the meeting's number in its year, its day)."""
    numbers: dict[date, int] = {}

    def meeting(index: int) -> tuple[int, date]:
        held = meeting_day(index, count)
        return numbers.setdefault(held, sum(1 for d in numbers if d.year == held.year) + 1), held

    return meeting


def prepare(db: str, folder: Path, users: int, count: int = 200) -> None:
    """A ledger of ``count`` projects through the public commands, and the users."""
    apps_dir = folder / "apps"
    apps_dir.mkdir()
    write_folder(apps_dir, spread_applications(count))
    book = folder / "台账.xlsx"
    write_book(book, count, spread_meetings(count))
    for command in (["ledger", "add", str(apps_dir), "--as-of", "2026-11-21"], ["ledger", "import", str(book)]):
        subprocess.run([*ADMIT, *command, "--db", db], check=True, capture_output=True, cwd=ROOT)
    for index in range(users):
        role = ["--role", "reviewer"] if index % 3 else ["--role", "district", "--district", "新会区"]
        command = [*ADMIT, "user", "add", f"user{index}", *role, "--password-stdin", "--db", db]
        subprocess.run(command, input=PASSWORD + "\n", text=True, check=True, capture_output=True, cwd=ROOT)


def signed_in(base: str, name: str) -> tuple[Any, str]:
    """An httpx client signed in as ``name``, and its CSRF token."""
    import httpx2 as httpx

    client = httpx.Client(base_url=base, timeout=300, follow_redirects=False)
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)
    assert csrf
    answer = client.post("/login", data={"name": name, "password": PASSWORD, "csrf": csrf.group(1)})
    assert answer.status_code == 303, answer.status_code
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/account").text)
    assert token
    return client, token.group(1)


def page_sizes(label: str, base: str, report: Report) -> None:
    """Each page once and again, as a reviewer (user1) and a district user (user0)."""
    for name, role in (("user1", "reviewer"), ("user0", "district")):
        client, _ = signed_in(base, name)
        for path in PAGES:
            timings = []
            for _ in range(2):
                start = time.perf_counter()
                answer = client.get(path, headers={"accept": "text/html", "accept-encoding": "gzip"})
                timings.append(time.perf_counter() - start)
            size = len(answer.content) / 1024
            sent = answer.num_bytes_downloaded / 1024
            report.line(f"{label} {role} {path}: HTML ({answer.status_code})", size, "KB", "< 300 KB", size < 300)
            report.line(f"{label} {role} {path}: sent gzipped", sent, "KB")
            report.line(f"{label} {role} {path}: first view", timings[0], "s")
            report.line(f"{label} {role} {path}: second view (kept)", timings[1], "s")
        client.close()


def simulate(
    base: str, name: str, until: float, workbook: bytes, check_body: bytes, timings: dict[str, list[float]], errors: list[str],
    think: tuple[float, float] | None,
) -> None:  # fmt: skip
    import httpx2 as httpx

    with httpx.Client(base_url=base, timeout=60, follow_redirects=False) as client:
        csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)
        assert csrf
        answer = client.post("/login", data={"name": name, "password": PASSWORD, "csrf": csrf.group(1)})
        if answer.status_code != 303:
            errors.append(f"login {answer.status_code}")
            return
        token = re.search(r'name="csrf" value="([^"]+)"', client.get("/").text)
        assert token
        pages = [*PAGES, "/static/admit.css"]
        count = 0
        while time.monotonic() < until:
            if think:
                time.sleep(random.uniform(*think))  # a person reads the page before the next click
            count += 1
            if count % 20 == 0:
                kind, start = "upload", time.perf_counter()
                upload = [("files", ("intake.xlsx", workbook, "application/octet-stream"))]
                answer = client.post("/screen", data={"csrf": token.group(1)}, files=upload)
                ok = answer.status_code == 303
            elif count % 3 == 0:
                kind, start = "api_check", time.perf_counter()
                answer = client.post("/api/check", content=check_body, headers={"X-CSRF-Token": token.group(1)})
                ok = answer.status_code == 200
            else:
                path = random.choice(pages)
                kind = "static" if path.startswith("/static") else "page"
                start = time.perf_counter()
                answer = client.get(path, headers={"accept": "text/html"})
                ok = answer.status_code in (200, 404)  # a district user may not see BENCH-049900: 404 is the right answer
            timings[kind].append(time.perf_counter() - start)
            if not ok:
                errors.append(f"{kind} {answer.status_code}")


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18] if len(values) >= 20 else max(values, default=0.0)


@contextlib.contextmanager
def running_server(db: str) -> Iterator[tuple[str, int]]:
    """``admit serve`` on a free loopback port, answering: its base URL and process id; stopped after."""
    import httpx2 as httpx

    port = free_port()
    server = subprocess.Popen([*ADMIT, "serve", "--db", db, "--port", str(port)], cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(f"{base}/login", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield base, server.pid
    finally:
        server.terminate()
        server.wait(timeout=30)


def measure(label: str, db: str, folder: Path, args: argparse.Namespace, report: Report) -> None:
    prepare(db, folder, args.users, args.count)
    with running_server(db) as (base, _):
        page_sizes(label, base, report)
        book = folder / f"{label}.xlsx"
        write_workbook(book, applications(50))
        workbook = book.read_bytes()
        check_body = (ROOT / "samples" / "industrial-conditional.json").read_bytes()
        timings: dict[str, list[float]] = defaultdict(list)
        errors: list[str] = []
        until = time.monotonic() + args.seconds
        think = (args.think_min, args.think_max) if args.think_max > 0 else None
        threads = [
            threading.Thread(target=simulate, args=(base, f"user{i}", until, workbook, check_body, timings, errors, think))
            for i in range(args.users)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    total = sum(len(v) for v in timings.values())
    report.line(f"{label}: requests in {args.seconds} s ({args.users} users)", total, "requests", "> 0", total > 0)
    report.line(f"{label}: errors", len(errors), "", "0", not errors)
    report.line(f"{label}: baseline GET /static/admit.css p95", p95(timings["static"]) * 1000, "ms")
    for kind in ("page", "api_check"):
        value = p95(timings[kind]) * 1000
        report.line(f"{label}: {kind} p95 ({len(timings[kind])} requests)", value, "ms", "< 300 ms", value < 300)
    report.line(f"{label}: upload of 50 applications p95 ({len(timings['upload'])})", p95(timings["upload"]) * 1000, "ms")
    if errors:
        print("errors:", sorted(set(errors))[:10])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--count", type=int, default=50_000, help="projects in the ledger")
    parser.add_argument("--sqlite-only", action="store_true", help="skip the PostgreSQL server")
    parser.add_argument("--think-min", type=float, default=0.2, help="seconds a user waits between requests, at least")
    parser.add_argument("--think-max", type=float, default=1.0, help="… at most (0: no waiting, a closed-loop stress test)")
    args = parser.parse_args()
    report = Report()
    compile_once()
    with tempfile.TemporaryDirectory() as scratch:
        measure("SQLite", str(Path(scratch) / "admit.db"), Path(scratch), args, report)
        if not args.sqlite_only:
            from tests.databases import fresh_database, start_postgres

            second = Path(scratch) / "pg"
            second.mkdir()
            with contextlib.contextmanager(start_postgres)() as server:
                measure("PostgreSQL", fresh_database(server), second, args, report)
    report.finish()


if __name__ == "__main__":
    main()
