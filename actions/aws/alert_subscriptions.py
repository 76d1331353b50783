"""Which chat channels get which alerts, and who acknowledged an alert: two DynamoDB tables (on-demand capacity,
created on first use).

``{prefix}alert-subscriptions``: one item per (recipient, topic) - the recipient id of a channel or web chat
conversation (``common.recipients``) and the topic kind ``stock`` or ``alarms`` - with who subscribed it, on which
platform and when. A global secondary index ``by-topic`` (topic, recipient) answers "who gets this
alert?" with one Query per page: every alert asks it, and a Scan would read every channel's subscriptions each time.
The index is eventually consistent - a channel subscribed a moment ago may miss an alert published in that moment -
which is fine for chat notifications; what a channel asks about itself (``topics_of``) reads the table consistently.

``{prefix}alert-acks``: one item per alert (its SNS MessageId): the first acknowledgement, written once with a
condition, so two people pressing "Acknowledge" at once see one of them win and the other told who did.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from actions.aws.errors import BOTO_ERRORS, from_boto

DEFAULT_PREFIX = "cloudbutler-"
SUBSCRIPTIONS = "alert-subscriptions"
ACKS = "alert-acks"
DELIVERIES = "alert-deliveries"  # written by the alert consumer (actions.alerts.delivery): "<MessageId>#<recipient>"
BY_TOPIC = "by-topic"
TOPICS = ("stock", "alarms")  # what a channel subscribes to: the inventory's stock alerts, CloudWatch alarms


@dataclass(frozen=True)
class Subscription:
    recipient: str
    topic: str
    by: str  # who subscribed the channel (a sender id)
    platform: str
    at: int  # epoch seconds


@dataclass(frozen=True)
class Ack:
    """The first acknowledgement of an alert."""

    alert: str  # the alert's SNS MessageId
    by: str  # who acknowledged it (their display name)
    title: str  # the alert's title, as it was shown
    at: int  # epoch seconds
    by_id: str = ""  # their sender id


def check_topic(topic: str) -> str:
    if topic not in TOPICS:
        raise ValueError(f"unknown alert topic {topic!r} (one of {', '.join(TOPICS)})")
    return topic


class AlertSubscriptions:
    """Subscriptions of chat recipients to alert topics. Blocking (boto3)."""

    def __init__(self, dynamodb: Any, prefix: str = DEFAULT_PREFIX, *,
                 clock: Callable[[], float] = time.time) -> None:
        self.dynamodb = dynamodb
        self.table = prefix + SUBSCRIPTIONS
        self.clock = clock
        self.page_size: int | None = None  # items per Query page (DynamoDB's 1 MB when None); tests lower it

    def ensure_table(self) -> None:
        """Create the table with its topic index if missing (and add the index to a table made without it); safe
        to run concurrently and again."""
        attributes = [{"AttributeName": "recipient", "AttributeType": "S"},
                      {"AttributeName": "topic", "AttributeType": "S"}]
        index = {"IndexName": BY_TOPIC,
                 "KeySchema": [{"AttributeName": "topic", "KeyType": "HASH"},
                               {"AttributeName": "recipient", "KeyType": "RANGE"}],
                 "Projection": {"ProjectionType": "KEYS_ONLY"}}
        try:
            existing = _describe(self.dynamodb, self.table)
            if existing is None:
                _create(self.dynamodb, TableName=self.table, AttributeDefinitions=attributes,
                        KeySchema=[{"AttributeName": "recipient", "KeyType": "HASH"},
                                   {"AttributeName": "topic", "KeyType": "RANGE"}],
                        GlobalSecondaryIndexes=[index], BillingMode="PAY_PER_REQUEST")
            elif not any(i.get("IndexName") == BY_TOPIC for i in existing.get("GlobalSecondaryIndexes") or []):
                self.dynamodb.update_table(TableName=self.table, AttributeDefinitions=attributes,
                                           GlobalSecondaryIndexUpdates=[{"Create": index}])
            _wait(self.dynamodb, self.table)
        except BOTO_ERRORS as exc:
            raise from_boto(exc) from exc

    def subscribe(self, recipient: str, topic: str, *, by: str, platform: str) -> bool:
        """True if the recipient was not subscribed to ``topic`` before (the first subscription stands)."""
        check_topic(topic)
        item = {"recipient": {"S": recipient}, "topic": {"S": topic}, "by": {"S": by}, "platform": {"S": platform},
                "at": {"N": str(int(self.clock()))}}
        try:
            self.dynamodb.put_item(TableName=self.table, Item=item,
                                   ConditionExpression="attribute_not_exists(recipient)")
        except ClientError as exc:
            if _code(exc) == "ConditionalCheckFailedException":
                return False
            raise from_boto(exc) from exc
        except BOTO_ERRORS as exc:
            raise from_boto(exc) from exc
        return True

    def unsubscribe(self, recipient: str, topic: str) -> bool:
        """True if the recipient was subscribed to ``topic``."""
        check_topic(topic)
        try:
            answer = self.dynamodb.delete_item(TableName=self.table,
                                               Key={"recipient": {"S": recipient}, "topic": {"S": topic}},
                                               ReturnValues="ALL_OLD")
        except BOTO_ERRORS as exc:
            raise from_boto(exc) from exc
        return bool(answer.get("Attributes"))

    def recipients(self, topic: str) -> list[str]:
        """Every recipient subscribed to ``topic``, sorted (the topic index, page by page)."""
        check_topic(topic)
        found: list[str] = []
        request: dict[str, Any] = {
            "TableName": self.table, "IndexName": BY_TOPIC, "KeyConditionExpression": "topic = :topic",
            "ExpressionAttributeValues": {":topic": {"S": topic}},
            **({"Limit": self.page_size} if self.page_size else {}),
        }
        try:
            while True:
                page = self.dynamodb.query(**request)
                found += [item["recipient"]["S"] for item in page.get("Items", [])]
                if not page.get("LastEvaluatedKey"):
                    break
                request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        except BOTO_ERRORS as exc:
            raise from_boto(exc) from exc
        return sorted(set(found))

    def subscriptions_of(self, recipient: str) -> list[Subscription]:
        """The recipient's subscriptions (consistent read), in the order of ``TOPICS``."""
        try:
            items = self.dynamodb.query(
                TableName=self.table, KeyConditionExpression="recipient = :recipient",
                ExpressionAttributeValues={":recipient": {"S": recipient}}, ConsistentRead=True,
            ).get("Items", [])
        except BOTO_ERRORS as exc:
            raise from_boto(exc) from exc
        found = [_subscription(item) for item in items]
        return sorted(found, key=lambda s: (TOPICS.index(s.topic) if s.topic in TOPICS else len(TOPICS), s.topic))

    def topics_of(self, recipient: str) -> list[str]:
        """The topics the recipient is subscribed to, in the order of ``TOPICS``."""
        return [s.topic for s in self.subscriptions_of(recipient)]


class AlertAcks:
    """Acknowledgements of alerts, one per alert. Blocking (boto3)."""

    def __init__(self, dynamodb: Any, prefix: str = DEFAULT_PREFIX, *,
                 clock: Callable[[], float] = time.time) -> None:
        self.dynamodb = dynamodb
        self.table = prefix + ACKS
        self.clock = clock

    def ensure_table(self) -> None:
        try:
            if _describe(self.dynamodb, self.table) is None:
                _create(self.dynamodb, TableName=self.table,
                        AttributeDefinitions=[{"AttributeName": "alert", "AttributeType": "S"}],
                        KeySchema=[{"AttributeName": "alert", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST")
            _wait(self.dynamodb, self.table)
        except BOTO_ERRORS as exc:
            raise from_boto(exc) from exc

    def acknowledge(self, alert_id: str, *, by: str, title: str, by_id: str = "") -> tuple[bool, Ack]:
        """``(True, this acknowledgement)`` for the first one; ``(False, the first one)`` for any later."""
        if not alert_id:
            raise ValueError("an acknowledgement needs the alert's id")
        ack = Ack(alert=alert_id, by=by, title=title, at=int(self.clock()), by_id=by_id)
        item = {"alert": {"S": alert_id}, "by": {"S": by}, "title": {"S": title}, "at": {"N": str(ack.at)},
                "by_id": {"S": by_id}}
        try:
            self.dynamodb.put_item(TableName=self.table, Item=item, ConditionExpression="attribute_not_exists(alert)")
            return True, ack
        except ClientError as exc:
            if _code(exc) != "ConditionalCheckFailedException":
                raise from_boto(exc) from exc
        except BOTO_ERRORS as exc:
            raise from_boto(exc) from exc
        first = self.get(alert_id)
        if first is None:  # acknowledged and removed in between: nothing to tell but this one
            return self.acknowledge(alert_id, by=by, title=title, by_id=by_id)
        return False, first

    def get(self, alert_id: str) -> Ack | None:
        try:
            item = self.dynamodb.get_item(TableName=self.table, Key={"alert": {"S": alert_id}},
                                          ConsistentRead=True).get("Item")
        except BOTO_ERRORS as exc:
            raise from_boto(exc) from exc
        return _ack(item) if item else None


def delivered_title(dynamodb: Any, prefix: str, message_id: str, recipient: str) -> str | None:
    """Whether the alert ``message_id`` was delivered to ``recipient`` (the consumer's record of it): its title
    ("" when the record has none), or None when it was not (or the record has expired, or there is no table yet)."""
    try:
        item = dynamodb.get_item(TableName=prefix + DELIVERIES, Key={"id": {"S": f"{message_id}#{recipient}"}},
                                 ConsistentRead=True).get("Item")
    except ClientError as exc:
        if _code(exc) == "ResourceNotFoundException":
            return None
        raise from_boto(exc) from exc
    except BOTO_ERRORS as exc:
        raise from_boto(exc) from exc
    return _text(item, "title") if item else None


def _subscription(item: Mapping[str, Any]) -> Subscription:
    return Subscription(recipient=item["recipient"]["S"], topic=item["topic"]["S"], by=_text(item, "by"),
                        platform=_text(item, "platform"), at=_number(item, "at"))


def _ack(item: Mapping[str, Any]) -> Ack:
    return Ack(alert=item["alert"]["S"], by=_text(item, "by"), title=_text(item, "title"), at=_number(item, "at"),
               by_id=_text(item, "by_id"))


def _text(item: Mapping[str, Any], name: str) -> str:
    return str((item.get(name) or {}).get("S", ""))


def _number(item: Mapping[str, Any], name: str) -> int:
    value = (item.get(name) or {}).get("N")
    return int(value) if value else 0


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _describe(dynamodb: Any, name: str) -> dict[str, Any] | None:
    try:
        return dict(dynamodb.describe_table(TableName=name)["Table"])
    except ClientError as exc:
        if _code(exc) == "ResourceNotFoundException":
            return None
        raise


def _create(dynamodb: Any, **request: Any) -> None:
    try:
        dynamodb.create_table(**request)
    except ClientError as exc:
        if _code(exc) != "ResourceInUseException":  # another process created it first
            raise


def _wait(dynamodb: Any, name: str) -> None:
    dynamodb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
