"""Lifecycle policies: propose CloudButler's rules, merge them with a bucket's rules without losing any,
check S3's limits, and read/apply them through S3.

Merge policy (decided here, shown to the user before applying):
- every rule whose ID does not start with ``cloudbutler-`` is the user's and is kept exactly as it is;
- a proposed rule with the ID of an existing ``cloudbutler-`` rule updates it (or leaves it, if equal);
- an existing ``cloudbutler-`` rule the proposal no longer contains is removed (it is ours, and stale);
- a proposed rule whose prefix overlaps a user rule's prefix (one contains the other) and that acts in the
  same way (both transition current objects, both handle noncurrent versions, ...) is a conflict: it is
  not added, and the plan names the user rule, so the chat can explain instead of silently overriding.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from actions.aws.cost.explain import RuleExplanation, explain_rules
from actions.aws.cost.model import RULE_PREFIX, CostReport, LadderStep
from actions.aws.cost.recommend import DEFAULT_LADDER
from actions.aws.errors import BOTO_ERRORS, CloudButlerError, s3_error

Rule = dict[str, Any]

MAX_RULES = 1000
MAX_ID_LENGTH = 255
MIN_TRANSITION_BYTES = 128 * 1024
ABORT_MULTIPART_DAYS = 7
NONCURRENT_EXPIRATION_DAYS = 365
IA_CLASSES = ("STANDARD_IA", "ONEZONE_IA")
_MIN_DAYS = {"STANDARD_IA": 30, "ONEZONE_IA": 30, "GLACIER_IR": 90, "GLACIER": 90, "DEEP_ARCHIVE": 180}


def _size_label(size: int) -> str:
    for unit, scale in (("gb", 1 << 30), ("mb", 1 << 20), ("kb", 1 << 10)):
        if size >= scale and size % scale == 0:
            return f"{size // scale}{unit}"
    return f"{size}b"


def propose_policy(
    report: CostReport | None,
    versioned: bool,
    *,
    noncurrent_expiration_days: int = NONCURRENT_EXPIRATION_DAYS,
) -> list[Rule]:
    """CloudButler's rules for a bucket: transitions from the analysis' ladder (its size floors are where a
    move pays back), or the standard 30/90/365 days -> Standard-IA/Glacier/Deep Archive for objects > 128 KB;
    plus a cleanup rule (abort incomplete multipart uploads; expire old noncurrent versions if versioned)."""
    if report is not None:
        steps: Sequence[LadderStep] = report.ladder
    else:
        steps = [LadderStep(days, target, MIN_TRANSITION_BYTES) for days, target in DEFAULT_LADDER]
    by_size: dict[int, list[LadderStep]] = {}
    for step in steps:
        by_size.setdefault(max(step.min_size_bytes, MIN_TRANSITION_BYTES), []).append(step)
    rules: list[Rule] = []
    for size, group in sorted(by_size.items()):
        rule: Rule = {
            "ID": f"{RULE_PREFIX}tiering-gt-{_size_label(size)}",
            "Status": "Enabled",
            "Filter": {"ObjectSizeGreaterThan": size},
            "Transitions": [{"Days": step.days, "StorageClass": step.target} for step in group],
        }
        if versioned:
            # Keep a noncurrent transition only if the version stays its class's minimum before it expires.
            noncurrent = [
                {"NoncurrentDays": step.days, "StorageClass": step.target}
                for step in group
                if step.days + _MIN_DAYS.get(step.target, 0) <= noncurrent_expiration_days
            ]
            if noncurrent:
                rule["NoncurrentVersionTransitions"] = noncurrent
        rules.append(rule)
    cleanup: Rule = {
        "ID": f"{RULE_PREFIX}cleanup",
        "Status": "Enabled",
        "Filter": {"Prefix": ""},
        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": ABORT_MULTIPART_DAYS},
    }
    if versioned:
        cleanup["NoncurrentVersionExpiration"] = {"NoncurrentDays": noncurrent_expiration_days}
    rules.append(cleanup)
    return rules


@dataclass(frozen=True)
class RuleChange:
    before: Rule
    after: Rule


@dataclass(frozen=True)
class Conflict:
    proposed_id: str
    existing_id: str
    prefix: str  # the overlapping prefix of the existing rule ("" = whole bucket)
    actions: tuple[str, ...]  # what both rules do: "transition", "expiration", "noncurrent", "abort_multipart"


@dataclass(frozen=True)
class Problem:
    rule_id: str
    code: str  # too_many_rules, duplicate_id, id_too_long, ia_too_soon, days_not_increasing, ia_gap_too_short,...
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MergePlan:
    existing: tuple[Rule, ...]  # what the plan was computed from (apply refuses if the bucket changed since)
    rules: tuple[Rule, ...]  # the complete configuration to put
    added: tuple[Rule, ...]
    updated: tuple[RuleChange, ...]
    unchanged: tuple[Rule, ...]  # proposed rules already present as they are
    kept: tuple[Rule, ...]  # the user's rules, untouched
    removed: tuple[Rule, ...]  # stale cloudbutler rules
    conflicts: tuple[Conflict, ...]
    problems: tuple[Problem, ...]

    @property
    def changes(self) -> bool:
        return bool(self.added or self.updated or self.removed)


def rule_prefix(rule: Rule) -> str:
    """The key prefix a rule applies to (legacy top-level Prefix, Filter.Prefix or Filter.And.Prefix)."""
    if "Prefix" in rule:
        return str(rule["Prefix"] or "")
    filt = rule.get("Filter") or {}
    if "And" in filt:
        return str(filt["And"].get("Prefix") or "")
    return str(filt.get("Prefix") or "")


def rule_actions(rule: Rule) -> frozenset[str]:
    actions = set()
    if rule.get("Transitions"):
        actions.add("transition")
    if rule.get("Expiration"):
        actions.add("expiration")
    if rule.get("NoncurrentVersionTransitions") or rule.get("NoncurrentVersionExpiration"):
        actions.add("noncurrent")
    if rule.get("AbortIncompleteMultipartUpload"):
        actions.add("abort_multipart")
    return frozenset(actions)


def is_managed(rule: Rule) -> bool:
    return str(rule.get("ID", "")).startswith(RULE_PREFIX)


def merge_rules(existing: Sequence[Rule], proposed: Sequence[Rule]) -> MergePlan:
    """Merge ``proposed`` CloudButler rules into a bucket's ``existing`` rules (policy in the module doc)."""
    proposed_by_id = {rule["ID"]: rule for rule in proposed}
    user_rules = [rule for rule in existing if not is_managed(rule)]
    conflicts: list[Conflict] = []
    blocked: set[str] = set()
    for rule in proposed:
        for user in user_rules:
            a, b = rule_prefix(rule), rule_prefix(user)
            shared = rule_actions(rule) & rule_actions(user)
            if shared and (a.startswith(b) or b.startswith(a)):
                conflicts.append(Conflict(rule["ID"], str(user.get("ID", "")), b, tuple(sorted(shared))))
                blocked.add(rule["ID"])
    final: list[Rule] = []
    updated: list[RuleChange] = []
    unchanged: list[Rule] = []
    removed: list[Rule] = []
    seen: set[str] = set()
    for rule in existing:
        rule_id = rule.get("ID", "")
        if not is_managed(rule):
            final.append(rule)
        elif rule_id in proposed_by_id and rule_id not in blocked:
            new = proposed_by_id[rule_id]
            final.append(new)
            (unchanged.append(rule) if _same(rule, new) else updated.append(RuleChange(rule, new)))
            seen.add(rule_id)
        elif rule_id in blocked:
            final.append(rule)  # ours, but now in conflict: leave it as it is and report the conflict
            seen.add(rule_id)
        else:
            removed.append(rule)
    added = [rule for rule in proposed if rule["ID"] not in seen and rule["ID"] not in blocked]
    final.extend(added)
    return MergePlan(
        existing=tuple(copy.deepcopy(list(existing))),
        rules=tuple(final),
        added=tuple(added),
        updated=tuple(updated),
        unchanged=tuple(unchanged),
        kept=tuple(user_rules),
        removed=tuple(removed),
        conflicts=tuple(conflicts),
        problems=tuple(validate_rules(final)),
    )


def _same(a: Rule, b: Rule) -> bool:
    return _normal(a) == _normal(b)


def _normal(rule: Rule) -> Rule:
    """Drop empty values so a rule read back from S3 compares equal to the one we sent."""
    return {key: value for key, value in rule.items() if value not in (None, [], {})}


def validate_rules(rules: Sequence[Rule]) -> list[Problem]:
    """S3's limits on a lifecycle configuration that matter for what we write."""
    problems: list[Problem] = []
    if len(rules) > MAX_RULES:
        problems.append(Problem("", "too_many_rules", {"count": len(rules), "limit": MAX_RULES}))
    seen: set[str] = set()
    for rule in rules:
        rule_id = str(rule.get("ID", ""))
        if rule_id in seen:
            problems.append(Problem(rule_id, "duplicate_id"))
        seen.add(rule_id)
        if len(rule_id) > MAX_ID_LENGTH:
            problems.append(Problem(rule_id, "id_too_long", {"limit": MAX_ID_LENGTH}))
        for key, day_key in (("Transitions", "Days"), ("NoncurrentVersionTransitions", "NoncurrentDays")):
            problems.extend(_chain_problems(rule_id, rule.get(key) or [], day_key))
    return problems


def _chain_problems(rule_id: str, transitions: Sequence[Rule], day_key: str) -> list[Problem]:
    problems = []
    previous: Rule | None = None
    for transition in sorted((t for t in transitions if day_key in t), key=lambda t: int(t[day_key])):
        days, target = int(transition[day_key]), transition["StorageClass"]
        if target in IA_CLASSES and days < 30:
            problems.append(Problem(rule_id, "ia_too_soon", {"days": days, "storage_class": target}))
        if previous is not None:
            before = int(previous[day_key])
            if days <= before:
                problems.append(Problem(rule_id, "days_not_increasing", {"days": days, "previous": before}))
            elif previous["StorageClass"] in IA_CLASSES and days - before < 30:
                # S3 requires 30 days in Standard-IA/One Zone-IA before the next transition.
                problems.append(Problem(rule_id, "ia_gap_too_short", {"days": days, "previous": before}))
        previous = transition
    return problems


class LifecycleService:
    """Reads and writes a bucket's lifecycle configuration; errors are ``CloudButlerError``s."""

    def __init__(self, *, s3: Any) -> None:
        self._s3 = s3

    def current_rules(self, bucket: str) -> list[Rule]:
        try:
            return list(self._s3.get_bucket_lifecycle_configuration(Bucket=bucket).get("Rules", []))
        except BOTO_ERRORS as exc:
            error = s3_error(exc, bucket=bucket)
            if error.code == "NoSuchLifecycleConfiguration":
                return []
            raise error from exc

    def plan(self, bucket: str, proposed: Sequence[Rule]) -> MergePlan:
        return merge_rules(self.current_rules(bucket), proposed)

    def apply(self, bucket: str, plan: MergePlan) -> list[Rule]:
        """Put the plan's rules; refuses if the plan has problems or the bucket's rules changed meanwhile."""
        if plan.problems:
            raise CloudButlerError("lifecycle_invalid", bucket=bucket, problems=[p.code for p in plan.problems])
        if [_normal(rule) for rule in self.current_rules(bucket)] != [_normal(rule) for rule in plan.existing]:
            raise CloudButlerError("lifecycle_changed", bucket=bucket)
        try:
            if plan.rules:
                self._s3.put_bucket_lifecycle_configuration(
                    Bucket=bucket, LifecycleConfiguration={"Rules": [copy.deepcopy(rule) for rule in plan.rules]}
                )
            else:
                self._s3.delete_bucket_lifecycle(Bucket=bucket)
        except BOTO_ERRORS as exc:
            raise s3_error(exc, bucket=bucket) from exc
        return list(plan.rules)

    def explain(self, rules: Sequence[Rule]) -> list[RuleExplanation]:
        return explain_rules(rules)
