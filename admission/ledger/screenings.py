"""Screenings of ``admit serve`` kept per user in the ledger database (会前预审 results and the
uploaded files they came from): a day, at most ``PER_USER`` of each user's own, so that a restart
or another user's uploads never lose them. They are not ledger facts: no events."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from admission.ledger.chain import now_utc
from admission.ledger.database import Ledger
from admission.ledger.schema import screening_files, screenings

KEPT = timedelta(days=1)
PER_USER = 20


@dataclass(frozen=True)
class KeptScreening:
    names: list[str]  # the uploaded files' own names, in order
    files: list[tuple[str, bytes]]  # (suffix, content) of each, in the same order
    results: list[dict[str, Any]]


def keep_screening(ledger: Ledger, key: str, owner: int, kept: KeptScreening) -> list[str]:
    """Store one screening; drop the expired ones and this user's oldest beyond ``PER_USER``.
    The keys dropped (their files in memory go too)."""
    now = now_utc()
    oldest = (datetime.now(UTC) - KEPT).isoformat(timespec="microseconds")
    names, results = json.dumps(kept.names, ensure_ascii=False), json.dumps(kept.results, ensure_ascii=False)
    files = [{"key": key, "position": i, "suffix": suffix, "content": content} for i, (suffix, content) in enumerate(kept.files)]
    with ledger.writing() as connection:
        connection.execute(screenings.insert().values(key=key, owner=owner, created_at=now, names=names, results=results))
        if files:
            connection.execute(screening_files.insert(), files)
        expired = [r.key for r in connection.execute(sa.select(screenings.c.key).where(screenings.c.created_at < oldest))]
        latest_first = screenings.c.created_at.desc(), screenings.c.key
        own = [r.key for r in connection.execute(sa.select(screenings.c.key).where(screenings.c.owner == owner).order_by(*latest_first))]
        dropped = list(dict.fromkeys(expired + own[PER_USER:]))
        if dropped:
            connection.execute(screening_files.delete().where(screening_files.c.key.in_(dropped)))
            connection.execute(screenings.delete().where(screenings.c.key.in_(dropped)))
    return dropped


def screening_of(ledger: Ledger, key: str, owner: int) -> KeptScreening | None:
    """This user's own screening ``key`` while it is kept, else None (another user's is None too)."""
    oldest = (datetime.now(UTC) - KEPT).isoformat(timespec="microseconds")
    with ledger.reading() as connection:
        row = connection.execute(sa.select(screenings).where(screenings.c.key == key, screenings.c.owner == owner,
                                                             screenings.c.created_at >= oldest)).first()  # fmt: skip
        if row is None:
            return None
        files = [(f.suffix, bytes(f.content)) for f in connection.execute(
            sa.select(screening_files).where(screening_files.c.key == key).order_by(screening_files.c.position))]  # fmt: skip
    return KeptScreening(json.loads(row.names), files, json.loads(row.results))
