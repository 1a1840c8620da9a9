"""Static files, signing in and out, and the home page."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from admission.contract.limits import MAX_NAME
from admission.ledger import accounts
from admission.ledger.history import state as ledger_state
from admission.ledger.views import Filters, project_rows
from admission.resources import data_dir
from admission.vocabulary import STAGES
from admission.web.deps import (
    LOGIN_ATTEMPTS,
    XLSX_TYPE,
    AppState,
    SignedIn,
    check_csrf,
    client_address,
    download,
    forget_attempts,
    local_path,
    open_session,
    render,
    take_attempt,
)
from admission.web.problems import HTTPProblem
from admission.web.routers.supervision import home_todo

router = APIRouter(include_in_schema=False)
STATIC = {"admit.css": "text/css; charset=utf-8", "admit.js": "text/javascript; charset=utf-8"}


@router.get("/static/{name}")
def static(name: str) -> Response:
    if name not in STATIC:
        raise HTTPProblem(404, "没有这个文件")
    return Response((data_dir("templates") / "web" / "static" / name).read_bytes(), media_type=STATIC[name])


BLANKS = {"intake": "申请汇总表（模板）.xlsx", "ledger": "项目台账（模板）.xlsx"}


@router.get("/blank/{which}.xlsx")
def blank_workbook(which: str, state: AppState, user: SignedIn) -> Response:
    """The blank 申请汇总表 and 台账 workbooks (``admit template``, ``admit ledger template``)."""
    from admission.intake.workbook import template_bytes as intake_template
    from admission.ledger.book import template_bytes as ledger_template

    makers = {"intake": intake_template, "ledger": ledger_template}
    if which not in makers:
        raise HTTPProblem(404, "没有这个模板")
    return download(makers[which](state.admit.rulebook), BLANKS[which], XLSX_TYPE)


@router.get("/rules", response_class=HTMLResponse)
def rules_page(request: Request, state: AppState, user: SignedIn, as_of: str = "") -> HTMLResponse:
    """The rule book, read-only: its versions, and the rule sets and 履约条款 in force on a day (``admit rules list``)."""
    from admission.rules.tools import in_force, ruleset_table, term_lines
    from admission.web.routers.meetings import day_of

    on = day_of(as_of) if as_of else date.today()
    rulebook = state.admit.rulebook
    versions = [{"version": v.version, "title": v.title, "period": v.period_text(), "in_force": v.in_force(on),
                 "types": "、".join(rs.label for rs in v.rulesets.values())} for v in rulebook.versions]  # fmt: skip
    sets = []
    for selected in in_force(rulebook, on, None):
        table = ruleset_table(selected)
        sets.append({"title": f"{selected.ruleset.label} · {selected.version.version}", "header": table[0], "rows": table[1:],
                     "tiers": [(t.label, "、".join(t.districts)) for t in selected.version.tiers],
                     "terms": term_lines(selected.version.monitoring)})  # fmt: skip
    return render(request, state, user, "rules.html.j2", versions=versions, sets=sets, as_of=on.isoformat())


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, state: AppState, next: str = "") -> HTMLResponse:
    return render(request, state, None, "login.html.j2", next=local_path(next) or "")


@router.post("/login")
def login(
    request: Request, state: AppState, name: str = Form(""), password: str = Form(""), csrf: str = Form(""), next: str = Form("")
) -> Response:
    check_csrf(request, csrf)
    refused = "用户名或密码错误，或账户已停用"
    if len(name) > MAX_NAME or len(password) > 1000:  # refused before anything is kept or hashed
        return render(request, state, None, "login.html.j2", status=401, error=refused, next="")
    key = (client_address(request), name)
    if not take_attempt(state, key, LOGIN_ATTEMPTS):  # counted before the slow check, so parallel guesses all count
        raise HTTPProblem(429, "登录失败次数过多，请 5 分钟后再试")
    user = accounts.by_password(state.ledger, name, password)
    if user is None:
        return render(
            request, state, None, "login.html.j2", status=401, error="用户名或密码错误，或账户已停用", next=local_path(next) or ""
        )
    forget_attempts(state, key)
    open_session(request, user)
    return RedirectResponse(local_path(next) or "/", status_code=303)  # back where the sign-in was asked for


@router.post("/logout")
def logout(request: Request, state: AppState, csrf: str = Form("")) -> Response:
    """Signing out ends the session on the server too: the cookie, kept or copied, no longer works."""
    check_csrf(request, csrf)
    user_id = request.session.get("user")
    user = accounts.by_id(state.ledger, user_id) if isinstance(user_id, int) else None
    if user is not None and request.session.get("epoch") == user.epoch:
        accounts.end_sessions(state.ledger, user)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/")
def home(request: Request, state: AppState, user: SignedIn) -> Response:
    if user.is_admin:
        return RedirectResponse("/admin", status_code=303)

    def read() -> tuple[list[dict[str, Any]], dict[str, Any]]:
        with state.ledger.reading() as connection:
            snapshot = ledger_state(connection)  # one reading of the ledger for the whole page
            return project_rows(snapshot, Filters(district=user.own_district)), home_todo(state, user, snapshot)

    rows, todo = state.read_now(("home", user.own_district, date.today()), read)
    stages = {stage: sum(1 for r in rows if r["stage"] == stage) for stage in STAGES}
    deviations = [r for r in rows if r["deviation"]]
    return render(request, state, user, "home.html.j2", total=len(rows), stages=stages, deviations=deviations, todo=todo)
