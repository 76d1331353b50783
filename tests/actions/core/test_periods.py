"""Periods in words against a frozen clock: every form, the edges of weeks, months and years, and words that name
no past period."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from actions.core.periods import EXAMPLES, Period, find_period, normalise, parse_period, period_or_default

# Wednesday 19 November 2025, 15:30 UTC
NOW = datetime(2025, 11, 19, 15, 30, tzinfo=UTC)


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize("words,start,end,label", [
    ("today", at(2025, 11, 19), NOW, "today"),
    ("yesterday", at(2025, 11, 18), at(2025, 11, 19), "yesterday"),
    ("this morning", at(2025, 11, 19), at(2025, 11, 19, 12), "this morning"),
    ("last night", at(2025, 11, 18, 18), at(2025, 11, 19, 8), "last night"),
    ("overnight", at(2025, 11, 18, 18), at(2025, 11, 19, 8), "last night"),
    ("this week", at(2025, 11, 17), NOW, "this week"),
    ("last week", at(2025, 11, 10), at(2025, 11, 17), "last week"),
    ("previous week", at(2025, 11, 10), at(2025, 11, 17), "last week"),
    ("this month", at(2025, 11, 1), NOW, "this month"),
    ("last month", at(2025, 10, 1), at(2025, 11, 1), "last month"),
    ("this quarter", at(2025, 10, 1), NOW, "this quarter"),
    ("last quarter", at(2025, 7, 1), at(2025, 10, 1), "last quarter"),
    ("this year", at(2025, 1, 1), NOW, "this year"),
    ("year to date", at(2025, 1, 1), NOW, "this year"),
    ("last year", at(2024, 1, 1), at(2025, 1, 1), "last year"),
    ("last weekend", at(2025, 11, 15), at(2025, 11, 17), "last weekend"),
    ("over the weekend", at(2025, 11, 15), at(2025, 11, 17), "last weekend"),
    ("last 3 days", at(2025, 11, 16, 15, 30), NOW, "over the last 3 days"),
    ("last three days", at(2025, 11, 16, 15, 30), NOW, "over the last 3 days"),
    ("past 30 days", at(2025, 10, 20, 15, 30), NOW, "over the past 30 days"),
    ("last 90 days", at(2025, 8, 21, 15, 30), NOW, "over the last 90 days"),
    ("last 24 hours", at(2025, 11, 18, 15, 30), NOW, "over the last 24 hours"),
    ("in the past 48 hours", at(2025, 11, 17, 15, 30), NOW, "over the past 48 hours"),
    ("last hour", at(2025, 11, 19, 14, 30), NOW, "over the last hour"),
    ("last 15 minutes", at(2025, 11, 19, 15, 15), NOW, "over the last 15 minutes"),
    ("last 2 weeks", at(2025, 11, 5, 15, 30), NOW, "over the last 2 weeks"),
    ("over the last two weeks", at(2025, 11, 5, 15, 30), NOW, "over the last 2 weeks"),
    ("past week", at(2025, 11, 12, 15, 30), NOW, "over the past week"),
    ("past few days", at(2025, 11, 16, 15, 30), NOW, "over the past 3 days"),
    ("last couple of days", at(2025, 11, 17, 15, 30), NOW, "over the last 2 days"),
    ("last 6 months", at(2025, 5, 19, 15, 30), NOW, "over the last 6 months"),
    ("past 6 months", at(2025, 5, 19, 15, 30), NOW, "over the past 6 months"),
    ("past year", at(2024, 11, 19, 15, 30), NOW, "over the past year"),
    ("last 2 years", at(2023, 11, 19, 15, 30), NOW, "over the last 2 years"),
    ("7d", at(2025, 11, 12, 15, 30), NOW, "over the last 7 days"),
    ("24h", at(2025, 11, 18, 15, 30), NOW, "over the last 24 hours"),
    ("10 days", at(2025, 11, 9, 15, 30), NOW, "over the last 10 days"),
    ("since Monday", at(2025, 11, 17), NOW, "since Monday"),
    ("since mon", at(2025, 11, 17), NOW, "since Monday"),
    ("since Wednesday", at(2025, 11, 19), NOW, "since Wednesday"),
    ("since Friday", at(2025, 11, 14), NOW, "since Friday"),
    ("since last Friday", at(2025, 11, 14), NOW, "since last Friday"),
    ("since last Wednesday", at(2025, 11, 12), NOW, "since last Wednesday"),
    ("since yesterday", at(2025, 11, 18), NOW, "since yesterday"),
    ("since today", at(2025, 11, 19), NOW, "today"),
    ("since last week", at(2025, 11, 10), NOW, "since last week"),
    ("since last month", at(2025, 10, 1), NOW, "since last month"),
    ("since January", at(2025, 1, 1), NOW, "since January"),
    ("since March", at(2025, 3, 1), NOW, "since March"),
    ("since December", at(2024, 12, 1), NOW, "since December 2024"),
    ("since 2025-11-03", at(2025, 11, 3), NOW, "since 2025-11-03"),
    ("in November", at(2025, 11, 1), NOW, "in November"),
    ("November", at(2025, 11, 1), NOW, "in November"),
    ("in September", at(2025, 9, 1), at(2025, 10, 1), "in September"),
    ("during August", at(2025, 8, 1), at(2025, 9, 1), "in August"),
    ("in December", at(2024, 12, 1), at(2025, 1, 1), "in December 2024"),
    ("in November 2024", at(2024, 11, 1), at(2024, 12, 1), "in November 2024"),
    ("in sept", at(2025, 9, 1), at(2025, 10, 1), "in September"),
    ("in mar", at(2025, 3, 1), at(2025, 4, 1), "in March"),
    ("on Friday", at(2025, 11, 14), at(2025, 11, 15), "on Friday"),
    ("Friday", at(2025, 11, 14), at(2025, 11, 15), "on Friday"),
    ("on Wednesday", at(2025, 11, 19), NOW, "on Wednesday"),
    ("last Wednesday", at(2025, 11, 12), at(2025, 11, 13), "last Wednesday"),
    ("  Last-3 Days? ", at(2025, 11, 16, 15, 30), NOW, "over the last 3 days"),
    ("for the last 7 days", at(2025, 11, 12, 15, 30), NOW, "over the last 7 days"),
])
def test_words_name_a_period(words: str, start: datetime, end: datetime, label: str) -> None:
    assert parse_period(words, NOW) == Period(start, end, label)


@pytest.mark.parametrize("words", [
    "tomorrow", "next week", "next month", "next 3 days", "this coming week", "tonight", "end of month", "pizza",
    "mar", "sun", "last 0 days", "last 99999 days", "since the dawn of time", "since 2025-02-30", "since 2026-01-01",
    "in 3 days", "within 7 days", "", "   ", None, "next quarter", "this weekend",
])
def test_words_that_name_no_past_period(words: str | None) -> None:
    assert parse_period(words, NOW) is None


@pytest.mark.parametrize("now,words,start,end", [
    # Monday: "this week" is today so far, "last week" the seven days before, "since Monday" today.
    (at(2025, 11, 17, 9), "this week", at(2025, 11, 17), at(2025, 11, 17, 9)),
    (at(2025, 11, 17, 9), "last week", at(2025, 11, 10), at(2025, 11, 17)),
    (at(2025, 11, 17, 9), "since Monday", at(2025, 11, 17), at(2025, 11, 17, 9)),
    (at(2025, 11, 17, 9), "since last Monday", at(2025, 11, 10), at(2025, 11, 17, 9)),
    # Sunday: this weekend is the one we are in; the last one is over.
    (at(2025, 11, 23, 12), "this weekend", at(2025, 11, 22), at(2025, 11, 23, 12)),
    (at(2025, 11, 23, 12), "last weekend", at(2025, 11, 15), at(2025, 11, 17)),
    (at(2025, 11, 23, 12), "this week", at(2025, 11, 17), at(2025, 11, 23, 12)),
    # New Year's Day: last month is December of the year before, and "in January" is today so far.
    (at(2026, 1, 1, 8), "last month", at(2025, 12, 1), at(2026, 1, 1)),
    (at(2026, 1, 1, 8), "in January", at(2026, 1, 1), at(2026, 1, 1, 8)),
    (at(2026, 1, 1, 8), "since January", at(2026, 1, 1), at(2026, 1, 1, 8)),
    (at(2026, 1, 1, 8), "last quarter", at(2025, 10, 1), at(2026, 1, 1)),
    (at(2026, 1, 1, 8), "yesterday", at(2025, 12, 31), at(2026, 1, 1)),
    (at(2026, 1, 1, 8), "last year", at(2025, 1, 1), at(2026, 1, 1)),
    # Months without the day: the month's last day.
    (at(2025, 3, 31, 12), "last month", at(2025, 2, 1), at(2025, 3, 1)),
    (at(2025, 3, 31, 12), "last 1 month", at(2025, 2, 28, 12), at(2025, 3, 31, 12)),
    (at(2024, 2, 29, 12), "past year", at(2023, 2, 28, 12), at(2024, 2, 29, 12)),
    # The first moment of a period: it has begun, so it is there (empty periods are not).
    (at(2025, 11, 1), "this month", None, None),
    (at(2025, 11, 1, 0, 1), "this month", at(2025, 11, 1), at(2025, 11, 1, 0, 1)),
])
def test_edges_of_weeks_months_and_years(
    now: datetime, words: str, start: datetime | None, end: datetime | None
) -> None:
    found = parse_period(words, now)
    if start is None:
        assert found is None
    else:
        assert found is not None and (found.start, found.end) == (start, end)


def test_another_timezone_is_read_as_utc() -> None:
    berlin = NOW.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Berlin"))
    assert parse_period("today", berlin) == parse_period("today", NOW)


def test_a_naive_clock_is_a_mistake() -> None:
    with pytest.raises(ValueError):
        parse_period("today", datetime(2025, 11, 19, 15, 30))


def test_the_caller_default_applies_only_without_words() -> None:
    assert period_or_default(None, NOW, "last 30 days") == parse_period("last 30 days", NOW)
    assert period_or_default("", NOW, "this week") == parse_period("this week", NOW)
    assert period_or_default("yesterday", NOW, "this week") == parse_period("yesterday", NOW)
    assert period_or_default("tomorrow", NOW, "this week") is None
    with pytest.raises(ValueError):
        period_or_default(None, NOW, "tomorrow")


def test_every_example_offered_to_users_is_understood() -> None:
    for words in EXAMPLES:
        assert parse_period(words, NOW) is not None


def test_days_and_seconds() -> None:
    period = parse_period("last 36 hours", NOW)
    assert period is not None
    assert (period.seconds, period.days) == (36 * 3600, 1.5)
    assert period.end - period.start == timedelta(hours=36)


def test_normalise_keeps_dates_whole() -> None:
    assert normalise(" Since 2025-11-03! ") == "since 2025-11-03"
    assert normalise("LAST-WEEK") == "last week"


@pytest.mark.parametrize("text,words,label", [
    ("how has media-library-prod grown this month?", "this month", "this month"),
    ("show web-2 cpu this week", "this week", "this week"),
    ("which buckets grew most this week?", "this week", "this week"),
    ("show me the cpu of web-1 for the last 3 days", "for the last 3 days", "over the last 3 days"),
    ("how much has logs-2023-q4 grown since last Friday?", "since last Friday", "since last Friday"),
    ("graph the network of batch-1 in November", "in November", "in November"),
    ("chart cpu of web-2, 24h", "24h", "over the last 24 hours"),
    ("was web-1 slow this morning??", "this morning", "this morning"),
    ("what did etl-2's cpu do last night", "last night", "last night"),
])
def test_a_period_found_in_the_words_of_a_message(text: str, words: str, label: str) -> None:
    found = find_period(text, NOW)
    assert found is not None
    assert (found[0], found[1].label) == (words, label)


@pytest.mark.parametrize("text", [
    "storage trend", "is our storage growing", "how is web-2 doing", "remind me in a week", "in 3 days please",
    "how has logs-2023-q4 grown", "may I see the storage trend",
])
def test_messages_without_a_past_period(text: str) -> None:
    assert find_period(text, NOW) is None
