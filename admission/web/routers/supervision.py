"""督办与考核 in the browser and the API: the projects to chase and their lights, 督办 rounds with
the districts' replies, yearly targets with their completion, the 年考核, and progress notes. A
district user sees and answers for its own district only; a reviewer sees all and records."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from admission.dates import date_zh, parse_iso_date, today_in_beijing
from admission.errors import ChangeRefused, UsageError
from admission.ledger.accounts import User
from admission.ledger.history import Snapshot
from admission.ledger.supervision import CLOSE, REPLY, act_on_item, add_note, set_target, target_entry
from admission.ledger.views import list_page
from admission.monitoring.ledger import monitor
from admission.supervision.chase import chase
from admission.supervision.outputs import target_cells
from admission.supervision.targets import targets_report
from admission.vocabulary import CITY, LIGHTS, NOTE_FIELDS, TARGET_INDICATORS
from admission.web.deps import (
    ApiChecked,
    AppState,
    Body,
    FormChecked,
    Listed,
    Reviewer,
    SignedIn,
    flash,
    list_query,
    render,
    strict_object,
    whole_number,
)
from admission.web.problems import HTTPProblem
from admission.web.routers.meetings import day_of
from admission.web.routers.projects import visible
from admission.web.routers.reports import FILE_TYPES, report_file
from admission.web.state import State

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api")


def recorder(user: SignedIn) -> User:
    """A user who may record supervision facts: a reviewer, or a district user (its own district's)."""
    if user.role not in ("reviewer", "district"):
        raise HTTPProblem(403, f"{user.role_label}无权进行此项操作")
    return user


Recorder = Annotated[User, Depends(recorder)]


# --- what the pages and the API read -----------------------------------------------------------------


def chase_result(state: State, user: User, as_of: date, district: str = "") -> dict[str, Any]:
    """The projects to chase as of a date: a district user's own district, else the chosen one or all."""
    chosen = user.own_district or state.admit.district(district or None)
    return state.read_now(("chase", as_of, chosen), lambda: state.admit.chase(as_of, chosen))


def targets_result(state: State, user: User, year: int, district: str = "", as_of: date | None = None) -> dict[str, Any]:
    """The 绩效自评表 of 全市, or of a district (a district user's own only)."""
    chosen = user.own_district or state.admit.district(district or None)
    day = as_of or min(date(year, 12, 31), date.today())
    return state.read_now(("targets", year, day, chosen), lambda: state.admit.targets_report(year, day, chosen))


def assessment_result(state: State, user: User, year: int, as_of: date | None = None) -> dict[str, Any]:
    if user.own_district:  # a district sees where it stands, not the others' detail
        raise HTTPProblem(403, "年考核结果由审查员查看和下发")
    day = as_of or min(date(year, 12, 31), date.today())
    return state.read_now(("assessment", year, day), lambda: state.admit.assessment(year, day))


def notice_of(state: State, user: User, notice_id: int) -> dict[str, Any]:
    """A 督办通知 as recorded, its items' states and replies as of today; another district's answers as a missing one."""
    return recorded_notice(state, user, notice_id, date.today())


def recorded_notice(state: State, user: User, notice_id: int, as_of: date | None = None) -> dict[str, Any]:
    """A 督办通知 as issued (its items' states as of ``as_of``, default its issue day); another
    district's answers as a missing one."""
    try:
        notice = state.admit.notice(notice_id, as_of=as_of)
    except UsageError:
        raise HTTPProblem(404, f"没有编号为 {notice_id} 的督办通知") from None
    if not user.sees(notice["district"]):
        raise HTTPProblem(404, f"没有编号为 {notice_id} 的督办通知")
    return notice


def year_value(value: Any) -> int | None:
    """A year as a form (text) or JSON (a whole number) gives it; None when it is neither."""
    if isinstance(value, str):
        return int(value.strip()) if value.strip().isdigit() and len(value.strip()) <= 4 else None
    return whole_number(value)


def _year(text: str) -> int:
    year = year_value(text) if text else date.today().year
    if year is None:
        raise HTTPProblem(422, "无效的年度", [{"path": "year", "message": f"应为整数年度，如 2024，实际为 {text!r}"}])
    return year


def _as_of(text: str) -> date:
    return day_of(text) if text else date.today()


# --- pages -------------------------------------------------------------------------------------------

CHASE_COLUMNS = (("light", "灯号"), ("district", "区域"), ("project", "项目"), ("items", "逾期事项"), ("note", "目前进展"))


def _chase_sort_keys(districts: list[str]) -> dict[str, Callable[[dict[str, Any]], Any]]:
    order = {name: index for index, name in enumerate(districts)}
    return {"light": lambda p: {"red": 0, "yellow": 1}.get(p["light"], 2), "district": lambda p: order.get(p["district"], len(order)),
            "project": lambda p: p["project"], "items": lambda p: -max(i["overdue_days"] for i in p["items"])}  # fmt: skip


@router.get("/supervision", response_class=HTMLResponse)
def supervision_page(
    request: Request, state: AppState, user: SignedIn, listing: Listed, as_of: str = "", district: str = "", light: str = ""
) -> HTMLResponse:
    on = _as_of(as_of)
    result = chase_result(state, user, on, district)
    projects = [p for p in result["projects"] if not light or p["light"] == light]
    found = list_page(projects, q=listing.q, searched=("project", "name"), sort=listing.sort, descending=listing.descending,
                      sortable=_chase_sort_keys(state.admit.rulebook.districts), page=listing.page, per_page=listing.per_page)  # fmt: skip
    return render(request, state, user, "supervision.html.j2", result=result, found=found, listing=listing, as_of=on.isoformat(),
                  chosen={"district": district, "light": light, "q": listing.q}, columns=CHASE_COLUMNS, lights=LIGHTS,
                  districts=state.admit.rulebook.districts, issue_error=None)  # fmt: skip


@router.post("/supervision/issue")
def supervision_issue(
    request: Request, state: AppState, _user: SignedIn, _csrf: FormChecked, user: Reviewer, district: str = Form(""),
    as_of: str = Form(""),
) -> Response:  # fmt: skip
    on = _as_of(as_of)
    try:
        chosen = state.admit.district(district or None)
        if chosen is None:
            raise ChangeRefused([("区域", "请选择被督办的区域")])
        notice = state.admit.issue_supervision(chosen, on, user.name, "admit serve")
    except ChangeRefused as refused:
        result = chase_result(state, user, on)
        found = list_page(result["projects"], q="", searched=("project",), sort="", descending=False, sortable={}, page=1, per_page=50)
        listing = list_query(request)
        message = "；".join(f"{where}：{text}" for where, text in refused.problems)
        return render(request, state, user, "supervision.html.j2", status=422, result=result, found=found, listing=listing,
                      as_of=on.isoformat(), chosen={"district": district, "light": "", "q": ""}, columns=CHASE_COLUMNS, lights=LIGHTS,
                      districts=state.admit.rulebook.districts, issue_error=message)  # fmt: skip
    flash(request, f"已发出督办通知 {notice['number']}，共 {len(notice['items'])} 项")
    return RedirectResponse(f"/supervision/notices/{notice['notice']}", status_code=303)


@router.get("/supervision/notices/{number}", response_class=HTMLResponse)
def notice_page(request: Request, number: int, state: AppState, user: SignedIn) -> HTMLResponse:
    notice = notice_of(state, user, number)
    return render(request, state, user, "notice.html.j2", notice=notice, today=date.today().isoformat(),
                  answers=user.role == "reviewer" or user.own_district == notice["district"])  # fmt: skip


@router.post("/supervision/notices/{number}/items/{position}")
def notice_action(
    request: Request, number: int, position: int, state: AppState, _user: SignedIn, _csrf: FormChecked, user: Recorder,
    action: str = Form(""), text: str = Form(""), on: str = Form(""),
) -> Response:  # fmt: skip
    notice = notice_of(state, user, number)
    kind = {"reply": REPLY, "close": CLOSE}.get(action)
    if kind is None or (kind == CLOSE and not user.may_review):
        raise HTTPProblem(403, "区县专员登记反馈；办结由审查员登记")
    day = parse_iso_date(on) if on else date.today()
    if day is None:
        raise HTTPProblem(422, "无效的日期", [{"path": "日期", "message": f"日期应为 YYYY-MM-DD，实际为 {on!r}"}])
    act_on_item(state.ledger, number, position, kind, day, text, actor=user.name, today=date.today(), source="admit serve",
                district=user.own_district)  # fmt: skip
    flash(request, f"已登记{'反馈' if kind == REPLY else '办结'}：{notice['number']} 第 {position} 项")
    return RedirectResponse(f"/supervision/notices/{number}", status_code=303)


@router.get("/supervision/notices/{number}/file")
def notice_file(number: int, state: AppState, user: SignedIn, format: str = "pdf") -> Response:
    notice = recorded_notice(state, user, number)
    return report_file(state, "notice", notice, format, today_in_beijing(), f"督办通知（{notice['number']}）")


@router.get("/supervision/file")
def supervision_file(state: AppState, user: SignedIn, as_of: str = "", district: str = "", format: str = "xlsx") -> Response:
    on = _as_of(as_of)
    if format != "xlsx":
        raise HTTPProblem(422, "无效的文件格式", [{"path": "format", "message": "督办清单只有 xlsx 格式"}])
    return report_file(state, "chase", chase_result(state, user, on, district), format, on, f"督办清单（截至{date_zh(on)}）")


@router.get("/targets", response_class=HTMLResponse)
def targets_page(request: Request, state: AppState, user: SignedIn, year: str = "", district: str = "") -> HTMLResponse:
    chosen_year = _year(year)
    as_of = min(date(chosen_year, 12, 31), date.today())
    if user.own_district:  # a district sees its own targets, not the others'
        report, assessed = targets_result(state, user, chosen_year), None
    else:
        chosen = state.admit.district(district or None)
        report, result = state.read_now(("targets_with_assessment", chosen_year, as_of, chosen),
                                        lambda: state.admit.targets_with_assessment(chosen_year, as_of, chosen))  # fmt: skip
        assessed = result
    return render(request, state, user, "targets.html.j2", report=report, rows=[target_cells(r) for r in report["targets"]],
                  assessed=assessed, year=chosen_year, district=district, districts=state.admit.rulebook.districts,
                  indicators=TARGET_INDICATORS, city=CITY, typed={}, problems={})  # fmt: skip


@router.post("/targets")
def targets_set(
    request: Request, state: AppState, _user: SignedIn, _csrf: FormChecked, user: Reviewer, year: str = Form(""),
    region: str = Form(CITY), indicator: str = Form(""), target: str = Form(""), direction: str = Form("≥"), weight: str = Form(""),
    explanation: str = Form(""), reason: str = Form(""),
) -> Response:  # fmt: skip
    typed = {"year": year, "region": region, "indicator": indicator, "target": target, "direction": direction, "weight": weight,
             "explanation": explanation, "reason": reason}  # fmt: skip
    try:
        entry = target_entry(year_value(year), region, indicator, target, direction, weight, explanation or None,
                             state.admit.rulebook.districts, date.today())  # fmt: skip
        changed = set_target(state.ledger, entry, reason or None, actor=user.name, source="admit serve")
    except ChangeRefused as refused:
        chosen_year = year_value(year) or date.today().year
        report = targets_result(state, user, chosen_year)
        return render(request, state, user, "targets.html.j2", status=422, report=report, rows=[target_cells(r) for r in report["targets"]],
                      assessed=None, year=chosen_year, district="", districts=state.admit.rulebook.districts,
                      indicators=TARGET_INDICATORS, city=CITY, typed=typed, problems=dict(refused.problems))  # fmt: skip
    flash(request, f"{'已登记' if changed else '未变化'}：{entry.year}年{entry.region}“{TARGET_INDICATORS[entry.indicator]}”目标")
    return RedirectResponse(f"/targets?year={entry.year}", status_code=303)


@router.get("/targets/file")
def targets_file(state: AppState, user: SignedIn, year: str = "", district: str = "", format: str = "pdf") -> Response:
    report = targets_result(state, user, _year(year), district)
    title = f"{report['year']}年度目标任务完成情况自评表（{report['region']}）"
    return report_file(state, "targets", report, format, today_in_beijing(), title)


@router.get("/assessment/file")
def assessment_file(state: AppState, user: SignedIn, year: str = "", format: str = "pdf") -> Response:
    result = assessment_result(state, user, _year(year))
    return report_file(state, "assessment", result, format, today_in_beijing(), f"{result['year']}年度招商引资工作考核结果")


@router.post("/projects/{case_id}/notes")
def note_form(
    request: Request, case_id: str, state: AppState, _user: SignedIn, _csrf: FormChecked, user: Recorder, on: str = Form(""),
    progress: str = Form(""), problems: str = Form(""), coordination: str = Form(""), unit: str = Form(""), person: str = Form(""),
) -> Response:  # fmt: skip
    record_note(state, user, case_id, {"on": on, "progress": progress, "problems": problems, "coordination": coordination, "unit": unit,
                                       "person": person})  # fmt: skip
    flash(request, f"已登记 {case_id} 的进展情况")
    return RedirectResponse(f"/projects/{case_id}#notes", status_code=303)


def record_note(state: State, user: User, case_id: str, typed: dict[str, Any]) -> dict[str, Any]:
    """A progress note of a project (the form and the API): a reviewer, or the project's own district user."""
    detail = visible(state, user, case_id)
    if not user.may_record_progress(detail["district"]):
        raise HTTPProblem(403, f"{user.role_label}无权为该项目填报进展情况")
    on = typed.get("on") or ""
    day = parse_iso_date(on) if on else date.today()
    if day is None or not isinstance(on, str):
        raise HTTPProblem(422, "无效的日期", [{"path": "填报日期", "message": f"日期应为 YYYY-MM-DD，实际为 {on!r}"}])
    fields = {key: typed.get(key) if isinstance(typed.get(key), str) else None for key, _ in NOTE_FIELDS}
    add_note(state.ledger, case_id, day, fields, actor=user.name, today=date.today(), source="admit serve")
    return {"project": case_id, "on": day.isoformat(), **fields}


# --- the API -----------------------------------------------------------------------------------------


def _file_or_json(state: State, which: str, result: dict[str, Any], format: str, day: date, title: str) -> Response:
    if format == "json":
        return JSONResponse(result)
    if format not in FILE_TYPES:
        raise HTTPProblem(422, "无效的文件格式", [{"path": "format", "message": f"应为 json、{'、'.join(FILE_TYPES)} 之一"}])
    return report_file(state, which, result, format, day, title)


@api.get("/targets", summary="目标任务完成情况（admit report targets --json）；format=pdf|docx|xlsx 时为文件")
def api_targets(state: AppState, user: SignedIn, year: str = "", district: str = "", as_of: str = "", format: str = "json") -> Response:
    report = targets_result(state, user, _year(year), district, day_of(as_of) if as_of else None)
    return _file_or_json(state, "targets", report, format, today_in_beijing(), f"{report['year']}年度目标任务完成情况自评表")


@api.get("/assessment", summary="年考核（admit report assessment --json）；format=pdf|docx|xlsx 时为文件")
def api_assessment(state: AppState, user: SignedIn, year: str = "", as_of: str = "", format: str = "json") -> Response:
    result = assessment_result(state, user, _year(year), day_of(as_of) if as_of else None)
    return _file_or_json(state, "assessment", result, format, today_in_beijing(), f"{result['year']}年度招商引资工作考核结果")


@api.get("/supervision", summary="督办项目与督办通知（admit supervise list --json）；format=xlsx 时为文件")
def api_supervision(state: AppState, user: SignedIn, as_of: str = "", district: str = "", format: str = "json") -> Response:
    on = _as_of(as_of)
    return _file_or_json(state, "chase", chase_result(state, user, on, district), format, on, f"督办清单（截至{date_zh(on)}）")


@api.post("/targets", summary="设定或更正一项目标任务（admit targets set）")
def api_targets_set(state: AppState, _user: SignedIn, _csrf: ApiChecked, user: Reviewer, body: Body) -> JSONResponse:
    data = strict_object(body)
    entry = target_entry(year_value(data.get("year")), data.get("region", CITY), data.get("indicator"), data.get("target"),
                         data.get("direction", "≥"), data.get("weight"), data.get("explanation"), state.admit.rulebook.districts,
                         date.today())  # fmt: skip
    changed = set_target(state.ledger, entry, data.get("reason"), actor=user.name, source="admit serve API")
    return JSONResponse({"changed": changed, "year": entry.year, "region": entry.region, "indicator": entry.indicator})


@api.post("/supervision/issue", summary="向一个区域发出督办通知（admit supervise issue --json）")
def api_issue(state: AppState, _user: SignedIn, _csrf: ApiChecked, user: Reviewer, body: Body) -> JSONResponse:
    data = strict_object(body)
    district = state.admit.district(data.get("district") if isinstance(data.get("district"), str) else None)
    if district is None:
        raise HTTPProblem(422, "请求内容无效", [{"path": "district", "message": "必填：被督办的区域"}])
    on = day_of(data["as_of"]) if isinstance(data.get("as_of"), str) else date.today()
    return JSONResponse(state.admit.issue_supervision(district, on, user.name, "admit serve API"))


@api.post("/supervision/notices/{number}/items/{position}", summary="登记督办事项的反馈或办结")
def api_notice_action(number: int, position: int, state: AppState, _user: SignedIn, _csrf: ApiChecked, user: Recorder,
                      body: Body) -> JSONResponse:  # fmt: skip
    data = strict_object(body)
    notice_of(state, user, number)
    kind = {"reply": REPLY, "close": CLOSE}.get(str(data.get("action")))
    if kind is None:
        raise HTTPProblem(422, "请求内容无效", [{"path": "action", "message": "应为 reply（反馈）或 close（办结）"}])
    if kind == CLOSE and not user.may_review:
        raise HTTPProblem(403, "办结由审查员登记")
    day = parse_iso_date(data["on"]) if isinstance(data.get("on"), str) else date.today()
    if day is None:
        raise HTTPProblem(422, "无效的日期", [{"path": "on", "message": "日期应为 YYYY-MM-DD"}])
    text = data.get("text") if isinstance(data.get("text"), str) else None
    act_on_item(state.ledger, number, position, kind, day, text, actor=user.name, today=date.today(), source="admit serve API",
                district=user.own_district)  # fmt: skip
    return JSONResponse(notice_of(state, user, number))


@api.post("/projects/{case_id}/notes", summary="填报项目进展情况（admit ledger note）")
def api_note(case_id: str, state: AppState, _user: SignedIn, _csrf: ApiChecked, user: Recorder, body: Body) -> JSONResponse:
    return JSONResponse(record_note(state, user, case_id, strict_object(body)))


def home_todo(state: State, user: User, snapshot: Snapshot) -> dict[str, Any]:
    """The home page's 待办: red and yellow projects, 督办 items awaiting a reply, findings awaiting
    data, and this year's targets' lights (a district user's own; a reviewer's for all), all from
    the one snapshot the page reads (its reading connection still open)."""
    today = date.today()
    rulebook, district = state.admit.rulebook, user.own_district
    chased = chase(snapshot, rulebook, today, district)
    awaiting = [{**i, "notice": r["notice"], "number": r["number"], "reply_due": r["reply_due"]}
                for r in chased["rounds"] for i in r["items"] if i["state"] in ("awaiting", "late")]  # fmt: skip
    missing = [f for f in monitor(snapshot, rulebook, today, district)["findings"] if f["kind"] == "missing_data"]
    report = targets_report(snapshot, rulebook, today.year, today, district)
    lights = {code: sum(1 for r in report["targets"] if r["light"] == code) for code in LIGHTS}
    return {"counts": chased["counts"], "projects": chased["projects"][:10], "awaiting": awaiting, "missing_count": len(missing),
            "targets": report, "target_lights": lights}  # fmt: skip

