"""Conversations for the analytics tests, written by Rasa's own SQLTrackerStore: three people on three channels over
two days (see ``EXPECTED`` in conftest.py for what they add up to).

Each step is (seconds after the day's start, event); moments are exact binary fractions, so figures compare exactly.
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    DefinePrevUserUtteredFeaturization,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.slots import AnySlot
from rasa.shared.core.trackers import DialogueStateTracker

DAY0 = dt.datetime(2026, 11, 30, tzinfo=dt.UTC)  # a Monday
DAY1 = DAY0 + dt.timedelta(days=1)
T0 = DAY0.timestamp() + 10 * 3600
T1 = DAY1.timestamp() + 9 * 3600
NO_BUCKET = "There is no bucket called old-logs in this account. Say \"list my buckets\" to see yours."


def user(at: float, text: str, intent: str, channel: str) -> Event:
    parse = {"intent": {"name": intent, "confidence": 0.93}, "entities": [], "text": text,
             "intent_ranking": [{"name": intent, "confidence": 0.93}]}
    return UserUttered(text, intent=parse["intent"], parse_data=parse, input_channel=channel, timestamp=at,
                       metadata={"platform": channel})


def late(at: float, channel: str) -> Event:
    event = UserUttered.create_external("EXTERNAL_late_message", [], channel)
    event.timestamp = at
    return event


def action(at: float, name: str) -> Event:
    return ActionExecuted(name, policy="RulePolicy", confidence=1.0, timestamp=at)


def bot(at: float, text: str) -> Event:
    return BotUttered(text, timestamp=at)


def question(at: float, kind: str, token: str, asked_at: float) -> Event:
    stamp = {"text": "Sure?", "yes": [{"title": "Yes", "entities": {}}], "no": "No, cancel", "button_only": False,
             "token": token, "asked_at": asked_at, "boot": "b00t"}
    return SlotSet("pending", {"kind": kind, "bucket": "old-logs", "question": stamp}, timestamp=at)


def cleared(at: float) -> Event:
    return SlotSet("pending", None, timestamp=at)


def listen(at: float) -> Event:
    return action(at, "action_listen")


def button(token: str) -> str:
    return "/affirm" + json.dumps({"confirm": token}, separators=(",", ":"))


def alice() -> list[Event]:
    """Slack, day 0: lists, deletes after a yes by button. Contained."""
    t = T0
    return [
        action(t, "action_session_start"), SessionStarted(timestamp=t), listen(t),
        user(t + 10, "list my buckets", "list_buckets", "slack"),
        DefinePrevUserUtteredFeaturization(False, timestamp=t + 10.125),
        action(t + 10.5, "action_list_buckets"), bot(t + 10.25, "You have 2 buckets."), listen(t + 10.75),
        user(t + 20, "delete bucket old-logs", "delete_bucket", "slack"),
        action(t + 21, "action_delete_bucket"), bot(t + 20.75, "Delete old-logs?"),
        question(t + 20.875, "delete_bucket", "tok-a", t + 20.75), listen(t + 21.25),
        user(t + 30, button("tok-a"), "affirm", "slack"),
        action(t + 32, "action_confirm"), cleared(t + 31.75), bot(t + 31.875, "Deleted old-logs."), listen(t + 32.5),
    ]


def bob() -> list[Event]:
    """Discord, day 0: a message the model was unsure about, then a proposal declined. Not contained."""
    t = T0 + 3600
    return [
        user(t, "blah blah", "nlu_fallback", "discord"),
        action(t + 0.25, "action_help"), bot(t + 0.125, "Sorry, I didn't quite get that."), listen(t + 0.5),
        user(t + 100, "create bucket new-logs", "create_bucket", "discord"),
        action(t + 100.5, "action_create_bucket"), question(t + 100.375, "create_bucket", "tok-b", t + 100.25),
        listen(t + 100.75),
        user(t + 110, "no", "deny", "discord"),
        action(t + 110.125, "action_cancel"), cleared(t + 110.0625), bot(t + 110.09375, "Okay, I cancelled that."),
        listen(t + 110.25),
    ]


def carol_first_session() -> list[Event]:
    """REST, day 1: a failure, a core fallback, help, a late message, a yes that came too late, then a yes."""
    t = T1
    return [
        user(t, "what is in old-logs", "list_objects", "rest"),
        action(t + 3, "action_list_objects"), bot(t + 2.875, NO_BUCKET), listen(t + 3.125),
        user(t + 10, "hmm ok", "affirm", "rest"),
        action(t + 10.25, "action_help"), bot(t + 10.125, "Sorry, I didn't quite get that."), listen(t + 10.5),
        user(t + 20, "help", "help", "rest"),
        action(t + 20.25, "action_help"), bot(t + 20.125, "Here is what I can do right now:"), listen(t + 20.5),
        late(t + 30, "rest"),
        action(t + 30.125, "action_late_message"), bot(t + 30.0625, "Your sync finished."), listen(t + 30.25),
        user(t + 40, "create bucket y-logs", "create_bucket", "rest"),
        action(t + 40.5, "action_create_bucket"), question(t + 40.375, "create_bucket", "tok-c", t + 40.25),
        listen(t + 40.75),
        user(t + 1040, "yes", "affirm", "rest"),
        action(t + 1040.25, "action_confirm"), bot(t + 1040.0625, "I asked this more than 15 minutes ago"),
        question(t + 1040.125, "create_bucket", "tok-d", t + 1040.125), listen(t + 1040.5),
        user(t + 1050, "yes", "affirm", "rest"),
        action(t + 1050.375, "action_confirm"), cleared(t + 1050.25), bot(t + 1050.3125, "Created y-logs."),
        listen(t + 1050.5),
    ]


def carol_second_session() -> list[Event]:
    """Two hours later, a new session (as Rasa starts one: action_session_start before the message). Contained."""
    t = T1 + 7200
    return [
        action(t, "action_session_start"), SessionStarted(timestamp=t), listen(t),
        user(t + 0.125, "list my buckets", "list_buckets", "rest"),
        action(t + 0.625, "action_list_buckets"), bot(t + 0.5, "You have 3 buckets."), listen(t + 0.75),
    ]


DOMAIN = Domain.from_dict({"slots": {"pending": {"type": "any", "influence_conversation": False,
                                               "mappings": [{"type": "custom"}]}}})
SENDERS = {"alice": "slack:T1:U1", "bob": "discord:G1:U2", "carol": "rest:local:carol"}


def tracker_store(**kwargs: Any) -> SQLTrackerStore:
    return SQLTrackerStore(DOMAIN, **kwargs)


async def save(store: SQLTrackerStore, sender: str, events: Sequence[Event]) -> None:
    """As Rasa does after a message: the tracker as stored, the new events on top, saved."""
    tracker = await store.retrieve(sender)
    if tracker is None:
        tracker = DialogueStateTracker(sender, [AnySlot("pending", mappings=[{"type": "custom"}])])
    for event in events:
        tracker.update(event)
    await store.save(tracker)


async def write_all(store: SQLTrackerStore) -> None:
    # Interleaved as they would arrive: alice and bob on day 0, carol on day 1.
    await save(store, SENDERS["alice"], alice()[:8])
    await save(store, SENDERS["bob"], bob()[:4])
    await save(store, SENDERS["alice"], alice()[8:])
    await save(store, SENDERS["bob"], bob()[4:])
    await save(store, SENDERS["carol"], carol_first_session())
    await save(store, SENDERS["carol"], carol_second_session())
