"""Bucket analysis through moto: exact figures worked out by hand from the price table's constants."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from dateutil.tz import tzutc

from actions.aws.cost.analysis import BucketTooLarge, CostAnalyser, ListingLimits, scan_pages
from actions.aws.cost.model import Caveat, ClassSummary, CostReport, LadderStep, Recommendation
from actions.aws.errors import CloudButlerError, Stopped
from tests.actions.aws.cost.support import NOW, MakeBucket, analyse

GB = 2**30
KB = 1024
MB = 1024 * 1024
# us-east-1 prices from the table (USD per GB-month / per 1,000 transitions / per 1,000 monitored objects)
STANDARD, IA, GLACIER_IR, GLACIER, DEEP = 0.023, 0.0125, 0.004, 0.0036, 0.00099
T_IA, T_GLACIER, T_DEEP = 0.01, 0.03, 0.05
IT_FEE = 0.0025
OVERHEAD_GLACIER = 32768 / GB * GLACIER + 8192 / GB * STANDARD
OVERHEAD_DEEP = 32768 / GB * DEEP + 8192 / GB * STANDARD


def summary(report: CostReport, storage_class: str) -> ClassSummary:
    return next(s for s in report.classes if s.storage_class == storage_class)


def rec(report: CostReport, target: str) -> Recommendation:
    return next(r for r in report.recommendations if r.target_class == target)


def test_minimum_billable_size_a_10kb_object_in_standard_ia_bills_128kb(s3: Any, make_bucket: MakeBucket) -> None:
    make_bucket("cost-min-size", [("small.txt", 10 * KB, "STANDARD_IA", 5.5)])
    report = analyse(s3, "cost-min-size")
    ia = summary(report, "STANDARD_IA")
    assert (ia.objects, ia.bytes, ia.billable_bytes) == (1, 10 * KB, 128 * KB)
    assert ia.monthly_cost == pytest.approx(128 * KB / GB * IA, rel=1e-12)
    assert report.monthly_cost == pytest.approx(128 * KB / GB * IA, rel=1e-12)
    assert report.recommendations == ()


def test_payback_of_a_standard_ia_move(s3: Any, make_bucket: MakeBucket) -> None:
    make_bucket("cost-payback", [(f"f{i}.bin", MB, "STANDARD", 45.5) for i in range(3)])
    report = analyse(s3, "cost-payback")
    (only,) = report.recommendations
    assert (only.target_class, only.min_age_days, only.min_size_bytes) == ("STANDARD_IA", 30, 128 * KB)
    assert (only.objects, only.bytes, only.source_classes) == (3, 3 * MB, ("STANDARD",))
    assert only.transition_cost == pytest.approx(3 * T_IA / 1000)
    assert only.early_deletion_cost == 0
    assert only.monthly_cost_before == pytest.approx(3 / 1024 * STANDARD)
    assert only.monthly_cost_after == pytest.approx(3 / 1024 * IA)
    assert only.monthly_saving == pytest.approx(3 / 1024 * (STANDARD - IA))
    assert only.payback_months == pytest.approx((3 * T_IA / 1000) / (3 / 1024 * (STANDARD - IA)))
    assert only.payback_months is not None and 0.97 < only.payback_months < 0.98
    assert report.monthly_cost == pytest.approx(3 / 1024 * STANDARD)
    assert report.monthly_cost_after == pytest.approx(3 / 1024 * IA)
    assert Caveat("retrieval_fee", storage_class="STANDARD_IA", per_gb=0.01) in only.caveats
    assert Caveat("minimum_duration", storage_class="STANDARD_IA", days=30) in only.caveats


def test_mixed_bucket_moves_by_age_and_size(s3: Any, make_bucket: MakeBucket) -> None:
    objects = [
        ("new.bin", MB, "STANDARD", 10.5),  # too young: stays
        ("ia.bin", MB, "STANDARD", 45.5),  # -> Standard-IA
        ("mid-old.bin", 200 * KB, "STANDARD", 100.5),  # old enough for Glacier, too small: -> Standard-IA
        ("glacier.bin", 2 * MB, "STANDARD", 100.5),  # -> Glacier Flexible Retrieval
        ("deep.bin", 4 * MB, "STANDARD", 400.5),  # -> Deep Archive
        ("small-old.txt", 10 * KB, "STANDARD", 400.5),  # too small for anything: left alone
    ]
    make_bucket("cost-mixed", objects)
    report = analyse(s3, "cost-mixed")
    total = sum(size for _, size, _, _ in objects)
    assert (report.objects, report.bytes, report.source, report.region) == (6, total, "listing", "us-east-1")
    assert report.monthly_cost == pytest.approx(total / GB * STANDARD)
    assert report.ladder == (
        LadderStep(30, "STANDARD_IA", 128 * KB),
        LadderStep(90, "GLACIER", 256 * KB),
        LadderStep(365, "DEEP_ARCHIVE", 256 * KB),
    )

    ia = rec(report, "STANDARD_IA")
    assert (ia.objects, ia.bytes, ia.skipped_objects) == (2, MB + 200 * KB, 0)
    assert ia.transition_cost == pytest.approx(2 * T_IA / 1000)
    assert ia.monthly_saving == pytest.approx((MB + 200 * KB) / GB * (STANDARD - IA))

    glacier = rec(report, "GLACIER")
    assert (glacier.objects, glacier.bytes) == (1, 2 * MB)
    assert (glacier.skipped_objects, glacier.skipped_bytes) == (1, 200 * KB)
    assert glacier.monthly_cost_after == pytest.approx(2 / 1024 * GLACIER + OVERHEAD_GLACIER)
    assert glacier.monthly_saving == pytest.approx(2 / 1024 * STANDARD - (2 / 1024 * GLACIER + OVERHEAD_GLACIER))
    assert glacier.payback_months == pytest.approx(
        (T_GLACIER / 1000) / (2 / 1024 * STANDARD - 2 / 1024 * GLACIER - OVERHEAD_GLACIER)
    )
    assert Caveat("restore_delay", storage_class="GLACIER", hours=5) in glacier.caveats
    assert Caveat("small_objects_skipped", storage_class="GLACIER", objects=1, bytes=200 * KB) in glacier.caveats

    deep = rec(report, "DEEP_ARCHIVE")
    assert (deep.objects, deep.bytes, deep.skipped_objects, deep.skipped_bytes) == (1, 4 * MB, 1, 10 * KB)
    assert deep.transition_cost == pytest.approx(T_DEEP / 1000)
    assert deep.monthly_cost_after == pytest.approx(4 / 1024 * DEEP + OVERHEAD_DEEP)

    assert (report.left_alone_objects, report.left_alone_bytes) == (1, 10 * KB)
    after = (
        (MB + 10 * KB) / GB * STANDARD
        + (MB + 200 * KB) / GB * IA
        + 2 / 1024 * GLACIER
        + OVERHEAD_GLACIER
        + 4 / 1024 * DEEP
        + OVERHEAD_DEEP
    )
    assert report.monthly_cost_after == pytest.approx(after)
    assert summary(report, "STANDARD").monthly_cost_after == pytest.approx((MB + 10 * KB) / GB * STANDARD)
    assert report.one_time_cost == pytest.approx((2 * T_IA + T_GLACIER + T_DEEP) / 1000)
    assert [(b.low, b.high, b.objects, b.bytes) for b in report.age_histogram] == [
        (0, 30, 1, MB),
        (30, 90, 1, MB),
        (90, 180, 2, 2 * MB + 200 * KB),
        (180, 365, 0, 0),
        (365, None, 2, 4 * MB + 10 * KB),
    ]
    assert [(b.objects, b.bytes) for b in report.size_histogram] == [
        (1, 10 * KB),  # up to 128 KB
        (3, 2 * MB + 200 * KB),  # over 128 KB up to 1 MB (inclusive: the 1 MB objects)
        (2, 6 * MB),
        (0, 0),
        (0, 0),
    ]


def test_archive_overhead_makes_tiny_object_transitions_not_worth_it(s3: Any, make_bucket: MakeBucket) -> None:
    # One 128 KB object to Glacier: saves less per month than 1/12 of its transition request.
    saving_128k = 128 * KB / GB * STANDARD - (128 * KB / GB * GLACIER + OVERHEAD_GLACIER)
    assert (T_GLACIER / 1000) / saving_128k > 12
    saving_256k = 256 * KB / GB * STANDARD - (256 * KB / GB * GLACIER + OVERHEAD_GLACIER)
    assert (T_GLACIER / 1000) / saving_256k < 12
    deep_128k = 128 * KB / GB * STANDARD - (128 * KB / GB * DEEP + OVERHEAD_DEEP)
    assert (T_DEEP / 1000) / deep_128k > 12

    make_bucket("cost-tiny", [(f"t{i}.json", 10 * KB, "STANDARD", 400.5) for i in range(5)])
    report = analyse(s3, "cost-tiny")
    assert report.recommendations == ()
    assert (report.left_alone_objects, report.left_alone_bytes) == (5, 50 * KB)
    assert report.monthly_cost_after == pytest.approx(report.monthly_cost)


def test_intelligent_tiering_monitoring_fee_counts_objects_from_128kb(s3: Any, make_bucket: MakeBucket) -> None:
    objects = [
        ("a.bin", 200 * KB, "INTELLIGENT_TIERING", 5.5),
        ("b.bin", 200 * KB, "INTELLIGENT_TIERING", 5.5),
        ("exactly-128k.bin", 128 * KB, "INTELLIGENT_TIERING", 5.5),
        ("small.bin", 100 * KB, "INTELLIGENT_TIERING", 5.5),  # not monitored
    ]
    make_bucket("cost-it", objects)
    report = analyse(s3, "cost-it")
    assert report.stats.it_monitored == 3
    it = summary(report, "INTELLIGENT_TIERING")
    assert it.monthly_cost == pytest.approx(628 * KB / GB * STANDARD + 3 * IT_FEE / 1000)
    assert Caveat("intelligent_tiering_estimate", storage_class="INTELLIGENT_TIERING", objects=4, bytes=628 * KB) in (
        report.caveats
    )


@pytest.mark.parametrize(("region", "standard"), [("eu-central-1", 0.0245), ("ap-southeast-1", 0.025)])
def test_prices_of_the_buckets_region(s3: Any, make_bucket: MakeBucket, region: str, standard: float) -> None:
    make_bucket(f"cost-{region}", [("x.bin", MB, "STANDARD", 1.5)], region=region)
    report = analyse(s3, f"cost-{region}")
    assert report.region == region
    assert report.monthly_cost == pytest.approx(1 / 1024 * standard)
    assert not [c for c in report.caveats if c.code == "prices_from_other_region"]


def test_early_deletion_when_leaving_a_class_before_its_minimum(s3: Any, make_bucket: MakeBucket) -> None:
    # Glacier Instant Retrieval keeps objects 90 days; moving a 45-day-old one after 30 days bills 60 more days.
    make_bucket("cost-early", [("gir.bin", MB, "GLACIER_IR", 45.5)])
    report = analyse(s3, "cost-early", ladder=((30, "GLACIER"),), max_payback_months=1e9)
    moved = rec(report, "GLACIER")
    expected = 1 / 1024 * GLACIER_IR * (90 - 30) / 30
    assert moved.early_deletion_cost == pytest.approx(expected)
    assert moved.one_time_cost == pytest.approx(T_GLACIER / 1000 + expected)
    assert moved.monthly_saving == pytest.approx(1 / 1024 * GLACIER_IR - (1 / 1024 * GLACIER + OVERHEAD_GLACIER))
    (early,) = [c for c in moved.caveats if c.code == "early_deletion"]
    assert (early.storage_class, early.amount) == ("GLACIER", pytest.approx(expected))
    assert Caveat("minimum_duration", storage_class="GLACIER", days=90) in moved.caveats
    # With the default one-year payback limit the move is not recommended at all.
    assert analyse(s3, "cost-early", ladder=((30, "GLACIER"),)).recommendations == ()


def test_progress_is_reported_every_n_pages(s3: Any, make_bucket: MakeBucket) -> None:
    make_bucket("cost-progress", [(f"k{i}", (i + 1) * 100, "STANDARD", 1.5) for i in range(5)])
    calls: list[tuple[int, int]] = []
    report = CostAnalyser(s3=s3, page_size=2).analyse(
        "cost-progress", now=NOW, progress=lambda n, b: calls.append((n, b)), progress_every=1
    )
    assert calls == [(2, 300), (4, 1000), (5, 1500)]
    assert report.objects == 5
    calls.clear()
    CostAnalyser(s3=s3, page_size=2).analyse(
        "cost-progress", now=NOW, progress=lambda n, b: calls.append((n, b)), progress_every=2
    )
    assert calls == [(4, 1000)]


def test_a_stop_from_the_progress_callback_ends_the_listing_as_it_is(s3: Any, make_bucket: MakeBucket) -> None:
    make_bucket("cost-stop", [(f"k{i}", 100, "STANDARD", 1.5) for i in range(5)])
    seen: list[int] = []

    def stop_after_first_page(objects: int, _bytes: int) -> None:
        seen.append(objects)
        raise Stopped

    with pytest.raises(Stopped):  # not turned into an AWS error
        CostAnalyser(s3=s3, page_size=2).analyse("cost-stop", now=NOW, progress=stop_after_first_page, progress_every=1)
    assert seen == [2]


def test_listing_stops_past_the_limits(s3: Any, make_bucket: MakeBucket) -> None:
    make_bucket("cost-limits", [(f"k{i}", 1000, "STANDARD", 1.5) for i in range(5)])
    with pytest.raises(BucketTooLarge) as info:
        CostAnalyser(s3=s3, page_size=2).analyse("cost-limits", now=NOW, limits=ListingLimits(max_objects=3))
    assert info.value.code == "bucket_too_large"
    assert info.value.details == {"bucket": "cost-limits", "objects_seen": 4, "bytes_seen": 4000}
    with pytest.raises(BucketTooLarge):
        CostAnalyser(s3=s3, page_size=2).analyse(
            "cost-limits", now=NOW, limits=ListingLimits(max_objects=None, max_bytes=2500)
        )


def test_versioned_bucket_says_only_current_versions_are_counted(s3: Any, make_bucket: MakeBucket) -> None:
    make_bucket("cost-versioned", [("a", 10, "STANDARD", 1.5)])
    s3.put_bucket_versioning(Bucket="cost-versioned", VersioningConfiguration={"Status": "Enabled"})
    assert Caveat("current_versions_only") in analyse(s3, "cost-versioned").caveats


def test_missing_bucket_is_our_error(s3: Any) -> None:
    with pytest.raises(CloudButlerError) as info:
        analyse(s3, "cost-no-such-bucket", region="us-east-1")
    assert info.value.code == "NoSuchBucket"


def test_scan_pages_bins_at_the_exact_edges() -> None:
    now = NOW.astimezone(tzutc())

    def obj(size: int, age: timedelta, storage_class: str | None = "STANDARD") -> dict[str, Any]:
        item: dict[str, Any] = {"Key": "k", "Size": size, "LastModified": now - age}
        if storage_class is not None:
            item["StorageClass"] = storage_class
        return item

    pages = [
        {"Contents": [obj(1, timedelta(days=30) - timedelta(seconds=1)), obj(2, timedelta(days=30))]},
        {},  # an empty page (empty bucket / prefix) has no Contents
        {"Contents": [obj(131072, timedelta(days=365)), obj(131073, timedelta(days=400), None)]},
        {
            "Contents": [
                obj(0, timedelta(days=90), "EXPRESS_ONEZONE"),
                obj(131072, timedelta(days=1), "INTELLIGENT_TIERING"),
            ]
        },
    ]
    stats = scan_pages(pages, now=NOW)
    assert stats.cells == {
        ("STANDARD", 0, 0): [1, 1],  # 29 days 23:59:59 old, 1 byte
        ("STANDARD", 1, 1): [1, 2],  # exactly 30 days: the 30-90 bin
        ("STANDARD", 4, 17): [1, 131072],  # exactly 365 days, exactly 128 KB: not "larger than 128 KB"
        ("STANDARD", 4, 18): [1, 131073],  # no StorageClass means STANDARD
        ("OTHER", 2, 1): [1, 0],  # unknown class; empty object
        ("INTELLIGENT_TIERING", 0, 17): [1, 131072],
    }
    assert stats.it_monitored == 1  # exactly 128 KB is monitored
