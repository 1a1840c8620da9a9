"""Accounts in the browser and the API: the administrator's pages (add, disable, enable, reset a
password, withdraw tokens) and every user's own password change. The rules (who may be added,
what a password must be) are the ledger's ``accounts`` functions, the same as ``admit user``."""

from __future__ import annotations

import json
import shutil
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from admission.errors import UsageError
from admission.ledger import accounts
from admission.ledger.accounts import User
from admission.vocabulary import ROLES
from admission.web.deps import Administrator, ApiChecked, AppState, Body, FormChecked, SignedIn, download, flash, open_session, render
from admission.web.problems import HTTPProblem
from admission.web.state import State

router = APIRouter()
SOURCE = "admit serve"


def _admin_page(request: Request, state: State, user: User, status: int = 200, errors: dict[str, str] | None = None,
                typed: dict[str, str] | None = None) -> HTMLResponse:  # fmt: skip
    return render(request, state, user, "admin.html.j2", status=status, accounts=accounts.list_users(state.ledger), roles=ROLES,
                  districts=state.admit.rulebook.districts, errors=errors or {}, typed=typed or {}, audit=None, intact=None)  # fmt: skip


@router.get("/admin", response_class=HTMLResponse, include_in_schema=False)
def admin_page(request: Request, state: AppState, user: Administrator) -> HTMLResponse:
    return _admin_page(request, state, user)


# Which form field a refusal of ``add_user`` is about, so the message stands beside it.
def _field_of(message: str) -> str:
    for field, words in (("password", "密码"), ("district", "区域"), ("role", "角色"), ("name", "用户")):
        if words in message:
            return field
    return "name"


@router.post("/admin/users", include_in_schema=False)
def admin_add(
    request: Request, state: AppState, user: Administrator, _csrf: FormChecked, name: str = Form(""), role: str = Form(""),
    district: str = Form(""), password: str = Form(""),
) -> Response:  # fmt: skip
    try:
        accounts.add_user(state.ledger, name.strip(), role, district or None, password, state.admit.rulebook.districts, user.name, SOURCE)
    except UsageError as error:  # shown again with what was typed (never the password) and the message beside its field
        typed = {"name": name, "role": role, "district": district}
        return _admin_page(request, state, user, 422, {_field_of(str(error)): str(error)}, typed)
    flash(request, f"已新建账户：{name.strip()}（{ROLES.get(role, role)}）")
    return RedirectResponse("/admin", status_code=303)


@router.post("/admin/users/{name}/{action}", include_in_schema=False)
def admin_change(
    request: Request, name: str, action: str, state: AppState, user: Administrator, _csrf: FormChecked, password: str = Form("")
) -> Response:
    try:
        done = _change(state, user, name, action, password)
    except UsageError as error:
        return _admin_page(request, state, user, 422, {f"{name}:{action}": str(error)})
    flash(request, done)
    return RedirectResponse("/admin", status_code=303)


def _change(state: State, user: User, name: str, action: str, password: str) -> str:
    """One administrator's change to an account; the confirmation to show."""
    if action == "disable":
        if name == user.name:
            raise UsageError("不能停用自己的账户")
        accounts.disable_user(state.ledger, name, user.name, SOURCE)
        with state.lock:
            state.tokens.clear()  # cached token checks end with the account
        return f"已停用账户：{name}"
    if action == "enable":
        accounts.enable_user(state.ledger, name, user.name, SOURCE)
        return f"已启用账户：{name}"
    if action == "password":
        accounts.set_password(state.ledger, name, password, user.name, SOURCE)
        return f"已为账户 {name} 设置新密码"
    if action == "revoke":
        count = accounts.revoke_tokens(state.ledger, name, user.name, SOURCE)
        with state.lock:
            state.tokens.clear()
        return f"已收回账户 {name} 的接口令牌 {count} 个"
    raise HTTPProblem(404, "没有这项操作")


@router.post("/admin/verify", response_class=HTMLResponse, include_in_schema=False)
def admin_verify(request: Request, state: AppState, user: Administrator, _csrf: FormChecked) -> HTMLResponse:
    """The ledger's event chain and records checked (``admit ledger verify``), shown on the page."""
    from admission.ledger.audit import audit, audit_lines

    with state.ledger.reading() as connection:
        found = audit(connection, None)
    return render(request, state, user, "admin.html.j2", accounts=accounts.list_users(state.ledger), roles=ROLES,
                  districts=state.admit.rulebook.districts, errors={}, typed={}, audit=audit_lines(found),
                  intact=found.intact)  # fmt: skip


@router.get("/admin/backup", include_in_schema=False)
def admin_backup(state: AppState, user: Administrator) -> Response:
    """A consistent copy of a SQLite ledger to download (``admit ledger backup``); for PostgreSQL
    the message says how the server's own tool does it."""
    from admission.ledger.database import backup

    folder = Path(tempfile.mkdtemp(prefix="admit-backup-"))
    try:
        target = folder / "ledger.db"
        try:
            backup(state.ledger, target)
        except UsageError as error:
            raise HTTPProblem(400, str(error)) from None
        data = target.read_bytes()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return download(data, f"台账备份-{date.today().isoformat()}.db", "application/vnd.sqlite3")


@router.get("/account", response_class=HTMLResponse, include_in_schema=False)
def account_page(request: Request, state: AppState, user: SignedIn) -> HTMLResponse:
    return render(request, state, user, "account.html.j2", errors={})


@router.post("/account/password", include_in_schema=False)
def own_password(
    request: Request, state: AppState, user: SignedIn, _csrf: FormChecked, old: str = Form(""), new: str = Form(""),
    again: str = Form(""),
) -> Response:  # fmt: skip
    errors: dict[str, str] = {}
    if new != again:
        errors["again"] = "两次输入的新密码不一致"
    else:
        try:
            accounts.change_own_password(state.ledger, user, old, new, SOURCE)
        except UsageError as error:
            errors["old" if "原密码" in str(error) else "new"] = str(error)
    if errors:
        return render(request, state, user, "account.html.j2", status=422, errors=errors)
    renewed = accounts.by_id(state.ledger, user.id)  # every other session ended with the old password; this one goes on
    if renewed is not None:
        open_session(request, renewed)
    flash(request, "密码已修改；其他已登录的会话已失效")
    return RedirectResponse("/account", status_code=303)


# --- the API --------------------------------------------------------------------------------------


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        parsed = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise HTTPProblem(422, "请求内容不是有效的 JSON", [{"path": "$", "message": "不是有效的 JSON"}]) from None
    if not isinstance(parsed, dict):
        raise HTTPProblem(422, "请求内容应为 JSON 对象", [{"path": "$", "message": "应为 JSON 对象"}])
    return parsed


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key, "")
    if not isinstance(value, str):
        raise HTTPProblem(422, "请求内容无效", [{"path": key, "message": "应为文字"}])
    return value


@router.get("/api/users", summary="账户清单（系统管理员）")
def api_users(state: AppState, user: Administrator) -> JSONResponse:
    return JSONResponse({"users": accounts.list_users(state.ledger)})


@router.post("/api/users", summary="新建账户（系统管理员）")
def api_add_user(state: AppState, user: Administrator, _csrf: ApiChecked, body: Body) -> JSONResponse:
    data = _json_object(body)
    district = _text(data, "district") or None
    try:
        created = accounts.add_user(state.ledger, _text(data, "name").strip(), _text(data, "role"), district, _text(data, "password"),
                                    state.admit.rulebook.districts, user.name, SOURCE)  # fmt: skip
    except UsageError as error:
        raise HTTPProblem(422, str(error), [{"path": _field_of(str(error)), "message": str(error)}]) from None
    return JSONResponse({"name": created.name, "role": created.role, "district": created.district}, status_code=201)


@router.post("/api/users/{name}/{action}", summary="停用、启用账户或重置密码（系统管理员）")
def api_change_user(name: str, action: str, state: AppState, user: Administrator, _csrf: ApiChecked, body: Body) -> JSONResponse:
    password = _text(_json_object(body), "password") if action == "password" else ""
    try:
        done = _change(state, user, name, action, password)
    except UsageError as error:
        raise HTTPProblem(422, str(error), [{"path": "password" if action == "password" else "name", "message": str(error)}]) from None
    return JSONResponse({"message": done})


@router.post("/api/me/password", summary="修改自己的密码", status_code=204)
def api_own_password(state: AppState, user: SignedIn, _csrf: ApiChecked, body: Body) -> Response:
    data = _json_object(body)
    try:
        accounts.change_own_password(state.ledger, user, _text(data, "old"), _text(data, "new"), SOURCE)
    except UsageError as error:
        raise HTTPProblem(422, str(error), [{"path": "old" if "原密码" in str(error) else "new", "message": str(error)}]) from None
    return Response(status_code=204)
