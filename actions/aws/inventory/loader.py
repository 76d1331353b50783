"""The inventory loader: an S3 ObjectCreated event names a ``store,item,count`` file; its rows are streamed from S3
into the inventory table a chunk at a time, items that ran out (or came back) are published as they are written,
and the file's bad rows are summarised to the alerts topic and the audit log.

Entry points: ``handle(records)`` over S3 event records (Lambda's S3 trigger), ``lambda_handler`` (S3 or SQS
trigger) and ``handle_message(body)`` for one SQS message body (the consumer loop), which raises ``DeadLetter`` for
a message no retry can use.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import unquote_plus

from botocore.exceptions import ClientError

from actions.aws.errors import BOTO_ERRORS, CloudButlerError, from_boto, s3_error
from actions.aws.inventory.alerts import StockAlerts
from actions.aws.inventory.csv_rows import BadRow, StockCsv, StockRow
from actions.aws.inventory.errors import DeadLetter
from actions.aws.inventory.store import CHUNK, InventoryStore, Key, Pending, RowConflict, Source, Transition, name_key
from actions.aws.size_events import event_of
from actions.aws.size_tables import DEFAULT_PREFIX

log = logging.getLogger(__name__)

SEQUENCER_WIDTH = 32
ROW_WIDTH = 8  # row numbers in the order key: files of up to 99,999,999 rows
BLIND_ATTEMPTS = 2  # unread transactions of a chunk before what is left is written carefully
HOLD_SECONDS = 1.0  # the longest a row at 0 (or a restock) waits to be written with others
FEW = 4  # rows written one by one (an UpdateItem returning the old item) rather than read first
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


@dataclass
class _FileState:
    out: dict[str, set[str]] = field(default_factory=dict)  # store key -> item keys at 0 when first looked at
    read_first: bool = False  # the last chunk was mostly unchanged rows
    held: dict[Key, Pending] = field(default_factory=dict)  # rows whose old count matters, not written yet
    held_since: float = 0.0

    def buffer(self, row: Pending, now: float) -> None:
        if not self.held:
            self.held_since = now
        self.held.pop(row.key, None)  # the file's later row of the item wins
        self.held[row.key] = row

    def release(self) -> list[Pending]:
        rows, self.held = list(self.held.values()), {}
        return rows


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
        try:
            rows = StockCsv(body.read)
            state = _FileState()
            chunk: dict[Key, Pending] = {}
            for row in rows:
                pending = _pending(row, source.order)
                chunk.pop(pending.key, None)  # a later row of the same item wins
                chunk[pending.key] = pending
                if len(chunk) == CHUNK:
                    self._write(list(chunk.values()), source, result, state)
                    chunk = {}
            if chunk:
                self._write(list(chunk.values()), source, result, state)
            self._flush(source, result, state)
        finally:
            body.close()
        result.bad_rows, result.bad = rows.bad_total, rows.bad
        if rows.bad_total:
            self._report_bad_rows(source, rows, result)
        return result

    def _write(self, chunk: list[Pending], source: Source, result: FileResult, state: _FileState) -> None:
        now = int(self.clock())
        before = result.unchanged
        try:
            careful: list[Pending] = []
            blind: list[Pending] = []
            if state.read_first:
                careful = chunk
            else:
                for row in chunk:
                    if row.count == 0 or row.key[1] in self._out(row.key[0], state):
                        state.buffer(row, self.clock())
                    else:
                        blind.append(row)
            for _ in range(BLIND_ATTEMPTS):
                if not blind:
                    break
                failed, retry = self.store.write_blind(blind, source, now)
                result.loaded += len(blind) - len(failed) - len(retry)
                careful += failed
                blind = retry
            transitions = self._write_careful(careful + blind, source, now, result)
            # Rows whose old count matters are few: written together (every write is conditional on its order,
            # so they may land after later rows of the file), at the latest a second after the first came.
            if len(state.held) >= CHUNK or (state.held and self.clock() - state.held_since >= HOLD_SECONDS):
                transitions += self._write_careful(state.release(), source, now, result)
        except BOTO_ERRORS as exc:
            raise from_boto(exc, table=self.store.table) from exc
        # A file seen before (or older than what is stored) fails its unread writes: read first while it does.
        state.read_first = (result.unchanged - before) * 2 > len(chunk)
        if transitions:
            self._publish(transitions, result)

    def _flush(self, source: Source, result: FileResult, state: _FileState) -> None:
        try:
            transitions = self._write_careful(state.release(), source, int(self.clock()), result)
        except BOTO_ERRORS as exc:
            raise from_boto(exc, table=self.store.table) from exc
        if transitions:
            self._publish(transitions, result)

    def _out(self, store_key: str, state: _FileState) -> set[str]:
        if store_key not in state.out:
            state.out[store_key] = self.store.out_keys(store_key)
        return state.out[store_key]

    def _write_careful(self, rows: list[Pending], source: Source, now: int, result: FileResult) -> list[Transition]:
        """Rows whose old count matters, or whose unread write failed: one by one if few, else read first."""
        transitions: list[Transition] = []
        if len(rows) > FEW:
            read = self.store.read([row.key for row in rows])
            newer = [row for row in rows if row.key not in read or read[row.key]["order"]["S"] < row.order]
            result.unchanged += len(rows) - len(newer)
            try:
                transitions = self.store.write_chunk(newer, read, source, now)
                result.loaded += len(newer)
                return transitions
            except RowConflict:  # another load wrote one of these rows since the read: row by row
                rows = newer
        for row in rows:
            written, found = self.store.write_row(row, source, now)
            result.loaded += written
            result.unchanged += not written
            if found:
                transitions.append(found)
        return transitions

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
