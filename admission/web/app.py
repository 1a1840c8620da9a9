"""The ASGI application of ``admit serve``: pages for people, a JSON API for systems.

Thin over the core: every verdict, figure and message comes from the functions the CLI calls
(``review``, ``screen``, ``ledger``, ``reports``, ``monitoring``). What lives here is only what
HTTP needs: who is asking (session or token), what they may see and change (the roles of the web
contract), CSRF, size and rate limits, and turning core errors into answers without tracebacks.
"""

from __future__ import annotations

import contextlib
import html
import json
import secrets
import shutil
import tempfile
import threading
import time
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import AdmitError, InvalidInput
from ..ledger.database import Ledger
from ..rulebook import Rulebook
from . import accounts
from .accounts import User

MAX_BODY = 10 * 1024 * 1024  # bytes: the contract's limit for any request
LOGIN_WINDOW, LOGIN_ATTEMPTS = 300.0, 5  # seconds, failures per (address, name) before 429
SESSION_SECONDS = 8 * 3600
MILESTONE_KEYS = {
    "签约": "signed_on", "注册": "registered_on", "挂网": "listed_on", "供地": "supplied_on", "交地": "delivered_on",
    "开工": "started_on", "竣工": "completed_on", "投产": "in_production_on", "达产": "full_production_on",
}  # fmt: skip


class HTTPProblem(Exception):
    """An answer with a status and a Chinese message (never a traceback)."""

    def __init__(self, status: int, message: str, problems: list[dict[str, str]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.problems = problems


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


@dataclass
class State:
    """What the application holds: the ledger, the rule book, and short-lived caches."""

    ledger: Ledger
    rulebook: Rulebook
    templates: Path | None = None
    failures: dict[tuple[str, str], deque[float]] = field(default_factory=dict)
    tokens: OrderedDict[str, tuple[User, float]] = field(default_factory=OrderedDict)
    uploads: OrderedDict[str, Any] = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def create_app(ledger: Ledger, rulebook: Rulebook, secret: str | None = None, templates: Path | None = None) -> FastAPI:
    """The application; ``secret`` signs session cookies (random per start unless given)."""
    from . import jobs

    state = State(ledger, rulebook, templates)

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

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        try:
            response = await call_next(request)
        except HTTPProblem as problem:  # raised by the body limit while streaming
            response = _problem_response(request, problem)
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
            "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Frame-Options"] = "DENY"
        return response

    @app.exception_handler(HTTPProblem)
    async def on_problem(request: Request, problem: HTTPProblem) -> Response:
        return _problem_response(request, problem)

    @app.exception_handler(AdmitError)
    async def on_admit_error(request: Request, error: AdmitError) -> Response:
        if isinstance(error, InvalidInput):
            return _problem_response(request, HTTPProblem(422, "申请材料无效", [p.to_json() for p in error.problems]))
        status = 400 if error.exit_code == 2 else 503 if error.exit_code == 69 else 500
        return _problem_response(request, HTTPProblem(status, str(error)))

    @app.exception_handler(Exception)
    async def on_bug(request: Request, error: Exception) -> Response:
        return _problem_response(request, HTTPProblem(500, "内部错误，已记录；请联系管理员"))

    from .routes import register

    register(app, state)
    return app


def _problem_response(request: Request, problem: HTTPProblem) -> Response:
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


# --- who is asking --------------------------------------------------------------------------------


def current_user(request: Request, state: State) -> User:
    """The user behind a bearer token or a session; 401 otherwise."""
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise HTTPProblem(401, "需要登录或有效的访问令牌")
        return _token_user(state, token.strip())
    user_id = request.session.get("user")
    if isinstance(user_id, int):
        user = accounts.by_id(state.ledger, user_id)
        if user is not None:
            return user
        request.session.clear()
    raise HTTPProblem(401, "需要登录或有效的访问令牌")


def _token_user(state: State, token: str) -> User:
    """Tokens are argon2-verified once, then remembered for a minute (argon2 is slow on purpose)."""
    import hashlib

    key = hashlib.sha256(token.encode("utf-8")).hexdigest()
    now = time.monotonic()
    with state.lock:
        cached = state.tokens.get(key)
    if cached is not None and now - cached[1] < 60:
        user = accounts.by_id(state.ledger, cached[0].id)  # a disabled user is refused at once
        if user is not None:
            return user
    user = accounts.by_token(state.ledger, token)
    if user is None:
        raise HTTPProblem(401, "访问令牌无效或用户已停用")
    with state.lock:
        state.tokens[key] = (user, now)
        while len(state.tokens) > 1000:
            state.tokens.popitem(last=False)
    return user


def check_csrf(request: Request, submitted: str | None) -> None:
    """Session-authenticated changes must carry the session's CSRF token (forms or a header)."""
    if request.headers.get("authorization"):
        return  # a bearer token is not sent by browsers on their own: no CSRF for it
    expected = request.session.get("csrf")
    given = submitted or request.headers.get("x-csrf-token")
    if not expected or not given or not secrets.compare_digest(str(expected), str(given)):
        raise HTTPProblem(403, "表单已过期或来源不明（CSRF 校验失败），请刷新页面后重试")


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(24)
    return str(token)


def login_allowed(state: State, address: str, name: str) -> bool:
    now = time.monotonic()
    with state.lock:
        attempts = state.failures.setdefault((address, name), deque())
        while attempts and now - attempts[0] > LOGIN_WINDOW:
            attempts.popleft()
        return len(attempts) < LOGIN_ATTEMPTS


def login_failed(state: State, address: str, name: str) -> None:
    with state.lock:
        state.failures.setdefault((address, name), deque()).append(time.monotonic())


# --- uploads --------------------------------------------------------------------------------------


@dataclass
class Upload:
    """One screening upload: its files (in a private temporary folder) and results."""

    folder: Path
    owner: int
    results: list[dict[str, Any]]
    sources: list[str]


def keep_upload(state: State, upload: Upload) -> str:
    key = secrets.token_urlsafe(16)
    with state.lock:
        state.uploads[key] = upload
        while len(state.uploads) > 50:
            _, old = state.uploads.popitem(last=False)
            shutil.rmtree(old.folder, ignore_errors=True)
    return key


def new_upload_folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="admit-upload-"))


def today() -> date:
    return date.today()
