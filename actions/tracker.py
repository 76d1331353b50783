"""The size tracker process (``python -m actions.tracker``): long-polls the S3 events queue, hands each batch to
``actions.aws.size_events.handle``, deletes a message only once its effect is stored, moves what it cannot use to the
dead-letter queue, and every CLOUDBUTLER_SNAPSHOT_SECONDS (default 3600, 0 = never) snapshots each tracked bucket.
It binds no port. SIGTERM or SIGINT stop it at once while it waits for messages or lists a bucket, and after the
batch in hand otherwise (a batch takes well under a second)."""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Mapping
from types import FrameType
from typing import Any

from actions.aws.clients import AwsSettings, ClientFactory
from actions.aws.errors import BOTO_ERRORS, CloudButlerError
from actions.aws.size_events import HandleResult, Record, handle, send_to_dead_letter
from actions.aws.size_tables import DEFAULT_PREFIX
from actions.aws.size_tracking import SizeTracker

log = logging.getLogger("actions.tracker")

WAIT_SECONDS = 10  # SQS long poll (at most 20); a stop interrupts it
BATCH = 10  # the most one ReceiveMessage returns
SNAPSHOT_CHECK_SECONDS = 60  # how often the loop looks for a bucket whose snapshot is due
MAX_BACKOFF = 30.0


class Interrupted(BaseException):
    """Raised by the signal handler into a wait or a listing (never into a batch being stored)."""


class Consumer:
    def __init__(self, tracker: SizeTracker, *, queue_url: str, wait_seconds: int = WAIT_SECONDS,
                 snapshot_seconds: int = 3600) -> None:
        self.tracker = tracker
        self.queue_url = queue_url
        self.wait_seconds = wait_seconds
        self.snapshot_seconds = snapshot_seconds
        self.stopping = threading.Event()
        self.interruptible = False  # True while waiting on SQS or listing: a stop may cut it short
        self._next_snapshot_check = 0.0

    def stop(self) -> None:
        self.stopping.set()

    def run(self) -> None:
        backoff = 1.0
        while not self.stopping.is_set():
            try:
                self.snapshot_due()
                self.poll_once()
                backoff = 1.0
            except (*BOTO_ERRORS, CloudButlerError) as exc:
                log.warning("size events queue unavailable (%s); retrying in %.0f s",
                            getattr(exc, "code", type(exc).__name__), backoff)
                self.stopping.wait(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)

    def poll_once(self) -> HandleResult:
        """Receive up to 10 messages, apply them, settle each; returns what ``handle`` made of them."""
        self.interruptible = True
        try:
            if self.stopping.is_set():
                return HandleResult()
            response = self.tracker.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=BATCH,
                                                        WaitTimeSeconds=self.wait_seconds)
        finally:
            self.interruptible = False
        records: list[Record] = [
            {"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m.get("Body", "")}
            for m in response.get("Messages", [])
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

    def _delete(self, records: list[Record]) -> None:
        if not records:
            return
        entries = [{"Id": str(i), "ReceiptHandle": record["receiptHandle"]} for i, record in enumerate(records)]
        response = self.tracker.sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=entries)
        for failure in response.get("Failed", []):
            # Stored already: when it comes again it is a duplicate and changes nothing.
            log.warning("size event not deleted from the queue: %s", failure.get("Code", "?"))

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


def main(environ: Mapping[str, str] | None = None) -> int:
    env = os.environ if environ is None else environ
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        _, consumer = build(env)
    except (CloudButlerError, ValueError) as exc:
        log.error("size tracker cannot start: %s", exc)
        return 1

    def on_signal(signum: int, frame: FrameType | None) -> Any:
        consumer.stop()
        if consumer.interruptible:
            raise Interrupted

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, on_signal)
    print(f"TRACKER READY queue={consumer.queue_url}", flush=True)
    try:
        consumer.run()
    except Interrupted:
        pass
    log.info("size tracker stopped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
