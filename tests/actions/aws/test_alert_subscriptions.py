"""Alert subscriptions and acknowledgements against moto: the tables (on demand, created once, safe to ensure
again), subscribing once, unsubscribing, who gets a topic (the topic index, page by page), what a channel gets, and
an alert acknowledged once whoever presses later."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from actions.aws.alert_subscriptions import (
    BY_TOPIC,
    Ack,
    AlertAcks,
    AlertSubscriptions,
    Subscription,
    delivered_title,
)
from actions.aws.clients import ClientFactory
from actions.aws.errors import CloudButlerError

PREFIX = "cbtest-"
CHANNEL = "slack:T1:#C1"
OTHER = "discord:G1:#42"
WEB = "web:local:abc123"


class Clock:
    def __init__(self, now: float = 1_764_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def dynamodb(aws: ClientFactory) -> Any:
    return aws.client("dynamodb")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def subs(dynamodb: Any, clock: Clock) -> AlertSubscriptions:
    service = AlertSubscriptions(dynamodb, PREFIX, clock=clock)
    service.ensure_table()
    return service


@pytest.fixture
def acks(dynamodb: Any, clock: Clock) -> AlertAcks:
    service = AlertAcks(dynamodb, PREFIX, clock=clock)
    service.ensure_table()
    return service


@pytest.fixture
def calls(dynamodb: Any) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(model: Any, **_: Any) -> None:
        seen.append(model.name)

    dynamodb.meta.events.register("before-call.dynamodb", record, unique_id="cb-alert-subs-recorder")
    yield seen
    dynamodb.meta.events.unregister("before-call.dynamodb", unique_id="cb-alert-subs-recorder")


def test_tables_are_on_demand_with_the_contract_keys_and_the_topic_index(
    dynamodb: Any, subs: AlertSubscriptions, acks: AlertAcks
) -> None:
    table = dynamodb.describe_table(TableName="cbtest-alert-subscriptions")["Table"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["KeySchema"] == [{"AttributeName": "recipient", "KeyType": "HASH"},
                                  {"AttributeName": "topic", "KeyType": "RANGE"}]
    [index] = table["GlobalSecondaryIndexes"]
    assert index["IndexName"] == BY_TOPIC
    assert index["KeySchema"] == [{"AttributeName": "topic", "KeyType": "HASH"},
                                  {"AttributeName": "recipient", "KeyType": "RANGE"}]
    ack_table = dynamodb.describe_table(TableName="cbtest-alert-acks")["Table"]
    assert ack_table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert ack_table["KeySchema"] == [{"AttributeName": "alert", "KeyType": "HASH"}]


def test_ensure_table_again_keeps_the_subscriptions_and_creates_nothing(
    subs: AlertSubscriptions, acks: AlertAcks, calls: list[str]
) -> None:
    assert subs.subscribe(CHANNEL, "stock", by="slack:T1:U1", platform="slack")
    subs.ensure_table()
    acks.ensure_table()
    assert "CreateTable" not in calls and "UpdateTable" not in calls
    assert subs.topics_of(CHANNEL) == ["stock"]


def test_a_table_made_without_the_topic_index_gets_it(dynamodb: Any, clock: Clock) -> None:
    dynamodb.create_table(
        TableName="cbtest-alert-subscriptions", BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "recipient", "AttributeType": "S"},
                              {"AttributeName": "topic", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "recipient", "KeyType": "HASH"}, {"AttributeName": "topic", "KeyType": "RANGE"}])
    subs = AlertSubscriptions(dynamodb, PREFIX, clock=clock)
    subs.ensure_table()
    table = dynamodb.describe_table(TableName="cbtest-alert-subscriptions")["Table"]
    assert [i["IndexName"] for i in table["GlobalSecondaryIndexes"]] == [BY_TOPIC]
    subs.subscribe(CHANNEL, "alarms", by="slack:T1:U1", platform="slack")
    assert subs.recipients("alarms") == [CHANNEL]


def test_subscribe_once_then_unsubscribe(subs: AlertSubscriptions, clock: Clock) -> None:
    assert subs.subscribe(CHANNEL, "alarms", by="slack:T1:U1", platform="slack") is True
    clock.now += 60
    assert subs.subscribe(CHANNEL, "alarms", by="slack:T1:U2", platform="slack") is False  # the first one stands
    assert subs.subscriptions_of(CHANNEL) == [
        Subscription(recipient=CHANNEL, topic="alarms", by="slack:T1:U1", platform="slack", at=1_764_000_000)]
    assert subs.unsubscribe(CHANNEL, "alarms") is True
    assert subs.unsubscribe(CHANNEL, "alarms") is False
    assert subs.topics_of(CHANNEL) == []
    assert subs.recipients("alarms") == []


def test_recipients_of_a_topic_and_topics_of_a_recipient(subs: AlertSubscriptions) -> None:
    subs.subscribe(CHANNEL, "stock", by="slack:T1:U1", platform="slack")
    subs.subscribe(CHANNEL, "alarms", by="slack:T1:U1", platform="slack")
    subs.subscribe(OTHER, "alarms", by="discord:G1:7", platform="discord")
    subs.subscribe(WEB, "stock", by=WEB, platform="web")
    assert subs.recipients("stock") == [CHANNEL, WEB]
    assert subs.recipients("alarms") == [OTHER, CHANNEL]
    assert subs.topics_of(CHANNEL) == ["stock", "alarms"]  # the order of TOPICS, not the sort key's
    assert subs.topics_of(OTHER) == ["alarms"]
    assert subs.topics_of("slack:T1:#nobody") == []


def test_recipients_reads_every_page_of_the_topic_index(subs: AlertSubscriptions, calls: list[str]) -> None:
    channels = [f"slack:T1:#C{n:02d}" for n in range(7)]
    for channel in channels:
        subs.subscribe(channel, "stock", by="slack:T1:U1", platform="slack")
    subs.subscribe("slack:T1:#alarms-only", "alarms", by="slack:T1:U1", platform="slack")
    subs.page_size = 3
    calls.clear()
    assert subs.recipients("stock") == channels
    assert calls.count("Query") == 3  # 3 + 3 + 1
    assert "Scan" not in calls


def test_an_unknown_topic_is_refused_before_any_call(subs: AlertSubscriptions, calls: list[str]) -> None:
    calls.clear()
    with pytest.raises(ValueError, match="inventory"):
        subs.subscribe(CHANNEL, "inventory", by="slack:T1:U1", platform="slack")
    with pytest.raises(ValueError):
        subs.recipients("all")
    assert calls == []


def test_an_alert_is_acknowledged_once(acks: AlertAcks, clock: Clock) -> None:
    first, record = acks.acknowledge("msg-1", by="Ada", title="web-2-cpu is in ALARM", by_id="slack:T1:U1")
    assert first is True
    assert record == Ack(alert="msg-1", by="Ada", title="web-2-cpu is in ALARM", at=1_764_000_000,
                         by_id="slack:T1:U1")
    clock.now += 300
    again, earlier = acks.acknowledge("msg-1", by="Grace", title="web-2-cpu is in ALARM", by_id="slack:T1:U2")
    assert again is False
    assert earlier == record  # who acknowledged first, and when
    assert acks.get("msg-1") == record
    assert acks.get("msg-2") is None
    second, other = acks.acknowledge("msg-2", by="Grace", title="Echo Dot is out of stock in berlin")
    assert second is True and other.at == 1_764_000_300


def test_an_acknowledgement_needs_an_alert_id(acks: AlertAcks) -> None:
    with pytest.raises(ValueError):
        acks.acknowledge("", by="Ada", title="x")


def test_a_missing_table_is_our_error_not_botocores(dynamodb: Any) -> None:
    subs = AlertSubscriptions(dynamodb, "cbtest-none-")
    with pytest.raises(CloudButlerError) as raised:
        subs.topics_of(CHANNEL)
    assert raised.value.code == "ResourceNotFoundException"


def test_delivered_title_reads_the_consumers_record_for_this_recipient(dynamodb: Any) -> None:
    assert delivered_title(dynamodb, PREFIX, "msg-1", CHANNEL) is None  # no table yet
    dynamodb.create_table(TableName="cbtest-alert-deliveries", BillingMode="PAY_PER_REQUEST",
                          KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    dynamodb.put_item(TableName="cbtest-alert-deliveries", Item={
        "id": {"S": f"msg-1#{CHANNEL}"}, "title": {"S": "web-2 cpu high is in ALARM"}})
    dynamodb.put_item(TableName="cbtest-alert-deliveries", Item={"id": {"S": f"msg-2#{CHANNEL}"}})
    assert delivered_title(dynamodb, PREFIX, "msg-1", CHANNEL) == "web-2 cpu high is in ALARM"
    assert delivered_title(dynamodb, PREFIX, "msg-2", CHANNEL) == ""  # delivered, no title recorded
    assert delivered_title(dynamodb, PREFIX, "msg-1", OTHER) is None  # not delivered to that channel
