"""Bucket size trends: one bucket's change over a period (figures, per class, a stacked chart) or the account's
tracked buckets ranked by growth (table, small multiples); and starting or stopping the tracking (asked first,
audited). The figures come from size tracking (``actions.aws.size_tracking``), never from listing the bucket."""
from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.aws.errors import BOTO_ERRORS, s3_error
from actions.aws.size_tracking import NotTrackedError, TrackedBucket
from actions.aws.storage_trend import BucketTrend, StorageTrends
from actions.core import context, wording
from actions.core.base import ConfirmableAction, Skill
from actions.core.late import Reply
from actions.core.parsing import refers_back
from actions.core.periods import Period
from actions.skills.trends import charts
from actions.skills.trends import wording as say
from actions.skills.trends.base import TrendAction

_STOP = re.compile(
    r"\b(?:stop|quit|cease|end|halt|pause|disable|turn\s+off)\w*\s+(?:the\s+|size\s+|my\s+)?"
    r"(?:tracking|recording|monitoring|watching|logging|following)\b|\buntrack|\bno\s+longer\s+(?:track|record|"
    r"monitor|watch)|\bdon'?t\s+(?:track|record|monitor|watch)\b|\b(?:remove|take)\s+\S+\s+(?:from|off)\s+(?:the\s+)?"
    r"(?:tracking|size\s+tracker|watch\s*list)",
    re.IGNORECASE,
)


def wants_stop(text: str, operation: str | None) -> bool:
    """"stop tracking x", "untrack x", "no longer track x" - or the operation entity "stop"."""
    return (operation or "").strip().lower() == "stop" or bool(_STOP.search(text))


def track_offer(bucket: str) -> list[dict[str, str]]:
    """A button that asks to track ``bucket`` (which asks first in its turn)."""
    payload = "/track_bucket" + json.dumps({"bucket": bucket}, separators=(",", ":"))
    return [{"title": say.TRACK_BUTTON.format(bucket=bucket), "payload": payload}]


def trend_replies(trend: BucketTrend, period: Period, chart: str | None) -> list[Reply]:
    """The summary (with the chart); a table per storage class when there are several."""
    summary: Reply = {"text": "\n".join(say.trend_lines(trend, period))}
    if chart:
        summary["image"] = chart
    replies = [summary]
    if len(trend.classes) > 1:
        title = say.CLASS_TABLE_TITLE.format(bucket=trend.bucket)
        replies.append({"text": "\n".join(say.class_lines(trend)), "json_message": {"table": {
            "title": title, "columns": list(say.CLASS_COLUMNS), "rows": say.class_rows(trend)}}})
    return replies


def ranking_reply(trends: list[BucketTrend], period: Period, chart: str | None) -> Reply:
    shown = min(charts.MAX_MULTIPLES, sum(1 for t in trends if t.points))
    reply: Reply = {
        "text": "\n".join(say.ranking_lines(trends, period, shown)),
        "json_message": {"table": {"title": say.RANKING_TITLE.format(period=period.label),
                                   "columns": list(say.RANKING_COLUMNS), "rows": say.ranking_rows(trends)}},
    }
    if chart:
        reply["image"] = chart
    return reply


class ActionStorageTrend(TrendAction):
    action_name = "action_storage_trend"
    skill = Skill(title="Bucket size over time (change, per class, chart; or all tracked buckets ranked)",
                  example="how has media-library-prod grown this month?", order=45)
    default_period = "last 30 days"

    def trends(self) -> StorageTrends:
        return StorageTrends(tracker=self.size_tracker(), s3=self.clients.client("s3"))

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        period = self.period_of(dispatcher, tracker)
        if period is None:
            return []
        bucket = self.bucket_named_in(tracker)
        if bucket is None and refers_back(self.text_of(tracker)):
            bucket = context.current().last_bucket  # "how has it grown?"
        start, end = int(period.start.timestamp()), int(period.end.timestamp())
        if bucket is None:
            context.mention(skill=self.action_name)  # "same for x" after the ranking: x's trend
            trends = await self.blocking(self.trends().ranking, start, end)
            if not trends:
                dispatcher.utter_message(text=say.RANKING_NONE)
                return []
            chart = await self.blocking(self._ranking_chart, trends, period)
            dispatcher.utter_message(**ranking_reply(trends, period, chart))
            return []
        context.mention(bucket=bucket, skill=self.action_name)
        try:
            trend = await self.blocking(self.trends().trend, bucket, start, end)
        except NotTrackedError:
            dispatcher.utter_message(text=say.TREND_NOT_TRACKED.format(bucket=bucket), buttons=track_offer(bucket))
            return []
        if not trend.has_data:
            since = datetime.fromtimestamp(trend.since or end, UTC)
            dispatcher.utter_message(text=say.TREND_NO_DATA.format(bucket=bucket, period=period.label,
                                                                   since=say.moment(since) + " UTC"))
            return []
        chart = await self.blocking(self._trend_chart, trend)
        for reply in trend_replies(trend, period, chart):
            dispatcher.utter_message(**reply)
        return []

    def _trend_chart(self, trend: BucketTrend) -> str:
        return self.publish_png(charts.storage_chart(trend), f"size-{trend.bucket}.png")

    def _ranking_chart(self, trends: list[BucketTrend], period: Period) -> str | None:
        if not any(t.points for t in trends):
            return None
        return self.publish_png(charts.ranking_chart(trends, period.label), "bucket-growth.png")


class ActionTrackBucket(TrendAction, ConfirmableAction):
    """"start tracking x": what will change (our notification added, the bucket's others kept, the queue), asked
    first, then done and audited. "stop tracking x" / "untrack x": only our notification removed, history kept."""

    action_name = "action_track_bucket"
    kind = "track_bucket"
    skill = Skill(title="Start or stop tracking a bucket's size (asks first, keeps other notifications)",
                  example="start tracking my-project-bucket", order=46)
    default_period = "today"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        stop = wants_stop(self.text_of(tracker), self.entity(tracker, "operation"))
        example = say.NEED_BUCKET_UNTRACK if stop else say.NEED_BUCKET_TRACK
        bucket = self.require(dispatcher, self.bucket_of(tracker), wording.NEED_BUCKET.format(example=example))
        if bucket is None:
            return []
        sizes = self.size_tracker()
        if stop:
            live = await self.blocking(self._live_or_missing, bucket)
            if live is None:
                dispatcher.utter_message(text=say.NOT_TRACKED_NOTHING_TO_STOP.format(bucket=bucket))
                return []
            plan = await self.blocking(sizes.track_plan, bucket)
            return self.propose(dispatcher, say.untrack_question(bucket, len(plan.kept)),
                                {"kind": self.kind, "bucket": bucket, "stop": True}, say.UNTRACK_YES)
        plan = await self.blocking(sizes.track_plan, bucket)
        if plan.tracked:
            live = await self.blocking(sizes.tracked_bucket, bucket)
            if live is not None:
                dispatcher.utter_message(text=say.already_tracked(bucket, live.since, live.bytes, live.objects))
                return []
        if not plan.possible:
            dispatcher.utter_message(text=say.cannot_track(plan))
            return []
        return self.propose(dispatcher, say.track_question(plan), {"kind": self.kind, "bucket": bucket, "stop": False},
                            say.TRACK_YES)

    def _live_or_missing(self, bucket: str) -> TrackedBucket | None:
        """Blocking: the bucket's live figures; None if it is not tracked; NoSuchBucket if there is no such bucket."""
        live = self.size_tracker().tracked_bucket(bucket)
        if live is None:
            try:
                self.clients.client("s3").head_bucket(Bucket=bucket)
            except BOTO_ERRORS as exc:
                raise s3_error(exc, bucket=bucket) from exc
        return live

    async def confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, pending: dict[str, Any]
    ) -> list[dict[str, Any]]:
        bucket = str(pending["bucket"])
        sizes = self.size_tracker()
        if pending.get("stop"):
            stopped = await self.blocking(self.audited, tracker, "untrack_bucket", {"bucket": bucket},
                                          lambda: sizes.untrack(bucket), lambda was: {"was_tracked": was})
            template = say.TRACKING_STOPPED if stopped else say.NOT_TRACKED_NOTHING_TO_STOP
            dispatcher.utter_message(text=template.format(bucket=bucket))
            return []
        tracked = await self.blocking(self.audited, tracker, "track_bucket", {"bucket": bucket},
                                      lambda: sizes.track(bucket),
                                      lambda live: {"bytes": live.bytes, "objects": live.objects})
        dispatcher.utter_message(text=say.tracking_started(bucket, tracked.bytes, tracked.objects))
        return []
