"""Accounts of ``admit serve``: who may see and change what (the web contract's roles).

Passwords and API tokens are stored only as argon2id hashes (slow and salted). A token is
``<id>.<secret>``: the id finds its row, the secret is verified against the hash, and the token
itself is shown once, when it is made. Every change to an account is a ledger event.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

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
    def may_review(self) -> bool:
        return self.role == "reviewer"

    def may_record_progress(self, district: str) -> bool:
        return self.role == "reviewer" or (self.role == "district" and district == self.district)


def _user(row: Any) -> User:
    return User(row.id, row.name, row.role, row.district)


def add_user(ledger: Ledger, name: str, role: str, district: str | None, password: str | None, districts: list[str], actor: str) -> User:
    if role not in ROLES:
        raise UsageError(f"未知的角色 {role}；可选：{'、'.join(ROLES)}")
    if role == "district" and district not in districts:
        raise UsageError(f"区县专员须用 --district 指定所在区域；可选：{'、'.join(districts)}")
    if role != "district" and district is not None:
        raise UsageError("只有区县专员（district）指定区域")
    if not name.strip() or len(name) > 100:
        raise UsageError("用户名不能为空，最多 100 个字符")
    if password is not None and len(password) < 8:
        raise UsageError("密码至少 8 个字符")
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
        change.log.record("user_added", None, "admit user add", {"user": name, "role": role, "district": district})
    return User(int(created[0]), name, role, district)


def find_user(connection: sa.Connection, name: str) -> Any:
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


def disable_user(ledger: Ledger, name: str, actor: str) -> None:
    with ledger.change(actor) as change:
        connection = change.connection
        row = find_user(connection, name)
        connection.execute(users.update().where(users.c.id == row.id).values(disabled=True))
        change.log.record("user_disabled", None, "admit user disable", {"user": name})


def _verified(hash_text: str | None, secret: str) -> bool:
    try:
        return _hasher.verify(hash_text or _DUMMY_HASH, secret) and hash_text is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def by_password(ledger: Ledger, name: str, password: str) -> User | None:
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
