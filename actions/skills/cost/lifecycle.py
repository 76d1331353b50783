"""Lifecycle skills: a policy proposed from the bucket's analysis (applied only after a yes, never replacing the
user's rules), and the current rules in plain words."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Mapping

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.aws.cost.analysis import BucketTooLarge
from actions.aws.cost.explain import explain_rules
from actions.aws.cost.lifecycle import MergePlan, Rule, propose_policy, validate_rules
from actions.aws.cost.model import CostReport
from actions.aws.errors import CloudButlerError
from actions.core.base import ConfirmableAction, Skill
from actions.core.formatting import format_bytes, plural
from actions.skills.cost import wording as say
from actions.skills.cost.base import CostAction


def proposal_lines(bucket: str, plan: MergePlan, basis: str) -> list[str]:
    lines = [basis, say.LIFECYCLE_RULES_AFTER.format(bucket=bucket)]
    lines += [say.rule_line(e) for e in explain_rules(plan.rules)]
    lines.append(say.LIFECYCLE_CHANGES)
    lines += [f"- {line}" for line in say.describe_plan(plan)]
    return lines


def current_rules_text(bucket: str, rules: list[Rule]) -> str:
    if not rules:
        return say.LIFECYCLE_NONE.format(bucket=bucket)
    explained = explain_rules(rules)
    lines = [say.LIFECYCLE_CURRENT.format(bucket=bucket, rules=plural(len(rules), "lifecycle rule"))]
    lines += [say.rule_line(e) for e in explained]
    if not any(e.managed for e in explained):
        lines.append(say.LIFECYCLE_SHOW_NEXT.format(bucket=bucket))
    return "\n".join(lines)


# --- rules in the pending slot (pure) ---------------------------------------------------------------------------------
def rules_to_slot(rules: Any) -> Any:
    """Rules as JSON for the ``pending`` slot: S3 returns rule dates as datetimes."""
    if isinstance(rules, Mapping):
        return {key: rules_to_slot(value) for key, value in rules.items()}
    if isinstance(rules, (list, tuple)):
        return [rules_to_slot(value) for value in rules]
    if isinstance(rules, (datetime, date)):
        return rules.isoformat()
    return rules


def rules_from_slot(rules: Any, key: str = "") -> Any:
    """The inverse of ``rules_to_slot``: ``Date`` values become datetimes again, so they compare equal to what S3
    returns when ``LifecycleService.apply`` checks that the bucket's rules did not change meanwhile."""
    if isinstance(rules, Mapping):
        return {k: rules_from_slot(value, k) for k, value in rules.items()}
    if isinstance(rules, list):
        return [rules_from_slot(value) for value in rules]
    if key == "Date" and isinstance(rules, str):
        return datetime.fromisoformat(rules.replace("Z", "+00:00"))
    return rules


def plan_from_slot(pending: Mapping[str, Any]) -> MergePlan:
    """The plan exactly as it was shown: its merged rule list and the rules it was computed from. Only what
    ``LifecycleService.apply`` reads is filled in; the change lists were already said and stay in the slot."""
    rules = tuple(rules_from_slot(list(pending["rules"])))
    return MergePlan(
        existing=tuple(rules_from_slot(list(pending["existing"]))), rules=rules, added=(), updated=(),
        unchanged=(), kept=(), removed=(), conflicts=(), problems=tuple(validate_rules(rules)),
    )


def _ids(rules: Any) -> list[str]:
    return [str(rule.get("ID", "")) for rule in rules]


# --- actions ---------------------------------------------------------------------------------------------------------
class ActionApplyLifecycle(CostAction, ConfirmableAction):
    """Proposes CloudButler's lifecycle rules merged into the bucket's own; puts exactly that list on "yes"."""

    action_name = "action_apply_lifecycle"
    kind = "apply_lifecycle"
    skill = Skill(title="Set up a lifecycle policy (shows the rules, asks first, keeps yours)",
                  example="setup lifecycle policy for my-project-bucket", order=41)
    need_bucket_example = "setup lifecycle policy for my-project-bucket"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, bucket: str) -> list[dict[str, Any]]:
        analyser = self.analyser()
        report: CostReport | None
        try:
            report = await self.blocking(self.small_analysis, bucket)
        except BucketTooLarge:
            report = None  # too big to list here: the standard ladder, and the user is told so
        versioned = await self.blocking(analyser.bucket_versioned, bucket)
        plan = await self.blocking(self.lifecycle().plan, bucket, propose_policy(report, versioned))
        if plan.problems:
            raise CloudButlerError("lifecycle_invalid", bucket=bucket, problems=[p.code for p in plan.problems])
        if report is not None:
            basis = say.LIFECYCLE_FROM_ANALYSIS.format(
                bucket=bucket, objects=plural(report.objects, "object"), size=format_bytes(report.bytes),
                cost=say.per_month(report.monthly_cost),
            )
        else:
            basis = say.LIFECYCLE_STANDARD.format(bucket=bucket, objects=f"{self.settings.direct_objects:,}")
        lines = proposal_lines(bucket, plan, basis)
        if not plan.changes:
            lines.insert(0, say.LIFECYCLE_NOTHING_TO_DO.format(bucket=bucket))
            dispatcher.utter_message(text="\n".join(lines))
            return []
        lines.append(say.CONFIRM_LIFECYCLE.format(bucket=bucket))
        pending = {
            "kind": self.kind,
            "bucket": bucket,
            "existing": rules_to_slot(list(plan.existing)),
            "rules": rules_to_slot(list(plan.rules)),
            "added": _ids(plan.added),
            "updated": _ids(change.after for change in plan.updated),
            "removed": _ids(plan.removed),
            "kept": _ids(plan.kept),
        }
        return self.propose(dispatcher, "\n".join(lines), pending, say.LIFECYCLE_YES)

    async def confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, pending: dict[str, Any]
    ) -> list[dict[str, Any]]:
        bucket = str(pending["bucket"])
        plan = plan_from_slot(pending)
        changes = {name: list(pending.get(name) or []) for name in ("added", "updated", "removed", "kept")}
        parameters = {"bucket": bucket, **changes, "rules": _ids(plan.rules)}
        service = self.lifecycle()
        # Between the change's two audit lines, whatever the outcome; action_confirm words a failure.
        await self.blocking(self.audited, tracker, self.kind, parameters, lambda: service.apply(bucket, plan))
        counts = {name: len(ids) for name, ids in changes.items()}
        dispatcher.utter_message(text=say.lifecycle_applied(bucket, total=len(plan.rules), **counts))
        return []


class ActionShowLifecycle(CostAction):
    action_name = "action_show_lifecycle"
    skill = Skill(title="Explain a bucket's lifecycle rules", example="show lifecycle policy for my-project-bucket",
                  order=42)
    need_bucket_example = "show lifecycle policy for my-project-bucket"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, bucket: str) -> list[dict[str, Any]]:
        rules = await self.blocking(self.lifecycle().current_rules, bucket)
        dispatcher.utter_message(text=current_rules_text(bucket, rules))
        return []
