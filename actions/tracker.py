"""The tracker process (``python -m actions.tracker``): three queue consumers that bind no port.

- The size tracker (the main thread): long-polls the S3 events queue, hands each batch to
  ``actions.aws.size_events.handle``, deletes a message only once its effect is stored, moves what it cannot use to
  the dead-letter queue, every CLOUDBUTLER_SNAPSHOT_SECONDS (default 3600, 0 = never) snapshots each tracked
  bucket, and rolls up each closed day of their history (``actions.aws.size_rollups``).
- The alert consumer (a thread, ``actions.alerts.delivery``): alerts from the stock and alarm topics into the chat
  channels subscribed to them, through Rasa (CLOUDBUTLER_RASA_URL, RASA_AUTH_TOKEN).
- The inventory consumer (a thread, ``actions.aws.inventory.consumer``) when CLOUDBUTLER_INVENTORY_BUCKETS names
  buckets: their new CSV files into the stock table.

SIGTERM or SIGINT stop them all at once while they wait for messages, and after the message in hand otherwise (an
alert half delivered is handed back for the next start). A background consumer that crashes ends the process with
status 1, so the launcher starts it again.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import FrameType
from typing import Any, Protocol

from actions.aws.clients import AwsSettings, ClientFactory
from actions.aws.errors import BOTO_ERRORS, CloudButlerError
from actions.aws.queue_loop import QueueLoop
from actions.aws.size_events import HandleResult, Record, handle, send_to_dead_letter
from actions.aws.size_tables import DEFAULT_PREFIX
from actions.aws.size_tracking import SizeTracker
from actions.core.audit import AuditLog
from actions.core.identity import Identity

log = logging.getLogger("actions.tracker")

WAIT_SECONDS = 10  # SQS long poll (at most 20); a stop interrupts it
STOP_GRACE_SECONDS = 5.0  # how long a stop waits for a background consumer to finish the message in hand
BATCH = 10  # the most one ReceiveMessage returns
# While the queue is busy (a receive came back full), up to this many messages are gathered - without waiting - and
# applied as one batch: one read and one transaction for four receives, as a Lambda SQS trigger with a batch size
# of 40 would hand them over (``size_events.CHUNK`` changes fit one transaction).
GATHER = 40
SNAPSHOT_CHECK_SECONDS = 60  # how often the loop looks for a bucket whose snapshot is due
ROLLUP_CHECK_SECONDS = 600  # how often it looks for closed days to roll up (a day closes 10 min after midnight)

# Who the audit log names for an inventory file's bad rows: the loader, not a person.
INVENTORY_LOADER = Identity(sender_id="system:inventory:loader", platform="system", workspace="inventory",
                            user_id="loader", user_name="inventory loader", channel_id="")

class Interrupted(BaseException):
    """Raised by the signal handler into a wait or a listing (never into a batch being stored)."""


class Consumer(QueueLoop):
    queue_name = "size events queue"

    def __init__(self, tracker: SizeTracker, *, queue_url: str, wait_seconds: int = WAIT_SECONDS,
                 snapshot_seconds: int = 3600) -> None:
        super().__init__()
        self.tracker = tracker
        self.queue_url = queue_url
        self.wait_seconds = wait_seconds
        self.snapshot_seconds = snapshot_seconds
        # interruptible: True while waiting on SQS or listing - a stop may cut it short
        self._next_snapshot_check = 0.0
        self._next_rollup_check = 0.0

    def turn(self) -> None:
        self.snapshot_due()
        self.rollups_due()
        self.poll_once()

    def poll_once(self) -> HandleResult:
        """Receive up to 10 messages (up to GATHER while receives come back full), apply them, settle each; returns
        what ``handle`` made of them."""
        self.interruptible = True
        try:
            if self.stopping.is_set():
                return HandleResult()
            messages = self._receive(self.wait_seconds)
            last = len(messages)
            while last == BATCH and len(messages) < GATHER and not self.stopping.is_set():
                more = self._receive(0)
                messages += more
                last = len(more)
        finally:
            self.interruptible = False
        records: list[Record] = [
            {"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m.get("Body", "")}
            for m in messages
        ]
        if not records:
            return HandleResult()
        result = handle(records, self.tracker)
        keep = {id(record) for record in result.failed}  # left for redelivery (after 5, SQS dead-letters them)
        for record, reason in result.rejected:
            try:
                send_to_dead_letter(self.tracker, [(record, reason)])
            except BOTO_ERRORS as exc:
                log.warning("size event %s not moved to the dead-letter queue (%s); it will come again",
                            record["messageId"], type(exc).__name__)
                keep.add(id(record))
        self._delete([record for record in records if id(record) not in keep])
        if result.failed:
            log.warning("%d size event(s) not stored; they will come again", len(result.failed))
        return result

    def _receive(self, wait_seconds: int) -> list[dict[str, Any]]:
        response = self.tracker.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=BATCH,
                                                    WaitTimeSeconds=wait_seconds)
        return list(response.get("Messages", []))

    def _delete(self, records: list[Record]) -> None:
        for start in range(0, len(records), BATCH):
            entries = [{"Id": str(i), "ReceiptHandle": record["receiptHandle"]}
                       for i, record in enumerate(records[start:start + BATCH])]
            response = self.tracker.sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=entries)
            for failure in response.get("Failed", []):
                # Stored already: when it comes again it is a duplicate and changes nothing.
                log.warning("size event not deleted from the queue: %s", failure.get("Code", "?"))

    def rollups_due(self) -> int:
        """Every ROLLUP_CHECK_SECONDS: roll up each tracked bucket's closed days not rolled up yet; how many."""
        if time.monotonic() < self._next_rollup_check:
            return 0
        self._next_rollup_check = time.monotonic() + ROLLUP_CHECK_SECONDS
        rolled = 0
        for tracked in self.tracker.tracked():
            if self.stopping.is_set():
                break
            try:
                rolled += self.tracker.roll_up(tracked.bucket)
            except CloudButlerError as exc:  # the trend reads the samples of a day without a roll-up
                log.warning("roll-up of %s failed: %s", tracked.bucket, exc.code)
        return rolled

    def snapshot_due(self, *, force: bool = False) -> list[str]:
        """Snapshot each tracked bucket whose last snapshot is older than the interval; the buckets done."""
        if self.snapshot_seconds <= 0 or (not force and time.monotonic() < self._next_snapshot_check):
            return []
        self._next_snapshot_check = time.monotonic() + min(SNAPSHOT_CHECK_SECONDS, self.snapshot_seconds)
        done: list[str] = []
        for tracked in self.tracker.tracked():
            if self.stopping.is_set():
                break
            if tracked.snapshot_at is not None and self.tracker.now() - tracked.snapshot_at < self.snapshot_seconds:
                continue
            self.interruptible = True
            try:
                # A snapshot cut short is safe: each correction is its own transaction, the next one finishes.
                self.tracker.snapshot(tracked.bucket)
                done.append(tracked.bucket)
            except CloudButlerError as exc:
                log.warning("snapshot of %s failed: %s", tracked.bucket, exc.code)
            finally:
                self.interruptible = False
        return done


def build(environ: Mapping[str, str]) -> tuple[SizeTracker, Consumer]:
    factory = ClientFactory(AwsSettings.from_env(environ))
    tracker = SizeTracker(dynamodb=factory.client("dynamodb"), s3=factory.client("s3"), sqs=factory.client("sqs"),
                          cloudwatch=factory.client("cloudwatch"),
                          prefix=environ.get("CLOUDBUTLER_TABLE_PREFIX") or DEFAULT_PREFIX)
    tracker.ensure_tables()
    url = tracker.ensure_queue()
    seconds = environ.get("CLOUDBUTLER_SNAPSHOT_SECONDS", "").strip()
    return tracker, Consumer(tracker, queue_url=url, snapshot_seconds=int(seconds) if seconds else 3600)


class Background(Protocol):
    """A consumer run in a thread (the alert and inventory consumers)."""

    def run(self) -> None: ...

    def stop(self) -> None: ...


@dataclass
class Worker:
    name: str
    consumer: Background
    thread: threading.Thread | None = None
    crashed: bool = False

    def start(self, on_crash: Callable[[Worker], None]) -> None:
        def run() -> None:
            try:
                self.consumer.run()
            except Exception:  # noqa: BLE001 - a bug: logged, and the process ends so the launcher restarts it
                log.exception("%s consumer crashed", self.name)
                self.crashed = True
                on_crash(self)

        self.thread = threading.Thread(target=run, name=self.name, daemon=True)
        self.thread.start()

    def settled(self) -> bool:
        """Finished, or waiting on its queue (where ending the process loses nothing)."""
        return self.thread is None or not self.thread.is_alive() or bool(getattr(self.consumer, "interruptible", False))


def background_consumers(environ: Mapping[str, str]) -> tuple[list[Worker], dict[str, str]]:
    """The alert consumer and (with inventory buckets) the inventory consumer, and their queue URLs. One that cannot
    be built is logged and left out: the others still run."""
    workers: list[Worker] = []
    queues: dict[str, str] = {}
    try:
        from actions.alerts.delivery import build_alert_consumer

        alerts = build_alert_consumer(environ)
        workers.append(Worker("alerts", alerts.consumer))
        queues["alerts"] = alerts.queue.queue_url
    except (CloudButlerError, ValueError) as exc:
        log.error("alert consumer cannot start: %s", getattr(exc, "code", exc))
    try:
        from actions.aws.inventory.consumer import build_inventory_consumer

        audit = AuditLog(environ.get("CLOUDBUTLER_AUDIT_LOG") or None)
        inventory = build_inventory_consumer(environ, audit=audit.recorder(who=INVENTORY_LOADER,
                                                                          action="inventory_bad_rows"))
        if inventory is not None:
            workers.append(Worker("inventory", inventory))
            queues["inventory"] = str(getattr(inventory, "queue_url", "?"))
    except (CloudButlerError, ValueError) as exc:
        log.error("inventory consumer cannot start: %s", getattr(exc, "code", exc))
    return workers, queues


def stop_workers(workers: list[Worker], grace: float = STOP_GRACE_SECONDS) -> None:
    for worker in workers:
        worker.consumer.stop()
    deadline = time.monotonic() + grace
    for worker in workers:
        while not worker.settled() and time.monotonic() < deadline:
            assert worker.thread is not None
            worker.thread.join(timeout=0.05)
        if not worker.settled():
            log.warning("%s consumer still busy after %.0f s; stopping anyway (its message comes again)",
                        worker.name, grace)


def main(environ: Mapping[str, str] | None = None) -> int:
    env = os.environ if environ is None else environ
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        _, consumer = build(env)
    except (CloudButlerError, ValueError) as exc:
        log.error("size tracker cannot start: %s", exc)
        return 1
    workers, queues = background_consumers(env)
    crashed = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> Any:
        consumer.stop()
        if consumer.interruptible:
            raise Interrupted

    def on_crash(worker: Worker) -> None:
        crashed.set()
        os.kill(os.getpid(), signal.SIGTERM)  # the main thread stops the rest

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, on_signal)
    for worker in workers:
        worker.start(on_crash)
    extra = "".join(f" {name}={url}" for name, url in queues.items())
    print(f"TRACKER READY queue={consumer.queue_url}{extra}", flush=True)
    try:
        consumer.run()
    except Interrupted:
        pass
    try:
        stop_workers(workers)
    except Interrupted:  # a second signal: stop now
        pass
    log.info("tracker stopped")
    return 1 if crashed.is_set() else 0


if __name__ == "__main__":
    raise SystemExit(main())
