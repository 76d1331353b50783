"""An instance's CPU and network history from CloudWatch: a line per metric, the min/avg/max/p95 table and a chart."""
from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.aws.metrics import InstanceHistory, InstanceMetrics
from actions.core.base import Skill
from actions.core.late import Reply
from actions.core.periods import Period
from actions.skills.trends import charts
from actions.skills.trends import wording as say
from actions.skills.trends.base import TrendAction

DEFAULT_METRICS = ("cpu", "network_in", "network_out")
# Words for each metric (as typed, or as the extractor found them), first match wins per word run.
_METRIC_WORDS: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), keys) for pattern, keys in (
        (r"\b(?:network|net)[\s_-]*(?:in|incoming|inbound|received|rx)\b|\b(?:incoming|inbound)\s+(?:traffic|network)"
         r"|\bingress\b|\bbytes\s+in\b", ("network_in",)),
        (r"\b(?:network|net)[\s_-]*(?:out|outgoing|outbound|sent|tx)\b|\b(?:outgoing|outbound)\s+(?:traffic|network)"
         r"|\begress\b|\bbytes\s+out\b", ("network_out",)),
        (r"\bnetwork\b|\bbandwidth\b|\btraffic\b|\bthroughput\b", ("network_in", "network_out")),
        (r"\bcpu\b|\bprocessor\b|\bcompute\b|\butili[sz]ation\b|\bload\b", ("cpu",)),
        (r"\bmemory\b|\bram\b|\bmem\b", ("memory",)),
        (r"\bdisk\b|\bdisk\s+space\b|\bfilesystem\b|\bvolume\b", ("disk",)),
    )
)


def metrics_named(values: list[str], text: str) -> tuple[str, ...]:
    """The metrics the message asks for: from the extractor's values, else from its words; () for none."""
    for source in (values, [text]):
        found: list[str] = []
        for value in source:
            rest = value
            for pattern, keys in _METRIC_WORDS:
                if pattern.search(rest):
                    found += keys
                    rest = pattern.sub(" ", rest)
        if found:
            return tuple(dict.fromkeys(found))
    return ()


def metrics_replies(history: InstanceHistory, period: Period, chart: str | None) -> Reply:
    """The figures as lines (the table in words), the table, and the chart."""
    reply: Reply = {"text": "\n".join(say.metrics_lines(history, period))}
    rows = say.metric_rows(history)
    if rows:
        reply["json_message"] = {"table": {"title": say.metrics_title(history, period),
                                           "columns": list(say.METRIC_COLUMNS), "rows": rows}}
    if chart:
        reply["image"] = chart
    return reply


class ActionInstanceMetrics(TrendAction):
    action_name = "action_instance_metrics"
    skill = Skill(title="An instance's CPU and network over time (min/avg/max/p95, chart)",
                  example="show web-2 cpu this week", order=12)
    target = "instance"
    default_period = "last 24 hours"

    def service(self) -> InstanceMetrics:
        return InstanceMetrics(ec2=self.clients.client("ec2"), cloudwatch=self.clients.client("cloudwatch"),
                               clock=self.clock)

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        period = self.period_of(dispatcher, tracker)
        if period is None:
            return []
        instance = self.require(dispatcher, self.instance_of(tracker, required=True), say.NEED_INSTANCE)
        if instance is None:
            return []
        metrics = metrics_named(self.entities_of(tracker, "metric"), self.text_of(tracker)) or DEFAULT_METRICS
        history = await self.blocking(self.service().history, instance, metrics, period.start, period.end)
        chart = await self.blocking(self._chart, history)
        dispatcher.utter_message(**metrics_replies(history, period, chart))
        return []

    def _chart(self, history: InstanceHistory) -> str | None:
        if not any(series.points for series in history.series):
            return None
        return self.publish_png(charts.metrics_chart(history), f"metrics-{history.instance.label}.png")
