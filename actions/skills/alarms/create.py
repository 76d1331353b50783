"""Creating a CloudWatch alarm from chat ("alert me when web-2 cpu goes over 80% for 10 minutes"): the pieces a
message leaves out are asked for in one question, the alarm is named and described exactly before anything is
created, and the creation is confirmed and audited. Its ALARM and OK actions notify the alarms topic, whose alerts
reach the channels subscribed to alarm alerts."""
from __future__ import annotations

import os
import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.aws.alarms import (
    AlarmError,
    AlarmSpec,
    CreatedAlarm,
    alarm_info,
    alarm_topic_name,
    create_alarm,
    find_alarm,
)
from actions.aws.instances import InstanceControl
from actions.core.base import ConfirmableAction, Skill
from actions.skills.alarms import wording as say
from actions.skills.alarms.parsing import AGENT_ONLY, AlarmRequest, duration_in, parse_request, schedule
from actions.skills.servers.control_parsing import instance_named

INTENT = "create_alarm"
METRIC_NAMES = {"memory": "memory", "disk": "disk space"}


def _request_of(text: str, entities: list[dict[str, Any]]) -> tuple[AlarmRequest, str | None]:
    """What one message names: the extractor's entities, read with the words around them."""
    duration = duration_in(text)
    values: dict[str, list[str]] = {}
    for entity in entities:
        start = entity.get("start")
        if entity.get("entity") == "threshold" and duration and isinstance(start, int) \
                and duration[1][0] <= start < duration[1][1]:
            continue  # the extractor takes the 10 of "for 10 minutes" for a threshold too
        if entity.get("value"):
            values.setdefault(str(entity.get("entity")), []).append(str(entity["value"]).strip())
    instance = instance_named(next(iter(values.get("instance", [])), None))
    request = parse_request(text, metrics=values.get("metric", []), threshold=next(iter(values.get("threshold", [])),
                            None), instance=instance, period=next(iter(values.get("period", [])), None))
    return request, instance


def _earlier(tracker: Tracker) -> tuple[AlarmRequest, str | None] | None:
    """The alarm request this message answers (it follows our question for missing pieces) or repeats ("and
    web-1?"): what that earlier create_alarm message named."""
    events = list(tracker.events)
    users = [index for index, e in enumerate(events) if e.get("event") == "user"]
    if not users:
        return None
    latest_intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
    bots = [e for e in events[:users[-1]] if e.get("event") == "bot"]
    answers_question = bool(bots) and str(bots[-1].get("text") or "").startswith(say.NEED_START)
    if latest_intent == INTENT and not answers_question:
        return None
    for index in reversed(users[:-1]):
        parse = events[index].get("parse_data") or {}
        if (parse.get("intent") or {}).get("name") == INTENT:
            return _request_of(str(events[index].get("text") or ""), list(parse.get("entities") or []))
    return None


def _named_in(text: str, known: list[str]) -> str | None:
    """A known instance's name written in the message, when the extractor found none (longest name first)."""
    for name in sorted(known, key=len, reverse=True):
        if re.search(r"(?<![\w.-])" + re.escape(name) + r"(?![\w-])", text, re.IGNORECASE):
            return name
    return None


class ActionCreateAlarm(ConfirmableAction):
    action_name = "action_create_alarm"
    kind = "create_alarm"
    target = "instance"
    skill = Skill(title="Create a CloudWatch alarm on an instance's CPU, network or status checks (asks first)",
                  example="alert me when web-2 cpu goes over 80% for 10 minutes", order=17)

    def topic_name(self) -> str:
        return alarm_topic_name(os.environ)

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        text = self.text_of(tracker)
        request, _ = _request_of(text, list((tracker.latest_message or {}).get("entities") or []))
        name = instance_named(self.instance_of(tracker))
        earlier = _earlier(tracker)
        if earlier is not None:
            request = request.merged(earlier[0])
            name = name or earlier[1]
        control = InstanceControl(self.clients.client("ec2"))
        known: list[str] = []
        if not name:
            known = await self.blocking(control.known)
            name = _named_in(text, known)
        if request.metric in AGENT_ONLY:
            dispatcher.utter_message(text=say.AGENT_ONLY.format(metric=METRIC_NAMES[request.metric]))
            return []
        missing = [part for part, value in (("instance", name), ("metric", request.metric),
                                            ("threshold", request.threshold)) if value is None]
        if request.metric == "status_check" and "threshold" in missing:
            missing.remove("threshold")  # failing is the threshold
        if missing:
            dispatcher.utter_message(text=say.need(missing, instance=name, metric=request.metric, known=known))
            return []
        assert name is not None and request.metric is not None
        instance = await self.blocking(control.find, name)
        period, periods = schedule(request.minutes)
        status = request.metric == "status_check"
        spec = AlarmSpec(instance_id=instance.instance_id, instance_name=instance.name, metric=request.metric,
                         direction="above" if status else request.direction or "above",
                         threshold=0.0 if status else float(request.threshold or 0.0), period=period, periods=periods)
        spec.check()
        existing = await self.blocking(find_alarm, self.clients.client("cloudwatch"), spec.name)
        if existing is not None and not request.replace:
            raise AlarmError("alarm_exists", alarm=spec.name, state=say.state_words(str(existing.get("StateValue"))),
                             condition=_condition(existing))
        return self._ask(dispatcher, spec, existing)

    def _ask(self, dispatcher: CollectingDispatcher, spec: AlarmSpec, existing: dict[str, Any] | None
             ) -> list[dict[str, Any]]:
        note = say.DETAILED_NOTE if spec.period == 60 else ""
        values = {"name": spec.name, "condition": say.condition(spec), "topic": self.topic_name(), "note": note}
        if existing is None:
            text = say.CONFIRM.format(**values)
        else:
            text = say.CONFIRM_REPLACE.format(old=_condition(existing),
                                              state=say.state_words(str(existing.get("StateValue"))), **values)
        pending = {"kind": self.kind, "alarm": spec.name, "instance": spec.label, "instance_id": spec.instance_id,
                   "instance_name": spec.instance_name, "metric": spec.metric, "direction": spec.direction,
                   "threshold": spec.threshold, "period": spec.period, "periods": spec.periods,
                   "replace": existing is not None}
        return self.propose(dispatcher, text, pending, say.YES if existing is None else say.YES_REPLACE,
                            danger=existing is not None)

    async def confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, pending: dict[str, Any]
    ) -> list[dict[str, Any]]:
        spec = AlarmSpec(instance_id=str(pending["instance_id"]), instance_name=pending.get("instance_name") or None,
                         metric=str(pending["metric"]), direction="below" if pending["direction"] == "below" else "above",
                         threshold=float(pending["threshold"]), period=int(pending["period"]),
                         periods=int(pending["periods"]))
        replace = bool(pending.get("replace"))
        created_by = self.identity(tracker).sender_id
        params = {"alarm": spec.name, "instance": spec.label, "instance_id": spec.instance_id, "metric": spec.metric,
                  "direction": spec.direction, "threshold": spec.threshold, "period": spec.period,
                  "periods": spec.periods, "replace": replace}

        def call() -> CreatedAlarm:
            return create_alarm(self.clients.client("cloudwatch"), self.clients.client("sns"), spec,
                                topic_name=self.topic_name(), created_by=created_by, replace=replace)

        created = await self.blocking(self.audited, tracker, "create_alarm", params, call,
                                      lambda c: {"alarm_arn": c.arn, "topic": c.topic_arn})
        template = say.DONE_REPLACED if created.replaced else say.DONE
        dispatcher.utter_message(text=template.format(name=created.name, condition=say.condition(spec)))
        return []


def _condition(raw: dict[str, Any]) -> str:
    return alarm_info(raw).condition
