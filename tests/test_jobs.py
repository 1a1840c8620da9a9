"""The web's worker processes (admission.web.jobs), exercised for real: separate lanes, a double
request run once, a worker killed and replaced, a memory cap that ends the work, not the server."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

import pytest

from admission.web import jobs


@pytest.fixture(autouse=True)
def fresh_workers() -> object:
    yield
    jobs.shutdown()


def test_quick_and_long_work_run_in_different_processes() -> None:
    quick, long = jobs.run(jobs.QUICK, os.getpid), jobs.run(jobs.LONG, os.getpid)
    assert quick != long and os.getpid() not in (quick, long), "a screening never queues behind a packet"


def test_the_same_request_twice_runs_once(tmp_path: Path) -> None:
    marks = tmp_path / "runs"
    command = f"sleep 0.8; echo ran >> {marks}"
    threads = [threading.Thread(target=jobs.run, args=(jobs.LONG, os.system, command)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert marks.read_text().splitlines() == ["ran"]
    jobs.run(jobs.LONG, os.system, command)  # once finished, the same request runs again
    assert marks.read_text().splitlines() == ["ran", "ran"]


def test_a_killed_worker_is_replaced_and_the_work_done() -> None:
    first = jobs.run(jobs.QUICK, os.getpid)
    os.kill(first, signal.SIGKILL)  # as the OOM killer would
    second = jobs.run(jobs.QUICK, os.getpid)
    assert second != first
    assert jobs.run(jobs.QUICK, os.getpid) == second


def test_a_worker_over_its_memory_cap_fails_that_work_only() -> None:
    with pytest.raises(MemoryError):
        jobs.run(jobs.QUICK, bytearray, jobs.WORKER_MEMORY_BYTES + 1)
    assert jobs.run(jobs.QUICK, sum, [1, 2, 3]) == 6
