"""S3 buckets: list, create (hardened), inspect, empty and delete. Knows nothing about chat; returns dataclasses.

Deleting comes in two steps so the caller can confirm in between: ``inspect_bucket``, then ``empty_bucket`` and
``delete_bucket``. Objects, listings and sync are the sibling services (``objects``, ``usage``, ``sync``).
"""

from __future__ import annotations

import heapq
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from botocore.exceptions import BotoCoreError, ClientError

from actions.aws.errors import BOTO_ERRORS, AwsCallFailed, CloudButlerError, InvalidRequest, s3_error
from actions.aws.s3 import PAGE_SIZE, US_EAST_1, Progress, bucket_region
from actions.aws.s3_names import validate_bucket_name

__all__ = [
    "BucketService",
    "BucketInfo",
    "BucketListing",
    "BucketCreated",
    "BucketFacts",
    "EmptyResult",
]

DELETE_BATCH = 1000  # DeleteObjects limit
MAX_REPORTED_ERRORS = 100
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d{1,2}")
VersioningStatus = Literal["Enabled", "Suspended", "Disabled"]


@dataclass(frozen=True)
class BucketInfo:
    name: str
    region: str | None  # None: the location could not be read (e.g. no s3:GetBucketLocation)
    created: datetime | None


@dataclass(frozen=True)
class BucketListing:
    buckets: tuple[BucketInfo, ...]
    total: int

    @property
    def more(self) -> int:
        """How many buckets were not included (for "and N more")."""
        return self.total - len(self.buckets)


@dataclass(frozen=True)
class BucketCreated:
    name: str
    region: str
    encrypted: bool
    public_access_blocked: bool


@dataclass(frozen=True)
class BucketFacts:
    name: str
    exists: bool
    region: str | None = None
    versioning: VersioningStatus = "Disabled"
    object_count: int = 0
    object_count_exact: bool = True  # False: counting stopped at the limit, read as "at least"
    old_versions: int = 0  # noncurrent versions
    delete_markers: int = 0
    versions_exact: bool = True

    @property
    def is_empty(self) -> bool:
        return self.object_count == 0 and self.old_versions == 0 and self.delete_markers == 0

    @property
    def has_versions(self) -> bool:
        return self.old_versions > 0 or self.delete_markers > 0


@dataclass(frozen=True)
class DeleteError:
    key: str
    version_id: str | None
    code: str


@dataclass(frozen=True)
class EmptyResult:
    bucket: str
    deleted_versions: int  # objects (in a versioned bucket: every version of them)
    deleted_markers: int
    failed: int
    errors: tuple[DeleteError, ...]  # the first MAX_REPORTED_ERRORS failures

    @property
    def complete(self) -> bool:
        return self.failed == 0


_Batch = list[tuple[dict[str, str], bool]]


class _DeleteTally:
    """Counts of what DeleteObjects removed, and which entries failed (never retried)."""

    def __init__(self) -> None:
        self.versions = 0
        self.markers = 0
        self.failed = 0
        self.errors: list[DeleteError] = []
        self._failed_versions: set[tuple[str, str]] = set()
        self._failed_keys: set[str] = set()

    def has_failed(self, entry: dict[str, str]) -> bool:
        key, version = entry["Key"], entry.get("VersionId")
        return key in self._failed_keys or (version is not None and (key, version) in self._failed_versions)

    def record(self, batch: _Batch, problems: list[dict[str, str]]) -> None:
        # An error names its version when S3 knows it; a bare key (moto, S3-compatible stores) fails the whole key.
        for problem in problems:
            key, version = problem.get("Key", ""), problem.get("VersionId")
            if version:
                self._failed_versions.add((key, version))
            else:
                self._failed_keys.add(key)
            if len(self.errors) < MAX_REPORTED_ERRORS:
                self.errors.append(DeleteError(key=key, version_id=version, code=problem.get("Code", "Unknown")))
        for entry, is_marker in batch:
            if self.has_failed(entry):
                self.failed += 1
            elif is_marker:
                self.markers += 1
            else:
                self.versions += 1


class BucketService:
    """``BucketService(factory.client("s3"))``; every method blocks (run it in a thread)."""

    def __init__(self, s3: Any, *, page_size: int = PAGE_SIZE) -> None:
        self._s3 = s3
        self.page_size = page_size  # of listings; tests lower it to cross page boundaries with few objects

    def list_buckets(self, *, limit: int = 20) -> BucketListing:
        """The first ``limit`` buckets (name order) with region and creation date, plus the total count."""
        counter = itertools.count()
        try:
            pages = self._s3.get_paginator("list_buckets").paginate()
            # S3 lists in name order but S3-compatible stores may not; sort without holding every bucket.
            stream = (raw for page in pages for raw in page.get("Buckets", []) if next(counter) >= 0)
            shown = heapq.nsmallest(max(0, limit), stream, key=lambda raw: str(raw["Name"]))
        except BOTO_ERRORS as exc:
            raise s3_error(exc) from exc
        total = next(counter)
        buckets = tuple(
            BucketInfo(
                name=raw["Name"],
                # Newer ListBuckets answers carry the region; otherwise one GetBucketLocation per shown bucket.
                region=raw.get("BucketRegion") or self.region(raw["Name"]),
                created=raw.get("CreationDate"),
            )
            for raw in shown
        )
        return BucketListing(buckets=buckets, total=total)

    def names(self) -> frozenset[str]:
        """Every bucket's name, nothing else (no per-bucket calls): to tell a name from a plain word."""
        try:
            pages = self._s3.get_paginator("list_buckets").paginate()
            return frozenset(str(raw["Name"]) for page in pages for raw in page.get("Buckets", []))
        except BOTO_ERRORS as exc:
            raise s3_error(exc) from exc

    def region(self, name: str) -> str | None:
        """Where the bucket lives, or None if S3 will not say: a listing or a usage figure should not fail because
        one bucket's location is hidden from us."""
        try:
            return bucket_region(self._s3, name)
        except CloudButlerError:
            return None

    def create_bucket(self, name: str, region: str | None = None) -> BucketCreated:
        """Create ``name`` in ``region`` (default: the client's), with SSE-S3 default encryption and all four
        Block Public Access settings. The name is validated before any AWS call.

        If hardening fails the new, empty bucket is deleted again: an unprotected bucket is worse than none.
        """
        validate_bucket_name(name)
        region = region or self._s3.meta.region_name or US_EAST_1
        if not _REGION.fullmatch(region):
            raise InvalidRequest(field="region", value=region, allowed="an AWS region code such as eu-west-1")
        self.refuse_existing(name)
        params: dict[str, Any] = {"Bucket": name}
        if region != US_EAST_1:
            # us-east-1 rejects an explicit LocationConstraint; every other region requires one.
            params["CreateBucketConfiguration"] = {"LocationConstraint": region}
        try:
            self._s3.create_bucket(**params)
        except BOTO_ERRORS as exc:
            raise s3_error(exc, bucket=name, region=region) from exc
        try:
            self._s3.put_bucket_encryption(
                Bucket=name,
                ServerSideEncryptionConfiguration={
                    "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
                },
            )
            self._s3.put_public_access_block(
                Bucket=name,
                PublicAccessBlockConfiguration={
                    "BlockPublicAcls": True,
                    "IgnorePublicAcls": True,
                    "BlockPublicPolicy": True,
                    "RestrictPublicBuckets": True,
                },
            )
        except BOTO_ERRORS as exc:
            error = s3_error(exc, bucket=name, region=region, rolled_back=self._try_delete(name))
            raise error from exc
        return BucketCreated(name=name, region=region, encrypted=True, public_access_blocked=True)

    def refuse_existing(self, name: str) -> None:
        """Nothing if no bucket is called ``name``; else ``BucketAlreadyOwnedByYou`` or ``BucketAlreadyExists``
        (another account's: HeadBucket answers 403, or 200 for a bucket we may read but do not own)."""
        # In us-east-1, CreateBucket on a bucket we own answers 200; we would then rewrite the encryption and
        # public-access settings of an existing (maybe deliberately public) bucket. Ask first.
        try:
            self._s3.head_bucket(Bucket=name)
        except ClientError as exc:
            code = s3_error(exc, bucket=name).code
            if code == "NoSuchBucket":
                return
            if code == "AccessDenied":
                raise AwsCallFailed("BucketAlreadyExists", bucket=name) from exc
            raise s3_error(exc, bucket=name) from exc
        except BotoCoreError as exc:
            raise s3_error(exc, bucket=name) from exc
        # HeadBucket also succeeds on other accounts' buckets we may read; only our own listing proves ownership.
        try:
            own = self._s3.list_buckets(Prefix=name).get("Buckets", [])
        except BOTO_ERRORS as exc:
            raise s3_error(exc, bucket=name) from exc
        owned = any(raw["Name"] == name for raw in own)
        raise AwsCallFailed("BucketAlreadyOwnedByYou" if owned else "BucketAlreadyExists", bucket=name)

    def _try_delete(self, name: str) -> bool:
        try:
            self._s3.delete_bucket(Bucket=name)
        except BOTO_ERRORS:
            return False
        return True

    def inspect_bucket(self, name: str, *, limit: int = 10_000) -> BucketFacts:
        """What deleting ``name`` would destroy: current objects, noncurrent versions and delete markers,
        each counted up to ``limit`` (then ``*_exact`` is False)."""
        try:
            self._s3.head_bucket(Bucket=name)
        except BOTO_ERRORS as exc:
            error = s3_error(exc, bucket=name)
            if error.code == "NoSuchBucket":
                return BucketFacts(name=name, exists=False)
            raise error from exc
        versioning = self.versioning(name)
        count, count_exact = self._count_objects(name, limit)
        old = markers = 0
        versions_exact = True
        if versioning != "Disabled":
            old, markers, versions_exact = self._count_versions(name, limit)
        return BucketFacts(
            name=name,
            exists=True,
            region=self.region(name),
            versioning=versioning,
            object_count=count,
            object_count_exact=count_exact,
            old_versions=old,
            delete_markers=markers,
            versions_exact=versions_exact,
        )

    def versioning(self, name: str) -> VersioningStatus:
        try:
            status = self._s3.get_bucket_versioning(Bucket=name).get("Status")
        except BOTO_ERRORS as exc:
            raise s3_error(exc, bucket=name) from exc
        return "Enabled" if status == "Enabled" else "Suspended" if status == "Suspended" else "Disabled"

    def _count_objects(self, name: str, limit: int) -> tuple[int, bool]:
        count = 0
        params: dict[str, Any] = {"Bucket": name, "MaxKeys": self.page_size}
        try:
            while True:
                page = self._s3.list_objects_v2(**params)
                count += int(page.get("KeyCount", len(page.get("Contents", []))))
                if not page.get("IsTruncated"):
                    return count, True
                if count >= limit:
                    return count, False
                params["ContinuationToken"] = page["NextContinuationToken"]
        except BOTO_ERRORS as exc:
            raise s3_error(exc, bucket=name) from exc

    def _count_versions(self, name: str, limit: int) -> tuple[int, int, bool]:
        old = markers = 0
        pages = self._s3.get_paginator("list_object_versions").paginate(
            Bucket=name, PaginationConfig={"PageSize": self.page_size}
        )
        try:
            for page in pages:
                old += sum(1 for v in page.get("Versions", []) if not v.get("IsLatest"))
                markers += len(page.get("DeleteMarkers", []))
                if old + markers >= limit and page.get("IsTruncated"):
                    return old, markers, False
        except BOTO_ERRORS as exc:
            raise s3_error(exc, bucket=name) from exc
        return old, markers, True

    def empty_bucket(self, name: str, *, progress: Progress | None = None) -> EmptyResult:
        """Permanently delete every object, and in a versioned bucket every version and delete marker.

        Failures inside DeleteObjects (object lock, MFA delete, ...) are counted and reported, not raised.
        ``progress(deleted_so_far, None)`` after each batch.
        """
        versioned = self.versioning(name) != "Disabled"
        tally = _DeleteTally()
        try:
            for batch in self._deletion_batches(name, versioned, tally):
                response = self._s3.delete_objects(
                    Bucket=name, Delete={"Objects": [entry for entry, _ in batch], "Quiet": True}
                )
                tally.record(batch, response.get("Errors", []))
                if progress is not None:
                    progress(tally.versions + tally.markers, None)
        except BOTO_ERRORS as exc:
            raise s3_error(exc, bucket=name) from exc
        return EmptyResult(
            bucket=name,
            deleted_versions=tally.versions,
            deleted_markers=tally.markers,
            failed=tally.failed,
            errors=tuple(tally.errors),
        )

    def _deletion_batches(self, name: str, versioned: bool, tally: _DeleteTally) -> Iterator[_Batch]:
        """Batches of at most 1000 (DeleteObjects entry, is_delete_marker) pairs.

        Each round lists from the start again instead of paging on: a page marker naming a version that was
        just deleted is not honoured everywhere (moto, some S3-compatible stores). Entries that failed are not
        sent again; a page made only of them moves the start past it, so every round makes progress.
        """
        start: dict[str, str] = {}
        previous_first: dict[str, str] | None = None
        while True:
            if versioned:
                page = self._s3.list_object_versions(Bucket=name, MaxKeys=self.page_size, **start)
                entries = [({"Key": v["Key"], "VersionId": v["VersionId"]}, False) for v in page.get("Versions", [])]
                entries += [
                    ({"Key": m["Key"], "VersionId": m["VersionId"]}, True) for m in page.get("DeleteMarkers", [])
                ]
            else:
                page = self._s3.list_objects_v2(Bucket=name, MaxKeys=self.page_size, **start)
                entries = [({"Key": o["Key"]}, False) for o in page.get("Contents", [])]
            fresh = [pair for pair in entries if not tally.has_failed(pair[0])]
            if fresh and fresh[0][0] == previous_first:
                return  # a "deleted" entry is listed again: a store that ignores deletes must not loop us forever
            previous_first = fresh[0][0] if fresh else None
            for first in range(0, len(fresh), DELETE_BATCH):
                yield fresh[first : first + DELETE_BATCH]
            if not page.get("IsTruncated"):
                if not fresh:
                    return
                continue  # deleted the last page; one more listing confirms nothing new appeared
            if not fresh:
                if versioned:
                    start = {"KeyMarker": page["NextKeyMarker"], "VersionIdMarker": page["NextVersionIdMarker"]}
                else:
                    start = {"StartAfter": entries[-1][0]["Key"]}

    def delete_bucket(self, name: str) -> None:
        """Delete an empty bucket; ``BucketNotEmpty`` (from S3) if anything, even an old version, remains."""
        try:
            self._s3.delete_bucket(Bucket=name)
        except BOTO_ERRORS as exc:
            raise s3_error(exc, bucket=name) from exc
