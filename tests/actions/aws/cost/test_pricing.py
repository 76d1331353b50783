"""The price table and the pure cost arithmetic; expected values are worked out from the table's numbers."""

from __future__ import annotations

import pytest

from actions.aws.cost.pricing import GB, known_regions, load_table, pricing_for, tiered_cost
from actions.aws.errors import CloudButlerError

CLASSES = ("STANDARD", "INTELLIGENT_TIERING", "STANDARD_IA", "ONEZONE_IA", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE")
REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-1")


def test_table_is_versioned_names_its_source_and_covers_regions_and_classes() -> None:
    table = load_table()
    assert table["version"] == "2025-06-01"
    assert "aws.amazon.com/s3/pricing" in table["source"]
    assert set(REGIONS) <= set(known_regions())
    for region in REGIONS:
        pricing = pricing_for(region)
        for storage_class in CLASSES:
            assert pricing.price(storage_class) > 0
        for target in CLASSES[1:]:
            assert pricing.transition_per_1000[target] > 0


def test_class_rules() -> None:
    p = pricing_for("us-east-1")
    assert [p.rules(c).min_billable_bytes for c in CLASSES] == [0, 0, 131072, 131072, 131072, 0, 0]
    assert [p.rules(c).min_days for c in CLASSES] == [0, 0, 30, 30, 90, 90, 180]
    assert (p.overhead_standard_bytes, p.overhead_archive_bytes) == (8192, 32768)
    assert p.it_min_monitored_bytes == 131072


def test_regions_have_their_own_prices() -> None:
    assert pricing_for("us-east-1").price("STANDARD") == 0.023
    assert pricing_for("eu-central-1").price("STANDARD") == 0.0245
    assert pricing_for("ap-southeast-1").price("STANDARD") == 0.025
    assert pricing_for("eu-central-1").price("STANDARD_IA") == 0.0135
    assert pricing_for("us-west-2").price("DEEP_ARCHIVE") == 0.00099


def test_unknown_region_falls_back_and_says_so() -> None:
    p = pricing_for("sa-east-1")
    assert (p.region, p.requested_region, p.is_fallback) == ("us-east-1", "sa-east-1", True)
    assert not pricing_for("eu-west-1").is_fallback
    with pytest.raises(CloudButlerError) as info:
        pricing_for("sa-east-1", fallback=None)
    assert info.value.code == "pricing_region_unknown"


def test_tiered_cost_walks_the_volume_tiers() -> None:
    tiers = pricing_for("us-east-1").storage["STANDARD"]
    assert tiered_cost(tiers, 0) == 0
    assert tiered_cost(tiers, 100) == pytest.approx(100 * 0.023)
    assert tiered_cost(tiers, 51200) == pytest.approx(51200 * 0.023)
    # 60 TB: 50 TB at 0.023 + 10 TB at 0.022
    assert tiered_cost(tiers, 61440) == pytest.approx(51200 * 0.023 + 10240 * 0.022)
    # 600 TB: 50 TB + 450 TB + 100 TB
    assert tiered_cost(tiers, 614400) == pytest.approx(51200 * 0.023 + 460800 * 0.022 + 102400 * 0.021)


def test_minimum_billable_size_in_object_cost() -> None:
    p = pricing_for("us-east-1")
    ten_kb = 10 * 1024
    assert p.object_monthly_cost("STANDARD_IA", ten_kb) == pytest.approx(131072 / GB * 0.0125)
    assert p.object_monthly_cost("ONEZONE_IA", ten_kb) == pytest.approx(131072 / GB * 0.01)
    assert p.object_monthly_cost("GLACIER_IR", ten_kb) == pytest.approx(131072 / GB * 0.004)
    assert p.object_monthly_cost("STANDARD", ten_kb) == pytest.approx(ten_kb / GB * 0.023)


def test_archive_overhead_is_8kb_standard_plus_32kb_archive() -> None:
    p = pricing_for("us-east-1")
    one_kb = 1024
    assert p.object_monthly_cost("GLACIER", one_kb) == pytest.approx(
        one_kb / GB * 0.0036 + 32768 / GB * 0.0036 + 8192 / GB * 0.023
    )
    assert p.object_monthly_cost("DEEP_ARCHIVE", one_kb) == pytest.approx(
        one_kb / GB * 0.00099 + 32768 / GB * 0.00099 + 8192 / GB * 0.023
    )
    # A 1 KB object costs more in Deep Archive than in Standard: the overhead dominates.
    assert p.object_monthly_cost("DEEP_ARCHIVE", one_kb) > p.object_monthly_cost("STANDARD", one_kb)


def test_intelligent_tiering_monitoring_fee_only_from_128kb() -> None:
    p = pricing_for("us-east-1")
    assert p.object_monthly_cost("INTELLIGENT_TIERING", 131071) == pytest.approx(131071 / GB * 0.023)
    assert p.object_monthly_cost("INTELLIGENT_TIERING", 131072) == pytest.approx(131072 / GB * 0.023 + 0.0025 / 1000)
    assert p.it_monitoring_cost(4000) == pytest.approx(0.01)


def test_early_deletion_charge_is_the_rest_of_the_minimum() -> None:
    p = pricing_for("us-east-1")
    # 1 GB deleted from Glacier after 30 days: 60 more days at 0.0036/GB-month.
    assert p.early_deletion_charge("GLACIER", GB, 30) == pytest.approx(0.0036 * 60 / 30)
    # Deep Archive after 100 days: 80 days left.
    assert p.early_deletion_charge("DEEP_ARCHIVE", 2 * GB, 100) == pytest.approx(2 * 0.00099 * 80 / 30)
    assert p.early_deletion_charge("STANDARD_IA", GB, 30) == 0
    assert p.early_deletion_charge("STANDARD_IA", GB, 45) == 0
    assert p.early_deletion_charge("STANDARD", GB, 0) == 0


def test_transition_cost_per_thousand_requests() -> None:
    p = pricing_for("us-east-1")
    assert p.transition_cost("STANDARD_IA", 1000) == pytest.approx(0.01)
    assert p.transition_cost("GLACIER", 2500) == pytest.approx(0.075)
    assert p.transition_cost("DEEP_ARCHIVE", 1) == pytest.approx(0.00005)
    assert pricing_for("eu-central-1").transition_cost("DEEP_ARCHIVE", 1000) == pytest.approx(0.06)
