"""The cost skill's words: summaries, table rows, rule descriptions and plan lines, as exact strings."""

from __future__ import annotations

from datetime import date

import pytest

from actions.aws.cost.explain import RuleExplanation, TransitionFact, explain_rule
from actions.aws.cost.lifecycle import merge_rules, propose_policy
from actions.aws.cost.model import BucketStats, Caveat
from actions.aws.cost.pricing import pricing_for
from actions.aws.cost.recommend import build_report
from actions.core.formatting import format_bytes
from actions.skills.cost.wording import (
    ERRORS,
    analysis_summary,
    caveat_text,
    describe_plan,
    describe_rule,
    payback_text,
    recommendation_rows,
    summary_rows,
)
from tests.actions.aws.cost.support import NOW, three_megabytes_in_standard

MB = 1 << 20


def test_analysis_summary() -> None:
    assert analysis_summary(three_megabytes_in_standard()) == [
        "3 objects (3 MB), about $0.000067/month now.",
        "Move 3 objects (3 MB) untouched for 30+ days and larger than 128 KB to Standard-IA: "
        "saves $0.000031/month for a one-time $0.00003, pays back within a month.",
        "Altogether: $0.000037/month instead of $0.000067/month, for a one-time $0.00003.",
        "Reading objects back from Standard-IA costs $0.01 per GB.",
    ]


def test_analysis_summary_when_nothing_pays_back() -> None:
    stats = BucketStats(cells={("STANDARD", 4, 14): [1, 10 * 1024]})
    report = build_report(stats, pricing_for("us-east-1"), bucket="tiny", source="listing", now=NOW)
    assert analysis_summary(report) == [
        "1 object (10 KB), about <$0.000001/month now.",
        "Nothing worth moving right now: no change would pay for itself within a year.",
        "1 object (10 KB) stays where it is: too small for a move to pay back.",
    ]


def test_summary_and_recommendation_rows() -> None:
    report = three_megabytes_in_standard()
    assert summary_rows(report) == [
        ("Storage class", "Objects", "Size", "Now", "After"),
        ("Standard", "3", "3 MB", "$0.000067/month", "$0/month"),
        ("Standard-IA", "0", "0 B", "$0/month", "$0.000037/month"),
        ("Total", "3", "3 MB", "$0.000067/month", "$0.000037/month"),
    ]
    assert recommendation_rows(report) == [
        ("Move to", "Age", "Larger than", "Objects", "Size", "One-time", "Saves", "Payback"),
        ("Standard-IA", "30+ days", "128 KB", "3", "3 MB", "$0.00003", "$0.000031/month", "1.0 months"),
    ]


@pytest.mark.parametrize(
    ("months", "text"),
    [
        (None, "never pays back"),
        (0.0, "pays back at once"),
        (0.4, "pays back within a month"),
        (1.0, "pays back within a month"),
        (1.2, "pays back in 2 months"),
        (2.0, "pays back in 2 months"),
        (11.01, "pays back in 12 months"),
    ],
)
def test_payback_text(months: float | None, text: str) -> None:
    assert payback_text(months) == text


@pytest.mark.parametrize(
    ("size", "text"),
    [(0, "0 B"), (512, "512 B"), (131072, "128 KB"), (1536 * 1024, "1.5 MB"), (int(2.3 * 2**30), "2.3 GB")],
)
def test_sizes_read_as_the_one_size_formatter_writes_them(size: int, text: str) -> None:
    assert format_bytes(size) == text


@pytest.mark.parametrize(
    ("caveat", "text"),
    [
        (
            Caveat("retrieval_fee", storage_class="GLACIER_IR", per_gb=0.03),
            "Reading objects back from Glacier Instant Retrieval costs $0.03 per GB.",
        ),
        (
            Caveat("restore_delay", storage_class="DEEP_ARCHIVE", hours=12),
            "Objects in Glacier Deep Archive must be restored before reading, which takes up to 12 hours.",
        ),
        (
            Caveat("minimum_duration", storage_class="GLACIER", days=90),
            "Glacier Flexible Retrieval bills at least 90 days: deleting or moving an object sooner still costs "
            "the rest of that time.",
        ),
        (
            Caveat("early_deletion", storage_class="GLACIER", amount=0.0012),
            "The one-time cost includes about $0.0012 for leaving a class before its minimum storage time.",
        ),
        (
            Caveat("small_objects_skipped", storage_class="GLACIER", objects=2, bytes=2048),
            "2 objects (2 KB) are too small for Glacier Flexible Retrieval: moving them would cost more than it "
            "saves in a year.",
        ),
        (
            Caveat("intelligent_tiering_estimate", objects=1, bytes=1),
            "1 object in Intelligent-Tiering is priced at its Frequent Access rate, so the real cost may be lower.",
        ),
        (
            Caveat("unpriced_class", storage_class="REDUCED_REDUNDANCY", objects=4, bytes=4),
            "4 objects in Reduced Redundancy are not included in the cost.",
        ),
        (
            Caveat("prices_from_other_region", region="us-east-1"),
            "I have no prices for this bucket's region, so I used us-east-1 prices.",
        ),
        (Caveat("current_versions_only"), "Older versions of objects are not counted (the bucket keeps versions)."),
    ],
)
def test_caveat_text(caveat: Caveat, text: str) -> None:
    assert caveat_text(caveat) == text


def test_explain_reads_every_filter_shape() -> None:
    rule = {
        "ID": "logs",
        "Status": "Enabled",
        "Filter": {"And": {"Prefix": "logs/", "ObjectSizeGreaterThan": 131072, "Tags": [{"Key": "k", "Value": "v"}]}},
        "Transitions": [{"Days": 90, "StorageClass": "GLACIER"}, {"Days": 30, "StorageClass": "STANDARD_IA"}],
    }
    assert explain_rule(rule) == RuleExplanation(
        rule_id="logs",
        enabled=True,
        managed=False,
        prefix="logs/",
        tags=(("k", "v"),),
        size_greater_than=131072,
        size_less_than=None,
        transitions=(TransitionFact("STANDARD_IA", days=30), TransitionFact("GLACIER", days=90)),
        expiration_days=None,
        expiration_date=None,
        expired_delete_markers=False,
        noncurrent_transitions=(),
        noncurrent_expiration_days=None,
        noncurrent_newer_versions=None,
        abort_multipart_days=None,
    )
    assert explain_rule({"ID": "old", "Status": "Enabled", "Prefix": "tmp/"}).prefix == "tmp/"
    assert explain_rule({"ID": "cloudbutler-x", "Status": "Enabled", "Filter": {}}).managed


@pytest.mark.parametrize(
    ("rule", "text"),
    [
        (
            {
                "ID": "logs",
                "Status": "Enabled",
                "Filter": {"And": {"Prefix": "logs/", "ObjectSizeGreaterThan": 131072}},
                "Transitions": [
                    {"Days": 30, "StorageClass": "STANDARD_IA"},
                    {"Days": 90, "StorageClass": "GLACIER"},
                    {"Days": 365, "StorageClass": "DEEP_ARCHIVE"},
                ],
                "Expiration": {"Days": 3650},
            },
            "Objects under logs/ larger than 128 KB move to Standard-IA after 30 days, to Glacier Flexible "
            "Retrieval after 90 days and to Glacier Deep Archive after 365 days. They are deleted after 3650 days.",
        ),
        (
            {
                "ID": "tmp",
                "Status": "Disabled",
                "Filter": {"Tag": {"Key": "temp", "Value": "yes"}},
                "Expiration": {"Days": 1},
            },
            "(Disabled) All objects tagged temp=yes are deleted after 1 day.",
        ),
        (
            {
                "ID": "versions",
                "Status": "Enabled",
                "Filter": {"ObjectSizeLessThan": 1048576},
                "NoncurrentVersionTransitions": [{"NoncurrentDays": 30, "StorageClass": "ONEZONE_IA"}],
                "NoncurrentVersionExpiration": {"NoncurrentDays": 90, "NewerNoncurrentVersions": 3},
                "Expiration": {"ExpiredObjectDeleteMarker": True},
            },
            "Delete markers with no versions left behind are removed. Older versions move to One Zone-IA after "
            "30 days (counted from being replaced). Older versions are deleted 90 days after being replaced, "
            "except the newest 3.",
        ),
        (
            {
                "ID": "dated",
                "Status": "Enabled",
                "Prefix": "",
                "Transitions": [{"Date": date(2026, 1, 1), "StorageClass": "GLACIER"}],
            },
            "All objects move to Glacier Flexible Retrieval on 2026-01-01.",
        ),
        (
            {
                "ID": "abort",
                "Status": "Enabled",
                "Filter": {"Prefix": "uploads/"},
                "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
            },
            "Unfinished uploads under uploads/ are cleaned up after 7 days.",
        ),
        ({"ID": "noop", "Status": "Enabled", "Filter": {"Prefix": "x/"}}, "Objects under x/: no actions."),
    ],
)
def test_describe_rule(rule: dict, text: str) -> None:
    assert describe_rule(explain_rule(rule)) == text


def test_describe_standard_policy() -> None:
    rules = propose_policy(None, versioned=True)
    assert [describe_rule(explain_rule(rule)) for rule in rules] == [
        "All objects larger than 128 KB move to Standard-IA after 30 days, to Glacier Flexible Retrieval after "
        "90 days and to Glacier Deep Archive after 365 days. Older versions move to Standard-IA after 30 days and "
        "to Glacier Flexible Retrieval after 90 days (counted from being replaced).",
        "Older versions are deleted 365 days after being replaced. Unfinished uploads are cleaned up after 7 days.",
    ]


def test_describe_plan() -> None:
    user_archive = {
        "ID": "archive",
        "Status": "Enabled",
        "Filter": {"Prefix": "media/"},
        "Transitions": [{"Days": 60, "StorageClass": "GLACIER"}],
    }
    stale = {"ID": "cloudbutler-tiering-gt-1mb", "Status": "Enabled", "Filter": {}, "Transitions": []}
    plan = merge_rules([user_archive, stale], propose_policy(None, versioned=False))
    assert describe_plan(plan) == [
        "Add rule 'cloudbutler-cleanup'.",
        "Remove the outdated rule 'cloudbutler-tiering-gt-1mb'.",
        "Keep your rule 'archive' as it is.",
        "Not adding 'cloudbutler-tiering-gt-128kb': your rule 'archive' already handles objects under media/.",
    ]
    assert describe_plan(merge_rules([], [])) == ["Nothing would change."]


def test_error_texts_take_their_details() -> None:
    details = {
        "bucket": "b",
        "objects_seen": 500001,
        "bytes_seen": 1,
        "format": "ORC",
        "missing": "Size",
        "key": "k",
        "region": "r",
        "known": "k",
        "problems": ["ia_too_soon"],
    }
    for code, template in ERRORS.items():
        assert template.format(**details), code
