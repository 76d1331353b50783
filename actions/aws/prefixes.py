"""Everything under a prefix ("folder") of a bucket: what it holds, and deleting its current objects in batches.

Only current objects are deleted (keys without version ids), so a versioned bucket gets a delete marker per object
and keeps every version; the bucket itself is never touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from actions.aws.buckets import DELETE_BATCH, MAX_REPORTED_ERRORS, DeleteError, VersioningStatus
from actions.aws.errors import BOTO_ERRORS, Stopped, s3_error
from actions.aws.s3 import PAGE_SIZE, Progress

COUNT_LIMIT = 10_000  # objects counted before a question is asked; beyond it the count reads "at least"


@dataclass(frozen=True)
class PrefixFacts:
    bucket: str
    prefix: str
    versioning: VersioningStatus
    objects: int  # current objects under the prefix
    bytes: int
    exact: bool = True  # False: counting stopped at the limit (objects and bytes are lower bounds)
    old_versions: int = 0  # noncurrent versions under the prefix (versioned buckets)
    delete_markers: int = 0

    @property
    def versioned(self) -> bool:
        return self.versioning != "Disabled"


@dataclass(frozen=True)
class PrefixDeleteResult:
    bucket: str
    prefix: str
    deleted: int  # objects deleted (in a versioned bucket: delete markers added)
    failed: int
    errors: tuple[DeleteError, ...]  # the first MAX_REPORTED_ERRORS failures
    stopped: bool = False  # the user stopped it between two batches: what was deleted stays deleted

    @property
    def complete(self) -> bool:
        return self.failed == 0 and not self.stopped


class PrefixService:
    """``PrefixService(factory.client("s3"))``; every method blocks (run it in a thread)."""

    def __init__(self, s3: Any, *, page_size: int = PAGE_SIZE) -> None:
        self._s3 = s3
        self.page_size = page_size  # of listings and delete batches; tests lower it to cross batch boundaries

    def inspect(self, bucket: str, prefix: str, limit: int | None = COUNT_LIMIT) -> PrefixFacts:
        """Count and size of the current objects under ``prefix`` (paginated, up to ``limit`` objects), and in a
        versioned bucket the older versions and delete markers there. ``NoSuchBucket`` if the bucket is missing."""
        versioning = self._versioning(bucket)
        objects = size = 0
        exact = True
        params: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix, "MaxKeys": self.page_size}
        try:
            while True:
                page = self._s3.list_objects_v2(**params)
                for raw in page.get("Contents", []):
                    objects += 1
                    size += int(raw.get("Size", 0))
                if not page.get("IsTruncated"):
                    break
                if limit is not None and objects >= limit:
                    exact = False
                    break
                params["ContinuationToken"] = page["NextContinuationToken"]
        except BOTO_ERRORS as exc:
            raise s3_error(exc, bucket=bucket) from exc
        old = markers = 0
        if versioning != "Disabled":
            old, markers = self._count_versions(bucket, prefix, limit)
        return PrefixFacts(bucket=bucket, prefix=prefix, versioning=versioning, objects=objects, bytes=size,
                           exact=exact, old_versions=old, delete_markers=markers)

    def _versioning(self, bucket: str) -> VersioningStatus:
        try:
            status = self._s3.get_bucket_versioning(Bucket=bucket).get("Status")
        except BOTO_ERRORS as exc:
            raise s3_error(exc, bucket=bucket) from exc
        return "Enabled" if status == "Enabled" else "Suspended" if status == "Suspended" else "Disabled"

    def _count_versions(self, bucket: str, prefix: str, limit: int | None) -> tuple[int, int]:
        old = markers = 0
        pages = self._s3.get_paginator("list_object_versions").paginate(
            Bucket=bucket, Prefix=prefix, PaginationConfig={"PageSize": self.page_size}
        )
        try:
            for page in pages:
                old += sum(1 for v in page.get("Versions", []) if not v.get("IsLatest"))
                markers += len(page.get("DeleteMarkers", []))
                if limit is not None and old + markers >= limit:
                    break
        except BOTO_ERRORS as exc:
            raise s3_error(exc, bucket=bucket) from exc
        return old, markers

    def delete(self, bucket: str, prefix: str, *, progress: Progress | None = None,
               total: int | None = None) -> PrefixDeleteResult:
        """Delete the current objects under ``prefix`` with DeleteObjects, at most 1,000 keys a call.

        Failures inside DeleteObjects (Object Lock, MFA Delete, ...) are counted and reported, not raised.
        ``progress(handled_so_far, total)`` after each batch; when it raises ``Stopped`` the deletion ends there
        and the result says so (``stopped``): deleted objects cannot come back, so the caller must hear how many.
        """
        if not prefix:
            raise ValueError("an empty prefix would name the whole bucket")
        deleted = failed = 0
        problems: list[DeleteError] = []
        start_after = ""
        batch_size = min(self.page_size, DELETE_BATCH)
        try:
            while True:
                params: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix, "MaxKeys": batch_size}
                if start_after:
                    # Listed again after the last key seen rather than by continuation token: the keys before it
                    # are gone (or failed and stay), and every store honours StartAfter.
                    params["StartAfter"] = start_after
                page = self._s3.list_objects_v2(**params)
                keys = [raw["Key"] for raw in page.get("Contents", [])]
                if not keys:
                    break
                response = self._s3.delete_objects(
                    Bucket=bucket, Delete={"Objects": [{"Key": key} for key in keys], "Quiet": True}
                )
                errors = response.get("Errors", [])
                failed += len({e.get("Key") for e in errors})
                deleted += len(keys) - len({e.get("Key") for e in errors})
                for error in errors[: max(0, MAX_REPORTED_ERRORS - len(problems))]:
                    problems.append(DeleteError(key=str(error.get("Key", "")), version_id=error.get("VersionId"),
                                                code=str(error.get("Code", "Unknown"))))
                start_after = keys[-1]
                if progress is not None:
                    try:
                        progress(deleted + failed, total)
                    except Stopped:
                        return PrefixDeleteResult(bucket=bucket, prefix=prefix, deleted=deleted, failed=failed,
                                                  errors=tuple(problems), stopped=True)
                if not page.get("IsTruncated"):
                    break
        except BOTO_ERRORS as exc:
            raise s3_error(exc, bucket=bucket) from exc
        return PrefixDeleteResult(bucket=bucket, prefix=prefix, deleted=deleted, failed=failed,
                                  errors=tuple(problems))
