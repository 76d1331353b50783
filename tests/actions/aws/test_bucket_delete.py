"""Inspect, empty and delete buckets, including versions and delete markers."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from actions.aws.buckets import BucketService
from actions.aws.errors import CloudButlerError


def _fill_versioned(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="a.txt", Body=b"one")
    s3.put_object(Bucket=bucket, Key="a.txt", Body=b"two")  # a.txt: 2 versions
    s3.put_object(Bucket=bucket, Key="dir/b.txt", Body=b"b")
    s3.delete_object(Bucket=bucket, Key="dir/b.txt")  # b.txt: 1 noncurrent version + 1 delete marker
    s3.put_object(Bucket=bucket, Key="c.txt", Body=b"c")


def test_inspect_missing_bucket(buckets: BucketService) -> None:
    facts = buckets.inspect_bucket("no-such-bucket")
    assert facts.exists is False
    assert facts.is_empty


def test_inspect_plain_bucket(s3: Any, buckets: BucketService, bucket: str) -> None:
    for i in range(3):
        s3.put_object(Bucket=bucket, Key=f"k{i}", Body=b"x")
    facts = buckets.inspect_bucket(bucket)
    assert facts.exists
    assert (facts.region, facts.versioning, facts.object_count, facts.object_count_exact) == (
        "us-east-1",
        "Disabled",
        3,
        True,
    )
    assert not facts.has_versions
    assert not facts.is_empty


def test_inspect_versioned_bucket(s3: Any, buckets: BucketService, versioned_bucket: str) -> None:
    _fill_versioned(s3, versioned_bucket)
    facts = buckets.inspect_bucket(versioned_bucket)
    assert facts.versioning == "Enabled"
    assert facts.object_count == 2  # a.txt and c.txt are current
    assert facts.old_versions == 2  # a.txt "one" and dir/b.txt
    assert facts.delete_markers == 1
    assert facts.has_versions
    assert facts.versions_exact


def test_inspect_suspended_versioning_still_counts_versions(
    s3: Any, buckets: BucketService, versioned_bucket: str
) -> None:
    _fill_versioned(s3, versioned_bucket)
    s3.put_bucket_versioning(Bucket=versioned_bucket, VersioningConfiguration={"Status": "Suspended"})
    facts = buckets.inspect_bucket(versioned_bucket)
    assert facts.versioning == "Suspended"
    assert (facts.old_versions, facts.delete_markers) == (2, 1)


def test_inspect_stops_counting_at_the_limit(s3: Any, buckets: BucketService, versioned_bucket: str) -> None:
    for i in range(7):
        s3.put_object(Bucket=versioned_bucket, Key=f"k{i}", Body=b"1")
        s3.put_object(Bucket=versioned_bucket, Key=f"k{i}", Body=b"2")
    buckets.page_size = 2
    facts = buckets.inspect_bucket(versioned_bucket, limit=3)
    assert facts.object_count == 4  # two pages of two, then it stopped
    assert facts.object_count_exact is False
    assert facts.versions_exact is False
    assert 3 <= facts.old_versions < 7
    exact = buckets.inspect_bucket(versioned_bucket, limit=100)
    assert (exact.object_count, exact.object_count_exact, exact.old_versions, exact.versions_exact) == (
        7,
        True,
        7,
        True,
    )


def test_delete_non_empty_bucket_is_refused(s3: Any, buckets: BucketService, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    with pytest.raises(CloudButlerError) as caught:
        buckets.delete_bucket(bucket)
    assert caught.value.code == "BucketNotEmpty"
    assert caught.value.details == {"bucket": bucket}
    assert buckets.inspect_bucket(bucket).exists


def test_delete_missing_bucket(buckets: BucketService) -> None:
    with pytest.raises(CloudButlerError) as caught:
        buckets.delete_bucket("no-such-bucket")
    assert caught.value.code == "NoSuchBucket"


def test_empty_then_delete_versioned_bucket(s3: Any, buckets: BucketService, versioned_bucket: str) -> None:
    _fill_versioned(s3, versioned_bucket)
    with pytest.raises(CloudButlerError) as caught:
        buckets.delete_bucket(versioned_bucket)  # only versions and a marker left would still block it
    assert caught.value.code == "BucketNotEmpty"
    seen: list[tuple[int, int | None]] = []
    result = buckets.empty_bucket(versioned_bucket, progress=lambda done, total: seen.append((done, total)))
    assert (result.deleted_versions, result.deleted_markers, result.failed, result.errors) == (4, 1, 0, ())
    assert result.complete
    assert seen[-1] == (5, None)
    listing = s3.list_object_versions(Bucket=versioned_bucket)
    assert listing.get("Versions", []) == []
    assert listing.get("DeleteMarkers", []) == []
    buckets.delete_bucket(versioned_bucket)
    assert buckets.inspect_bucket(versioned_bucket).exists is False


def test_empty_across_many_pages(s3: Any, buckets: BucketService, versioned_bucket: str) -> None:
    for i in range(9):
        s3.put_object(Bucket=versioned_bucket, Key=f"k{i:02}", Body=b"1")
        s3.put_object(Bucket=versioned_bucket, Key=f"k{i:02}", Body=b"2")
        s3.delete_object(Bucket=versioned_bucket, Key=f"k{i:02}")
    buckets.page_size = 4  # 27 entries -> several pages, deleted while paging
    result = buckets.empty_bucket(versioned_bucket)
    assert (result.deleted_versions, result.deleted_markers) == (18, 9)
    assert s3.list_object_versions(Bucket=versioned_bucket).get("Versions", []) == []
    assert s3.list_object_versions(Bucket=versioned_bucket).get("DeleteMarkers", []) == []


def test_empty_plain_bucket(s3: Any, buckets: BucketService, bucket: str) -> None:
    for i in range(5):
        s3.put_object(Bucket=bucket, Key=f"p/{i}", Body=b"x")
    buckets.page_size = 2
    result = buckets.empty_bucket(bucket)
    assert (result.deleted_versions, result.deleted_markers, result.failed) == (5, 0, 0)
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0
    buckets.delete_bucket(bucket)


def test_empty_reports_errors_inside_delete_objects(s3: Any, buckets: BucketService) -> None:
    s3.create_bucket(Bucket="locked-bucket", ObjectLockEnabledForBucket=True)
    s3.put_object(Bucket="locked-bucket", Key="held.txt", Body=b"keep", ObjectLockLegalHoldStatus="ON")
    s3.put_object(Bucket="locked-bucket", Key="free.txt", Body=b"go")
    result = buckets.empty_bucket("locked-bucket")
    assert result.deleted_versions == 1
    assert result.failed == 1
    assert not result.complete
    assert [(e.key, e.code) for e in result.errors] == [("held.txt", "AccessDenied")]
    remaining = [v["Key"] for v in s3.list_object_versions(Bucket="locked-bucket").get("Versions", [])]
    assert remaining == ["held.txt"]


def test_empty_missing_bucket(buckets: BucketService) -> None:
    with pytest.raises(CloudButlerError) as caught:
        buckets.empty_bucket("no-such-bucket")
    assert caught.value.code == "NoSuchBucket"


def test_empty_stops_when_the_store_ignores_deletes(s3: Any, buckets: BucketService, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="stuck.txt", Body=b"x")

    def swallow(**_: Any) -> tuple[Any, dict[str, Any]]:
        return SimpleNamespace(status_code=200, headers={}), {"Errors": []}  # "success", nothing deleted

    s3.meta.events.register("before-call.s3.DeleteObjects", swallow)
    buckets.empty_bucket(bucket)  # must return instead of listing and "deleting" the same key forever
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 1
