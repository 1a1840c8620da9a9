"""The event log: every change to the ledger, hash-chained so tampering shows.

Each event's ``hash`` is the SHA-256 of its own content (sequence number, time, who, source,
kind, project, detail) together with the previous event's hash; the first event follows a chain
of zeros. ``verify`` recomputes the chain from the start and names the first event that does not
match: an edited detail, a deleted or reordered event, a forged hash.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from admission.ledger.schema import events

GENESIS = "0" * 64


def now_utc() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def event_hash(row: dict[str, Any], previous: str) -> str:
    content = canonical({k: row[k] for k in ("seq", "at", "actor", "source", "kind", "project_id", "detail")})
    return hashlib.sha256((previous + content).encode("utf-8")).hexdigest()


@dataclass
class EventLog:
    """Events of one writing transaction, chained onto the ledger's last event and inserted in bulk."""

    connection: sa.Connection
    actor: str
    at: str = field(default_factory=now_utc)
    pending: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        last = self.connection.execute(sa.select(events.c.seq, events.c.hash).order_by(events.c.seq.desc()).limit(1)).first()
        self._seq, self._previous = (int(last.seq), str(last.hash)) if last else (0, GENESIS)

    def record(self, kind: str, project_id: str | None, source: str, detail: dict[str, Any]) -> None:
        self._seq += 1
        row = {
            "seq": self._seq,
            "at": self.at,
            "actor": self.actor,
            "source": source,
            "kind": kind,
            "project_id": project_id,
            "detail": canonical(detail),
        }
        row["previous_hash"] = self._previous
        row["hash"] = self._previous = event_hash(row, self._previous)
        self.pending.append(row)

    def flush(self) -> int:
        count = len(self.pending)
        if self.pending:
            self.connection.execute(events.insert(), self.pending)
            self.pending = []
        return count


@dataclass(frozen=True)
class Break:
    seq: int
    reason: str


def verify(connection: sa.Connection) -> tuple[int, Break | None]:
    """How many events were checked, and the first one that breaks the chain (None: intact)."""
    previous = GENESIS
    expected_seq = 1
    checked = 0
    # Streamed (a server-side cursor on PostgreSQL), and closed even when a break ends the loop early.
    result = connection.execution_options(yield_per=2000).execute(sa.select(events).order_by(events.c.seq))
    try:
        return _verify_rows(result, previous, expected_seq, checked)
    finally:
        result.close()


def _verify_rows(result: Any, previous: str, expected_seq: int, checked: int) -> tuple[int, Break | None]:
    for mapped in result:
        row = dict(mapped._mapping)
        checked += 1
        if row["seq"] != expected_seq:
            return checked, Break(expected_seq, f"缺少第 {expected_seq} 号事件（下一条为第 {row['seq']} 号），事件被删除")
        if row["previous_hash"] != previous:
            return checked, Break(row["seq"], "前一事件的摘要不符：之前的事件被修改、删除或调换")
        if event_hash(row, previous) != row["hash"]:
            return checked, Break(row["seq"], "本事件的内容与其摘要不符：事件被修改")
        previous = row["hash"]
        expected_seq += 1
    return checked, None
