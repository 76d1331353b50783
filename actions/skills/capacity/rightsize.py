"""rightsize: is an instance the right size ("is web-2 oversized?", "should batch-1 run on a t3.small instead?"), or
which of the fleet are ("which of our servers are oversized?") - Compute Optimizer's method: a CPU percentile over
the lookback plus headroom, with the forecast's upper bound for the coming week; the type that fits from the
instance catalogue and the monthly cost difference. The fleet is checked as a background job with progress."""
from __future__ import annotations

import json
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.aws.errors import CloudButlerError
from actions.core import errors
from actions.core.base import Skill
from actions.core.formatting import plural
from actions.core.jobs import Job
from actions.core.late import Reply
from actions.rightsizing.engine import TypeVerdict
from actions.skills.capacity import charts
from actions.skills.capacity import wording as say
from actions.skills.capacity.base import CapacityAction, any_family_asked, percentile_named
from actions.skills.capacity.outlook import Outlook, fleet_outlooks, fleet_progress, outlook, type_verdict


def instance_replies(result: Outlook, chart: str | None, verdict: TypeVerdict | None = None) -> list[Reply]:
    lines = say.recommendation_lines(result)
    if verdict is not None:
        lines.insert(0, say.verdict_line(result.instance.label, verdict))
    reply: Reply = {"text": "\n".join(lines)}
    if chart:
        reply["image"] = chart
    return [reply]


def resize_button(result: Outlook) -> list[dict[str, str]]:
    """For a recommendation that changes the type: a button that is the resize request itself - the instance
    control skill then says what happens and asks, as if it had been typed."""
    rec = result.recommendation
    if rec is None or rec.recommended_type == rec.current_type:
        return []
    request = {"operation": "resize", "instance": result.instance.label, "instance_type": rec.recommended_type}
    return [{"title": say.resize_title(result.instance.label, rec.recommended_type),
             "payload": "/instance_control" + json.dumps(request, separators=(",", ":"))}]


def fleet_replies(
    outlooks: list[Outlook], skipped: list[tuple[str, str]], chart: str | None, *, percentile: float,
    headroom: float, days: int,
) -> list[Reply]:
    if not outlooks and not skipped:
        return [{"text": say.NO_INSTANCES}]
    ordered = say.sort_worst_first(outlooks)
    reply: Reply = {"text": "\n".join(say.fleet_lines(ordered, skipped, percentile=percentile, headroom=headroom,
                                                       days=days))}
    rows = say.fleet_rows(ordered)
    if rows:
        reply["json_message"] = {"table": {"title": "Right-sizing", "columns": list(say.FLEET_COLUMNS),
                                           "rows": rows}}
    if chart:
        reply["image"] = chart
    return [reply]


def fleet_progress_text(done: int, total: int | None) -> str:
    phase, count, instances = fleet_progress(done, total)
    return say.FLEET_PROGRESS[phase].format(done=count, total=instances)


class ActionRightsize(CapacityAction):
    action_name = "action_rightsize"
    skill = Skill(title="Right-size instances (finding, recommended type, $/month change, chart)",
                  example="which of our servers are oversized?", order=15)

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        horizon = self.horizon_of(dispatcher, tracker, default="next week")
        if horizon is None:
            return []
        percentile = percentile_named(self.text_of(tracker)) or self.settings.percentile
        any_family = any_family_asked(self.text_of(tracker))
        capacity = self.capacity()
        name = self.instance_of(tracker)
        if name:
            instance = await self.blocking(capacity.resolve, name)
            result = await self.blocking(
                lambda: outlook(capacity, instance, horizon, region=self.clients.region, settings=self.settings,
                                rightsize=True, percentile=percentile, any_family=any_family))
            chart = await self.blocking(self._chart, result)
            asked = self.entity(tracker, "instance_type")
            verdict = None
            if asked and asked.lower() != instance.instance_type:
                verdict = await self.blocking(lambda: type_verdict(
                    result, asked.lower(), region=self.clients.region, settings=self.settings, percentile=percentile))
            for reply in instance_replies(result, chart, verdict):
                dispatcher.utter_message(**reply, buttons=resize_button(result))
            return []
        running = await self.blocking(capacity.running)
        if not running:
            dispatcher.utter_message(text=say.NO_INSTANCES)
            return []
        dispatcher.utter_message(text=say.FLEET_STARTED.format(count=plural(len(running), "running instance")))
        region, settings = self.clients.region, self.settings

        def work(progress: Any) -> list[Reply]:
            done, skipped = fleet_outlooks(capacity, horizon, region=region, settings=settings, progress=progress,
                                           percentile=percentile, any_family=any_family)
            ordered = say.sort_worst_first(done)
            chart = self._chart(ordered[0]) if ordered else None
            why = [(instance.label, errors.error_text(exc) if isinstance(exc, CloudButlerError) else str(exc))
                   for instance, exc in skipped]
            return fleet_replies(ordered, why, chart, percentile=percentile, headroom=settings.headroom,
                                 days=settings.lookback_days)

        self.jobs.start(Job(
            sender_id=tracker.sender_id, work=work,
            progress_text=fleet_progress_text,
            title="the right-sizing of the fleet",
        ))
        return []

    def _chart(self, result: Outlook) -> str:
        return self.publish_png(charts.forecast_chart(result), f"rightsize-{result.instance.label}.png")
