"""通报 and 履约核查 in the browser; a district user sees its own district's figures."""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from admission.app import refuse_period
from admission.dates import date_zh, today_in_beijing
from admission.ledger.accounts import User
from admission.ledger.views import list_page
from admission.monitoring.ledger import mark
from admission.numbers import grouped
from admission.reports.monthly import parse_month
from admission.reports.outputs import annual_charts, annual_paragraph, monthly_lines
from admission.vocabulary import FINDING_KINDS, FINDING_STATUSES
from admission.web import jobs
from admission.web.deps import (
    DOCUMENT_TYPES,
    XLSX_TYPE,
    AppState,
    FormChecked,
    Listed,
    Reviewer,
    SignedIn,
    download,
    flash,
    local_path,
    render,
)
from admission.web.problems import HTTPProblem
from admission.web.routers.meetings import day_of
from admission.web.state import State

router = APIRouter(include_in_schema=False)
LISTED_ON_PAGE = 50  # projects a section of the 月通报 page lists (a city-wide month at 50,000 projects was 8 MB)


def annual_figures(state: State, user: User, year: int) -> dict[str, Any]:
    refuse_period(year)  # before date(year, 12, 31) is even formed
    return state.read_now(("annual", year, user.own_district), lambda: state.admit.annual(year, date(year, 12, 31), user.own_district))


def monitor_result(state: State, user: User, as_of: date) -> dict[str, Any]:
    return state.read_now(("monitor", as_of, user.own_district), lambda: state.admit.monitor(as_of, user.own_district))


_chart_cache: OrderedDict[str, dict[str, str]] = OrderedDict()
_chart_lock = threading.Lock()


def _charts(figures: dict[str, Any], draw: Callable[[dict[str, Any]], dict[str, str]]) -> dict[str, str]:
    """Charts of the same figures are drawn once (matplotlib takes a tenth of a second a chart)."""
    key = json.dumps(figures, sort_keys=True, ensure_ascii=False)
    with _chart_lock:
        if key in _chart_cache:
            _chart_cache.move_to_end(key)
            return _chart_cache[key]
    charts = draw(figures)
    with _chart_lock:
        _chart_cache[key] = charts
        while len(_chart_cache) > 32:
            _chart_cache.popitem(last=False)
    return charts


FILE_TYPES = {**DOCUMENT_TYPES, "xlsx": XLSX_TYPE}


def report_file(state: State, which: str, figures: dict[str, Any], kind: str, day: date, title: str) -> Response:
    """One 通报 or 履约核查 file, made in the worker process (a PDF takes seconds of CPU), named
    in Chinese: the pages' download buttons and the API's ``format=`` alike."""
    if kind not in FILE_TYPES:
        raise HTTPProblem(422, "无效的文件格式", [{"path": "format", "message": f"应为 {'、'.join(FILE_TYPES)} 之一，实际为 {kind!r}"}])
    data = jobs.run(jobs.LONG, jobs.report_document, jobs.Office.of(state.admit), which, figures, kind, day)
    return download(data, f"{title}.{kind}", FILE_TYPES[kind])


def annual_title(figures: dict[str, Any]) -> str:
    return f"{figures['year']}年度过会项目总体情况通报" + (f"（{figures['district']}）" if figures.get("district") else "")


def monthly_title(figures: dict[str, Any]) -> str:
    year, month = figures["month"].split("-")
    return f"{int(year)}年{int(month)}月招商引资项目月通报" + (f"（{figures['district']}）" if figures.get("district") else "")


def monthly_figures(state: State, user: User, month: str) -> dict[str, Any]:
    parsed = parse_month(month)
    if parsed is None:
        raise HTTPProblem(422, "无效的月份", [{"path": "月份", "message": f"月份应为 YYYY-MM（如 2026-11），实际为 {month!r}"}])
    year, month_number = parsed
    return state.read_now(("monthly", year, month_number, user.own_district),
                          lambda: state.admit.monthly(year, month_number, user.own_district))  # fmt: skip


@router.get("/reports/annual/file")
def annual_file(state: AppState, user: SignedIn, year: int, format: str = "pdf") -> Response:
    figures = annual_figures(state, user, year)
    return report_file(state, "annual", figures, format, today_in_beijing(), annual_title(figures))


@router.get("/reports/monthly/file")
def monthly_file(state: AppState, user: SignedIn, month: str, format: str = "pdf") -> Response:
    figures = monthly_figures(state, user, month)
    return report_file(state, "monthly", figures, format, today_in_beijing(), monthly_title(figures))


@router.get("/monitor/file")
def monitor_file(state: AppState, user: SignedIn, as_of: str = "", format: str = "pdf") -> Response:
    on = day_of(as_of) if as_of else date.today()
    return report_file(state, "monitor", monitor_result(state, user, on), format, on, f"履约核查（截至{date_zh(on)}）")


@router.get("/reports/annual", response_class=HTMLResponse)
def annual_page(request: Request, state: AppState, user: SignedIn, year: int | None = None) -> HTMLResponse:
    year = year or date.today().year
    figures = annual_figures(state, user, year)
    charts = _charts(figures, annual_charts) if figures["passed"] else {}
    return render(request, state, user, "annual.html.j2", f=figures, paragraph=annual_paragraph(figures), charts=charts, year=year)


@router.get("/reports/monthly", response_class=HTMLResponse)
def monthly_page(request: Request, state: AppState, user: SignedIn, month: str = "") -> HTMLResponse:
    today = date.today()
    chosen = month or f"{today.year:04d}-{today.month:02d}"
    figures = monthly_figures(state, user, chosen)
    lines = monthly_lines(figures, limit=LISTED_ON_PAGE)  # the file downloaded lists every project
    return render(request, state, user, "monthly.html.j2", lines=lines, month=chosen)


FINDING_COLUMNS = (("district", "区域"), ("project", "项目"), ("kind", "核查结果"), ("amount", "金额（万元）"), ("explanation", "说明"),
                   ("status", "处理情况"))  # fmt: skip


def finding_sort_keys(districts: list[str]) -> dict[str, Callable[[dict[str, Any]], Any]]:
    order = {name: index for index, name in enumerate(districts)}
    return {
        "district": lambda f: order.get(f["district"], len(order)),
        "project": lambda f: f["project"],
        "kind": lambda f: f["kind_label"],
        "amount": lambda f: Decimal(str(f["amount_wan"])) if f["amount_wan"] is not None else None,
        "status": lambda f: f["status_label"],
    }


@router.get("/monitor", response_class=HTMLResponse)
def monitor_page(
    request: Request, state: AppState, user: SignedIn, listing: Listed, as_of: str = "", district: str = "", kind: str = "",
    status: str = "",
) -> HTMLResponse:  # fmt: skip
    on = day_of(as_of) if as_of else date.today()
    result = monitor_result(state, user, on)
    findings = [f for f in result["findings"] if (not district or f["district"] == district) and (not kind or f["kind"] == kind)
                and (not status or f["status"] == status)]  # fmt: skip
    found = list_page(findings, q=listing.q, searched=("project", "name"), sort=listing.sort, descending=listing.descending,
                      sortable=finding_sort_keys(state.admit.rulebook.districts), page=listing.page, per_page=listing.per_page)  # fmt: skip
    rows = [{**f, "amount_text": grouped(Decimal(str(f["amount_wan"]))) if f["amount_wan"] is not None else "—",
             "anchor": finding_anchor(f)} for f in found.rows]  # fmt: skip
    summary = result["summary"]
    totals = {key: grouped(Decimal(str(summary[key]))) for key in ("total_amount_wan", "open_amount_wan")}
    chosen = {"district": district, "kind": kind, "status": status, "q": listing.q}
    return render(request, state, user, "monitor.html.j2", result=result, rows=rows, found=found, listing=listing, totals=totals,
                  as_of=on.isoformat(), chosen=chosen, columns=FINDING_COLUMNS, districts=state.admit.rulebook.districts,
                  kinds=FINDING_KINDS, statuses=FINDING_STATUSES, back=listing.url())  # fmt: skip


def finding_anchor(finding: dict[str, Any]) -> str:
    """The row's id on the page, so that marking it comes back to the same row."""
    return "f-" + re.sub(r"[^A-Za-z0-9_-]", "_", f"{finding['project']}-{finding['kind']}-{finding['year'] or ''}")


@router.post("/monitor/mark")
def monitor_mark(
    request: Request, state: AppState, _user: SignedIn, _csrf: FormChecked, user: Reviewer,
    project: str = Form(...), kind: str = Form(...), year: str = Form(""), status: str = Form(...), reason: str = Form(""),
    back_to: str = Form(""),
) -> Response:  # fmt: skip
    try:
        finding_year = int(year) if year.strip() else None
    except ValueError:
        raise HTTPProblem(422, "处理情况不能登记", [{"path": "年度", "message": f"应为整数，实际为 {year!r}"}]) from None
    mark(state.ledger, state.admit.rulebook, project, kind, finding_year, status, reason or None, user.name, date.today())
    flash(request, f"已登记 {project} 的处理情况")
    # Back to the same list (date, filters, page) at the same row, not to the top of all findings.
    back = local_path(back_to) if back_to.startswith("/monitor") else None
    anchor = finding_anchor({"project": project, "kind": kind, "year": finding_year})
    return RedirectResponse(f"{back or '/monitor'}#{anchor}", status_code=303)
