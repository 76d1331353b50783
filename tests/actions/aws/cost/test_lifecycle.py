"""Lifecycle proposal, merge and limits (pure), and apply + read back through moto."""

from __future__ import annotations

from typing import Any

import pytest

from actions.aws.cost.lifecycle import (
    Conflict,
    LifecycleService,
    Problem,
    RuleChange,
    merge_rules,
    propose_policy,
    validate_rules,
)
from actions.aws.cost.model import LadderStep
from actions.aws.errors import CloudButlerError
from tests.actions.aws.cost.support import analyse

STANDARD_RULES: list[dict[str, Any]] = [
    {
        "ID": "cloudbutler-tiering-gt-128kb",
        "Status": "Enabled",
        "Filter": {"ObjectSizeGreaterThan": 131072},
        "Transitions": [
            {"Days": 30, "StorageClass": "STANDARD_IA"},
            {"Days": 90, "StorageClass": "GLACIER"},
            {"Days": 365, "StorageClass": "DEEP_ARCHIVE"},
        ],
    },
    {
        "ID": "cloudbutler-cleanup",
        "Status": "Enabled",
        "Filter": {"Prefix": ""},
        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
    },
]


def test_standard_policy_without_analysis() -> None:
    assert propose_policy(None, versioned=False) == STANDARD_RULES


def test_policy_from_an_analysis_splits_by_size_floor_and_handles_versions(s3: Any, make_bucket: Any) -> None:
    make_bucket("cost-policy", [("a.bin", 1 << 20, "STANDARD", 45.5)])
    report = analyse(s3, "cost-policy")
    assert report.ladder[1] == LadderStep(90, "GLACIER", 262144)
    rules = propose_policy(report, versioned=True)
    assert rules == [
        {
            "ID": "cloudbutler-tiering-gt-128kb",
            "Status": "Enabled",
            "Filter": {"ObjectSizeGreaterThan": 131072},
            "Transitions": [{"Days": 30, "StorageClass": "STANDARD_IA"}],
            "NoncurrentVersionTransitions": [{"NoncurrentDays": 30, "StorageClass": "STANDARD_IA"}],
        },
        {
            "ID": "cloudbutler-tiering-gt-256kb",
            "Status": "Enabled",
            "Filter": {"ObjectSizeGreaterThan": 262144},
            "Transitions": [{"Days": 90, "StorageClass": "GLACIER"}, {"Days": 365, "StorageClass": "DEEP_ARCHIVE"}],
            # Deep Archive at 365 days would be deleted by the 365-day expiration before its 180-day minimum.
            "NoncurrentVersionTransitions": [{"NoncurrentDays": 90, "StorageClass": "GLACIER"}],
        },
        {
            "ID": "cloudbutler-cleanup",
            "Status": "Enabled",
            "Filter": {"Prefix": ""},
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
            "NoncurrentVersionExpiration": {"NoncurrentDays": 365},
        },
    ]
    assert validate_rules(rules) == []


USER_LOGS: dict[str, Any] = {
    "ID": "logs-expire",
    "Status": "Enabled",
    "Filter": {"Prefix": "logs/"},
    "Expiration": {"Days": 30},
}
USER_ARCHIVE: dict[str, Any] = {
    "ID": "archive-everything",
    "Status": "Enabled",
    "Filter": {"Prefix": ""},
    "Transitions": [{"Days": 60, "StorageClass": "GLACIER"}],
}


def test_merge_into_an_empty_configuration_adds_everything() -> None:
    plan = merge_rules([], STANDARD_RULES)
    assert plan.added == tuple(STANDARD_RULES)
    assert plan.rules == tuple(STANDARD_RULES)
    assert (plan.updated, plan.kept, plan.removed, plan.conflicts, plan.problems) == ((), (), (), (), ())
    assert plan.changes


def test_merge_keeps_user_rules_with_their_ids() -> None:
    plan = merge_rules([USER_LOGS], STANDARD_RULES)
    assert plan.kept == (USER_LOGS,)
    assert plan.rules == (USER_LOGS, *STANDARD_RULES)
    assert plan.conflicts == ()  # expiring logs/ and transitioning everything act differently


def test_merge_reports_a_conflict_with_an_overlapping_user_rule_and_does_not_add_it() -> None:
    plan = merge_rules([USER_ARCHIVE], STANDARD_RULES)
    assert plan.conflicts == (Conflict("cloudbutler-tiering-gt-128kb", "archive-everything", "", ("transition",)),)
    assert plan.added == (STANDARD_RULES[1],)
    assert plan.rules == (USER_ARCHIVE, STANDARD_RULES[1])


def test_merge_conflict_with_a_nested_prefix() -> None:
    user = {**USER_ARCHIVE, "ID": "media-archive", "Filter": {"And": {"Prefix": "media/", "Tags": []}}}
    plan = merge_rules([user], STANDARD_RULES)
    assert [(c.existing_id, c.prefix) for c in plan.conflicts] == [("media-archive", "media/")]


def test_merge_updates_ours_leaves_equal_ones_and_removes_stale_ones() -> None:
    old_tiering = {**STANDARD_RULES[0], "Transitions": [{"Days": 45, "StorageClass": "STANDARD_IA"}]}
    stale = {**STANDARD_RULES[1], "ID": "cloudbutler-tiering-gt-1mb"}
    existing = [old_tiering, USER_LOGS, STANDARD_RULES[1], stale]
    plan = merge_rules(existing, STANDARD_RULES)
    assert plan.updated == (RuleChange(old_tiering, STANDARD_RULES[0]),)
    assert plan.unchanged == (STANDARD_RULES[1],)
    assert plan.removed == (stale,)
    assert plan.kept == (USER_LOGS,)
    assert plan.added == ()
    assert plan.rules == (STANDARD_RULES[0], USER_LOGS, STANDARD_RULES[1])
    assert plan.changes
    assert not merge_rules(list(STANDARD_RULES), STANDARD_RULES).changes


def test_validate_rules_enforces_s3_limits() -> None:
    bad = {
        "ID": "x",
        "Status": "Enabled",
        "Filter": {"Prefix": ""},
        "Transitions": [
            {"Days": 10, "StorageClass": "STANDARD_IA"},
            {"Days": 20, "StorageClass": "GLACIER"},
            {"Days": 20, "StorageClass": "DEEP_ARCHIVE"},
        ],
        "NoncurrentVersionTransitions": [{"NoncurrentDays": 7, "StorageClass": "ONEZONE_IA"}],
    }
    assert validate_rules([bad, {**bad, "Transitions": []}]) == [
        Problem("x", "ia_too_soon", {"days": 10, "storage_class": "STANDARD_IA"}),
        Problem("x", "ia_gap_too_short", {"days": 20, "previous": 10}),
        Problem("x", "days_not_increasing", {"days": 20, "previous": 20}),
        Problem("x", "ia_too_soon", {"days": 7, "storage_class": "ONEZONE_IA"}),
        Problem("x", "duplicate_id"),
        Problem("x", "ia_too_soon", {"days": 7, "storage_class": "ONEZONE_IA"}),
    ]
    many = [{"ID": f"r{i}", "Status": "Enabled", "Filter": {"Prefix": f"p{i}/"}} for i in range(1000)]
    assert validate_rules(many) == []
    plan = merge_rules(many, STANDARD_RULES)
    assert plan.problems == (Problem("", "too_many_rules", {"count": 1002, "limit": 1000}),)
    assert validate_rules([{"ID": "a" * 256, "Status": "Enabled"}]) == [Problem("a" * 256, "id_too_long", {"limit": 255})]


def test_current_rules_of_a_bucket_without_configuration(s3: Any) -> None:
    s3.create_bucket(Bucket="cost-lc-empty")
    assert LifecycleService(s3=s3).current_rules("cost-lc-empty") == []


def test_apply_and_read_back_through_moto(s3: Any) -> None:
    s3.create_bucket(Bucket="cost-lc")
    s3.put_bucket_lifecycle_configuration(Bucket="cost-lc", LifecycleConfiguration={"Rules": [USER_LOGS]})
    sent: list[bytes] = []
    s3.meta.events.register("before-send.s3.PutBucketLifecycleConfiguration", lambda request, **_: sent.append(request.body))
    service = LifecycleService(s3=s3)
    plan = service.plan("cost-lc", propose_policy(None, versioned=True))
    assert plan.kept == (USER_LOGS,)
    assert [rule["ID"] for rule in plan.added] == ["cloudbutler-tiering-gt-128kb", "cloudbutler-cleanup"]
    assert service.apply("cost-lc", plan) == list(plan.rules)

    assert b"<ObjectSizeGreaterThan>131072</ObjectSizeGreaterThan>" in sent[0]
    back = service.current_rules("cost-lc")
    assert [rule["ID"] for rule in back] == ["logs-expire", "cloudbutler-tiering-gt-128kb", "cloudbutler-cleanup"]
    assert back[0] == USER_LOGS
    # moto stores size filters as an empty filter (real S3 keeps ObjectSizeGreaterThan); the rest round-trips.
    assert back[1] == {**plan.rules[1], "Filter": {}}
    assert back[2] == plan.rules[2]
    assert [(e.rule_id, e.prefix, e.managed) for e in service.explain(back)] == [
        ("logs-expire", "logs/", False),
        ("cloudbutler-tiering-gt-128kb", "", True),
        ("cloudbutler-cleanup", "", True),
    ]

    # Applying again from the read-back state changes nothing but our rules.
    again = service.plan("cost-lc", propose_policy(None, versioned=True))
    assert again.kept == (USER_LOGS,) and again.added == () and again.removed == ()


def test_apply_refuses_when_the_rules_changed_meanwhile_or_are_invalid(s3: Any) -> None:
    s3.create_bucket(Bucket="cost-lc-race")
    service = LifecycleService(s3=s3)
    plan = service.plan("cost-lc-race", propose_policy(None, versioned=False))
    s3.put_bucket_lifecycle_configuration(Bucket="cost-lc-race", LifecycleConfiguration={"Rules": [USER_LOGS]})
    with pytest.raises(CloudButlerError) as info:
        service.apply("cost-lc-race", plan)
    assert info.value.code == "lifecycle_changed"
    assert service.current_rules("cost-lc-race") == [USER_LOGS]

    bad = {
        "ID": "cloudbutler-bad",
        "Status": "Enabled",
        "Filter": {"Prefix": "tmp/"},
        "Transitions": [{"Days": 1, "StorageClass": "STANDARD_IA"}],
    }
    with pytest.raises(CloudButlerError) as info:
        service.apply("cost-lc-race", service.plan("cost-lc-race", [bad]))
    assert info.value.code == "lifecycle_invalid"


def test_apply_of_an_empty_plan_deletes_the_configuration(s3: Any) -> None:
    s3.create_bucket(Bucket="cost-lc-del")
    s3.put_bucket_lifecycle_configuration(Bucket="cost-lc-del", LifecycleConfiguration={"Rules": STANDARD_RULES[1:]})
    service = LifecycleService(s3=s3)
    plan = service.plan("cost-lc-del", [])
    assert plan.removed == (STANDARD_RULES[1],) and plan.rules == ()
    service.apply("cost-lc-del", plan)
    assert service.current_rules("cost-lc-del") == []
