"""The inventory queue's consumer: long-polls ``{prefix}inventory`` (S3 ObjectCreated events of the inventory
buckets' ``.csv`` files), hands each message body to ``InventoryLoader.handle_message`` and settles it - deleted once
its rows are stored, moved to the dead-letter queue (with a log line naming the message, never its body) when no
retry can use it, left for redelivery when storage or S3 failed (after MAX_RECEIVE_COUNT deliveries the redrive
policy dead-letters it). A message in hand is kept invisible while a large file loads.

``build_inventory_consumer(environ)`` sets the pipeline up (queue, dead-letter queue, policies, the buckets'
notification configuration merged with what they have) and returns the consumer the tracker process runs."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from actions.aws.errors import BOTO_ERRORS, CloudButlerError
from actions.aws.inventory.errors import DeadLetter
from actions.aws.inventory.loader import BadRowsAudit, InventoryLoader, MessageResult, loader_from_env
from actions.aws.inventory.wiring import VISIBILITY_SECONDS, ensure_queue, wire_bucket
from actions.aws.queue_loop import QueueLoop
from actions.aws.size_tables import DEFAULT_PREFIX

log = logging.getLogger(__name__)

WAIT_SECONDS = 10  # SQS long poll (at most 20)
BATCH = 10  # the most one ReceiveMessage returns
RETRY_SECONDS = 10  # a message whose load failed comes back after this (not after the whole visibility timeout)


@dataclass
class PollResult:
    loaded: list[MessageResult] = field(default_factory=list)
    dead_lettered: int = 0
    failed: int = 0  # left for redelivery

    @property
    def received(self) -> int:
        return len(self.loaded) + self.dead_lettered + self.failed


class InventoryConsumer(QueueLoop):
    queue_name = "inventory queue"

    def __init__(self, loader: InventoryLoader, sqs: Any, queue_url: str, *, dead_letter_url: str = "",
                 wait_seconds: int = WAIT_SECONDS, visibility_seconds: int = VISIBILITY_SECONDS,
                 retry_seconds: int = RETRY_SECONDS) -> None:
        super().__init__()
        self.loader = loader
        self.sqs = sqs
        self.queue_url = queue_url
        self.dead_letter_url = dead_letter_url or _dead_letter_url(sqs, queue_url)
        self.wait_seconds = wait_seconds
        self.visibility_seconds = visibility_seconds
        self.retry_seconds = retry_seconds

    def poll_once(self) -> PollResult:
        """Receive up to 10 messages and settle each, one after the other."""
        result = PollResult()
        if self.stopping.is_set():
            return result
        self.interruptible = True
        try:
            response = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=BATCH,
                                                WaitTimeSeconds=self.wait_seconds)
        finally:
            self.interruptible = False
        for message in response.get("Messages", []):
            self._settle(message, result)
        return result

    def _settle(self, message: dict[str, Any], result: PollResult) -> None:
        message_id, handle = str(message.get("MessageId", "?")), str(message["ReceiptHandle"])
        try:
            with self._kept_invisible(handle):
                loaded = self.loader.handle_message(str(message.get("Body", "")))
        except DeadLetter as exc:
            self._dead_letter(message, exc.reason)
            result.dead_lettered += 1
            return
        except CloudButlerError as exc:
            log.warning("inventory message %s not loaded (%s); it will come again", message_id, exc.code)
            self._retry_soon(handle)
            result.failed += 1
            return
        except Exception:  # noqa: BLE001 - a bug must not stop the loop; the redrive policy ends the retries
            log.exception("inventory message %s failed; it will come again", message_id)
            self._retry_soon(handle)
            result.failed += 1
            return
        for file in loaded.files:
            log.info("inventory file s3://%s/%s: %d rows loaded, %d unchanged, %d bad, %d transitions%s", file.bucket,
                     file.key, file.loaded, file.unchanged, file.bad_rows, file.transitions,
                     f" (skipped: {file.skipped})" if file.skipped else " (loaded before)" if file.loaded_before else "")
        self._delete(message_id, handle)  # the rows are stored: a redelivery would change nothing
        result.loaded.append(loaded)

    def _dead_letter(self, message: dict[str, Any], reason: str) -> None:
        message_id = str(message.get("MessageId", "?"))
        body = str(message.get("Body", ""))
        try:
            self.sqs.send_message(QueueUrl=self.dead_letter_url, MessageBody=body or "(empty)",
                                  MessageAttributes={"reason": {"DataType": "String", "StringValue": reason[:256]}})
        except BOTO_ERRORS as exc:
            log.warning("inventory message %s not moved to the dead-letter queue (%s); it will come again",
                        message_id, type(exc).__name__)
            return
        log.warning("inventory message %s moved to the dead-letter queue: %s", message_id, reason)
        self._delete(message_id, str(message["ReceiptHandle"]))

    def _delete(self, message_id: str, handle: str) -> None:
        try:
            self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=handle)
        except BOTO_ERRORS as exc:
            # Settled already: when it comes again it changes nothing.
            log.warning("inventory message %s not deleted from the queue (%s)", message_id, type(exc).__name__)

    def _retry_soon(self, handle: str) -> None:
        try:
            self.sqs.change_message_visibility(QueueUrl=self.queue_url, ReceiptHandle=handle,
                                               VisibilityTimeout=self.retry_seconds)
        except BOTO_ERRORS:
            pass  # it comes back after the visibility timeout instead

    @contextmanager
    def _kept_invisible(self, handle: str) -> Iterator[None]:
        """While a file loads, push its message's visibility out every half timeout (a large file may take
        longer than one): no other consumer starts the same load meanwhile."""
        done = threading.Event()

        def extend() -> None:
            while not done.wait(self.visibility_seconds / 2):
                try:
                    self.sqs.change_message_visibility(QueueUrl=self.queue_url, ReceiptHandle=handle,
                                                       VisibilityTimeout=self.visibility_seconds)
                except BOTO_ERRORS as exc:
                    log.warning("inventory message visibility not extended (%s)", type(exc).__name__)

        keeper = threading.Thread(target=extend, name="inventory-visibility", daemon=True)
        keeper.start()
        try:
            yield
        finally:
            done.set()
            keeper.join()


def _dead_letter_url(sqs: Any, queue_url: str) -> str:
    """The dead-letter queue the queue's redrive policy names."""
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["RedrivePolicy"])["Attributes"]
    arn = str(json.loads(attributes["RedrivePolicy"])["deadLetterTargetArn"])
    _, _, _, _, account, name = arn.split(":", 5)
    return str(sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"])


def inventory_buckets(environ: Mapping[str, str]) -> list[str]:
    return [name.strip() for name in environ.get("CLOUDBUTLER_INVENTORY_BUCKETS", "").split(",") if name.strip()]


def build_inventory_consumer(environ: Mapping[str, str], factory: Any = None,
                             audit: BadRowsAudit | None = None) -> InventoryConsumer | None:
    """None when CLOUDBUTLER_INVENTORY_BUCKETS names no bucket. Otherwise the table, the queue (with dead-letter
    queue, redrive and S3 policy) and each bucket's notification configuration merged with its others; a bucket
    that cannot be wired (missing, denied, or already sending .csv events elsewhere) is logged and left out, the
    others still load. Raises CloudButlerError when the table or queue cannot be made."""
    from actions.aws.clients import AwsSettings, ClientFactory

    buckets = inventory_buckets(environ)
    if not buckets:
        return None
    factory = factory or ClientFactory(AwsSettings.from_env(environ))
    loader = loader_from_env(dict(environ), factory, audit)
    sqs = factory.client("sqs")
    queue = ensure_queue(sqs, environ.get("CLOUDBUTLER_TABLE_PREFIX") or DEFAULT_PREFIX)
    s3 = factory.client("s3")
    for bucket in buckets:
        try:
            kept = wire_bucket(s3, bucket, queue.arn)
        except CloudButlerError as exc:
            log.error("inventory bucket %s not wired to the queue (%s: %s)", bucket, exc.code,
                      exc.details.get("targets", ""))
            continue
        log.info("inventory bucket %s sends new .csv files to %s (%d other notification targets kept)", bucket,
                 queue.url, len(kept))
    return InventoryConsumer(loader, sqs, queue.url, dead_letter_url=queue.dead_letter_url)
