"""The arithmetic of targets, one place each: 序时进度, 完成率, points ahead or behind, the light,
the score and the ranks (supervision contract, section 1). Exact Fractions in, rounded half-up
once on the way out; nothing here reads the ledger.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from fractions import Fraction

from admission.numbers import round_half_up

GREEN, YELLOW, RED = "green", "yellow", "red"
LIGHT_ORDER = {GREEN: 0, YELLOW: 1, RED: 2}


def schedule(year: int, as_of: date) -> Fraction:
    """序时进度: the share of the year gone by as of ``as_of`` (its own day included); 0 before
    the year, 1 from its last day on."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    if as_of < first:
        return Fraction(0)
    if as_of >= last:
        return Fraction(1)
    days = 366 if calendar.isleap(year) else 365
    return Fraction((as_of - first).days + 1, days)


def completion(actual: Fraction, target: Fraction, direction: str) -> Fraction:
    """完成率: actual ÷ target for a ``>=`` target; for ``<=`` target ÷ actual, 1 when actual is 0."""
    if direction == "<=":
        return Fraction(1) if actual == 0 else target / actual
    return actual / target if target else Fraction(1)


def ahead_points(actual: Fraction, target: Fraction, rate: Fraction, progress: Fraction, proportion: bool, direction: str) -> Decimal:
    """快于（正）/慢于（负）序时进度的百分点, one decimal from the exact value. For a share or a
    rate, the points between the value and the target (negative when it falls short)."""
    if proportion:
        gap = actual - target if direction == ">=" else target - actual
        return round_half_up(gap * 100, 1)
    return round_half_up((rate - progress) * 100, 1)


def light(actual: Fraction, target: Fraction, rate: Fraction, progress: Fraction, proportion: bool, direction: str,
          yellow_points: Fraction, red_points: Fraction) -> str:  # fmt: skip
    """A target's light: green when on schedule or less than ``yellow_points`` behind it, yellow down
    to ``red_points`` behind, red beyond; a share or rate green when met, yellow within
    ``yellow_points`` of its target, red beyond."""
    if proportion:
        shortfall = (target - actual if direction == ">=" else actual - target) * 100
        return GREEN if shortfall <= 0 else YELLOW if shortfall <= yellow_points else RED
    if rate >= progress - yellow_points / 100:
        return GREEN
    return YELLOW if rate >= progress - red_points / 100 else RED


def score(rate: Fraction, weight: Fraction | None, cap: Fraction) -> Decimal | None:
    """A target's score: min(完成率, cap) × weight, half-up to 2 decimals (none without a weight)."""
    return None if weight is None else round_half_up(min(rate, cap) * weight, 2)


def ranks(totals: Sequence[Decimal]) -> list[int]:
    """Competition ranks, highest first: ties share a rank and the next rank skips (1, 2, 2, 4)."""
    return [1 + sum(1 for other in totals if other > total) for total in totals]
