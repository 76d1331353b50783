"""Cost optimisation over the cost engine (``actions/aws/cost/``): a bucket's cost analysis with savings, a table and a
chart; large buckets are analysed as background jobs (``actions/core/jobs.py``)."""
from __future__ import annotations

import asyncio
import functools
import logging
from pathlib import Path
from typing import Any, Mapping

import aiohttp
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.aws.cost.analysis import BucketTooLarge, ListingLimits
from actions.aws.cost.model import CostReport
from actions.aws.s3 import Progress
from actions.core.base import Skill, SkillAction
from actions.core.formatting import plural
from actions.core.jobs import Job, JobRunner, PostFailed, RasaPoster
from actions.core.media import publish
from actions.skills.cost import wording as say
from actions.skills.cost.base import CostAction
from actions.skills.cost.chart import cost_chart_png

logger = logging.getLogger(__name__)

REPORT_INTENT = "EXTERNAL_cost_report"  # a background analysis' table and chart -> action_cost_report
REPORT_ENTITY = "message"
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
        lines.append(template.format(name=name, objects=plural(count, "object"), size=size, now=now, after=after))
    reply: dict[str, Any] = {
        "text": "\n".join(lines),
        "json_message": {"table": {"title": title, "columns": list(header), "rows": [list(row) for row in rows]}},
    }
    if chart:
        reply["image"] = chart
    return reply


# --- media and background results -----------------------------------------------------------------------------------
def write_chart(report: CostReport, media_dir: Path) -> str | None:
    """Blocking: the chart as a PNG under a fresh random name in the media folder; its ``/media/<name>`` URL."""
    if not report.objects:
        return None
    return publish(cost_chart_png(report), f"cost-{report.bucket}.png", folder=media_dir)


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
            report = analyser.analyse_auto(  # a failure is worded by the job runner
                bucket, progress=lambda objects, _bytes: progress(objects, None),
                limits=ListingLimits(max_objects=settings.listing_max_objects), workdir=settings.workdir,
            )
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


