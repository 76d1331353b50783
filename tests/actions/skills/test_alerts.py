"""The alert skills against moto: subscribing a Slack channel or a web chat conversation to stock alerts, alarms or
both (asked first, audited, the channel only from the verified identity), stopping them, what a channel gets, and
the Acknowledge button (once; a later press says who and when; unknown and foreign alerts refused)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker

from actions.aws.alert_subscriptions import AlertSubscriptions
from actions.aws.clients import ClientFactory
from actions.core.base import ConfirmableAction, implemented_skills
from actions.skills.alerts import wording as say
from actions.skills.alerts.subscriptions import (
    ActionAcknowledgeAlert,
    ActionSubscribeAlerts,
    ActionUnsubscribeAlerts,
    asks_what,
    topics_named,
)
from actions.skills.conversation import ActionConfirm
from tests.actions.harness import run_action, tracker_for, user_event
from tests.actions.skills.storage.support import StorageEnv, make_env, pending_of

PREFIX = "cbtest-"
NOW = 1_764_655_380.0  # 2 Dec 2025 06:03 UTC
SLACK = "slack:T1:U1"
SLACK_META = {"platform": "slack", "user_id": "U1", "user_name": "Ada", "channel_id": "C1"}
CHANNEL = "slack:T1:#C1"
WEB = "web:local:s3ss10n"
WEB_META = {"platform": "web", "user_id": "s3ss10n", "user_name": "Linus", "channel_id": "s3ss10n"}
ALARM_TITLE = "web-2 cpu high is in ALARM"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, aws: ClientFactory) -> StorageEnv:
    return make_env(tmp_path, monkeypatch, aws)


@pytest.fixture
def subs(aws: ClientFactory) -> AlertSubscriptions:
    service = AlertSubscriptions(aws.client("dynamodb"), PREFIX)
    service.ensure_table()
    return service


def wired(env: StorageEnv, cls: type[Any]) -> Any:
    action = env.action(cls)
    action.prefix = PREFIX
    action.clock = lambda: NOW
    return action


def said(
    text: str, intent: str, *, sender: str = SLACK, metadata: dict[str, Any] | None = None,
    events: list[dict[str, Any]] | None = None, **entities: str,
) -> Tracker:
    found = [{"entity": name, "value": value} for name, value in entities.items()]
    return tracker_for(text, intent=intent, entities=found, sender_id=sender,
                       metadata=SLACK_META if metadata is None else metadata, events=events)


async def yes(env: StorageEnv, handler: ConfirmableAction, pending: dict[str, Any], *, sender: str = SLACK,
              metadata: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """A typed yes right after the question, in the conversation (and channel) given."""
    confirm = env.action(ActionConfirm)
    confirm._handlers[pending["kind"]] = handler
    events = [{"event": "slot", "name": "pending", "value": pending}, {"event": "action", "name": "action_listen"},
              user_event("yes", "affirm")]
    tracker = tracker_for("yes", intent="affirm", slots={"pending": pending}, sender_id=sender,
                          metadata=SLACK_META if metadata is None else metadata, events=events)
    _, sent = await run_action(confirm, tracker)
    return sent


def texts(sent: list[dict[str, Any]]) -> list[str]:
    return [str(m.get("text")) for m in sent]


def pending_slots(events: list[dict[str, Any]]) -> list[Any]:
    return [e for e in events if e.get("event") == "slot" and e.get("name") == "pending"]


# --- subscribing ----------------------------------------------------------------------------------------------------

async def test_send_stock_alerts_to_this_channel_asks_then_subscribes_and_audits(
    env: StorageEnv, subs: AlertSubscriptions
) -> None:
    action = wired(env, ActionSubscribeAlerts)
    events, sent = await run_action(action, said("send stock alerts to this channel", "subscribe_alerts",
                                                 topic="stock alerts"))
    assert texts(sent) == [
        "Post stock alerts into this channel? It will get stock alerts: an item running out of stock or coming "
        "back, and bad rows in an inventory file. Each alert comes with an Acknowledge button that anyone here can "
        "press. To stop them later, say \"stop stock alerts here\"."]
    assert [b["title"] for b in sent[0]["buttons"]] == ["Subscribe this channel", "No, cancel"]
    pending = pending_of(events)
    assert {k: v for k, v in pending.items() if k != "question"} == {
        "kind": "subscribe_alerts", "recipient": CHANNEL, "topics": ["stock"], "where": "channel",
        "platform": "slack"}
    assert subs.topics_of(CHANNEL) == []  # nothing before the yes

    sent = await yes(env, action, pending)
    assert texts(sent) == [
        "Done: this channel now gets stock alerts. The next alert will appear here as it happens. To stop, say "
        "\"stop stock alerts here\"."]
    assert [(s.recipient, s.topic, s.by, s.platform, s.at) for s in subs.subscriptions_of(CHANNEL)] == [
        (CHANNEL, "stock", SLACK, "slack", int(NOW))]
    assert subs.recipients("stock") == [CHANNEL]
    [line] = env.audit_lines()
    assert (line["action"], line["result"], line["sender"], line["channel"]) == (
        "subscribe_alerts", "ok", SLACK, "C1")
    assert line["parameters"] == {"recipient": CHANNEL, "topics": ["stock"], "added": ["stock"]}


async def test_all_alerts_asks_only_for_what_the_channel_does_not_get(
    env: StorageEnv, subs: AlertSubscriptions
) -> None:
    subs.subscribe(CHANNEL, "stock", by=SLACK, platform="slack")
    action = wired(env, ActionSubscribeAlerts)
    events, sent = await run_action(action, said("subscribe this channel to all alerts", "subscribe_alerts",
                                                 topic="all"))
    assert texts(sent) == [
        "Post CloudWatch alarms into this channel? It will get CloudWatch alarms: each CloudWatch alarm of the "
        "account going into ALARM or back to OK. Each alert comes with an Acknowledge button that anyone here can "
        "press. (This channel already gets stock alerts.) To stop them later, say \"stop alarm alerts here\"."]
    sent = await yes(env, action, pending_of(events))
    assert texts(sent) == [
        "Done: this channel now gets stock alerts and CloudWatch alarms. The next alert will appear here as it "
        "happens. To stop, say \"stop alarm alerts here\"."]
    assert subs.topics_of(CHANNEL) == ["stock", "alarms"]


async def test_what_the_channel_already_gets_is_not_asked_again(env: StorageEnv, subs: AlertSubscriptions) -> None:
    subs.subscribe(CHANNEL, "alarms", by=SLACK, platform="slack")
    events, sent = await run_action(wired(env, ActionSubscribeAlerts), said("post alarms here", "subscribe_alerts"))
    assert texts(sent) == [
        "This channel already gets CloudWatch alarms - nothing to change. To stop, say \"stop alarm alerts here\"."]
    assert pending_slots(events) == []


async def test_what_alerts_does_this_channel_get(env: StorageEnv, subs: AlertSubscriptions) -> None:
    action = wired(env, ActionSubscribeAlerts)
    events, sent = await run_action(action, said("what alerts does this channel get?", "subscribe_alerts"))
    assert texts(sent) == [
        "This channel gets no alerts from me. Say \"send stock alerts to this channel\", \"post alarms here\" or "
        "\"subscribe this channel to all alerts\" to start."]
    assert pending_slots(events) == []
    subs.subscribe(CHANNEL, "alarms", by=SLACK, platform="slack")
    _, sent = await run_action(action, said("which alerts are posted here", "subscribe_alerts"))
    assert texts(sent) == [
        "This channel gets CloudWatch alarms (CloudWatch alarms: each CloudWatch alarm of the account going into "
        "ALARM or back to OK). Say \"send stock alerts to this channel\" to add stock alerts. To stop, say \"stop "
        "alarm alerts here\"."]


async def test_a_web_chat_conversation_is_its_own_recipient(env: StorageEnv, subs: AlertSubscriptions) -> None:
    action = wired(env, ActionSubscribeAlerts)
    events, sent = await run_action(action, said("post alarms here", "subscribe_alerts", sender=WEB,
                                                 metadata=WEB_META, topic="alarms"))
    assert texts(sent)[0].startswith("Post CloudWatch alarms into this conversation?")
    pending = pending_of(events)
    assert (pending["recipient"], pending["where"]) == (WEB, "conversation")
    sent = await yes(env, action, pending, sender=WEB, metadata=WEB_META)
    assert texts(sent)[0].startswith("Done: this conversation now gets CloudWatch alarms.")
    assert subs.recipients("alarms") == [WEB]


async def test_the_channel_comes_only_from_the_verified_identity(env: StorageEnv, subs: AlertSubscriptions) -> None:
    action = wired(env, ActionSubscribeAlerts)
    # a channel named in the words is not where the alerts go: the channel the user wrote in is
    events, _ = await run_action(action, said("post alarms in #C9", "subscribe_alerts", topic="alarms"))
    assert pending_of(events)["recipient"] == CHANNEL
    # metadata that names another user than the sender id is not trusted, so there is no channel at all
    forged = {**SLACK_META, "user_id": "U2", "channel_id": "C9"}
    events, sent = await run_action(action, said("post alarms here", "subscribe_alerts", metadata=forged))
    assert texts(sent) == [say.ERRORS["alerts_no_channel"]]
    assert pending_slots(events) == []
    # a conversation no chat channel serves cannot get alerts
    events, sent = await run_action(action, said("post alarms here", "subscribe_alerts", sender="rest:local:bob",
                                                 metadata={}))
    assert texts(sent) == [say.ERRORS["alerts_platform_unsupported"].format(platform="rest")]
    assert pending_slots(events) == []
    assert subs.recipients("alarms") == []


async def test_a_yes_from_another_channel_changes_nothing(env: StorageEnv, subs: AlertSubscriptions) -> None:
    action = wired(env, ActionSubscribeAlerts)
    events, _ = await run_action(action, said("post alarms here", "subscribe_alerts", topic="alarms"))
    sent = await yes(env, action, pending_of(events), metadata={**SLACK_META, "channel_id": "C2"})
    assert texts(sent) == [say.ERRORS["alerts_other_channel"]]
    assert subs.recipients("alarms") == []
    assert env.audit_lines() == []


# --- stopping -------------------------------------------------------------------------------------------------------

async def test_stop_alarm_alerts_here_asks_then_stops_only_alarms(env: StorageEnv, subs: AlertSubscriptions) -> None:
    subs.subscribe(CHANNEL, "stock", by=SLACK, platform="slack")
    subs.subscribe(CHANNEL, "alarms", by=SLACK, platform="slack")
    action = wired(env, ActionUnsubscribeAlerts)
    events, sent = await run_action(action, said("stop alarm alerts here", "unsubscribe_alerts", topic="alarm"))
    assert texts(sent) == [
        "Stop posting CloudWatch alarms into this channel? It keeps getting stock alerts. You can start again any "
        "time with \"post alarms here\"."]
    assert [b["title"] for b in sent[0]["buttons"]] == ["Stop them", "No, cancel"]
    pending = pending_of(events)
    assert (pending["kind"], pending["recipient"], pending["topics"]) == ("unsubscribe_alerts", CHANNEL, ["alarms"])
    assert subs.topics_of(CHANNEL) == ["stock", "alarms"]
    sent = await yes(env, action, pending)
    assert texts(sent) == [
        "Done: I no longer post CloudWatch alarms into this channel; it still gets stock alerts. To start again, say "
        "\"post alarms here\"."]
    assert subs.topics_of(CHANNEL) == ["stock"]
    assert subs.recipients("alarms") == []
    [line] = env.audit_lines()
    assert (line["action"], line["result"]) == ("unsubscribe_alerts", "ok")
    assert line["parameters"] == {"recipient": CHANNEL, "topics": ["alarms"], "removed": ["alarms"]}


async def test_stop_all_alerts_and_nothing_to_stop(env: StorageEnv, subs: AlertSubscriptions) -> None:
    action = wired(env, ActionUnsubscribeAlerts)
    events, sent = await run_action(action, said("stop stock alerts here", "unsubscribe_alerts"))
    assert texts(sent) == ["This channel doesn't get stock alerts, so there is nothing to stop. It gets no alerts "
                           "from me."]
    assert pending_slots(events) == []
    subs.subscribe(CHANNEL, "stock", by=SLACK, platform="slack")
    events, sent = await run_action(action, said("stop all alerts here", "unsubscribe_alerts"))
    assert texts(sent) == [
        "Stop posting stock alerts into this channel? It will get no alerts from me after that. You can start again "
        "any time with \"send stock alerts to this channel\"."]
    sent = await yes(env, action, pending_of(events))
    assert texts(sent) == [
        "Done: I no longer post stock alerts into this channel; it gets no alerts now. To start again, say \"send "
        "stock alerts to this channel\"."]
    assert subs.topics_of(CHANNEL) == []


# --- acknowledging --------------------------------------------------------------------------------------------------

def deliveries_table(aws: ClientFactory, *deliveries: tuple[str, str, str | None]) -> None:
    """The alert consumer's record of (MessageId, recipient, title) deliveries, in the contract's shape."""
    dynamodb = aws.client("dynamodb")
    dynamodb.create_table(TableName=f"{PREFIX}alert-deliveries", BillingMode="PAY_PER_REQUEST",
                          KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    for message_id, recipient, title in deliveries:
        item = {"id": {"S": f"{message_id}#{recipient}"}, "message_id": {"S": message_id},
                "recipient": {"S": recipient}, "at": {"N": "1764655000"}}
        if title is not None:
            item["title"] = {"S": title}
        dynamodb.put_item(TableName=f"{PREFIX}alert-deliveries", Item=item)


def press_ack(alert_id: str | None, *, user: str = "U1", name: str = "Ada", channel: str = "C1",
              events: list[dict[str, Any]] | None = None) -> Tracker:
    payload = "/acknowledge_alert" + (f'{{"alert":"{alert_id}"}}' if alert_id else "")
    meta = {"platform": "slack", "user_id": user, "user_name": name, "channel_id": channel}
    entities = {"alert": alert_id} if alert_id else {}
    return said(payload, "acknowledge_alert", sender=f"slack:T1:{user}", metadata=meta, events=events, **entities)


async def test_an_alert_is_acknowledged_once_and_a_second_press_says_who_and_when(
    env: StorageEnv, aws: ClientFactory
) -> None:
    deliveries_table(aws, ("msg-1", CHANNEL, ALARM_TITLE))
    action = wired(env, ActionAcknowledgeAlert)
    events, sent = await run_action(action, press_ack("msg-1"))
    assert texts(sent) == [f"Acknowledged by Ada: {ALARM_TITLE}"]
    assert events == []
    action.clock = lambda: NOW + 600
    _, sent = await run_action(action, press_ack("msg-1", user="U2", name="Grace"))
    assert texts(sent) == [f"Ada already acknowledged this alert on 2 Dec 06:03 UTC: {ALARM_TITLE}"]
    item = aws.client("dynamodb").get_item(TableName=f"{PREFIX}alert-acks", Key={"alert": {"S": "msg-1"}})["Item"]
    assert (item["by"]["S"], item["by_id"]["S"], item["at"]["N"]) == ("Ada", SLACK, str(int(NOW)))


async def test_a_delivery_without_a_title_is_acknowledged_without_one(env: StorageEnv, aws: ClientFactory) -> None:
    deliveries_table(aws, ("msg-2", CHANNEL, None))
    _, sent = await run_action(wired(env, ActionAcknowledgeAlert), press_ack("msg-2"))
    assert texts(sent) == ["Acknowledged by Ada."]


async def test_an_alert_posted_into_this_web_chat_conversation_is_found_in_it(env: StorageEnv) -> None:
    posted = {"event": "bot", "text": f"{ALARM_TITLE}\nReason: ...", "data": {
        "buttons": [{"title": "Acknowledge", "payload": '/acknowledge_alert{"alert":"msg-3"}'}],
        "custom": {"fields": {"title": ALARM_TITLE, "items": [], "colour": "red"}}}}
    tracker = said('/acknowledge_alert{"alert":"msg-3"}', "acknowledge_alert", sender=WEB, metadata=WEB_META,
                   events=[posted], alert="msg-3")
    _, sent = await run_action(wired(env, ActionAcknowledgeAlert), tracker)
    assert texts(sent) == [f"Acknowledged by Linus: {ALARM_TITLE}"]


async def test_unknown_missing_and_foreign_alerts_are_not_acknowledged(env: StorageEnv, aws: ClientFactory) -> None:
    action = wired(env, ActionAcknowledgeAlert)
    _, sent = await run_action(action, press_ack(None))
    assert texts(sent) == [say.ALERT_MISSING]
    _, sent = await run_action(action, press_ack("no-such-alert"))  # not even a deliveries table yet
    assert texts(sent) == [say.ALERT_UNKNOWN]
    deliveries_table(aws, ("msg-4", "slack:T1:#C2", "orders-queue-backlog is in ALARM"))
    _, sent = await run_action(action, press_ack("msg-4"))  # delivered to C2, pressed from C1
    assert texts(sent) == [say.ALERT_UNKNOWN]
    assert f"{PREFIX}alert-acks" not in aws.client("dynamodb").list_tables()["TableNames"]  # nothing recorded


# --- words and help -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("values", "text", "topics"), [
    (["stock alerts"], "send stock alerts to this channel", ("stock",)),
    (["inventory"], "send inventory alerts here", ("stock",)),
    ([], "post alarms here", ("alarms",)),
    (["cloudwatch"], "post cloudwatch alerts here", ("alarms",)),
    (["alarm"], "stop alarm alerts here", ("alarms",)),
    (["all"], "subscribe this channel to all alerts", ("stock", "alarms")),
    ([], "stop stock alerts and alarms here", ("stock", "alarms")),
    ([], "subscribe this channel", ("stock", "alarms")),
    (["out of stock"], "tell us here when something is out of stock", ("stock",)),
])
def test_which_topics_a_message_names(values: list[str], text: str, topics: tuple[str, ...]) -> None:
    assert topics_named(values, text) == topics


@pytest.mark.parametrize(("text", "question"), [
    ("what alerts does this channel get?", True),
    ("which alerts are posted here", True),
    ("is this channel subscribed?", True),
    ("post alarms here", False),
    ("can you post alarms here?", False),
    ("does this channel get alarms?", True),
    ("show alert subscriptions", True),
    ("is it possible to post alarms here?", False),
    ("show alarms here", False),
    ("send stock alerts to this channel", False),
])
def test_what_asks_rather_than_subscribes(text: str, question: bool) -> None:
    assert asks_what(text) is question


def test_the_alert_skills_are_in_help_and_the_button_only_one_is_not() -> None:
    skills = implemented_skills()
    for cls in (ActionSubscribeAlerts, ActionUnsubscribeAlerts):
        assert cls.skill in skills
    assert ActionAcknowledgeAlert.skill is None  # only its button sends it: help must not offer it to type
