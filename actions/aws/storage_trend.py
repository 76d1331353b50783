"""How a tracked bucket's size changed over a period, from the samples size tracking keeps (``size_tracking``): the
level at the start and now, per storage class, the day that grew most and the one that shrank most, and a chart's
worth of points - in one pass over the history, read a page at a time, so memory does not grow with its length.

A dense history is read only as far as its first page. A size is a level: a day's change is its last level minus
the day before's, and a chart slot shows its last level. So after that page, when the pages would hold more than
``SAMPLES_PER_QUERY`` samples of each interval (the shortest length that divides a UTC day and holds a chart slot),
one query per interval reads its last sample instead: the same figures, a chart point per interval, reads bounded by
the period instead of the history. When chart points are an hour or more apart (a period of ten days or more), each
closed day is read from its hourly roll-up (``size_rollups``: one small item a day, written by the tracker process)
and only the days without one - today, days before the first roll-up - from the samples. Blocking: callers use a
thread executor."""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

from actions.aws.errors import BOTO_ERRORS, from_boto, s3_error
from actions.aws.size_rollups import HOUR, DayRollup, day_of
from actions.aws.size_store import QUERY_PAGE, totals_of
from actions.aws.size_tables import as_int, number
from actions.aws.size_tracking import NotTrackedError, SizeSample, SizeTracker, TrackedBucket

CHART_POINTS = 240  # at most this many points per chart (the last level in each slot of the period)
DAY = 86400
INTERVALS = (3600, 7200, 3 * 3600, 4 * 3600, 6 * 3600, 8 * 3600, 12 * 3600, DAY)  # lengths that divide a day
# A query for an interval's last sample (Limit 1: one round trip, half a read unit) costs about what paging through
# this many of its samples costs (read, sent, parsed); with more, the one query is cheaper.
SAMPLES_PER_QUERY = 200
INTERVAL_READERS = 8  # interval queries in flight at once: they wait on the network, not on this process


@dataclass(frozen=True)
class ClassChange:
    storage_class: str
    bytes_start: int
    bytes_end: int

    @property
    def change(self) -> int:
        return self.bytes_end - self.bytes_start


@dataclass(frozen=True)
class DayChange:
    day: int  # epoch seconds of the UTC midnight that starts it
    bytes: int  # the change over that day (or the part of it in the period)


@dataclass(frozen=True)
class Level:
    ts: int
    bytes: int
    classes: dict[str, int] = field(default_factory=dict)  # class -> bytes


@dataclass(frozen=True)
class BucketTrend:
    bucket: str
    start: int
    end: int
    known_from: int | None  # the first moment with a known size: ``start`` or later (tracking began within), None
    bytes_start: int
    bytes_end: int
    objects_start: int
    objects_end: int
    classes: tuple[ClassChange, ...]  # largest now first
    grew_most: DayChange | None  # the day with the largest growth (None if no day grew)
    shrank_most: DayChange | None  # the day with the largest drop (None if no day shrank)
    points: tuple[Level, ...]  # for the chart: the level at the start, then the last one of each slot
    since: int | None = None  # when tracking began

    @property
    def change(self) -> int:
        return self.bytes_end - self.bytes_start

    @property
    def percent(self) -> float | None:
        """The change as a share of the size at the start; None from nothing."""
        return 100.0 * self.change / self.bytes_start if self.bytes_start else None

    @property
    def per_day(self) -> float:
        """Average change per day over the part of the period with a known size."""
        begin = self.known_from if self.known_from is not None else self.start
        days = max(self.end - begin, 1) / DAY
        return self.change / days

    @property
    def has_data(self) -> bool:
        return self.known_from is not None


class _DayLevels:
    """Each UTC day's change within the period as samples stream past, without keeping them: a day's change is the
    level at its end (the last sample at or before it) minus the level at its start (or the first known one)."""

    def __init__(self, start: int, end: int) -> None:
        self.end = end
        self.day_start = start
        self.day_end = self._after(start)
        self.opening: int | None = None  # the level when the current day began (or when it was first known)
        self.current: int | None = None
        self.changes: list[DayChange] = []

    def _after(self, moment: int) -> int:
        return min((moment // DAY + 1) * DAY, self.end)

    def _close(self) -> None:
        if self.opening is not None and self.current is not None:
            self.changes.append(DayChange(day=self.day_start // DAY * DAY, bytes=self.current - self.opening))
        self.opening = self.current
        self.day_start, self.day_end = self.day_end, self._after(self.day_end)

    def see(self, ts: int, size: int) -> None:
        while ts > self.day_end and self.day_start < self.end:
            self._close()
        if self.opening is None:
            self.opening = size
        self.current = size

    def finish(self) -> list[DayChange]:
        while self.day_start < self.end:
            self._close()
        return self.changes


def chart_slot(start: int, end: int, chart_points: int = CHART_POINTS) -> int:
    """Seconds of the period each chart point stands for."""
    return max(1, -(-(end - start) // chart_points))


def interval_for(slot: int) -> int:
    """The shortest length that divides a UTC day and holds a chart slot; a day at most, since the days' changes
    need each day's last sample."""
    return next((length for length in INTERVALS if length >= slot), DAY)


def summarise(
    bucket: str, samples: Iterable[SizeSample], start: int, end: int, live: TrackedBucket | None = None,
    *, chart_points: int = CHART_POINTS,
) -> BucketTrend:
    """One pass over ``samples`` (ascending; the first may be the level at or before ``start``). ``live``: the
    tracked figures right now, the level at ``end`` when the period runs until now."""
    slot = chart_slot(start, end, chart_points)
    first: SizeSample | None = None
    last: SizeSample | None = None
    points: list[Level] = []
    pending: Level | None = None  # the latest level of the current chart slot
    days = _DayLevels(start, end)

    def stream() -> Iterator[SizeSample]:
        yield from samples
        if live is not None:
            yield SizeSample(ts=end, bytes=live.bytes, objects=live.objects, classes=live.classes)

    for sample in stream():
        if sample.ts > end:
            break
        at = max(sample.ts, start)
        level = Level(at, sample.bytes, {name: figures[0] for name, figures in sample.classes.items()})
        if first is None:
            first = sample
            points.append(level)
        elif pending is not None and (at - start) // slot != (pending.ts - start) // slot:
            points.append(pending)
        if first is not sample:
            pending = level
        days.see(at, sample.bytes)
        last = sample
    if pending is not None:
        points.append(pending)
    changes = days.finish()
    grew = max((c for c in changes if c.bytes > 0), key=lambda c: c.bytes, default=None)
    shrank = min((c for c in changes if c.bytes < 0), key=lambda c: c.bytes, default=None)
    begin_classes = dict(first.classes) if first else {}
    end_classes = dict(last.classes) if last else {}
    classes = tuple(sorted(
        (ClassChange(name, begin_classes.get(name, (0, 0))[0], end_classes.get(name, (0, 0))[0])
         for name in {*begin_classes, *end_classes}),
        key=lambda c: (-c.bytes_end, -c.bytes_start, c.storage_class),
    ))
    return BucketTrend(
        bucket=bucket, start=start, end=end, known_from=max(first.ts, start) if first else None,
        bytes_start=first.bytes if first else 0, bytes_end=last.bytes if last else 0,
        objects_start=first.objects if first else 0, objects_end=last.objects if last else 0,
        classes=classes, grew_most=grew, shrank_most=shrank, points=tuple(points),
    )


class StorageTrends:
    """Trends of tracked buckets; ``NotTrackedError`` for a bucket that exists but is not tracked. ``page`` and
    ``samples_per_query``: when to read only each interval's last sample (see the module); tests lower them, and
    ``chart_points``. ``use_rollups``: read closed days from their hourly roll-ups when chart points are an hour or
    more apart (``size_rollups``); False reads every sample (tests compare the two)."""

    def __init__(self, *, tracker: SizeTracker, s3: Any, page: int = QUERY_PAGE,
                 samples_per_query: int = SAMPLES_PER_QUERY, chart_points: int = CHART_POINTS,
                 use_rollups: bool = True) -> None:
        self.tracker = tracker
        self.use_rollups = use_rollups
        self.s3 = s3
        self.page = page
        self.samples_per_query = samples_per_query
        self.chart_points = chart_points

    def trend(self, bucket: str, start: int, end: int) -> BucketTrend:
        live = self.tracker.tracked_bucket(bucket)
        if live is None:
            try:
                self.s3.head_bucket(Bucket=bucket)
            except BOTO_ERRORS as exc:
                raise s3_error(exc, bucket=bucket) from exc
            raise NotTrackedError(bucket)
        return self._trend(live, start, end)

    def _trend(self, live: TrackedBucket, start: int, end: int) -> BucketTrend:
        now = self.tracker.now()
        slot = chart_slot(start, end, self.chart_points)
        interval = interval_for(slot)
        # Chart points an hour or more apart: the closed days' hourly roll-ups give the same figures.
        read = self.rolled if self.use_rollups and slot >= HOUR else self.samples
        samples = read(live.bucket, start, min(end, now) + 1, interval)
        trend = summarise(live.bucket, samples, start, end, live if end >= now else None,
                          chart_points=self.chart_points)
        return replace(trend, since=live.since)

    def ranking(self, start: int, end: int) -> list[BucketTrend]:
        """Every tracked bucket's trend, the one that grew most first (by bytes, then name)."""
        trends = [self._trend(live, start, end) for live in self.tracker.tracked()]
        return sorted(trends, key=lambda t: (-t.change, t.bucket))

    def rolled(self, bucket: str, start: int, end: int, interval: int = DAY) -> Iterator[SizeSample]:
        """What ``samples`` yields, with each day that has a roll-up read from it: the level at ``start``, then the
        last sample of each hour of the rolled-up days and the samples of the other days (as ``samples`` reads
        them) in (start, end), ascending."""
        cursor = start  # read up to here (inclusive)
        opened = False  # the level at start is out
        for rollup in self._rollups(bucket, day_of(start + 1), day_of(end - 1)):
            if rollup.day > cursor:
                yield from self.samples(bucket, cursor, rollup.day + 1, interval, level_at_start=not opened)
            elif not opened:
                yield from self.tracker.history(bucket, start, start + 1)
            opened = True
            for ts, size, count, classes in rollup.levels:
                if cursor < ts < end:
                    yield SizeSample(ts=ts, bytes=size, objects=count, classes=classes)
            cursor = max(cursor, rollup.day + DAY)
        if cursor < end - 1 or not opened:
            yield from self.samples(bucket, cursor, end, interval, level_at_start=not opened)

    def _rollups(self, bucket: str, first: int, last: int) -> Iterator[DayRollup]:
        try:
            yield from self.tracker.rollups.days(bucket, first, last)
        except BOTO_ERRORS as exc:
            raise from_boto(exc, bucket=bucket) from exc

    def samples(self, bucket: str, start: int, end: int, interval: int = DAY, *,
                level_at_start: bool = True) -> Iterator[SizeSample]:
        """The level at ``start`` (unless ``level_at_start`` is False), then the samples in (start, end) ascending:
        all of them, or - when the first page holds more than ``samples_per_query`` an ``interval`` - that page and
        then the last of each interval (UTC-aligned: its last ends each day)."""
        history = self.tracker.history(bucket, start, end, level_at_start=level_at_start)
        read = 0
        first = last = start
        for sample in history:
            yield sample
            if sample.ts <= start:
                continue
            read += 1
            if read == 1:
                first = sample.ts
            last = sample.ts
            # Decided before the next page is asked for: the pages hold ``self.page`` samples of the period.
            if read == self.page and read * interval > self.samples_per_query * (last - first):
                break
        else:
            return
        del history  # closed: its page is not held while the intervals are read
        yield from self._last_of_each(bucket, interval, last, end)

    def _last_of_each(self, bucket: str, interval: int, after: int, end: int) -> Iterator[SizeSample]:
        """The last sample of each ``interval`` in (after, end), ascending - the rest of the one ``after`` is in
        first. An interval runs from just after its start to its end (inclusive), as ``summarise`` counts days."""
        spans = []
        low = after + 1
        while low <= end - 1:
            high = min((low - 1) // interval * interval + interval, end - 1)
            spans.append((low, high))
            low = high + 1
        with ThreadPoolExecutor(max_workers=INTERVAL_READERS, thread_name_prefix="trend-reads") as pool:
            for found in pool.map(lambda span: self._last_in(bucket, *span), spans):
                if found is not None:
                    yield found

    def _last_in(self, bucket: str, low: int, high: int) -> SizeSample | None:
        try:
            items = self.tracker.dynamodb.query(
                TableName=self.tracker.store.samples, KeyConditionExpression="#b = :b AND #ts BETWEEN :lo AND :hi",
                ExpressionAttributeNames={"#b": "bucket", "#ts": "ts"},
                ExpressionAttributeValues={":b": {"S": bucket}, ":lo": number(low), ":hi": number(high)},
                ScanIndexForward=False, Limit=1).get("Items", [])
        except BOTO_ERRORS as exc:
            raise from_boto(exc, bucket=bucket) from exc
        if not items:
            return None
        size, count, classes = totals_of(items[0])
        return SizeSample(ts=as_int(items[0], "ts"), bytes=size, objects=count, classes=classes)
