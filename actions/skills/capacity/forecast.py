"""forecast_load: an instance's CPU for a future window ("forecast web-1 for tomorrow", "what will batch-1's cpu look
like tomorrow?"), from the model chosen for that very series, with its intervals, a chart and - since people ask
"will it need a bigger instance?" - the right-sizing verdict for the coming week."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.aws.metrics import AGENT_ONLY
from actions.core.base import Skill
from actions.core.late import Reply
from actions.skills.capacity import charts
from actions.skills.capacity import wording as say
from actions.skills.capacity.base import CapacityAction, percentile_named
from actions.skills.capacity.outlook import Outlook, outlook
from actions.skills.trends.metrics import metrics_named


def forecast_reply(result: Outlook, chart: str | None) -> Reply:
    lines = say.forecast_lines(result)
    if result.recommendation is not None:
        lines.append(say.size_line(result.instance.label, result.recommendation))
    reply: Reply = {"text": "\n".join(lines)}
    if chart:
        reply["image"] = chart
    return reply


class ActionForecastLoad(CapacityAction):
    action_name = "action_forecast_load"
    skill = Skill(title="Forecast an instance's CPU (model chosen per server, 80/95% intervals, chart)",
                  example="forecast web-1 for tomorrow", order=14)

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        horizon = self.horizon_of(dispatcher, tracker)
        if horizon is None:
            return []
        name = self.require(dispatcher, self.instance_of(tracker, required=True), say.NEED_INSTANCE)
        if name is None:
            return []
        metrics = metrics_named(
            [str(v) for v in tracker.get_latest_entity_values("metric")], self.text_of(tracker))
        if metrics and "cpu" not in metrics:
            agent = any(m in AGENT_ONLY for m in metrics)
            dispatcher.utter_message(text=(say.ONLY_CPU_AGENT if agent else say.ONLY_CPU_NETWORK).format(instance=name))
            return []
        capacity = self.capacity()
        instance = await self.blocking(capacity.resolve, name)
        result = await self.blocking(
            lambda: outlook(capacity, instance, horizon, region=self.clients.region, settings=self.settings,
                            rightsize=True, percentile=percentile_named(self.text_of(tracker))))
        chart = await self.blocking(self._chart, result)
        dispatcher.utter_message(**forecast_reply(result, chart))
        return []

    def _chart(self, result: Outlook) -> str:
        return self.publish_png(charts.forecast_chart(result), f"forecast-{result.instance.label}.png")
