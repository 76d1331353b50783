"""Helpers to run an action the way the action server does: a Tracker from a message, a CollectingDispatcher."""
from __future__ import annotations

import json
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.core.confirmation import Choice, Question, Questions


def tracker_for(
    text: str = "",
    *,
    intent: str = "",
    entities: list[dict[str, Any]] | None = None,
    slots: dict[str, Any] | None = None,
    sender_id: str = "slack:T1:U1",
    metadata: dict[str, Any] | None = None,
    events: list[dict[str, Any]] | None = None,
) -> Tracker:
    return Tracker(
        sender_id=sender_id,
        slots=slots or {},
        latest_message={
            "text": text,
            "intent": {"name": intent, "confidence": 1.0},
            "entities": entities or [],
            "metadata": metadata or {},
        },
        events=events or [],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def user_event(text: str, intent: str = "", entities: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}, "entities": entities or []}}


def asked(pending: dict[str, Any], text: str = "Go ahead?") -> dict[str, Any]:
    """``pending`` as a proposing action of this process leaves it: stamped with a question asked just now."""
    return Questions().stamp(pending, Question(text=text, yes=(Choice("Yes"),)))


def yes_payload(pending: dict[str, Any], **entities: str) -> str:
    """The payload of a yes button of the question that left ``pending`` (``entities`` ride along, e.g. a tier)."""
    return "/affirm" + json.dumps({**entities, "confirm": pending["question"]["token"]}, separators=(",", ":"))


def answer_to(
    pending: dict[str, Any],
    text: str = "yes",
    *,
    intent: str = "affirm",
    entities: list[dict[str, Any]] | None = None,
    between: list[dict[str, Any]] | None = None,
    sender_id: str = "slack:T1:U1",
) -> Tracker:
    """The user's answer to the question that left ``pending``, with the events Rasa would send: the question's
    slot event, then ``between`` (nothing by default: the question was the bot's last message), then the answer."""
    events = [
        {"event": "slot", "name": "pending", "value": pending},
        {"event": "action", "name": "action_listen"},
        *(between or []),
        user_event(text, intent, entities),
    ]
    return tracker_for(text, intent=intent, entities=entities, slots={"pending": pending}, sender_id=sender_id,
                       events=events)


def click_yes(pending: dict[str, Any], *, sender_id: str = "slack:T1:U1", **entities: str) -> Tracker:
    """A click on a yes button of the question that left ``pending``: its payload, parsed into entities."""
    values = {**entities, "confirm": pending["question"]["token"]}
    return answer_to(pending, yes_payload(pending, **entities), sender_id=sender_id,
                     entities=[{"entity": name, "value": value} for name, value in values.items()])


class Conversation:
    """One conversation as the Rasa server keeps it: each turn appends the user message, the action, its bot
    messages and its events, so an action sees what was said before it (``tracker.events``) and the slots."""

    def __init__(self, sender_id: str = "slack:T1:U1") -> None:
        self.sender_id = sender_id
        self.events: list[dict[str, Any]] = []
        self.slots: dict[str, Any] = {}

    async def turn(
        self, action: Any, text: str, intent: str, entities: list[dict[str, Any]] | None = None
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        self.events.append(user_event(text, intent, entities))
        tracker = tracker_for(text, intent=intent, entities=entities, slots=dict(self.slots),
                              sender_id=self.sender_id, events=list(self.events))
        events, sent = await run_action(action, tracker)
        self.events.append({"event": "action", "name": action.name()})
        self.events += [{"event": "bot", "text": m.get("text"), "data": {"buttons": m.get("buttons")}} for m in sent]
        for event in events:
            self.events.append(event)
            if event.get("event") == "slot":
                self.slots[event["name"]] = event["value"]
        self.events.append({"event": "action", "name": "action_listen"})
        return events, sent

    @property
    def pending(self) -> Any:
        return self.slots.get("pending")


async def run_action(action: Any, tracker: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, {})
    return events, dispatcher.messages


def talked_about(
    *, bucket: str | None = None, key: str | None = None, instance: str | None = None, job: str | None = None,
    skill: str | None = None,
) -> dict[str, Any]:
    """The one ``context`` slot event an action run ends with when it named something (``actions.core.context``);
    ``key`` names an object of ``bucket``."""
    value: dict[str, Any] = {}
    if bucket:
        value["bucket"] = bucket
    if key:
        value["object"] = {"bucket": bucket, "key": key}
    value.update({name: v for name, v in (("instance", instance), ("job", job), ("skill", skill)) if v})
    return {"event": "slot", "timestamp": None, "name": "context", "value": value or None}
