"""Depth and consumer lag of the size tracker's queues (size events, inventory files, alerts, and their dead-letter
queues), for Prometheus: read-only (GetQueueUrl, GetQueueAttributes, and CloudWatch's ApproximateAgeOfOldestMessage,
which SQS publishes every minute; SQS itself tells no age without receiving, and receiving would hide the message
from its consumer)."""
from __future__ import annotations

import datetime as dt
from typing import Any, TypedDict

from botocore.exceptions import ClientError

from actions.aws import alert_queue, size_tables
from actions.aws.inventory import wiring
from actions.aws.size_tables import DEFAULT_PREFIX
from actions.insights.shapes import Clients

# label -> queue name suffix; the label is what Prometheus sees (a fixed set, whatever the prefix)
QUEUES: dict[str, str] = {
    "size-events": size_tables.QUEUE,
    "size-events-dead-letter": size_tables.DEAD_LETTER_QUEUE,
    "inventory": wiring.QUEUE,
    "inventory-dead-letter": wiring.DEAD_LETTER_QUEUE,
    "alerts": alert_queue.QUEUE,
    "alerts-dead-letter": alert_queue.DEAD_LETTER_QUEUE,
}
AGE_WINDOW = dt.timedelta(minutes=10)


class QueueDepth(TypedDict):
    queue: str  # a label of QUEUES
    visible: int  # waiting for a consumer
    in_flight: int  # received, not yet deleted
    delayed: int
    oldest_age_seconds: float | None  # None: CloudWatch has no recent datapoint (or is not reachable)


def queue_depths(clients: Clients, *, prefix: str = DEFAULT_PREFIX) -> list[QueueDepth]:
    """Every queue that exists (one not made yet is left out)."""
    sqs, cloudwatch = clients.client("sqs"), clients.client("cloudwatch")
    found: list[QueueDepth] = []
    for label, suffix in QUEUES.items():
        try:
            url = sqs.get_queue_url(QueueName=prefix + suffix)["QueueUrl"]
        except ClientError as exc:
            if "NonExistentQueue" in str(exc.response.get("Error", {}).get("Code", "")):
                continue
            raise
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed"])["Attributes"]
        found.append(QueueDepth(
            queue=label, visible=int(attributes.get("ApproximateNumberOfMessages", 0)),
            in_flight=int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0)),
            delayed=int(attributes.get("ApproximateNumberOfMessagesDelayed", 0)),
            oldest_age_seconds=_oldest_age(cloudwatch, prefix + suffix),
        ))
    return found


def _oldest_age(cloudwatch: Any, name: str) -> float | None:
    end = dt.datetime.now(dt.UTC)
    try:
        answer = cloudwatch.get_metric_statistics(
            Namespace="AWS/SQS", MetricName="ApproximateAgeOfOldestMessage",
            Dimensions=[{"Name": "QueueName", "Value": name}], StartTime=end - AGE_WINDOW, EndTime=end,
            Period=60, Statistics=["Maximum"])
    except ClientError:
        return None  # no cloudwatch:GetMetricStatistics: the depth still counts
    points = sorted(answer.get("Datapoints", []), key=lambda p: p["Timestamp"])
    return float(points[-1]["Maximum"]) if points else None
