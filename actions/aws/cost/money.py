"""Money for people: small amounts keep two significant digits, because sandbox buckets cost fractions of a cent."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

# Below a millionth of a dollar more digits stop meaning anything to a reader (a 1 KB object is ~$0.00000002).
SMALLEST = Decimal("0.000001")


def format_money(amount: float) -> str:
    """US dollars: '$0', '$0.0018', '$0.50', '$12.35', '$1,234,568'.

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
    if value < SMALLEST:
        return f"<${SMALLEST}"  # sign dropped: a tiny loss or gain reads the same
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
