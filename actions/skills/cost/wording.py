"""Every user-facing word of the cost skill: analysis summaries, table rows, rule descriptions, plan changes.

The engine (analysis/recommend/lifecycle) returns typed facts; these pure functions say them, so every
connector renders the same figures.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from actions.aws.cost.explain import RuleExplanation, TransitionFact
from actions.aws.cost.lifecycle import MergePlan, Rule, rule_prefix
from actions.aws.cost.model import Caveat, CostReport, HistogramBin, Recommendation
from actions.core import errors
from actions.core.formatting import and_join, format_bytes, format_money, plural

CLASS_NAMES = {
    "STANDARD": "Standard",
    "INTELLIGENT_TIERING": "Intelligent-Tiering",
    "STANDARD_IA": "Standard-IA",
    "ONEZONE_IA": "One Zone-IA",
    "GLACIER_IR": "Glacier Instant Retrieval",
    "GLACIER": "Glacier Flexible Retrieval",
    "DEEP_ARCHIVE": "Glacier Deep Archive",
    "REDUCED_REDUNDANCY": "Reduced Redundancy",
    "OTHER": "other storage classes",
}

CHART_TITLE = "Monthly storage cost of {bucket}"
CHART_NOW = "now"
CHART_AFTER = "after the changes"
CHART_Y_LABEL = "USD per month"

# Replies to the failure codes of the cost engine (registered with actions.core.errors at the end of this module).
ERRORS = {
    "bucket_too_large": (
        "{bucket} has more than {objects_seen} objects - too many to list from chat. Turn on S3 Inventory "
        "for it (daily, CSV or Parquet, fields Size, Last modified, Storage class) and ask again after the "
        "first report arrives."
    ),
    "inventory_missing": (
        "{bucket} is too large to list and has no S3 Inventory report yet. Turn on S3 Inventory for it and "
        "ask again after the first report arrives (within 48 hours)."
    ),
    "inventory_manifest_invalid": "The S3 Inventory manifest could not be read.",
    "inventory_format_unsupported": "S3 Inventory reports in {format} format can't be read here; use CSV or Parquet.",
    "inventory_fields_missing": "The S3 Inventory report lacks the fields {missing}; add them to the inventory.",
    "inventory_unreadable": "An S3 Inventory file ({key}) could not be read.",
    "inventory_corrupt": "An S3 Inventory file ({key}) does not match its checksum; try again after the next report.",
    "pricing_region_unknown": "I have no S3 prices for {region} (I know {known}).",
    "lifecycle_changed": "The lifecycle rules of {bucket} changed while you were deciding; ask me again to see them.",
    "lifecycle_invalid": "That lifecycle configuration breaks S3's rules ({problems}), so I did not apply it.",
}


def class_name(storage_class: str) -> str:
    return CLASS_NAMES.get(storage_class, storage_class)


def days_text(days: int) -> str:
    """Days as a lifecycle rule holds them: '1 day', '3650 days'."""
    return plural(days, "day", grouped=False)
def verb(count: int, singular: str, plural: str) -> str:
    return singular if count == 1 else plural

def payback_text(months: float | None) -> str:
    if months is None:
        return "never pays back"
    if months <= 0:
        return "pays back at once"
    if months <= 1:
        return "pays back within a month"
    whole = math.ceil(months - 1e-9)
    return f"pays back in {whole} months"


def age_label(bin_: HistogramBin) -> str:
    return f"over {bin_.low} days" if bin_.high is None else f"{bin_.low}-{bin_.high} days"


def size_label(bin_: HistogramBin) -> str:
    if bin_.low == 0:
        return f"up to {format_bytes(bin_.high or 0)}"
    return f"over {format_bytes(bin_.low)}" if bin_.high is None else f"{format_bytes(bin_.low)}-{format_bytes(bin_.high)}"


def per_month(amount: float) -> str:
    return f"{format_money(amount)}/month"


def recommendation_text(rec: Recommendation) -> str:
    line = (
        f"Move {plural(rec.objects, 'object')} ({format_bytes(rec.bytes)}) untouched for {rec.min_age_days}+ days "
        f"and larger than {format_bytes(rec.min_size_bytes)} to {class_name(rec.target_class)}: "
        f"saves {per_month(rec.monthly_saving)}"
    )
    if rec.one_time_cost > 0:
        line += f" for a one-time {format_money(rec.one_time_cost)}, {payback_text(rec.payback_months)}"
    return line + "."


def caveat_text(caveat: Caveat) -> str:
    name = class_name(caveat.storage_class or "")
    texts = {
        "retrieval_fee": f"Reading objects back from {name} costs {format_money(caveat.per_gb or 0)} per GB.",
        "restore_delay": f"Objects in {name} must be restored before reading, which takes up to {caveat.hours} hours.",
        "minimum_duration": (
            f"{name} bills at least {days_text(caveat.days or 0)}: deleting or moving an object sooner "
            "still costs the rest of that time."
        ),
        "early_deletion": (
            f"The one-time cost includes about {format_money(caveat.amount or 0)} for leaving a class before "
            "its minimum storage time."
        ),
        "small_objects_skipped": (
            f"{plural(caveat.objects, 'object')} ({format_bytes(caveat.bytes)}) {verb(caveat.objects, 'is', 'are')} "
            f"too small for {name}: moving them would cost more than it saves in a year."
        ),
        "intelligent_tiering_estimate": (
            f"{plural(caveat.objects, 'object')} in Intelligent-Tiering {verb(caveat.objects, 'is', 'are')} priced at its "
            "Frequent Access rate, so the real cost may be lower."
        ),
        "unpriced_class": (
            f"{plural(caveat.objects, 'object')} in {name} {verb(caveat.objects, 'is', 'are')} not included in the cost."
        ),
        "prices_from_other_region": f"I have no prices for this bucket's region, so I used {caveat.region} prices.",
        "current_versions_only": "Older versions of objects are not counted (the bucket keeps versions).",
    }
    return texts[caveat.code]


def analysis_summary(report: CostReport) -> list[str]:
    """Sentences for the chat: the overall figure, one per recommendation, then what to keep in mind."""
    lines = [
        f"{plural(report.objects, 'object')} ({format_bytes(report.bytes)}), about {per_month(report.monthly_cost)} now."
    ]
    if report.recommendations:
        lines += [recommendation_text(rec) for rec in report.recommendations]
        lines.append(
            f"Altogether: {per_month(report.monthly_cost_after)} instead of {per_month(report.monthly_cost)}, "
            f"for a one-time {format_money(report.one_time_cost)}."
        )
    else:
        lines.append("Nothing worth moving right now: no change would pay for itself within a year.")
    if report.left_alone_objects:
        lines.append(
            f"{plural(report.left_alone_objects, 'object')} ({format_bytes(report.left_alone_bytes)}) "
            f"{verb(report.left_alone_objects, 'stays where it is', 'stay where they are')}: "
            "too small for a move to pay back."
        )
    lines += [caveat_text(caveat) for caveat in report.caveats]
    for rec in report.recommendations:
        lines += [caveat_text(c) for c in rec.caveats if c.code in ("retrieval_fee", "restore_delay", "early_deletion")]
    return lines


def summary_rows(report: CostReport) -> list[tuple[str, ...]]:
    """Header + one row per storage class + total: class, objects, size, cost now, cost after."""
    rows: list[tuple[str, ...]] = [("Storage class", "Objects", "Size", "Now", "After")]
    for summary in report.classes:
        now = per_month(summary.monthly_cost) if summary.priced else "-"
        after = per_month(summary.monthly_cost_after) if summary.priced else "-"
        rows.append((class_name(summary.storage_class), f"{summary.objects:,}", format_bytes(summary.bytes), now, after))
    rows.append(
        (
            "Total",
            f"{report.objects:,}",
            format_bytes(report.bytes),
            per_month(report.monthly_cost),
            per_month(report.monthly_cost_after),
        )
    )
    return rows


def recommendation_rows(report: CostReport) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = [("Move to", "Age", "Larger than", "Objects", "Size", "One-time", "Saves", "Payback")]
    for rec in report.recommendations:
        months = rec.payback_months
        rows.append(
            (
                class_name(rec.target_class),
                f"{rec.min_age_days}+ days",
                format_bytes(rec.min_size_bytes),
                f"{rec.objects:,}",
                format_bytes(rec.bytes),
                format_money(rec.one_time_cost),
                per_month(rec.monthly_saving),
                "-" if months is None else f"{months:.1f} months",
            )
        )
    return rows


def _steps(facts: Sequence[TransitionFact], after: str) -> str:
    parts = []
    for fact in facts:
        when = f"on {fact.on_date.isoformat()}" if fact.on_date else f"{after} {days_text(fact.days or 0)}"
        parts.append(f"to {class_name(fact.storage_class)} {when}")
    return and_join(parts)


def _subject(e: RuleExplanation) -> str:
    subject = f"Objects under {e.prefix}" if e.prefix else "All objects"
    if e.tags:
        subject += " tagged " + ", ".join(f"{key}={value}" for key, value in e.tags)
    if e.size_greater_than is not None and e.size_less_than is not None:
        subject += f" between {format_bytes(e.size_greater_than)} and {format_bytes(e.size_less_than)}"
    elif e.size_greater_than is not None:
        subject += f" larger than {format_bytes(e.size_greater_than)}"
    elif e.size_less_than is not None:
        subject += f" smaller than {format_bytes(e.size_less_than)}"
    return subject


def describe_rule(e: RuleExplanation) -> str:
    """One rule in plain words, e.g. 'Objects under logs/ larger than 128 KB move to Standard-IA after 30 days, ...'."""
    sentences = []
    subject = _subject(e)
    if e.transitions:
        sentences.append(f"{subject} move {_steps(e.transitions, 'after')}.")
    if e.expiration_days is not None or e.expiration_date is not None:
        when = f"after {days_text(e.expiration_days)}" if e.expiration_days is not None else f"on {e.expiration_date}"
        sentences.append(f"{subject if not e.transitions else 'They'} are deleted {when}.")
    if e.expired_delete_markers:
        sentences.append("Delete markers with no versions left behind are removed.")
    if e.noncurrent_transitions:
        sentences.append(f"Older versions move {_steps(e.noncurrent_transitions, 'after')} (counted from being replaced).")
    if e.noncurrent_expiration_days is not None:
        keep = f", except the newest {e.noncurrent_newer_versions}" if e.noncurrent_newer_versions else ""
        sentences.append(f"Older versions are deleted {days_text(e.noncurrent_expiration_days)} after being replaced{keep}.")
    if e.abort_multipart_days is not None:
        where = f" under {e.prefix}" if e.prefix else ""
        sentences.append(f"Unfinished uploads{where} are cleaned up after {days_text(e.abort_multipart_days)}.")
    if not sentences:
        sentences.append(f"{subject}: no actions.")
    text = " ".join(sentences)
    return text if e.enabled else f"(Disabled) {text}"


def describe_plan(plan: MergePlan) -> list[str]:
    """What applying the plan changes, one line each; conflicts say which of the user's rules is in the way."""
    lines = [f"Add {_rule_name(rule)}." for rule in plan.added]
    lines += [f"Update {_rule_name(change.after)}." for change in plan.updated]
    lines += [f"Remove the outdated {_rule_name(rule)}." for rule in plan.removed]
    lines += [f"Keep your rule '{rule.get('ID', '')}' as it is." for rule in plan.kept]
    for conflict in plan.conflicts:
        where = f"objects under {conflict.prefix}" if conflict.prefix else "the whole bucket"
        lines.append(f"Not adding '{conflict.proposed_id}': your rule '{conflict.existing_id}' already handles {where}.")
    if not plan.changes:
        lines.append("Nothing would change.")
    return lines


def _rule_name(rule: Rule) -> str:
    where = f" for {rule_prefix(rule)}" if rule_prefix(rule) else ""
    return f"rule '{rule.get('ID', '')}'{where}"


# --- chat replies of the cost skills ------------------------------------------------------------------------------
ANALYSIS_TITLE = "Cost analysis of {bucket} ({region}), listed just now:"
ANALYSIS_TITLE_INVENTORY = "Cost analysis of {bucket} ({region}) from its S3 Inventory report of {as_of}:"
ATHENA_HINT = (
    'For a bucket too large even for its inventory report, the README section "Very large buckets: S3 Inventory '
    'and Athena" shows how to run the same analysis as Athena SQL.'
)
ANALYSIS_NEXT = (
    'Say "setup lifecycle policy for {bucket}" to turn this into lifecycle rules - I show them and ask before '
    "changing anything."
)
ANALYSIS_STARTED = (
    "Working on it: {bucket} holds more than {objects} objects, so I'm analysing it in the background and will "
    'post the result here. Say "stop" to stop it.'
)
ANALYSIS_PROGRESS = "Still analysing {bucket}: {objects} objects counted so far."
CLASS_TABLE_TITLE = "Monthly cost of {bucket} per storage class"
CLASS_LINE = "- {name}: {objects} ({size}), {now} now, {after} after"
CLASS_LINE_UNPRICED = "- {name}: {objects} ({size}), not priced"

LIFECYCLE_FROM_ANALYSIS = "Proposed lifecycle policy for {bucket}, from its analysis ({objects} ({size}), about {cost} now)."
LIFECYCLE_STANDARD = (
    "Proposed lifecycle policy for {bucket}: the standard steps after 30, 90 and 365 days ({bucket} holds more than "
    '{objects} objects, too many to analyse first; ask "suggest cost optimization for {bucket}" for its figures).'
)
LIFECYCLE_RULES_AFTER = "After the change {bucket} would have these rules:"
LIFECYCLE_CHANGES = "What changes:"
CONFIRM_LIFECYCLE = "Apply these lifecycle rules to {bucket}? Your own rules stay exactly as they are."
LIFECYCLE_YES = "Yes, apply them"
LIFECYCLE_NOTHING_TO_DO = "Nothing to change on {bucket}:"
LIFECYCLE_NONE = (
    "{bucket} has no lifecycle rules: objects stay in their storage class until someone deletes them. "
    'Say "setup lifecycle policy for {bucket}" and I\'ll propose one (and ask before applying it).'
)
LIFECYCLE_CURRENT = "{bucket} has {rules}:"
LIFECYCLE_SHOW_NEXT = 'Say "setup lifecycle policy for {bucket}" to see what I would add or update.'


def rule_line(e: RuleExplanation, *, mark_owner: bool = True) -> str:
    """'- 'archive-logs' (yours): Objects under logs/ ...' - whose a rule is matters when ours are merged in."""
    owner = (" (CloudButler's)" if e.managed else " (yours)") if mark_owner else ""
    return f"- '{e.rule_id}'{owner}: {describe_rule(e)}"


def lifecycle_applied(bucket: str, *, added: int, updated: int, removed: int, kept: int, total: int) -> str:
    """'Applied the lifecycle policy to b: added 2 rules and kept 1 of yours. b now has 3 lifecycle rules.'"""
    parts = [f"{word} {plural(count, 'rule')}" for word, count in (("added", added), ("updated", updated),
                                                                        ("removed", removed)) if count]
    if kept:
        parts.append(f"kept {kept} of yours as {verb(kept, 'it was', 'they were')}")
    if not parts:
        done = "no changes"
    else:
        done = and_join(parts)
    return (
        f"Applied the lifecycle policy to {bucket}: {done}. {bucket} now has {plural(total, 'lifecycle rule')}. "
        f'Say "show lifecycle policy for {bucket}" to read them.'
    )


def _error_reply(code: str, template: str) -> errors.Reply:
    def reply(details: Mapping[str, Any]) -> str:
        values = dict(details)
        if isinstance(values.get("problems"), (list, tuple)):
            values["problems"] = ", ".join(str(p) for p in values["problems"])
        if isinstance(values.get("objects_seen"), int):
            values["objects_seen"] = f"{values['objects_seen']:,}"
        text = template.format(**values)
        return f"{text} {ATHENA_HINT}" if code in ("bucket_too_large", "inventory_missing") else text

    return reply


errors.register({code: _error_reply(code, template) for code, template in ERRORS.items()})
