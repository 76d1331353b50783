"""Reads and writes of the size-tracking tables. The one rule: an object row and the bucket's totals change in the
same TransactWriteItems, the row conditionally on being what was read, so the totals are always the sum of the
rows - an event or a snapshot applied twice, or racing another, can never count twice."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, NoReturn

from botocore.exceptions import ClientError

from actions.aws.size_tables import (
    OBJECTS,
    SAMPLES,
    TRACKED,
    ObjectRow,
    Totals,
    as_int,
    classes_of,
    number,
    row_item,
    row_of,
    table_names,
)

MAX_TRANSACTION = 100  # items in one TransactWriteItems
MAX_BATCH_GET = 100  # keys in one BatchGetItem
QUERY_PAGE = 1000


class RowConflict(Exception):
    """A row changed between its read and the write (another event, a snapshot): read it again."""


class NotTracked(Exception):
    """The bucket has no totals row: it is not (or no longer) tracked."""


class SizeStore:
    """The three tables of one prefix, through the low-level DynamoDB client."""

    def __init__(self, dynamodb: Any, prefix: str) -> None:
        self.dynamodb = dynamodb
        names = table_names(prefix)
        self.samples = names[SAMPLES]
        self.objects = names[OBJECTS]
        self.tracked = names[TRACKED]

    # --- object rows ----------------------------------------------------------------------------------------

    def row(self, bucket: str, key: str) -> ObjectRow | None:
        item = self.dynamodb.get_item(TableName=self.objects, Key={"bucket": {"S": bucket}, "key": {"S": key}},
                                      ConsistentRead=True).get("Item")
        return row_of(item) if item else None

    def rows(self, bucket: str, after: str = "", limit: int = QUERY_PAGE) -> tuple[list[ObjectRow], bool]:
        """Up to ``limit`` rows with keys after ``after``, in key order; True when they are the last."""
        params: dict[str, Any] = {
            "TableName": self.objects,
            "KeyConditionExpression": "#b = :b AND #k > :after" if after else "#b = :b",
            "ExpressionAttributeNames": {"#b": "bucket", "#k": "key"} if after else {"#b": "bucket"},
            "ExpressionAttributeValues": {":b": {"S": bucket}, **({":after": {"S": after}} if after else {})},
            "ConsistentRead": True,
            "Limit": limit,
        }
        page = self.dynamodb.query(**params)
        return [row_of(item) for item in page.get("Items", [])], "LastEvaluatedKey" not in page

    def apply(self, bucket: str, writes: list[tuple[ObjectRow | None, ObjectRow]], delta: Totals,
              *, set_attributes: dict[str, int] | None = None) -> None:
        """Write each new row (if the stored one is still ``old``: same ``rev``, or still absent) and add ``delta``
        to the bucket's totals, all or nothing. Raises ``RowConflict`` or ``NotTracked``."""
        self.apply_many([(bucket, old, new) for old, new in writes], {bucket: delta},
                        set_attributes={bucket: set_attributes or {}})

    def apply_many(self, writes: list[tuple[str, ObjectRow | None, ObjectRow]], deltas: dict[str, Totals],
                   *, set_attributes: dict[str, dict[str, int]] | None = None) -> None:
        """``apply`` over several buckets in one transaction (rows of any of them, one totals item each)."""
        if len(writes) + len(deltas) > MAX_TRANSACTION:
            raise ValueError("too many items for one transaction")
        items: list[dict[str, Any]] = [{"Put": self._row_put(bucket, old, new)} for bucket, old, new in writes]
        buckets = sorted(deltas)
        items += [self._totals_item(bucket, deltas[bucket], (set_attributes or {}).get(bucket, {}))
                  for bucket in buckets]
        try:
            self.dynamodb.transact_write_items(TransactItems=items)
        except ClientError as exc:
            reasons = _cancellation_reasons(exc)
            untracked = [bucket for bucket, code in zip(buckets, reasons[len(writes):], strict=False)
                         if code == "ConditionalCheckFailed"]
            if untracked:
                raise NotTracked(", ".join(untracked)) from exc
            _raise_conflict(exc, reasons, buckets)

    def _row_put(self, bucket: str, old: ObjectRow | None, new: ObjectRow) -> dict[str, Any]:
        """The write of a new row, conditional on the stored one still being ``old`` (same ``rev``, or absent)."""
        put: dict[str, Any] = {"TableName": self.objects, "Item": row_item(bucket, new)}
        if old is None:
            put["ConditionExpression"] = "attribute_not_exists(#k)"
            put["ExpressionAttributeNames"] = {"#k": "key"}
        else:
            put["ConditionExpression"] = "#rev = :rev"
            put["ExpressionAttributeNames"] = {"#rev": "rev"}
            put["ExpressionAttributeValues"] = {":rev": number(old.rev)}
        return put

    def rows_of(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], ObjectRow]:
        """The stored rows of (bucket, key) pairs (at most 100), read consistently; absent ones are left out."""
        return self.rows_and_totals(keys, [])[0]

    def rows_and_totals(self, keys: list[tuple[str, str]], buckets: list[str]
                        ) -> tuple[dict[tuple[str, str], ObjectRow], dict[str, dict[str, Any]]]:
        """The stored rows of (bucket, key) pairs and the totals items of ``buckets`` (at most 100 in all), read
        consistently in one request; absent ones (untracked buckets) are left out."""
        if len(keys) + len(buckets) > MAX_BATCH_GET:
            raise ValueError("too many items for one read")
        rows: dict[tuple[str, str], ObjectRow] = {}
        totals: dict[str, dict[str, Any]] = {}
        request: dict[str, Any] = {}
        if keys:
            request[self.objects] = {"Keys": [{"bucket": {"S": bucket}, "key": {"S": key}} for bucket, key in keys],
                                     "ConsistentRead": True}
        if buckets:
            request[self.tracked] = {"Keys": [{"bucket": {"S": bucket}} for bucket in buckets],
                                     "ConsistentRead": True}
        while request:
            response = self.dynamodb.batch_get_item(RequestItems=request)
            found = response.get("Responses", {})
            for item in found.get(self.objects, []):
                rows[(item["bucket"]["S"], item["key"]["S"])] = row_of(item)
            for item in found.get(self.tracked, []):
                totals[item["bucket"]["S"]] = dict(item)
            request = response.get("UnprocessedKeys") or {}
        return rows, totals

    def apply_sampled(self, writes: list[tuple[str, ObjectRow | None, ObjectRow]], deltas: dict[str, Totals],
                      read: dict[str, dict[str, Any]], *, ts: int, source: str) -> None:
        """``apply_many`` that also writes each bucket's new totals (``read`` plus its delta) as the sample of
        ``ts``'s minute, in the same transaction - conditional on the totals still being what was read, so the
        sample is exactly the totals the transaction leaves. Raises ``RowConflict`` if a row or the totals changed
        (or the bucket is no longer tracked): read again and reconsider, change by change."""
        if len(writes) + 2 * len(deltas) > MAX_TRANSACTION:
            raise ValueError("too many items for one transaction")
        items = [{"Put": self._row_put(bucket, old, new)} for bucket, old, new in writes]
        for bucket in sorted(deltas):
            totals_item, sample = self._sampled_totals(bucket, deltas[bucket], read[bucket], ts, source)
            items += [totals_item, {"Put": {"TableName": self.samples, "Item": sample}}]
        try:
            self.dynamodb.transact_write_items(TransactItems=items)
        except ClientError as exc:
            _raise_conflict(exc, _cancellation_reasons(exc), sorted(deltas))

    def _sampled_totals(self, bucket: str, delta: Totals, read: dict[str, Any], ts: int, source: str
                        ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The totals update of ``apply_sampled`` (every figure as read, or absent) and the sample it leaves."""
        before = {name: as_int(read, name) for name in read if _is_figure(name)}
        change = {name: value for name, value in delta.attributes().items() if value}
        after = {name: before.get(name, 0) + change.get(name, 0) for name in {*before, *change}}
        key = {"bucket": {"S": bucket}}
        names: dict[str, str] = {"#b": "bucket"}
        values: dict[str, Any] = {}
        conditions = ["attribute_exists(#b)"]
        for i, name in enumerate(sorted({*before, *change})):
            names[f"#f{i}"] = name
            if name in before:
                values[f":f{i}"] = number(before[name])
                conditions.append(f"#f{i} = :f{i}")
            else:
                conditions.append(f"attribute_not_exists(#f{i})")
        adds = []
        for i, (name, value) in enumerate(sorted(change.items())):
            names[f"#a{i}"], values[f":a{i}"] = name, number(value)
            adds.append(f"#a{i} :a{i}")
        condition = " AND ".join(conditions)
        update: dict[str, Any]
        if adds:
            update = {"Update": {"TableName": self.tracked, "Key": key, "UpdateExpression": "ADD " + ", ".join(adds),
                                 "ConditionExpression": condition, "ExpressionAttributeNames": names,
                                 "ExpressionAttributeValues": values}}
        else:
            update = {"ConditionCheck": {"TableName": self.tracked, "Key": key, "ConditionExpression": condition,
                                         "ExpressionAttributeNames": names,
                                         **({"ExpressionAttributeValues": values} if values else {})}}
        size, count, classes = totals_of({name: number(value) for name, value in after.items()})
        totals = Totals(bytes=size, objects=count, classes={name: list(figures) for name, figures in classes.items()})
        sample = {"bucket": {"S": bucket}, "ts": number(ts - ts % 60), "source": {"S": source}}
        sample.update({name: number(value) for name, value in totals.attributes().items()})
        return update, sample

    def _totals_item(self, bucket: str, delta: Totals, set_attributes: dict[str, int]) -> dict[str, Any]:
        key = {"bucket": {"S": bucket}}
        names: dict[str, str] = {"#b": "bucket"}
        values: dict[str, Any] = {}
        adds, sets = [], []
        for i, (name, value) in enumerate(sorted(delta.attributes().items())):
            if value:
                names[f"#a{i}"], values[f":a{i}"] = name, number(value)
                adds.append(f"#a{i} :a{i}")
        for i, (name, value) in enumerate(sorted(set_attributes.items())):
            names[f"#s{i}"], values[f":s{i}"] = name, number(value)
            sets.append(f"#s{i} = :s{i}")
        condition = "attribute_exists(#b)"
        if not adds and not sets:
            return {"ConditionCheck": {"TableName": self.tracked, "Key": key, "ConditionExpression": condition,
                                       "ExpressionAttributeNames": names}}
        expression = " ".join(part for part in (
            "ADD " + ", ".join(adds) if adds else "", "SET " + ", ".join(sets) if sets else "") if part)
        return {"Update": {"TableName": self.tracked, "Key": key, "UpdateExpression": expression,
                           "ConditionExpression": condition, "ExpressionAttributeNames": names,
                           "ExpressionAttributeValues": values}}

    def drop_tombstone(self, bucket: str, row: ObjectRow) -> None:
        """Forget a removed key (counted nowhere) if nothing wrote it since it was read."""
        try:
            self.dynamodb.delete_item(TableName=self.objects, Key={"bucket": {"S": bucket}, "key": {"S": row.key}},
                                      ConditionExpression="#rev = :rev AND #d = :yes",
                                      ExpressionAttributeNames={"#rev": "rev", "#d": "deleted"},
                                      ExpressionAttributeValues={":rev": number(row.rev), ":yes": {"BOOL": True}})
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise

    def delete_rows(self, bucket: str) -> None:
        """Every object row of the bucket (once it is no longer tracked)."""
        after = ""
        while True:
            rows, last = self.rows(bucket, after)
            for start in range(0, len(rows), 25):
                requests = [{"DeleteRequest": {"Key": {"bucket": {"S": bucket}, "key": {"S": row.key}}}}
                            for row in rows[start:start + 25]]
                while requests:
                    response = self.dynamodb.batch_write_item(RequestItems={self.objects: requests})
                    requests = response.get("UnprocessedItems", {}).get(self.objects, [])
            if last or not rows:
                return
            after = rows[-1].key

    # --- tracked buckets --------------------------------------------------------------------------------------

    def tracked_item(self, bucket: str) -> dict[str, Any] | None:
        item = self.dynamodb.get_item(TableName=self.tracked, Key={"bucket": {"S": bucket}},
                                      ConsistentRead=True).get("Item")
        return dict(item) if item else None

    def tracked_items(self) -> Iterator[dict[str, Any]]:
        for page in self.dynamodb.get_paginator("scan").paginate(TableName=self.tracked, ConsistentRead=True):
            yield from page.get("Items", [])

    def start_tracking(self, bucket: str, *, since: int, queue_arn: str) -> bool:
        """Create the bucket's totals row at zero; False if it exists already."""
        try:
            self.dynamodb.put_item(
                TableName=self.tracked,
                Item={"bucket": {"S": bucket}, "since": number(since), "queue_arn": {"S": queue_arn},
                      "bytes": number(0), "objects": number(0)},
                ConditionExpression="attribute_not_exists(#b)", ExpressionAttributeNames={"#b": "bucket"})
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def stop_tracking(self, bucket: str) -> bool:
        response = self.dynamodb.delete_item(TableName=self.tracked, Key={"bucket": {"S": bucket}},
                                             ReturnValues="ALL_OLD")
        return bool(response.get("Attributes"))

    # --- samples ----------------------------------------------------------------------------------------------

    def put_samples(self, bucket: str, samples: Iterable[tuple[int, Totals]], source: str) -> None:
        """Write samples (ts floored to the minute; of several in one minute the last wins), 25 a request."""
        batch: dict[int, dict[str, Any]] = {}
        for ts, totals in samples:
            minute = ts - ts % 60
            item = {"bucket": {"S": bucket}, "ts": number(minute), "source": {"S": source}}
            item.update({name: number(value) for name, value in totals.attributes().items()})
            batch[minute] = {"PutRequest": {"Item": item}}
            if len(batch) == 25:
                write_all(self.dynamodb, self.samples, list(batch.values()))
                batch = {}
        if batch:
            write_all(self.dynamodb, self.samples, list(batch.values()))

    def sample_pages(self, bucket: str, start: int, end: int, *,
                     level_at_start: bool = True) -> Iterator[dict[str, Any]]:
        """The last sample at or before ``start`` (if ``level_at_start``), then those in (start, end), ascending,
        page by page."""
        if level_at_start:
            before = self.dynamodb.query(
                TableName=self.samples, KeyConditionExpression="#b = :b AND #ts <= :start",
                ExpressionAttributeNames={"#b": "bucket", "#ts": "ts"},
                ExpressionAttributeValues={":b": {"S": bucket}, ":start": number(start)},
                ScanIndexForward=False, Limit=1)
            yield from before.get("Items", [])
        if end - 1 < start + 1:
            return
        yield from self.samples_between(bucket, start + 1, end - 1)

    def samples_between(self, bucket: str, low: int, high: int) -> Iterator[dict[str, Any]]:
        """The samples with ``low`` <= ts <= ``high``, ascending, page by page."""
        pages = self.dynamodb.get_paginator("query").paginate(
            TableName=self.samples, KeyConditionExpression="#b = :b AND #ts BETWEEN :lo AND :hi",
            ExpressionAttributeNames={"#b": "bucket", "#ts": "ts"},
            ExpressionAttributeValues={":b": {"S": bucket}, ":lo": number(low), ":hi": number(high)},
            ScanIndexForward=True, PaginationConfig={"PageSize": QUERY_PAGE})
        for page in pages:
            yield from page.get("Items", [])


def write_all(dynamodb: Any, table: str, requests: list[dict[str, Any]]) -> None:
    while requests:
        response = dynamodb.batch_write_item(RequestItems={table: requests})
        requests = response.get("UnprocessedItems", {}).get(table, [])


def _is_figure(name: str) -> bool:
    return name in ("bytes", "objects") or name.startswith(("bytes_", "objects_"))


def totals_of(item: dict[str, Any]) -> tuple[int, int, dict[str, tuple[int, int]]]:
    return as_int(item, "bytes"), as_int(item, "objects"), classes_of(item)


def _cancellation_reasons(exc: ClientError) -> list[str]:
    """The per-item reasons of a cancelled transaction; any other error is raised as it was."""
    if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
        raise exc
    return [str(r.get("Code", "None")) for r in exc.response.get("CancellationReasons", [])]


def _raise_conflict(exc: ClientError, reasons: list[str], buckets: list[str]) -> NoReturn:
    """``RowConflict`` when a condition failed or another transaction got there first; else the error itself."""
    if any(code in ("ConditionalCheckFailed", "TransactionConflict") for code in reasons):
        raise RowConflict(", ".join(buckets)) from exc
    raise exc
