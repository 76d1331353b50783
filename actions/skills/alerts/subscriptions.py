"""Which alerts a channel gets: "send stock alerts to this channel", "post alarms here", "stop alarm alerts here",
"what alerts does this channel get?"; and the Acknowledge button under an alert.

The channel is the one the verified identity names (``common.recipients.recipient_for`` of the sender id's platform
and workspace and the channel's own metadata), never a name in the message: a user can only change what the channel
they are in receives. A subscription changes what everyone in it sees, so it is asked first (and the confirmation
checks it is still the same channel) and audited.
"""
from __future__ import annotations

import functools
import os
import re
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.alerts.render import ack_payload
from actions.aws.alert_subscriptions import DEFAULT_PREFIX, TOPICS, AlertAcks, AlertSubscriptions, delivered_title
from actions.aws.errors import CloudButlerError
from actions.core.base import ConfirmableAction, Skill, SkillAction
from actions.core.identity import Identity
from actions.skills.alerts import wording as say
from common.recipients import WEB_PLATFORMS, output_channel_for, recipient_for

ALERT_ENTITY = "alert"
TOPIC_ENTITY = "topic"
_TOPIC_WORDS: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), topics) for pattern, topics in (
        (r"\b(?:all|every|everything|both|any)\b", TOPICS),
        (r"\b(?:stock|stocks|inventory|inventories|out[\s-]of[\s-]stock|restock\w*|sold[\s-]out)\b", ("stock",)),
        (r"\b(?:alarms?|cloud\s?watch|monitoring|metrics?|cpu|thresholds?)\b", ("alarms",)),
    )
)
_QUESTION = re.compile(
    r"^\s*(?:what|which)\b|^\s*(?:does|do|is|are|am)\b.*\b(?:get|gets|getting|receive|receives|receiving|"
    r"subscribed)\b|\bsubscriptions?\s*\??\s*$",
    re.IGNORECASE,
)


def topics_named(values: Sequence[str], text: str) -> tuple[str, ...]:
    """The topic kinds the message names, in the order of ``TOPICS``: from the entity's values, else from its
    words; both when it names none or says "all"."""
    for source in (values, [text]):
        found: set[str] = set()
        for value in source:
            for pattern, topics in _TOPIC_WORDS:
                if pattern.search(value):
                    found.update(topics)
        if found:
            return tuple(t for t in TOPICS if t in found)
    return TOPICS


def asks_what(text: str) -> bool:
    """"what alerts does this channel get?", "which alerts are posted here", "is this channel subscribed?"."""
    return bool(_QUESTION.search(text))


def recipient_of(identity: Identity) -> tuple[str, str]:
    """The recipient id of the conversation the user is in, and "channel" or "conversation" (a web chat). Only what
    the channel verified counts: the sender id's platform and workspace, the channel id of its metadata."""
    if identity.platform in WEB_PLATFORMS:
        return recipient_for(identity.platform, identity.workspace, identity.channel_id, identity.sender_id), \
            "conversation"
    if output_channel_for(f"{identity.platform}:") is None:
        raise CloudButlerError("alerts_platform_unsupported", platform=identity.platform)
    if not identity.channel_id or identity.channel_id == "-":
        raise CloudButlerError("alerts_no_channel")
    return recipient_for(identity.platform, identity.workspace, identity.channel_id, identity.sender_id), "channel"


def table_prefix(env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    return env.get("CLOUDBUTLER_TABLE_PREFIX") or DEFAULT_PREFIX


class AlertAction(SkillAction):
    """What the alert skills share: their two services, tables made on first use."""

    # When subscriptions and acknowledgements are stamped; tests assign their own.
    clock: Callable[[], float] = staticmethod(time.time)

    @functools.cached_property
    def prefix(self) -> str:
        return table_prefix()

    def subscriptions(self) -> AlertSubscriptions:
        """Blocking."""
        service = AlertSubscriptions(self.clients.client("dynamodb"), self.prefix, clock=self.clock)
        service.ensure_table()
        return service

    def acks(self) -> AlertAcks:
        """Blocking."""
        service = AlertAcks(self.clients.client("dynamodb"), self.prefix, clock=self.clock)
        service.ensure_table()
        return service

    def topics_here(self, recipient: str) -> list[str]:
        """Blocking."""
        return self.subscriptions().topics_of(recipient)

    @staticmethod
    def checked(tracker: Tracker, pending: Mapping[str, Any]) -> tuple[str, str]:
        """The recipient of the conversation confirming, which must be the one the question was about."""
        recipient, where = recipient_of(SkillAction.identity(tracker))
        if recipient != pending.get("recipient"):
            raise CloudButlerError("alerts_other_channel")
        return recipient, where


class ActionSubscribeAlerts(AlertAction, ConfirmableAction):
    """Asks, then subscribes the channel to stock alerts, alarms or both; "what alerts does this channel get?"
    answers without changing anything."""

    action_name = "action_subscribe_alerts"
    kind = "subscribe_alerts"
    skill = Skill(title="Post stock alerts and CloudWatch alarms into this channel (asks first), or say what it gets",
                  example="post alarms here", order=70)

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        recipient, where = recipient_of(self.identity(tracker))
        current = await self.blocking(self.topics_here, recipient)
        text = self.text_of(tracker)
        if asks_what(text):
            dispatcher.utter_message(text=say.what_here(current, where))
            return []
        wanted = topics_named(list(tracker.get_latest_entity_values(TOPIC_ENTITY)), text)
        new = [t for t in wanted if t not in current]
        if not new:
            dispatcher.utter_message(text=say.already_subscribed(wanted, where))
            return []
        pending = {"kind": self.kind, "recipient": recipient, "topics": new, "where": where,
                   "platform": self.identity(tracker).platform}
        return self.propose(dispatcher, say.subscribe_question(new, current, where), pending,
                            say.SUBSCRIBE_YES.format(here=say.HERE[where]))

    async def confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, pending: dict[str, Any]
    ) -> list[dict[str, Any]]:
        recipient, where = self.checked(tracker, pending)
        topics = [str(t) for t in pending.get("topics") or [] if t in TOPICS]
        who = self.identity(tracker)

        def subscribe() -> list[str]:
            service = self.subscriptions()
            return [t for t in topics if service.subscribe(recipient, t, by=who.sender_id, platform=who.platform)]

        await self.blocking(self.audited, tracker, "subscribe_alerts", {"recipient": recipient, "topics": topics},
                            subscribe, lambda added: {"added": added})
        now = await self.blocking(self.topics_here, recipient)
        dispatcher.utter_message(text=say.subscribed(topics, now, where))
        return []


class ActionUnsubscribeAlerts(AlertAction, ConfirmableAction):
    """Asks, then stops stock alerts, alarms or both in the channel."""

    action_name = "action_unsubscribe_alerts"
    kind = "unsubscribe_alerts"
    skill = Skill(title="Stop alerts in this channel (asks first)", example="stop alarm alerts here", order=71)

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        recipient, where = recipient_of(self.identity(tracker))
        current = await self.blocking(self.topics_here, recipient)
        wanted = topics_named(list(tracker.get_latest_entity_values(TOPIC_ENTITY)), self.text_of(tracker))
        stopping = [t for t in wanted if t in current]
        if not stopping:
            dispatcher.utter_message(text=say.nothing_to_stop(wanted, current, where))
            return []
        kept = [t for t in current if t not in stopping]
        pending = {"kind": self.kind, "recipient": recipient, "topics": stopping, "where": where}
        return self.propose(dispatcher, say.unsubscribe_question(stopping, kept, where), pending, say.UNSUBSCRIBE_YES)

    async def confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, pending: dict[str, Any]
    ) -> list[dict[str, Any]]:
        recipient, where = self.checked(tracker, pending)
        topics = [str(t) for t in pending.get("topics") or [] if t in TOPICS]

        def unsubscribe() -> list[str]:
            service = self.subscriptions()
            return [t for t in topics if service.unsubscribe(recipient, t)]

        await self.blocking(self.audited, tracker, "unsubscribe_alerts", {"recipient": recipient, "topics": topics},
                            unsubscribe, lambda removed: {"removed": removed})
        kept = await self.blocking(self.topics_here, recipient)
        dispatcher.utter_message(text=say.unsubscribed(topics, kept, where))
        return []


class ActionAcknowledgeAlert(AlertAction):
    """The Acknowledge button under an alert: the first press is recorded (who, when) and said; later presses hear
    who acknowledged it. Only an alert posted into this conversation (or delivered to this channel) can be."""

    action_name = "action_acknowledge_alert"  # only a button sends it: not a skill "help" offers to type

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        alert_id = self.entity(tracker, ALERT_ENTITY)
        if not alert_id:
            dispatcher.utter_message(text=say.ALERT_MISSING)
            return []
        who = self.identity(tracker)
        title = posted_title(tracker.events, alert_id)
        if title is None:
            title = await self.blocking(self._delivered_title, who, alert_id)
        if title is None:
            dispatcher.utter_message(text=say.ALERT_UNKNOWN)
            return []
        first, record = await self.blocking(lambda: self.acks().acknowledge(alert_id, by=who.user_name, title=title,
                                                                            by_id=who.sender_id))
        if first:
            dispatcher.utter_message(text=say.acknowledged(record.by, record.title))
        else:
            dispatcher.utter_message(text=say.already_acknowledged(record.by, record.at, record.title or title))
        return []

    def _delivered_title(self, who: Identity, alert_id: str) -> str | None:
        """Blocking: the title of the alert as delivered to this conversation's recipient ("" when the delivery
        record has none); None when it was not delivered here."""
        try:
            recipient, _ = recipient_of(who)
        except CloudButlerError:
            return None
        return delivered_title(self.clients.client("dynamodb"), self.prefix, alert_id, recipient)


def posted_title(events: Sequence[Mapping[str, Any]], alert_id: str) -> str | None:
    """The title of the alert posted into this conversation whose Acknowledge button names ``alert_id`` (the fields
    block's title, else the text's first line); None if none was."""
    payload = ack_payload(alert_id)
    for event in reversed(events):
        if event.get("event") != "bot":
            continue
        data = event.get("data") or {}
        buttons = data.get("buttons") or []
        if not any(isinstance(b, Mapping) and b.get("payload") == payload for b in buttons):
            continue
        custom = data.get("custom") or {}
        block = custom.get("fields") if isinstance(custom, Mapping) else None
        if isinstance(block, Mapping) and isinstance(block.get("title"), str) and block["title"]:
            return str(block["title"])
        return str(event.get("text") or "").split("\n", 1)[0]
    return None
