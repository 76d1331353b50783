"""The alerts queue against the test's moto server: topics, queue, dead-letter queue, policies and subscriptions
made once however often it runs, and an SNS publish arriving as its envelope."""
from __future__ import annotations

import json
from typing import Any

from actions.aws.alert_queue import (
    ALARMS,
    MAX_RECEIVE_COUNT,
    STOCK,
    ensure_alert_queue,
    queue_policy,
    topic_names,
)
from actions.aws.clients import ClientFactory


def _subscriptions(sns: Any, topic: str) -> list[dict[str, Any]]:
    return list(sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"])


def test_topic_names_from_the_environment_or_the_defaults() -> None:
    assert topic_names({}) == {STOCK: "inventory-alerts", ALARMS: "cloudbutler-alarms"}
    assert topic_names({"CLOUDBUTLER_INVENTORY_TOPIC": " shop-stock ", "CLOUDBUTLER_ALARM_TOPIC": ""}) == {
        STOCK: "shop-stock", ALARMS: "cloudbutler-alarms"}


def test_queue_topics_policy_and_subscriptions_are_made_once(aws: ClientFactory) -> None:
    sqs, sns = aws.client("sqs"), aws.client("sns")
    first = ensure_alert_queue(sqs, sns, prefix="t1-")
    again = ensure_alert_queue(sqs, sns, prefix="t1-")
    assert again == first
    assert first.queue_url.endswith("/t1-alerts") and first.dead_letter_url.endswith("/t1-alerts-dead-letter")
    assert {kind: arn.rsplit(":", 1)[1] for kind, arn in first.topics.items()} == {
        STOCK: "inventory-alerts", ALARMS: "cloudbutler-alarms"}
    attributes = sqs.get_queue_attributes(QueueUrl=first.queue_url, AttributeNames=["All"])["Attributes"]
    assert json.loads(attributes["RedrivePolicy"]) == {"deadLetterTargetArn": first.dead_letter_arn,
                                                       "maxReceiveCount": MAX_RECEIVE_COUNT}
    [statement] = json.loads(attributes["Policy"])["Statement"]
    assert statement["Principal"] == {"Service": "sns.amazonaws.com"}
    assert statement["Resource"] == first.queue_arn
    assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": sorted(first.topics.values())}}
    for kind, topic in first.topics.items():
        [subscription] = _subscriptions(sns, topic)  # one, not two: the second run found the first
        assert (subscription["Protocol"], subscription["Endpoint"]) == ("sqs", first.queue_arn)
        assert subscription["SubscriptionArn"] == first.subscriptions[kind]
        raw = sns.get_subscription_attributes(SubscriptionArn=subscription["SubscriptionArn"])["Attributes"]
        assert raw.get("RawMessageDelivery", "false") == "false"
    assert first.kind_of(first.topics[STOCK]) == STOCK and first.kind_of("arn:aws:sns:us-east-1:1:other") is None


def test_a_raw_delivery_switched_on_by_hand_is_switched_off(aws: ClientFactory) -> None:
    sqs, sns = aws.client("sqs"), aws.client("sns")
    made = ensure_alert_queue(sqs, sns, prefix="t2-")
    sns.set_subscription_attributes(SubscriptionArn=made.subscriptions[STOCK], AttributeName="RawMessageDelivery",
                                    AttributeValue="true")
    ensure_alert_queue(sqs, sns, prefix="t2-")
    raw = sns.get_subscription_attributes(SubscriptionArn=made.subscriptions[STOCK])["Attributes"]
    assert raw["RawMessageDelivery"] == "false"


def test_a_publish_arrives_as_the_sns_envelope_of_its_topic(aws: ClientFactory) -> None:
    sqs, sns = aws.client("sqs"), aws.client("sns")
    made = ensure_alert_queue(sqs, sns, prefix="t3-", names={STOCK: "shop-stock", ALARMS: "shop-alarms"})
    published = sns.publish(TopicArn=made.topics[ALARMS], Message='{"AlarmName": "x"}', Subject="s")
    [message] = sqs.receive_message(QueueUrl=made.queue_url, MaxNumberOfMessages=10)["Messages"]
    envelope = json.loads(message["Body"])
    assert envelope["Type"] == "Notification" and envelope["TopicArn"] == made.topics[ALARMS]
    assert envelope["MessageId"] == published["MessageId"] and envelope["Message"] == '{"AlarmName": "x"}'
    assert made.kind_of(envelope["TopicArn"]) == ALARMS


def test_the_policy_names_exactly_the_topics() -> None:
    policy = queue_policy("arn:aws:sqs:us-east-1:123456789012:q", ["arn:b", "arn:a"])
    assert policy["Statement"][0]["Condition"]["ArnEquals"]["aws:SourceArn"] == ["arn:a", "arn:b"]
    assert policy["Statement"][0]["Action"] == "sqs:SendMessage"
