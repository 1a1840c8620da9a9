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
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from admission.app import Admit
from admission.errors import AdmitError, ChangeRefused, InvalidInput
from admission.web import jobs
from admission.web.problems import HTTPProblem
from admission.web.routers import ROUTERS
from admission.web.state import State

MAX_BODY = 10 * 1024 * 1024  # bytes: the contract's limit for any request
SESSION_SECONDS = 8 * 3600


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
        for upload in state.uploads.values():  # and no uploaded file outlives it
            shutil.rmtree(upload.folder, ignore_errors=True)

    app = FastAPI(title="admit", version="1", docs_url=None, redoc_url=None, openapi_url="/openapi.json", lifespan=lifespan)
    app.state.admit = state
    app.add_middleware(
        SessionMiddleware, secret_key=secret or secrets.token_urlsafe(32), session_cookie="admit_session", max_age=SESSION_SECONDS,
        same_site="strict", https_only=False,
    )  # fmt: skip
    app.add_middleware(BodyLimit)
    app.middleware("http")(_security_headers)
    app.add_exception_handler(HTTPProblem, _on_problem)  # type: ignore[arg-type]
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
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
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


def problem_response(request: Request, problem: HTTPProblem) -> Response:
    if request.url.path.startswith("/api/") or "text/html" not in request.headers.get("accept", ""):
        body: dict[str, Any] = {"error": {"kind": _KINDS.get(problem.status, "error"), "message": problem.message}}
        if problem.problems is not None:
            body["error"]["problems"] = problem.problems
            if problem.status == 422:
                body = {"error": {"kind": "invalid_input", "problems": problem.problems}}
        return JSONResponse(body, status_code=problem.status)
    if problem.status == 401:
        return RedirectResponse("/login", status_code=303)
    text = html.escape(problem.message)
    listed = "".join(f"<li>{html.escape(p.get('path', ''))}：{html.escape(p.get('message', ''))}</li>" for p in problem.problems or [])
    page = (
        f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{problem.status}</title>'
        f'<link rel="stylesheet" href="/static/admit.css"></head><body><main class="narrow"><h1>{problem.status}</h1>'
        f'<p class="error">{text}</p><ul>{listed}</ul><p><a href="/">返回首页</a></p></main></body></html>'
    )
    return HTMLResponse(page, status_code=problem.status)


_KINDS = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 413: "too_large", 422: "invalid_input",
          429: "too_many_requests", 500: "internal_error", 503: "unavailable"}  # fmt: skip
