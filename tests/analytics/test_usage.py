"""Usage figures over tracker stores written by Rasa's SQLTrackerStore (conversations.py): exact counts, rates,
confirmation outcomes and action times, for SQLite and PostgreSQL, read at once, in small ranges and incrementally."""
from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from actions.analytics import Confirmations, Day, Latency, Share, UsageAnalytics, UsageReport, usage_report

Writer = Callable[[str, list[Any]], Awaitable[None]]
DAY0 = dt.datetime(2026, 11, 30, tzinfo=dt.UTC)
DAY1 = DAY0 + dt.timedelta(days=1)
TWO_DAYS = (DAY0, DAY0 + dt.timedelta(days=2))

LATENCY = [
    Latency(action="action_confirm", runs=3, p50=0.375, p95=0.375 + 0.9 * (2.0 - 0.375)),
    Latency(action="action_help", runs=3, p50=0.25, p95=0.25),
    Latency(action="action_create_bucket", runs=2, p50=0.5, p95=0.5),
    Latency(action="action_list_buckets", runs=2, p50=0.5, p95=0.5),
    Latency(action="action_cancel", runs=1, p50=0.125, p95=0.125),
    Latency(action="action_delete_bucket", runs=1, p50=1.0, p95=1.0),
    Latency(action="action_late_message", runs=1, p50=0.125, p95=0.125),
    Latency(action="action_list_objects", runs=1, p50=3.0, p95=3.0),
]


def assert_two_days(report: UsageReport) -> None:
    assert report.requests == 13  # carol's late message is no request
    assert report.people == 3
    assert report.by_skill == (
        Share("affirm", 4), Share("create_bucket", 2), Share("list_buckets", 2), Share("delete_bucket", 1),
        Share("deny", 1), Share("help", 1), Share("list_objects", 1), Share("nlu_fallback", 1))
    assert report.by_channel == (Share("rest", 7), Share("discord", 3), Share("slack", 3))
    assert report.by_day == (Day(DAY0.date(), 6), Day(DAY1.date(), 7))
    # bob's nlu_fallback and carol's "hmm ok" answered by action_help; carol's "help" is no fallback
    assert (report.fallbacks, report.fallback_rate) == (2, 2 / 13)
    assert report.failures == 1  # "There is no bucket called old-logs ..."
    # alice's session and carol's second are contained; bob's (fallback) and carol's first (failure) are not
    assert (report.conversations, report.contained, report.containment) == (4, 2, 0.5)
    assert report.confirmations == Confirmations(asked=3, accepted=2, declined=1, expired=1, superseded=0)
    assert [(x.action, x.runs, x.p50) for x in report.latency] == [(x.action, x.runs, x.p50) for x in LATENCY]
    assert [x.p95 for x in report.latency] == pytest.approx([x.p95 for x in LATENCY], abs=1e-9)


async def test_two_days_from_sqlite(written_sqlite: str) -> None:
    report = usage_report(*TWO_DAYS, url=written_sqlite)
    assert (report.start, report.end) == TWO_DAYS
    assert_two_days(report)


async def test_two_days_from_postgres(written_postgres: tuple[str, str]) -> None:
    url, schema = written_postgres
    assert_two_days(usage_report(*TWO_DAYS, url=url, schema=schema))


async def test_one_day_counts_what_happened_in_it(written_sqlite: str) -> None:
    report = usage_report(DAY1, DAY1 + dt.timedelta(days=1), url=written_sqlite)
    assert (report.requests, report.people, report.fallbacks, report.failures) == (7, 1, 1, 1)
    assert (report.conversations, report.contained) == (2, 1)
    assert report.by_channel == (Share("rest", 7),)
    assert report.by_day == (Day(DAY1.date(), 7),)
    assert report.confirmations == Confirmations(asked=1, accepted=1, expired=1)
    assert [(x.action, x.runs) for x in report.latency][:2] == [("action_confirm", 2), ("action_help", 2)]


async def test_a_period_without_requests_has_no_rates(written_sqlite: str) -> None:
    start = DAY0 - dt.timedelta(days=7)
    report = usage_report(start, DAY0, url=written_sqlite)
    assert (report.requests, report.conversations, report.fallback_rate, report.containment) == (0, 0, None, None)
    assert len(report.by_day) == 7 and {d.requests for d in report.by_day} == {0}
    assert report.latency == () and report.confirmations == Confirmations()


@pytest.mark.parametrize("chunk", [1, 2, 5, 13, 1000])
async def test_reading_in_small_ranges_changes_nothing(written_sqlite: str, chunk: int) -> None:
    """Conversations cut between ranges carry on: open requests, sessions, questions and the moment before."""
    analytics = UsageAnalytics(written_sqlite, chunk=chunk)
    try:
        assert_two_days(analytics.report(*TWO_DAYS))
    finally:
        analytics.close()


async def test_only_new_events_are_read(sqlite_url: str, write: Writer, build: ModuleType, tmp_path: Path) -> None:
    await write("alice", build.alice())
    await write("bob", build.bob()[:4])
    cache = tmp_path / "facts.duckdb"
    analytics = UsageAnalytics(sqlite_url, cache=cache)
    first = analytics.refresh()
    assert first == analytics.cursor == len(build.alice()) + 4
    day0 = analytics.report(*TWO_DAYS, refresh=False)
    assert (day0.requests, day0.fallbacks, day0.conversations, day0.contained) == (4, 1, 2, 1)
    assert analytics.refresh() == 0  # nothing new

    # bob's open request (a fallback) and his question go on in the next call
    await write("bob", build.bob()[4:])
    await write("carol", build.carol_first_session())
    await write("carol", build.carol_second_session())
    new = len(build.bob()) - 4 + len(build.carol_first_session()) + len(build.carol_second_session())
    assert analytics.refresh() == new
    assert_two_days(analytics.report(*TWO_DAYS, refresh=False))
    analytics.close()

    # the facts and the cursor outlive the process that read them
    again = UsageAnalytics(sqlite_url, cache=cache)
    try:
        assert again.cursor == first + new
        assert again.refresh() == 0
        assert_two_days(again.report(*TWO_DAYS, refresh=False))
    finally:
        again.close()


async def test_a_failure_code_in_the_metadata_counts_whatever_the_text(write: Writer, build: ModuleType,
                                                                       sqlite_url: str) -> None:
    t = build.T0
    reply = build.BotUttered("Hmm, that did not work out.", metadata={"failure": "Throttling"}, timestamp=t + 1.5)
    await write("alice", [build.user(t, "list my buckets", "list_buckets", "slack"),
                          build.action(t + 2, "action_list_buckets"), reply, build.listen(t + 2.5),
                          build.user(t + 5, "list my buckets", "list_buckets", "slack"),
                          build.action(t + 6, "action_list_buckets"), build.bot(t + 5.5, "Hmm, that did not work out."),
                          build.listen(t + 6.5)])
    report = usage_report(*TWO_DAYS, url=sqlite_url)
    assert (report.requests, report.failures, report.conversations, report.contained) == (2, 1, 1, 0)


async def test_counters_have_bounded_labels_and_no_sender(written_sqlite: str) -> None:
    analytics = UsageAnalytics(written_sqlite)
    try:
        counters = analytics.counters(intents=["affirm", "list_buckets"], channels=["slack", "rest"])
    finally:
        analytics.close()
    totals = {(r.intent, r.channel, r.outcome): r.total for r in counters.requests}
    assert totals == {
        ("affirm", "rest", "answered"): 2, ("affirm", "rest", "fallback"): 1, ("affirm", "slack", "answered"): 1,
        ("list_buckets", "rest", "answered"): 1, ("list_buckets", "slack", "answered"): 1,
        ("other", "other", "answered"): 2, ("other", "other", "fallback"): 1,  # bob on discord
        ("other", "rest", "answered"): 2, ("other", "rest", "failure"): 1, ("other", "slack", "answered"): 1,
    }
    labels = {value for key in totals for value in key} | {h.action for h in counters.latency}
    assert not any(name in label for label in labels for name in ("U1", "U2", "carol", "old-logs"))
    confirm = next(h for h in counters.latency if h.action == "action_confirm")
    assert (confirm.count, confirm.sum) == (3, 2.625)
    assert dict(confirm.buckets)[0.25] == 1 and dict(confirm.buckets)[0.5] == 2 and dict(confirm.buckets)[2.5] == 3
    assert counters.confirmations == {"accepted": 2, "asked": 3, "declined": 1, "expired": 1}


async def test_a_chained_action_waits_from_the_action_before(write: Writer, build: ModuleType, sqlite_url: str) -> None:
    t = build.T0
    await write("alice", [
        build.user(t, "how big is old-logs", "bucket_usage", "slack"),
        build.DefinePrevUserUtteredFeaturization(False, timestamp=t + 0.125),  # stamped during prediction: skipped
        build.action(t + 0.5, "action_bucket_usage"), build.bot(t + 0.375, "old-logs holds 2 GB."),
        build.action(t + 0.75, "utter_anything_else"), build.bot(t + 0.6875, "Anything else?"), build.listen(t + 1),
    ])
    report = usage_report(*TWO_DAYS, url=sqlite_url)
    assert [(x.action, x.runs, x.p50) for x in report.latency] == [
        ("action_bucket_usage", 1, 0.5), ("utter_anything_else", 1, 0.25)]


async def test_without_allowed_labels_only_the_most_frequent_are_kept(written_sqlite: str) -> None:
    analytics = UsageAnalytics(written_sqlite)
    try:
        counters = analytics.counters(limit=2)
    finally:
        analytics.close()
    intents: dict[str, int] = {}
    for row in counters.requests:
        intents[row.intent] = intents.get(row.intent, 0) + row.total
    assert intents == {"affirm": 4, "create_bucket": 2, "other": 7}  # list_buckets (2) loses the tie by name
    assert {row.channel for row in counters.requests} == {"rest", "discord", "other"}  # slack (3) loses to discord
    assert [h.action for h in counters.latency] == ["action_confirm", "action_help", "other"]
    assert sum(h.count for h in counters.latency) == 14
