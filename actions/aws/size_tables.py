"""Where size tracking keeps its state: the three DynamoDB tables and the SQS queue (with its dead-letter queue and
the policy that lets S3 send to it), created on demand, plus the codecs between their items and plain values."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from actions.aws.errors import BOTO_ERRORS, from_boto

DEFAULT_PREFIX = "cloudbutler-"
SAMPLES = "size-samples"
OBJECTS = "size-objects"
TRACKED = "size-tracked"
QUEUE = "size-events"
DEAD_LETTER_QUEUE = "size-events-dlq"
MAX_RECEIVE_COUNT = 5  # deliveries of a message that keeps failing before SQS moves it to the dead-letter queue
RETENTION_SECONDS = 14 * 86400  # the longest SQS keeps a message: no event can arrive later than this
VISIBILITY_SECONDS = 60

# table suffix -> (partition key, sort key and its type or None)
_SCHEMAS: dict[str, tuple[str, tuple[str, str] | None]] = {
    SAMPLES: ("bucket", ("ts", "N")),
    OBJECTS: ("bucket", ("key", "S")),
    TRACKED: ("bucket", None),
}
TOTAL_FIELDS = ("bytes", "objects")


@dataclass(frozen=True)
class ObjectRow:
    """What the tracker last knew of one key: its size and class (or that it was removed) and the order of the
    event (or snapshot) that said so. ``rev`` changes on every write, so a conditional write detects any other."""

    key: str
    size: int = 0
    storage_class: str = "STANDARD"
    order: str = ""
    deleted: bool = False
    rev: int = 0
    at: int = 0  # when the row was last written (epoch seconds)


@dataclass
class Totals:
    """Bytes and objects, in total and per storage class; a delta when the figures are signed."""

    bytes: int = 0
    objects: int = 0
    classes: dict[str, list[int]] = field(default_factory=dict)  # class -> [bytes, objects]

    def add(self, storage_class: str, size: int, count: int) -> None:
        self.bytes += size
        self.objects += count
        figures = self.classes.setdefault(storage_class, [0, 0])
        figures[0] += size
        figures[1] += count

    def merge(self, other: Totals) -> None:
        for name, (size, count) in other.classes.items():
            self.add(name, size, count)

    def attributes(self) -> dict[str, int]:
        """The flattened attributes (``bytes``, ``objects``, ``bytes_<CLASS>``, ``objects_<CLASS>``)."""
        flat = {"bytes": self.bytes, "objects": self.objects}
        for name, (size, count) in self.classes.items():
            flat[f"bytes_{name}"] = size
            flat[f"objects_{name}"] = count
        return flat

    def is_zero(self) -> bool:
        return not any(self.attributes().values())


def change(old: ObjectRow | None, *, exists: bool, size: int, storage_class: str) -> Totals:
    """The delta to the totals when a key goes from ``old`` to the new state (computed from the row, never from
    the event alone, so applying the same state twice adds nothing)."""
    delta = Totals()
    if old is not None and not old.deleted:
        delta.add(old.storage_class, -old.size, -1)
    if exists:
        delta.add(storage_class, size, 1)
    for name in [name for name, figures in delta.classes.items() if figures == [0, 0]]:
        del delta.classes[name]
    return delta


def table_names(prefix: str) -> dict[str, str]:
    return {suffix: prefix + suffix for suffix in _SCHEMAS}


def ensure_tables(dynamodb: Any, prefix: str) -> None:
    """Create the missing tables (on demand capacity) and wait until each is active; safe to run concurrently."""
    try:
        for suffix, (partition, sort) in _SCHEMAS.items():
            name = prefix + suffix
            if _table_exists(dynamodb, name):
                continue
            keys = [{"AttributeName": partition, "KeyType": "HASH"}]
            attributes = [{"AttributeName": partition, "AttributeType": "S"}]
            if sort is not None:
                keys.append({"AttributeName": sort[0], "KeyType": "RANGE"})
                attributes.append({"AttributeName": sort[0], "AttributeType": sort[1]})
            try:
                dynamodb.create_table(TableName=name, KeySchema=keys, AttributeDefinitions=attributes,
                                      BillingMode="PAY_PER_REQUEST")
            except ClientError as exc:
                if _code(exc) != "ResourceInUseException":  # another process created it first
                    raise
            dynamodb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    except BOTO_ERRORS as exc:
        raise from_boto(exc) from exc


def _table_exists(dynamodb: Any, name: str) -> bool:
    try:
        status = dynamodb.describe_table(TableName=name)["Table"].get("TableStatus")
    except ClientError as exc:
        if _code(exc) == "ResourceNotFoundException":
            return False
        raise
    return status == "ACTIVE"


@dataclass(frozen=True)
class QueueUrls:
    queue_url: str
    queue_arn: str
    dead_letter_url: str


def ensure_queue(sqs: Any, prefix: str) -> QueueUrls:
    """The events queue and its dead-letter queue, with the redrive policy and the policy that lets S3 (of this
    account only) send to it. Both policies are set every time, so a queue made by hand is brought in line; the
    visibility timeout only when the queue is created (an operator's later choice stands)."""
    try:
        dead_url = _queue_url(sqs, prefix + DEAD_LETTER_QUEUE)
        sqs.set_queue_attributes(QueueUrl=dead_url, Attributes={"MessageRetentionPeriod": str(RETENTION_SECONDS)})
        dead_arn = _queue_arn(sqs, dead_url)
        url = _queue_url(sqs, prefix + QUEUE, {"VisibilityTimeout": str(VISIBILITY_SECONDS)})
        arn = _queue_arn(sqs, url)
        account = arn.split(":")[4]
        policy = {
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "cloudbutler-s3-events",
                "Effect": "Allow",
                "Principal": {"Service": "s3.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": arn,
                "Condition": {"StringEquals": {"aws:SourceAccount": account}},
            }],
        }
        redrive = {"deadLetterTargetArn": dead_arn, "maxReceiveCount": MAX_RECEIVE_COUNT}
        sqs.set_queue_attributes(QueueUrl=url, Attributes={
            "Policy": json.dumps(policy),
            "RedrivePolicy": json.dumps(redrive),
        })
    except BOTO_ERRORS as exc:
        raise from_boto(exc) from exc
    return QueueUrls(queue_url=url, queue_arn=arn, dead_letter_url=dead_url)


def _queue_url(sqs: Any, name: str, attributes: dict[str, str] | None = None) -> str:
    try:
        return str(sqs.get_queue_url(QueueName=name)["QueueUrl"])
    except ClientError as exc:
        if _code(exc) not in ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"):
            raise
    return str(sqs.create_queue(QueueName=name, Attributes=attributes or {})["QueueUrl"])


def _queue_arn(sqs: Any, url: str) -> str:
    return str(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"])


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


# --- item codecs (the low-level client's attribute values) ---------------------------------------------------

def number(value: int) -> dict[str, str]:
    return {"N": str(value)}


def as_int(item: Mapping[str, Any], name: str, default: int = 0) -> int:
    value = item.get(name)
    return int(value["N"]) if value and "N" in value else default


def classes_of(item: Mapping[str, Any]) -> dict[str, tuple[int, int]]:
    """The per-class figures of a flattened item; classes holding nothing are left out."""
    found: dict[str, tuple[int, int]] = {}
    for name in item:
        if name.startswith("bytes_"):
            klass = name[len("bytes_"):]
            figures = (as_int(item, name), as_int(item, f"objects_{klass}"))
            if figures != (0, 0):
                found[klass] = figures
    return found


def row_item(bucket: str, row: ObjectRow) -> dict[str, Any]:
    return {
        "bucket": {"S": bucket},
        "key": {"S": row.key},
        "size": number(row.size),
        "storage_class": {"S": row.storage_class},
        "order": {"S": row.order},
        "deleted": {"BOOL": row.deleted},
        "rev": number(row.rev),
        "at": number(row.at),
    }


def row_of(item: Mapping[str, Any]) -> ObjectRow:
    return ObjectRow(
        key=item["key"]["S"],
        size=as_int(item, "size"),
        storage_class=item.get("storage_class", {}).get("S", "STANDARD"),
        order=item.get("order", {}).get("S", ""),
        deleted=bool(item.get("deleted", {}).get("BOOL", False)),
        rev=as_int(item, "rev"),
        at=as_int(item, "at"),
    )
