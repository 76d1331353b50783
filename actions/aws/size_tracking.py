"""Bucket size over time, kept by CloudButler itself: S3 event notifications (ObjectCreated:*, ObjectRemoved:*) go to
an SQS queue, a consumer (``actions.aws.size_events``) applies them to DynamoDB, and a periodic snapshot by listing
corrects drift. This module sets tracking up (tables, queue, the bucket's merged notification configuration),
snapshots, backfills from CloudWatch and reads the history back.

Why a per-object table (``size-objects``): a real S3 removal event carries no size, so the size an object had is
kept per key; the delta of every event is computed from that row, never from the event alone, which also makes a
duplicate or reordered event harmless (see ``size_events``). A created event carries no storage class: the object
is recorded as STANDARD and the next snapshot sets its real class. Only current objects are counted (what a listing
shows); older versions in a versioned bucket are not.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from actions.aws import size_notifications as notifications
from actions.aws.errors import BOTO_ERRORS, CloudButlerError, from_boto, s3_error
from actions.aws.s3 import PAGE_SIZE
from actions.aws.size_backfill import daily_sizes
from actions.aws.size_notifications import NotificationTarget
from actions.aws.size_rollups import Rollups
from actions.aws.size_snapshot import Reconciler
from actions.aws.size_store import NotTracked, SizeStore, totals_of
from actions.aws.size_tables import DEFAULT_PREFIX, QUEUE, Totals, as_int, classes_of, ensure_queue, ensure_tables

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SizeSample:
    ts: int
    bytes: int
    objects: int
    classes: dict[str, tuple[int, int]] = field(default_factory=dict)  # class -> (bytes, objects)


@dataclass(frozen=True)
class TrackedBucket:
    bucket: str
    since: int
    bytes: int
    objects: int
    classes: dict[str, tuple[int, int]] = field(default_factory=dict)  # class -> (bytes, objects)
    snapshot_at: int | None = None  # when a listing last corrected the figures


@dataclass(frozen=True)
class TrackPlan:
    """What ``track`` would change, for the question asked before it."""

    bucket: str
    tracked: bool  # already tracked: tracking again only refreshes the configuration and the figures
    queue_name: str
    events: tuple[str, ...]  # what our configuration subscribes to
    kept: tuple[NotificationTarget, ...]  # the bucket's other notification targets, all kept as they are
    overlapping: tuple[NotificationTarget, ...]  # targets S3 will not let ours sit beside (same event types)

    @property
    def possible(self) -> bool:
        return not self.overlapping


class NotificationOverlap(CloudButlerError):
    """The bucket already sends created or removed events elsewhere, and S3 allows one destination per event."""

    def __init__(self, bucket: str, found: Iterable[NotificationTarget]) -> None:
        super().__init__("notification_overlap", bucket=bucket,
                         targets=", ".join(target.arn or target.kind for target in found))


class NotTrackedError(CloudButlerError):
    def __init__(self, bucket: str) -> None:
        super().__init__("not_tracked", bucket=bucket)


class SizeTracker:
    """Clients in, typed results out; every method blocks (run it in a thread)."""

    def __init__(self, *, dynamodb: Any, s3: Any, sqs: Any, cloudwatch: Any | None = None,
                 prefix: str = DEFAULT_PREFIX, clock: Callable[[], float] = time.time,
                 page_size: int = PAGE_SIZE) -> None:
        self.dynamodb = dynamodb
        self.s3 = s3
        self.sqs = sqs
        self.cloudwatch = cloudwatch
        self.prefix = prefix
        self.clock = clock
        self.page_size = page_size  # of listings and row queries; tests lower it to cross pages
        self.store = SizeStore(dynamodb, prefix)
        self.rollups = Rollups(self.store)
        self._dead_letter_url: str | None = None

    def now(self) -> int:
        return int(self.clock())

    def ensure_tables(self) -> None:
        ensure_tables(self.dynamodb, self.prefix)

    def ensure_queue(self) -> str:
        urls = ensure_queue(self.sqs, self.prefix)
        self._dead_letter_url = urls.dead_letter_url
        return urls.queue_url

    @property
    def dead_letter_url(self) -> str:
        """Where the consumer puts messages it cannot use."""
        if self._dead_letter_url is None:
            self.ensure_queue()
        assert self._dead_letter_url is not None
        return self._dead_letter_url

    def track_plan(self, bucket: str) -> TrackPlan:
        try:
            config = notifications.current(self.s3, bucket)
        except BOTO_ERRORS as exc:
            raise s3_error(exc, bucket=bucket) from exc
        found = notifications.targets(config)
        return TrackPlan(bucket=bucket, tracked=self.is_tracked(bucket), queue_name=self.prefix + QUEUE,
                         events=notifications.EVENTS, kept=tuple(found),
                         overlapping=tuple(notifications.overlapping(found)))

    def track(self, bucket: str) -> TrackedBucket:
        """Start (or refresh) tracking: totals row, our queue configuration merged into the bucket's, a snapshot,
        and - the first time - daily history from CloudWatch for the days before."""
        plan = self.track_plan(bucket)
        if not plan.possible:
            raise NotificationOverlap(bucket, plan.overlapping)
        self.ensure_tables()
        url = self.ensure_queue()
        arn = self._queue_arn(url)
        now = self.now()
        try:
            started = not plan.tracked and self._start(bucket, now, arn)
        except BOTO_ERRORS as exc:
            raise from_boto(exc, bucket=bucket) from exc
        try:
            config = notifications.current(self.s3, bucket)
            self.s3.put_bucket_notification_configuration(
                Bucket=bucket, NotificationConfiguration=notifications.with_ours(config, arn))
        except BOTO_ERRORS as exc:
            if started:
                self.store.stop_tracking(bucket)
            raise s3_error(exc, bucket=bucket) from exc
        tracked = self.snapshot(bucket)
        if started and self.cloudwatch is not None:
            self._backfill(bucket, before=tracked.since)
        return tracked

    def _start(self, bucket: str, now: int, arn: str) -> bool:
        # Rows left from an earlier tracking would count again against fresh totals; roll-ups of the days before
        # would miss the history the backfill is about to write.
        self.store.delete_rows(bucket)
        self.rollups.drop(bucket)
        return self.store.start_tracking(bucket, since=now, queue_arn=arn)

    def _queue_arn(self, url: str) -> str:
        try:
            attributes = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
        except BOTO_ERRORS as exc:
            raise from_boto(exc) from exc
        return str(attributes["QueueArn"])

    def untrack(self, bucket: str) -> bool:
        """Remove our configuration (only ours) and the live figures; the history stays. False if not tracked."""
        try:
            config = notifications.current(self.s3, bucket)
            if notifications.has_ours(config):
                self.s3.put_bucket_notification_configuration(
                    Bucket=bucket, NotificationConfiguration=notifications.without_ours(config))
        except BOTO_ERRORS as exc:
            raise s3_error(exc, bucket=bucket) from exc
        try:
            was_tracked = self.store.stop_tracking(bucket)
            self.store.delete_rows(bucket)
        except BOTO_ERRORS as exc:
            if _missing_table(exc):
                return False
            raise from_boto(exc, bucket=bucket) from exc
        return was_tracked

    def tracked(self) -> list[TrackedBucket]:
        try:
            buckets = [_tracked_of(item) for item in self.store.tracked_items()]
        except BOTO_ERRORS as exc:
            if _missing_table(exc):
                return []
            raise from_boto(exc) from exc
        return sorted(buckets, key=lambda tracked: tracked.bucket)

    def tracked_bucket(self, bucket: str) -> TrackedBucket | None:
        """The live figures of one bucket, or None if it is not tracked."""
        try:
            item = self.store.tracked_item(bucket)
        except BOTO_ERRORS as exc:
            if _missing_table(exc):
                return None
            raise from_boto(exc, bucket=bucket) from exc
        return _tracked_of(item) if item else None

    def is_tracked(self, bucket: str) -> bool:
        return self.tracked_bucket(bucket) is not None

    def snapshot(self, bucket: str) -> TrackedBucket:
        """List the bucket, correct the object rows (and so the totals), write a sample (source snapshot)."""
        now = self.now()
        try:
            if self.store.tracked_item(bucket) is None:
                raise NotTrackedError(bucket)
            reconciler = Reconciler(self.store, self.s3, bucket, now=now, page_size=self.page_size)
            stats = reconciler.run()
            self.store.apply(bucket, [], Totals(), set_attributes={"snapshot_at": now})
        except NotTracked as exc:
            raise NotTrackedError(bucket) from exc
        except BOTO_ERRORS as exc:
            raise s3_error(exc, bucket=bucket) from exc
        log.info("snapshot of %s: %d listed, %d corrected, %d skipped", bucket, stats.listed, stats.corrected,
                 stats.skipped)
        return self.record_sample(bucket, "snapshot", now)

    def record_sample(self, bucket: str, source: str, now: int | None = None) -> TrackedBucket:
        """Write the current totals as this minute's sample; returns them."""
        item = self.store.tracked_item(bucket)
        if item is None:
            raise NotTrackedError(bucket)
        tracked = _tracked_of(item)
        totals = Totals(bytes=tracked.bytes, objects=tracked.objects,
                        classes={name: list(figures) for name, figures in tracked.classes.items()})
        self.store.put_samples(bucket, [(self.now() if now is None else now, totals)], source)
        return tracked

    def history(self, bucket: str, start: int, end: int, *, level_at_start: bool = True) -> Iterator[SizeSample]:
        """The level at ``start`` (the last sample at or before it; unless ``level_at_start`` is False), then every
        sample in (start, end), ascending; read a page at a time."""
        try:
            for item in self.store.sample_pages(bucket, start, end, level_at_start=level_at_start):
                size, count, classes = totals_of(item)
                yield SizeSample(ts=as_int(item, "ts"), bytes=size, objects=count, classes=classes)
        except BOTO_ERRORS as exc:
            if _missing_table(exc):
                return
            raise from_boto(exc, bucket=bucket) from exc

    def roll_up(self, bucket: str) -> int:
        """Roll up the bucket's closed days not rolled up yet (``size_rollups``); how many."""
        try:
            return self.rollups.catch_up(bucket, self.now())
        except BOTO_ERRORS as exc:
            if _missing_table(exc):
                return 0
            raise from_boto(exc, bucket=bucket) from exc

    def write_samples(self, bucket: str, samples: Iterable[SizeSample], source: str) -> None:
        """Write samples (history told from elsewhere, possibly into the past: the bucket's roll-ups are dropped
        and made again from the samples)."""
        try:
            self.store.put_samples(bucket, ((sample.ts, sample_totals(sample)) for sample in samples), source)
            self.rollups.drop(bucket)
        except BOTO_ERRORS as exc:
            raise from_boto(exc, bucket=bucket) from exc

    def _backfill(self, bucket: str, *, before: int) -> None:
        """Daily samples from S3's CloudWatch metrics for the days before tracking began (where S3 has them)."""
        try:
            days = daily_sizes(self.cloudwatch, bucket, end=datetime.fromtimestamp(before, UTC))
            self.store.put_samples(bucket, ((ts, totals) for ts, totals in days if ts < before), "cloudwatch")
            self.rollups.drop(bucket)
        except (CloudButlerError, *BOTO_ERRORS) as exc:
            # History is a bonus: no cloudwatch:GetMetricData permission must not stop tracking.
            log.warning("no CloudWatch history for %s: %s", bucket, getattr(exc, "code", type(exc).__name__))


def sample_totals(sample: SizeSample) -> Totals:
    return Totals(bytes=sample.bytes, objects=sample.objects,
                  classes={name: list(figures) for name, figures in sample.classes.items()})


def _tracked_of(item: dict[str, Any]) -> TrackedBucket:
    return TrackedBucket(bucket=item["bucket"]["S"], since=as_int(item, "since"), bytes=as_int(item, "bytes"),
                         objects=as_int(item, "objects"), classes=classes_of(item),
                         snapshot_at=as_int(item, "snapshot_at") if "snapshot_at" in item else None)


def _missing_table(exc: Exception) -> bool:
    response = getattr(exc, "response", None) or {}
    return bool(response.get("Error", {}).get("Code") == "ResourceNotFoundException")
