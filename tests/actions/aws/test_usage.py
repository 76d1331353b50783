"""Browsing pages, the constant-memory summary and bucket usage (CloudWatch or listing)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from actions.aws.errors import CloudButlerError
from actions.aws.usage import ClassUsage, UsageService
from tests.fakes.moto_s3 import set_last_modified

# key, size, storage class, last modified
CONSTRUCTED = [
    ("a.bin", 100, "STANDARD", datetime(2020, 1, 1, tzinfo=UTC)),
    ("b.bin", 300, "STANDARD_IA", datetime(2021, 1, 1, tzinfo=UTC)),
    ("c.bin", 200, "GLACIER", datetime(2022, 1, 1, tzinfo=UTC)),
    ("d.bin", 50, "STANDARD", datetime(2023, 6, 1, tzinfo=UTC)),
    ("logs/e.txt", 10, "STANDARD", datetime(2024, 1, 1, tzinfo=UTC)),
]


@pytest.fixture
def constructed(s3: Any, bucket: str) -> str:
    for key, size, klass, when in CONSTRUCTED:
        s3.put_object(Bucket=bucket, Key=key, Body=b"x" * size, StorageClass=klass)
        set_last_modified(bucket, key, when)
    return bucket


def test_summary_figures_are_exact(usage_service: UsageService, constructed: str) -> None:
    usage_service.page_size = 2  # three pages
    seen: list[tuple[int, int | None]] = []
    summary = usage_service.summarize_objects(constructed, top=2, progress=lambda d, t: seen.append((d, t)))
    assert (summary.object_count, summary.total_bytes) == (5, 660)
    assert summary.by_class == (
        ClassUsage("STANDARD_IA", 300, 1),
        ClassUsage("GLACIER", 200, 1),
        ClassUsage("STANDARD", 160, 3),
    )
    assert [(e.key, e.size) for e in summary.largest] == [("b.bin", 300), ("c.bin", 200)]
    assert [e.key for e in summary.newest] == ["logs/e.txt", "d.bin"]
    assert summary.newest[0].last_modified == datetime(2024, 1, 1, tzinfo=UTC)
    assert summary.oldest_modified == datetime(2020, 1, 1, tzinfo=UTC)
    assert summary.newest_modified == datetime(2024, 1, 1, tzinfo=UTC)
    assert seen == [(2, None), (4, None), (5, None)]


def test_summary_of_a_prefix(usage_service: UsageService, constructed: str) -> None:
    summary = usage_service.summarize_objects(constructed, prefix="logs/")
    assert (summary.object_count, summary.total_bytes, summary.prefix) == (1, 10, "logs/")
    assert [e.key for e in summary.largest] == ["logs/e.txt"]


def test_summary_of_an_empty_bucket(usage_service: UsageService, bucket: str) -> None:
    summary = usage_service.summarize_objects(bucket)
    assert (summary.object_count, summary.total_bytes, summary.by_class, summary.largest) == (0, 0, (), ())
    assert summary.oldest_modified is None


def test_summary_missing_bucket(usage_service: UsageService) -> None:
    with pytest.raises(CloudButlerError) as caught:
        usage_service.summarize_objects("no-such-bucket")
    assert caught.value.code == "NoSuchBucket"


def test_list_objects_pages_and_folders(s3: Any, usage_service: UsageService, bucket: str) -> None:
    for key in ("a.txt", "b.txt", "docs/x.md", "docs/y.md", "img/z.png"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"12")
    page = usage_service.list_objects(bucket)
    assert [o.key for o in page.objects] == ["a.txt", "b.txt"]
    assert page.folders == ("docs/", "img/")
    assert page.next_token is None
    assert page.objects[0].size == 2
    inside = usage_service.list_objects(bucket, prefix="docs/")
    assert [o.key for o in inside.objects] == ["docs/x.md", "docs/y.md"]
    first = usage_service.list_objects(bucket, prefix="docs/", limit=1)
    assert [o.key for o in first.objects] == ["docs/x.md"]
    assert first.next_token
    second = usage_service.list_objects(bucket, prefix="docs/", limit=1, token=first.next_token)
    assert [o.key for o in second.objects] == ["docs/y.md"]
    assert second.next_token is None


def _put_size(cloudwatch: Any, bucket: str, storage_type: str, value: float, when: datetime) -> None:
    metric = "NumberOfObjects" if storage_type == "AllStorageTypes" else "BucketSizeBytes"
    cloudwatch.put_metric_data(
        Namespace="AWS/S3",
        MetricData=[
            {
                "MetricName": metric,
                "Dimensions": [
                    {"Name": "BucketName", "Value": bucket},
                    {"Name": "StorageType", "Value": storage_type},
                ],
                "Timestamp": when,
                "Value": value,
                "Unit": "Count" if metric == "NumberOfObjects" else "Bytes",
            }
        ],
    )


def _midnight(days_ago: int) -> datetime:
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - timedelta(days=days_ago)


def big(service: UsageService) -> UsageService:
    """The service with two-object pages: with ``list_limit=2`` the five constructed objects are a big bucket."""
    service.page_size = 2
    return service


def test_usage_from_cloudwatch(cloudwatch: Any, usage_service: UsageService, constructed: str) -> None:
    yesterday, before = _midnight(1), _midnight(2)
    for kind, value in (("StandardStorage", 900), ("GlacierStorage", 90), ("StandardIAStorage", 9)):
        _put_size(cloudwatch, constructed, kind, value, before)  # older figures: must be ignored
    for kind, value in (
        ("StandardStorage", 1000),
        ("StandardIAStorage", 2000),
        ("GlacierStorage", 5000),
        ("GlacierObjectOverhead", 64),
        ("IntelligentTieringFAStorage", 700),
    ):
        _put_size(cloudwatch, constructed, kind, value, yesterday)
    _put_size(cloudwatch, constructed, "AllStorageTypes", 42, yesterday)
    _put_size(cloudwatch, "other-bucket", "StandardStorage", 123456, yesterday)
    usage = big(usage_service).usage(constructed, cloudwatch, list_limit=2)
    assert usage.source == "cloudwatch"
    assert usage.fallback_reason is None
    assert usage.as_of == yesterday
    assert usage.total_bytes == 8764
    assert usage.object_count == 42
    assert usage.by_class == (
        ClassUsage("GLACIER", 5064, None),
        ClassUsage("STANDARD_IA", 2000, None),
        ClassUsage("STANDARD", 1000, None),
        ClassUsage("INTELLIGENT_TIERING", 700, None),
    )


def test_usage_without_object_count_metric(cloudwatch: Any, usage_service: UsageService, constructed: str) -> None:
    _put_size(cloudwatch, constructed, "StandardStorage", 1000, _midnight(1))
    usage = big(usage_service).usage(constructed, cloudwatch, list_limit=2)
    assert (usage.source, usage.total_bytes, usage.object_count) == ("cloudwatch", 1000, None)


def test_a_small_bucket_is_counted_per_class_even_with_metrics(
    cloudwatch: Any, usage_service: UsageService, constructed: str
) -> None:
    _put_size(cloudwatch, constructed, "StandardStorage", 1000, _midnight(1))
    usage = usage_service.usage(constructed, cloudwatch)
    assert (usage.source, usage.total_bytes, usage.object_count, usage.versions) == ("listing", 660, 5, None)
    assert usage.by_class == (
        ClassUsage("STANDARD_IA", 300, 1),
        ClassUsage("GLACIER", 200, 1),
        ClassUsage("STANDARD", 160, 3),
    )


def test_a_big_bucket_without_metrics_is_listed_in_full(
    cloudwatch: Any, usage_service: UsageService, constructed: str
) -> None:
    seen: list[tuple[int, int | None]] = []
    usage = big(usage_service).usage(constructed, cloudwatch, progress=lambda d, t: seen.append((d, t)), list_limit=2)
    assert (usage.source, usage.fallback_reason) == ("listing", "no_metrics")
    assert (usage.total_bytes, usage.object_count) == (660, 5)
    assert usage.by_class == (
        ClassUsage("STANDARD_IA", 300, 1),
        ClassUsage("GLACIER", 200, 1),
        ClassUsage("STANDARD", 160, 3),
    )
    assert seen[-1] == (5, None)


def test_usage_ignores_stale_metrics(cloudwatch: Any, usage_service: UsageService, constructed: str) -> None:
    _put_size(cloudwatch, constructed, "StandardStorage", 999999, _midnight(10))
    usage = big(usage_service).usage(constructed, cloudwatch, list_limit=2)
    assert (usage.source, usage.fallback_reason, usage.total_bytes) == ("listing", "no_metrics", 660)


def test_usage_falls_back_when_cloudwatch_is_denied(cloudwatch: Any, usage_service: UsageService, constructed: str) -> None:
    from botocore.exceptions import ClientError

    def deny(**_: Any) -> None:
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "x"}}, "ListMetrics")

    cloudwatch.meta.events.register("before-call.cloudwatch.ListMetrics", deny)
    usage = big(usage_service).usage(constructed, cloudwatch, list_limit=2)
    assert (usage.source, usage.fallback_reason, usage.object_count) == ("listing", "AccessDenied", 5)


def test_usage_of_missing_bucket(cloudwatch: Any, usage_service: UsageService) -> None:
    with pytest.raises(CloudButlerError) as caught:
        usage_service.usage("no-such-bucket", cloudwatch)
    assert caught.value.code == "NoSuchBucket"


def test_versions_and_delete_markers_are_counted_apart(
    s3: Any, cloudwatch: Any, usage_service: UsageService, versioned_bucket: str
) -> None:
    s3.put_object(Bucket=versioned_bucket, Key="a.txt", Body=b"one")
    s3.put_object(Bucket=versioned_bucket, Key="a.txt", Body=b"two!")  # a.txt: "one" is an older version
    s3.put_object(Bucket=versioned_bucket, Key="b.txt", Body=b"bb")
    s3.delete_object(Bucket=versioned_bucket, Key="b.txt")  # b.txt: an older version behind a delete marker
    usage = usage_service.usage(versioned_bucket, cloudwatch)
    assert (usage.object_count, usage.total_bytes) == (1, 4)  # only a.txt is current
    assert usage.versions is not None
    assert (usage.versions.status, usage.versions.old_versions, usage.versions.old_bytes,
            usage.versions.delete_markers, usage.versions.exact) == ("Enabled", 2, 5, 1, True)


def test_version_counts_stop_at_the_limit(s3: Any, cloudwatch: Any, usage_service: UsageService,
                                         versioned_bucket: str) -> None:
    for body in (b"1", b"2", b"3", b"4", b"5"):
        s3.put_object(Bucket=versioned_bucket, Key="a.txt", Body=body)
    usage = big(usage_service).usage(versioned_bucket, cloudwatch, list_limit=2)
    assert usage.versions is not None and usage.versions.exact is False and usage.versions.old_versions >= 2
