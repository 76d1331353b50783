"""Cost optimisation over the cost engine (``actions/aws/cost/``): a bucket's cost analysis with savings, a table and a
chart; large buckets are analysed as background jobs (``actions/core/jobs.py``)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.aws.cost.analysis import BucketTooLarge, ListingLimits
from actions.aws.cost.model import CostReport
from actions.aws.s3 import Progress
from actions.core.base import Skill
from actions.core.formatting import plural
from actions.core.jobs import Job
from actions.core.late import Reply
from actions.core.media import publish
from actions.skills.cost import wording as say
from actions.skills.cost.base import CostAction
from actions.skills.cost.chart import cost_chart_png


# --- replies (pure) --------------------------------------------------------------------------------------------------
def analysis_replies(report: CostReport, chart: str | None) -> list[Reply]:
    """The analysis in words; then, for a bucket with objects, the per-class table and the chart."""
    inventory = report.source == "inventory"
    as_of = report.as_of.strftime("%Y-%m-%d") if report.as_of else "unknown date"
    title = say.ANALYSIS_TITLE_INVENTORY if inventory else say.ANALYSIS_TITLE
    lines = [title.format(bucket=report.bucket, region=report.region, as_of=as_of), *say.analysis_summary(report)]
    if inventory:
        lines.append(say.ATHENA_HINT)
    lines.append(say.ANALYSIS_NEXT.format(bucket=report.bucket))
    replies: list[Reply] = [{"text": "\n".join(lines)}]
    if report.objects:
        replies.append(class_table_reply(report, chart))
    return replies


def class_table_reply(report: CostReport, chart: str | None) -> Reply:
    title = say.CLASS_TABLE_TITLE.format(bucket=report.bucket)
    header, *rows = say.summary_rows(report)
    # The text says what the table says: channels that draw the table show it instead of the text.
    counts = [summary.objects for summary in report.classes] + [report.objects]  # the rows' order, then Total
    lines = [f"{title}:"]
    for (name, _objects, size, now, after), count in zip(rows, counts, strict=True):
        template = say.CLASS_LINE if now != "-" else say.CLASS_LINE_UNPRICED
        lines.append(template.format(name=name, objects=plural(count, "object"), size=size, now=now, after=after))
    reply: Reply = {
        "text": "\n".join(lines),
        "json_message": {"table": {"title": title, "columns": list(header), "rows": [list(row) for row in rows]}},
    }
    if chart:
        reply["image"] = chart
    return reply


# --- actions ---------------------------------------------------------------------------------------------------------
def publish_chart(report: CostReport, media_dir: Path) -> str | None:
    """Blocking: the chart as a PNG in the media folder, for a bucket with objects; its ``/media/<name>`` URL."""
    if not report.objects:
        return None
    return publish(cost_chart_png(report), f"cost-{report.bucket}.png", folder=media_dir)


class ActionCostOptimization(CostAction):
    action_name = "action_cost_optimization"
    skill = Skill(title="Cost optimisation for a bucket (savings, payback, chart)",
                  example="suggest cost optimization for my-project-bucket", order=40)
    need_bucket_example = "suggest cost optimization for my-project-bucket"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, bucket: str) -> list[dict[str, Any]]:
        try:
            report = await self.blocking(self.small_analysis, bucket)
        except BucketTooLarge:
            objects = f"{self.settings.direct_objects:,}"
            dispatcher.utter_message(text=say.ANALYSIS_STARTED.format(bucket=bucket, objects=objects))
            self.start_background(tracker.sender_id, bucket)
            return []
        chart = await self.blocking(publish_chart, report, self.settings.media_dir)
        for reply in analysis_replies(report, chart):
            dispatcher.utter_message(**reply)
        return []

    def start_background(self, sender_id: str, bucket: str) -> None:
        """The analysis as a job: its progress, then the summary, the table and the chart as late messages."""
        analyser, settings = self.analyser(), self.settings

        def work(progress: Progress) -> list[Reply]:
            report = analyser.analyse_auto(  # a failure is worded by the job runner
                bucket, progress=lambda objects, _bytes: progress(objects, None),
                limits=ListingLimits(max_objects=settings.listing_max_objects), workdir=settings.workdir,
            )
            return analysis_replies(report, publish_chart(report, settings.media_dir))

        self.jobs.start(Job(
            sender_id=sender_id, work=work,
            progress_text=lambda done, _total: say.ANALYSIS_PROGRESS.format(bucket=bucket, objects=f"{done:,}"),
            title=f"the cost analysis of {bucket}",
        ))
