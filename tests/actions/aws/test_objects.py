"""Uploads, downloads, restores, presigned links, head and delete against moto, with real files."""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from actions.aws.errors import CloudButlerError, InvalidRequest
from actions.aws.objects import (
    LocalFileExists,
    LocalFileMissing,
    NeedsRestore,
    NotArchived,
    ObjectExists,
    ObjectService,
)
from actions.aws.paths import UnsafePath
from actions.aws.s3 import MB
from actions.aws.s3_names import InvalidObjectKey


class Recorder:
    """A progress callback that remembers every report (called from boto3's threads)."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, int | None]] = []
        self._lock = threading.Lock()

    def __call__(self, done: int, total: int | None) -> None:
        with self._lock:
            self.calls.append((done, total))


class Cancelled(Exception):
    pass


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _body(s3: Any, bucket: str, key: str) -> bytes:
    return bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read())


def test_upload_small_file(s3: Any, objects: ObjectService, bucket: str, tmp_path: Path) -> None:
    source = _write(tmp_path / "report.pdf", b"%PDF-1.4 tiny")
    progress = Recorder()
    result = objects.upload(bucket, "docs/report.pdf", source, progress=progress)
    assert (result.bucket, result.key, result.size, result.replaced) == (bucket, "docs/report.pdf", 13, False)
    assert _body(s3, bucket, "docs/report.pdf") == b"%PDF-1.4 tiny"
    assert s3.head_object(Bucket=bucket, Key="docs/report.pdf")["ContentType"] == "application/pdf"
    assert progress.calls[-1] == (13, 13)


def test_upload_multipart_20_mb(s3: Any, objects: ObjectService, bucket: str, tmp_path: Path) -> None:
    data = os.urandom(20 * MB + 12345)
    source = _write(tmp_path / "big.bin", data)
    progress = Recorder()
    result = objects.upload(bucket, "big.bin", source, progress=progress)
    assert result.size == len(data)
    assert _body(s3, bucket, "big.bin") == data
    assert s3.head_object(Bucket=bucket, Key="big.bin")["ETag"].strip('"').endswith("-5")  # 5 parts of 5 MB
    assert max(done for done, _ in progress.calls) == len(data)
    assert {total for _, total in progress.calls} == {len(data)}


def test_upload_refuses_to_overwrite(s3: Any, objects: ObjectService, bucket: str, tmp_path: Path) -> None:
    s3.put_object(Bucket=bucket, Key="report.pdf", Body=b"original")
    source = _write(tmp_path / "report.pdf", b"new")
    with pytest.raises(ObjectExists) as caught:
        objects.upload(bucket, "report.pdf", source)
    assert caught.value.code == "object_exists"
    assert caught.value.details["size"] == 8
    assert _body(s3, bucket, "report.pdf") == b"original"
    result = objects.upload(bucket, "report.pdf", source, overwrite=True)
    assert result.replaced is True
    assert _body(s3, bucket, "report.pdf") == b"new"


@pytest.mark.parametrize("size", [1000, 6 * MB], ids=["put", "multipart"])
def test_upload_never_replaces_a_key_written_after_its_check(
    s3: Any, objects: ObjectService, bucket: str, tmp_path: Path, size: int
) -> None:
    """Another writer creates the key between our HEAD and the write: S3's If-None-Match refuses ours."""
    other = boto3.session.Session().client(  # another program: nothing of ours is registered on its client
        "s3", endpoint_url=s3.meta.endpoint_url, region_name="us-east-1",
        aws_access_key_id="other", aws_secret_access_key="other",
    )  # fmt: skip
    final_call = "PutObject" if size < 5 * MB else "CompleteMultipartUpload"

    def other_writer_wins(**_: Any) -> None:
        if not _body_or_none(other, bucket, "race.bin"):
            other.put_object(Bucket=bucket, Key="race.bin", Body=b"the other writer")

    s3.meta.events.register(f"before-call.s3.{final_call}", other_writer_wins)
    source = _write(tmp_path / "race.bin", os.urandom(size))
    with pytest.raises(ObjectExists) as caught:
        objects.upload(bucket, "race.bin", source)
    assert caught.value.details["size"] == len(b"the other writer")
    assert _body(s3, bucket, "race.bin") == b"the other writer"
    assert not s3.list_multipart_uploads(Bucket=bucket).get("Uploads")  # no parts left behind
    s3.meta.events.unregister(f"before-call.s3.{final_call}", other_writer_wins)

    # Confirmed overwrites and other keys go out without the condition.
    assert objects.upload(bucket, "race.bin", source, overwrite=True).replaced is True
    assert _body(s3, bucket, "race.bin") == source.read_bytes()
    assert objects.upload(bucket, "fresh.bin", source).replaced is False


def _body_or_none(s3: Any, bucket: str, key: str) -> bytes | None:
    try:
        return _body(s3, bucket, key)
    except s3.exceptions.NoSuchKey:
        return None


def test_upload_empty_file_reports_completion(s3: Any, objects: ObjectService, bucket: str, tmp_path: Path) -> None:
    progress = Recorder()
    objects.upload(bucket, "empty.txt", _write(tmp_path / "empty.txt", b""), progress=progress)
    assert _body(s3, bucket, "empty.txt") == b""
    assert progress.calls == [(0, 0)]


def test_upload_checks_inputs_before_any_call(objects: ObjectService, tmp_path: Path, s3_calls: list[str]) -> None:
    with pytest.raises(LocalFileMissing):
        objects.upload("any-bucket", "k", tmp_path / "missing.txt")
    with pytest.raises(LocalFileMissing):
        objects.upload("any-bucket", "k", tmp_path)  # a folder is not a file
    with pytest.raises(InvalidObjectKey):
        objects.upload("any-bucket", "", _write(tmp_path / "f", b"x"))
    assert s3_calls == []


def test_upload_to_missing_bucket(objects: ObjectService, tmp_path: Path) -> None:
    with pytest.raises(CloudButlerError) as caught:
        objects.upload("no-such-bucket", "k", _write(tmp_path / "f", b"x"))
    assert caught.value.code == "NoSuchBucket"


def test_cancelled_multipart_upload_leaves_nothing(
    s3: Any, objects: ObjectService, bucket: str, tmp_path: Path, s3_calls: list[str]
) -> None:
    source = _write(tmp_path / "big.bin", os.urandom(20 * MB))

    def cancel(done: int, total: int | None) -> None:
        if done > 0:
            raise Cancelled

    with pytest.raises(Cancelled):
        objects.upload(bucket, "big.bin", source, progress=cancel)
    assert "CreateMultipartUpload" in s3_calls
    assert "AbortMultipartUpload" in s3_calls  # boto3 cleans up; nothing for us to abort
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_failed_part_upload_is_aborted(s3: Any, objects: ObjectService, bucket: str, tmp_path: Path) -> None:
    source = _write(tmp_path / "big.bin", os.urandom(12 * MB))
    failures = {"left": 100}  # more than boto3's retries

    def fail_part(**_: Any) -> None:
        if failures["left"] > 0:
            failures["left"] -= 1
            from botocore.exceptions import ClientError

            raise ClientError({"Error": {"Code": "InternalError", "Message": "x"}}, "UploadPart")

    s3.meta.events.register("before-call.s3.UploadPart", fail_part)
    with pytest.raises(CloudButlerError) as caught:
        objects.upload(bucket, "big.bin", source)
    assert caught.value.code == "InternalError"
    assert caught.value.details == {"bucket": bucket, "key": "big.bin"}
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_download(s3: Any, objects: ObjectService, bucket: str, tmp_path: Path) -> None:
    s3.put_object(Bucket=bucket, Key="reports/2024/report.xlsx", Body=b"sheet")
    progress = Recorder()
    result = objects.download(bucket, "reports/2024/report.xlsx", tmp_path, progress=progress)
    assert result.path == tmp_path.resolve() / "report.xlsx"
    assert result.path.read_bytes() == b"sheet"
    assert (result.size, result.replaced) == (5, False)
    assert progress.calls[-1] == (5, 5)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.xlsx"]  # no temporary file left


def test_download_of_a_name_near_the_limit(s3: Any, objects: ObjectService, bucket: str, tmp_path: Path) -> None:
    name = "e" * 251 + ".csv"  # 255 bytes: its temporary file must not be longer than the file system allows
    s3.put_object(Bucket=bucket, Key=f"exports/{name}", Body=b"a,b")
    result = objects.download(bucket, f"exports/{name}", tmp_path)
    assert result.path == tmp_path.resolve() / name and result.path.read_bytes() == b"a,b"
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_download_of_a_name_over_the_limit_is_refused(
    s3: Any, objects: ObjectService, bucket: str, tmp_path: Path
) -> None:
    key = "exports/" + "f" * 300 + ".csv"
    s3.put_object(Bucket=bucket, Key=key, Body=b"a,b")
    with pytest.raises(UnsafePath) as caught:
        objects.download(bucket, key, tmp_path)
    assert caught.value.reason == "name_too_long"
    assert list(tmp_path.iterdir()) == []


def test_download_multipart_sized(s3: Any, objects: ObjectService, bucket: str, tmp_path: Path) -> None:
    data = os.urandom(11 * MB)
    s3.put_object(Bucket=bucket, Key="big.bin", Body=data)
    result = objects.download(bucket, "big.bin", tmp_path / "in", name="copy.bin")
    assert result.path.read_bytes() == data
    assert result.path.name == "copy.bin"


def test_download_refuses_to_overwrite(s3: Any, objects: ObjectService, bucket: str, tmp_path: Path) -> None:
    s3.put_object(Bucket=bucket, Key="report.xlsx", Body=b"remote")
    _write(tmp_path / "report.xlsx", b"local")
    with pytest.raises(LocalFileExists) as caught:
        objects.download(bucket, "report.xlsx", tmp_path)
    assert caught.value.code == "local_file_exists"
    assert caught.value.details["suggestion"] == "report (1).xlsx"
    assert (tmp_path / "report.xlsx").read_bytes() == b"local"
    result = objects.download(bucket, "report.xlsx", tmp_path, overwrite=True)
    assert result.replaced is True
    assert (tmp_path / "report.xlsx").read_bytes() == b"remote"
    objects.download(bucket, "report.xlsx", tmp_path, name=caught.value.details["suggestion"])
    assert (tmp_path / "report (1).xlsx").read_bytes() == b"remote"


def test_download_missing_key_leaves_no_file(objects: ObjectService, bucket: str, tmp_path: Path) -> None:
    with pytest.raises(CloudButlerError) as caught:
        objects.download(bucket, "nothing-here.txt", tmp_path)
    assert caught.value.code == "NoSuchKey"
    assert caught.value.details == {"bucket": bucket, "key": "nothing-here.txt"}
    assert list(tmp_path.iterdir()) == []


def test_download_missing_bucket_says_bucket(objects: ObjectService, tmp_path: Path) -> None:
    with pytest.raises(CloudButlerError) as caught:
        objects.download("no-such-bucket", "k.txt", tmp_path)
    assert caught.value.code == "NoSuchBucket"


def test_download_failing_midway_leaves_no_file(s3: Any, objects: ObjectService, bucket: str, tmp_path: Path) -> None:
    s3.put_object(Bucket=bucket, Key="big.bin", Body=os.urandom(12 * MB))

    def cancel(done: int, total: int | None) -> None:
        if done > 0:
            raise Cancelled

    with pytest.raises(Cancelled):
        objects.download(bucket, "big.bin", tmp_path, progress=cancel)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("key", "name", "reason"),
    [
        ("folder/", None, "empty"),  # a folder marker has no file name
        ("..", None, "parent_reference"),
        ("ok.txt", "../escape.txt", "parent_reference"),
        ("ok.txt", "/etc/passwd", "absolute"),
    ],
)
def test_download_path_escapes(
    objects: ObjectService, tmp_path: Path, s3_calls: list[str], key: str, name: str | None, reason: str
) -> None:
    with pytest.raises(UnsafePath) as caught:
        objects.download("any-bucket", key, tmp_path / "dl", name=name)
    assert caught.value.reason == reason
    assert s3_calls == []


def test_download_through_symlink_outside_is_refused(objects: ObjectService, tmp_path: Path) -> None:
    downloads = tmp_path / "dl"
    downloads.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (downloads / "sub").symlink_to(outside)
    with pytest.raises(UnsafePath):
        objects.download("any-bucket", "x.txt", downloads, name="sub/x.txt")
    assert list(outside.iterdir()) == []


def test_glacier_needs_restore_then_downloads(s3: Any, objects: ObjectService, bucket: str, tmp_path: Path) -> None:
    s3.put_object(Bucket=bucket, Key="old.tar", Body=b"archived", StorageClass="GLACIER")
    info = objects.head(bucket, "old.tar")
    assert (info.storage_class, info.restore, info.needs_restore) == ("GLACIER", "none", True)
    with pytest.raises(NeedsRestore) as caught:
        objects.download(bucket, "old.tar", tmp_path)
    assert caught.value.code == "needs_restore"
    assert caught.value.details == {
        "bucket": bucket,
        "key": "old.tar",
        "storage_class": "GLACIER",
        "restore_in_progress": False,
    }
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(NeedsRestore):
        objects.presigned_url(bucket, "old.tar")

    restored = objects.restore(bucket, "old.tar", days=2, tier="Bulk")
    assert (restored.status, restored.days, restored.tier) == ("started", 2, "Bulk")
    info = objects.head(bucket, "old.tar")
    assert info.restore == "restored"  # moto restores at once
    assert info.restore_expiry is not None
    assert info.restore_expiry.date() == (datetime.now(UTC) + timedelta(days=2)).date()
    assert objects.download(bucket, "old.tar", tmp_path).path.read_bytes() == b"archived"
    assert objects.restore(bucket, "old.tar").status == "already_restored"


def test_deep_archive_needs_restore(s3: Any, objects: ObjectService, bucket: str, tmp_path: Path) -> None:
    s3.put_object(Bucket=bucket, Key="deep.bin", Body=b"x", StorageClass="DEEP_ARCHIVE")
    with pytest.raises(NeedsRestore) as caught:
        objects.download(bucket, "deep.bin", tmp_path)
    assert caught.value.details["storage_class"] == "DEEP_ARCHIVE"
    with pytest.raises(InvalidRequest) as bad_tier:
        objects.restore(bucket, "deep.bin", tier="Expedited")
    assert bad_tier.value.details["field"] == "tier"


def test_glacier_instant_retrieval_needs_no_restore(
    s3: Any, objects: ObjectService, bucket: str, tmp_path: Path
) -> None:
    s3.put_object(Bucket=bucket, Key="ir.bin", Body=b"now", StorageClass="GLACIER_IR")
    assert objects.download(bucket, "ir.bin", tmp_path).path.read_bytes() == b"now"


def test_restore_rejects_bad_input_and_standard_objects(s3: Any, objects: ObjectService, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="hot.txt", Body=b"x")
    with pytest.raises(InvalidRequest):
        objects.restore(bucket, "hot.txt", days=0)
    with pytest.raises(InvalidRequest):
        objects.restore(bucket, "hot.txt", tier="Fast")
    with pytest.raises(NotArchived) as caught:
        objects.restore(bucket, "hot.txt")
    assert caught.value.details["storage_class"] == "STANDARD"


def test_presigned_url_downloads_the_bytes(s3: Any, objects: ObjectService, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="share/me.txt", Body=b"shared bytes")
    before = datetime.now(UTC)
    url, expires_at = objects.presigned_url(bucket, "share/me.txt", expires=600)
    assert before + timedelta(seconds=599) <= expires_at <= datetime.now(UTC) + timedelta(seconds=601)
    response = requests.get(url, timeout=10)
    assert response.status_code == 200
    assert response.content == b"shared bytes"


def test_presigned_url_checks_key_and_expiry(objects: ObjectService, bucket: str) -> None:
    with pytest.raises(CloudButlerError) as caught:
        objects.presigned_url(bucket, "missing.txt")
    assert caught.value.code == "NoSuchKey"
    with pytest.raises(InvalidRequest):
        objects.presigned_url(bucket, "missing.txt", expires=8 * 24 * 3600)


def test_head(s3: Any, objects: ObjectService, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="h.json", Body=b"{}", ContentType="application/json", Metadata={"a": "b"})
    info = objects.head(bucket, "h.json")
    assert (info.size, info.storage_class, info.content_type, dict(info.metadata)) == (
        2,
        "STANDARD",
        "application/json",
        {"a": "b"},
    )
    assert info.etag == "99914b932bd37a50b983c5e7c90ae93b"  # MD5 of "{}"
    assert not info.is_multipart
    assert not info.needs_restore


def test_delete_object_plain(s3: Any, objects: ObjectService, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="gone.txt", Body=b"x")
    result = objects.delete_object(bucket, "gone.txt")
    assert (result.delete_marker, result.version_id) == (False, None)
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0
    with pytest.raises(CloudButlerError) as caught:
        objects.delete_object(bucket, "gone.txt")
    assert caught.value.code == "NoSuchKey"


def test_delete_object_versioned_adds_marker(s3: Any, objects: ObjectService, versioned_bucket: str) -> None:
    s3.put_object(Bucket=versioned_bucket, Key="kept.txt", Body=b"x")
    result = objects.delete_object(versioned_bucket, "kept.txt")
    assert result.delete_marker is True
    assert result.version_id
    versions = s3.list_object_versions(Bucket=versioned_bucket)
    assert [v["Key"] for v in versions["Versions"]] == ["kept.txt"]
    assert [m["VersionId"] for m in versions["DeleteMarkers"]] == [result.version_id]
