"""One formatter per kind of value: percentages, durations, sizes, ages, counted nouns and lists."""
from __future__ import annotations

from datetime import timedelta

import pytest

from actions.core.formatting import and_join, duration, format_age, format_bytes, listed_names, percent, plural


@pytest.mark.parametrize("value,expected", [(None, "n/a"), (0, "0.0%"), (12.345, "12.3%"), (100, "100.0%")])
def test_percent(value: float | None, expected: str) -> None:
    assert percent(value) == expected


@pytest.mark.parametrize("seconds,expected", [
    (0, "less than a minute"), (59, "less than a minute"), (60, "1 minute"), (3600, "1 hour"),
    (3660, "1 hour 1 minute"), (90061, "1 day 1 hour"), (2 * 86400 + 7200, "2 days 2 hours"), (-5, "less than a minute"),
])
def test_duration(seconds: float, expected: str) -> None:
    assert duration(seconds) == expected


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (0, "0 B"),
        (1, "1 B"),
        (1023, "1023 B"),
        (1024, "1 KB"),
        (1536, "1.5 KB"),
        (1024 * 1024 - 1, "1 MB"),  # rounds up to 1024 KB, shown as the next unit
        (int(1.5 * 1024**2), "1.5 MB"),
        (150 * 1024**2 + 300 * 1024, "150 MB"),
        (10 * 1024**3, "10 GB"),
        (int(2.25 * 1024**4), "2.2 TB"),
        (-2048, "-2 KB"),
        (5 * 2**20, "5 MB"),
        (int(2.5 * 2**30), "2.5 GB"),
        (3 * 2**50, "3 PB"),
        (2**60, "1 EB"),
    ],
)
def test_format_bytes(n: int, text: str) -> None:
    assert format_bytes(n) == text


@pytest.mark.parametrize(
    ("age", "text"),
    [
        (0, "0 s"),
        (-5, "0 s"),
        (59, "59 s"),
        (60, "1 min"),
        (timedelta(hours=5, minutes=59), "5 h"),
        (timedelta(days=1), "1 d"),
        (timedelta(days=29), "29 d"),
        (timedelta(days=95), "3 mo"),
        (timedelta(days=800), "2 y"),
    ],
)
def test_format_age(age: timedelta | float, text: str) -> None:
    assert format_age(age) == text


@pytest.mark.parametrize("count,noun,nouns,grouped,expected", [
    (0, "object", None, True, "0 objects"), (1, "object", None, True, "1 object"),
    (1024, "object", None, True, "1,024 objects"), (2, "object version", "object versions", True, "2 object versions"),
    (1, "object version", "object versions", True, "1 object version"), (3650, "day", None, False, "3650 days"),
])
def test_plural(count: int, noun: str, nouns: str | None, grouped: bool, expected: str) -> None:
    assert plural(count, noun, nouns, grouped=grouped) == expected


@pytest.mark.parametrize("parts,expected", [(["a"], "a"), (["a", "b"], "a and b"), (["a", "b", "c"], "a, b and c")])
def test_and_join(parts: list[str], expected: str) -> None:
    assert and_join(parts) == expected


def test_listed_names() -> None:
    assert listed_names(["a", "b"]) == "a, b"
    assert listed_names([str(n) for n in range(12)], limit=3) == "0, 1, 2 and 9 more"
