"""What a bucket holds: one page of keys, a constant-memory summary, and usage per storage class (counted from a
listing, or for a bucket too big to list in a reply from CloudWatch's daily S3 metrics), with its older versions and
delete markers counted apart."""

from __future__ import annotations

import dataclasses
import heapq
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from actions.aws.errors import BOTO_ERRORS, CloudButlerError, s3_error
from actions.aws.s3 import PAGE_SIZE, Progress

# CloudWatch StorageType -> the storage class it is billed under. Overheads (per-object index data that
# archive classes keep) count towards their archive class; unknown future types keep their own name.
STORAGE_TYPE_CLASSES = {
    "StandardStorage": "STANDARD",
    "StandardIAStorage": "STANDARD_IA",
    "StandardIASizeOverhead": "STANDARD_IA",
    "StandardIAObjectOverhead": "STANDARD_IA",
    "OneZoneIAStorage": "ONEZONE_IA",
    "OneZoneIASizeOverhead": "ONEZONE_IA",
    "ReducedRedundancyStorage": "REDUCED_REDUNDANCY",
    "GlacierInstantRetrievalStorage": "GLACIER_IR",
    "GlacierInstantRetrievalSizeOverhead": "GLACIER_IR",
    "GlacierStorage": "GLACIER",
    "GlacierStagingStorage": "GLACIER",
    "GlacierObjectOverhead": "GLACIER",
    "GlacierS3ObjectOverhead": "GLACIER",
    "DeepArchiveStorage": "DEEP_ARCHIVE",
    "DeepArchiveObjectOverhead": "DEEP_ARCHIVE",
    "DeepArchiveS3ObjectOverhead": "DEEP_ARCHIVE",
    "DeepArchiveStagingStorage": "DEEP_ARCHIVE",
    "IntelligentTieringFAStorage": "INTELLIGENT_TIERING",
    "IntelligentTieringIAStorage": "INTELLIGENT_TIERING",
    "IntelligentTieringAIAStorage": "INTELLIGENT_TIERING",
    "IntelligentTieringAAStorage": "INTELLIGENT_TIERING",
    "IntelligentTieringDAAStorage": "INTELLIGENT_TIERING",
    "ExpressOneZone": "EXPRESS_ONEZONE",
}
LIST_LIMIT = 10_000  # objects (and versions) a usage answer lists before it relies on CloudWatch or says "at least"
METRIC_WINDOW = timedelta(days=3)  # S3 posts one datapoint a day; three days ride out a late one
DAY = 86400


@dataclass(frozen=True)
class ObjectEntry:
    key: str
    size: int
    last_modified: datetime
    storage_class: str


@dataclass(frozen=True)
class ObjectPage:
    bucket: str
    prefix: str
    objects: tuple[ObjectEntry, ...]
    folders: tuple[str, ...]  # common prefixes one level below ``prefix``
    next_token: str | None  # pass back as ``token`` for the next page


@dataclass(frozen=True)
class ClassUsage:
    storage_class: str
    bytes: int
    objects: int | None  # CloudWatch only counts objects for all classes together


@dataclass(frozen=True)
class ObjectSummary:
    bucket: str
    prefix: str
    object_count: int
    total_bytes: int
    by_class: tuple[ClassUsage, ...]  # largest first
    largest: tuple[ObjectEntry, ...]  # largest first
    newest: tuple[ObjectEntry, ...]  # newest first
    oldest_modified: datetime | None
    newest_modified: datetime | None


@dataclass(frozen=True)
class Versions:
    """What a versioned bucket keeps besides its current objects."""

    status: Literal["Enabled", "Suspended"]
    old_versions: int  # noncurrent versions
    old_bytes: int
    delete_markers: int
    exact: bool = True  # False: counting stopped at the limit (the figures are lower bounds)


@dataclass(frozen=True)
class BucketUsage:
    bucket: str
    source: Literal["cloudwatch", "listing"]
    as_of: datetime
    total_bytes: int  # current objects (from CloudWatch: every version, as S3 bills them)
    object_count: int | None
    by_class: tuple[ClassUsage, ...]  # largest first
    fallback_reason: str | None = None  # why a big bucket was listed in full: "no_metrics" or a CloudWatch error code
    versions: Versions | None = None  # None: versioning was never enabled (or S3 would not say)


class _Tally:
    """Counters and two bounded heaps: memory stays constant however many objects stream past."""

    def __init__(self, top: int) -> None:
        self.top = top
        self.count = 0
        self.bytes = 0
        self.classes: dict[str, list[int]] = {}
        self.oldest: datetime | None = None
        self.newest: datetime | None = None
        # Keys are unique within a bucket, so tuple comparison never reaches the entry itself.
        self._largest: list[tuple[int, str, ObjectEntry]] = []
        self._newest: list[tuple[datetime, str, ObjectEntry]] = []

    def add(self, entry: ObjectEntry) -> None:
        self.count += 1
        self.bytes += entry.size
        counters = self.classes.setdefault(entry.storage_class, [0, 0])
        counters[0] += 1
        counters[1] += entry.size
        when = entry.last_modified
        self.oldest = when if self.oldest is None else min(self.oldest, when)
        self.newest = when if self.newest is None else max(self.newest, when)
        if self.top > 0:
            _push_bounded(self._largest, (entry.size, entry.key, entry), self.top)
            _push_bounded(self._newest, (when, entry.key, entry), self.top)

    def by_class(self) -> tuple[ClassUsage, ...]:
        rows = [ClassUsage(storage_class=c, bytes=b, objects=n) for c, (n, b) in self.classes.items()]
        return tuple(sorted(rows, key=lambda row: (-row.bytes, row.storage_class)))

    def largest(self) -> tuple[ObjectEntry, ...]:
        return tuple(item[2] for item in sorted(self._largest, reverse=True))

    def newest_entries(self) -> tuple[ObjectEntry, ...]:
        return tuple(item[2] for item in sorted(self._newest, reverse=True))


def _push_bounded(heap: list[Any], item: Any, limit: int) -> None:
    if len(heap) < limit:
        heapq.heappush(heap, item)
    elif item > heap[0]:
        heapq.heapreplace(heap, item)


def _entry(raw: dict[str, Any]) -> ObjectEntry:
    return ObjectEntry(
        key=raw["Key"],
        size=int(raw.get("Size", 0)),
        last_modified=raw["LastModified"],
        storage_class=raw.get("StorageClass") or "STANDARD",
    )


class UsageService:
    """``UsageService(factory.client("s3"))``; every method blocks (run it in a thread)."""

    def __init__(self, s3: Any, *, page_size: int = PAGE_SIZE) -> None:
        self._s3 = s3
        self.page_size = page_size  # of listings; tests lower it to cross page boundaries with few objects

    def list_objects(self, bucket: str, *, prefix: str = "", limit: int = 50, token: str | None = None) -> ObjectPage:
        """One page of keys and sub-folders directly under ``prefix`` (for browsing, not for totals)."""
        params: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix, "Delimiter": "/", "MaxKeys": max(1, limit)}
        if token:
            params["ContinuationToken"] = token
        try:
            response = self._s3.list_objects_v2(**params)
        except BOTO_ERRORS as exc:
            raise s3_error(exc, bucket=bucket) from exc
        return ObjectPage(
            bucket=bucket,
            prefix=prefix,
            objects=tuple(_entry(raw) for raw in response.get("Contents", [])),
            folders=tuple(p["Prefix"] for p in response.get("CommonPrefixes", [])),
            next_token=response.get("NextContinuationToken") if response.get("IsTruncated") else None,
        )

    def summarize_objects(
        self, bucket: str, prefix: str = "", top: int = 5, *, progress: Progress | None = None
    ) -> ObjectSummary:
        """Counts, bytes per storage class and the ``top`` largest/newest current objects under ``prefix``."""
        tally = self._tally(bucket, prefix, top, progress)
        return ObjectSummary(
            bucket=bucket,
            prefix=prefix,
            object_count=tally.count,
            total_bytes=tally.bytes,
            by_class=tally.by_class(),
            largest=tally.largest(),
            newest=tally.newest_entries(),
            oldest_modified=tally.oldest,
            newest_modified=tally.newest,
        )

    def _tally(self, bucket: str, prefix: str, top: int, progress: Progress | None) -> _Tally:
        tally = _Tally(top)
        try:
            pages = self._s3.get_paginator("list_objects_v2").paginate(
                Bucket=bucket, Prefix=prefix, PaginationConfig={"PageSize": self.page_size}
            )
            for page in pages:
                for raw in page.get("Contents", []):
                    tally.add(_entry(raw))
                if progress is not None:
                    progress(tally.count, None)
        except BOTO_ERRORS as exc:
            raise s3_error(exc, bucket=bucket) from exc
        return tally

    def usage(
        self, bucket: str, cloudwatch: Any, *, progress: Progress | None = None, list_limit: int = LIST_LIMIT
    ) -> BucketUsage:
        """Objects and bytes per storage class, and what versioning keeps besides. Up to ``list_limit`` objects are
        counted from a listing (exact, per class); a bigger bucket gets CloudWatch's figures (free and instant but
        a day old, bytes per class only) or, without them, a listing of all of it (progress reports objects
        counted so far).

        ``cloudwatch`` must be a client for the bucket's region: S3 publishes its metrics there.
        """
        now = datetime.now(UTC)
        tally, complete = self._tally_up_to(bucket, list_limit)
        versions = self._versions(bucket, list_limit)
        if complete:
            return BucketUsage(bucket=bucket, source="listing", as_of=now, total_bytes=tally.bytes,
                               object_count=tally.count, by_class=tally.by_class(), versions=versions)
        try:
            measured = _from_cloudwatch(cloudwatch, bucket, now)
            reason = None if measured else "no_metrics"
        except BOTO_ERRORS as exc:
            # No cloudwatch:GetMetricData permission should not stop a question the listing can answer.
            measured, reason = None, s3_error(exc).code
        except CloudButlerError as exc:
            measured, reason = None, exc.code
        if measured is not None:
            return dataclasses.replace(measured, versions=versions)
        tally = self._tally(bucket, "", 0, progress)
        return BucketUsage(
            bucket=bucket,
            source="listing",
            as_of=now,
            total_bytes=tally.bytes,
            object_count=tally.count,
            by_class=tally.by_class(),
            fallback_reason=reason,
            versions=versions,
        )

    def _tally_up_to(self, bucket: str, limit: int) -> tuple[_Tally, bool]:
        """The first pages of the listing, up to ``limit`` objects; True if that was all of it."""
        tally = _Tally(0)
        params: dict[str, Any] = {"Bucket": bucket, "MaxKeys": self.page_size}
        try:
            while True:
                page = self._s3.list_objects_v2(**params)
                for raw in page.get("Contents", []):
                    tally.add(_entry(raw))
                if not page.get("IsTruncated"):
                    return tally, True
                if tally.count >= limit:
                    return tally, False
                params["ContinuationToken"] = page["NextContinuationToken"]
        except BOTO_ERRORS as exc:
            raise s3_error(exc, bucket=bucket) from exc

    def _versions(self, bucket: str, limit: int) -> Versions | None:
        """Older versions (and their bytes) and delete markers, counted up to ``limit`` entries; None when
        versioning was never enabled, or S3 will not say (an answer about size should not fail for it)."""
        try:
            status = self._s3.get_bucket_versioning(Bucket=bucket).get("Status")
        except BOTO_ERRORS:
            return None
        if status not in ("Enabled", "Suspended"):
            return None
        old = old_bytes = markers = 0
        exact = True
        try:
            pages = self._s3.get_paginator("list_object_versions").paginate(
                Bucket=bucket, PaginationConfig={"PageSize": self.page_size}
            )
            for page in pages:
                for version in page.get("Versions", []):
                    if not version.get("IsLatest"):
                        old += 1
                        old_bytes += int(version.get("Size", 0))
                markers += len(page.get("DeleteMarkers", []))
                if old + markers >= limit and page.get("IsTruncated"):
                    exact = False
                    break
        except BOTO_ERRORS:
            return None
        return Versions(status=status, old_versions=old, old_bytes=old_bytes, delete_markers=markers, exact=exact)


def _from_cloudwatch(cloudwatch: Any, bucket: str, now: datetime) -> BucketUsage | None:
    bucket_dim = {"Name": "BucketName", "Value": bucket}
    storage_types: set[str] = set()
    for page in cloudwatch.get_paginator("list_metrics").paginate(
        Namespace="AWS/S3", MetricName="BucketSizeBytes", Dimensions=[bucket_dim]
    ):
        for metric in page.get("Metrics", []):
            for dim in metric.get("Dimensions", []):
                if dim["Name"] == "StorageType":
                    storage_types.add(dim["Value"])
    if not storage_types:
        return None
    ordered = sorted(storage_types)
    queries = [storage_query(f"b{i}", "BucketSizeBytes", bucket_dim, kind) for i, kind in enumerate(ordered)]
    queries.append(storage_query("count", "NumberOfObjects", bucket_dim, "AllStorageTypes"))
    # S3 stamps its daily datapoints at 00:00 UTC; periods starting at midnight keep one datapoint per period.
    start = (now - METRIC_WINDOW).replace(hour=0, minute=0, second=0, microsecond=0)
    latest: dict[str, tuple[datetime, float]] = {}
    for page in cloudwatch.get_paginator("get_metric_data").paginate(
        MetricDataQueries=queries, StartTime=start, EndTime=now, ScanBy="TimestampDescending"
    ):
        for result in page.get("MetricDataResults", []):
            for when, value in zip(result.get("Timestamps", []), result.get("Values", []), strict=True):
                known = latest.get(result["Id"])
                if known is None or when > known[0]:
                    latest[result["Id"]] = (when, value)
    per_class: dict[str, int] = {}
    for i, kind in enumerate(ordered):
        if f"b{i}" in latest:
            klass = STORAGE_TYPE_CLASSES.get(kind, kind)
            per_class[klass] = per_class.get(klass, 0) + int(latest[f"b{i}"][1])
    if not per_class:
        return None  # metrics listed but nothing in the window: stale (e.g. the bucket was emptied long ago)
    rows = sorted(
        (ClassUsage(storage_class=c, bytes=b, objects=None) for c, b in per_class.items()),
        key=lambda row: (-row.bytes, row.storage_class),
    )
    as_of = max(when for key, (when, _) in latest.items() if key != "count")
    return BucketUsage(
        bucket=bucket,
        source="cloudwatch",
        as_of=as_of,
        total_bytes=sum(per_class.values()),
        object_count=int(latest["count"][1]) if "count" in latest else None,
        by_class=tuple(rows),
    )


def storage_query(query_id: str, metric: str, bucket_dim: dict[str, str], storage_type: str) -> dict[str, Any]:
    """One GetMetricData query of a bucket's daily S3 storage metric for one storage type."""
    return {
        "Id": query_id,
        "MetricStat": {
            "Metric": {
                "Namespace": "AWS/S3",
                "MetricName": metric,
                "Dimensions": [bucket_dim, {"Name": "StorageType", "Value": storage_type}],
            },
            "Period": DAY,
            "Stat": "Average",
        },
        "ReturnData": True,
    }
