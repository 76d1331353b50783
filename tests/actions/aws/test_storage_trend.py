"""Storage trends from size samples: the figures of a period worked out by hand, the days that grew and shrank most,
tracking that began inside the period, a bounded number of chart points, and the service over moto (a dense history
read as each day's last sample, closed days read from their hourly roll-ups - each with the figures of reading
every sample)."""
from __future__ import annotations

import threading
from typing import Any

import pytest

from actions.aws.clients import ClientFactory
from actions.aws.errors import CloudButlerError
from actions.aws.size_tracking import NotTrackedError, SizeSample, SizeTracker, TrackedBucket
from actions.aws.storage_trend import (
    ClassChange,
    DayChange,
    Level,
    StorageTrends,
    chart_slot,
    interval_for,
    summarise,
)

DAY = 86400
T0 = 1_763_510_400  # 2025-11-19 00:00 UTC, a Wednesday
GB = 2**30


def sample(ts: int, standard: int, glacier: int = 0, objects: int = 10) -> SizeSample:
    classes = {"STANDARD": (standard, objects)}
    if glacier:
        classes["GLACIER"] = (glacier, 1)
    return SizeSample(ts=ts, bytes=standard + glacier, objects=objects + (1 if glacier else 0), classes=classes)


def test_a_period_from_the_level_before_it_to_the_live_figures() -> None:
    start, end = T0 - 3 * DAY, T0 + 12 * 3600  # Sunday 00:00 to Wednesday noon
    samples = [
        sample(start - 3600, 10 * GB),  # the level at the start
        sample(start + 3600, 11 * GB),  # Sunday +1
        sample(start + DAY + 7200, 15 * GB, 2 * GB),  # Monday +6 (4 more in Standard, 2 archived)
        sample(start + 2 * DAY + 60, 12 * GB, 2 * GB),  # Tuesday -3 (a cleanup)
    ]
    live = TrackedBucket(bucket="b", since=start - DAY, bytes=15 * GB, objects=13,
                         classes={"STANDARD": (13 * GB, 12), "GLACIER": (2 * GB, 1)})
    trend = summarise("b", samples, start, end, live)
    assert (trend.bytes_start, trend.bytes_end, trend.change) == (10 * GB, 15 * GB, 5 * GB)
    assert (trend.objects_start, trend.objects_end) == (10, 13)
    assert trend.percent == 50.0
    assert trend.per_day == pytest.approx(5 * GB / 3.5)
    assert trend.known_from == start
    assert trend.classes == (ClassChange("STANDARD", 10 * GB, 13 * GB), ClassChange("GLACIER", 0, 2 * GB))
    assert trend.grew_most == DayChange(day=start + DAY, bytes=6 * GB)
    assert trend.shrank_most == DayChange(day=start + 2 * DAY, bytes=-3 * GB)
    assert [p.ts for p in trend.points] == [start, start + 3600, start + DAY + 7200, start + 2 * DAY + 60, end]
    assert trend.points[-1] == Level(end, 15 * GB, {"STANDARD": 13 * GB, "GLACIER": 2 * GB})


def test_tracking_that_began_within_the_period_counts_from_then() -> None:
    start, end = T0 - 7 * DAY, T0
    samples = [sample(T0 - 2 * DAY, 4 * GB), sample(T0 - DAY + 5, 6 * GB)]
    trend = summarise("b", samples, start, end)
    assert trend.known_from == T0 - 2 * DAY
    assert (trend.bytes_start, trend.bytes_end, trend.percent) == (4 * GB, 6 * GB, 50.0)
    assert trend.per_day == pytest.approx(GB)
    assert trend.grew_most == DayChange(day=T0 - DAY, bytes=2 * GB)
    assert trend.shrank_most is None


def test_no_samples_means_no_data() -> None:
    trend = summarise("b", [], T0 - DAY, T0)
    assert not trend.has_data and trend.known_from is None
    assert (trend.change, trend.percent, trend.grew_most, trend.points) == (0, None, None, ())


def test_growth_from_nothing_has_no_percentage() -> None:
    trend = summarise("b", [sample(T0 - DAY, 0, objects=0), sample(T0 - 10, GB)], T0 - DAY, T0)
    assert (trend.change, trend.percent) == (GB, None)


def test_samples_after_the_period_are_left_out() -> None:
    trend = summarise("b", [sample(T0 - DAY, GB), sample(T0 + 60, 9 * GB)], T0 - DAY, T0)
    assert trend.bytes_end == GB


def test_a_long_history_gives_a_bounded_chart() -> None:
    start, end = T0 - 90 * DAY, T0

    def minutes() -> Any:  # 129,600 samples, streamed: one a minute for 90 days
        for i in range(90 * 24 * 60):
            yield sample(start + 60 * i, i * 1000)

    trend = summarise("b", minutes(), start, end, chart_points=240)
    assert len(trend.points) <= 242
    assert [p.ts for p in trend.points] == sorted(p.ts for p in trend.points)
    assert trend.bytes_end == (90 * 24 * 60 - 1) * 1000
    assert trend.grew_most is not None and trend.grew_most.bytes == 1440 * 1000


# --- the service over moto -------------------------------------------------------------------------------------------
@pytest.fixture
def tracker(aws: ClientFactory) -> SizeTracker:
    return SizeTracker(dynamodb=aws.client("dynamodb"), s3=aws.client("s3"), sqs=aws.client("sqs"),
                       clock=lambda: float(T0))


def test_the_service_reads_the_history_and_the_live_figures(aws: ClientFactory, tracker: SizeTracker) -> None:
    s3 = aws.client("s3")
    s3.create_bucket(Bucket="grows")
    s3.put_object(Bucket="grows", Key="a.bin", Body=b"x" * 3000)
    tracker.track("grows")  # a snapshot now: 3000 bytes
    tracker.write_samples("grows", [SizeSample(T0 - 2 * DAY, 1000, 1, {"STANDARD": (1000, 1)}),
                                    SizeSample(T0 - DAY, 2000, 1, {"STANDARD": (2000, 1)})], "seed")
    service = StorageTrends(tracker=tracker, s3=s3)
    trend = service.trend("grows", T0 - 2 * DAY, T0)
    assert (trend.bytes_start, trend.bytes_end, trend.change) == (1000, 3000, 2000)
    assert [(p.ts, p.bytes) for p in trend.points] == [(T0 - 2 * DAY, 1000), (T0 - DAY, 2000), (T0, 3000)]
    (ranked,) = service.ranking(T0 - DAY, T0)
    assert (ranked.bucket, ranked.change) == ("grows", 1000)


def test_a_bucket_not_tracked_and_one_that_does_not_exist(aws: ClientFactory, tracker: SizeTracker) -> None:
    s3 = aws.client("s3")
    s3.create_bucket(Bucket="plain")
    service = StorageTrends(tracker=tracker, s3=s3)
    with pytest.raises(NotTrackedError):
        service.trend("plain", T0 - DAY, T0)
    with pytest.raises(CloudButlerError) as missing:
        service.trend("nowhere-to-be-found", T0 - DAY, T0)
    assert (missing.value.code, missing.value.details) == ("NoSuchBucket", {"bucket": "nowhere-to-be-found"})
    assert service.ranking(T0 - DAY, T0) == []


# --- how much is read --------------------------------------------------------------------------------------------------
class QueryCounter:
    """The Query calls a client makes and the items they return (from the threads the day queries run in)."""

    def __init__(self, client: Any) -> None:
        self.calls = self.items = 0
        self._lock = threading.Lock()
        client.meta.events.register("after-call.dynamodb.Query", self)

    def __call__(self, parsed: dict[str, Any], **_: Any) -> None:
        with self._lock:
            self.calls += 1
            self.items += len(parsed.get("Items", []))


def levels(first: int, values: list[int], step: int) -> list[SizeSample]:
    return [SizeSample(first + i * step, v, 1, {"STANDARD": (v, 1)}) for i, v in enumerate(values)]


def test_a_dense_history_is_read_as_each_days_last_sample(
    aws: ClientFactory, tracker: SizeTracker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sample every 10 minutes for six days (144 a day, pages of 100) on a chart of a point a day: the first page,
    then one query per day for its last sample - the same figures as reading every sample: levels, classes, the day
    that grew most and the one that shrank most (a spike within a day changes no day's figure), and a chart point at
    the end of each day."""
    monkeypatch.setattr("actions.aws.size_store.QUERY_PAGE", 100)
    s3 = aws.client("s3")
    s3.create_bucket(Bucket="dense")
    s3.put_object(Bucket="dense", Key="a.bin", Body=b"x" * 3000)
    tracker.track("dense")  # a snapshot now (T0): 3000 bytes
    per_day = 144

    def ramp(low: int, high: int) -> list[int]:  # a day's samples, its last (at the next midnight) at ``high``
        return [low + (high - low) * (i + 1) // per_day for i in range(per_day)]

    day0 = [1000] * per_day
    day3 = ramp(5000, 3500)
    day3[70] = 20_000  # a spike at noon, gone at the next sample
    values = [1000, *day0, *ramp(1000, 2000), *ramp(2000, 5000), *day3, *ramp(3500, 3600), *ramp(3600, 3000)][:-1]
    tracker.write_samples("dense", levels(T0 - 6 * DAY, values, 600), "seed")  # the last at T0 - 600, then T0
    start = T0 - 6 * DAY + 3600
    everything = summarise("dense", tracker.history("dense", start, T0 + 1), start, T0, tracker.tracked_bucket("dense"),
                           chart_points=6)

    counter = QueryCounter(tracker.dynamodb)
    service = StorageTrends(tracker=tracker, s3=s3, page=100, samples_per_query=50, chart_points=6)
    trend = service.trend("dense", start, T0)
    first_page_end = start + 100 * 600
    days = [T0 - n * DAY for n in (5, 4, 3, 2, 1, 0)]
    # the roll-ups (none yet), the level at the start, the first page, a query a day
    assert (counter.calls, counter.items) == (1 + 1 + 1 + len(days), 1 + 100 + len(days))
    for name in ("bytes_start", "bytes_end", "objects_start", "objects_end", "classes", "known_from", "grew_most",
                 "shrank_most"):
        assert getattr(trend, name) == getattr(everything, name), name
    assert trend.grew_most == DayChange(day=T0 - 4 * DAY, bytes=3000)
    assert trend.shrank_most == DayChange(day=T0 - 3 * DAY, bytes=-1500)
    assert (trend.bytes_start, trend.bytes_end) == (1000, 3000)
    later = [(p.ts, p.bytes) for p in trend.points if p.ts > first_page_end]
    assert later == [(T0 - 5 * DAY, 1000), (T0 - 4 * DAY, 2000), (T0 - 3 * DAY, 5000), (T0 - 2 * DAY, 3500),
                     (T0 - DAY, 3600), (T0, 3000)]
    assert max(p.bytes for p in trend.points) == 5000  # the spike is no day's last level


def test_a_dense_history_over_a_few_hours_is_read_sample_by_sample(
    aws: ClientFactory, tracker: SizeTracker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sample a minute over six hours: a chart slot is 90 s, so an interval is an hour of 60 samples - fewer than
    a query's worth: every page read, every sample a chart point, as if nothing were left out."""
    monkeypatch.setattr("actions.aws.size_store.QUERY_PAGE", 100)
    s3 = aws.client("s3")
    s3.create_bucket(Bucket="busy")
    tracker.track("busy")  # a snapshot at T0
    start = T0 - 6 * 3600
    tracker.write_samples("busy", levels(start, [1000 + (i % 7) * 100 for i in range(360)], 60), "seed")
    everything = summarise("busy", tracker.history("busy", start, T0 + 1), start, T0, tracker.tracked_bucket("busy"))

    counter = QueryCounter(tracker.dynamodb)
    trend = StorageTrends(tracker=tracker, s3=s3, page=100).trend("busy", start, T0)
    assert (counter.calls, counter.items) == (1 + 4, 1 + 359 + 1)  # the level at the start; 359 samples and T0's
    assert trend.points == everything.points and len(trend.points) > 200


def test_a_sparse_history_is_read_sample_by_sample(
    aws: ClientFactory, tracker: SizeTracker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hourly samples (one an interval): every page read, every sample a chart point."""
    monkeypatch.setattr("actions.aws.size_store.QUERY_PAGE", 10)
    s3 = aws.client("s3")
    s3.create_bucket(Bucket="hourly")
    tracker.track("hourly")
    tracker.write_samples("hourly", levels(T0 - 3 * DAY, [1000 + 10 * i for i in range(72)], 3600), "seed")
    start = T0 - 3 * DAY
    everything = summarise("hourly", tracker.history("hourly", start, T0 + 1), start, T0,
                           tracker.tracked_bucket("hourly"))

    counter = QueryCounter(tracker.dynamodb)
    trend = StorageTrends(tracker=tracker, s3=s3, page=10).trend("hourly", start, T0)
    assert (counter.calls, counter.items) == (1 + 8, 1 + 71 + 1)  # the level at the start; 71 samples and T0's
    assert trend.points == everything.points and len(trend.points) == 73
    assert (trend.grew_most, trend.shrank_most) == (everything.grew_most, everything.shrank_most)


@pytest.mark.parametrize(("days", "interval"), [(1, 3600), (7, 3600), (30, 3 * 3600), (90, 12 * 3600), (365, DAY)])
def test_the_interval_read_is_the_shortest_that_divides_a_day_and_holds_a_chart_slot(days: int, interval: int) -> None:
    """A day at most, even when a slot is longer (a year's chart): each day's last sample is read."""
    slot = chart_slot(T0 - days * DAY, T0)
    assert min(slot, DAY) <= interval_for(slot) == interval and DAY % interval == 0


# --- hourly roll-ups of closed days ------------------------------------------------------------------------------------
def wavy(first: int, days: int, step: int) -> list[SizeSample]:
    """A sample every ``step`` seconds: growth, a cleanup on day 5, a spike on day 9 gone an hour later, objects
    moving to Glacier from day 12."""
    made = []
    for i in range(days * DAY // step):
        ts = first + i * step
        day = (ts - first) // DAY
        standard = 10_000 + 37 * i - (8_000 if day >= 5 else 0) + (50_000 if day == 9 and (ts % DAY) // 3600 == 13 else 0)
        glacier = 0 if day < 12 else 800 * (day - 11)
        made.append(sample(ts, standard - glacier, glacier, objects=10 + i // 50))
    return made


def test_closed_days_read_from_roll_ups_give_the_figures_of_every_sample(
    aws: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Twenty days of a sample every ten minutes, rolled up; a 16-day trend (chart points 96 min apart) reads a
    roll-up a day and today's samples - the same levels, classes, days that grew and shrank most as reading all
    2,300 samples, the chart points at most an hour from theirs - and a day whose roll-up is gone is read from its
    samples with the same figures."""
    now = [float(T0 + 5 * 3600)]
    tracker = SizeTracker(dynamodb=aws.client("dynamodb"), s3=aws.client("s3"), sqs=aws.client("sqs"),
                          clock=lambda: now[0])
    s3 = aws.client("s3")
    s3.create_bucket(Bucket="rolled")
    tracker.track("rolled")
    tracker.write_samples("rolled", [s for s in wavy(T0 - 20 * DAY, 21, 600) if s.ts < now[0] - 600], "seed")
    # 21: the first sample, at midnight, ends the day before (days run from just after midnight to midnight)
    assert tracker.roll_up("rolled") == 21 and tracker.roll_up("rolled") == 0  # today is not closed yet
    start, end = T0 - 16 * DAY + 1234, T0 + 5 * 3600
    every = StorageTrends(tracker=tracker, s3=s3, use_rollups=False).trend("rolled", start, end)
    counter = QueryCounter(tracker.dynamodb)
    rolled = StorageTrends(tracker=tracker, s3=s3).trend("rolled", start, end)
    assert counter.items < 17 + 1 + 31  # the roll-ups, the level at the start, today's samples
    for name in ("bytes_start", "bytes_end", "objects_start", "objects_end", "classes", "known_from", "grew_most",
                 "shrank_most"):
        assert getattr(rolled, name) == getattr(every, name), name
    closed = [StorageTrends(tracker=tracker, s3=s3, use_rollups=flag).trend("rolled", start, T0) for flag in (0, 1)]
    # the cleanup (at midnight: it ends the period's first day, from its level at 00:20); the spike is no day's
    # last level
    assert closed[0].shrank_most == closed[1].shrank_most == DayChange(day=T0 - 16 * DAY, bytes=37 * 142 - 8000)
    assert closed[0].grew_most == closed[1].grew_most == DayChange(day=T0 - 15 * DAY, bytes=37 * 144)
    assert len(rolled.points) == len(every.points)
    assert all(abs(a.ts - b.ts) <= 3600 for a, b in zip(rolled.points, every.points, strict=True))

    tracker.dynamodb.delete_item(TableName=tracker.store.samples,
                                 Key={"bucket": {"S": "rolled#hours"}, "ts": {"N": str(T0 - 9 * DAY)}})
    gap = StorageTrends(tracker=tracker, s3=s3).trend("rolled", start, end)
    assert (gap.grew_most, gap.shrank_most, gap.bytes_start, gap.bytes_end) == (
        every.grew_most, every.shrank_most, every.bytes_start, every.bytes_end)

    now[0] = T0 + DAY + 601  # ten minutes after midnight: today is closed
    assert tracker.roll_up("rolled") == 1


def test_history_written_into_the_past_drops_the_roll_ups(aws: ClientFactory, tracker: SizeTracker) -> None:
    s3 = aws.client("s3")
    s3.create_bucket(Bucket="rewritten")
    tracker.track("rewritten")
    tracker.write_samples("rewritten", levels(T0 - 12 * DAY, [1000] * 12, DAY), "seed")
    assert tracker.roll_up("rewritten") == 12
    # the sample at T0 - 6 days told again: 9000
    tracker.write_samples("rewritten", [SizeSample(T0 - 6 * DAY, 9000, 1, {"STANDARD": (9000, 1)})], "seed")
    assert tracker.rollups.latest_day("rewritten") is None
    trend = StorageTrends(tracker=tracker, s3=s3).trend("rewritten", T0 - 11 * DAY, T0 - DAY)
    assert (trend.grew_most, trend.shrank_most) == (DayChange(day=T0 - 7 * DAY, bytes=8000),
                                                    DayChange(day=T0 - 6 * DAY, bytes=-8000))
    assert tracker.roll_up("rewritten") == 12
    again = StorageTrends(tracker=tracker, s3=s3).trend("rewritten", T0 - 11 * DAY, T0 - DAY)
    assert (again.grew_most, again.shrank_most) == (trend.grew_most, trend.shrank_most)
