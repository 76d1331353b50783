"""Fixtures for the inventory loader against moto: a bucket, the table, the alerts topic with a queue subscribed
to it (what a chat subscriber would get), an audit log, and helpers that put a file and say what S3 would."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from actions.aws.clients import ClientFactory
from actions.aws.inventory.alerts import StockAlerts
from actions.aws.inventory.loader import InventoryLoader
from actions.aws.inventory.store import InventoryStore
from actions.core.audit import AuditLog
from actions.tracker import INVENTORY_LOADER

BUCKET = "cb-inventory"
PREFIX = "test-"
TOPIC = "test-inventory-alerts"
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@dataclass
class Inventory:
    s3: Any
    sqs: Any
    store: InventoryStore
    loader: InventoryLoader
    audit: AuditLog
    inbox_url: str

    def put(self, key: str, text: str | bytes, *, at: datetime = T0, sequencer: str = "") -> dict[str, Any]:
        """Put a file; the S3 event record that says so (event time ``at``)."""
        body = text.encode("utf-8") if isinstance(text, str) else text
        etag = self.s3.put_object(Bucket=BUCKET, Key=key, Body=body)["ETag"].strip('"')
        return s3_record(key, etag=etag, at=at, sequencer=sequencer)

    def alerts(self) -> list[dict[str, Any]]:
        """The messages the topic delivered since the last call: subject, kind and body."""
        found: list[dict[str, Any]] = []
        while True:
            messages = self.sqs.receive_message(QueueUrl=self.inbox_url, MaxNumberOfMessages=10,
                                                WaitTimeSeconds=0).get("Messages", [])
            if not messages:
                return found
            for message in messages:
                envelope = json.loads(message["Body"])
                found.append({"subject": envelope.get("Subject"),
                              "kind": envelope["MessageAttributes"]["kind"]["Value"],
                              "body": json.loads(envelope["Message"])})
                self.sqs.delete_message(QueueUrl=self.inbox_url, ReceiptHandle=message["ReceiptHandle"])


def s3_record(key: str, *, etag: str, at: datetime = T0, sequencer: str = "", bucket: str = BUCKET,
              name: str = "ObjectCreated:Put") -> dict[str, Any]:
    obj: dict[str, Any] = {"key": key.replace(" ", "+"), "size": 1, "eTag": etag}
    if sequencer:
        obj["sequencer"] = sequencer
    return {"eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
            "eventTime": at.isoformat(timespec="milliseconds").replace("+00:00", "Z"), "eventName": name,
            "s3": {"s3SchemaVersion": "1.0", "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
                   "object": obj}}


def later(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.fixture
def inventory(aws: ClientFactory, tmp_path: Path) -> Inventory:
    s3, sqs, sns = aws.client("s3"), aws.client("sqs"), aws.client("sns")
    s3.create_bucket(Bucket=BUCKET)
    store = InventoryStore(aws.client("dynamodb"), prefix=PREFIX)
    store.ensure_table()
    alerts = StockAlerts(sns, topic=TOPIC)
    inbox = sqs.create_queue(QueueName="test-alerts-inbox")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=alerts.topic_arn(), Protocol="sqs", Endpoint=arn)
    audit = AuditLog(tmp_path / "audit.jsonl")
    clock = [T0.timestamp() + 60]
    loader = InventoryLoader(s3=s3, store=store, alerts=alerts, buckets=[BUCKET],
                             audit=audit.recorder(who=INVENTORY_LOADER, action="inventory_bad_rows"),
                             clock=lambda: clock[0])
    return Inventory(s3=s3, sqs=sqs, store=store, loader=loader, audit=audit, inbox_url=inbox)
