"""Storage by bucket and class, size trends and next month's projection. Sizes come from the size tracker's live
totals where a bucket is tracked (instant, kept current by S3 events), else from a listing (or CloudWatch's daily
metrics for a bucket too big to list); money from the price table of the bucket's region."""
from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from datetime import UTC, datetime

from actions.aws.buckets import BucketService
from actions.aws.cost.pricing import Pricing, pricing_for
from actions.aws.errors import CloudButlerError
from actions.aws.size_tables import DEFAULT_PREFIX
from actions.aws.size_tracking import SizeSample, SizeTracker, TrackedBucket
from actions.aws.usage import UsageService
from actions.insights.shapes import BucketStorage, BucketTrendBody, ClassFigures, Clients, Projection, Storage, Trends

log = logging.getLogger(__name__)

DAY = 86400
MONTH_DAYS = 30  # "next month": 30 days from now, the pricing table's month
HISTORY_DAYS = 30  # the size history a projection is fitted on
MAX_BUCKETS = 1000  # buckets one answer covers (S3's default account quota is 100; 10,000 at most)


def tracker_of(clients: Clients, prefix: str = DEFAULT_PREFIX) -> SizeTracker:
    return SizeTracker(dynamodb=clients.client("dynamodb"), s3=clients.client("s3"), sqs=clients.client("sqs"),
                       cloudwatch=clients.client("cloudwatch"), prefix=prefix)


def monthly_cost(pricing: Pricing, classes: dict[str, ClassFigures]) -> float:
    """Storage cost of a month at these sizes; a class the table has no price for counts as STANDARD (an estimate
    should not read as free). Per-object minimums are left out: the figures are sizes, not object lists."""
    total = 0.0
    for name, figures in classes.items():
        priced = name if pricing.priced(name) else "STANDARD"
        total += pricing.storage_cost(priced, figures["bytes"])
    return round(total, 6)


def storage(clients: Clients, *, prefix: str = DEFAULT_PREFIX) -> Storage:
    """Every bucket (name order) with its size per storage class and monthly cost, and the totals."""
    tracker = tracker_of(clients, prefix)
    tracked = {live.bucket: live for live in tracker.tracked()}
    listing = BucketService(clients.client("s3")).list_buckets(limit=MAX_BUCKETS)
    usage = UsageService(clients.client("s3"))
    buckets: list[BucketStorage] = []
    for info in listing.buckets:
        region = info.region or clients.region
        live = tracked.get(info.name)
        if live is not None:
            classes, source = _classes_of_tracked(live), "tracked"
        else:
            try:
                classes, source = _classes_of_listing(usage, clients, info.name), "listing"
            except CloudButlerError as exc:
                log.warning("storage: %s unreadable (%s)", info.name, exc.code)
                classes, source = {}, "unreadable"
        buckets.append(BucketStorage(
            name=info.name, region=info.region,
            bytes=sum(figures["bytes"] for figures in classes.values()),
            objects=sum(figures["objects"] for figures in classes.values()),
            classes=classes, monthly_cost_usd=monthly_cost(pricing_for(region), classes), source=source,
        ))
    return Storage(total_bytes=sum(b["bytes"] for b in buckets), total_objects=sum(b["objects"] for b in buckets),
                   monthly_cost_usd=round(sum(b["monthly_cost_usd"] for b in buckets), 6), buckets=buckets)


def _classes_of_tracked(live: TrackedBucket) -> dict[str, ClassFigures]:
    classes = {name: ClassFigures(bytes=size, objects=count) for name, (size, count) in live.classes.items()
               if size or count}
    if not classes and (live.bytes or live.objects):
        classes["STANDARD"] = ClassFigures(bytes=live.bytes, objects=live.objects)
    return dict(sorted(classes.items()))


def _classes_of_listing(usage: UsageService, clients: Clients, bucket: str) -> dict[str, ClassFigures]:
    found = usage.usage(bucket, clients.client("cloudwatch"))
    classes = {row.storage_class: ClassFigures(bytes=row.bytes, objects=row.objects or 0) for row in found.by_class}
    if len(classes) == 1 and found.object_count is not None:
        # CloudWatch counts objects for the whole bucket only; with one class they are all in it.
        only = next(iter(classes))
        classes[only]["objects"] = found.object_count
    return dict(sorted(classes.items()))


def trends(clients: Clients, days: int, *, prefix: str = DEFAULT_PREFIX, now: int | None = None) -> Trends:
    """Each tracked bucket's size ``days`` ago and now, with one point per day (the level at the end of each UTC
    day, today's being the live figure); the bucket that grew most first."""
    if days < 1:
        raise ValueError("days must be at least 1")
    tracker = tracker_of(clients, prefix)
    end = int(time.time()) if now is None else now
    start = end - days * DAY
    bodies: list[BucketTrendBody] = []
    for live in tracker.tracked():
        series = daily_levels(tracker.history(live.bucket, start, end + 1), live, start, end)
        start_bytes = series[0][1] if series else 0
        change = live.bytes - start_bytes
        bodies.append(BucketTrendBody(
            name=live.bucket, start_bytes=start_bytes, end_bytes=live.bytes, change_bytes=change,
            change_pct=round(100.0 * change / start_bytes, 2) if start_bytes else None, series=series,
        ))
    bodies.sort(key=lambda body: (-body["change_bytes"], body["name"]))
    return Trends(days=days, buckets=bodies)


def daily_levels(samples: Iterable[SizeSample], live: TrackedBucket, start: int, end: int) -> list[tuple[str, int]]:
    """[(ISO day, bytes at the end of that day)] from the first day with a known size; the start's level counts
    for the start's day, the live figure for the last day."""
    levels: dict[str, int] = {}
    for sample in samples:
        if sample.ts > end:
            break
        levels[_day(max(sample.ts, start))] = sample.bytes
    levels[_day(end)] = live.bytes
    first = _day(max(start, live.since)) if live.since else _day(start)
    days = sorted(levels)
    series: list[tuple[str, int]] = []
    level: int | None = None
    day = min(days[0], first) if days else first
    moment = datetime.fromisoformat(day).replace(tzinfo=UTC).timestamp()
    while (name := _day(int(moment))) <= _day(end):
        if name in levels:
            level = levels[name]
        if level is not None:
            series.append((name, level))
        moment += DAY
    return series


def _day(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).date().isoformat()


def projection(clients: Clients, *, prefix: str = DEFAULT_PREFIX, now: int | None = None,
               current: Storage | None = None) -> Projection:
    """Bytes and monthly cost 30 days from now: a least-squares line through each tracked bucket's last 30 days of
    size history (at least two samples a day apart, else its current size); untracked buckets stay as they are.
    A bucket's cost scales with its size at its current class mix. ``current``: a ``storage()`` already built."""
    end = int(time.time()) if now is None else now
    current = current or storage(clients, prefix=prefix)
    tracker = tracker_of(clients, prefix)
    tracked = {live.bucket: live for live in tracker.tracked()}
    total_bytes, total_cost, fitted = 0, 0.0, 0
    for bucket in current["buckets"]:
        future = bucket["bytes"]
        if bucket["name"] in tracked:
            start = end - HISTORY_DAYS * DAY
            # the first sample is the level at or before the start: it counts as the level at the start
            points = [(max(s.ts, start), s.bytes) for s in tracker.history(bucket["name"], start, end + 1)]
            points.append((end, bucket["bytes"]))
            line = fit_line(points)
            if line is not None:
                fitted += 1
                future = max(0, round(line[0] + line[1] * (end + MONTH_DAYS * DAY)))
        total_bytes += future
        if bucket["bytes"]:
            total_cost += bucket["monthly_cost_usd"] * future / bucket["bytes"]
        elif future:
            total_cost += monthly_cost(pricing_for(bucket["region"] or clients.region),
                                       {"STANDARD": ClassFigures(bytes=future, objects=0)})
    return Projection(next_month_bytes=total_bytes, next_month_cost_usd=round(total_cost, 6),
                      method="linear_fit" if fitted else "current_size", fitted_buckets=fitted,
                      history_days=HISTORY_DAYS)


def fit_line(points: list[tuple[int, int]]) -> tuple[float, float] | None:
    """(intercept, slope per second) of the least-squares line, or None when the points span less than a day."""
    if len(points) < 2 or max(t for t, _ in points) - min(t for t, _ in points) < DAY:
        return None
    n = len(points)
    origin = points[0][0]
    xs = [float(t - origin) for t, _ in points]
    ys = [float(b) for _, b in points]
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    spread = sum((x - mean_x) ** 2 for x in xs)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread
    return mean_y - slope * (mean_x + origin), slope
