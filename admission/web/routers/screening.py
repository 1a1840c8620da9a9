"""会前预审 in the browser: upload files or a workbook, read the verdicts, download the workbook,
each opinion and the packet, and record the applications in the ledger."""

from __future__ import annotations

import secrets
import shutil
import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from admission.app import XLSX
from admission.intake.batch import failed_rules, problem_place, summary
from admission.ledger.accounts import User
from admission.ledger.applications import record_applications
from admission.ledger.screenings import KeptScreening, keep_screening, screening_of
from admission.vocabulary import INVALID_LABEL, VERDICTS
from admission.web import jobs
from admission.web.deps import XLSX_TYPE, AppState, FormChecked, Reviewer, SignedIn, document_type, download, flash, render
from admission.web.problems import HTTPProblem
from admission.web.state import State, Upload

router = APIRouter(include_in_schema=False)


def _keep(state: State, upload: Upload) -> str:
    """Keep a screening for its owner in the ledger database (a day, at most ``PER_USER`` of that
    user's own: see ``ledger.screenings``) and its files in memory's cache; what the database
    drops has its files removed at once."""
    key = secrets.token_urlsafe(16)
    files = [(Path(p).suffix, Path(p).read_bytes()) for p in upload.sources]
    names = [upload.names[p] for p in upload.sources]
    dropped = keep_screening(state.ledger, key, upload.owner, KeptScreening(names, files, upload.results))
    with state.lock:
        state.uploads[key] = upload
        gone = [state.uploads.pop(k) for k in dropped if k in state.uploads]
        while len(state.uploads) > CACHED_UPLOADS:  # the cache only: the database still has them
            gone.append(state.uploads.popitem(last=False)[1])
    for old in gone:
        shutil.rmtree(old.folder, ignore_errors=True)
    return key


CACHED_UPLOADS = 200  # screenings with their files on disk at once; the rest are read back from the database


def upload_of(key: str, user: SignedIn, state: AppState) -> Upload:
    """The signed-in user's own screening ``key`` (after a restart too: read back from the
    database, its files put in a new private folder); 404 for anyone else's or an expired one."""
    with state.lock:
        upload = state.uploads.get(key)
    if upload is not None and upload.owner == user.id:
        return upload
    kept = screening_of(state.ledger, key, user.id) if len(key) <= 32 else None
    if kept is None:
        raise HTTPProblem(404, "没有这次预审结果（可能已过期），请重新上传")
    folder = Path(tempfile.mkdtemp(prefix="admit-upload-"))
    paths = []
    for index, (suffix, content) in enumerate(kept.files):
        target = folder / f"{index:03d}{suffix}"
        target.write_bytes(content)
        paths.append(str(target))
    upload = Upload(folder, user.id, kept.results, paths, dict(zip(paths, kept.names, strict=True)))
    with state.lock:
        earlier = state.uploads.get(key)  # another request read it back meanwhile: keep one folder
        if earlier is None:
            state.uploads[key] = upload
    if earlier is not None:
        shutil.rmtree(folder, ignore_errors=True)
        return earlier
    return upload


OwnUpload = Annotated[Upload, Depends(upload_of)]


@router.get("/screen", response_class=HTMLResponse)
def screen_page(request: Request, state: AppState, user: SignedIn) -> HTMLResponse:
    return render(request, state, user, "screen.html.j2")


@router.post("/screen")
def screen_upload(state: AppState, user: SignedIn, _csrf: FormChecked, files: list[UploadFile] = File(...)) -> Response:
    key = _keep(state, screened_upload(state, user, files))
    return RedirectResponse(f"/screen/{key}", status_code=303)


def screened_upload(state: State, user: User, files: list[UploadFile]) -> Upload:
    """The uploaded files screened in the quick worker, each result named by the file's own name
    (the page and ``/api/screen`` alike)."""
    for index, upload in enumerate(files):  # refused before anything is written to disk
        name = Path(upload.filename or f"file{index}").name
        if Path(name).suffix.lower() not in (".json", ".xlsx", ".xlsm"):
            raise HTTPProblem(400, f"只能上传申请材料（.json）或申请汇总表（.xlsx），“{name}”不是")
    folder = Path(tempfile.mkdtemp(prefix="admit-upload-"))
    paths: list[Path] = []
    names: list[str] = []
    try:
        for index, upload in enumerate(files):
            name = Path(upload.filename or f"file{index}").name
            target = folder / f"{index:03d}{Path(name).suffix.lower()}"
            target.write_bytes(upload.file.read())
            paths.append(target)
            names.append(name)
        office = jobs.Office.of(state.admit)
        results = jobs.run(jobs.QUICK, jobs.screen, office, [str(p) for p in paths], date.today())
    except BaseException:  # a failed screening leaves nothing of the applicant's behind
        shutil.rmtree(folder, ignore_errors=True)
        raise
    shown = {str(p): n for p, n in zip(paths, names, strict=True)}
    for result in results:
        result["source"] = jobs.as_uploaded(result["source"], shown, " 第 {} 行")
    return Upload(folder, user.id, results, [str(p) for p in paths], shown)


@router.get("/screen/{key}", response_class=HTMLResponse)
def screen_results(request: Request, key: str, state: AppState, user: SignedIn, upload: OwnUpload) -> HTMLResponse:
    rows = []
    for index, result in enumerate(upload.results):
        decision = result.get("decision")
        problems = result.get("error", {}).get("problems", [])
        rows.append({
            "index": index, "source": result["source"], "decision": decision,
            "about": decision["application"] if decision else result.get("application", {}),
            "verdict": VERDICTS[decision["verdict"]] if decision else INVALID_LABEL,
            "verdict_code": decision["verdict"] if decision else "invalid",
            "failed": "、".join(failed_rules(decision, "mandatory")) if decision else "",
            "problems": [{"place": problem_place(p), "message": p["message"]} for p in problems],
        })  # fmt: skip
    return render(request, state, user, "screen_results.html.j2", key=key, rows=rows, counts=summary(upload.results))


@router.get("/screen/{key}/results.xlsx")
def screen_workbook(state: AppState, upload: OwnUpload) -> Response:
    return download(state.admit.screening_documents(upload.results, {XLSX})[XLSX], "预审结果.xlsx", XLSX_TYPE)


@router.get("/screen/{key}/packet.{kind}")
def screen_packet(kind: str, state: AppState, upload: OwnUpload) -> Response:
    media = document_type(kind)
    office = jobs.Office.of(state.admit)
    data = jobs.run(jobs.LONG, jobs.packet, office, upload.sources, upload.names, date.today(), kind)
    return download(data, f"会议材料.{kind}", media)


@router.get("/screen/{key}/opinion/{index}.{kind}")
def screen_opinion(index: int, kind: str, state: AppState, upload: OwnUpload) -> Response:
    media = document_type(kind)
    office = jobs.Office.of(state.admit)
    made = jobs.run(jobs.QUICK, jobs.opinion, office, upload.sources, index, date.today(), kind)
    if isinstance(made, dict):
        status = 404 if made["error"]["kind"] == "not_found" else 422
        raise HTTPProblem(status, "申请材料无效，没有审查意见", made["error"]["problems"])
    result = upload.results[index]
    name = result["decision"]["application"]["id"] if "decision" in result else str(index)
    return download(made, f"审查意见-{name}.{kind}", media)


@router.post("/screen/{key}/record")
def screen_record(
    request: Request, key: str, state: AppState, _user: SignedIn, _csrf: FormChecked, user: Reviewer, upload: OwnUpload
) -> Response:
    # The ledger keeps where each revision came from as the person named it: the uploaded file's
    # own name and row, never the temporary path it was kept under.
    items = jobs.uploaded_items(upload.sources, upload.names)
    outcome = record_applications(state.ledger, items, state.admit.rulebook, date.today(), user.name)
    flash(request, f"已登记到台账：{len(outcome.recorded)} 份（内容未变 {len(outcome.unchanged)} 份，无效 {len(outcome.refused)} 份）")
    return RedirectResponse(f"/screen/{key}", status_code=303)
