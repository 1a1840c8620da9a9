"""``admit ledger verify``: the event chain, the records against the events, and the chain head.

The chain (``chain.verify``) shows an event edited, reordered or removed from the middle. Two
more checks make the events cover the records themselves:

- **Records against events.** Every current record is what the events say it should be: each
  revision has its event and its content still has its digest; each decision's verdict and rule
  book, each resolution, each meeting and agenda, each project field and yearly figure, and each
  account's role and state equal what replaying the events gives. A record edited with SQL, no
  event beside it, is named (e.g. one ``UPDATE resolutions SET result = '不予通过'``).
- **The head.** Events deleted from the end leave a shorter chain that is still whole, so
  ``verify`` prints the head (last sequence number and hash) for the operator to keep, and
  ``--expect-head SEQ:HASH`` checks that that event is still there, unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from admission.contract.digest import application_digest
from admission.ledger.chain import Break, verify
from admission.ledger.history import DATE_FIELDS
from admission.ledger.schema import (
    agenda,
    decisions,
    events,
    extensions,
    meetings,
    progress_notes,
    projects,
    resolutions,
    revisions,
    supervision_actions,
    supervision_items,
    supervision_rounds,
    targets,
    terminations,
    transfers,
    users,
    yearly_results,
)
from admission.vocabulary import NOTE_FIELDS

Connection = sa.Connection


@dataclass(frozen=True)
class Head:
    seq: int
    hash: str

    def text(self) -> str:
        return f"{self.seq}:{self.hash}"

    @classmethod
    def parse(cls, text: str) -> Head:
        seq, _, digest = text.partition(":")
        if not seq.isdigit() or len(digest) != 64:
            raise ValueError(f"应为“序号:摘要”（admit ledger verify 打印的链头），实际为 {text!r}")
        return cls(int(seq), digest)


@dataclass(frozen=True)
class Audit:
    checked: int  # events
    broken: Break | None  # the first broken event of the chain
    head: Head | None  # the last event now
    mismatch: str | None  # the first record that is not what the events say (in Chinese)
    head_missing: str | None  # the expected head is gone or changed

    @property
    def intact(self) -> bool:
        return self.broken is None and self.mismatch is None and self.head_missing is None


def audit(connection: Connection, expect_head: Head | None = None) -> Audit:
    checked, broken = verify(connection)
    last = connection.execute(sa.select(events.c.seq, events.c.hash).order_by(events.c.seq.desc()).limit(1)).first()
    head = Head(int(last.seq), str(last.hash)) if last else None
    missing = None
    if expect_head is not None:
        kept = connection.execute(sa.select(events.c.hash).where(events.c.seq == expect_head.seq)).scalar()
        if kept is None:
            missing = f"应有的链头第 {expect_head.seq} 号事件已不存在（最后的事件被删除）"
        elif kept != expect_head.hash:
            missing = f"第 {expect_head.seq} 号事件的摘要与保存的链头不符"
    mismatch = None if broken is not None else next(_record_mismatches(connection), None)
    return Audit(checked, broken, head, mismatch, missing)


# --- what the events say ----------------------------------------------------------------------------


@dataclass
class _Expected:
    revisions: dict[tuple[str, int], str]  # (project, number) -> sha256
    verdicts: dict[tuple[str, int], tuple[str, str]]  # -> (verdict, rule-book digest)
    identity: dict[str, dict[str, Any]]  # identity fields an application event set, by project
    fields: dict[str, dict[str, Any]]  # project fields the project events set
    meetings: dict[tuple[int, int], str]  # (year, number) -> date
    agenda: dict[str, list[str]]  # "year-number" -> projects
    resolutions: dict[tuple[str, str], list[dict[str, Any]]]  # (project, "year-number") -> recorded, in order
    yearly: dict[tuple[str, int], dict[str, Any]]
    users: dict[str, dict[str, Any]]
    moves: dict[str, list[tuple[str, str]]]  # project -> (effective date, to district), in order
    ended: dict[str, str]  # project -> termination date
    extended: list[tuple[str, str, str]]  # (project, step, new date), in order
    supervision: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)  # table -> its rows, in order


def _expected(connection: Connection) -> _Expected:
    said = _Expected({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, [], {})
    stream = connection.execution_options(yield_per=2000).execute(sa.select(events).order_by(events.c.seq))
    try:
        for row in stream:
            _apply(said, row.kind, row.project_id, json.loads(row.detail))
    finally:
        stream.close()
    return said


def _apply(said: _Expected, kind: str, project: str | None, detail: dict[str, Any]) -> None:
    pid = project or ""
    if kind in ("application_added", "application_revised"):
        said.revisions[(pid, detail["revision"])] = detail["sha256"]
        said.verdicts[(pid, detail["revision"])] = (detail["verdict"], detail["rulebook"])
        for key, change in detail.get("changes", {}).items():
            said.identity.setdefault(pid, {})[key] = change["after"]
    elif kind == "project_added":
        said.fields[pid] = dict(detail)
    elif kind == "project_updated":
        said.fields.setdefault(pid, {}).update({key: change["after"] for key, change in detail.items()})
    elif kind in ("project_corrected", "project_transferred"):
        said.fields.setdefault(pid, {}).update({key: change["after"] for key, change in detail["changes"].items()})
        if kind == "project_transferred":
            said.moves.setdefault(pid, []).append((detail["on"], detail["changes"]["district"]["after"]))
    elif kind == "project_terminated":
        said.ended[pid] = detail["on"]
    elif kind == "project_extended":
        said.extended.append((pid, detail["step"], detail["to"]))
    elif kind == "meeting_added":
        said.meetings[(detail["year"], detail["number"])] = detail["date"]
    elif kind == "agenda_set":
        said.agenda[detail["meeting"]] = list(detail["after"])
    elif kind in ("resolution_recorded", "resolution_corrected"):
        said.resolutions.setdefault((pid, detail["meeting"]), []).append(detail)
    elif kind in ("results_recorded", "results_updated", "results_corrected"):
        figures = said.yearly.setdefault((pid, detail["year"]), {})
        changes = detail.get("changes", detail)
        figures.update({k: (v["after"] if isinstance(v, dict) else v) for k, v in changes.items() if k not in ("year", "reason")})
    elif kind == "user_added":
        said.users[detail["user"]] = {"role": detail["role"], "district": detail["district"], "disabled": False}
    elif kind in ("user_disabled", "user_enabled"):
        said.users.setdefault(detail["user"], {})["disabled"] = kind == "user_disabled"
    elif kind in SUPERVISION_EVENTS:
        _apply_supervision(said.supervision, kind, pid, detail)


SUPERVISION_EVENTS = ("target_set", "target_corrected", "note_added", "supervision_issued", "supervision_replied", "supervision_closed")
_TARGET_VALUES = ("direction", "target", "weight", "explanation")


def _apply_supervision(said: dict[str, list[tuple[Any, ...]]], kind: str, project: str, detail: dict[str, Any]) -> None:
    """Targets, notes and 督办 rounds are only ever inserted: each event says the row it added."""
    if kind in ("target_set", "target_corrected"):
        key = (detail["year"], detail["region"], detail["indicator"])
        earlier = [row for row in said.get("targets", []) if row[:3] == key]
        values = dict(zip(_TARGET_VALUES, earlier[-1][3:], strict=True)) if earlier else {}
        values.update({k: detail[k] for k in _TARGET_VALUES if k in detail})
        values.update({k: change["after"] for k, change in detail.get("changes", {}).items()})
        said.setdefault("targets", []).append((*key, *(values.get(k) for k in _TARGET_VALUES)))
    elif kind == "note_added":
        said.setdefault("notes", []).append((project, detail["on"], *(detail.get(k) for k, _ in NOTE_FIELDS)))
    elif kind == "supervision_issued":
        said.setdefault("rounds", []).append((detail["round"], detail["number"], detail["on"], detail["district"], detail["reply_due"]))
        said.setdefault("items", []).extend((detail["round"], i["position"], i["project"], i["item"], i["due"], i["light"])
                                            for i in detail["items"])  # fmt: skip
    else:
        action = "reply" if kind == "supervision_replied" else "close"
        said.setdefault("actions", []).append((detail["round"], detail["position"], action, detail["on"], detail.get("text")))


def _supervision_rows(connection: Connection) -> dict[str, list[tuple[Any, ...]]]:
    """The same rows as the tables hold them, in the order they were inserted."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    for row in connection.execute(sa.select(targets).order_by(targets.c.id)):
        found.setdefault("targets", []).append((row.year, row.region, row.indicator, *(getattr(row, k) for k in _TARGET_VALUES)))
    for row in connection.execute(sa.select(progress_notes).order_by(progress_notes.c.id)):
        found.setdefault("notes", []).append((row.project_id, row.noted_on.isoformat(), *(row._mapping[k] for k, _ in NOTE_FIELDS)))
    for row in connection.execute(sa.select(supervision_rounds).order_by(supervision_rounds.c.id)):
        found.setdefault("rounds", []).append((row.id, row.number, row.issued_on.isoformat(), row.district, row.reply_due.isoformat()))
    for row in connection.execute(sa.select(supervision_items).order_by(supervision_items.c.round_id, supervision_items.c.position)):
        found.setdefault("items", []).append((row.round_id, row.position, row.project_id, row.item, row.due_on.isoformat(), row.light))
    for row in connection.execute(sa.select(supervision_actions).order_by(supervision_actions.c.id)):
        found.setdefault("actions", []).append((row.round_id, row.position, row.kind, row.acted_on.isoformat(), row.text))
    return found


SUPERVISION_TABLES = {"targets": "目标任务", "notes": "进展情况", "rounds": "督办通知", "items": "督办事项", "actions": "督办反馈与办结"}


def _plain(key: str, value: Any) -> Any:
    if value is None:
        return None
    if key in DATE_FIELDS:
        return value.isoformat() if hasattr(value, "isoformat") else str(value)
    return value


def _same(key: str, stored: Any, said: Any) -> bool:
    amounts = ("total_investment", "land_price", "tax", "output", "fixed_assets", "contract_area_mu", "committed_fixed_assets",
               "committed_tax", "committed_output")  # fmt: skip
    if key in amounts and stored is not None and said is not None:
        return Decimal(str(stored)) == Decimal(str(said))
    return bool(_plain(key, stored) == _plain(key, said))


def _record_mismatches(connection: Connection) -> Iterator[str]:
    said = _expected(connection)
    yield from _revision_mismatches(connection, said)
    yield from _project_mismatches(connection, said)
    yield from _meeting_mismatches(connection, said)
    for row in connection.execute(sa.select(yearly_results)):
        expected = said.yearly.get((row.project_id, row.year))
        if expected is None:
            yield f"{row.project_id} {row.year} 年履约数据没有对应的变更事件"
            continue
        for key in ("tax", "output", "fixed_assets"):
            if key in expected and not _same(key, getattr(row, key), expected[key]):
                yield f"{row.project_id} {row.year} 年履约数据的 {key} 与变更事件不符"
    moves: dict[str, list[tuple[str, str]]] = {}
    for row in connection.execute(sa.select(transfers).order_by(transfers.c.id)):
        moves.setdefault(row.project_id, []).append((row.effective_on.isoformat(), row.to_district))
    if moves != said.moves:
        yield "项目流转记录与变更事件不符"
    extended = [
        (row.project_id, row.step, row.to_date.isoformat()) for row in connection.execute(sa.select(extensions).order_by(extensions.c.id))
    ]
    if extended != said.extended:
        yield "延期记录与变更事件不符"
    ended = {row.project_id: row.effective_on.isoformat() for row in connection.execute(sa.select(terminations))}
    if ended != said.ended:
        yield "项目终止记录与变更事件不符"
    stored = _supervision_rows(connection)
    for table, label in SUPERVISION_TABLES.items():
        if stored.get(table, []) != said.supervision.get(table, []):
            yield f"{label}记录与变更事件不符"
    for row in connection.execute(sa.select(users)):
        expected = said.users.get(row.name)
        if expected is None or row.role != expected.get("role") or row.district != expected.get("district"):
            yield f"账户 {row.name} 的角色或区域与变更事件不符"
        elif bool(row.disabled) != bool(expected.get("disabled")):
            yield f"账户 {row.name} 的停用状态与变更事件不符"


def _revision_mismatches(connection: Connection, said: _Expected) -> Iterator[str]:
    stored = 0
    for row in connection.execute(sa.select(revisions.c.project_id, revisions.c.number, revisions.c.sha256, revisions.c.content)):
        stored += 1
        key = (row.project_id, row.number)
        if said.revisions.get(key) != row.sha256 or application_digest(row.content) != row.sha256:
            yield f"{row.project_id} 第 {row.number} 版申请材料与变更事件或其摘要不符"
    if stored != len(said.revisions):
        yield f"申请材料修订有 {stored} 份，变更事件记载 {len(said.revisions)} 份"
    for row in connection.execute(
        sa.select(decisions.c.project_id, decisions.c.revision, decisions.c.verdict, decisions.c.rulebook_digest)
    ):
        if said.verdicts.get((row.project_id, row.revision)) != (row.verdict, row.rulebook_digest):
            yield f"{row.project_id} 第 {row.revision} 版的审查结论与变更事件不符"


def _project_mismatches(connection: Connection, said: _Expected) -> Iterator[str]:
    for row in connection.execute(sa.select(projects)):
        values = dict(row._mapping)
        expected = {**said.fields.get(row.id, {}), **said.identity.get(row.id, {})}
        if row.id not in said.fields and not any(pid == row.id for pid, _ in said.revisions):
            yield f"项目 {row.id} 没有对应的变更事件"
            continue
        for key, value in expected.items():
            if key in values and not _same(key, values[key], value):
                yield f"项目 {row.id} 的 {key} 与变更事件不符"


def _meeting_mismatches(connection: Connection, said: _Expected) -> Iterator[str]:
    held = {row.id: row for row in connection.execute(sa.select(meetings))}
    for row in held.values():
        if said.meetings.get((row.year, row.number)) != row.held_on.isoformat():
            yield f"{row.year} 年第 {row.number} 次会议与变更事件不符"
    on_agenda: dict[str, list[tuple[int, str]]] = {}
    for row in connection.execute(sa.select(agenda)):
        meeting = held[row.meeting_id]
        on_agenda.setdefault(f"{meeting.year}-{meeting.number}", []).append((row.position, row.project_id))
    for key in set(on_agenda) | set(said.agenda):
        if [pid for _, pid in sorted(on_agenda.get(key, []))] != said.agenda.get(key, []):
            yield f"会议 {key} 的议程与变更事件不符"
    recorded: dict[tuple[str, str], list[Any]] = {}
    for row in connection.execute(sa.select(resolutions).order_by(resolutions.c.id)):
        meeting = held[row.meeting_id]
        recorded.setdefault((row.project_id, f"{meeting.year}-{meeting.number}"), []).append(row)
    for pair in set(recorded) | set(said.resolutions):
        rows, details = recorded.get(pair, []), said.resolutions.get(pair, [])
        same = len(rows) == len(details) and all(
            r.result == d["result"] and (r.conditions or None) == d.get("conditions") and r.revision == d["revision"]
            and r.verdict == d["verdict"] and bool(r.deviation) == bool(d.get("deviation"))
            and bool(r.withdrawn) == bool(d.get("withdrawn")) and bool(r.added_item) == bool(d.get("added_item"))
            for r, d in zip(rows, details, strict=True)
        )  # fmt: skip
        if not same:
            yield f"{pair[0]} 在 {pair[1]} 次会议的审议结果与变更事件不符"


def audit_lines(found: Any) -> list[tuple[str, str]]:
    """What ``ledger verify`` (and the administrator's page) says about an audit, as (line, role)
    pairs: ``fail`` for a problem, ``plain`` otherwise."""
    lines: list[tuple[str, str]] = []
    if found.broken is not None:
        lines.append((f"事件链断裂：第 {found.broken.seq} 号事件，{found.broken.reason}", "fail"))
    if found.mismatch is not None:
        lines.append((f"台账记录与变更事件不一致：{found.mismatch}（记录被绕过程序直接修改）", "fail"))
    if found.head_missing is not None:
        lines.append((f"链头不符：{found.head_missing}", "fail"))
    if found.intact:
        lines.append((f"事件链完好：共 {found.checked} 条事件；台账记录与事件一致。", "plain"))
    if found.head is not None:
        lines.append((f"链头：{found.head.text()}（请另行保存，下次用 --expect-head 核对）", "plain"))
    return lines
