"""Heavy work of ``admit serve`` (screening uploads, PDFs) in a separate process.

The web process answers pages and the API; a screening of 50 applications or a packet takes
seconds of CPU, and in the same process it would hold the interpreter lock and make every other
user wait. One worker process (started on first use, by ``spawn`` so no thread state is copied)
does it instead, by running the same :class:`~admission.app.Admit` methods the CLI runs.
"""

from __future__ import annotations

import functools
import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from admission.app import Admit
from admission.documents.views import DEFAULT_PACKET_TITLE, meeting_held
from admission.intake.sources import Item, collect
from admission.review.decision import Decision

_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()


@dataclass(frozen=True)
class Office:
    """What a worker needs to make the same ``Admit`` as the server's (picklable)."""

    rules_dir: Path
    templates_dir: Path | None
    font_dir: Path | None

    @classmethod
    def of(cls, admit: Admit) -> Office:
        return cls(admit.rulebook.directory, admit.templates_dir, admit.font_dir)


def pool() -> ProcessPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        return _pool


def shutdown() -> None:
    global _pool
    with _pool_lock:
        if _pool is not None:
            _pool.shutdown(wait=False, cancel_futures=True)
            _pool = None


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
    return admit.monitor_documents(figures, day, {kind})[kind]
