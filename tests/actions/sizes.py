"""Helpers for the size-tracking tests: a tracker on the test's moto server, the queue's messages as Lambda-shaped
records, what a listing says a bucket holds, and waiting on a condition with a deadline."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from actions.aws.clients import ClientFactory
from actions.aws.size_tracking import SizeTracker
from tests.fakes.moto_dynamodb import install as install_transactions


def make_tracker(aws: ClientFactory, *, with_cloudwatch: bool = True, **options: Any) -> SizeTracker:
    # Transactions as DynamoDB runs them (isolated, priced by their items), in the moto server of this process.
    install_transactions()
    return SizeTracker(dynamodb=aws.client("dynamodb"), s3=aws.client("s3"), sqs=aws.client("sqs"),
                       cloudwatch=aws.client("cloudwatch") if with_cloudwatch else None, **options)


def receive_all(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    """Every message now in the queue, as SQS hands them to a Lambda function (they stay in the queue, invisible)."""
    records: list[dict[str, Any]] = []
    while True:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=60,
                                       MessageAttributeNames=["All"]).get("Messages", [])
        if not messages:
            return records
        records += [{"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
                     "messageAttributes": m.get("MessageAttributes", {})} for m in messages]


def s3_records(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Only the records carrying object events (not S3's test events)."""
    return [record for record in records if "Records" in json.loads(record["body"])]


def listed(s3: Any, bucket: str) -> tuple[int, int, dict[str, tuple[int, int]]]:
    """(bytes, objects, per class) of the bucket's current objects, from a listing."""
    size = count = 0
    classes: dict[str, tuple[int, int]] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for raw in page.get("Contents", []):
            size += raw["Size"]
            count += 1
            klass = raw.get("StorageClass") or "STANDARD"
            was = classes.get(klass, (0, 0))
            classes[klass] = (was[0] + raw["Size"], was[1] + 1)
    return size, count, classes


def figures(tracker: SizeTracker, bucket: str) -> tuple[int, int, dict[str, tuple[int, int]]]:
    tracked = tracker.tracked_bucket(bucket)
    assert tracked is not None
    return tracked.bytes, tracked.objects, tracked.classes


def event_record(bucket: str, key: str, *, kind: str = "ObjectCreated:Put", size: int | None = None,
                 sequencer: str | None = None, when: str = "2024-05-01T10:00:00.000Z", etag: str = "e",
                 message_id: str = "m") -> dict[str, Any]:
    """An SQS record with one S3 event shaped as real S3 sends it (a removal carries no size nor eTag)."""
    obj: dict[str, Any] = {"key": key}
    if size is not None:
        obj["size"] = size
    if kind.startswith("ObjectCreated"):
        obj["eTag"] = etag
    if sequencer is not None:
        obj["sequencer"] = sequencer
    body = {"Records": [{"eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
                         "eventTime": when, "eventName": kind,
                         "s3": {"s3SchemaVersion": "1.0", "configurationId": "cloudbutler-size-tracking",
                                "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"}, "object": obj}}]}
    return {"messageId": message_id, "receiptHandle": f"rh-{message_id}", "body": json.dumps(body)}


def wait_for(condition: Callable[[], bool], timeout: float = 20.0, message: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {message}")
        time.sleep(0.05)


def drop_all(sqs: Any, queue_url: str) -> int:
    """Lose every message now in the queue (as if S3 never sent them); how many there were."""
    records = receive_all(sqs, queue_url)
    for record in records:
        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=record["receiptHandle"])
    return len(records)
