"""联席会议 in the browser: the meetings held, an agenda, and resolutions."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from admission.dates import parse_iso_date
from admission.errors import ChangeRefused
from admission.ledger.accounts import User
from admission.ledger.queries import recent_meetings
from admission.ledger.records import record_resolution, record_resolutions, set_agenda
from admission.ledger.views import list_page, meeting_detail
from admission.vocabulary import RESULTS
from admission.web import jobs
from admission.web.deps import AppState, FormChecked, Listed, Reviewer, SignedIn, document_type, download, flash, render
from admission.web.problems import HTTPProblem
from admission.web.state import State

router = APIRouter(include_in_schema=False)
AGENDA_SEPARATORS = ("，", "、", ";", "；", "\n")


def day_of(text: str) -> date:
    """A YYYY-MM-DD form or query field, refused in Chinese."""
    day = parse_iso_date(text.strip())
    if day is None:
        raise HTTPProblem(422, f"日期应为 YYYY-MM-DD，实际为 {text!r}")
    return day


def case_ids_of(text: str) -> list[str]:
    """案件编号 as a clerk lists them: one per line, or separated by commas or 、."""
    for separator in AGENDA_SEPARATORS:
        text = text.replace(separator, ",")
    return [part.strip() for part in text.split(",") if part.strip()]


@router.get("/meetings", response_class=HTMLResponse)
def meetings_page(request: Request, state: AppState, user: SignedIn, listing: Listed) -> HTMLResponse:
    with state.ledger.reading() as connection:
        held = [{"year": m.year, "number": m.number, "held_on": m.held_on.isoformat()} for m in recent_meetings(connection, None)]
    found = list_page(held, q=listing.q, searched=("held_on",), page=listing.page, per_page=listing.per_page)
    return render(request, state, user, "meetings.html.j2", meetings=found.rows, found=found, listing=listing, results=RESULTS)


def meeting_of(state: State, year: int, number: int) -> dict[str, Any]:
    def read() -> dict[str, Any] | None:
        with state.ledger.reading() as connection:
            return meeting_detail(connection, year, number)

    detail = state.read_now(("meeting", year, number), read)
    if detail is None:
        raise HTTPProblem(404, f"台账中没有 {year} 年第 {number} 次会议")
    return detail


@router.get("/meetings/{year}/{number}", response_class=HTMLResponse)
def meeting_page(request: Request, year: int, number: int, state: AppState, user: SignedIn) -> HTMLResponse:
    """One meeting: its agenda in order, every item's result entered on one form, the packet."""
    return _meeting_page(request, state, user, meeting_of(state, year, number))


def _meeting_page(request: Request, state: State, user: User, detail: dict[str, Any], status: int = 200,
                  errors: dict[str, str] | None = None, typed: dict[str, tuple[str, str]] | None = None) -> HTMLResponse:  # fmt: skip
    """The meeting's page; a refused form shown again with what was typed and each message on its row."""
    items = [i for i in detail["items"] if user.sees(i["district"])]
    if typed:
        items = [{**i, "result": typed[i["id"]][0] or i["result"], "conditions": typed[i["id"]][1]} if i["id"] in typed else i
                 for i in items]  # fmt: skip
    return render(request, state, user, "meeting.html.j2", status=status, m=detail, items=items, results=RESULTS, errors=errors or {})


@router.post("/meetings/{year}/{number}/results")
async def meeting_results_form(request: Request, year: int, number: int, state: AppState, _user: SignedIn, _csrf: FormChecked,
                               user: Reviewer) -> Response:  # fmt: skip
    """Every agenda row's result saved at once (rows left blank are left as they are)."""
    detail = await run_in_threadpool(meeting_of, state, year, number)  # the database, never on the event loop
    form = await request.form()
    decided = []
    for item in detail["items"]:
        result = str(form.get(f"result:{item['id']}", "")).strip()
        if result:
            conditions = str(form.get(f"conditions:{item['id']}", "")).strip() or None
            decided.append((item["id"], result, conditions))
    held_on = date.fromisoformat(detail["held_on"])
    try:
        changed = await run_in_threadpool(record_resolutions, state.ledger, number, held_on, decided, actor=user.name,
                                          source="admit serve", today=date.today())  # fmt: skip
    except ChangeRefused as error:
        errors: dict[str, str] = {}
        for case_id, message in error.problems:
            errors[case_id] = f"{errors[case_id]}；{message}" if case_id in errors else message
        typed = {case_id: (result, conditions or "") for case_id, result, conditions in decided}
        return await run_in_threadpool(_meeting_page, request, state, user, detail, 422, errors, typed)
    flash(request, f"已保存 {year} 年第 {number} 次会议审议结果：{changed} 项有变化")
    return RedirectResponse(f"/meetings/{year}/{number}", status_code=303)


@router.get("/meetings/{year}/{number}/packet.{kind}")
def meeting_packet(year: int, number: int, kind: str, state: AppState, user: SignedIn, title: str = "") -> Response:
    """The meeting's packet from its agenda, as ``admit packet --meeting-no`` makes it."""
    media = document_type(kind)
    detail = meeting_of(state, year, number)
    held_on = date.fromisoformat(detail["held_on"])
    items = state.admit.agenda_items(number, held_on)
    data = jobs.run(jobs.LONG, jobs.agenda_packet, jobs.Office.of(state.admit), items, number, held_on, title[:100], kind)
    return download(data, f"{year}年第{number}次会议材料.{kind}", media)


@router.post("/meetings/agenda")
def agenda_form(
    request: Request, state: AppState, _user: SignedIn, _csrf: FormChecked, user: Reviewer,
    number: int = Form(...), held_on: str = Form(...), ids: str = Form(""),
) -> Response:  # fmt: skip
    day = day_of(held_on)
    set_agenda(state.ledger, number, day, case_ids_of(ids), actor=user.name, source="admit serve", today=date.today())
    flash(request, f"已设定 {day.year} 年第 {number} 次会议议程")
    return RedirectResponse("/meetings", status_code=303)


@router.post("/meetings/resolution")
def resolution_form(
    request: Request, state: AppState, _user: SignedIn, _csrf: FormChecked, user: Reviewer,
    number: int = Form(...), held_on: str = Form(...), case_id: str = Form(...), result: str = Form(...), conditions: str = Form(""),
) -> Response:  # fmt: skip
    day = day_of(held_on)
    record_resolution(
        state.ledger, number, day, case_id.strip(), result, conditions or None, actor=user.name, source="admit serve", today=date.today()
    )
    flash(request, f"已登记 {case_id} 审议结果：{result}")
    return RedirectResponse("/meetings", status_code=303)
