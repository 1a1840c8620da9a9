"""Heavy work of ``admit serve`` (screening uploads, PDFs) in a separate process.

The web process answers pages and the API; a screening of 50 applications or a packet takes
seconds of CPU, and in the same process it would hold the interpreter lock and make every other
user wait. Worker processes (started on first use, by ``spawn`` so no thread state is copied)
do it instead, by running the same :class:`~admission.app.Admit` methods the CLI runs.
"""

from __future__ import annotations

import functools
import hashlib
import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any, TypeVar, cast

from admission.app import Admit
from admission.documents.views import DEFAULT_PACKET_TITLE, meeting_held, packet_review_date
from admission.errors import AdmitError
from admission.intake.sources import Item, collect
from admission.review.decision import Decision


@dataclass(frozen=True)
class Office:
    """What a worker needs to make the same ``Admit`` as the server's (picklable)."""

    rules_dir: Path
    templates_dir: Path | None
    font_dir: Path | None

    @classmethod
    def of(cls, admit: Admit) -> Office:
        return cls(admit.rulebook.directory, admit.templates_dir, admit.font_dir)


# Two lanes, one worker process each (2 cores): quick work (a screening, one opinion) never queues
# behind long work (a 100-project packet, a report PDF), so a 12-row screening answers while
# another user's packet is being built.
T = TypeVar("T")
QUICK, LONG = "quick", "long"
# Each worker's address space is capped: a decompression bomb or a runaway layout ends that
# worker (answered as a failure, the pool replaced), never the server or the machine.
WORKER_MEMORY_BYTES = 6 * 1024**3

_pools: dict[str, ProcessPoolExecutor] = {}
_running: dict[tuple[Any, ...], Future[Any]] = {}
_lock = threading.Lock()


def _limit_memory() -> None:  # runs first in each worker process
    import resource

    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = WORKER_MEMORY_BYTES if hard == resource.RLIM_INFINITY else min(WORKER_MEMORY_BYTES, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _pool(lane: str) -> ProcessPoolExecutor:
    with _lock:
        if lane not in _pools:
            _pools[lane] = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=_limit_memory)
        return _pools[lane]


def _discard(lane: str, broken: ProcessPoolExecutor) -> None:
    with _lock:
        if _pools.get(lane) is broken:
            del _pools[lane]
    broken.shutdown(wait=False, cancel_futures=True)


def run(lane: str, work: Callable[..., T], *args: Any) -> T:
    """``work(*args)`` in the lane's worker process, and its result.

    The same request made twice while the first is still running (a double click) waits for
    that one instead of running again. A worker that died (the memory cap, the OOM killer) is
    replaced and the work tried once more in a fresh one; if that dies too the failure is a
    clear error, and the next request starts from a fresh worker again.
    """
    key = (lane, work.__name__, hashlib.sha256(repr(args).encode("utf-8")).hexdigest())
    with _lock:
        future = _running.get(key)
        owner = future is None
        if future is None:
            future = _running[key] = Future()
    if not owner:
        return cast(T, future.result())
    try:
        for attempt in (1, 2):
            pool = _pool(lane)
            try:
                result = pool.submit(work, *args).result()
            except BrokenProcessPool:
                _discard(lane, pool)
                if attempt == 2:
                    raise WorkerDied("处理进程异常退出（可能是内容过大、内存不足）；请检查上传的文件后重试") from None
                continue
            future.set_result(result)
            return result
        raise AssertionError("unreachable")
    except BaseException as error:
        future.set_exception(error)
        raise
    finally:
        with _lock:
            _running.pop(key, None)


class WorkerDied(AdmitError):
    """The worker process ended while doing the work (answered 503, never a traceback)."""

    exit_code = 69


def shutdown() -> None:
    with _lock:
        pools = list(_pools.values())
        _pools.clear()
    for each in pools:
        each.shutdown(wait=False, cancel_futures=True)


@functools.lru_cache(maxsize=4)
def _admit(office: Office) -> Admit:
    """The worker's ``Admit`` for an office: the rule book loaded once per worker."""
    return Admit(office.rules_dir, templates_dir=office.templates_dir, font_dir=office.font_dir)


def as_uploaded(source: str, names: dict[str, str], row_format: str = "#{}") -> str:
    """A source as the uploader named it: the file's own name, and its row (``#5`` or ``第 5 行``),
    never the temporary path it is kept under."""
    stored, _, row = source.partition("#")
    return names.get(stored, stored) + (row_format.format(row) if row else "")


def uploaded_items(paths: list[str], names: dict[str, str]) -> list[Item]:
    """The uploaded files' applications, each named as it was uploaded (messages, the packet's
    无效申请材料 page, the results)."""
    return [replace(item, source=as_uploaded(item.source, names)) for item in collect([Path(p) for p in paths])]


def screen(office: Office, paths: list[str], as_of: date) -> list[dict[str, Any]]:
    return _admit(office).screen(list(collect([Path(p) for p in paths])), as_of, jobs=1)


def packet(office: Office, paths: list[str], names: dict[str, str], as_of: date, kind: str) -> bytes:
    """The packet of the uploaded applications, as a PDF or a Word document (``kind``)."""
    meeting = meeting_held(DEFAULT_PACKET_TITLE, as_of)
    return _admit(office).packet(uploaded_items(paths, names), meeting, as_of, {kind}).documents[kind]


def agenda_packet(office: Office, items: list[Item], number: int, held_on: date, title: str, kind: str) -> bytes:
    """A meeting's packet from its agenda (in the agenda's order), as ``admit packet --meeting-no``."""
    meeting = meeting_held(title or DEFAULT_PACKET_TITLE, held_on, number, in_agenda_order=True)
    review_date, _ = packet_review_date(None, held_on, date.today())
    return _admit(office).packet(items, meeting, review_date, {kind}).documents[kind]


def item_opinion(office: Office, item: Item, as_of: date, kind: str) -> bytes | dict[str, Any]:
    """The opinion of one input (a ledger revision), or its error result when it is invalid."""
    admit = _admit(office)
    decision = admit.decide(item, as_of)
    if not isinstance(decision, Decision):
        return decision
    return admit.opinion(decision, as_of, {kind})[kind]


def opinion(office: Office, paths: list[str], index: int, as_of: date, kind: str) -> bytes | dict[str, Any]:
    """The opinion of the ``index``-th application (PDF or Word), or its error result when it is invalid."""
    admit = _admit(office)
    items = list(collect([Path(p) for p in paths]))
    if not 0 <= index < len(items):
        return {"error": {"kind": "not_found", "problems": [{"path": "$", "message": "没有这份申请材料"}]}}
    decision = admit.decide(items[index], as_of)
    if not isinstance(decision, Decision):
        return decision
    return admit.opinion(decision, as_of, {kind})[kind]


def report_document(office: Office, which: str, figures: dict[str, Any], kind: str, day: date) -> bytes:
    """A 通报 or the 履约核查 as one file (``kind``: pdf, docx or xlsx) from figures the web
    process read from the ledger (the worker needs no database): ``day`` is the 成文日期 of a
    通报, the as-of date of the 履约核查."""
    admit = _admit(office)
    if which == "annual":
        return admit.annual_documents(figures, {kind}, day)[kind]
    if which == "monthly":
        return admit.monthly_documents(figures, {kind}, day)[kind]
    if which == "targets":
        return admit.targets_documents(figures, {kind}, day)[kind]
    if which == "assessment":
        return admit.assessment_documents(figures, {kind}, day)[kind]
    if which == "notice":
        return admit.notice_documents(figures, {kind})[kind]
    if which == "chase":
        return admit.chase_documents(figures, {kind})[kind]
    return admit.monitor_documents(figures, day, {kind})[kind]
