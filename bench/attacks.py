"""The unauthenticated load of the hardening issue against a real `admit serve` (loopback only):
the server process's memory and the time taken, beside a baseline of ordinary sign-in pages.

    python bench/attacks.py [--names 150] [--tokens 100]

Before the fixes, 150 failed sign-ins with distinct 1 MB names grew the server by 138 MB (kept
for good), and bogus `Bearer 1.x` tokens each cost a 64 MiB argon2 check (1.6 → 3.8 GB).
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Report, tree_rss_mb
from bench.web import prepare, running_server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--names", type=int, default=150)
    parser.add_argument("--tokens", type=int, default=100)
    args = parser.parse_args()
    report = Report()
    import httpx2 as httpx

    with tempfile.TemporaryDirectory() as scratch:
        db = str(Path(scratch) / "admit.db")
        prepare(db, Path(scratch), 2)
        with running_server(db) as (base, pid):
            client = httpx.Client(base_url=base, timeout=120)
            for _ in range(50):  # warm: the baseline is the server after ordinary use
                client.get("/login")
            before = tree_rss_mb(pid)
            start = time.perf_counter()
            for n in range(args.names):
                page = client.get("/login").text
                csrf = re.search(r'name="csrf" value="([^"]+)"', page)
                assert csrf
                client.post("/login", data={"name": f"{n}" + "名" * 350_000, "password": "x", "csrf": csrf.group(1)})
            names_time = time.perf_counter() - start
            after_names = tree_rss_mb(pid)
            start = time.perf_counter()
            codes = [client.get("/api/projects", headers={"Authorization": f"Bearer 1.bogus{n}"}).status_code for n in range(args.tokens)]
            tokens_time = time.perf_counter() - start
            after_tokens = tree_rss_mb(pid)
    report.line("baseline: server RSS after 50 sign-in pages", before, "MB")
    grown = after_names - before
    report.line(f"{args.names} failed sign-ins with ~1 MB names: growth", grown, "MB", "< 50 MB", grown < 50)
    report.line(f"{args.names} failed sign-ins with ~1 MB names: time", names_time, "s")
    report.line(
        f"{args.tokens} bogus bearer tokens: growth", after_tokens - after_names, "MB", "< 100 MB", after_tokens - after_names < 100
    )
    report.line(f"{args.tokens} bogus bearer tokens: time", tokens_time, "s")
    report.line("bogus bearer tokens answered 429 (limited before argon2)", codes.count(429), "requests")
    report.finish()


if __name__ == "__main__":
    main()
