"""Future periods in words, read against a frozen moment: Wednesday 2 December 2026, 10:17 UTC."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from actions.core.horizons import Horizon, TooFarAhead, find_horizon, horizon_in, parse_horizon, steps_until

NOW = datetime(2026, 12, 2, 10, 17, tzinfo=UTC)  # a Wednesday
MIDNIGHT = datetime(2026, 12, 3, tzinfo=UTC)


@pytest.mark.parametrize(
    ("words", "start", "end", "label"),
    [
        ("tomorrow", MIDNIGHT, MIDNIGHT + timedelta(days=1), "tomorrow"),
        ("for tomorrow", MIDNIGHT, MIDNIGHT + timedelta(days=1), "tomorrow"),
        ("tmrw", MIDNIGHT, MIDNIGHT + timedelta(days=1), "tomorrow"),
        ("today", NOW, MIDNIGHT, "for the rest of today"),
        ("next week", NOW, NOW + timedelta(days=7), "over the next 7 days"),
        ("the coming week", NOW, NOW + timedelta(days=7), "over the next 7 days"),
        ("next 24 hours", NOW, NOW + timedelta(hours=24), "over the next 24 hours"),
        ("next 6h", NOW, NOW + timedelta(hours=6), "over the next 6 hours"),
        ("over the next three days", NOW, NOW + timedelta(days=3), "over the next 3 days"),
        ("next day", NOW, NOW + timedelta(days=1), "over the next 24 hours"),
        ("in 2 days", NOW, NOW + timedelta(days=2), "over the next 2 days"),
        ("within 7 days", NOW, NOW + timedelta(days=7), "over the next 7 days"),
        ("on friday", datetime(2026, 12, 4, tzinfo=UTC), datetime(2026, 12, 5, tzinfo=UTC), "on Friday"),
        ("wed", datetime(2026, 12, 9, tzinfo=UTC), datetime(2026, 12, 10, tzinfo=UTC), "on Wednesday"),
        ("this weekend", datetime(2026, 12, 5, tzinfo=UTC), datetime(2026, 12, 7, tzinfo=UTC), "over the weekend"),
    ],
)
def test_parse_horizon(words: str, start: datetime, end: datetime, label: str) -> None:
    assert parse_horizon(words, NOW) == Horizon(start, end, label)


def test_the_weekend_asked_on_a_saturday_starts_now() -> None:
    saturday = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
    assert parse_horizon("weekend", saturday) == Horizon(saturday, datetime(2026, 12, 7, tzinfo=UTC),
                                                         "over the weekend")


@pytest.mark.parametrize("words", ["next month", "next 30 days", "next 2 weeks", "next year", "in 9 days", "in December",
                                   "next quarter", "january 2027"])
def test_too_far_ahead(words: str) -> None:
    with pytest.raises(TooFarAhead):
        parse_horizon(words, NOW)


@pytest.mark.parametrize("words", ["", None, "last week", "yesterday", "pizza", "since monday"])
def test_no_future_period(words: str | None) -> None:
    assert parse_horizon(words, NOW) is None


def test_find_horizon_in_a_sentence() -> None:
    found = find_horizon("will web-1 need a bigger instance next week?", NOW)
    assert found == Horizon(NOW, NOW + timedelta(days=7), "over the next 7 days")
    assert find_horizon("what will batch-1's cpu look like tomorrow", NOW) == parse_horizon("tomorrow", NOW)
    assert find_horizon("forecast web-1", NOW) is None
    # a day behind is no window ahead, the same day without "last" is
    assert find_horizon("how did web-1 do last friday", NOW) is None
    assert find_horizon("cpu of web-1 since monday", NOW) is None
    assert find_horizon("cpu of web-1 friday", NOW) == parse_horizon("friday", NOW)
    assert horizon_in("is web-1 too small for the next 3 days", NOW) == (["next", "3", "days"],
                                                                         parse_horizon("next 3 days", NOW))
    assert horizon_in("load on web-1 in 3 days", NOW) == (["in", "3", "days"], parse_horizon("in 3 days", NOW))
    assert find_horizon("how loaded will web-1 be tomorrow morning?", NOW) == Horizon(
        datetime(2026, 12, 3, tzinfo=UTC), datetime(2026, 12, 3, 12, tzinfo=UTC), "tomorrow morning")
    assert find_horizon("will cpu spike on web-1 later today", NOW) == parse_horizon("rest of today", NOW)
    with pytest.raises(TooFarAhead):
        find_horizon("predict web-2 load for next month pls", NOW)


def test_steps_until() -> None:
    step = timedelta(minutes=5)
    assert steps_until(NOW + timedelta(hours=1), NOW, step) == 12
    assert steps_until(NOW + timedelta(minutes=61), NOW, step) == 13  # a part-step is a whole one
    assert steps_until(NOW, NOW, step) == 1
