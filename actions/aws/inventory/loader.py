"""The inventory loader: an S3 ObjectCreated event names a ``store,item,count`` file; its rows are streamed from S3
into the inventory table a store's transaction at a time (``InventoryStore.write``: read, then written under the
store's guard), items that ran out (or came back) are published as they are written, the file's bad rows are
summarised to the alerts topic and the audit log, and the file is marked loaded - its redelivery is one read.

Entry points: ``handle(records)`` over S3 event records (Lambda's S3 trigger), ``lambda_handler`` (S3 or SQS
trigger) and ``handle_message(body)`` for one SQS message body (the consumer loop), which raises ``DeadLetter`` for
a message no retry can use.
"""

from __future__ import annotations

import logging
import os
import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import unquote_plus

from botocore.exceptions import ClientError

from actions.aws.errors import BOTO_ERRORS, AwsCallFailed, CloudButlerError, from_boto, s3_error
from actions.aws.inventory.alerts import StockAlerts
from actions.aws.inventory.csv_rows import BadRow, StockCsv, StockRow
from actions.aws.inventory.errors import DeadLetter
from actions.aws.inventory.store import (
    MAX_TRANSACTION,
    FileMark,
    InventoryStore,
    Key,
    Pending,
    RowConflict,
    Source,
    Transition,
    name_key,
)
from actions.aws.size_events import event_of
from actions.aws.size_tables import DEFAULT_PREFIX

log = logging.getLogger(__name__)

SEQUENCER_WIDTH = 32
ROW_WIDTH = 8  # row numbers in the order key: files of up to 99,999,999 rows
STORE_ROWS = MAX_TRANSACTION - 1  # a store's rows written together: a transaction with the store's guard
HELD_ROWS = 2000  # rows held across stores at most before all are written
CONFLICT_ATTEMPTS = 30  # tries of one transaction that other loads of the same stores keep beating
CONFLICT_BACKOFF = 0.02  # seconds: the most the n-th retry waits is n times this (random, so racers part)
KEPT_TRANSITIONS = 100  # transitions a result lists (all are published and counted)
# Records a file's bad rows (parameters, detail) in the audit log; the process that runs the loader builds it
# (``AuditLog.recorder``), so this layer needs nothing of the audit log's own.
BadRowsAudit = Callable[[Mapping[str, Any], str], None]


@dataclass(frozen=True)
class S3Object:
    """The file an ObjectCreated record names (key decoded), and where it stands among all files."""

    bucket: str
    key: str
    version: str
    etag: str
    event_time: str
    sequencer: str

    def source(self) -> Source:
        when = _event_time(self.event_time)
        order = f"{when:%Y-%m-%dT%H:%M:%S.%f}Z/{self.sequencer.upper().rjust(SEQUENCER_WIDTH, '0')}/{self.etag}"
        return Source(bucket=self.bucket, key=self.key, version=self.version, etag=self.etag,
                      event_time=self.event_time, order=order, at=int(when.timestamp()))


@dataclass
class FileResult:
    bucket: str
    key: str
    loaded: int = 0  # rows written
    unchanged: int = 0  # rows already loaded from this file, or older than what a newer file wrote
    bad_rows: int = 0
    bad: list[BadRow] = field(default_factory=list)  # the first ones
    transitions: int = 0
    out: list[Transition] = field(default_factory=list)  # the first KEPT_TRANSITIONS
    alerts_failed: int = 0  # transitions written but not published (SNS failed)
    skipped: str = ""  # why the file was not read: "superseded" (overwritten since) or "gone"
    loaded_before: bool = False  # loaded to the end before: not read again (``unchanged`` and ``bad_rows`` as then)


class _Held:
    """Rows not written yet, by store (a later row of an item replaces the earlier one): a store's rows go out
    together once they fill a transaction beside its guard; when too many are held across stores (a file of many
    small stores), all go out packed into as few transactions as their rows and guards fit."""

    def __init__(self) -> None:
        self.by_store: dict[str, dict[Key, Pending]] = {}
        self.size = 0

    def add(self, row: Pending) -> list[Pending] | None:
        """Hold a row; a store's rows once they fill a transaction."""
        rows = self.by_store.setdefault(row.key[0], {})
        self.size -= len(rows)
        rows.pop(row.key, None)
        rows[row.key] = row
        if len(rows) < STORE_ROWS:
            self.size += len(rows)
            return None
        del self.by_store[row.key[0]]
        return list(rows.values())

    def full(self) -> bool:
        return self.size >= HELD_ROWS

    def packed(self) -> Iterator[list[Pending]]:
        """Every held row, in transactions of rows and one guard per store at most MAX_TRANSACTION items."""
        batch: list[Pending] = []
        stores = 0
        for held in self.by_store.values():
            rows = list(held.values())
            while rows:
                room = MAX_TRANSACTION - len(batch) - stores - 1
                if room <= 0:
                    yield batch
                    batch, stores = [], 0
                    continue
                batch += rows[:room]
                del rows[:room]
                stores += 1
        if batch:
            yield batch
        self.by_store.clear()
        self.size = 0


@dataclass
class MessageResult:
    files: list[FileResult] = field(default_factory=list)
    ignored: int = 0  # test events, other event types


class InventoryLoader:
    def __init__(self, *, s3: Any, store: InventoryStore, alerts: StockAlerts, audit: BadRowsAudit | None = None,
                 buckets: Iterable[str] | None = None, clock: Callable[[], float] = time.time) -> None:
        self.s3 = s3
        self.store = store
        self.alerts = alerts
        self.audit = audit
        self.buckets = frozenset(buckets) if buckets is not None else None  # None: any bucket is ours
        self.clock = clock

    def load(self, obj: S3Object) -> FileResult:
        """Stream one file into the table. Raises UnparseableFile (dead-letter it) or CloudButlerError (storage
        or S3 failed: deliver again - what was written stays, and is unchanged the next time)."""
        result = FileResult(bucket=obj.bucket, key=obj.key)
        source = obj.source()
        try:
            mark = self.store.loaded(source)
        except BOTO_ERRORS as exc:
            raise from_boto(exc, table=self.store.table) from exc
        if mark is not None:  # a redelivered event: every row is stored and the bad rows are reported
            result.unchanged, result.bad_rows, result.loaded_before = mark.rows, mark.bad_rows, True
            return result
        params: dict[str, Any] = {"Bucket": obj.bucket, "Key": obj.key}
        if obj.version:
            params["VersionId"] = obj.version
        elif obj.etag:
            params["IfMatch"] = obj.etag  # the content this event is about, not a later upload's
        try:
            body = self.s3.get_object(**params)["Body"]
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in ("PreconditionFailed", "412"):
                result.skipped = "superseded"  # its own event brings the newer content
                return result
            if code in ("NoSuchKey", "NoSuchVersion", "404"):
                result.skipped = "gone"
                return result
            raise s3_error(exc, bucket=obj.bucket, key=obj.key) from exc
        except BOTO_ERRORS as exc:
            raise s3_error(exc, bucket=obj.bucket, key=obj.key) from exc
        writer = _FileWriter(self, source, result)
        try:
            rows = StockCsv(body.read)
            held = _Held()
            for row in rows:
                full = held.add(_pending(row, source.order))
                if full:
                    writer.write(full)
                elif held.full():
                    for batch in held.packed():
                        writer.write(batch)
            for batch in held.packed():
                writer.write(batch)
        finally:
            body.close()
        result.bad_rows, result.bad = rows.bad_total, rows.bad
        if rows.bad_total:
            self._report_bad_rows(source, rows, result)
        try:
            self.store.mark_loaded(source, FileMark(rows=result.loaded + result.unchanged, bad_rows=rows.bad_total))
        except BOTO_ERRORS as exc:
            raise from_boto(exc, table=self.store.table) from exc
        return result

    def _publish(self, transitions: list[Transition], result: FileResult) -> None:
        result.transitions += len(transitions)
        result.out += transitions[:max(0, KEPT_TRANSITIONS - len(result.out))]
        try:
            sent = self.alerts.publish_transitions(transitions)
        except CloudButlerError as exc:
            sent = 0
            log.warning("stock alerts not published (%s)", exc.code)
        if sent < len(transitions):
            # The rows are written: a redelivery finds them unchanged and cannot alert again.
            result.alerts_failed += len(transitions) - sent
            log.warning("%d stock alert(s) for %s lost", len(transitions) - sent, source_name(result))

    def _report_bad_rows(self, source: Source, rows: StockCsv, result: FileResult) -> None:
        try:
            if not self.store.claim_report(source):
                return  # reported when the file was loaded before
        except BOTO_ERRORS as exc:
            raise from_boto(exc, table=self.store.table) from exc
        try:
            self.alerts.publish_bad_rows(source, rows.bad, rows.bad_total, rows.good)
        except CloudButlerError as exc:
            log.warning("bad-rows summary of %s not published (%s)", source_name(result), exc.code)
        if self.audit is None:
            log.warning("%s: %d bad row(s), %d loaded", source_name(result), rows.bad_total, rows.good)
        else:
            self.audit({"bucket": source.bucket, "key": source.key, "version": source.version,
                        "bad_rows": rows.bad_total, "loaded_rows": rows.good,
                        "rows": [{"row": bad.row, "reason": bad.reason} for bad in rows.bad]},
                       f"{rows.bad_total} bad rows")

    def handle_message(self, body: str) -> MessageResult:
        """Load the files one SQS message body names (S3 event JSON, bare or inside an SNS notification).
        Raises DeadLetter for a message to dead-letter, CloudButlerError for one to deliver again."""
        event = _event(body)
        if event.get("Event") == "s3:TestEvent":
            return MessageResult(ignored=1)
        entries = event.get("Records")
        if not isinstance(entries, list) or not entries:
            raise DeadLetter("not an S3 event")
        return self.handle(entries)

    def handle(self, records: list[Any]) -> MessageResult:
        """Load the files S3 event records name (ObjectCreated only). Raises as ``handle_message``."""
        result = MessageResult()
        objects = [parse_record(record, self.buckets) for record in records]
        for obj in objects:
            if obj is None:
                result.ignored += 1
            else:
                result.files.append(self.load(obj))
        return result


class _FileWriter:
    """One load's writes: rows read and written a transaction at a time under their stores' guards (the versions
    this load last saw kept, so a guard is read only when first met or after another load moved it), transitions
    published once written."""

    def __init__(self, loader: InventoryLoader, source: Source, result: FileResult) -> None:
        self.loader = loader
        self.store = loader.store
        self.source = source
        self.result = result
        self.guards: dict[str, int] = {}

    def write(self, rows: list[Pending]) -> None:
        for attempt in range(CONFLICT_ATTEMPTS):
            try:
                transitions = self._try(rows)
            except RowConflict:  # another load wrote rows of these stores meanwhile: read them again
                for row in rows:
                    self.guards.pop(row.key[0], None)
                time.sleep(random.uniform(0, CONFLICT_BACKOFF * (attempt + 1)))
                continue
            except BOTO_ERRORS as exc:
                raise from_boto(exc, table=self.store.table) from exc
            if transitions:
                self.loader._publish(transitions, self.result)
            return
        raise AwsCallFailed("TransactionConflict", table=self.store.table)

    def _try(self, rows: list[Pending]) -> list[Transition]:
        unknown = {row.key[0] for row in rows} - self.guards.keys()
        if unknown:
            self.guards.update(self.store.guards(unknown))  # before the rows: a write after this moves them
        read = self.store.read([row.key for row in rows])
        newer = [row for row in rows if row.key not in read or read[row.key]["order"]["S"] < row.order]
        transitions: list[Transition] = []
        if newer:
            transitions, moved = self.store.write(newer, read, self.guards, self.source, int(self.loader.clock()))
            self.guards.update(moved)
        self.result.loaded += len(newer)
        self.result.unchanged += len(rows) - len(newer)
        return transitions


def _pending(row: StockRow, order: str) -> Pending:
    return Pending(key=(name_key(row.store), name_key(row.item)), store=row.store, item=row.item, count=row.count,
                   order=f"{order}/{row.row:0{ROW_WIDTH}d}")


def source_name(result: FileResult) -> str:
    return f"s3://{result.bucket}/{result.key}"


def _event(body: str) -> dict[str, Any]:
    try:
        return event_of(body)
    except ValueError as exc:
        raise DeadLetter(str(exc)) from exc


def parse_record(record: Any, buckets: frozenset[str] | None = None) -> S3Object | None:
    """The file an S3 event record names; None for other event types. Raises DeadLetter for what is not an S3
    record, or names a bucket not in ``buckets``."""
    try:
        if record.get("eventSource") != "aws:s3":
            raise DeadLetter("foreign: not an S3 event record")
        if not str(record["eventName"]).startswith("ObjectCreated:"):
            return None
        s3 = record["s3"]
        bucket, obj = str(s3["bucket"]["name"]), s3["object"]
        key = unquote_plus(str(obj["key"]))
        event_time = str(record["eventTime"])
        _event_time(event_time)
        sequencer = str(obj.get("sequencer") or "")
        if sequencer:
            int(sequencer, 16)
    except DeadLetter:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise DeadLetter("malformed S3 event record") from exc
    if not bucket or not key:
        raise DeadLetter("S3 event record without bucket or key")
    if buckets is not None and bucket not in buckets:
        raise DeadLetter(f"foreign: bucket {bucket} is not an inventory bucket")
    return S3Object(bucket=bucket, key=key, version=str(obj.get("versionId") or ""),
                    etag=str(obj.get("eTag") or "").strip('"'), event_time=event_time, sequencer=sequencer)


def _event_time(text: str) -> datetime:
    when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)


# --- deployed entry points --------------------------------------------------------------------------------------

def loader_from_env(env: dict[str, str] | None = None, factory: Any = None,
                    audit: BadRowsAudit | None = None) -> InventoryLoader:
    """A loader configured like the rest of CloudButler: CLOUDBUTLER_TABLE_PREFIX, CLOUDBUTLER_INVENTORY_TOPIC,
    CLOUDBUTLER_INVENTORY_BUCKETS (comma-separated; unset: any bucket); ``audit`` records bad rows (the tracker
    passes the audit log's; a Lambda has none: its log and the stock-alert subscribers have them)."""
    from actions.aws.clients import ClientFactory

    env = dict(os.environ) if env is None else env
    factory = factory or ClientFactory()
    store = InventoryStore(factory.client("dynamodb"), prefix=env.get("CLOUDBUTLER_TABLE_PREFIX", DEFAULT_PREFIX))
    store.ensure_table()
    buckets = [name.strip() for name in env.get("CLOUDBUTLER_INVENTORY_BUCKETS", "").split(",") if name.strip()]
    return InventoryLoader(s3=factory.client("s3"), store=store,
                           alerts=StockAlerts(factory.client("sns"),
                                              topic=env.get("CLOUDBUTLER_INVENTORY_TOPIC") or "inventory-alerts"),
                           audit=audit, buckets=buckets or None)


@lru_cache(maxsize=1)
def _lambda_loader() -> InventoryLoader:
    return loader_from_env()


def handle(records: list[Any], loader: InventoryLoader | None = None) -> MessageResult:
    """Load the files S3 event records name (Lambda's S3 trigger shape)."""
    return (loader or _lambda_loader()).handle(records)


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda: an S3 trigger's records are loaded (a failure raises, for Lambda's retries and its failure
    destination); an SQS trigger's messages are loaded one by one, and those to deliver again - or to dead-letter,
    which the queue's redrive policy does - are reported as batch item failures."""
    loader = _lambda_loader()
    records = list(event.get("Records", []))
    if not records or records[0].get("eventSource") != "aws:sqs":
        handle(records, loader)
        return {}
    failures = []
    for record in records:
        try:
            loader.handle_message(str(record.get("body", "")))
        except DeadLetter as exc:
            log.warning("inventory message %s cannot be used: %s", record.get("messageId", "?"), exc.reason)
            failures.append(record.get("messageId", ""))
        except CloudButlerError as exc:
            log.warning("inventory message %s failed (%s); it will come again", record.get("messageId", "?"),
                        exc.code)
            failures.append(record.get("messageId", ""))
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failures]}
