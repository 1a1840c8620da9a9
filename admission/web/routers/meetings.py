"""联席会议 in the browser: the meetings held, an agenda, and resolutions."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from admission.dates import parse_iso_date
from admission.ledger.queries import recent_meetings
from admission.ledger.records import record_resolution, set_agenda
from admission.vocabulary import RESULTS
from admission.web.deps import AppState, FormChecked, Reviewer, SignedIn, flash, render
from admission.web.problems import HTTPProblem

router = APIRouter(include_in_schema=False)
SHOWN_MEETINGS = 30
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
def meetings_page(request: Request, state: AppState, user: SignedIn) -> HTMLResponse:
    with state.ledger.reading() as connection:
        held = recent_meetings(connection, SHOWN_MEETINGS)
    return render(request, state, user, "meetings.html.j2", meetings=held, results=RESULTS)


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
