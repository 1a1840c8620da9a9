"""The rules every text the office types must keep, on both database engines alike: a 案件编号's
form, lengths, and the characters no text may hold (control and bidirectional-override
characters, which would let one name pose as another). Light: no pydantic."""

from __future__ import annotations

import re

CASE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
MAX_NAME = 200  # 项目名称, 投资主体: as the ledger's columns hold them
_FORBIDDEN_TEXT = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def text_problem(text: str) -> str | None:
    found = _FORBIDDEN_TEXT.search(text)
    if found is None:
        return None
    return f"含有不允许的控制字符或双向文字控制符 U+{ord(found.group()):04X}（第 {found.start() + 1} 个字符）"


def case_id_problem(text: str) -> str | None:
    """What is wrong with a 案件编号 (None: nothing): 1–64 letters, digits or . _ -, not . or .."""
    if not CASE_ID.match(text) or text in (".", ".."):
        return f"“{text[:40]}”不是有效的案件编号：应为 1–64 个字母、数字或 . _ -（不能是 . 或 ..），如 JM-2026-0173"
    return None


def length_problem(text: str, limit: int) -> str | None:
    return f"过长：最多 {limit} 个字符（实际 {len(text)} 个）" if len(text) > limit else None
