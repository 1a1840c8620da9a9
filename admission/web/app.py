"""The ASGI application of ``admit serve``: pages for people, a JSON API for systems.

Thin over the core: every verdict, figure and message comes from the same
:class:`~admission.app.Admit` the CLI uses. What lives in ``web`` is only what HTTP needs: who is
asking and what they may do (``deps``: sessions, tokens, roles, CSRF, as FastAPI dependencies),
the routers of each part of the site (``routers``), size and rate limits, and turning core errors
into answers without tracebacks (here).
"""

from __future__ import annotations

import contextlib
import html
import json
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from admission.app import Admit
from admission.errors import AdmitError, ChangeRefused, InvalidInput
from admission.web import jobs
from admission.web.deps import SESSION_SECONDS, referer_path
from admission.web.problems import HTTPProblem
from admission.web.routers import ROUTERS
from admission.web.state import State

MAX_BODY = 10 * 1024 * 1024  # bytes: the contract's limit for any request


class BodyLimit:
    """Refuses bodies over ``MAX_BODY`` with 413, by Content-Length or while streaming."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > MAX_BODY:
            await _too_large(send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > MAX_BODY:
                raise HTTPProblem(413, "请求内容超过 10 MB 上限")
            return message

        await self.app(scope, limited, send)


async def _too_large(send: Send) -> None:
    body = json.dumps({"error": {"kind": "too_large", "message": "请求内容超过 10 MB 上限"}}, ensure_ascii=False).encode("utf-8")
    await send({"type": "http.response.start", "status": 413, "headers": [(b"content-type", b"application/json; charset=utf-8")]})
    await send({"type": "http.response.body", "body": body})


def create_app(admit: Admit, secret: str | None = None) -> FastAPI:
    """The application over ``admit``; ``secret`` signs session cookies (random per start unless given)."""
    state = State(admit)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        jobs.shutdown()  # the worker process of screenings and PDFs ends with the server
        state.remove_files()  # and no uploaded file outlives it

    app = FastAPI(title="admit", version="1", docs_url=None, redoc_url=None, openapi_url="/openapi.json", lifespan=lifespan)
    app.state.admit = state
    app.router.redirect_slashes = False  # a "/path/" → "/path" redirect would be built from the Host header
    app.add_middleware(
        SessionMiddleware, secret_key=secret or secrets.token_urlsafe(32), session_cookie="admit_session", max_age=SESSION_SECONDS,
        same_site="strict", https_only=False,
    )  # fmt: skip
    app.add_middleware(BodyLimit)
    app.add_middleware(GZipMiddleware, minimum_size=1024)  # lists and reports compress to a tenth
    app.middleware("http")(_security_headers)
    app.add_exception_handler(HTTPProblem, _on_problem)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _on_validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(AdmitError, _on_admit_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _on_bug)
    for router in ROUTERS:
        app.include_router(router)
    return app


async def _security_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    try:
        response = await call_next(request)
    except HTTPProblem as problem:  # raised by the body limit while streaming
        response = problem_response(request, problem)
    if not request.url.path.startswith("/static/"):
        response.headers["Cache-Control"] = "no-store"  # a page or file of the ledger is never kept by a browser or proxy
    if request.url.scheme == "https":  # behind the TLS proxy (its X-Forwarded-Proto believed via --forwarded-allow-ips)
        response.raw_headers = [
            (name, value + b"; Secure" if name == b"set-cookie" and b"secure" not in value.lower() else value)
            for name, value in response.raw_headers
        ]
    return secured(response)


SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def secured(response: Response) -> Response:
    """Every answer carries the security headers, the error pages of a failure too (a 500 is
    made outside the middleware, so each error answer sets them itself)."""
    response.headers.update(SECURITY_HEADERS)
    return response


async def _on_problem(request: Request, problem: HTTPProblem) -> Response:
    return problem_response(request, problem)


async def _on_admit_error(request: Request, error: AdmitError) -> Response:
    """Core errors as answers: invalid input and refused changes are 422 with their problems (by
    field or column, as the CLI names them), a usage error 400, the database away 503."""
    if isinstance(error, InvalidInput):
        return problem_response(request, HTTPProblem(422, "申请材料无效", [p.to_json() for p in error.problems]))
    if isinstance(error, ChangeRefused):
        problems = [{"path": header, "message": message} for header, message in error.problems]
        return problem_response(request, HTTPProblem(422, "不能登记", problems))
    status = 400 if error.exit_code == 2 else 503 if error.exit_code == 69 else 500
    return problem_response(request, HTTPProblem(status, str(error)))


async def _on_bug(request: Request, error: Exception) -> Response:
    return problem_response(request, HTTPProblem(500, "内部错误，已记录；请联系管理员"))


# What a person is told on each kind of failed page (the message says why).
HEADINGS = {400: "请求有误", 401: "需要登录", 403: "无权操作", 404: "页面不存在", 405: "操作方式不对", 413: "内容过大", 422: "填写有误",
            429: "请稍后再试", 500: "系统出错", 503: "暂时无法使用"}  # fmt: skip


def wants_html(request: Request) -> bool:
    """A person's browser (pages), not a script (the API, or a client that does not ask for HTML)."""
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get("accept", "")


def problem_response(request: Request, problem: HTTPProblem) -> Response:
    return secured(_problem_answer(request, problem))


def _problem_answer(request: Request, problem: HTTPProblem) -> Response:
    if not wants_html(request):
        body: dict[str, Any] = {"error": {"kind": _KINDS.get(problem.status, "error"), "message": problem.message}}
        if problem.problems is not None:
            body["error"]["problems"] = problem.problems
            if problem.status == 422:  # the same object as the CLI's for invalid input
                body = {"error": {"kind": "invalid_input", "problems": problem.problems}}
        return JSONResponse(body, status_code=problem.status)
    if problem.status == 401:  # back to the page after signing in (a GET; a form's page for a POST)
        came_from = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.method != "GET":
            came_from = referer_path(request) or "/"
        request.session["flash"] = "登录已过期或尚未登录，请登录后继续"
        return RedirectResponse(f"/login?next={quote(came_from, safe='')}", status_code=303)
    return error_page(request, problem)


def error_page(request: Request, problem: HTTPProblem) -> Response:
    """The failure as a page in the site's layout, in Chinese, with the way back."""
    from admission.documents.templating import render_template
    from admission.ledger import accounts

    state = request.app.state.admit
    user = None
    user_id = request.session.get("user") if "session" in request.scope else None
    if isinstance(user_id, int):
        with contextlib.suppress(Exception):  # the page of a database failure must not fail too
            user = accounts.by_id(state.ledger, user_id)
    context = {
        "user": user, "csrf": request.session.get("csrf", "") if "session" in request.scope else "", "flash": None,
        "heading": HEADINGS.get(problem.status, "出错了"), "message": problem.message, "problems": problem.problems or [],
        "back": referer_path(request),
    }  # fmt: skip
    try:
        page = render_template(state.admit.templates_dir, "web/error.html.j2", context)
    except AdmitError:  # an office's broken override of the layout: still a Chinese page
        message = html.escape(problem.message)
        page = f'<!DOCTYPE html><html lang="zh-CN"><meta charset="utf-8"><title>{problem.status}</title><p>{message}</p>'
    return HTMLResponse(page, status_code=problem.status)


async def _on_http_exception(request: Request, error: StarletteHTTPException) -> Response:
    """The framework's own refusals (an unknown URL, a wrong method) in Chinese, never its English."""
    messages = {404: "没有这个页面或接口", 405: f"此地址不接受 {request.method} 请求"}
    problem = HTTPProblem(error.status_code, messages.get(error.status_code, HEADINGS.get(error.status_code, "请求无法处理")))
    response = problem_response(request, problem)
    if error.status_code == 405 and error.headers:
        response.headers.update(error.headers)
    return response


async def _on_validation_error(request: Request, error: RequestValidationError) -> Response:
    """Parameters of the wrong form (``year=abc``) as a 422 naming each parameter, in Chinese."""
    from admission.contract.application import message_zh

    problems = []
    for detail in error.errors():
        where = [str(part) for part in detail.get("loc", ()) if part not in ("query", "path", "body", "form", "header")]
        named = {**detail, "loc": ()}
        problems.append({"path": PARAMETER_NAMES.get(where[-1], where[-1]) if where else "", "message": message_zh(named)})  # type: ignore[arg-type]
    return problem_response(request, HTTPProblem(422, "参数或表单内容无效", problems))


# Parameters as a person knows them, for messages.
PARAMETER_NAMES = {"year": "年度", "month": "月份", "as_of": "核查日期", "page": "页码", "per_page": "每页条数", "day": "日期",
                   "meeting_no": "会议编号", "meeting_date": "会议日期", "name": "用户名", "password": "密码"}  # fmt: skip


_KINDS = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed", 413: "too_large",
          422: "invalid_input",
          429: "too_many_requests", 500: "internal_error", 503: "unavailable"}  # fmt: skip
