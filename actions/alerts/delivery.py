"""Alerts from the alerts queue into the chat channels subscribed to them, each exactly once.

For each SQS message (an SNS envelope): the topic says the kind (``stock`` or ``alarms``), the subscriptions say who
gets it, and each recipient not yet served is posted the rendered alert through Rasa (``trigger_intent`` with the
recipient's platform as output channel). A recipient served is recorded in ``{prefix}alert-deliveries`` under
``<MessageId>#<recipient>`` only after its post succeeded, so a message SQS delivers twice, or one a killed consumer
left behind, reaches nobody twice. When a recipient fails, the message stays: it comes again after a back-off that
grows with its receive count, and the queue's redrive policy dead-letters it after ``MAX_RECEIVE_COUNT`` tries. It is
deleted only once every recipient has it. An envelope from a topic that is not ours goes to the dead-letter queue.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from botocore.exceptions import ClientError

from actions.alerts.messages import Alert, alert_from_envelope
from actions.aws.alert_queue import KINDS, AlertQueue, ensure_alert_queue, topic_names
from actions.aws.clients import AwsSettings, ClientFactory
from actions.aws.errors import BOTO_ERRORS, CloudButlerError, from_boto
from actions.aws.queue_loop import QueueLoop
from actions.aws.size_tables import DEFAULT_PREFIX
from actions.core.late import DEFAULT_RASA_URL, RasaPoster, Reply
from common.recipients import output_channel_for

log = logging.getLogger("actions.alerts.delivery")

DELIVERIES = "alert-deliveries"
DELIVERY_TTL_SECONDS = 30 * 86400  # longer than any message can live in the queues (a redrive included)
WAIT_SECONDS = 10  # SQS long poll
BATCH = 10
FIRST_RETRY_SECONDS = 5
LAST_RETRY_SECONDS = 300
VISIBILITY_SECONDS = 60  # how long a received message is ours; extended while its posts take long


class Recipients(Protocol):
    """Who is subscribed to a kind of alert (``actions.aws.alert_subscriptions.AlertSubscriptions``)."""

    def recipients(self, topic: str) -> list[str]: ...


Post = Callable[[str, Reply], None]  # (recipient, message); raises when the message did not get through
Render = Callable[[Alert], Reply]


def retry_delay(receive_count: int) -> int:
    """Seconds until a message some recipient did not get comes again: 5, 10, 20 ... up to 5 minutes."""
    return int(min(LAST_RETRY_SECONDS, FIRST_RETRY_SECONDS * 2 ** max(0, receive_count - 1)))


def delivery_id(message_id: str, recipient: str) -> str:
    return f"{message_id}#{recipient}"


class Deliveries:
    """``{prefix}alert-deliveries``: one item per (message, recipient) that got the alert, expiring by ``ttl``."""

    def __init__(self, dynamodb: Any, *, prefix: str, clock: Callable[[], float] = time.time) -> None:
        self.dynamodb = dynamodb
        self.table = prefix + DELIVERIES
        self.clock = clock

    def ensure_table(self) -> None:
        try:
            try:
                self.dynamodb.create_table(
                    TableName=self.table, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                    AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                    BillingMode="PAY_PER_REQUEST")
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "ResourceInUseException":
                    raise
            self.dynamodb.get_waiter("table_exists").wait(TableName=self.table,
                                                          WaiterConfig={"Delay": 1, "MaxAttempts": 60})
            ttl = self.dynamodb.describe_time_to_live(TableName=self.table)["TimeToLiveDescription"]
            if ttl.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
                self.dynamodb.update_time_to_live(TableName=self.table, TimeToLiveSpecification={
                    "Enabled": True, "AttributeName": "ttl"})
        except BOTO_ERRORS as exc:
            raise from_boto(exc, table=self.table) from exc

    def delivered(self, message_id: str, recipient: str) -> bool:
        item = self.dynamodb.get_item(TableName=self.table, Key={"id": {"S": delivery_id(message_id, recipient)}},
                                      ConsistentRead=True).get("Item")
        return item is not None

    def record(self, message_id: str, recipient: str, *, title: str = "") -> bool:
        """Note that ``recipient`` got the message (with the alert's title, which an acknowledgement from the
        channel names); False if it was noted already."""
        now = int(self.clock())
        item = {"id": {"S": delivery_id(message_id, recipient)}, "message_id": {"S": message_id},
                "recipient": {"S": recipient}, "at": {"N": str(now)}, "ttl": {"N": str(now + DELIVERY_TTL_SECONDS)}}
        if title:
            item["title"] = {"S": title}
        try:
            self.dynamodb.put_item(TableName=self.table, ConditionExpression="attribute_not_exists(id)", Item=item)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True


class UnknownPlatform(Exception):
    def __init__(self, recipient: str) -> None:
        super().__init__(f"no chat channel serves {recipient!r}")


class RasaChannelPoster:
    """Posts through Rasa's ``trigger_intent`` with the recipient's platform as the output channel: a channel
    recipient has no latest input channel Rasa could take. Synchronous, for the consumer's thread."""

    def __init__(self, base_url: str = DEFAULT_RASA_URL, token: str | None = None, timeout: float = 10.0) -> None:
        self.rasa = RasaPoster(base_url, token, timeout)
        self._loop: asyncio.AbstractEventLoop | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> RasaChannelPoster:
        rasa = RasaPoster.from_env(env)
        return cls(rasa.base_url, rasa.token, rasa.timeout)

    def poster(self, recipient: str) -> RasaPoster:
        channel = output_channel_for(recipient)
        if channel is None:
            raise UnknownPlatform(recipient)
        return self.rasa.through(channel)

    def __call__(self, recipient: str, message: Reply) -> None:
        poster = self.poster(recipient)
        if self._loop is None or self._loop.is_closed():
            self._loop = asyncio.new_event_loop()
        self._loop.run_until_complete(poster(recipient, message))

    def close(self) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.close()


@dataclass
class Outcome:
    """What became of one batch (for tests and the log): message ids deleted, kept for a retry, dead-lettered; and
    the posts made, as (message id, recipient)."""

    deleted: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    dead: list[str] = field(default_factory=list)
    posted: list[tuple[str, str]] = field(default_factory=list)


class AlertConsumer(QueueLoop):
    """Long-polls the alerts queue and delivers; ``run`` until ``stop``. ``topics`` maps our topic ARNs to their
    kind (``AlertQueue.topics`` turned round, plus any extra allowed topics)."""

    queue_name = "alerts queue"

    def __init__(self, *, sqs: Any, queue_url: str, dead_letter_url: str, topics: Mapping[str, str],
                 subscriptions: Recipients, deliveries: Deliveries, post: Post, render: Render,
                 wait_seconds: int = WAIT_SECONDS, backoff: Callable[[int], int] = retry_delay,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.sqs = sqs
        self.queue_url = queue_url
        self.dead_letter_url = dead_letter_url
        self.topics = dict(topics)
        self.subscriptions = subscriptions
        self.deliveries = deliveries
        self.post = post
        self.render = render
        self.wait_seconds = wait_seconds
        self.backoff = backoff
        self.clock = clock

    def poll_once(self) -> Outcome:
        outcome = Outcome()
        self.interruptible = True
        try:
            if self.stopping.is_set():
                return outcome
            messages = self.sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=BATCH, WaitTimeSeconds=self.wait_seconds,
                AttributeNames=["ApproximateReceiveCount"]).get("Messages", [])
        finally:
            self.interruptible = False
        for index, message in enumerate(messages):
            if self.stopping.is_set():
                self._release(messages[index:], outcome)
                break
            self.handle(message, outcome)
        return outcome

    def _release(self, messages: list[dict[str, Any]], outcome: Outcome) -> None:
        """Stopping: the messages not looked at yet are handed back at once, for the next consumer."""
        entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                   for i, m in enumerate(messages)]
        try:
            self.sqs.change_message_visibility_batch(QueueUrl=self.queue_url, Entries=entries)
        except BOTO_ERRORS as exc:  # they come again after the queue's visibility timeout instead
            log.warning("alert messages not handed back (%s)", type(exc).__name__)
        outcome.kept += [str(m.get("MessageId", "?")) for m in messages]

    def handle(self, message: Mapping[str, Any], outcome: Outcome) -> None:
        """Deliver one SQS message and settle it: deleted, kept for a retry or dead-lettered."""
        started = self.clock()
        sqs_id = str(message.get("MessageId", "?"))
        body = str(message.get("Body", ""))
        envelope = _envelope(body)
        kind = self.topics.get(str(envelope.get("TopicArn"))) if envelope is not None else None
        if envelope is None or kind is None:
            reason = "not an SNS notification" if envelope is None else f"topic not ours: {envelope.get('TopicArn')}"
            self._dead_letter(message, reason, outcome)
            return
        alert = alert_from_envelope(envelope)
        message_id = alert.message_id or sqs_id
        try:
            recipients = self.subscriptions.recipients(kind)
        except (*BOTO_ERRORS, CloudButlerError) as exc:
            log.warning("alert %s: subscriptions unavailable (%s); it will come again", message_id,
                        getattr(exc, "code", type(exc).__name__))
            self._retry(message, outcome)
            return
        try:
            reply = self.render(alert)
        except Exception as exc:  # noqa: BLE001 - a message we cannot render must not stop the others
            log.exception("alert %s cannot be rendered", message_id)
            self._dead_letter(message, f"cannot be rendered: {type(exc).__name__}", outcome)
            return
        failed = 0
        for recipient in recipients:
            if self.stopping.is_set():  # the rest at once, by the next consumer
                log.info("alert %s: stopping before every recipient had it; it comes again", message_id)
                self._change_visibility(message, 0)
                outcome.kept.append(sqs_id)
                return
            self._keep_visible(message, started)
            if not self._deliver(message_id, recipient, reply, outcome, title=alert.title):
                failed += 1
        if failed:
            log.warning("alert %s: %d of %d recipient(s) not reached; it will come again", message_id, failed,
                        len(recipients))
            self._retry(message, outcome)
            return
        self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
        outcome.deleted.append(sqs_id)
        log.info("alert %s (%s) delivered to %d recipient(s)", message_id, kind, len(recipients))

    def _deliver(self, message_id: str, recipient: str, reply: Reply, outcome: Outcome, *, title: str) -> bool:
        try:
            if self.deliveries.delivered(message_id, recipient):
                return True
        except BOTO_ERRORS as exc:
            log.warning("alert %s: deliveries table unavailable (%s)", message_id, type(exc).__name__)
            return False
        try:
            self.post(recipient, reply)
        except UnknownPlatform as exc:
            log.warning("alert %s: %s; skipped", message_id, exc)
            return True  # nothing can ever reach it: retrying would only delay the others' deletion
        except Exception as exc:  # noqa: BLE001 - refused, unreachable, timed out: all a failed post
            log.warning("alert %s not posted to %s: %s", message_id, recipient, exc or type(exc).__name__)
            return False
        outcome.posted.append((message_id, recipient))
        try:
            self.deliveries.record(message_id, recipient, title=title)
        except BOTO_ERRORS as exc:
            # Posted but not noted: kept, so a retry would post it again. Said loudly; it is the one duplicate left.
            log.error("alert %s posted to %s but not recorded (%s); it may be posted again", message_id, recipient,
                      type(exc).__name__)
            return False
        return True

    def _keep_visible(self, message: Mapping[str, Any], started: float) -> None:
        """Posts to many recipients can outlast the visibility timeout; extend it so no other consumer takes the
        message meanwhile."""
        if self.clock() - started > VISIBILITY_SECONDS / 2:
            self._change_visibility(message, VISIBILITY_SECONDS)

    def _retry(self, message: Mapping[str, Any], outcome: Outcome) -> None:
        count = int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1") or 1)
        self._change_visibility(message, self.backoff(count))
        outcome.kept.append(str(message.get("MessageId", "?")))

    def _change_visibility(self, message: Mapping[str, Any], seconds: int) -> None:
        try:
            self.sqs.change_message_visibility(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"],
                                               VisibilityTimeout=seconds)
        except BOTO_ERRORS as exc:  # it comes again after the queue's own timeout instead
            log.warning("visibility of alert message %s not changed (%s)", message.get("MessageId"),
                        type(exc).__name__)

    def _dead_letter(self, message: Mapping[str, Any], reason: str, outcome: Outcome) -> None:
        sqs_id = str(message.get("MessageId", "?"))
        try:
            self.sqs.send_message(QueueUrl=self.dead_letter_url, MessageBody=str(message.get("Body", "")),
                                  MessageAttributes={"reason": {"DataType": "String", "StringValue": reason[:256]}})
        except BOTO_ERRORS as exc:
            log.warning("alert message %s not moved to the dead-letter queue (%s); it will come again", sqs_id,
                        type(exc).__name__)
            outcome.kept.append(sqs_id)
            return
        self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
        outcome.dead.append(sqs_id)
        log.warning("alert message %s moved to the dead-letter queue: %s", sqs_id, reason)


def _envelope(body: str) -> dict[str, Any] | None:
    try:
        envelope = json.loads(body)
    except ValueError:
        return None
    if not isinstance(envelope, dict) or envelope.get("Type") != "Notification" \
            or not isinstance(envelope.get("Message"), str):
        return None
    return envelope


def extra_topics(value: str) -> dict[str, str]:
    """CLOUDBUTLER_SNS_TOPIC_ARNS: more topics whose alerts are ours (comma separated ARNs, each optionally
    ``stock=`` or ``alarms=`` before it; alarms when not said), topic ARN -> kind."""
    found: dict[str, str] = {}
    for entry in value.split(","):
        entry = entry.strip()
        if not entry:
            continue
        kind, _, arn = entry.partition("=") if "=" in entry else ("alarms", "", entry)
        kind, arn = kind.strip(), arn.strip()
        if kind not in KINDS or not arn.startswith("arn:"):
            raise ValueError(f"CLOUDBUTLER_SNS_TOPIC_ARNS: {entry!r} is not [stock=|alarms=]<topic ARN>")
        found[arn] = kind
    return found


@dataclass
class AlertService:
    """The consumer and what it was built on (the queue and topics), for the tracker process and tests."""

    consumer: AlertConsumer
    queue: AlertQueue
    poster: RasaChannelPoster


def build_alert_consumer(environ: Mapping[str, str], factory: ClientFactory | None = None, *,
                         post: Post | None = None, wait_seconds: int = WAIT_SECONDS) -> AlertService:
    """Topics, queue, tables and the consumer as CLOUDBUTLER_TABLE_PREFIX, the topic variables, CLOUDBUTLER_RASA_URL
    and RASA_AUTH_TOKEN say. Raises CloudButlerError when AWS refuses, ValueError for a bad setting."""
    from actions.alerts.render import reply_for
    from actions.aws.alert_subscriptions import AlertSubscriptions

    factory = factory or ClientFactory(AwsSettings.from_env(environ))
    prefix = environ.get("CLOUDBUTLER_TABLE_PREFIX") or DEFAULT_PREFIX
    topics_by_arn = extra_topics(environ.get("CLOUDBUTLER_SNS_TOPIC_ARNS", ""))
    sqs, dynamodb = factory.client("sqs"), factory.client("dynamodb")
    queue = ensure_alert_queue(sqs, factory.client("sns"), prefix=prefix, names=topic_names(environ))
    topics_by_arn.update({arn: kind for kind, arn in queue.topics.items()})
    subscriptions = AlertSubscriptions(dynamodb, prefix)
    subscriptions.ensure_table()
    deliveries = Deliveries(dynamodb, prefix=prefix)
    deliveries.ensure_table()
    poster = RasaChannelPoster.from_env(environ)
    consumer = AlertConsumer(sqs=sqs, queue_url=queue.queue_url, dead_letter_url=queue.dead_letter_url,
                             topics=topics_by_arn, subscriptions=subscriptions, deliveries=deliveries,
                             post=post or poster, render=reply_for, wait_seconds=wait_seconds)
    return AlertService(consumer=consumer, queue=queue, poster=poster)
