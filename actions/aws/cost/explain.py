"""Lifecycle rules as typed facts (what a rule filters and does); ``wording.describe_rule`` says it in words."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from actions.aws.cost.model import RULE_PREFIX


@dataclass(frozen=True)
class TransitionFact:
    storage_class: str
    days: int | None = None  # Days (current objects) or NoncurrentDays (noncurrent versions)
    on_date: date | None = None
    newer_versions: int | None = None  # NewerNoncurrentVersions: how many newer noncurrent versions to keep


@dataclass(frozen=True)
class RuleExplanation:
    rule_id: str
    enabled: bool
    managed: bool  # a CloudButler rule
    prefix: str
    tags: tuple[tuple[str, str], ...]
    size_greater_than: int | None
    size_less_than: int | None
    transitions: tuple[TransitionFact, ...]
    expiration_days: int | None
    expiration_date: date | None
    expired_delete_markers: bool
    noncurrent_transitions: tuple[TransitionFact, ...]
    noncurrent_expiration_days: int | None
    noncurrent_newer_versions: int | None
    abort_multipart_days: int | None


def explain_rule(rule: Mapping[str, Any]) -> RuleExplanation:
    filt: Mapping[str, Any] = rule.get("Filter") or {}
    both: Mapping[str, Any] = filt.get("And") or {}
    prefix = rule.get("Prefix", filt.get("Prefix", both.get("Prefix", ""))) or ""
    tags = [filt["Tag"]] if filt.get("Tag") else list(both.get("Tags") or [])
    expiration: Mapping[str, Any] = rule.get("Expiration") or {}
    noncurrent_exp: Mapping[str, Any] = rule.get("NoncurrentVersionExpiration") or {}
    abort: Mapping[str, Any] = rule.get("AbortIncompleteMultipartUpload") or {}
    rule_id = str(rule.get("ID", ""))
    return RuleExplanation(
        rule_id=rule_id,
        enabled=rule.get("Status") == "Enabled",
        managed=rule_id.startswith(RULE_PREFIX),
        prefix=str(prefix),
        tags=tuple((str(tag["Key"]), str(tag.get("Value", ""))) for tag in tags),
        size_greater_than=_int(filt.get("ObjectSizeGreaterThan", both.get("ObjectSizeGreaterThan"))),
        size_less_than=_int(filt.get("ObjectSizeLessThan", both.get("ObjectSizeLessThan"))),
        transitions=tuple(
            sorted(
                (
                    TransitionFact(t["StorageClass"], days=_int(t.get("Days")), on_date=_date(t.get("Date")))
                    for t in rule.get("Transitions") or []
                ),
                key=lambda fact: (fact.days or 0, fact.on_date or date.min),
            )
        ),
        expiration_days=_int(expiration.get("Days")),
        expiration_date=_date(expiration.get("Date")),
        expired_delete_markers=bool(expiration.get("ExpiredObjectDeleteMarker")),
        noncurrent_transitions=tuple(
            sorted(
                (
                    TransitionFact(
                        t["StorageClass"],
                        days=_int(t.get("NoncurrentDays")),
                        newer_versions=_int(t.get("NewerNoncurrentVersions")),
                    )
                    for t in rule.get("NoncurrentVersionTransitions") or []
                ),
                key=lambda fact: fact.days or 0,
            )
        ),
        noncurrent_expiration_days=_int(noncurrent_exp.get("NoncurrentDays")),
        noncurrent_newer_versions=_int(noncurrent_exp.get("NewerNoncurrentVersions")),
        abort_multipart_days=_int(abort.get("DaysAfterInitiation")),
    )


def explain_rules(rules: Sequence[Mapping[str, Any]]) -> list[RuleExplanation]:
    return [explain_rule(rule) for rule in rules]


def _int(value: Any) -> int | None:
    return None if value is None or value == "" else int(value)


def _date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).date()
