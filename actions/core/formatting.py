"""Pure formatting for replies, one function per kind of value: percentages, durations and ages, sizes, money,
counts of things, lists, moments and S3 URLs. Every skill formats the same value the same way."""
from __future__ import annotations

import math
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal


def percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}%"


def duration(seconds: float) -> str:
    """Two largest units, e.g. '3 days 4 hours', '5 minutes', 'less than a minute'."""
    seconds = int(max(0, seconds))
    units = (("day", 86400), ("hour", 3600), ("minute", 60))
    parts = []
    for unit, size in units:
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(plural(count, unit))
    return " ".join(parts[:2]) if parts else "less than a minute"


_AGE_STEPS = (
    (365 * 86400, "y"),
    (30 * 86400, "mo"),
    (86400, "d"),
    (3600, "h"),
    (60, "min"),
    (1, "s"),
)


def format_age(age: timedelta | float) -> str:
    """A compact age: ``"3 d"``, ``"5 mo"``, ``"2 y"`` (whole units, rounded down; future ages read as ``"0 s"``)."""
    seconds = age.total_seconds() if isinstance(age, timedelta) else float(age)
    seconds = max(0.0, seconds)
    for size, unit in _AGE_STEPS:
        if seconds >= size:
            return f"{int(seconds // size)} {unit}"
    return "0 s"


_BYTE_UNITS = ("B", "KB", "MB", "GB", "TB", "PB", "EB")


def format_bytes(n: int | float) -> str:
    """``1536`` -> ``"1.5 KB"``, ``131072`` -> ``"128 KB"``, ``1024`` -> ``"1 KB"``. Powers of 1024, as the AWS
    console and price list count them; one decimal below 100 of a unit, none from there on or when it is 0."""
    if n < 0:
        return "-" + format_bytes(-n)
    if n < 1024:
        return f"{int(n)} B"
    value = float(n)
    unit = 0
    while value >= 1024 and unit < len(_BYTE_UNITS) - 1:
        value /= 1024
        unit += 1
    text = f"{value:.0f}" if value >= 100 else f"{value:.1f}"
    if float(text) >= 1024 and unit < len(_BYTE_UNITS) - 1:
        # 1023.96 KB rounds to "1024"; say "1 MB" instead.
        return f"1 {_BYTE_UNITS[unit + 1]}"
    if text.endswith(".0"):
        text = text[:-2]
    return f"{text} {_BYTE_UNITS[unit]}"


# Below a millionth of a dollar more digits stop meaning anything to a reader (a 1 KB object is ~$0.00000002).
SMALLEST_MONEY = Decimal("0.000001")


def format_money(amount: float) -> str:
    """US dollars: '$0', '$0.0018', '$0.50', '$12.35', '$1,234,568'. Small amounts keep two significant digits,
    because sandbox buckets cost fractions of a cent.

    - 0 is '$0'; amounts (of either sign) under $0.000001 are '<$0.000001';
      negative amounts get a leading '-' ('-$0.25').
    - Under $1: two significant digits (never '$0.00'), at least two decimals ('$0.50'), trailing zeros
      beyond two decimals dropped ('$0.001', not '$0.0010').
    - $1 to under $1,000: cents ('$12.35'); $1,000 and more: whole dollars with thousands separators.
    - Rounding is half-up on the decimal value as written (12.345 -> '$12.35', not binary 12.3449...).
    """
    if not math.isfinite(amount):
        raise ValueError("amount must be finite")
    value = Decimal(repr(amount))
    if value == 0:
        return "$0"
    sign = "-" if value < 0 else ""
    value = abs(value)
    if value < SMALLEST_MONEY:
        return f"<${SMALLEST_MONEY}"  # sign dropped: a tiny loss or gain reads the same
    if value < 1:
        # Exponent of the second significant digit: 0.0018 -> adjusted() -3 -> quantum 1e-4.
        small = value.quantize(Decimal(1).scaleb(value.adjusted() - 1), rounding=ROUND_HALF_UP)
        if small < 1:
            text = format(small, "f")
            whole, _, decimals = text.partition(".")
            decimals = decimals.rstrip("0").ljust(2, "0")
            return f"{sign}${whole}.{decimals}"
        value = small
    cents = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if cents < 1000:
        return f"{sign}${cents:.2f}"
    dollars = value.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return f"{sign}${dollars:,.0f}"


def plural(count: int, noun: str, nouns: str | None = None, *, grouped: bool = True) -> str:
    """'1 object', '1,024 objects', '2 older versions'; ``nouns`` for irregular plurals. ``grouped=False`` writes
    the figure as a configuration holds it ('3650 days' in a lifecycle rule)."""
    figure = f"{count:,}" if grouped else str(count)
    return f"{figure} {noun if count == 1 else (nouns or noun + 's')}"


def and_join(parts: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def listed_names(names: list[str], limit: int = 10) -> str:
    """'a, b' or, past ``limit``, 'a, b, c and 9 more'."""
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "unknown"


def day(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d") if moment else "unknown date"


def s3_url(bucket: str, key: str = "") -> str:
    return f"s3://{bucket}/{key}"
