"""The demo catalogue: deterministic, within its size budget, and covering what the skills need to show."""
from __future__ import annotations

import datetime as dt
import random

import pytest

from sandbox.demo_data import INSTANCES, MB, DemoBucket, DemoObject, DemoVersion, content, demo_buckets

NOW = dt.datetime(2026, 11, 22, 9, 30, tzinfo=dt.UTC)


def test_same_seed_same_account() -> None:
    assert demo_buckets(NOW, 42) == demo_buckets(NOW, 42)
    assert demo_buckets(NOW, 42) != demo_buckets(NOW, 7)


def test_budget_and_spread() -> None:
    buckets = demo_buckets(NOW, 42)
    versions = [(o, v) for b in buckets for o in b.objects for v in o.versions]
    total = sum(v.size for _, v in versions)
    assert 20 * MB < total < 60 * MB
    ages = [v.age_days for _, v in versions]
    assert min(ages) < 1 and 690 < max(ages) < 760
    assert {o.storage_class for o, _ in versions} == {
        "STANDARD", "STANDARD_IA", "GLACIER", "DEEP_ARCHIVE", "INTELLIGENT_TIERING",
    }
    keys = [f"{b.name}/{o.key}" for b in buckets for o in b.objects]
    assert len(keys) == len(set(keys))


def test_keys_are_unique_whatever_the_date() -> None:
    """Keys are named after dates; a collision would silently shrink a bucket on some days of the year."""
    start = dt.datetime(2028, 1, 1, 23, 50, tzinfo=dt.UTC)
    for offset in range(366):
        buckets = demo_buckets(start + dt.timedelta(days=offset), 42)
        for bucket in buckets:
            keys = [o.key for o in bucket.objects]
            assert len(keys) == len(set(keys)), (bucket.name, start + dt.timedelta(days=offset))
        assert [len(b.objects) for b in buckets] == [len(b.objects) for b in demo_buckets(NOW, 42)]


def test_one_versioned_bucket_with_a_delete_marker_and_one_lifecycle() -> None:
    buckets = demo_buckets(NOW, 42)
    versioned = [b for b in buckets if b.versioned]
    assert [b.name for b in versioned] == ["acme-invoices"]
    assert any(len(o.versions) >= 3 for o in versioned[0].objects)
    assert [o.key for o in versioned[0].objects if o.deleted_age_days is not None] == ["drafts/INV-draft-0099.pdf"]
    assert [b.name for b in buckets if b.lifecycle_rules] == ["app-logs.eu-west-1"]


def test_dated_keys_follow_the_age() -> None:
    logs = next(b for b in demo_buckets(NOW, 42) if b.name == "app-logs.eu-west-1")
    newest = min(logs.objects, key=lambda o: o.versions[0].age_days)
    assert newest.key == "logs/app/2026/11/22/app-2026-11-22.log.gz"


def test_storage_at_counts_what_existed() -> None:
    bucket = DemoBucket(
        "b",
        (
            DemoObject("a", (DemoVersion(100, 10), DemoVersion(150, 2))),
            DemoObject("g", (DemoVersion(1000, 400),), "GLACIER"),
            DemoObject("n", (DemoVersion(7, 0.5),)),
        ),
    )
    assert bucket.storage_at(NOW, 0) == ({"STANDARD": 257, "GLACIER": 1000}, 4)
    assert bucket.storage_at(NOW, 5) == ({"STANDARD": 100, "GLACIER": 1000}, 2)
    assert bucket.storage_at(NOW, 500) == ({}, 0)


def test_instances() -> None:
    assert [(i.name, i.instance_type) for i in INSTANCES] == [
        ("web-1", "t3.micro"), ("web-2", "t3.medium"), ("batch-1", "c5.large"),
    ]
    assert len({(i.az_index, i.host_offset) for i in INSTANCES}) == 3


@pytest.mark.parametrize(
    ("key", "size", "start"),
    [
        ("a/report.pdf", 5000, b"%PDF-1.7\n"),
        ("img/x.png", 64, b"\x89PNG\r\n\x1a\n"),
        ("logs/x.log.gz", 300, b"\x1f\x8b\x08"),
        ("data/part.snappy.parquet", 10, b"PAR1"),
        ("customers.csv", 2000, b"# customers.csv\n"),
        ("blob.bin", 33, b""),
    ],
)
def test_content_has_exact_size_and_looks_the_part(key: str, size: int, start: bytes) -> None:
    data = content(key, size, random.Random(1))
    assert len(data) == size
    assert data.startswith(start)
    assert content(key, size, random.Random(1)) == data


def test_tiny_and_empty_content() -> None:
    assert content("_SUCCESS", 0, random.Random(1)) == b""
    robots = content("robots.txt", 24, random.Random(1))
    assert len(robots) == 24 and robots.startswith(b"# robots.txt\n")
    robots.decode("utf-8")  # text formats are text
    assert len(content("x.pdf", 3, random.Random(1))) == 3
