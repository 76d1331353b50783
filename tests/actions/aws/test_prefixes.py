"""Counting and deleting everything under a prefix, against moto: paginated counts, 1,000-key batches, delete
markers in versioned buckets, partial failures, a stop between batches - and the bucket is never touched."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.awsrequest import AWSResponse

from actions.aws.errors import CloudButlerError, Stopped
from actions.aws.prefixes import PrefixService


def _keys(s3: Any, bucket: str) -> list[str]:
    return sorted(o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
                  for o in page.get("Contents", []))


def _fill(s3: Any, bucket: str, count: int, prefix: str = "logs/2023/") -> None:
    for i in range(count):
        s3.put_object(Bucket=bucket, Key=f"{prefix}{i:04d}.log", Body=b"x" * (i + 1))


def test_inspect_counts_objects_and_bytes_across_pages(s3: Any, bucket: str) -> None:
    _fill(s3, bucket, 7)
    s3.put_object(Bucket=bucket, Key="logs/2024/keep.log", Body=b"keep")
    s3.put_object(Bucket=bucket, Key="logs/2023-summary.txt", Body=b"not under the folder")
    facts = PrefixService(s3, page_size=3).inspect(bucket, "logs/2023/")
    assert (facts.objects, facts.bytes, facts.exact, facts.versioned) == (7, 28, True, False)
    assert (facts.old_versions, facts.delete_markers) == (0, 0)


def test_inspect_stops_counting_at_the_limit(s3: Any, bucket: str) -> None:
    _fill(s3, bucket, 7)
    facts = PrefixService(s3, page_size=2).inspect(bucket, "logs/2023/", limit=4)
    assert (facts.objects, facts.exact) == (4, False)


def test_inspect_an_empty_prefix_and_a_missing_bucket(s3: Any, bucket: str) -> None:
    facts = PrefixService(s3).inspect(bucket, "nothing/")
    assert (facts.objects, facts.bytes, facts.exact) == (0, 0, True)
    with pytest.raises(CloudButlerError) as caught:
        PrefixService(s3).inspect("no-such-bucket-here", "logs/")
    assert caught.value.code == "NoSuchBucket"


def test_inspect_versioned_counts_older_versions_and_markers_under_the_prefix(s3: Any, versioned_bucket: str) -> None:
    s3.put_object(Bucket=versioned_bucket, Key="logs/a.log", Body=b"one")
    s3.put_object(Bucket=versioned_bucket, Key="logs/a.log", Body=b"two")
    s3.put_object(Bucket=versioned_bucket, Key="logs/b.log", Body=b"b")
    s3.delete_object(Bucket=versioned_bucket, Key="logs/b.log")
    s3.put_object(Bucket=versioned_bucket, Key="other/c.log", Body=b"c")
    s3.put_object(Bucket=versioned_bucket, Key="other/c.log", Body=b"cc")
    facts = PrefixService(s3).inspect(versioned_bucket, "logs/")
    assert (facts.objects, facts.bytes, facts.versioning) == (1, 3, "Enabled")
    assert (facts.old_versions, facts.delete_markers) == (2, 1)  # a.log "one" and b.log; b.log's marker


def test_delete_removes_only_what_is_under_the_prefix_in_batches(s3: Any, bucket: str, s3_calls: list[str]) -> None:
    _fill(s3, bucket, 7)
    s3.put_object(Bucket=bucket, Key="logs/2024/keep.log", Body=b"keep")
    s3.put_object(Bucket=bucket, Key="logs/2023-summary.txt", Body=b"keep")
    reports: list[tuple[int, int | None]] = []
    s3_calls.clear()
    result = PrefixService(s3, page_size=3).delete(bucket, "logs/2023/", progress=lambda d, t: reports.append((d, t)),
                                                   total=7)
    assert (result.deleted, result.failed, result.complete, result.stopped) == (7, 0, True, False)
    assert _keys(s3, bucket) == ["logs/2023-summary.txt", "logs/2024/keep.log"]
    assert s3_calls.count("DeleteObjects") == 3  # 3 + 3 + 1 keys
    assert "DeleteBucket" not in s3_calls
    assert reports == [(3, 7), (6, 7), (7, 7)]
    assert bucket in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_delete_sends_at_most_1000_keys_a_call(s3: Any, bucket: str) -> None:
    sizes: list[int] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        sizes.append(len(params["Delete"]["Objects"]))

    s3.meta.events.register("before-parameter-build.s3.DeleteObjects", record)
    _fill(s3, bucket, 3)
    PrefixService(s3, page_size=5000).delete(bucket, "logs/2023/")
    assert sizes == [3]
    assert max(sizes) <= 1000


def test_delete_in_a_versioned_bucket_adds_markers_and_keeps_versions(s3: Any, versioned_bucket: str) -> None:
    _fill(s3, versioned_bucket, 3)
    result = PrefixService(s3).delete(versioned_bucket, "logs/2023/")
    assert result.deleted == 3
    assert _keys(s3, versioned_bucket) == []
    versions = s3.list_object_versions(Bucket=versioned_bucket)
    assert len(versions["Versions"]) == 3 and len(versions["DeleteMarkers"]) == 3


def test_delete_reports_partial_failures(s3: Any, bucket: str) -> None:
    _fill(s3, bucket, 4)

    def refuse_one(http_response: Any, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        # S3 answers 200 with per-key errors; make the first key of each call one of them (and keep it).
        if model.name == "DeleteObjects":
            parsed.setdefault("Errors", []).append({"Key": "logs/2023/0000.log", "Code": "AccessDenied"})

    def keep_first(params: dict[str, Any], **_: Any) -> None:
        params["Delete"]["Objects"] = [o for o in params["Delete"]["Objects"] if o["Key"] != "logs/2023/0000.log"]

    s3.meta.events.register("before-parameter-build.s3.DeleteObjects", keep_first)
    s3.meta.events.register("after-call.s3.DeleteObjects", refuse_one)
    result = PrefixService(s3, page_size=10).delete(bucket, "logs/2023/")
    assert (result.deleted, result.failed, result.complete) == (3, 1, False)
    assert [(e.key, e.code) for e in result.errors] == [("logs/2023/0000.log", "AccessDenied")]
    assert _keys(s3, bucket) == ["logs/2023/0000.log"]


def test_a_stop_between_batches_ends_it_and_says_how_many_went(s3: Any, bucket: str) -> None:
    _fill(s3, bucket, 7)

    def stop_after_first(done: int, total: int | None) -> None:
        raise Stopped

    result = PrefixService(s3, page_size=3).delete(bucket, "logs/2023/", progress=stop_after_first)
    assert (result.deleted, result.stopped, result.complete) == (3, True, False)
    assert len(_keys(s3, bucket)) == 4


def test_delete_refuses_an_empty_prefix(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="a", Body=b"a")
    with pytest.raises(ValueError):
        PrefixService(s3).delete(bucket, "")
    assert _keys(s3, bucket) == ["a"]


def test_a_refused_listing_is_our_error(s3: Any, bucket: str) -> None:
    def answer(**_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        return AWSResponse("https://s3.test/", 403, {}, None), {"Error": {"Code": "AccessDenied", "Message": "no"}}

    s3.meta.events.register("before-call.s3.ListObjectsV2", answer)
    with pytest.raises(CloudButlerError) as caught:
        PrefixService(s3).delete(bucket, "logs/")
    assert caught.value.code == "AccessDenied"
