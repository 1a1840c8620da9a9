"""Accounts of ``admit serve``: who may see and change what (the web contract's roles).

Passwords and API tokens are stored only as argon2id hashes (slow and salted). A token is
``<id>.<secret>``: the id finds its row, the secret is verified against the hash, and the token
itself is shown once, when it is made. Every change to an account is a ledger event.
"""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from admission.contract.limits import text_problem
from admission.errors import UsageError
from admission.ledger.chain import now_utc
from admission.ledger.database import Ledger
from admission.ledger.schema import api_tokens, users
from admission.vocabulary import ROLES

_hasher = PasswordHasher()
# A hash to verify against when the user does not exist, so a wrong name costs as long as a
# wrong password (no timing oracle for which accounts exist).
_DUMMY_HASH = _hasher.hash("admit-no-such-user")


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str
    district: str | None
    epoch: int = 0  # the session epoch: a session opened in an older one is over

    @property
    def role_label(self) -> str:
        return ROLES[self.role]

    @property
    def own_district(self) -> str | None:
        """The one district a district user's lists and figures are limited to (None: all)."""
        return self.district if self.role == "district" else None

    def sees(self, district: str) -> bool:
        return self.role != "district" or district == self.district

    @property
    def is_admin(self) -> bool:
        """A 系统管理员 manages accounts and nothing of the ledger's content."""
        return self.role == "admin"

    @property
    def may_review(self) -> bool:
        return self.role == "reviewer"

    def may_record_progress(self, district: str) -> bool:
        return self.role == "reviewer" or (self.role == "district" and district == self.district)


MIN_PASSWORD = 8


def password_problem(password: str, name: str = "") -> str | None:
    """Why a new password is refused, or None (the same rule for the CLI, the pages and the API)."""
    if len(password) < MIN_PASSWORD:
        return f"密码至少 {MIN_PASSWORD} 个字符"
    if len(password) > 200:
        return "密码最多 200 个字符"
    if name and password.casefold() == name.casefold():
        return "密码不能与用户名相同"
    return None


def _user(row: Any) -> User:
    return User(row.id, row.name, row.role, row.district, int(row.session_epoch or 0))


def add_user(
    ledger: Ledger, name: str, role: str, district: str | None, password: str | None, districts: list[str], actor: str,
    source: str = "admit user add",
) -> User:  # fmt: skip
    if role not in ROLES:
        raise UsageError(f"未知的角色 {role}；可选：{'、'.join(ROLES)}")
    if role == "district" and district not in districts:
        raise UsageError(f"区县专员须用 --district 指定所在区域；可选：{'、'.join(districts)}")
    if role != "district" and district is not None:
        raise UsageError("只有区县专员（district）指定区域")
    if not name.strip() or len(name) > 100:
        raise UsageError("用户名不能为空，最多 100 个字符")
    # Control characters, or a name that only looks like another (full-width letters, a
    # compatibility form): refused, so that two accounts can never read the same.
    if text_problem(name) or unicodedata.normalize("NFKC", name) != name or name != name.strip():
        raise UsageError("用户名不能含控制字符、首尾空格或全角字母数字等易混淆的写法")
    problem = password_problem(password, name) if password is not None else None
    if problem:
        raise UsageError(problem)
    with ledger.change(actor) as change:
        connection = change.connection
        if connection.execute(sa.select(users.c.id).where(users.c.name == name)).first() is not None:
            raise UsageError(f"用户 {name} 已存在")
        created = connection.execute(
            users.insert().values(
                name=name, role=role, district=district, password_hash=_hasher.hash(password) if password else None, disabled=False,
                created_at=now_utc(),
            )
        ).inserted_primary_key  # fmt: skip
        assert created is not None
        change.log.record("user_added", None, source, {"user": name, "role": role, "district": district})
    return User(int(created[0]), name, role, district)


def find_user(connection: sa.Connection, name: str) -> Any:
    if "\x00" in name or len(name) > 100:  # never sent to the database (PostgreSQL refuses a NUL with an error)
        raise UsageError(f"没有用户 {name!r}")
    row = connection.execute(sa.select(users).where(users.c.name == name)).first()
    if row is None:
        raise UsageError(f"没有用户 {name}")
    return row


def issue_token(ledger: Ledger, name: str, actor: str) -> str:
    secret = secrets.token_urlsafe(32)
    with ledger.change(actor) as change:
        connection = change.connection
        row = find_user(connection, name)
        if row.disabled:
            raise UsageError(f"用户 {name} 已停用")
        created = connection.execute(
            api_tokens.insert().values(user_id=row.id, token_hash=_hasher.hash(secret), created_at=now_utc())
        ).inserted_primary_key
        assert created is not None
        change.log.record("token_issued", None, "admit user token", {"user": name, "token_id": int(created[0])})
    return f"{int(created[0])}.{secret}"


def disable_user(ledger: Ledger, name: str, actor: str, source: str = "admit user disable") -> None:
    _set_disabled(ledger, name, True, actor, source)


def enable_user(ledger: Ledger, name: str, actor: str, source: str = "admit user enable") -> None:
    """A disabled account in use again (its old tokens stay revoked only if they were revoked)."""
    _set_disabled(ledger, name, False, actor, source)


def _set_disabled(ledger: Ledger, name: str, disabled: bool, actor: str, source: str) -> None:
    with ledger.change(actor) as change:
        connection = change.connection
        row = find_user(connection, name)
        connection.execute(users.update().where(users.c.id == row.id).values(disabled=disabled, session_epoch=users.c.session_epoch + 1))
        change.log.record("user_disabled" if disabled else "user_enabled", None, source, {"user": name})


def set_password(ledger: Ledger, name: str, password: str, actor: str, source: str = "admit user password") -> None:
    """A new password for an account (an administrator's reset); never stored or logged in clear."""
    problem = password_problem(password, name)
    if problem:
        raise UsageError(problem)
    with ledger.change(actor) as change:
        connection = change.connection
        row = find_user(connection, name)
        # A new password ends every session opened with the old one.
        connection.execute(
            users.update().where(users.c.id == row.id).values(password_hash=_hasher.hash(password), session_epoch=users.c.session_epoch + 1)
        )
        change.log.record("password_set", None, source, {"user": name})


def change_own_password(ledger: Ledger, user: User, old: str, new: str, source: str) -> None:
    """The signed-in user's own new password, the old one required (UsageError naming which)."""
    with ledger.reading() as connection:
        row = connection.execute(sa.select(users).where(users.c.id == user.id)).first()
    if row is None or not _verified(row.password_hash, old):
        raise UsageError("原密码不正确")
    set_password(ledger, user.name, new, user.name, source)


def revoke_tokens(ledger: Ledger, name: str, actor: str, source: str = "admit user revoke") -> int:
    """Every API token of an account withdrawn; how many there were."""
    with ledger.change(actor) as change:
        connection = change.connection
        row = find_user(connection, name)
        removed = connection.execute(api_tokens.delete().where(api_tokens.c.user_id == row.id)).rowcount
        change.log.record("tokens_revoked", None, source, {"user": name, "count": removed})
    return int(removed)


def end_sessions(ledger: Ledger, user: User) -> None:
    """Every session of this user ends (signing out: the cookie, copied or not, is no longer
    accepted). Not a ledger event: no account changed."""
    with ledger.writing() as connection:
        connection.execute(users.update().where(users.c.id == user.id).values(session_epoch=users.c.session_epoch + 1))


def list_users(ledger: Ledger) -> list[dict[str, Any]]:
    """Every account as the admin pages and ``admit user list`` show it (never a hash)."""
    with ledger.reading() as connection:
        counted = connection.execute(sa.select(api_tokens.c.user_id, sa.func.count()).group_by(api_tokens.c.user_id)).all()
        tokens: dict[int, int] = {int(user_id): int(count) for user_id, count in counted}
        rows = connection.execute(sa.select(users).order_by(users.c.name)).all()
    return [
        {"name": r.name, "role": r.role, "role_label": ROLES.get(r.role, r.role), "district": r.district, "disabled": bool(r.disabled),
         "has_password": r.password_hash is not None, "tokens": int(tokens.get(r.id, 0)), "created_at": r.created_at}
        for r in rows
    ]  # fmt: skip


def _verified(hash_text: str | None, secret: str) -> bool:
    try:
        return _hasher.verify(hash_text or _DUMMY_HASH, secret) and hash_text is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def by_password(ledger: Ledger, name: str, password: str) -> User | None:
    if "\x00" in name or len(name) > 100:
        _verified(None, password)  # as long as any other wrong name takes
        return None
    with ledger.reading() as connection:
        row = connection.execute(sa.select(users).where(users.c.name == name)).first()
    if not _verified(row.password_hash if row is not None else None, password) or row is None or row.disabled:
        return None
    return _user(row)


def by_token(ledger: Ledger, token: str) -> User | None:
    ident, _, secret = token.partition(".")
    if not ident.isdigit() or not secret or len(token) > 200:
        return None
    with ledger.reading() as connection:
        query = sa.select(users, api_tokens.c.token_hash).join(api_tokens, api_tokens.c.user_id == users.c.id)
        row = connection.execute(query.where(api_tokens.c.id == int(ident))).first()
    if row is None or row.disabled or not _verified(row.token_hash, secret):
        return None
    return _user(row)


def by_id(ledger: Ledger, user_id: int) -> User | None:
    """The user of a session, if still enabled (a disabled user's session ends at its next request)."""
    with ledger.reading() as connection:
        row = connection.execute(sa.select(users).where(users.c.id == user_id)).first()
    return None if row is None or row.disabled else _user(row)
