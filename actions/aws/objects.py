"""S3 objects: head, upload, download, restore, presigned links and delete.

Local files are reached only through ``actions.aws.paths`` (a name from chat or an S3 key never leads outside its
folder); a failed or cancelled transfer leaves no partial object or file.
"""

from __future__ import annotations

import mimetypes
import os
import re
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, Literal, NamedTuple

from boto3.s3.transfer import TransferConfig
from botocore.exceptions import BotoCoreError, ClientError

from actions.aws.errors import BOTO_ERRORS, AwsCallFailed, CloudButlerError, InvalidRequest, s3_error
from actions.aws.paths import UnsafePath, fit_name, resolve_inside, unique_target
from actions.aws.s3 import Progress, default_transfer_config
from actions.aws.s3_names import validate_object_key

ARCHIVE_CLASSES = frozenset({"GLACIER", "DEEP_ARCHIVE"})
ARCHIVE_ACCESS_TIERS = frozenset({"ARCHIVE_ACCESS", "DEEP_ARCHIVE_ACCESS"})  # Intelligent-Tiering archive tiers
RESTORE_TIERS = ("Standard", "Bulk", "Expedited")
PRESIGN_MAX_SECONDS = 7 * 24 * 3600  # SigV4 limit


class ObjectExists(CloudButlerError):
    def __init__(self, *, bucket: str, key: str, size: int, last_modified: datetime) -> None:
        super().__init__("object_exists", bucket=bucket, key=key, size=size, last_modified=last_modified)


class NeedsRestore(CloudButlerError):
    """The object is archived (Glacier, Deep Archive or an Intelligent-Tiering archive tier) and not restored."""

    def __init__(self, *, bucket: str, key: str, storage_class: str, restore_in_progress: bool) -> None:
        super().__init__(
            "needs_restore",
            bucket=bucket,
            key=key,
            storage_class=storage_class,
            restore_in_progress=restore_in_progress,
        )


class NotArchived(CloudButlerError):
    def __init__(self, *, bucket: str, key: str, storage_class: str) -> None:
        super().__init__("not_archived", bucket=bucket, key=key, storage_class=storage_class)


class LocalFileExists(CloudButlerError):
    """``suggestion`` is a free file name in the same folder the caller may offer instead."""

    def __init__(self, *, path: str, suggestion: str) -> None:
        super().__init__("local_file_exists", path=path, suggestion=suggestion)


class LocalFileMissing(CloudButlerError):
    def __init__(self, *, path: str) -> None:
        super().__init__("local_file_missing", path=path)


class _CreateOnly:
    """Keys being uploaded without permission to overwrite, on one client: their PutObject and
    CompleteMultipartUpload carry ``If-None-Match: *``, so S3 itself refuses to replace an object that
    appeared after our HEAD (boto3's managed transfer does not take the header in ExtraArgs)."""

    def __init__(self) -> None:
        self._keys: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    def __call__(self, params: dict[str, Any], **_: Any) -> None:
        with self._lock:
            guarded = (params.get("Bucket"), params.get("Key")) in self._keys
        if guarded:
            params.setdefault("IfNoneMatch", "*")

    @contextmanager
    def guarding(self, bucket: str, key: str) -> Iterator[None]:
        with self._lock:
            self._keys[(bucket, key)] = self._keys.get((bucket, key), 0) + 1
        try:
            yield
        finally:
            with self._lock:
                left = self._keys.pop((bucket, key)) - 1
                if left:
                    self._keys[(bucket, key)] = left


_CREATE_ONLY_LOCK = threading.Lock()


def _create_only(s3: Any) -> _CreateOnly:
    """The client's ``_CreateOnly``, registered on its events once."""
    with _CREATE_ONLY_LOCK:
        guard = getattr(s3, "_cloudbutler_create_only", None)
        if guard is None:
            guard = _CreateOnly()
            for operation in ("PutObject", "CompleteMultipartUpload"):
                s3.meta.events.register(f"before-parameter-build.s3.{operation}", guard)
            s3._cloudbutler_create_only = guard
    return guard


class _Tracker:
    """Turns boto3's byte increments (from several threads, negative on retries) into (done, total) calls."""

    def __init__(self, progress: Progress | None, total: int | None) -> None:
        self._progress = progress
        self._total = total
        self._done = 0
        self._lock = threading.Lock()

    def __call__(self, increment: int) -> None:
        with self._lock:
            self._done = max(0, self._done + increment)
            done = self._done
        if self._progress is not None:
            self._progress(done, self._total)


RestoreState = Literal["none", "in_progress", "restored"]
_ONGOING = re.compile(r'ongoing-request="(true|false)"')
_EXPIRY = re.compile(r'expiry-date="([^"]+)"')


@dataclass(frozen=True)
class ObjectInfo:
    bucket: str
    key: str
    size: int
    last_modified: datetime
    storage_class: str
    etag: str
    content_type: str | None = None
    version_id: str | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)
    restore: RestoreState = "none"
    restore_expiry: datetime | None = None
    archive_status: str | None = None

    @property
    def needs_restore(self) -> bool:
        archived = self.storage_class in ARCHIVE_CLASSES or self.archive_status in ARCHIVE_ACCESS_TIERS
        return archived and self.restore != "restored"

    @property
    def is_multipart(self) -> bool:
        return "-" in self.etag


@dataclass(frozen=True)
class UploadResult:
    bucket: str
    key: str
    size: int
    replaced: bool  # an object with this key existed (only possible with overwrite=True)


@dataclass(frozen=True)
class DownloadResult:
    bucket: str
    key: str
    path: Path
    size: int
    replaced: bool  # a local file was overwritten (only possible with overwrite=True)


@dataclass(frozen=True)
class RestoreResult:
    bucket: str
    key: str
    status: Literal["started", "in_progress", "already_restored"]
    days: int
    tier: str


@dataclass(frozen=True)
class DeleteResult:
    bucket: str
    key: str
    delete_marker: bool  # versioned bucket: the data is kept as a noncurrent version behind a delete marker
    version_id: str | None


class PresignedUrl(NamedTuple):
    url: str
    expires_at: datetime


def _parse_restore(header: str | None) -> tuple[RestoreState, datetime | None]:
    if not header:
        return "none", None
    ongoing = _ONGOING.search(header)
    if ongoing and ongoing.group(1) == "true":
        return "in_progress", None
    expiry = _EXPIRY.search(header)
    try:
        when = parsedate_to_datetime(expiry.group(1)) if expiry else None
    except (TypeError, ValueError):
        when = None
    return "restored", when


class ObjectService:
    """``ObjectService(factory.client("s3"), transfer_config=...)``; every method blocks (run it in a thread)."""

    def __init__(self, s3: Any, *, transfer_config: TransferConfig | None = None) -> None:
        self._s3 = s3
        self._transfer_config = transfer_config or default_transfer_config()

    def head(self, bucket: str, key: str) -> ObjectInfo:
        """Facts about one object; ``NoSuchKey`` or ``NoSuchBucket`` if it is not there."""
        validate_object_key(key)
        try:
            response = self._s3.head_object(Bucket=bucket, Key=key)
        except BOTO_ERRORS as exc:
            error = s3_error(exc, bucket=bucket, key=key)
            if error.code == "NoSuchKey" and not self._bucket_exists(bucket):
                # HEAD answers a bare 404 either way; one more call tells the user which name is wrong.
                error = AwsCallFailed("NoSuchBucket", bucket=bucket)
            raise error from exc
        restore, expiry = _parse_restore(response.get("Restore"))
        return ObjectInfo(
            bucket=bucket,
            key=key,
            size=int(response.get("ContentLength", 0)),
            last_modified=response["LastModified"],
            storage_class=response.get("StorageClass") or "STANDARD",
            etag=str(response.get("ETag", "")).strip('"'),
            content_type=response.get("ContentType"),
            version_id=response.get("VersionId"),
            metadata=dict(response.get("Metadata") or {}),
            restore=restore,
            restore_expiry=expiry,
            archive_status=response.get("ArchiveStatus"),
        )

    def _bucket_exists(self, bucket: str) -> bool:
        try:
            self._s3.head_bucket(Bucket=bucket)
        except ClientError as exc:
            return s3_error(exc, bucket=bucket).code != "NoSuchBucket"
        except BotoCoreError:
            return True
        return True

    def head_or_none(self, bucket: str, key: str) -> ObjectInfo | None:
        """``head``, or None if there is no such object (a missing bucket still raises)."""
        try:
            return self.head(bucket, key)
        except AwsCallFailed as exc:
            if exc.code == "NoSuchKey":
                return None
            raise

    def upload(
        self,
        bucket: str,
        key: str,
        path: Path | str,
        *,
        overwrite: bool = False,
        progress: Progress | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> UploadResult:
        """Upload a local file with boto3's managed (multipart, threaded) transfer.

        Refuses to replace an existing key unless ``overwrite`` (``ObjectExists``); a failed or cancelled
        multipart upload is aborted by boto3, so no partial object or stray parts remain.
        """
        validate_object_key(key)
        source = Path(path)
        if not source.is_file():
            raise LocalFileMissing(path=str(source))
        size = source.stat().st_size
        existing = self.head_or_none(bucket, key)
        if existing is not None and not overwrite:
            raise ObjectExists(bucket=bucket, key=key, size=existing.size, last_modified=existing.last_modified)
        extra: dict[str, Any] = {"ContentType": mimetypes.guess_type(source.name)[0] or "application/octet-stream"}
        if metadata:
            extra["Metadata"] = dict(metadata)
        tracker = _Tracker(progress, size)
        try:
            with nullcontext() if overwrite else _create_only(self._s3).guarding(bucket, key):
                self._s3.upload_file(
                    str(source), bucket, key, ExtraArgs=extra, Callback=tracker, Config=self._transfer_config
                )
        except BOTO_ERRORS as exc:
            error = s3_error(exc, bucket=bucket, key=key)
            if not overwrite and error.code == "PreconditionFailed":  # someone else wrote the key after our HEAD
                winner = self.head_or_none(bucket, key)
                if winner is not None:
                    raise ObjectExists(
                        bucket=bucket, key=key, size=winner.size, last_modified=winner.last_modified
                    ) from exc
            raise error from exc
        if progress is not None and size == 0:
            progress(0, 0)  # boto3 never calls back for an empty file; callers still want a final report
        return UploadResult(bucket=bucket, key=key, size=size, replaced=existing is not None)

    def download(
        self,
        bucket: str,
        key: str,
        target_dir: Path | str,
        *,
        name: str | None = None,
        overwrite: bool = False,
        progress: Progress | None = None,
    ) -> DownloadResult:
        """Download into ``target_dir`` as ``name`` (default: the key's last segment).

        The name is checked with ``resolve_inside``; an existing file is kept (``LocalFileExists`` with a free
        name to suggest) unless ``overwrite``. Data goes to a hidden temporary file in the same folder that is
        renamed on success and removed on any failure, so a half file never carries the real name.
        """
        validate_object_key(key)
        base = Path(target_dir)
        target = resolve_inside(base, name if name is not None else key.rsplit("/", 1)[-1])
        if target.is_dir():
            raise UnsafePath(reason="empty_name", path=str(target.name))
        existed = os.path.lexists(target)
        if existed and not overwrite:
            raise LocalFileExists(path=str(target), suggestion=unique_target(target.parent, target.name).name)
        info = _readable(self.head(bucket, key))
        target.parent.mkdir(parents=True, exist_ok=True)
        # Part of the name only: the whole one may already take all the bytes a file name may have.
        fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{fit_name(target.name, limit=100)}.",
                                         suffix=".part")
        temp = Path(temp_name)
        try:
            with os.fdopen(fd, "wb") as handle:
                self._s3.download_fileobj(
                    bucket, key, handle, Callback=_Tracker(progress, info.size), Config=self._transfer_config
                )
            os.chmod(temp, 0o644)  # mkstemp makes 0600; the connector that sends the file may be another user
            _publish(temp, target, overwrite=overwrite)
        except BOTO_ERRORS as exc:
            temp.unlink(missing_ok=True)
            raise s3_error(exc, bucket=bucket, key=key) from exc
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return DownloadResult(bucket=bucket, key=key, path=target, size=info.size, replaced=existed)

    def restore(self, bucket: str, key: str, *, days: int = 7, tier: str = "Standard") -> RestoreResult:
        """Ask S3 to make a temporary copy of an archived object readable for ``days`` days."""
        if not 1 <= days <= 30000:
            raise InvalidRequest(field="days", value=days, allowed="1-30000")
        if tier not in RESTORE_TIERS:
            raise InvalidRequest(field="tier", value=tier, allowed=", ".join(RESTORE_TIERS))
        info = self.head(bucket, key)
        if info.storage_class not in ARCHIVE_CLASSES and info.archive_status not in ARCHIVE_ACCESS_TIERS:
            raise NotArchived(bucket=bucket, key=key, storage_class=info.storage_class)
        if info.restore == "in_progress":
            return RestoreResult(bucket=bucket, key=key, status="in_progress", days=days, tier=tier)
        if tier == "Expedited" and info.storage_class == "DEEP_ARCHIVE":
            raise InvalidRequest(field="tier", value=tier, allowed="Standard, Bulk")
        request: dict[str, Any] = {"GlacierJobParameters": {"Tier": tier}}
        if info.storage_class in ARCHIVE_CLASSES:
            request["Days"] = days  # Intelligent-Tiering restores move the object back and take no Days
        try:
            response = self._s3.restore_object(Bucket=bucket, Key=key, RestoreRequest=request)
        except BOTO_ERRORS as exc:
            error = s3_error(exc, bucket=bucket, key=key)
            if error.code == "RestoreAlreadyInProgress":
                return RestoreResult(bucket=bucket, key=key, status="in_progress", days=days, tier=tier)
            raise error from exc
        # S3 answers 200 when a restored copy already existed (its expiry is extended) and 202 for a new job.
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        outcome: Literal["started", "already_restored"] = "already_restored" if status == 200 else "started"
        return RestoreResult(bucket=bucket, key=key, status=outcome, days=days, tier=tier)

    def presigned_url(self, bucket: str, key: str, *, expires: int = 3600) -> PresignedUrl:
        """A time-limited GET link; checks first that the object exists and is readable now.

        A link signed with temporary credentials (a role, SSO) stops working when they expire, even if that is
        before ``expires_at``.
        """
        if not 1 <= expires <= PRESIGN_MAX_SECONDS:
            raise InvalidRequest(field="expires", value=expires, allowed=f"1-{PRESIGN_MAX_SECONDS} seconds")
        _readable(self.head(bucket, key))
        issued = datetime.now(UTC)
        try:
            url = self._s3.generate_presigned_url(
                "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires
            )
        except BOTO_ERRORS as exc:
            raise s3_error(exc, bucket=bucket, key=key) from exc
        return PresignedUrl(url=url, expires_at=issued + timedelta(seconds=expires))

    def delete_object(self, bucket: str, key: str) -> DeleteResult:
        """Delete one object (``NoSuchKey`` if absent, since S3 itself would silently succeed)."""
        self.head(bucket, key)
        try:
            response = self._s3.delete_object(Bucket=bucket, Key=key)
        except BOTO_ERRORS as exc:
            raise s3_error(exc, bucket=bucket, key=key) from exc
        return DeleteResult(
            bucket=bucket,
            key=key,
            delete_marker=bool(response.get("DeleteMarker", False)),
            version_id=response.get("VersionId"),
        )


def _readable(info: ObjectInfo) -> ObjectInfo:
    if info.needs_restore:
        raise NeedsRestore(
            bucket=info.bucket,
            key=info.key,
            storage_class=info.archive_status or info.storage_class,
            restore_in_progress=info.restore == "in_progress",
        )
    return info


def _publish(temp: Path, target: Path, *, overwrite: bool) -> None:
    if overwrite:
        os.replace(temp, target)
        return
    # link() fails if the name was taken meanwhile, where rename() would silently replace it.
    try:
        os.link(temp, target)
    except FileExistsError:
        raise LocalFileExists(path=str(target), suggestion=unique_target(target.parent, target.name).name) from None
    except OSError:
        # Filesystems without hard links: the check-then-rename window is the best available.
        if os.path.lexists(target):
            raise LocalFileExists(path=str(target), suggestion=unique_target(target.parent, target.name).name) from None
        os.replace(temp, target)
        return
    temp.unlink()
