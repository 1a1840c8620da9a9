"""The JSON API: the same answers as the CLI's ``--json``, for other systems (bearer tokens)."""

from __future__ import annotations

import shutil
from datetime import date

from fastapi import APIRouter, File, UploadFile
from fastapi.responses import JSONResponse, Response

from admission.contract.application import MAX_FILE_BYTES, RawApplication, parse_json_text
from admission.dates import date_zh, today_in_beijing
from admission.intake.batch import json_lines
from admission.review.decision import decide
from admission.review.validation import prepare
from admission.web import jobs
from admission.web.deps import ApiChecked, AppState, Body, Listed, SignedIn, document_type, download, strict_object, whole_number
from admission.web.problems import HTTPProblem
from admission.web.routers.meetings import day_of
from admission.web.routers.projects import listed_projects, record_milestone, record_results, visible
from admission.web.routers.reports import annual_figures, annual_title, monitor_result, monthly_figures, monthly_title, report_file
from admission.web.routers.screening import screened_upload

router = APIRouter(prefix="/api")
MILESTONE_SHAPE = '应为 {"milestone": "开工", "date": "YYYY-MM-DD"}'
PACKET_SHAPE = '应为 {"meeting_no": 12, "meeting_date": "YYYY-MM-DD", "format": "pdf" 或 "docx"}'


@router.post("/check", summary="审查一份申请材料（admit check --json）")
def api_check(state: AppState, user: SignedIn, _csrf: ApiChecked, body: Body) -> JSONResponse:
    if len(body) > MAX_FILE_BYTES:  # the CLI's own limit for an application file
        raise HTTPProblem(413, f"申请材料超过 {MAX_FILE_BYTES // 1024} KB 上限")
    data, problems = parse_json_text(body)  # InvalidInput for a bad body: 422, as the CLI's exit 2
    decision = decide(prepare(RawApplication("api", data, tuple(problems)), state.admit.rulebook, date.today()))
    return JSONResponse({**decision.to_json(), "exit_code": decision.exit_code})


@router.get("/projects", summary="项目清单，分页（admit ledger list --json）")
def api_projects(
    state: AppState, user: SignedIn, listing: Listed, district: str = "", stage: str = "", resolution: str = ""
) -> JSONResponse:
    found = listed_projects(state, user, listing, district, stage, resolution)
    return JSONResponse({"total": found.total, "page": found.page, "per_page": found.per_page, "projects": found.rows})


@router.get("/projects/{case_id}", summary="一个项目（admit ledger show --json）")
def api_project(case_id: str, state: AppState, user: SignedIn) -> JSONResponse:
    return JSONResponse(visible(state, user, case_id))


@router.post("/projects/{case_id}/milestones", summary="登记一个进度节点")
def api_milestone(case_id: str, state: AppState, user: SignedIn, _csrf: ApiChecked, body: Body) -> JSONResponse:
    parsed = strict_object(body)
    if not isinstance(parsed.get("milestone"), str) or not isinstance(parsed.get("date"), str):
        raise HTTPProblem(422, "请求内容无效", [{"path": "$", "message": MILESTONE_SHAPE}])
    return JSONResponse(record_milestone(state, user, case_id, parsed["milestone"], parsed["date"], "admit serve API"))


@router.get("/reports/annual", summary="年度通报（admit report annual --json）；format=pdf|docx|xlsx 时为文件")
def api_annual(year: int, state: AppState, user: SignedIn, format: str = "json") -> Response:
    figures = annual_figures(state, user, year)  # the core bounds the year
    if format != "json":
        return report_file(state, "annual", figures, format, today_in_beijing(), annual_title(figures))
    return JSONResponse(figures)


@router.get("/reports/monthly", summary="月通报（admit report monthly --json）；format=pdf|docx|xlsx 时为文件")
def api_monthly(month: str, state: AppState, user: SignedIn, format: str = "json") -> Response:
    figures = monthly_figures(state, user, month)
    if format != "json":
        return report_file(state, "monthly", figures, format, today_in_beijing(), monthly_title(figures))
    return JSONResponse(figures)


@router.get("/monitor", summary="履约核查（admit monitor --json）；format=pdf|docx|xlsx 时为文件")
def api_monitor(state: AppState, user: SignedIn, as_of: str = "", format: str = "json") -> Response:
    on = day_of(as_of) if as_of else date.today()
    result = monitor_result(state, user, on)
    if format != "json":
        return report_file(state, "monitor", result, format, on, f"履约核查（截至{date_zh(on)}）")
    return JSONResponse(result)


@router.post("/screen", summary="预审上传的申请材料与汇总表（admit screen --json）")
def api_screen(state: AppState, user: SignedIn, _csrf: ApiChecked, files: list[UploadFile] = File(...)) -> Response:
    upload = screened_upload(state, user, files)
    shutil.rmtree(upload.folder, ignore_errors=True)  # the API answers at once: nothing kept on disk
    return Response("".join(json_lines(upload.results)), media_type="application/json")


@router.post("/packet", summary="按台账议程生成会议材料（admit packet --meeting-no）")
def api_packet(state: AppState, user: SignedIn, _csrf: ApiChecked, body: Body) -> Response:
    data = strict_object(body)
    number, held, kind = whole_number(data.get("meeting_no")), data.get("meeting_date"), data.get("format", "pdf")
    if number is None or number < 1 or not isinstance(held, str) or kind not in ("pdf", "docx"):
        raise HTTPProblem(422, "请求内容无效", [{"path": "$", "message": PACKET_SHAPE}])
    held_on = day_of(held)
    items = state.admit.agenda_items(number, held_on)
    made = jobs.run(jobs.LONG, jobs.agenda_packet, jobs.Office.of(state.admit), items, number, held_on, "", kind)
    return download(made, f"{held_on.year}年第{number}次会议材料.{kind}", document_type(kind))


@router.post("/projects/{case_id}/results", summary="登记一个年度的履约数据")
def api_results(case_id: str, state: AppState, user: SignedIn, _csrf: ApiChecked, body: Body) -> JSONResponse:
    data = strict_object(body)
    year = whole_number(data.get("year"))
    if year is None:
        raise HTTPProblem(422, "请求内容无效", [{"path": "year", "message": "应为整数年度，如 2025"}])
    figures = {key: data[f"{key}_wan"] for key in ("tax", "output", "fixed_assets") if data.get(f"{key}_wan") is not None}
    return JSONResponse(record_results(state, user, case_id, year, {k: str(v) for k, v in figures.items()}, "admit serve API"))
