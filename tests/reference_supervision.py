"""An independent reading of the supervision contract, written from its text (not from
``admission.supervision``): 序时进度, 完成率, points, lights, scores, ranks, calendar months, and
the lights of chased items. The tests check the product against it with hypothesis.

Written the long way on purpose (day-of-year counting, month stepping, sorting for ranks), so
that a mistake shared by both is unlikely.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction


def half_up(value: Fraction, places: int) -> Decimal:
    """Round half away from zero with Decimal's own ROUND_HALF_UP, on the quotient to 80 digits
    (a tie is a terminating decimal, so it is exact there)."""
    with localcontext() as context:
        context.prec = 80
        exact = Decimal(value.numerator) / Decimal(value.denominator)
        return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def schedule(year: int, as_of: date) -> Fraction:
    """(D − Jan 1 + 1 day) ÷ days in Y for a year in progress; 1 after the year (0 before it)."""
    if as_of.year < year:
        return Fraction(0)
    if as_of.year > year or (as_of.month, as_of.day) == (12, 31):
        return Fraction(1)
    days_in_year = date(year, 12, 31).timetuple().tm_yday
    return Fraction(as_of.timetuple().tm_yday, days_in_year)


def completion(actual: Fraction, target: Fraction, direction: str) -> Fraction:
    if direction == ">=":
        return actual / target
    return Fraction(1) if actual == 0 else target / actual


def ahead_points(actual: Fraction, target: Fraction, direction: str, progress: Fraction, proportion: bool) -> Decimal:
    if proportion:
        difference = (actual - target) if direction == ">=" else (target - actual)
        return half_up(difference * 100, 1)
    return half_up((completion(actual, target, direction) - progress) * 100, 1)


def light(actual: Fraction, target: Fraction, direction: str, progress: Fraction, proportion: bool, yellow: int, red: int) -> str:
    if proportion:
        met = actual >= target if direction == ">=" else actual <= target
        if met:
            return "green"
        behind_points = abs(actual - target) * 100
        return "yellow" if behind_points <= yellow else "red"
    behind_points = (progress - completion(actual, target, direction)) * 100
    if behind_points <= yellow:
        return "green"
    if behind_points <= red:
        return "yellow"
    return "red"


def score(actual: Fraction, target: Fraction, direction: str, weight: Fraction, cap: Fraction) -> Decimal:
    rate = completion(actual, target, direction)
    return half_up((cap if rate > cap else rate) * weight, 2)


def ranks(totals: list[Decimal]) -> list[int]:
    """Sort descending; a total's rank is one more than its position of first appearance."""
    ordered = sorted(totals, reverse=True)
    return [ordered.index(total) + 1 for total in totals]


def add_months(day: date, months: int) -> date:
    """Step month by month; keep the day, or the month's last day when it has fewer."""
    year, month = day.year, day.month
    for _ in range(months):
        month += 1
        if month == 13:
            year, month = year + 1, 1
    next_first = date(year + (month == 12), month % 12 + 1, 1)
    last_day = (next_first - timedelta(days=1)).day
    return date(year, month, min(day.day, last_day))


def item_light(due: date, as_of: date, red_after_months: int, open_rounds: int, unanswered: bool) -> str | None:
    """None when not overdue (due date itself included); else yellow or red as the contract says."""
    if as_of <= due:
        return None
    if open_rounds >= 2 or unanswered or as_of > add_months(due, red_after_months):
        return "red"
    return "yellow"
