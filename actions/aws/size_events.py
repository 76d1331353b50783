"""The consumer of S3 events: a plain handler over a batch of SQS records (Lambda-shaped, so it also deploys as a
Lambda function) that applies each object change to the tracked totals exactly once.

Delivery is at least once and unordered, so every change carries an ordering key - S3's ``sequencer`` (hex,
padded, comparable for one key) or, where there is none (moto), the event time, eTag and kind - and is applied only
if it is newer than what the key's row holds: a duplicate or a stale event changes nothing. The row and the totals
change in one transaction (``SizeStore.apply``), conditional on the row being what was read; when another write got
there first, the row is read again and the change reconsidered.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import unquote_plus

from actions.aws.errors import BOTO_ERRORS
from actions.aws.size_store import MAX_TRANSACTION, NotTracked, RowConflict
from actions.aws.size_tables import ObjectRow, Totals, change
from actions.aws.size_tracking import SizeTracker

log = logging.getLogger(__name__)

Record = dict[str, Any]
ATTEMPTS = 10  # re-reads of a row another write keeps changing before the record is left for redelivery
SEQUENCER_WIDTH = 32
CHUNK = 40  # object changes read in one request and written in one transaction (with one totals item a bucket)


@dataclass
class HandleResult:
    applied: int = 0  # object changes applied
    duplicates: int = 0  # object changes already applied, or older than what is stored
    rejected: list[tuple[Record, str]] = field(default_factory=list)  # records no retry can use, with the reason
    failed: list[Record] = field(default_factory=list)  # records to deliver again (storage failed)
    ignored: int = 0  # test events and event types that do not change sizes


@dataclass(frozen=True)
class ObjectChange:
    bucket: str
    key: str
    created: bool  # False: removed
    size: int
    order: str


class Malformed(ValueError):
    """A message that is not a usable S3 event; the text is the reason logged with it."""


def handle(records: list[Record], tracker: SizeTracker) -> HandleResult:
    """Apply a batch, leaving one sample per bucket whose figures changed (source ``event``).

    The rows of a chunk of records and the totals of its buckets are read in one request; the changed rows, the
    totals and the buckets' samples (the totals read plus the chunk's deltas) are written in one transaction,
    conditional on the rows and the totals being what was read. If another write got there first (or a bucket is
    no longer tracked), that chunk is applied again change by change, each reading its row afresh, and the sample
    is written afterwards from the stored totals."""
    result = HandleResult()
    parsed: list[tuple[Record, list[ObjectChange]]] = []
    for record in records:
        try:
            changes = parse(record)
        except Malformed as exc:
            result.rejected.append((record, str(exc)))
            continue
        if changes is None:
            result.ignored += 1
        else:
            parsed.append((record, changes))
    touched: set[str] = set()
    for chunk in _chunks(parsed):
        _apply_chunk(chunk, tracker, result, touched)
    for bucket in sorted(touched):
        try:
            tracker.record_sample(bucket, "event")
        except Exception as exc:  # noqa: BLE001 - the figures are stored; the next batch writes the sample
            log.warning("no sample for %s after events: %s", bucket, type(exc).__name__)
    return result


def _chunks(parsed: list[tuple[Record, list[ObjectChange]]]) -> Iterator[list[tuple[Record, list[ObjectChange]]]]:
    chunk: list[tuple[Record, list[ObjectChange]]] = []
    size = 0
    for record, changes in parsed:
        if chunk and size + len(changes) > CHUNK:
            yield chunk
            chunk, size = [], 0
        chunk.append((record, changes))
        size += len(changes)
    if chunk:
        yield chunk


def _apply_chunk(chunk: list[tuple[Record, list[ObjectChange]]], tracker: SizeTracker, result: HandleResult,
                 touched: set[str]) -> None:
    keys = sorted({(c.bucket, c.key) for _, changes in chunk for c in changes})
    if len(keys) > CHUNK:  # one record with many changes: change by change
        for record, changes in chunk:
            _apply_record(record, changes, tracker, result, touched)
        return
    buckets = sorted({bucket for bucket, _ in keys})
    try:
        rows, totals = tracker.store.rows_and_totals(keys, buckets)
    except BOTO_ERRORS:
        result.failed += [record for record, _ in chunk]
        return
    # As if applied one after the other: a change older than what the key holds by then changes nothing.
    latest: dict[tuple[str, str], ObjectChange] = {}
    applied = duplicates = 0
    for _, changes in chunk:
        for item in changes:
            key = (item.bucket, item.key)
            row = rows.get(key)
            holds = latest[key].order if key in latest else row.order if row is not None else None
            if holds is not None and holds >= item.order:
                duplicates += 1
            else:
                applied += 1
                latest[key] = item
    writes: list[tuple[str, ObjectRow | None, ObjectRow]] = []
    deltas: dict[str, Totals] = {}
    now = tracker.now()
    for key, item in latest.items():
        old = rows.get(key)
        new, delta = _next_row(item, old, now)
        writes.append((item.bucket, old, new))
        deltas.setdefault(item.bucket, Totals()).merge(delta)
    sampled = all(bucket in totals for bucket in deltas) and len(writes) + 2 * len(deltas) <= MAX_TRANSACTION
    try:
        if not writes:
            pass
        elif not all(bucket in totals for bucket in deltas):
            raise NotTracked(", ".join(sorted(set(deltas) - set(totals))))
        elif sampled:
            # The new totals are the ones read plus the deltas: the sample is written in the same transaction.
            tracker.store.apply_sampled(writes, deltas, totals, ts=now, source="event")
        else:
            tracker.store.apply_many(writes, deltas)
    except (RowConflict, NotTracked):
        for record, changes in chunk:
            _apply_record(record, changes, tracker, result, touched)
        return
    except BOTO_ERRORS:
        result.failed += [record for record, _ in chunk]
        return
    result.applied += applied
    result.duplicates += duplicates
    if not sampled:
        touched.update(deltas)


def _next_row(item: ObjectChange, old: ObjectRow | None, now: int) -> tuple[ObjectRow, Totals]:
    # A created event names no storage class: STANDARD until a snapshot lists the real one.
    klass = "STANDARD" if item.created or old is None else old.storage_class
    new = ObjectRow(key=item.key, size=item.size if item.created else 0, storage_class=klass, order=item.order,
                    deleted=not item.created, rev=old.rev + 1 if old else 1, at=now)
    return new, change(old, exists=item.created, size=new.size, storage_class=klass)


def _apply_record(record: Record, changes: list[ObjectChange], tracker: SizeTracker, result: HandleResult,
                  touched: set[str]) -> None:
    applied = duplicates = 0
    try:
        for item in changes:
            if _apply(item, tracker):
                applied += 1
                touched.add(item.bucket)
            else:
                duplicates += 1
    except NotTracked as exc:
        result.rejected.append((record, f"bucket not tracked: {exc}"))
        return
    except (RowConflict, *BOTO_ERRORS):
        # Changes applied before the failure are duplicates when the message comes again.
        result.failed.append(record)
        return
    result.applied += applied
    result.duplicates += duplicates


def _apply(item: ObjectChange, tracker: SizeTracker) -> bool:
    """True if applied, False if the stored row is as new or newer. Raises RowConflict after ATTEMPTS."""
    for _ in range(ATTEMPTS):
        row = tracker.store.row(item.bucket, item.key)
        if row is not None and row.order >= item.order:
            return False
        new, delta = _next_row(item, row, tracker.now())
        try:
            tracker.store.apply(item.bucket, [(row, new)], delta)
            return True
        except RowConflict:
            continue
    raise RowConflict(item.bucket)


def event_of(body: str) -> dict[str, Any]:
    """The S3 event JSON an SQS message body holds, bare or inside an SNS notification (S3 -> SNS -> SQS);
    ValueError saying why for a body that holds no JSON object."""
    try:
        event = json.loads(body)
        if isinstance(event, dict) and event.get("Type") == "Notification" and "Message" in event:
            event = json.loads(event["Message"])
    except (ValueError, TypeError) as exc:
        raise ValueError("body is not JSON") from exc
    if not isinstance(event, dict):
        raise ValueError("not an S3 event")
    return event


def parse(record: Record) -> list[ObjectChange] | None:
    """The object changes an SQS record carries; None for a message that changes nothing (S3's test event, other
    event types). Raises Malformed for anything that is not an S3 event."""
    body = record.get("body", record.get("Body"))
    if not isinstance(body, str):
        raise Malformed("no body")
    try:
        event = event_of(body)
    except ValueError as exc:
        raise Malformed(str(exc)) from exc
    if event.get("Event") == "s3:TestEvent":
        return None
    entries = event.get("Records")
    if not isinstance(entries, list) or not entries:
        raise Malformed("not an S3 event")
    changes = [change for change in (_change(entry) for entry in entries) if change is not None]
    return changes or None


def _change(entry: Any) -> ObjectChange | None:
    try:
        if entry.get("eventSource") != "aws:s3":
            raise Malformed("not an S3 event")
        name = str(entry["eventName"])
        created = name.startswith("ObjectCreated:")
        if not created and not name.startswith("ObjectRemoved:"):
            return None
        s3 = entry["s3"]
        bucket = s3["bucket"]["name"]
        obj = s3["object"]
        key = unquote_plus(obj["key"])
        size = int(obj.get("size", 0)) if created else 0
        if not isinstance(bucket, str) or not bucket or not key or size < 0 or (created and "size" not in obj):
            raise Malformed("S3 record without bucket, key or size")
        return ObjectChange(bucket=bucket, key=key, created=created, size=size, order=order_of(entry, created))
    except Malformed:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise Malformed("malformed S3 record") from exc


def order_of(entry: dict[str, Any], created: bool) -> str:
    """The key that orders the events of one object: S3's sequencer where present, else time, eTag and kind (a
    removal in the same millisecond as the put of the same object comes after it)."""
    obj = entry["s3"]["object"]
    sequencer = obj.get("sequencer")
    if sequencer:
        text = str(sequencer).upper()
        int(text, 16)  # ValueError (malformed) unless hexadecimal
        return "s:" + text.rjust(SEQUENCER_WIDTH, "0")
    when = entry["eventTime"]
    if not isinstance(when, str) or not when:
        raise Malformed("S3 record without sequencer or event time")
    return f"t:{when}:{obj.get('eTag', '')}:{'c' if created else 'r'}"


def send_to_dead_letter(tracker: SizeTracker, rejected: list[tuple[Record, str]]) -> None:
    """Keep what could not be used in the dead-letter queue (with the reason as an attribute), logging one line
    each - the message id and the reason, never the body."""
    for record, reason in rejected:
        body = record.get("body", record.get("Body"))
        tracker.sqs.send_message(
            QueueUrl=tracker.dead_letter_url,
            MessageBody=body if isinstance(body, str) and body else "(empty)",
            MessageAttributes={"reason": {"DataType": "String", "StringValue": reason[:256]}},
        )
        log.warning("size event %s moved to the dead-letter queue: %s",
                    record.get("messageId", record.get("MessageId", "?")), reason)


@lru_cache(maxsize=1)
def _lambda_tracker() -> SizeTracker:
    from actions.aws.clients import ClientFactory

    factory = ClientFactory()
    return SizeTracker(dynamodb=factory.client("dynamodb"), s3=factory.client("s3"), sqs=factory.client("sqs"),
                       prefix=os.environ.get("CLOUDBUTLER_TABLE_PREFIX", "cloudbutler-"))


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The Lambda entry point (SQS trigger with ReportBatchItemFailures): failed records are redelivered,
    rejected ones moved to the dead-letter queue."""
    tracker = _lambda_tracker()
    result = handle(list(event.get("Records", [])), tracker)
    send_to_dead_letter(tracker, result.rejected)
    return {"batchItemFailures": [{"itemIdentifier": record.get("messageId", "")} for record in result.failed]}
