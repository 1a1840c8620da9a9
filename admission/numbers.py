"""Exact decimal arithmetic for indicators: no binary float ever touches a number we judge.

Every input number arrives as a ``Decimal`` parsed from the JSON text. Quotients are taken as
``Fraction`` so that rounding half-up happens once, on the exact value (a ``Decimal`` division
would round at 28 digits first and could round twice).
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction

from admission.text import excerpt

MAX_NUMBER = Decimal("1e12")
MIN_NONZERO = Decimal("1e-6")
MAX_SIGNIFICANT_DIGITS = 20


def number_problem(value: Decimal) -> str | None:
    """Why a number cannot be used at all, or None: the bounds every number of the contract has.

    Checked on the parsed Decimal before anything computes with it: a number such as
    ``1e-1000000`` parses instantly but makes exact arithmetic run for minutes, and
    ``1e999999999`` printed in full is a gigabyte. Only O(1) properties are looked at.
    """
    if not value.is_finite():
        return "不能是 NaN 或无穷大"
    # copy_abs and comparisons are exact and ignore the decimal context; abs() would round to
    # the context and overflow on 1e999999999.
    magnitude = value.copy_abs()
    if magnitude > MAX_NUMBER:
        return f"数值过大：绝对值不能超过 1e12（一万亿），实际为 {excerpt(value)}"
    if value != 0 and magnitude < MIN_NONZERO:
        return f"数值过小：非零数的绝对值不能小于 1e-6（0.000001），实际为 {excerpt(value)}（疑似输入错误）"
    digits = value.as_tuple().digits
    if len(digits) > MAX_SIGNIFICANT_DIGITS:
        trailing_zeros = len(digits) - len(bytes(digits).rstrip(b"\x00"))
        if len(digits) - trailing_zeros > MAX_SIGNIFICANT_DIGITS:
            return f"有效数字过多：最多 {MAX_SIGNIFICANT_DIGITS} 位，实际为 {excerpt(value)}"
    return None


# The rule engine compares integers exactly (int64); doubles it would compare inexactly. Every
# number handed to it is therefore fixed-point: the value times ENGINE_SCALE. Thresholds must lie
# on this grid (checked when the rule book is loaded); values that do not are floored or ceiled
# depending on the comparison, which keeps every comparison exact (see engine.py).
ENGINE_SCALE = 10**6
# Keeps scaled values inside int64; thresholds are capped far below this, so clamping a value
# never changes a comparison.
ENGINE_CLAMP = 10**18 + 1


def round_half_up(value: Fraction, places: int) -> Decimal:
    """Round an exact value half away from zero (ROUND_HALF_UP) to ``places`` decimals."""
    return quotient_half_up(value.numerator, value.denominator, places)


def quotient_half_up(numerator: int, denominator: int, places: int) -> Decimal:
    """``numerator / denominator`` rounded half-up, in integers only (exact, and fast)."""
    if denominator < 0:
        numerator, denominator = -numerator, -denominator
    scaled = abs(numerator) * 10**places
    rounded = (scaled * 2 + denominator) // (denominator * 2)
    return Decimal(-rounded if numerator < 0 else rounded).scaleb(-places)


def exact_decimal(value: Fraction) -> Decimal:
    """A Fraction whose denominator has only factors 2 and 5, as the exact Decimal."""
    denominator = value.denominator
    twos = fives = 0
    while denominator % 2 == 0:
        denominator //= 2
        twos += 1
    while denominator % 5 == 0:
        denominator //= 5
        fives += 1
    if denominator != 1:
        raise ValueError(f"{value} has no finite decimal expansion")
    places = max(twos, fives)
    return Decimal(value.numerator * 10**places // value.denominator).scaleb(-places)


def _clamp(scaled: int) -> int:
    return max(-ENGINE_CLAMP, min(ENGINE_CLAMP, scaled))


def scaled_floor(value: Decimal) -> int:
    numerator, denominator = value.as_integer_ratio()
    return _clamp(numerator * ENGINE_SCALE // denominator)


def scaled_ceil(value: Decimal) -> int:
    numerator, denominator = value.as_integer_ratio()
    return _clamp(-(-numerator * ENGINE_SCALE // denominator))


def on_engine_grid(value: Decimal) -> bool:
    return (Fraction(value) * ENGINE_SCALE).denominator == 1


def json_number(value: Decimal) -> int | float:
    """A Decimal as a JSON number: an integer if it was written without a fraction part.

    ``repr(float)`` is the shortest string that reads back to the same double, so any value with
    up to 15 significant digits (all rounded indicators) prints exactly as the decimal.
    """
    if value.as_tuple().exponent >= 0:  # type: ignore[operator]
        return int(value)
    return float(value)


# --- numbers as documents, pages and the terminal show them --------------------------------------
#
# Every figure a person reads is formatted here, and every rounding for display is half-up (四舍五入),
# from the exact value: 50050 万元 is 5.01 亿元 in an opinion, a screening summary and a 通报 alike.
# Amounts reach these functions as Decimal or Fraction, never as binary floats.

WAN_PER_YI = 10000

Exact = Decimal | Fraction | int


def _fraction(value: Exact) -> Fraction:
    return value if isinstance(value, Fraction) else Fraction(value)


def plain(value: Decimal) -> str:
    """A Decimal as plain text without an exponent (``1E+5`` becomes ``100000``)."""
    return f"{value:f}"


def fixed(value: Exact, places: int) -> str:
    """``places`` decimals, rounded half-up: 2.345 is 2.35 (Python's own formatting would say 2.34)."""
    return plain(round_half_up(_fraction(value), places))


def trimmed(value: Exact) -> str:
    """An exact figure without trailing zeros: 1071, 1289.3, 2.1 (a non-terminating one to 6 places)."""
    fraction = _fraction(value)
    try:
        exact = exact_decimal(fraction)
    except ValueError:
        exact = round_half_up(fraction, 6)
    return plain(exact.normalize()) if exact != 0 else "0"


def yi_value(wan: Exact) -> Decimal:
    """万元 as 亿元, rounded half-up to 2 decimals (the 通报's and the summaries' totals)."""
    return round_half_up(_fraction(wan) / WAN_PER_YI, 2)


def yi(wan: Exact) -> str:
    """An amount in 万元 as 亿元 with 2 decimals, as summaries and opinions show totals."""
    return plain(yi_value(wan))


def yi_exact(wan: Exact) -> str:
    """A threshold in 万元 as 亿元 as written in the rule book: 50000 is 5, 15000 is 1.5."""
    return trimmed(_fraction(wan) / WAN_PER_YI)


def grouped(value: Exact, places: int | None = 2) -> str:
    """An amount as documents print it: thousands separated, ``places`` decimals half-up
    (2000000 is 2,000,000.00); ``places=None`` keeps the exact figure without trailing zeros."""
    text = trimmed(value) if places is None else fixed(value, places)
    sign, text = ("-", text[1:]) if text.startswith("-") else ("", text)
    whole, dot, fraction = text.partition(".")
    return f"{sign}{int(whole):,}{dot}{fraction}"


def percent(share: Exact, places: int | None = None) -> str:
    """A share as a percentage: exact (0.35 is 35%, 0.035 is 3.5%), or half-up to ``places``
    decimals (5/11 with 1 place is 45.5%)."""
    hundred = _fraction(share) * 100
    return (trimmed(hundred) if places is None else fixed(hundred, places)) + "%"


def rate(part: Exact, whole: Exact, places: int = 4) -> Decimal:
    """``part / whole`` rounded half-up (0 for an empty whole): the 通报's rates and shares."""
    return round_half_up(_fraction(part) / _fraction(whole), places) if whole else Decimal(0).scaleb(-places)


# Sums of recorded amounts in Decimal, exactly: every amount has at most 20 significant digits and
# a magnitude of at most 1e12 (``number_problem``), so a sum of millions of them needs well under
# 100 digits; Inexact is trapped all the same, so a sum is never silently rounded. Decimal adds
# ten times faster than Fraction parses, which matters for a report over 50,000 projects.
_EXACT = decimal.Context(prec=100, traps=[decimal.Inexact, decimal.InvalidOperation, decimal.Overflow])


def exact_sum(values: Iterable[Decimal]) -> Decimal:
    """The exact sum of decimal amounts (0 for none)."""
    with decimal.localcontext(_EXACT):
        return sum(values, Decimal(0))


def exact_product(left: Decimal, right: Decimal) -> Decimal:
    with decimal.localcontext(_EXACT):
        return left * right


def largest_ratio(pairs: Iterable[tuple[Decimal, Decimal]]) -> Fraction | None:
    """The largest of the exact ratios a/b (b > 0), found by cross-multiplying in exact decimals;
    only the winner becomes a Fraction."""
    best: tuple[Decimal, Decimal] | None = None
    with decimal.localcontext(_EXACT):
        for top, bottom in pairs:
            if best is None or top * best[1] > best[0] * bottom:
                best = (top, bottom)
    return None if best is None else Fraction(best[0]) / Fraction(best[1])
