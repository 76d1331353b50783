"""The alert consumer against the test's moto server (SNS -> SQS for real, DynamoDB tables) and a fake Rasa over
HTTP: each subscribed recipient gets each alert once, through its own platform's channel; a recipient that fails gets
it later (and only it), after the back-off; what keeps failing is dead-lettered by the redrive policy; a message
that is not ours goes to the dead-letter queue; a consumer stopped half-way loses and repeats nothing."""
from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from actions.alerts.delivery import (
    AlertConsumer,
    Deliveries,
    RasaChannelPoster,
    extra_topics,
    retry_delay,
)
from actions.alerts.messages import Alert
from actions.aws.alert_queue import ALARMS, MAX_RECEIVE_COUNT, STOCK, AlertQueue, ensure_alert_queue
from actions.aws.alert_subscriptions import AlertSubscriptions
from actions.aws.clients import ClientFactory
from actions.core.late import Reply
from tests.actions.sizes import receive_all, wait_for
from tests.fakes.rasa_trigger import FakeRasa, fake_rasa

PREFIX = "dt-"
SLACK = "slack:T0CLOUD01:#C0OPS0001"
DISCORD = "discord:800000000000000001:#700000000000000001"
WEB = "web:local:3f1c0a"
STOCK_MESSAGE = json.dumps({"kind": "out_of_stock", "store": "berlin", "item": "Echo Dot", "count": 0,
                            "previous": 3, "at": "2026-12-02T06:02:10Z"})


def render(alert: Alert) -> Reply:
    return {"text": f"{alert.title} [{alert.message_id}]"}


@pytest.fixture
def rasa() -> Iterator[FakeRasa]:
    with fake_rasa() as fake:
        yield fake


@pytest.fixture
def queue(aws: ClientFactory) -> AlertQueue:
    return ensure_alert_queue(aws.client("sqs"), aws.client("sns"), prefix=PREFIX)


@pytest.fixture
def subscriptions(aws: ClientFactory) -> AlertSubscriptions:
    subs = AlertSubscriptions(aws.client("dynamodb"), PREFIX)
    subs.ensure_table()
    return subs


@pytest.fixture
def deliveries(aws: ClientFactory) -> Deliveries:
    table = Deliveries(aws.client("dynamodb"), prefix=PREFIX)
    table.ensure_table()
    return table


def consumer_for(aws: ClientFactory, queue: AlertQueue, subscriptions: AlertSubscriptions,
                 deliveries: Deliveries, rasa: FakeRasa, **options: Any) -> AlertConsumer:
    options.setdefault("post", RasaChannelPoster(rasa.url, rasa.token, timeout=5))
    return AlertConsumer(sqs=aws.client("sqs"), queue_url=queue.queue_url, dead_letter_url=queue.dead_letter_url,
                         topics={arn: kind for kind, arn in queue.topics.items()}, subscriptions=subscriptions,
                         deliveries=deliveries, render=render, wait_seconds=0, **options)


def depth(aws: ClientFactory, url: str) -> tuple[int, int]:
    attributes = aws.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=[
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]), int(attributes["ApproximateNumberOfMessagesNotVisible"])


def publish(aws: ClientFactory, queue: AlertQueue, kind: str = STOCK, message: str = STOCK_MESSAGE) -> str:
    return str(aws.client("sns").publish(TopicArn=queue.topics[kind], Message=message)["MessageId"])


def subscribe(subscriptions: AlertSubscriptions, *pairs: tuple[str, str]) -> None:
    for recipient, topic in pairs:
        subscriptions.subscribe(recipient, topic, by="slack:T0CLOUD01:U1", platform=recipient.split(":")[0])


# --- pure helpers ------------------------------------------------------------------------------------------------

def test_retry_delay_doubles_from_five_seconds_to_five_minutes() -> None:
    assert [retry_delay(n) for n in range(1, 10)] == [5, 10, 20, 40, 80, 160, 300, 300, 300]
    assert retry_delay(0) == 5


def test_extra_topics_take_an_optional_kind() -> None:
    assert extra_topics(" arn:aws:sns:eu-west-1:1:a , stock=arn:aws:sns:eu-west-1:1:b,") == {
        "arn:aws:sns:eu-west-1:1:a": ALARMS, "arn:aws:sns:eu-west-1:1:b": STOCK}
    assert extra_topics("") == {}
    with pytest.raises(ValueError, match="CLOUDBUTLER_SNS_TOPIC_ARNS"):
        extra_topics("weather=arn:aws:sns:eu-west-1:1:c")
    with pytest.raises(ValueError):
        extra_topics("not-an-arn")


# --- delivery ----------------------------------------------------------------------------------------------------

def test_each_subscriber_of_the_topic_gets_the_alert_once_through_its_platform(
        aws: ClientFactory, queue: AlertQueue, subscriptions: AlertSubscriptions, deliveries: Deliveries,
        rasa: FakeRasa) -> None:
    subscribe(subscriptions, (SLACK, STOCK), (WEB, STOCK), (DISCORD, ALARMS))
    message_id = publish(aws, queue)
    outcome = consumer_for(aws, queue, subscriptions, deliveries, rasa).poll_once()
    assert sorted(outcome.posted) == [(message_id, SLACK), (message_id, WEB)]
    assert {p.sender_id: p.query["output_channel"] for p in rasa.posts} == {SLACK: "slack", WEB: "webchat"}
    for post in rasa.posts:
        assert post.body["name"] == "EXTERNAL_late_message"
        assert post.message == {"text": f"Echo Dot is out of stock in berlin [{message_id}]"}
    assert depth(aws, queue.queue_url) == (0, 0)  # deleted: everybody has it
    assert deliveries.delivered(message_id, SLACK) and deliveries.delivered(message_id, WEB)
    assert not deliveries.delivered(message_id, DISCORD)
    item = aws.client("dynamodb").get_item(TableName=deliveries.table,
                                           Key={"id": {"S": f"{message_id}#{SLACK}"}})["Item"]
    assert item["title"] == {"S": "Echo Dot is out of stock in berlin"}  # what an acknowledgement names
    assert int(item["ttl"]["N"]) - int(item["at"]["N"]) == 30 * 86400


def test_an_alarm_goes_to_the_alarm_subscribers(aws: ClientFactory, queue: AlertQueue,
                                                 subscriptions: AlertSubscriptions, deliveries: Deliveries,
                                                 rasa: FakeRasa) -> None:
    subscribe(subscriptions, (SLACK, STOCK), (DISCORD, ALARMS))
    alarm = json.dumps({"AlarmName": "web-2 cpu high", "NewStateValue": "ALARM", "OldStateValue": "OK",
                        "NewStateReason": "Threshold crossed"})
    message_id = publish(aws, queue, ALARMS, alarm)
    consumer_for(aws, queue, subscriptions, deliveries, rasa).poll_once()
    assert [(p.sender_id, p.query["output_channel"]) for p in rasa.posts] == [(DISCORD, "discord")]
    assert rasa.posts[0].message["text"] == f"web-2 cpu high is in ALARM [{message_id}]"


def test_a_message_sqs_delivers_twice_is_shown_once(aws: ClientFactory, queue: AlertQueue,
                                                    subscriptions: AlertSubscriptions, deliveries: Deliveries,
                                                    rasa: FakeRasa) -> None:
    subscribe(subscriptions, (SLACK, STOCK))
    publish(aws, queue)
    [message] = aws.client("sqs").receive_message(QueueUrl=queue.queue_url, VisibilityTimeout=0)["Messages"]
    aws.client("sqs").send_message(QueueUrl=queue.queue_url, MessageBody=message["Body"])  # the duplicate
    consumer = consumer_for(aws, queue, subscriptions, deliveries, rasa)
    for _ in range(3):
        consumer.poll_once()
    assert depth(aws, queue.queue_url) == (0, 0)
    assert len(rasa.to(SLACK)) == 1


def test_a_recipient_that_fails_gets_it_later_and_only_it(
        aws: ClientFactory, queue: AlertQueue, subscriptions: AlertSubscriptions, deliveries: Deliveries,
        rasa: FakeRasa, caplog: pytest.LogCaptureFixture) -> None:
    subscribe(subscriptions, (SLACK, STOCK), (WEB, STOCK))
    message_id = publish(aws, queue)
    rasa.failing.add(SLACK)  # Slack is down: the connector raises, Rasa answers 5xx
    consumer = consumer_for(aws, queue, subscriptions, deliveries, rasa)
    with caplog.at_level(logging.WARNING, logger="actions.alerts.delivery"):
        first = consumer.poll_once()
    assert first.posted == [(message_id, WEB)] and first.kept and not first.deleted
    assert [r.sender_id for r in rasa.refused] == [SLACK]
    assert "1 of 2 recipient(s) not reached" in caplog.text
    assert depth(aws, queue.queue_url) == (0, 1)  # kept, invisible for the back-off (5 s)
    assert consumer.poll_once().posted == []  # nothing to take during the back-off
    rasa.failing.clear()  # Slack is back
    retried: list[tuple[str, str]] = []

    def came_again() -> bool:
        retried.extend(consumer.poll_once().posted)
        return bool(retried)

    wait_for(came_again, timeout=30, message="the message came again after its back-off")
    assert retried == [(message_id, SLACK)]
    assert len(rasa.to(WEB)) == 1 and len(rasa.to(SLACK)) == 1
    assert depth(aws, queue.queue_url) == (0, 0)


def test_what_keeps_failing_is_dead_lettered_by_the_redrive_policy(
        aws: ClientFactory, queue: AlertQueue, subscriptions: AlertSubscriptions, deliveries: Deliveries,
        rasa: FakeRasa) -> None:
    subscribe(subscriptions, (SLACK, STOCK))
    publish(aws, queue)
    rasa.failing.add(SLACK)
    consumer = consumer_for(aws, queue, subscriptions, deliveries, rasa, backoff=lambda count: 0)
    for _ in range(MAX_RECEIVE_COUNT + 2):
        consumer.poll_once()
    assert len(rasa.refused) == MAX_RECEIVE_COUNT and rasa.posts == []
    assert depth(aws, queue.queue_url) == (0, 0)
    [dead] = receive_all(aws.client("sqs"), queue.dead_letter_url)
    assert json.loads(dead["body"])["TopicArn"] == queue.topics[STOCK]


def test_a_message_not_from_our_topics_goes_to_the_dead_letter_queue(
        aws: ClientFactory, queue: AlertQueue, subscriptions: AlertSubscriptions, deliveries: Deliveries,
        rasa: FakeRasa, caplog: pytest.LogCaptureFixture) -> None:
    subscribe(subscriptions, (SLACK, STOCK), (SLACK, ALARMS))
    sqs = aws.client("sqs")
    foreign = aws.client("sns").create_topic(Name="someone-elses-topic")["TopicArn"]
    envelope = {"Type": "Notification", "MessageId": "m-foreign", "TopicArn": foreign, "Message": STOCK_MESSAGE,
                "Timestamp": "2026-12-02T06:02:10.000Z"}
    sqs.send_message(QueueUrl=queue.queue_url, MessageBody=json.dumps(envelope))
    sqs.send_message(QueueUrl=queue.queue_url, MessageBody=STOCK_MESSAGE)  # raw, no envelope: no topic
    consumer = consumer_for(aws, queue, subscriptions, deliveries, rasa)
    with caplog.at_level(logging.WARNING, logger="actions.alerts.delivery"):
        consumer.poll_once()
        consumer.poll_once()
    assert rasa.posts == [] and rasa.refused == []
    assert depth(aws, queue.queue_url) == (0, 0)
    dead = receive_all(sqs, queue.dead_letter_url)
    assert sorted(d["messageAttributes"]["reason"]["StringValue"] for d in dead) == [
        "not an SNS notification", f"topic not ours: {foreign}"]
    assert f"moved to the dead-letter queue: topic not ours: {foreign}" in caplog.text


def test_an_extra_allowed_topic_is_delivered_as_its_kind(
        aws: ClientFactory, queue: AlertQueue, subscriptions: AlertSubscriptions, deliveries: Deliveries,
        rasa: FakeRasa) -> None:
    subscribe(subscriptions, (DISCORD, ALARMS))
    other = "arn:aws:sns:eu-west-1:123456789012:prod-alarms"
    envelope = {"Type": "Notification", "MessageId": "m-extra", "TopicArn": other, "Message": "disk almost full",
                "Timestamp": "2026-12-02T06:02:10.000Z"}
    aws.client("sqs").send_message(QueueUrl=queue.queue_url, MessageBody=json.dumps(envelope))
    consumer = consumer_for(aws, queue, subscriptions, deliveries, rasa)
    consumer.topics.update(extra_topics(other))
    assert consumer.poll_once().posted == [("m-extra", DISCORD)]


def test_nobody_subscribed_means_the_message_is_settled(
        aws: ClientFactory, queue: AlertQueue, subscriptions: AlertSubscriptions, deliveries: Deliveries,
        rasa: FakeRasa) -> None:
    subscribe(subscriptions, (SLACK, ALARMS))
    publish(aws, queue, STOCK)
    outcome = consumer_for(aws, queue, subscriptions, deliveries, rasa).poll_once()
    assert outcome.posted == [] and len(outcome.deleted) == 1
    assert depth(aws, queue.queue_url) == (0, 0)


def test_a_consumer_stopped_half_way_repeats_and_loses_nothing(
        aws: ClientFactory, queue: AlertQueue, subscriptions: AlertSubscriptions, deliveries: Deliveries,
        rasa: FakeRasa) -> None:
    recipients = [f"slack:T0CLOUD01:#C{i:08d}" for i in range(4)]
    subscribe(subscriptions, *[(r, STOCK) for r in recipients])
    ids = [publish(aws, queue) for _ in range(3)]
    real = RasaChannelPoster(rasa.url, rasa.token, timeout=5)
    first: AlertConsumer

    def post_then_stop(recipient: str, message: Reply) -> None:
        real(recipient, message)
        if len(rasa.posts) == 2:  # a SIGTERM arrives while the first alert is half delivered
            first.stop()

    first = consumer_for(aws, queue, subscriptions, deliveries, rasa, post=post_then_stop)
    first.poll_once()
    assert len(rasa.posts) == 2
    second = consumer_for(aws, queue, subscriptions, deliveries, rasa)  # the restarted process
    assert depth(aws, queue.queue_url) == (3, 0)  # all handed back at once: the half-done one and the two unread
    second.poll_once()
    assert depth(aws, queue.queue_url) == (0, 0)
    delivered = sorted((p.sender_id, p.message["text"].rsplit("[", 1)[1].rstrip("]")) for p in rasa.posts)
    assert delivered == sorted((r, m) for r in recipients for m in ids)  # each recipient each alert, once


def test_deliveries_record_once(deliveries: Deliveries) -> None:
    assert not deliveries.delivered("m1", SLACK)
    assert deliveries.record("m1", SLACK) is True
    assert deliveries.record("m1", SLACK) is False
    assert deliveries.delivered("m1", SLACK) and not deliveries.delivered("m1", WEB)


def test_the_deliveries_table_expires_its_items(aws: ClientFactory, deliveries: Deliveries) -> None:
    described = aws.client("dynamodb").describe_time_to_live(TableName=deliveries.table)["TimeToLiveDescription"]
    assert (described["TimeToLiveStatus"], described["AttributeName"]) == ("ENABLED", "ttl")
    deliveries.ensure_table()  # again: no error


def test_an_alert_that_cannot_be_rendered_is_dead_lettered_and_the_next_one_delivered(
        aws: ClientFactory, queue: AlertQueue, subscriptions: AlertSubscriptions, deliveries: Deliveries,
        rasa: FakeRasa) -> None:
    subscribe(subscriptions, (SLACK, STOCK))
    poison = publish(aws, queue, STOCK, json.dumps({"kind": "out_of_stock", "store": "x", "item": "poison",
                                                    "count": 0}))
    good = publish(aws, queue)

    def fussy(alert: Alert) -> Reply:
        if "poison" in alert.title:
            raise KeyError("a field the renderer did not expect")
        return render(alert)

    consumer = consumer_for(aws, queue, subscriptions, deliveries, rasa)
    consumer.render = fussy
    for _ in range(3):
        consumer.poll_once()
    assert [p.message["text"] for p in rasa.posts] == [f"Echo Dot is out of stock in berlin [{good}]"]
    [dead] = receive_all(aws.client("sqs"), queue.dead_letter_url)
    assert json.loads(dead["body"])["MessageId"] == poison
    assert dead["messageAttributes"]["reason"]["StringValue"] == "cannot be rendered: KeyError"
