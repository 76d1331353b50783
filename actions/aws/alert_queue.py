"""Where alerts arrive: the two SNS topics (stock alerts and CloudWatch alarm actions) and the alerts queue they are
subscribed to, with its dead-letter queue (redrive after MAX_RECEIVE_COUNT deliveries) and the policy that lets
exactly those topics send to it. Everything is created on demand and brought in line on every start, so a second
run changes nothing."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from actions.aws.errors import BOTO_ERRORS, from_boto
from actions.aws.size_tables import DEFAULT_PREFIX, RETENTION_SECONDS, _queue_arn, _queue_url

STOCK, ALARMS = "stock", "alarms"  # the topic kinds a chat channel subscribes to
KINDS = (STOCK, ALARMS)
DEFAULT_TOPICS = {STOCK: "inventory-alerts", ALARMS: "cloudbutler-alarms"}
TOPIC_VARIABLES = {STOCK: "CLOUDBUTLER_INVENTORY_TOPIC", ALARMS: "CLOUDBUTLER_ALARM_TOPIC"}
QUEUE = "alerts"
DEAD_LETTER_QUEUE = "alerts-dead-letter"
# A message whose recipients keep failing is tried this often (the consumer's back-off: 5 s doubling to 5 min,
# about ten minutes in all) before SQS moves it to the dead-letter queue.
MAX_RECEIVE_COUNT = 8
VISIBILITY_SECONDS = 60  # a consumer that dies holding a message lets it come again after this


@dataclass(frozen=True)
class AlertQueue:
    """The alerts queue and the topics feeding it (kind -> topic ARN)."""

    queue_url: str
    queue_arn: str
    dead_letter_url: str
    dead_letter_arn: str
    topics: Mapping[str, str] = field(default_factory=dict)
    subscriptions: Mapping[str, str] = field(default_factory=dict)  # kind -> SubscriptionArn

    def kind_of(self, topic_arn: object) -> str | None:
        """``stock`` or ``alarms`` for one of our topics; None for any other."""
        return next((kind for kind, arn in self.topics.items() if arn == topic_arn), None)


def topic_names(environ: Mapping[str, str]) -> dict[str, str]:
    """kind -> topic name: CLOUDBUTLER_INVENTORY_TOPIC and CLOUDBUTLER_ALARM_TOPIC, or the defaults."""
    return {kind: (environ.get(TOPIC_VARIABLES[kind]) or "").strip() or DEFAULT_TOPICS[kind] for kind in KINDS}


def ensure_topics(sns: Any, names: Mapping[str, str]) -> dict[str, str]:
    """kind -> ARN of each topic (CreateTopic returns an existing topic's ARN)."""
    try:
        return {kind: str(sns.create_topic(Name=name)["TopicArn"]) for kind, name in names.items()}
    except BOTO_ERRORS as exc:
        raise from_boto(exc) from exc


def queue_policy(queue_arn: str, topic_arns: list[str]) -> dict[str, Any]:
    """SNS may send to the queue, and only for our topics."""
    return {
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "cloudbutler-alert-topics",
            "Effect": "Allow",
            "Principal": {"Service": "sns.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": queue_arn,
            "Condition": {"ArnEquals": {"aws:SourceArn": sorted(topic_arns)}},
        }],
    }


def ensure_alert_queue(sqs: Any, sns: Any, *, prefix: str = DEFAULT_PREFIX,
                       names: Mapping[str, str] | None = None) -> AlertQueue:
    """The topics, the queue and its dead-letter queue, the policies and one SNS -> SQS subscription per topic
    (raw delivery off: the body is the SNS envelope, whose TopicArn says which kind the alert is)."""
    topics = ensure_topics(sns, names or DEFAULT_TOPICS)
    try:
        dead_url = _queue_url(sqs, prefix + DEAD_LETTER_QUEUE)
        sqs.set_queue_attributes(QueueUrl=dead_url, Attributes={"MessageRetentionPeriod": str(RETENTION_SECONDS)})
        dead_arn = _queue_arn(sqs, dead_url)
        url = _queue_url(sqs, prefix + QUEUE, {"VisibilityTimeout": str(VISIBILITY_SECONDS)})
        arn = _queue_arn(sqs, url)
        redrive = {"deadLetterTargetArn": dead_arn, "maxReceiveCount": MAX_RECEIVE_COUNT}
        sqs.set_queue_attributes(QueueUrl=url, Attributes={
            "Policy": json.dumps(queue_policy(arn, list(topics.values()))),
            "RedrivePolicy": json.dumps(redrive),
        })
        subscriptions = {kind: _subscribe(sns, topic, arn) for kind, topic in topics.items()}
    except BOTO_ERRORS as exc:
        raise from_boto(exc) from exc
    return AlertQueue(queue_url=url, queue_arn=arn, dead_letter_url=dead_url, dead_letter_arn=dead_arn,
                      topics=topics, subscriptions=subscriptions)


def _subscribe(sns: Any, topic_arn: str, queue_arn: str) -> str:
    """The queue's subscription to the topic: the existing one if there is one (so no second copy of each alert),
    else a new one; raw delivery switched off either way."""
    existing = None
    for page in sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=topic_arn):
        for subscription in page.get("Subscriptions", []):
            if subscription.get("Protocol") == "sqs" and subscription.get("Endpoint") == queue_arn:
                existing = str(subscription["SubscriptionArn"])
                break
        if existing:
            break
    if existing is None:
        existing = str(sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn,
                                     Attributes={"RawMessageDelivery": "false"},
                                     ReturnSubscriptionArn=True)["SubscriptionArn"])
    else:
        sns.set_subscription_attributes(SubscriptionArn=existing, AttributeName="RawMessageDelivery",
                                        AttributeValue="false")
    return existing
