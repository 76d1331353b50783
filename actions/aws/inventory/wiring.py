"""Where inventory files' events go: the ``{prefix}inventory`` queue (with its dead-letter queue, the redrive policy
and the policy that lets S3 of this account send to it) and each inventory bucket's notification configuration,
merged rather than replaced: only our own entry (by Id: ObjectCreated events of ``.csv`` keys to our queue) is added
or refreshed, every other queue, topic, Lambda function and EventBridge setting stays as it is."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from actions.aws import size_notifications
from actions.aws.errors import BOTO_ERRORS, CloudButlerError, from_boto, s3_error
from actions.aws.size_notifications import NotificationTarget
from actions.aws.size_tables import DEFAULT_PREFIX

QUEUE = "inventory"
DEAD_LETTER_QUEUE = "inventory-dead-letter"
CONFIGURATION_ID = "cloudbutler-inventory"
EVENTS = ("s3:ObjectCreated:*",)
SUFFIX = ".csv"
MAX_RECEIVE_COUNT = 5  # deliveries of a message that keeps failing before SQS moves it to the dead-letter queue
RETENTION_SECONDS = 14 * 86400
# Long enough for a large file between two extensions by the consumer (which keeps a message in hand invisible).
VISIBILITY_SECONDS = 120
# configuration list -> (kind, ARN field), as S3 names them
_LISTS = {
    "QueueConfigurations": ("queue", "QueueArn"),
    "TopicConfigurations": ("topic", "TopicArn"),
    "LambdaFunctionConfigurations": ("lambda", "LambdaFunctionArn"),
}


@dataclass(frozen=True)
class InventoryQueue:
    url: str
    arn: str
    dead_letter_url: str


class InventoryNotificationOverlap(CloudButlerError):
    """The bucket already sends created events of .csv keys elsewhere, and S3 allows one destination per event."""

    def __init__(self, bucket: str, found: list[NotificationTarget]) -> None:
        super().__init__("inventory_notification_overlap", bucket=bucket,
                         targets=", ".join(target.arn or target.kind for target in found))
        self.bucket = bucket
        self.found = found


def queue_names(prefix: str = DEFAULT_PREFIX) -> tuple[str, str]:
    return prefix + QUEUE, prefix + DEAD_LETTER_QUEUE


def ensure_queue(sqs: Any, prefix: str = DEFAULT_PREFIX) -> InventoryQueue:
    """The queue and its dead-letter queue. Both policies are set every time (a queue made by hand is brought in
    line); the visibility timeout only when the queue is created (an operator's later choice stands)."""
    name, dead_name = queue_names(prefix)
    try:
        dead_url = _queue_url(sqs, dead_name, {"MessageRetentionPeriod": str(RETENTION_SECONDS)})
        dead_arn = _queue_arn(sqs, dead_url)
        url = _queue_url(sqs, name, {"VisibilityTimeout": str(VISIBILITY_SECONDS)})
        arn = _queue_arn(sqs, url)
        policy = {
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "cloudbutler-inventory-events",
                "Effect": "Allow",
                "Principal": {"Service": "s3.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": arn,
                "Condition": {"StringEquals": {"aws:SourceAccount": arn.split(":")[4]}},
            }],
        }
        sqs.set_queue_attributes(QueueUrl=url, Attributes={
            "Policy": json.dumps(policy),
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dead_arn, "maxReceiveCount": MAX_RECEIVE_COUNT}),
        })
    except BOTO_ERRORS as exc:
        raise from_boto(exc) from exc
    return InventoryQueue(url=url, arn=arn, dead_letter_url=dead_url)


def _queue_url(sqs: Any, name: str, attributes: dict[str, str]) -> str:
    try:
        return str(sqs.get_queue_url(QueueName=name)["QueueUrl"])
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in ("AWS.SimpleQueueService.NonExistentQueue",
                                                             "QueueDoesNotExist"):
            raise
    return str(sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"])


def _queue_arn(sqs: Any, url: str) -> str:
    return str(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"])


# --- the buckets' notification configuration ----------------------------------------------------------------------

def is_ours(name: str, entry: dict[str, Any]) -> bool:
    return name == "QueueConfigurations" and entry.get("Id") == CONFIGURATION_ID


def others(config: dict[str, Any]) -> list[NotificationTarget]:
    """Every target of the configuration except ours (the size tracker's included)."""
    found: list[NotificationTarget] = []
    for name, (kind, arn_field) in _LISTS.items():
        for entry in config.get(name, []):
            if not is_ours(name, entry):
                found.append(NotificationTarget(kind=kind, arn=str(entry.get(arn_field, "")),
                                                events=tuple(entry.get("Events", [])), id=str(entry.get("Id", ""))))
    return found


def overlapping(config: dict[str, Any]) -> list[NotificationTarget]:
    """Targets S3 would refuse ours beside: they share created events with ours and their key filters are not
    disjoint from ours (``.csv`` keys). EventBridge has no filter of its own and overlaps nothing."""
    clashing: list[NotificationTarget] = []
    for name in _LISTS:
        for entry in config.get(name, []):
            if is_ours(name, entry) or not any(str(e).startswith("s3:ObjectCreated") for e in entry.get("Events", [])):
                continue
            rules = {str(r.get("Name", "")).lower(): str(r.get("Value", ""))
                     for r in (entry.get("Filter") or {}).get("Key", {}).get("FilterRules", [])}
            suffix = rules.get("suffix")
            if suffix and not (suffix.endswith(SUFFIX) or SUFFIX.endswith(suffix)):
                continue  # e.g. ".json": never the same key as ours
            clashing += others({name: [entry]})
    return clashing


def with_ours(config: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    """The configuration with our queue configuration in place of any earlier one of ours."""
    merged = {name: value for name, value in config.items() if name not in _LISTS}
    for name in _LISTS:
        kept = [entry for entry in config.get(name, []) if not is_ours(name, entry)]
        if kept:
            merged[name] = kept
    merged.setdefault("QueueConfigurations", []).append({
        "Id": CONFIGURATION_ID, "QueueArn": queue_arn, "Events": list(EVENTS),
        "Filter": {"Key": {"FilterRules": [{"Name": "suffix", "Value": SUFFIX}]}}})
    return merged


def wire_bucket(s3: Any, bucket: str, queue_arn: str) -> list[NotificationTarget]:
    """Send the bucket's created ``.csv`` objects to our queue, keeping its other targets (returned). Raises
    InventoryNotificationOverlap (nothing changed) when another target already gets those events."""
    try:
        config = size_notifications.current(s3, bucket)
        clashing = overlapping(config)
        if clashing:
            raise InventoryNotificationOverlap(bucket, clashing)
        s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=with_ours(config, queue_arn))
    except BOTO_ERRORS as exc:
        raise s3_error(exc, bucket=bucket) from exc
    return others(config)
