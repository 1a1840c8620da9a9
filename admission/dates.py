"""Dates as the contracts write them (exactly YYYY-MM-DD), and the two clocks: the ledger records
UTC instants, the office reads Beijing time."""

from __future__ import annotations

import calendar
import re
from datetime import UTC, date, datetime, timedelta, timezone

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


BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")  # the office's clock; the ledger keeps UTC


def recorded_bound(text: str) -> str:
    """``--as-recorded R`` as the UTC instant it means: a date is the end of that day in Beijing
    time (what the office had recorded by the close of that day); an ISO time is that instant (a
    time without zone is Beijing time). Returned as the events' own ISO format, for comparison."""
    try:
        if len(text) == 10:
            moment = datetime.combine(date.fromisoformat(text), datetime.max.time(), BEIJING)
        else:
            moment = datetime.fromisoformat(text)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=BEIJING)
    except ValueError:
        raise ValueError(f"应为日期（YYYY-MM-DD）或时间（如 2026-11-30T18:00），实际为 {text!r}") from None
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def today_in_beijing() -> date:
    """Today on the office's clock (the machine's may be UTC: 02:00 in Jiangmen is yesterday there)."""
    return datetime.now(BEIJING).date()


def beijing_time(utc_iso: str) -> str:
    """A recorded time as the office reads it: ``2026-12-02 21:10`` (Beijing time)."""
    return datetime.fromisoformat(utc_iso).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def beijing_date(utc_iso: str) -> date:
    """The office's calendar day of a recorded time."""
    return datetime.fromisoformat(utc_iso).astimezone(BEIJING).date()


def add_months(day: date, months: int) -> date:
    """``months`` calendar months after ``day``: the same day of that month, or its last day when
    it has no such day (2024-01-31 + 1 month = 2024-02-29)."""
    total = day.year * 12 + day.month - 1 + months
    year, month = divmod(total, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))
