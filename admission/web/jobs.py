"""Heavy work of ``admit serve`` (screening uploads, PDFs) in a separate process.

The web process answers pages and the API; a screening of 50 applications or a packet takes
seconds of CPU, and in the same process it would hold the interpreter lock and make every other
user wait. One worker process (started on first use, by ``spawn`` so no thread state is copied)
does it instead. The functions here are plain calls of the core, as the CLI makes them.
"""

from __future__ import annotations

import functools
import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

from ..rulebook import Rulebook, load_rulebook

_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()


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
def _rulebook(directory: str) -> Rulebook:
    return load_rulebook(Path(directory))


def screen(paths: list[str], rules_dir: str, as_of: date) -> list[dict[str, Any]]:
    from ..screen import collect, evaluate_all

    return evaluate_all(list(collect([Path(p) for p in paths])), _rulebook(rules_dir), as_of, jobs=1)


def packet_pdf(paths: list[str], rules_dir: str, as_of: date, templates: str | None, kind: str = "pdf") -> bytes:
    """The packet of the uploaded applications, as a PDF or (``kind="docx"``) a Word document."""
    from ..dates import date_zh
    from ..documents import DEFAULT_PACKET_TITLE, Meeting, render_packet_html, set_aside_undrawable, template_dirs
    from ..pdf import render_pdf
    from ..screen import collect, decisions_for_documents

    override = Path(templates) if templates else None
    decisions, invalid = decisions_for_documents(collect([Path(p) for p in paths]), _rulebook(rules_dir), as_of)
    meeting = Meeting(DEFAULT_PACKET_TITLE, "", date_zh(as_of))
    if kind == "docx":
        from ..word import packet_docx

        return packet_docx(decisions, invalid, meeting, as_of, override)
    decisions, invalid = set_aside_undrawable(decisions, invalid, override)
    html = render_packet_html(decisions, invalid, meeting, as_of, override)
    return render_pdf(html, template_dirs(override))[0]


def opinion_pdf(
    paths: list[str], index: int, rules_dir: str, as_of: date, templates: str | None, kind: str = "pdf"
) -> bytes | dict[str, Any]:
    """The opinion of the ``index``-th application (PDF, or Word for ``kind="docx"``), or its
    error result when it is invalid."""
    from ..documents import refuse_undrawable, render_opinion_html, template_dirs
    from ..pdf import render_pdf
    from ..review import Decision
    from ..screen import collect, try_decide

    override = Path(templates) if templates else None
    items = list(collect([Path(p) for p in paths]))
    if not 0 <= index < len(items):
        return {"error": {"kind": "not_found", "problems": [{"path": "$", "message": "没有这份申请材料"}]}}
    decision = try_decide(items[index], _rulebook(rules_dir), as_of)
    if not isinstance(decision, Decision):
        return decision
    if kind == "docx":
        from ..word import opinion_docx

        return opinion_docx(decision, as_of, override)
    refuse_undrawable(decision, override)
    return render_pdf(render_opinion_html(decision, as_of, override), template_dirs(override))[0]
