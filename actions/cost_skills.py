"""Cost skills over the cost engine (``actions/aws/cost/``): a bucket's cost analysis with savings and a chart, a
lifecycle policy proposed from it (applied only after a yes, never replacing the user's rules), and the current
rules in plain words. Large buckets are analysed as background jobs (``actions/jobs.py``)."""
from __future__ import annotations

import abc
import asyncio
import functools
import logging
import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, ClassVar, Mapping

import aiohttp
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.aws.cost import wording as say
from actions.aws.cost.analysis import BucketTooLarge, CostAnalyser, ListingLimits
from actions.aws.cost.chart import cost_chart_png
from actions.aws.cost.explain import explain_rules
from actions.aws.cost.lifecycle import LifecycleService, MergePlan, Rule, propose_policy, validate_rules
from actions.aws.cost.model import CostReport
from actions.aws.errors import CloudButlerError
from actions.aws.transfer import Progress
from actions.core.base import Skill, SkillAction
from actions.core.confirmation import Choice, Question
from actions.core.jobs import Job, JobRunner, PostFailed, RasaPoster
from actions.general import ConfirmableAction
from actions.storage import bucket_named, media_name
from connectors.vocabulary import MEDIA_ROUTE

logger = logging.getLogger(__name__)

DIRECT_OBJECTS = 1_000  # buckets up to this many objects are answered at once (one listing page)
LISTING_MAX_OBJECTS = 500_000  # past this a background analysis reads the S3 Inventory report instead
REPORT_INTENT = "EXTERNAL_cost_report"  # a background analysis' table and chart -> action_cost_report
REPORT_ENTITY = "message"


@dataclass(frozen=True)
class CostSettings:
    direct_objects: int = DIRECT_OBJECTS
    listing_max_objects: int = LISTING_MAX_OBJECTS
    media_dir: Path = Path("./var/media")
    workdir: str | None = None  # where inventory files are unpacked (the system temp folder by default)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> CostSettings:
        env = os.environ if env is None else env
        return cls(
            direct_objects=int(env.get("CLOUDBUTLER_COST_DIRECT_OBJECTS") or DIRECT_OBJECTS),
            listing_max_objects=int(env.get("CLOUDBUTLER_COST_LISTING_MAX_OBJECTS") or LISTING_MAX_OBJECTS),
            media_dir=Path(env.get("CLOUDBUTLER_MEDIA_DIR") or "./var/media"),
            workdir=env.get("CLOUDBUTLER_COST_WORKDIR") or None,
        )


# --- replies (pure) --------------------------------------------------------------------------------------------------
def analysis_replies(report: CostReport, chart: str | None) -> list[dict[str, Any]]:
    """The analysis in words; then, for a bucket with objects, the per-class table and the chart."""
    inventory = report.source == "inventory"
    as_of = report.as_of.strftime("%Y-%m-%d") if report.as_of else "unknown date"
    title = say.ANALYSIS_TITLE_INVENTORY if inventory else say.ANALYSIS_TITLE
    lines = [title.format(bucket=report.bucket, region=report.region, as_of=as_of), *say.analysis_summary(report)]
    if inventory:
        lines.append(say.ATHENA_HINT)
    lines.append(say.ANALYSIS_NEXT.format(bucket=report.bucket))
    replies: list[dict[str, Any]] = [{"text": "\n".join(lines)}]
    if report.objects:
        replies.append(class_table_reply(report, chart))
    return replies


def class_table_reply(report: CostReport, chart: str | None) -> dict[str, Any]:
    title = say.CLASS_TABLE_TITLE.format(bucket=report.bucket)
    header, *rows = say.summary_rows(report)
    # The text says what the table says: channels that draw the table show it instead of the text.
    counts = [summary.objects for summary in report.classes] + [report.objects]  # the rows' order, then Total
    lines = [f"{title}:"]
    for (name, _objects, size, now, after), count in zip(rows, counts, strict=True):
        template = say.CLASS_LINE if now != "-" else say.CLASS_LINE_UNPRICED
        lines.append(template.format(name=name, objects=say.count_text(count), size=size, now=now, after=after))
    reply: dict[str, Any] = {
        "text": "\n".join(lines),
        "json_message": {"table": {"title": title, "columns": list(header), "rows": [list(row) for row in rows]}},
    }
    if chart:
        reply["image"] = chart
    return reply


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
    lines = [say.LIFECYCLE_CURRENT.format(bucket=bucket, rules=say.count_text(len(rules), "lifecycle rule"))]
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


# --- media and background results -----------------------------------------------------------------------------------
def write_chart(report: CostReport, media_dir: Path) -> str | None:
    """Blocking: the chart as a PNG under a fresh random name in the media folder; its ``/media/<name>`` URL."""
    if not report.objects:
        return None
    png = cost_chart_png(report)
    media_dir.mkdir(parents=True, exist_ok=True)
    name = media_name(f"cost-{report.bucket}.png")
    with (media_dir / name).open("xb") as target:  # never replaces a file
        target.write(png)
    return f"{MEDIA_ROUTE}{name}"


class MessagePoster:
    """Posts a whole reply (text, image, table) into a conversation: ``EXTERNAL_cost_report`` carrying it as its
    ``message`` entity, which ``action_cost_report`` says. Job updates (``actions.core.jobs``) carry text only."""

    def __init__(self, rasa: RasaPoster) -> None:
        self.rasa = rasa

    async def __call__(self, sender_id: str, message: Mapping[str, Any]) -> None:
        payload = {"name": REPORT_INTENT, "entities": {REPORT_ENTITY: dict(message)}}
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.rasa.timeout)) as session:
            async with session.post(self.rasa.url_for(sender_id), json=payload) as response:
                if response.status >= 400:
                    raise PostFailed(response.status)


# --- actions ---------------------------------------------------------------------------------------------------------
class CostAction(SkillAction, abc.ABC):
    """Base of the cost skills: the bucket named in the message, the engine's services, this skill's failures."""

    need_bucket_example: ClassVar[str]

    @functools.cached_property
    def settings(self) -> CostSettings:
        return CostSettings.from_env()

    def analyser(self) -> CostAnalyser:
        return CostAnalyser(s3=self.clients.client("s3"))

    def lifecycle(self) -> LifecycleService:
        return LifecycleService(s3=self.clients.client("s3"))

    def bucket_of(self, tracker: Tracker) -> str | None:
        """The bucket this message names, as for the storage skills (``actions.storage.bucket_named``)."""
        return bucket_named(str((tracker.latest_message or {}).get("text") or ""), self.entity(tracker, "bucket"))

    def small_analysis(self, bucket: str) -> CostReport:
        """Blocking: the analysis of a bucket of at most ``direct_objects`` objects; ``BucketTooLarge`` otherwise."""
        return self.analyser().analyse(bucket, limits=ListingLimits(max_objects=self.settings.direct_objects))

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        bucket = self.bucket_of(tracker)
        if not bucket:
            dispatcher.utter_message(text=say.NEED_BUCKET.format(example=self.need_bucket_example))
            return []
        try:
            return await self.answer(dispatcher, tracker, bucket)
        except CloudButlerError as exc:
            text = say.error_text(exc)  # this skill's own codes; AWS failures are worded by actions.messages
            if text is None:
                raise
            dispatcher.utter_message(text=text)
            return []

    @abc.abstractmethod
    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, bucket: str) -> list[dict[str, Any]]:
        """Reply about ``bucket``; raise CloudButlerError for failures."""


class ActionCostOptimization(CostAction):
    action_name = "action_cost_optimization"
    skill = Skill(title="Cost optimisation for a bucket (savings, payback, chart)",
                  example="suggest cost optimization for my-project-bucket", order=40)
    need_bucket_example = "suggest cost optimization for my-project-bucket"

    def __init__(self) -> None:
        self._followups: set[asyncio.Task[None]] = set()

    @functools.cached_property
    def jobs(self) -> JobRunner:
        return JobRunner(RasaPoster.from_env())

    @functools.cached_property
    def poster(self) -> MessagePoster:
        return MessagePoster(RasaPoster.from_env())

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, bucket: str) -> list[dict[str, Any]]:
        try:
            report = await self.blocking(self.small_analysis, bucket)
        except BucketTooLarge:
            objects = f"{self.settings.direct_objects:,}"
            dispatcher.utter_message(text=say.ANALYSIS_STARTED.format(bucket=bucket, objects=objects))
            self.start_background(tracker.sender_id, bucket)
            return []
        chart = await self.blocking(write_chart, report, self.settings.media_dir)
        for reply in analysis_replies(report, chart):
            dispatcher.utter_message(**reply)
        return []

    def start_background(self, sender_id: str, bucket: str) -> None:
        """The analysis as a job: progress and the summary arrive as job updates, then the table and chart."""
        rest: list[dict[str, Any]] = []  # filled by the job's thread before it returns
        analyser, settings = self.analyser(), self.settings

        def work(progress: Progress) -> str:
            try:
                report = analyser.analyse_auto(
                    bucket, progress=lambda objects, _bytes: progress(objects, None),
                    limits=ListingLimits(max_objects=settings.listing_max_objects), workdir=settings.workdir,
                )
            except CloudButlerError as exc:
                text = say.error_text(exc)
                if text is None:
                    raise  # the job runner words AWS failures
                return text
            first, *others = analysis_replies(report, write_chart(report, settings.media_dir))
            rest.extend(others)
            return str(first["text"])

        job = self.jobs.start(Job(
            sender_id=sender_id, work=work,
            progress_text=lambda done, _total: say.ANALYSIS_PROGRESS.format(bucket=bucket, objects=f"{done:,}"),
            title=f"the cost analysis of {bucket}",
        ))
        task = asyncio.get_running_loop().create_task(self._post_rest(job, sender_id, rest))
        self._followups.add(task)  # a task nobody references may be garbage-collected mid-flight
        task.add_done_callback(self._followups.discard)

    async def _post_rest(self, job: asyncio.Task[None], sender_id: str, rest: list[dict[str, Any]]) -> None:
        await job
        for message in rest:
            try:
                await self.poster(sender_id, message)
            except Exception as exc:  # noqa: BLE001 - the summary already arrived; the chart is a bonus
                logger.warning("could not post the cost chart to %s: %s", sender_id, exc)

    async def wait(self) -> None:
        """Until every background analysis has posted everything (tests, shutdown)."""
        await self.jobs.wait()
        while self._followups:
            await asyncio.gather(*list(self._followups))


class ActionCostReport(SkillAction):
    """Says a reply a background analysis posted (``EXTERNAL_cost_report``): text, chart and table."""

    action_name = "action_cost_report"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        message = next(tracker.get_latest_entity_values(REPORT_ENTITY), None)
        if not isinstance(message, Mapping) or not isinstance(message.get("text"), str):
            return []
        kinds = {"text": str, "image": str, "json_message": Mapping}
        dispatcher.utter_message(**{key: message[key] for key, kind in kinds.items() if isinstance(message.get(key), kind)})
        return []


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
                bucket=bucket, objects=say.count_text(report.objects), size=say.size_text(report.bytes),
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
        return self.questions.ask(dispatcher, Question(text="\n".join(lines), yes=(Choice(say.LIFECYCLE_YES),)), pending)

    async def confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, pending: dict[str, Any]
    ) -> list[dict[str, Any]]:
        bucket = str(pending["bucket"])
        plan = plan_from_slot(pending)
        changes = {name: list(pending.get(name) or []) for name in ("added", "updated", "removed", "kept")}
        parameters = {"bucket": bucket, **changes, "rules": _ids(plan.rules)}
        try:
            await self.blocking(self._apply, tracker, bucket, plan, parameters)
        except CloudButlerError as exc:
            text = say.error_text(exc)  # "changed meanwhile" / "invalid"; AWS failures go to action_confirm
            if text is None:
                raise
            dispatcher.utter_message(text=text)
            return []
        counts = {name: len(ids) for name, ids in changes.items()}
        dispatcher.utter_message(text=say.lifecycle_applied(bucket, total=len(plan.rules), **counts))
        return []

    def _apply(self, tracker: Tracker, bucket: str, plan: MergePlan, parameters: Mapping[str, Any]) -> None:
        """Blocking: put the rules between the change's two audit lines, whatever the outcome."""
        self.audit.change(
            who=self.identity(tracker), action=self.kind, parameters=parameters,
            call=lambda: self.lifecycle().apply(bucket, plan),
        )


class ActionShowLifecycle(CostAction):
    action_name = "action_show_lifecycle"
    skill = Skill(title="Explain a bucket's lifecycle rules", example="show lifecycle policy for my-project-bucket",
                  order=42)
    need_bucket_example = "show lifecycle policy for my-project-bucket"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, bucket: str) -> list[dict[str, Any]]:
        rules = await self.blocking(self.lifecycle().current_rules, bucket)
        dispatcher.utter_message(text=current_rules_text(bucket, rules))
        return []
