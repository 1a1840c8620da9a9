"""The 台账 workbook in the browser: upload, a preview of what would be recorded and refused, then
the import on confirmation; the ledger and any filtered list as a workbook. The same
``import_book`` and ``export_book`` as ``admit ledger import | export``."""

from __future__ import annotations

import secrets
import shutil
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from admission.documents.sheets import Sheet, xlsx_bytes
from admission.ledger.book import SHEETS, ImportOutcome, export_book, import_book
from admission.ledger.views import LIST_HEADERS, list_table
from admission.web.deps import XLSX_TYPE, ApiChecked, AppState, FormChecked, Listed, Reviewer, SignedIn, download, flash, render
from admission.web.problems import HTTPProblem
from admission.web.routers.projects import listed_projects
from admission.web.state import PendingImport, State

router = APIRouter()
PREVIEW_SECONDS = 3600  # an upload waits an hour for its confirmation, then its file is removed


def _receive(upload: UploadFile) -> tuple[Path, str]:
    """The uploaded workbook in a private folder, and its own name (refused before anything is kept)."""
    name = Path(upload.filename or "台账.xlsx").name
    if Path(name).suffix.lower() not in (".xlsx", ".xlsm"):
        raise HTTPProblem(422, "只能导入台账工作簿（.xlsx）", [{"path": "文件", "message": f"“{name}”不是 .xlsx 工作簿"}])
    folder = Path(tempfile.mkdtemp(prefix="admit-import-"))
    (folder / "book.xlsx").write_bytes(upload.file.read())
    return folder, name


def _outcome_json(outcome: ImportOutcome, dry_run: bool) -> dict[str, Any]:
    return {"recorded": dict(outcome.changed), "unchanged": dict(outcome.unchanged),
            "refused": [item for refusal in outcome.refused for item in refusal.flat()], "dry_run": dry_run}  # fmt: skip


def _expire(state: State) -> None:
    now = time.monotonic()
    with state.lock:
        old = [key for key, pending in state.imports.items() if now - pending.kept_at > PREVIEW_SECONDS]
        dropped = [state.imports.pop(key) for key in old]
    for pending in dropped:
        shutil.rmtree(pending.folder, ignore_errors=True)


@router.get("/ledger/import", response_class=HTMLResponse, include_in_schema=False)
def import_page(request: Request, state: AppState, user: Reviewer) -> HTMLResponse:
    return render(request, state, user, "import.html.j2", preview=None, sheets=list(SHEETS))


@router.post("/ledger/import", response_class=HTMLResponse, include_in_schema=False)
def import_preview(request: Request, state: AppState, _user: SignedIn, _csrf: FormChecked, user: Reviewer,
                   file: UploadFile = File(...)) -> HTMLResponse:  # fmt: skip
    """What the workbook would record and refuse; nothing recorded until confirmed."""
    _expire(state)
    folder, name = _receive(file)
    try:
        outcome = import_book(state.ledger, folder / "book.xlsx", state.admit.rulebook, user.name, date.today(), named=name, dry_run=True)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    key = secrets.token_urlsafe(16)
    with state.lock:
        state.imports[key] = PendingImport(folder, name, user.id)
    preview = {
        "name": name,
        "key": key,
        "outcome": outcome,
        "sheets": [s for s in SHEETS if s in outcome.changed or s in outcome.unchanged],
    }
    return render(request, state, user, "import.html.j2", preview=preview, sheets=list(SHEETS))


@router.post("/ledger/import/{key}", include_in_schema=False)
def import_confirm(request: Request, key: str, state: AppState, _user: SignedIn, _csrf: FormChecked, user: Reviewer) -> Response:
    with state.lock:
        pending = state.imports.get(key)
        if pending is None or pending.owner != user.id:
            raise HTTPProblem(404, "没有这次导入（可能已过期），请重新上传")
        del state.imports[key]
    try:
        outcome = import_book(state.ledger, pending.path, state.admit.rulebook, user.name, date.today(), named=pending.name)
    finally:
        shutil.rmtree(pending.folder, ignore_errors=True)
    flash(request, f"已导入 {pending.name}：变更 {sum(outcome.changed.values())} 行，未变 {sum(outcome.unchanged.values())} 行，"
                   f"拒绝 {len(outcome.refused)} 行")  # fmt: skip
    return RedirectResponse("/projects", status_code=303)


@router.post("/api/ledger/import", summary="导入台账工作簿（dry_run=1 只检查不写入）")
def api_import(state: AppState, _user: SignedIn, _csrf: ApiChecked, user: Reviewer, dry_run: int = 0,
               file: UploadFile = File(...)) -> JSONResponse:  # fmt: skip
    folder, name = _receive(file)
    try:
        outcome = import_book(state.ledger, folder / "book.xlsx", state.admit.rulebook, user.name, date.today(), named=name,
                              dry_run=bool(dry_run))  # fmt: skip
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return JSONResponse(_outcome_json(outcome, bool(dry_run)))


@router.get("/ledger/export.xlsx", include_in_schema=False)
def export_ledger(state: AppState, user: SignedIn) -> Response:
    """The whole 台账 workbook (as ``admit ledger export``); not for a district user, who sees its own projects only."""
    if user.own_district is not None:
        raise HTTPProblem(403, "区县专员可下载本区项目清单，不能导出全市台账")
    return download(export_book(state.ledger), f"项目台账（导出{date.today().isoformat()}）.xlsx", XLSX_TYPE)


@router.get("/projects.xlsx", include_in_schema=False)
def export_list(state: AppState, user: SignedIn, listing: Listed, district: str = "", stage: str = "", resolution: str = "") -> Response:
    """The list as filtered and sorted on the page, every page of it, as a workbook."""
    found = listed_projects(state, user, listing, district, stage, resolution, whole=True)
    data = xlsx_bytes([Sheet("项目清单", LIST_HEADERS, list_table(found.rows), number_formats={4: "#,##0.00"})])
    return download(data, "项目清单.xlsx", XLSX_TYPE)
