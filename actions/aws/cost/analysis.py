"""Bucket analysis by listing: streams ListObjectsV2 pages into fixed-size counters (constant memory).

Synchronous on purpose: the action layer runs ``CostAnalyser.analyse`` in a thread executor
(``loop.run_in_executor``) and relays ``progress`` calls to the chat ("still working on it").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from dateutil.tz import tzutc

from actions.aws.cost.inventory import InventoryAnalyser, find_latest_manifest
from actions.aws.cost.model import AGE_EDGES_DAYS, KNOWN_CLASSES, N_AGE, N_SIZE, BucketStats, CostReport, ProgressCallback
from actions.aws.cost.pricing import pricing_for
from actions.aws.cost.recommend import DEFAULT_LADDER, MAX_PAYBACK_MONTHS, build_report
from actions.aws.errors import BOTO_ERRORS, CloudButlerError, s3_error
from actions.aws.s3 import bucket_region

_EXACT_128K = 128 * 1024  # Intelligent-Tiering monitors objects >= 128 KB; the size bins split at > 128 KB


@dataclass(frozen=True)
class ListingLimits:
    """Past these a listing stops and the caller should use an S3 Inventory report instead."""

    max_objects: int | None = 500_000
    max_bytes: int | None = None


class BucketTooLarge(CloudButlerError):
    def __init__(self, bucket: str, objects_seen: int, bytes_seen: int) -> None:
        super().__init__("bucket_too_large", bucket=bucket, objects_seen=objects_seen, bytes_seen=bytes_seen)


def scan_pages(
    pages: Iterable[Mapping[str, Any]],
    *,
    now: datetime,
    progress: ProgressCallback | None = None,
    progress_every: int = 10,
    limits: ListingLimits | None = None,
    bucket: str = "",
) -> BucketStats:
    """Count objects and bytes per (class, age bin, size bin) from ListObjectsV2 pages.

    Per object: one dict lookup, up to four datetime comparisons and ``int.bit_length``; LastModified is
    the datetime botocore already parsed, compared against cutoffs sharing its ``tzutc`` singleton.
    """
    utc_now = now.astimezone(tzutc())
    c0, c1, c2, c3 = (utc_now - timedelta(days=days) for days in AGE_EDGES_DAYS)
    n_cells = len(KNOWN_CLASSES) * N_AGE * N_SIZE
    counts = [0] * n_cells
    sizes = [0] * n_cells
    at_128k = [0] * len(KNOWN_CLASSES)
    class_base = {name: index * N_AGE * N_SIZE for index, name in enumerate(KNOWN_CLASSES)}
    class_get = class_base.get
    other = class_base["OTHER"]
    a1, a2, a3, a4 = N_SIZE, 2 * N_SIZE, 3 * N_SIZE, 4 * N_SIZE
    progress_every = max(1, progress_every)
    max_objects = limits.max_objects if limits else None
    max_bytes = limits.max_bytes if limits else None
    seen = 0
    for page_number, page in enumerate(pages, start=1):
        contents = page.get("Contents")
        if contents:
            seen += len(contents)
            for obj in contents:
                size = obj["Size"]
                modified = obj["LastModified"]
                if modified > c0:
                    age = 0
                elif modified > c1:
                    age = a1
                elif modified > c2:
                    age = a2
                elif modified > c3:
                    age = a3
                else:
                    age = a4
                index = class_get(obj.get("StorageClass", "STANDARD"), other) + age + (size - 1).bit_length()
                counts[index] += 1
                sizes[index] += size
                if size == _EXACT_128K:
                    at_128k[index // (N_AGE * N_SIZE)] += 1
        if max_bytes is not None or (progress is not None and page_number % progress_every == 0):
            bytes_seen = sum(sizes)
            if progress is not None and page_number % progress_every == 0:
                progress(seen, bytes_seen)
            if max_bytes is not None and bytes_seen > max_bytes:
                raise BucketTooLarge(bucket, seen, bytes_seen)
        if max_objects is not None and seen > max_objects:
            raise BucketTooLarge(bucket, seen, sum(sizes))
    return _to_stats(counts, sizes, at_128k)


def _to_stats(counts: list[int], sizes: list[int], at_128k: list[int]) -> BucketStats:
    stats = BucketStats()
    per_class = N_AGE * N_SIZE
    for index, count in enumerate(counts):
        if count:
            class_index, rest = divmod(index, per_class)
            age, size_bin = divmod(rest, N_SIZE)
            stats.add((KNOWN_CLASSES[class_index], age, size_bin), count, sizes[index])
    it_index = KNOWN_CLASSES.index("INTELLIGENT_TIERING")
    it_base = it_index * per_class
    # Monitored = IT objects > 128 KB (size bins >= 18) plus those of exactly 128 KB (in bin 17).
    stats.it_monitored = at_128k[it_index] + sum(
        counts[it_base + age * N_SIZE + size_bin] for age in range(N_AGE) for size_bin in range(18, N_SIZE)
    )
    return stats


class CostAnalyser:
    """Analyses one bucket by listing it (or, past ``limits``, from its latest S3 Inventory report)."""

    def __init__(self, *, s3: Any, page_size: int = 1000, pricing_table: Mapping[str, Any] | None = None) -> None:
        self._s3 = s3
        self._page_size = page_size
        self._table = pricing_table

    def bucket_versioned(self, bucket: str) -> bool:
        """Versioning on now or in the past ("Suspended" buckets still hold noncurrent versions)."""
        try:
            status = self._s3.get_bucket_versioning(Bucket=bucket).get("Status")
        except BOTO_ERRORS as exc:
            raise s3_error(exc, bucket=bucket) from exc
        return status in ("Enabled", "Suspended")

    def analyse(
        self,
        bucket: str,
        *,
        region: str | None = None,
        now: datetime | None = None,
        progress: ProgressCallback | None = None,
        progress_every: int = 10,
        limits: ListingLimits | None = None,
        ladder: tuple[tuple[int, str], ...] = DEFAULT_LADDER,
        max_payback_months: float = MAX_PAYBACK_MONTHS,
    ) -> CostReport:
        """List the bucket and build the report; raises ``BucketTooLarge`` past ``limits``."""
        now = now or datetime.now(UTC)
        region = region or bucket_region(self._s3, bucket)
        paginator = self._s3.get_paginator("list_objects_v2")
        pages = paginator.paginate(Bucket=bucket, PaginationConfig={"PageSize": self._page_size})
        try:
            stats = scan_pages(
                pages, now=now, progress=progress, progress_every=progress_every, limits=limits, bucket=bucket
            )
        except BOTO_ERRORS as exc:  # the pages are fetched while they are scanned
            raise s3_error(exc, bucket=bucket) from exc
        return build_report(
            stats,
            pricing_for(region, self._table),
            bucket=bucket,
            source="listing",
            now=now,
            ladder=ladder,
            max_payback_months=max_payback_months,
            versioned=self.bucket_versioned(bucket),
        )

    def analyse_auto(
        self,
        bucket: str,
        *,
        now: datetime | None = None,
        progress: ProgressCallback | None = None,
        limits: ListingLimits | None = None,
        workdir: str | None = None,
    ) -> CostReport:
        """Listing for ordinary buckets; past ``limits`` the latest S3 Inventory report (DuckDB) instead."""
        limits = limits or ListingLimits()
        region = bucket_region(self._s3, bucket)
        try:
            return self.analyse(bucket, region=region, now=now, progress=progress, limits=limits)
        except BucketTooLarge as too_large:
            location = find_latest_manifest(self._s3, bucket)
            if location is None:
                raise CloudButlerError("inventory_missing", **too_large.details) from None
            analyser = InventoryAnalyser(s3=self._s3, workdir=workdir, pricing_table=self._table)
            return analyser.analyse(location[0], location[1], bucket=bucket, region=region, now=now, progress=progress)
