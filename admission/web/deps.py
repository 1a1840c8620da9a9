"""Who is asking and what they may do, as FastAPI dependencies: the signed-in user (a session or
a bearer token), the reviewer role, CSRF on session-authenticated changes, and page rendering.
Every handler states what it needs in its signature; no handler checks these by hand."""

from __future__ import annotations

import hashlib
import secrets
import time
from collections import deque
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote, urlencode, urlsplit

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, Response

from admission.documents.templating import render_template
from admission.ledger import accounts
from admission.ledger.accounts import User
from admission.ledger.views import DEFAULT_PER_PAGE
from admission.web.problems import HTTPProblem
from admission.web.state import State

LOGIN_WINDOW, LOGIN_ATTEMPTS = 300.0, 5  # seconds, attempts per (address, name) before 429
TOKEN_ATTEMPTS = 30  # bearer-token checks per address and window (a client's own valid token is cached)
TOKEN_CACHE_SECONDS = 60
SESSION_SECONDS = 8 * 3600  # a session ends 8 hours after signing in, used or not


def state_of(request: Request) -> State:
    state: State = request.app.state.admit
    return state


AppState = Annotated[State, Depends(state_of)]


# What a 系统管理员 may open: the account pages and the way out (the contract's admin manages
# accounts, nothing of the ledger's content).
ADMIN_PATHS = ("/admin", "/account", "/api/users", "/api/me/", "/logout", "/static/")


def current_user(request: Request, state: AppState) -> User:
    """The user behind a bearer token or a session; 401 otherwise (403 for an administrator
    anywhere but the account pages)."""
    user = _signed_in(request, state)
    path = request.url.path
    if user.is_admin and path != "/" and not path.startswith(ADMIN_PATHS):
        raise HTTPProblem(403, "系统管理员只管理账户，不查看或修改台账内容")
    return user


def _signed_in(request: Request, state: AppState) -> User:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer":  # another scheme (a Basic-auth proxy's) is not ours: the session decides
        if not token.strip():
            raise HTTPProblem(401, "需要登录或有效的访问令牌")
        bearer = _token_user(state, token.strip(), client_address(request))
        request.state.via_token = True  # only a verified bearer token spares a change its CSRF check
        return bearer
    user_id = request.session.get("user")
    if isinstance(user_id, int):
        user = accounts.by_id(state.ledger, user_id)
        since = request.session.get("since")
        fresh = isinstance(since, (int, float)) and 0 <= time.time() - since < SESSION_SECONDS
        # Signed out, a new password or the account disabled since: the session (a copied cookie
        # included) is over; and none outlives SESSION_SECONDS, however often it is used.
        if user is not None and request.session.get("epoch") == user.epoch and fresh:
            return user
        request.session.clear()
    raise HTTPProblem(401, "需要登录或有效的访问令牌")


def open_session(request: Request, user: User) -> None:
    """A new session for ``user`` (after signing in): the old one's contents are dropped."""
    request.session.clear()
    request.session.update({"user": user.id, "epoch": user.epoch, "since": time.time()})
    csrf_token(request)


def _token_user(state: State, token: str, address: str) -> User:
    """Tokens are argon2-verified once, then remembered for a minute (argon2 is slow on purpose).
    Each check of a token not remembered is counted per address before it runs: bogus tokens
    cannot make the server spend its memory and cores on hashing."""
    key = hashlib.sha256(token.encode("utf-8")).hexdigest()
    now = time.monotonic()
    with state.lock:
        cached = state.tokens.get(key)
    if cached is not None and now - cached[1] < TOKEN_CACHE_SECONDS:
        user = accounts.by_id(state.ledger, cached[0].id)  # a disabled user is refused at once
        if user is not None:
            return user
    if len(token) > 200 or not take_attempt(state, (address, "\x00token"), TOKEN_ATTEMPTS):
        raise HTTPProblem(
            429 if len(token) <= 200 else 401, "无效的访问令牌次数过多，请 5 分钟后再试" if len(token) <= 200 else "访问令牌无效"
        )
    user = accounts.by_token(state.ledger, token)
    if user is None:
        raise HTTPProblem(401, "访问令牌无效或用户已停用")
    with state.lock:
        state.tokens[key] = (user, now)
        while len(state.tokens) > 1000:
            state.tokens.popitem(last=False)
    return user


SignedIn = Annotated[User, Depends(current_user)]


def reviewer(user: SignedIn) -> User:
    """The signed-in user, who must be a reviewer (审查员)."""
    if not user.may_review:
        raise HTTPProblem(403, f"{user.role_label}无权进行此项操作")
    return user


Reviewer = Annotated[User, Depends(reviewer)]


def administrator(user: SignedIn) -> User:
    """The signed-in user, who must be the 系统管理员."""
    if not user.is_admin:
        raise HTTPProblem(403, "只有系统管理员可以管理账户")
    return user


Administrator = Annotated[User, Depends(administrator)]


def check_csrf(request: Request, submitted: str | None) -> None:
    """Session-authenticated changes must carry the session's CSRF token (forms or a header)."""
    if getattr(request.state, "via_token", False):
        return  # a verified bearer token is not sent by browsers on their own: no CSRF for it (a Basic header is no such token)
    expected = request.session.get("csrf")
    given = submitted or request.headers.get("x-csrf-token")
    if not expected or not given or not secrets.compare_digest(str(expected), str(given)):
        raise HTTPProblem(403, "表单已过期或来源不明（CSRF 校验失败），请刷新页面后重试")


async def form_csrf(request: Request) -> None:
    """A form's CSRF field (``csrf``), checked before the handler runs."""
    form = await request.form()
    submitted = form.get("csrf")
    check_csrf(request, submitted if isinstance(submitted, str) else None)


def api_csrf(request: Request) -> None:
    """An API change: a bearer token, or the session's CSRF token in ``X-CSRF-Token``."""
    check_csrf(request, None)


# Declared after the user in a handler's signature, so a request without a session is sent to
# sign in (401) before its missing CSRF token is refused (403).
FormChecked = Annotated[None, Depends(form_csrf)]
ApiChecked = Annotated[None, Depends(api_csrf)]


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(24)
    return str(token)


MAX_FAILURE_KEYS = 10_000  # the attempt table's bound: unauthenticated requests cannot grow it without end


def take_attempt(state: State, key: tuple[str, str], limit: int) -> bool:
    """Count one attempt under ``key`` *before* the slow check it guards, atomically (forty
    parallel guesses count as forty, not as one each); False once ``limit`` attempts were made
    within the window. Old entries expire, and the table never holds more than
    ``MAX_FAILURE_KEYS`` keys (the longest idle go first)."""
    now = time.monotonic()
    with state.lock:
        attempts = state.failures.pop(key, None) or deque()
        while attempts and now - attempts[0] > LOGIN_WINDOW:
            attempts.popleft()
        allowed = len(attempts) < limit
        if allowed:
            attempts.append(now)
        state.failures[key] = attempts  # re-inserted: the most recent at the end
        while len(state.failures) > MAX_FAILURE_KEYS:
            del state.failures[next(iter(state.failures))]
        return allowed


def forget_attempts(state: State, key: tuple[str, str]) -> None:
    """A successful sign-in clears its (address, name) attempts."""
    with state.lock:
        state.failures.pop(key, None)


def client_address(request: Request) -> str:
    """The client's address: the connection's own, or the forwarding proxy's ``X-Forwarded-For``
    only when ``admit serve --forwarded-allow-ips`` named that proxy (uvicorn applies it)."""
    return request.client.host if request.client else "?"


def local_path(url: str) -> str | None:
    """``url`` when it is a path of this site (a ``next`` after signing in), else None: never
    another host (``//evil``, ``https://…``), a backslash trick or control characters."""
    parts = urlsplit(url)
    path = parts.path or ""
    if parts.scheme or parts.netloc or not path.startswith("/") or path.startswith("//") or "\\" in url:
        return None
    if any(ord(c) < 32 for c in url):
        return None
    return path + (f"?{parts.query}" if parts.query else "")


def referer_path(request: Request) -> str | None:
    """The page of this site the request came from (its Referer), or None."""
    parts = urlsplit(request.headers.get("referer", ""))
    if parts.netloc != request.url.netloc:
        return None
    return local_path(parts.path + (f"?{parts.query}" if parts.query else ""))


# --- files to save --------------------------------------------------------------------------------

DOCUMENT_TYPES = {"pdf": "application/pdf", "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download(data: bytes, name: str, media_type: str) -> Response:
    """A file to save, its (Chinese) name encoded as RFC 6266 asks."""
    return Response(data, media_type=media_type, headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})


def document_type(kind: str) -> str:
    """The media type of a document format the pages offer; anything else is not found."""
    if kind not in DOCUMENT_TYPES:
        raise HTTPProblem(404, f"没有 .{kind} 格式的文档（可选：{'、'.join(DOCUMENT_TYPES)}）")
    return DOCUMENT_TYPES[kind]


def render(request: Request, state: State, user: User | None, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page of the site (``templates/web/…``) in the documents' one sandboxed environment."""
    flash = request.session.pop("flash", None)
    shared = {"user": user, "csrf": csrf_token(request), "flash": str(flash) if flash is not None else None, "error": None}
    page = render_template(state.admit.templates_dir, f"web/{name}", {**shared, **context})
    return HTMLResponse(page, status_code=status)


def flash(request: Request, message: str) -> None:
    """A one-line confirmation the next page shows (已登记 …)."""
    request.session["flash"] = message


async def raw_body(request: Request) -> bytes:
    """The request body, read on the event loop so that the handler itself can be a plain
    ``def`` (run in the thread pool: a handler waiting for the writers' lock blocks nobody else)."""
    return await request.body()


Body = Annotated[bytes, Depends(raw_body)]


# --- lists: one query string for search, sort and page, kept in every link -------------------------


@dataclass(frozen=True)
class ListQuery:
    """What a list page was asked for (``q``, ``sort``, ``order``, ``page``, ``per_page``) and its
    filters, so that each link (next page, a column heading) keeps all the others: a filtered,
    sorted list is a URL that can be bookmarked."""

    path: str
    params: dict[str, str]
    q: str
    sort: str
    descending: bool
    page: int
    per_page: int

    def url(self, **changes: str | int) -> str:
        merged = {**self.params, **{key: str(value) for key, value in changes.items()}}
        kept = {key: value for key, value in merged.items() if value not in ("", None)}
        return self.path + ("?" + urlencode(kept) if kept else "")

    def sort_url(self, column: str) -> str:
        """The heading's link: sorted by this column, the other way round if it already is."""
        order = "desc" if self.sort == column and not self.descending else "asc"
        return self.url(sort=column, order=order, page=1)

    def sort_mark(self, column: str) -> str:
        return ("▼" if self.descending else "▲") if self.sort == column else ""


def _whole_number(text: str, default: int) -> int:
    return int(text) if text.isdigit() and len(text) <= 6 else default


def list_query(request: Request) -> ListQuery:
    """The list parameters of this request (malformed ones fall back to the defaults, as a
    hand-edited bookmark should still open)."""
    params = {key: value for key, value in request.query_params.items() if len(value) <= 200}
    return ListQuery(
        path=request.url.path, params=params, q=params.get("q", "").strip(), sort=params.get("sort", ""),
        descending=params.get("order") == "desc", page=_whole_number(params.get("page", ""), 1),
        per_page=_whole_number(params.get("per_page", ""), DEFAULT_PER_PAGE),
    )  # fmt: skip


Listed = Annotated[ListQuery, Depends(list_query)]


def strict_object(body: bytes) -> dict[str, Any]:
    """A JSON request body parsed as strictly as ``/api/check`` parses an application: UTF-8 only,
    duplicate keys refused, numbers as exact decimals (a 5,000-digit one is just refused later),
    nesting bounded; a JSON object, or 422 naming the problem."""
    from admission.contract.application import parse_json_text
    from admission.errors import InvalidInput

    try:
        data, problems = parse_json_text(body)
    except InvalidInput as error:
        raise HTTPProblem(422, "请求内容无效", [p.to_json() for p in error.problems]) from None
    if problems:
        raise HTTPProblem(422, "请求内容无效", [p.to_json() for p in problems])
    return data


def whole_number(value: Any) -> int | None:
    """A JSON number that is a whole number of sensible size (as parsed by ``strict_object``), else None."""
    from decimal import Decimal

    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value() and abs(value) < 10**9:
        return int(value)
    return None
