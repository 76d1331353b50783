"""Folder -> bucket sync: first run uploads all, second nothing, a change uploads one, dry runs mutate nothing."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from actions.aws.errors import CloudButlerError
from actions.aws.objects import LocalFileMissing
from actions.aws.s3 import MB
from actions.aws.sync import MD5_METADATA, SyncService, file_md5, normalize_prefix

READ_ONLY = {"ListObjectsV2", "HeadObject", "HeadBucket"}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    (root / "css").mkdir(parents=True)
    (root / "index.html").write_bytes(b"<h1>hi</h1>")
    (root / "css" / "main.css").write_bytes(b"body{}")
    (root / "empty.txt").write_bytes(b"")
    return root


def _keys(s3: Any, bucket: str) -> dict[str, int]:
    return {o["Key"]: o["Size"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])}


def test_first_run_uploads_all_second_nothing(
    s3: Any, syncer: SyncService, bucket: str, folder: Path, s3_calls: list[str]
) -> None:
    first = syncer.sync(folder, bucket, "web")
    assert first.completed and first.failures == ()
    assert (first.plan.count("new"), first.plan.count("changed"), first.plan.count("unchanged")) == (3, 0, 0)
    assert (first.uploaded, first.uploaded_bytes) == (3, 17)
    assert first.plan.prefix == "web/"
    assert _keys(s3, bucket) == {"web/index.html": 11, "web/css/main.css": 6, "web/empty.txt": 0}
    meta = s3.head_object(Bucket=bucket, Key="web/index.html")["Metadata"]
    assert meta == {MD5_METADATA: file_md5(folder / "index.html")}

    s3_calls.clear()
    second = syncer.sync(folder, bucket, "web")
    assert (second.uploaded, second.plan.count("unchanged"), second.plan.bytes("unchanged")) == (0, 3, 17)
    assert set(s3_calls) <= READ_ONLY
    assert "PutObject" not in s3_calls


def test_changing_one_file_uploads_one(s3: Any, syncer: SyncService, bucket: str, folder: Path) -> None:
    syncer.sync(folder, bucket)
    (folder / "css" / "main.css").write_bytes(b"body{color:red}")  # size changes
    (folder / "index.html").write_bytes(b"<h1>ho</h1>")  # same size, different content
    (folder / "new.txt").write_bytes(b"n")
    result = syncer.sync(folder, bucket)
    changed = {item.relative for item in result.plan.with_status("changed")}
    assert changed == {"css/main.css", "index.html"}
    assert [item.relative for item in result.plan.with_status("new")] == ["new.txt"]
    assert result.uploaded == 3
    assert result.plan.count("unchanged") == 1
    assert s3.get_object(Bucket=bucket, Key="index.html")["Body"].read() == b"<h1>ho</h1>"
    third = syncer.sync(folder, bucket)
    assert third.uploaded == 0


def test_dry_run_changes_nothing(
    s3: Any, syncer: SyncService, bucket: str, folder: Path, s3_calls: list[str]
) -> None:
    result = syncer.sync(folder, bucket, dry_run=True)
    assert result.dry_run
    assert (result.uploaded, result.plan.count("new"), result.plan.upload_bytes) == (0, 3, 17)
    assert set(s3_calls) <= READ_ONLY
    assert _keys(s3, bucket) == {}
    syncer.sync(folder, bucket)
    (folder / "index.html").write_bytes(b"changed!!!!")
    s3_calls.clear()
    again = syncer.sync(folder, bucket, dry_run=True)
    assert [i.relative for i in again.plan.to_upload] == ["index.html"]
    assert set(s3_calls) <= READ_ONLY
    assert s3.get_object(Bucket=bucket, Key="index.html")["Body"].read() == b"<h1>hi</h1>"


def test_multipart_files_compare_by_stored_checksum(
    s3: Any, syncer: SyncService, bucket: str, tmp_path: Path, s3_calls: list[str]
) -> None:
    root = tmp_path / "big"
    root.mkdir()
    data = os.urandom(11 * MB)
    (root / "video.bin").write_bytes(data)
    progress: list[tuple[int, int | None]] = []
    first = syncer.sync(root, bucket, progress=lambda d, t: progress.append((d, t)))
    assert first.uploaded == 1
    assert progress[-1] == (len(data), len(data))
    assert "-" in s3.head_object(Bucket=bucket, Key="video.bin")["ETag"]  # multipart: ETag is not the MD5
    s3_calls.clear()
    assert syncer.sync(root, bucket).uploaded == 0
    assert "HeadObject" in s3_calls  # the stored checksum was consulted
    flipped = bytearray(data)
    flipped[5] ^= 0xFF
    (root / "video.bin").write_bytes(bytes(flipped))
    assert syncer.sync(root, bucket).plan.count("changed") == 1


def test_foreign_multipart_object_without_checksum_counts_as_changed(
    s3: Any, syncer: SyncService, bucket: str, tmp_path: Path
) -> None:
    root = tmp_path / "f"
    root.mkdir()
    data = os.urandom(6 * MB)
    (root / "x.bin").write_bytes(data)
    # Uploaded by another tool (no cb-md5): same bytes, but nothing proves it; sync re-uploads once.
    syncer.objects.upload(bucket, "x.bin", root / "x.bin")
    assert syncer.sync(root, bucket).plan.count("changed") == 1
    assert syncer.sync(root, bucket).plan.count("unchanged") == 1


def test_symlinks_never_lead_outside(
    s3: Any, syncer: SyncService, bucket: str, tmp_path: Path, folder: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"password")
    outside_dir = tmp_path / "elsewhere"
    outside_dir.mkdir()
    (outside_dir / "leak.txt").write_bytes(b"leak")
    (folder / "link-out.txt").symlink_to(secret)
    (folder / "dir-out").symlink_to(outside_dir)
    (folder / "dir-in").symlink_to(folder / "css")
    (folder / "alias.html").symlink_to(folder / "index.html")
    result = syncer.sync(folder, bucket)
    skipped = {(s.relative, s.reason) for s in result.plan.skipped}
    assert skipped == {
        ("link-out.txt", "symlink_outside"),
        ("dir-out", "symlink_folder"),
        ("dir-in", "symlink_folder"),
    }
    keys = _keys(s3, bucket)
    assert "link-out.txt" not in keys
    assert not any(k.startswith("dir-") for k in keys)
    assert s3.get_object(Bucket=bucket, Key="alias.html")["Body"].read() == b"<h1>hi</h1>"
    for key in keys:
        assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() not in (b"password", b"leak")


def test_remote_only_objects_are_counted_and_kept(s3: Any, syncer: SyncService, bucket: str, folder: Path) -> None:
    s3.put_object(Bucket=bucket, Key="site/old.html", Body=b"old")
    s3.put_object(Bucket=bucket, Key="elsewhere.txt", Body=b"not under the prefix")
    result = syncer.sync(folder, bucket, "/site/")
    assert result.plan.remote_only == 1
    assert "site/old.html" in _keys(s3, bucket)


def test_missing_folder_and_bucket(syncer: SyncService, bucket: str, tmp_path: Path, folder: Path) -> None:
    with pytest.raises(LocalFileMissing):
        syncer.sync(tmp_path / "nope", bucket)
    with pytest.raises(CloudButlerError) as caught:
        syncer.sync(folder, "no-such-bucket")
    assert caught.value.code == "NoSuchBucket"


def test_fatal_upload_error_stops_the_run(s3: Any, syncer: SyncService, bucket: str, folder: Path) -> None:
    plan = syncer.plan_sync(folder, bucket)
    s3.delete_bucket(Bucket=bucket)
    result = syncer.apply_sync(plan)
    assert result.completed is False
    assert result.uploaded == 0
    assert [f.code for f in result.failures] == ["NoSuchBucket"]


def test_plan_then_apply_uploads_the_planned_files(s3: Any, syncer: SyncService, bucket: str, folder: Path) -> None:
    plan = syncer.plan_sync(folder, bucket)
    assert _keys(s3, bucket) == {}
    (folder / "index.html").write_bytes(b"edited after planning")
    result = syncer.apply_sync(plan)
    assert result.uploaded == 3
    head = s3.head_object(Bucket=bucket, Key="index.html")
    # The checksum stored is that of the bytes uploaded, not the stale planned one.
    assert head["Metadata"][MD5_METADATA] == file_md5(folder / "index.html")
    assert syncer.sync(folder, bucket).uploaded == 0


@pytest.mark.parametrize(
    ("raw", "clean"), [("", ""), ("/", ""), ("backup", "backup/"), ("/a/b/", "a/b/"), (" x ", "x/")]
)
def test_normalize_prefix(raw: str, clean: str) -> None:
    assert normalize_prefix(raw) == clean


def test_special_files_and_odd_names(s3: Any, syncer: SyncService, bucket: str, folder: Path) -> None:
    os.mkfifo(folder / "pipe")
    (folder / "~$report.docx").write_bytes(b"lock")
    result = syncer.sync(folder, bucket)
    assert {(s.relative, s.reason) for s in result.plan.skipped} == {("pipe", "not_a_file")}
    assert _keys(s3, bucket)["~$report.docx"] == 4
