"""One-way folder -> bucket sync: plan first (what is new, changed, unchanged), then upload only that.

Change detection: sizes first, then MD5. A single-part ETag is the MD5 of the data; multipart ETags are not,
so every upload made here stores the MD5 as ``x-amz-meta-cb-md5`` and later runs compare against that.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from actions.aws.errors import BOTO_ERRORS, CloudButlerError, s3_error
from actions.aws.objects import LocalFileMissing, ObjectService
from actions.aws.paths import UnsafePath, resolve_inside
from actions.aws.s3 import PAGE_SIZE, Progress
from actions.aws.s3_names import InvalidObjectKey, validate_object_key

MD5_METADATA = "cb-md5"  # boto3 shows user metadata without the x-amz-meta- prefix
# After these, every further upload would fail the same way: stop instead of repeating the error per file.
FATAL_CODES = frozenset(
    {"NoSuchBucket", "AccessDenied", "NoCredentials", "NetworkError", "InvalidAccessKeyId", "ExpiredToken"}
)
SyncStatus = Literal["new", "changed", "unchanged"]
SkipReason = Literal["symlink_outside", "symlink_folder", "not_a_file", "invalid_key", "unreadable"]


@dataclass(frozen=True)
class SyncItem:
    relative: str  # path under the local folder, with "/" separators
    key: str
    path: Path
    size: int
    md5: str
    mtime_ns: int
    status: SyncStatus


@dataclass(frozen=True)
class SkippedPath:
    relative: str
    reason: SkipReason


@dataclass(frozen=True)
class SyncPlan:
    local_dir: Path
    bucket: str
    prefix: str
    items: tuple[SyncItem, ...]
    skipped: tuple[SkippedPath, ...]
    remote_only: int  # objects under the prefix with no local file; sync never deletes them

    def with_status(self, status: SyncStatus) -> tuple[SyncItem, ...]:
        return tuple(item for item in self.items if item.status == status)

    def count(self, status: SyncStatus) -> int:
        return sum(1 for item in self.items if item.status == status)

    def bytes(self, status: SyncStatus) -> int:
        return sum(item.size for item in self.items if item.status == status)

    @property
    def to_upload(self) -> tuple[SyncItem, ...]:
        return tuple(item for item in self.items if item.status != "unchanged")

    @property
    def upload_bytes(self) -> int:
        return sum(item.size for item in self.to_upload)


@dataclass(frozen=True)
class SyncFailure:
    relative: str
    key: str
    code: str


@dataclass(frozen=True)
class SyncResult:
    plan: SyncPlan
    dry_run: bool
    uploaded: int
    uploaded_bytes: int
    failures: tuple[SyncFailure, ...]
    completed: bool  # False when a fatal error (no bucket, no permission, no network) stopped the run


def normalize_prefix(prefix: str) -> str:
    """``"backup"`` and ``"/backup/"`` both mean the folder ``backup/``; ``""`` means the bucket root."""
    cleaned = prefix.strip().strip("/")
    return f"{cleaned}/" if cleaned else ""


def file_md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)  # a checksum to match S3's ETag, not a security measure
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


class SyncService:
    """``SyncService(factory.client("s3"))``; uploads go through ``objects`` (by default an ``ObjectService`` on the
    same client). Every method blocks (run it in a thread)."""

    def __init__(self, s3: Any, *, objects: ObjectService | None = None, page_size: int = PAGE_SIZE) -> None:
        self._s3 = s3
        self.objects = objects or ObjectService(s3)
        self.page_size = page_size

    def sync(
        self,
        local_dir: Path | str,
        bucket: str,
        prefix: str = "",
        *,
        dry_run: bool = False,
        progress: Progress | None = None,
    ) -> SyncResult:
        """Plan and (unless ``dry_run``) apply. A dry run only lists and reads: no mutating call is made."""
        plan = self.plan_sync(local_dir, bucket, prefix)
        if dry_run:
            return SyncResult(plan=plan, dry_run=True, uploaded=0, uploaded_bytes=0, failures=(), completed=True)
        return self.apply_sync(plan, progress=progress)

    def plan_sync(self, local_dir: Path | str, bucket: str, prefix: str = "") -> SyncPlan:
        """What a sync would upload; read-only, so the caller can show it and ask before ``apply_sync``."""
        base = Path(local_dir)
        if not base.is_dir():
            raise LocalFileMissing(path=str(base))
        base = base.resolve()
        prefix = normalize_prefix(prefix)
        if prefix:
            validate_object_key(prefix)
        remote = self._remote_index(bucket, prefix)
        items: list[SyncItem] = []
        skipped: list[SkippedPath] = []
        for relative, found in _walk(base, skipped):
            key = prefix + relative
            try:
                validate_object_key(key)
                stat = found.stat()
                md5 = file_md5(found)
            except InvalidObjectKey:
                skipped.append(SkippedPath(relative=relative, reason="invalid_key"))
                continue
            except OSError:
                skipped.append(SkippedPath(relative=relative, reason="unreadable"))
                continue
            status = self._status(bucket, key, stat.st_size, md5, remote.pop(key, None))
            items.append(
                SyncItem(
                    relative=relative,
                    key=key,
                    path=found,
                    size=stat.st_size,
                    md5=md5,
                    mtime_ns=stat.st_mtime_ns,
                    status=status,
                )
            )
        return SyncPlan(
            local_dir=base,
            bucket=bucket,
            prefix=prefix,
            items=tuple(items),
            skipped=tuple(skipped),
            remote_only=len(remote),
        )

    def apply_sync(self, plan: SyncPlan, *, progress: Progress | None = None) -> SyncResult:
        """Upload the plan's new and changed files; per-file failures are collected, fatal ones stop the run."""
        total = plan.upload_bytes
        done = 0
        uploaded = 0
        failures: list[SyncFailure] = []
        completed = True
        for item in plan.to_upload:
            try:
                md5 = _current_md5(item)
                self.objects.upload(
                    plan.bucket,
                    item.key,
                    item.path,
                    overwrite=True,
                    metadata={MD5_METADATA: md5},
                    progress=_offset(progress, done, total),
                )
            except CloudButlerError as exc:
                failures.append(SyncFailure(relative=item.relative, key=item.key, code=exc.code))
                if exc.code in FATAL_CODES:
                    completed = False
                    break
                continue
            except OSError:
                failures.append(SyncFailure(relative=item.relative, key=item.key, code="local_file_missing"))
                continue
            uploaded += 1
            done += item.size
            if progress is not None:
                progress(done, total)
        return SyncResult(
            plan=plan,
            dry_run=False,
            uploaded=uploaded,
            uploaded_bytes=done,
            failures=tuple(failures),
            completed=completed,
        )

    def _remote_index(self, bucket: str, prefix: str) -> dict[str, tuple[int, str]]:
        index: dict[str, tuple[int, str]] = {}
        try:
            pages = self._s3.get_paginator("list_objects_v2").paginate(
                Bucket=bucket, Prefix=prefix, PaginationConfig={"PageSize": self.page_size}
            )
            for page in pages:
                for raw in page.get("Contents", []):
                    index[raw["Key"]] = (int(raw.get("Size", 0)), str(raw.get("ETag", "")).strip('"'))
        except BOTO_ERRORS as exc:
            raise s3_error(exc, bucket=bucket) from exc
        return index

    def _status(self, bucket: str, key: str, size: int, md5: str, remote: tuple[int, str] | None) -> SyncStatus:
        if remote is None:
            return "new"
        remote_size, etag = remote
        if remote_size != size:
            return "changed"
        if etag == md5:
            return "unchanged"
        # Multipart (or SSE-KMS) ETag: only our stored checksum can tell. One HEAD, only for same-size files.
        stored = self.objects.head(bucket, key).metadata.get(MD5_METADATA)
        return "unchanged" if stored == md5 else "changed"


def _walk(base: Path, skipped: list[SkippedPath]) -> Iterator[tuple[str, Path]]:
    """Yield (relative, path) for regular files under ``base``; never leaves it through a symlink."""
    for root, dirs, files in os.walk(base, followlinks=False):
        root_path = Path(root)
        for name in sorted(dirs):
            if (root_path / name).is_symlink():
                # Even links that stay inside are skipped: they would upload the same data twice or loop.
                skipped.append(SkippedPath(relative=_relative(base, root_path / name), reason="symlink_folder"))
        dirs[:] = sorted(d for d in dirs if not (root_path / d).is_symlink())
        for name in sorted(files):
            relative = _relative(base, root_path / name)
            try:
                real = resolve_inside(base, relative)
            except UnsafePath as exc:
                reason: SkipReason = "symlink_outside" if exc.reason == "symlink_escape" else "not_a_file"
                skipped.append(SkippedPath(relative=relative, reason=reason))
                continue
            if not real.is_file():
                skipped.append(SkippedPath(relative=relative, reason="not_a_file"))
                continue
            yield relative, real


def _relative(base: Path, path: Path) -> str:
    return path.relative_to(base).as_posix()


def _current_md5(item: SyncItem) -> str:
    # The file may have changed since it was planned; the stored checksum must describe what is uploaded.
    stat = item.path.stat()
    if stat.st_size == item.size and stat.st_mtime_ns == item.mtime_ns:
        return item.md5
    return file_md5(item.path)


def _offset(progress: Progress | None, offset: int, total: int) -> Progress | None:
    if progress is None:
        return None

    def report(done: int, _file_total: int | None) -> None:
        progress(offset + done, total)

    return report
