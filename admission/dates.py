"""Dates as the contracts write them: exactly YYYY-MM-DD."""

from __future__ import annotations

import re
from datetime import date

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_iso_date(text: str) -> date | None:
    """A calendar date written exactly YYYY-MM-DD, else None.

    ``date.fromisoformat`` alone also takes ``20261121`` and week dates such as ``2026-W47-6``.
    """
    if not _ISO_DATE.match(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def date_zh(day: date) -> str:
    """A date as documents write it: 2026年11月28日."""
    return f"{day.year}年{day.month}月{day.day}日"
