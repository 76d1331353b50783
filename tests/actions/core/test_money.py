"""format_money: every branch and edge, including rounding across the branch boundaries."""

from __future__ import annotations

import math

import pytest

from actions.core.formatting import format_money


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (0, "$0"),
        (0.0, "$0"),
        (-0.0, "$0"),
        # under $1: two significant digits, at least two decimals, no trailing zeros past two decimals
        (0.0018, "$0.0018"),
        (0.00123, "$0.0012"),
        (0.00125, "$0.0013"),  # half-up on the decimal as written
        (0.001, "$0.001"),
        (0.0010001, "$0.001"),
        (0.05, "$0.05"),
        (0.5, "$0.50"),
        (0.1, "$0.10"),
        (0.123, "$0.12"),
        (0.125, "$0.13"),
        (0.00999, "$0.01"),
        (0.0000015258789, "$0.0000015"),
        (0.000001, "$0.000001"),
        # tiny amounts: a floor instead of a wall of zeros, whatever the sign
        (0.00000099, "<$0.000001"),
        (1e-12, "<$0.000001"),
        (-1e-9, "<$0.000001"),
        # rounding up into the next branch
        (0.995, "$1.00"),
        (0.999, "$1.00"),
        # $1 .. $999.99: cents
        (1, "$1.00"),
        (1.005, "$1.01"),
        (2.5, "$2.50"),
        (12.345, "$12.35"),
        (999.994, "$999.99"),
        # $1,000 and more: whole dollars with separators
        (999.995, "$1,000"),
        (1000, "$1,000"),
        (1234.5, "$1,235"),
        (1234567.8, "$1,234,568"),
        # negative amounts
        (-0.25, "-$0.25"),
        (-0.0018, "-$0.0018"),
        (-12.345, "-$12.35"),
        (-1234567.8, "-$1,234,568"),
    ],
)
def test_format_money(amount: float, text: str) -> None:
    assert format_money(amount) == text


@pytest.mark.parametrize("amount", [math.inf, -math.inf, math.nan])
def test_format_money_rejects_non_finite(amount: float) -> None:
    with pytest.raises(ValueError):
        format_money(amount)


def test_never_shows_zero_cents_for_a_real_amount() -> None:
    for exponent in range(-6, 0):
        for mantissa in (1, 1.5, 4.99, 9.9):
            assert format_money(mantissa * 10**exponent) not in ("$0.00", "$0")
