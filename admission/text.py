"""Small helpers for showing user text: terminal-safe, width-aware, and never too long."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from typing import Any

# Control characters, zero-width marks and bidirectional overrides: user text carrying them could
# drive a terminal or reorder what a reader sees.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
EXCERPT_CHARS = 40


def safe(text: str) -> str:
    """User text with control and bidi characters made visible, so it cannot drive the terminal."""
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def excerpt(value: Any, limit: int = EXCERPT_CHARS) -> str:
    """A short, printable excerpt of any value for a message: never the whole of a huge one.

    A Decimal is shown by ``str`` (``1E+999999999``), never expanded; text is cut with its length.
    """
    if isinstance(value, Decimal):
        text = str(value)
    elif isinstance(value, str):
        text = value
    else:
        text = repr(value)
    text = safe(text)
    if len(text) > limit:
        return f"{text[:limit]}…（共 {len(text)} 个字符）"
    return text


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))


def format_table(rows: list[list[str]]) -> list[str]:
    """Rows as aligned lines (Chinese characters are two columns wide); the last column is not padded."""
    widths = [max(display_width(row[i]) for row in rows) + 2 for i in range(len(rows[0]) - 1)]
    return ["".join(pad(cell, widths[i]) for i, cell in enumerate(row[:-1])) + row[-1] for row in rows]
