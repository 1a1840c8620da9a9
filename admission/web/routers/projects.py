"""项目台账 in the browser: the list, one project, and the milestones and yearly figures a
reviewer or the project's own district user records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from admission.contract.limits import case_id_problem
from admission.dates import beijing_date, parse_iso_date
from admission.errors import ChangeRefused
from admission.intake.sources import revision_item
from admission.ledger.accounts import User
from admission.ledger.book import (
    CORRECTION_COLUMNS,
    EXTENSION_COLUMNS,
    IDENTITY,
    PROJECT_COLUMNS,
    TRANSFER_COLUMNS,
    BookColumn,
    amount_text,
    record_row,
)
from admission.ledger.history import state as ledger_state
from admission.ledger.queries import project_district, revision_content
from admission.ledger.records import set_progress, set_year, terminate
from admission.ledger.views import Filters, ListPage, NotFound, list_page, project_detail, project_rows, project_sort_keys
from admission.numbers import grouped
from admission.vocabulary import MILESTONE_KEYS, MILESTONES, ORDERED_MILESTONES, PASSED, RESULTS, STAGES
from admission.web import jobs
from admission.web.deps import (
    AppState,
    FormChecked,
    Listed,
    ListQuery,
    Reviewer,
    SignedIn,
    document_type,
    download,
    flash,
    list_query,
    render,
)
from admission.web.problems import HTTPProblem
from admission.web.state import State

router = APIRouter(include_in_schema=False)


def visible(state: State, user: User, case_id: str) -> dict[str, Any]:
    """The project as ``ledger show --json`` has it; 404 when absent or outside a district user's district."""
    if case_id_problem(case_id):  # never sent to the database: a NUL or a path is no 案件编号
        raise HTTPProblem(404, "没有这个案件编号的项目")
    with state.ledger.reading() as connection:
        # Another district's project and a missing one take the same one small query and the same
        # answer: neither the message nor the time tells them apart.
        district = project_district(connection, case_id)
        if district is None or not user.sees(district):
            raise HTTPProblem(404, f"没有案件编号为 {case_id} 的项目")
        try:
            return project_detail(connection, case_id)
        except NotFound:
            raise HTTPProblem(404, f"没有案件编号为 {case_id} 的项目") from None


def changeable(state: State, user: User, case_id: str) -> dict[str, Any]:
    """The project, when this user may record its progress (a reviewer, or its own district user)."""
    detail = visible(state, user, case_id)
    if not user.may_record_progress(detail["district"]):
        raise HTTPProblem(403, f"{user.role_label}无权修改该项目")
    return detail


def monitored_fact_problem(user: User, detail: dict[str, Any], key: str, day: date) -> str | None:
    """What a district user may not do to the dates its own penalties rest on: change or clear a
    milestone already recorded, or record 挂网 … 达产 before the project's passing meeting. A
    reviewer records those as a correction, with a reason."""
    if user.role != "district":
        return None
    label = dict(MILESTONES)[key]
    if detail["milestones"].get(label):
        return f"{label}已登记为 {detail['milestones'][label]}；如需更正，请由审查员登记更正并写明理由"
    passed = [r["meeting"]["date"] for r in detail["resolutions"] if r["result"] in PASSED]
    if key in ORDERED_MILESTONES and (not passed or day.isoformat() < min(passed)):
        when = f"过会日期 {min(passed)}" if passed else "项目过会"
        return f"{label} {day.isoformat()} 早于{when}；历史日期请由审查员登记"
    return None


def record_milestone(state: State, user: User, case_id: str, milestone: str, day_text: str, source: str) -> dict[str, Any]:
    """One milestone date of one project (the form and the API alike); the project as it now is."""
    detail = changeable(state, user, case_id)
    key = MILESTONE_KEYS.get(milestone)
    day = parse_iso_date(day_text)
    if key is None:
        raise HTTPProblem(422, "无效的进度节点", [{"path": "milestone", "message": f"应为 {'、'.join(MILESTONE_KEYS)} 之一"}])
    if day is None:
        raise HTTPProblem(422, "无效的日期", [{"path": "date", "message": f"日期应为 YYYY-MM-DD，实际为 {day_text!r}"}])
    refused = monitored_fact_problem(user, detail, key, day)
    if refused:
        raise HTTPProblem(403, refused)
    set_progress(state.ledger, case_id, {key: day}, actor=user.name, today=date.today(), source=source)
    return visible(state, user, case_id)


def listed_projects(
    state: State, user: User, listing: ListQuery, district: str, stage: str, resolution: str, whole: bool = False
) -> ListPage:
    """The project list as asked for (filters, search, sort, page), a district user's own only:
    the page and ``/api/projects`` alike."""
    wanted = user.own_district or (district or None)
    def read() -> list[dict[str, Any]]:
        with state.ledger.reading() as connection:
            return project_rows(ledger_state(connection), Filters(district=wanted, stage=stage or None, resolution=resolution or None))

    rows = state.read_now(("projects", wanted, stage, resolution), read)
    sortable = project_sort_keys(state.admit.rulebook.districts)
    per_page = None if whole else listing.per_page
    return list_page(rows, q=listing.q, sort=listing.sort, descending=listing.descending, sortable=sortable, page=listing.page,
                     per_page=per_page)  # fmt: skip


LIST_COLUMNS = (
    ("id", "案件编号"), ("name", "项目名称"), ("district", "区域"), ("type", "类型"), ("total_investment", "计划总投资（万元）"),
    ("verdict", "审查结论"), ("resolution", "审议结果"), ("stage", "阶段"),
)  # fmt: skip


@router.get("/projects", response_class=HTMLResponse)
def projects_page(
    request: Request, state: AppState, user: SignedIn, listing: Listed, district: str = "", stage: str = "", resolution: str = ""
) -> HTMLResponse:
    found = listed_projects(state, user, listing, district, stage, resolution)
    chosen = {"district": district, "stage": stage, "resolution": resolution, "q": listing.q}
    rows = shown_rows(found)
    return render(request, state, user, "projects.html.j2", rows=rows, found=found, listing=listing, columns=LIST_COLUMNS,
                  signed_columns=SIGNED_COLUMNS, errors={}, typed={},
                  districts=state.admit.rulebook.districts, stages=STAGES, results=RESULTS, chosen=chosen)  # fmt: skip


@dataclass(frozen=True)
class SheetForm:
    """A form on the project page that records one row of a 台账 sheet (the same checks and
    messages as the import): its name, heading, sheet and the columns it shows."""

    key: str
    heading: str
    sheet: str
    columns: tuple[BookColumn, ...]


def _without_id(columns: tuple[BookColumn, ...]) -> tuple[BookColumn, ...]:
    return tuple(c for c in columns if c.key != "id")


_MILESTONE_HEADERS = {label for _, label in MILESTONES}
SHEET_FORMS = {form.key: form for form in (
    SheetForm("contract", "土地出让合同与用地来源", "项目台账",
              tuple(c for c in _without_id(PROJECT_COLUMNS) if c not in IDENTITY and c.header not in _MILESTONE_HEADERS)),
    SheetForm("identity", "项目信息（无申请材料的签约项目）", "项目台账", IDENTITY),
    SheetForm("extension", "延期（延建）", "延期", _without_id(EXTENSION_COLUMNS)),
    SheetForm("transfer", "项目流转", "项目流转", _without_id(TRANSFER_COLUMNS)),
    SheetForm("correction", "更正（写明原因）", "更正", _without_id(CORRECTION_COLUMNS)),
)}  # fmt: skip


def _project_page(
    request: Request, state: State, user: User, detail: dict[str, Any], status: int = 200, refused: str = "",
    errors: dict[str, str] | None = None, typed: dict[str, str] | None = None,
) -> HTMLResponse:  # fmt: skip
    today = date.today()
    findings = state.admit.monitor(today, only=detail["id"])["findings"]
    return render(request, state, user, "project.html.j2", status=status, p=detail, findings=findings, milestones=list(MILESTONE_KEYS),
                  may_record=user.may_record_progress(detail["district"]), this_year=today.year, forms=list(SHEET_FORMS.values()),
                  refused=refused, errors=errors or {}, typed=typed or {})  # fmt: skip


def shown_rows(found: ListPage) -> list[dict[str, Any]]:
    """The list's rows with their amounts as the page prints them."""
    return [{**r, "amount": grouped(Decimal(str(r["total_investment"]))) if r["total_investment"] is not None else ""} for r in found.rows]


SIGNED_COLUMNS = (PROJECT_COLUMNS[0], *IDENTITY, *(c for c in PROJECT_COLUMNS if c.key == "signed_on"))


@router.post("/projects", response_class=HTMLResponse, include_in_schema=False)
async def new_signed_project(request: Request, state: AppState, _user: SignedIn, _csrf: FormChecked, user: Reviewer) -> Response:
    """A signed project without an application (签约项目, counted in 招商成效): one 项目台账 row."""
    submitted = await request.form()
    typed = {c.header: str(submitted.get(c.header, "")) for c in SIGNED_COLUMNS}
    try:
        await run_in_threadpool(record_row, state.ledger, "项目台账", typed, state.admit.rulebook, user.name, date.today(), "admit serve")
    except ChangeRefused as error:
        errors = {header: message for header, message in error.problems}
        listing = list_query(request)
        found = await run_in_threadpool(listed_projects, state, user, listing, "", "", "")
        return render(request, state, user, "projects.html.j2", status=422, rows=shown_rows(found), found=found, listing=listing,
                      columns=LIST_COLUMNS, districts=state.admit.rulebook.districts, stages=STAGES, results=RESULTS,
                      chosen={"district": "", "stage": "", "resolution": "", "q": ""}, signed_columns=SIGNED_COLUMNS,
                      errors=errors, typed=typed)  # fmt: skip
    case_id = typed["案件编号"].strip()
    flash(request, f"已登记签约项目 {case_id}")
    return RedirectResponse(f"/projects/{quote(case_id)}", status_code=303)


@router.get("/projects/{case_id}", response_class=HTMLResponse)
def project_page(request: Request, case_id: str, state: AppState, user: SignedIn) -> HTMLResponse:
    return _project_page(request, state, user, visible(state, user, case_id))


@router.post("/projects/{case_id}/sheet/{form_key}", response_class=HTMLResponse)
async def sheet_form(request: Request, case_id: str, form_key: str, state: AppState, _user: SignedIn, _csrf: FormChecked,
                     user: Reviewer) -> Response:  # fmt: skip
    """A land contract, 用地来源, a signed-only project's identity, an extension, a transfer or a
    correction: one 台账 row, recorded as the import records it. A refused form comes back with
    what was typed and each message beside its field."""
    form = SHEET_FORMS.get(form_key)
    if form is None:
        raise HTTPProblem(404, "没有这张表单")
    detail = await run_in_threadpool(visible, state, user, case_id)
    submitted = await request.form()
    typed = {c.header: str(submitted.get(c.header, "")) for c in form.columns}
    try:
        changed = await run_in_threadpool(record_row, state.ledger, form.sheet, {"案件编号": case_id, **typed}, state.admit.rulebook,
                                          user.name, date.today(), "admit serve")  # fmt: skip
    except ChangeRefused as error:
        errors = {header: message for header, message in error.problems}
        return await run_in_threadpool(_project_page, request, state, user, detail, 422, form.key, errors, typed)
    flash(request, f"已登记{form.heading}" if changed else f"{form.heading}与台账一致，没有变化")
    return RedirectResponse(f"/projects/{case_id}#{form.key}", status_code=303)


@router.post("/projects/{case_id}/terminate")
def terminate_form(request: Request, case_id: str, state: AppState, _user: SignedIn, _csrf: FormChecked, user: Reviewer,
                   on: str = Form(""), reason: str = Form("")) -> Response:  # fmt: skip
    """A project ended (终止) from a date, with its reason (``admit ledger terminate``)."""
    detail = visible(state, user, case_id)
    day = parse_iso_date(on.strip())
    try:
        if day is None:
            raise ChangeRefused([("终止日期", f"日期应为 YYYY-MM-DD，实际为“{on}”")])
        terminate(state.ledger, case_id, day, reason, actor=user.name, today=date.today(), source="admit serve")
    except ChangeRefused as error:
        errors = {header: message for header, message in error.problems}
        return _project_page(request, state, user, detail, 422, "terminate", errors, {"终止日期": on, "终止原因": reason})
    flash(request, f"已登记终止：{day.isoformat()}")
    return RedirectResponse(f"/projects/{case_id}", status_code=303)


@router.get("/projects/{case_id}/revisions/{number}/opinion.{kind}")
def revision_opinion(case_id: str, number: int, kind: str, state: AppState, user: SignedIn) -> Response:
    """The 审查意见 of any revision the ledger keeps (as ``admit check --pdf`` made it), dated
    the day its decision was recorded."""
    media = document_type(kind)
    detail = visible(state, user, case_id)
    made = next((d["made_at"] for d in detail["decisions"] if d["revision"] == number), None)
    with state.ledger.reading() as connection:
        content = revision_content(connection, case_id, number)
    if content is None:
        raise HTTPProblem(404, f"{case_id} 没有第 {number} 版申请材料")
    review_date = beijing_date(made) if made else date.today()
    answer = jobs.run(
        jobs.QUICK, jobs.item_opinion, jobs.Office.of(state.admit), revision_item(case_id, content, number), review_date, kind
    )
    if isinstance(answer, dict):
        raise HTTPProblem(422, "该版申请材料无效，没有审查意见", answer["error"]["problems"])
    return download(answer, f"审查意见-{case_id}-第{number}版.{kind}", media)


@router.post("/projects/{case_id}/milestones")
def milestone_form(
    request: Request, case_id: str, state: AppState, user: SignedIn, _csrf: FormChecked, milestone: str = Form(""), day: str = Form("")
) -> Response:
    record_milestone(state, user, case_id, milestone, day, "admit serve")
    flash(request, f"已登记 {milestone}日期 {day}")
    return RedirectResponse(f"/projects/{case_id}", status_code=303)


RESULT_FIELDS = (("tax", "实际税收（万元）"), ("output", "实际产值（万元）"), ("fixed_assets", "累计固定资产投资（万元）"))


def record_results(state: State, user: User, case_id: str, year: int, typed: dict[str, str], source: str) -> dict[str, Any]:
    """One year's actual figures of one project (the form and the API alike); the project as it now is."""
    changeable(state, user, case_id)
    figures: dict[str, str] = {}
    problems = []
    for key, label in RESULT_FIELDS:
        if typed.get(key, "").strip():
            try:
                figures[key] = amount_text(typed[key])
            except ValueError as error:
                problems.append({"path": label, "message": str(error)})
    if problems:
        raise HTTPProblem(422, "履约数据不能登记", problems)
    set_year(state.ledger, case_id, year, figures, actor=user.name, today=date.today(), source=source)
    return visible(state, user, case_id)


@router.post("/projects/{case_id}/results")
def results_form(
    request: Request, case_id: str, state: AppState, user: SignedIn, _csrf: FormChecked, year: str = Form(""),
    tax: str = Form(""), output: str = Form(""), fixed_assets: str = Form(""),
) -> Response:  # fmt: skip
    changeable(state, user, case_id)  # who may, before what was typed is looked at
    if not year.strip().isdigit() or len(year.strip()) != 4:
        raise HTTPProblem(422, "履约数据不能登记", [{"path": "年度", "message": f"应为四位年度，如 2025，实际为 {year!r}"}])
    record_results(state, user, case_id, int(year), {"tax": tax, "output": output, "fixed_assets": fixed_assets}, "admit serve")
    flash(request, f"已登记 {year.strip()} 年履约数据")
    return RedirectResponse(f"/projects/{case_id}", status_code=303)
