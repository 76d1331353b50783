"""The inventory table (one item per store and item: count, when and from which file) and its writes.

Every row carries the ordering key of the file line that wrote it (``order``: the file's event time and sequencer,
then the row number) and only a newer row replaces it, so a file processed twice changes nothing and an older file
arriving late loses. A change to or from 0 is an alert, so a writer must know the count it replaces - and so must
no other writer at the same moment. Rather than a condition on every row, each store has a guard item whose version
every write of the store's rows moves on: rows are read (one BatchGetItem) after their stores' guards, and written
(one TransactWriteItems of up to 99 rows and their stores' guards) on the condition that no guard moved - then
nothing else wrote those rows since the read, what was read is what they replace, and each transition is seen by
exactly one writer however many load at once. A row whose stored order is as new or newer is not written at all.

A file loaded to the end gets a mark (``mark_loaded``), so a redelivered event costs one read. Guards and marks
live in partitions whose keys have capitals, which no store or item key (case-folded) has.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from actions.aws.errors import BOTO_ERRORS, from_boto
from actions.aws.size_tables import as_int, number

TABLE = "inventory"
BY_ITEM = "by-item"  # item -> its row in every store
OUT_OF_STOCK = "out-of-stock"  # sparse: only rows at 0 carry ``out_store``
REPORTS = "#inventory:bad-rows-reported"  # the partition of files whose bad rows were reported (no store's key)
GUARDS = "#INVENTORY:GUARDS"  # the partition of the stores' guards
GUARD_PREFIX = "#GUARD "  # a guard's sort key: this and the store key
FILES = "#INVENTORY:FILES"  # the partition of the marks of files loaded to the end
INTERNAL = frozenset({REPORTS, GUARDS, FILES})  # partitions that are no store's
MAX_TRANSACTION = 100  # items of one TransactWriteItems, keys of one BatchGetItem

Key = tuple[str, str]  # (store key, item key)


def name_key(name: str) -> str:
    """The key a store or item name is kept under: case and spacing do not make another store or item."""
    return " ".join(name.split()).casefold()


@dataclass(frozen=True)
class Source:
    """The file a row came from, and where its rows stand in the order of all files."""

    bucket: str
    key: str
    version: str
    etag: str
    event_time: str
    order: str  # comparable across files: later is newer
    at: int  # the file's event time, epoch seconds


@dataclass(frozen=True)
class Stock:
    store: str  # as written in the last file
    item: str
    count: int
    updated_at: int
    out_since: int | None
    source_key: str
    order: str = ""


@dataclass(frozen=True)
class Transition:
    kind: str  # "out" (ran out) or "restock"
    store: str
    item: str
    count: int
    previous: int | None  # None: the item was not stocked there before
    source: Source


@dataclass(frozen=True, slots=True)
class Pending:
    """One row to write: its keys, display names, count and order."""

    key: Key
    store: str
    item: str
    count: int
    order: str


@dataclass(frozen=True)
class FileMark:
    """A file loaded to the end: its rows (written or already as new) and bad rows."""

    rows: int
    bad_rows: int


class RowConflict(Exception):
    """Another load wrote rows of these stores since they were read (a guard moved): read them again."""


class InventoryStore:
    """The table of one prefix, through the low-level DynamoDB client."""

    def __init__(self, dynamodb: Any, *, prefix: str) -> None:
        self.dynamodb = dynamodb
        self.table = prefix + TABLE

    def ensure_table(self) -> None:
        """Create the table (on demand capacity, with its two indexes) unless it exists; wait until active."""
        try:
            try:
                if self.dynamodb.describe_table(TableName=self.table)["Table"].get("TableStatus") == "ACTIVE":
                    return
            except ClientError as exc:
                if _code(exc) != "ResourceNotFoundException":
                    raise
                self._create()
            self.dynamodb.get_waiter("table_exists").wait(TableName=self.table,
                                                          WaiterConfig={"Delay": 1, "MaxAttempts": 60})
        except BOTO_ERRORS as exc:
            raise from_boto(exc) from exc

    def _create(self) -> None:
        def index(name: str, partition: str, sort: str) -> dict[str, Any]:
            return {"IndexName": name, "Projection": {"ProjectionType": "ALL"},
                    "KeySchema": [{"AttributeName": partition, "KeyType": "HASH"},
                                  {"AttributeName": sort, "KeyType": "RANGE"}]}

        try:
            self.dynamodb.create_table(
                TableName=self.table, BillingMode="PAY_PER_REQUEST",
                KeySchema=[{"AttributeName": "store", "KeyType": "HASH"}, {"AttributeName": "item", "KeyType": "RANGE"}],
                AttributeDefinitions=[{"AttributeName": name, "AttributeType": "S"}
                                      for name in ("store", "item", "out_store")],
                GlobalSecondaryIndexes=[index(BY_ITEM, "item", "store"), index(OUT_OF_STOCK, "out_store", "item")])
        except ClientError as exc:
            if _code(exc) != "ResourceInUseException":  # another process created it first
                raise

    # --- writes ---------------------------------------------------------------------------------------------

    def guards(self, store_keys: Iterable[str]) -> dict[str, int]:
        """The version of each store's guard, read consistently (0: the store's rows were never written)."""
        found = {key: 0 for key in store_keys}
        keys = [{"store": {"S": GUARDS}, "item": {"S": _guard_key(key)}} for key in found]
        for start in range(0, len(keys), MAX_TRANSACTION):
            for item in self._batch_get(keys[start:start + MAX_TRANSACTION], "#s, #i, #v", {
                    "#s": "store", "#i": "item", "#v": "version"}):
                found[item["item"]["S"][len(GUARD_PREFIX):]] = as_int(item, "version")
        return found

    def read(self, keys: list[Key]) -> dict[Key, Mapping[str, Any]]:
        """The stored items of up to MAX_TRANSACTION keys, read consistently; absent ones are left out."""
        found: dict[Key, Mapping[str, Any]] = {}
        for item in self._batch_get([{"store": {"S": store}, "item": {"S": item}} for store, item in keys],
                                    "#s, #i, #c, #o, out_since", _NAMES):
            found[(item["store"]["S"], item["item"]["S"])] = item
        return found

    def _batch_get(self, keys: list[dict[str, Any]], projection: str, names: dict[str, str]
                   ) -> Iterator[Mapping[str, Any]]:
        request: dict[str, Any] = {self.table: {"Keys": keys, "ConsistentRead": True,
                                                "ProjectionExpression": projection, "ExpressionAttributeNames": names}}
        while request:
            response = self.dynamodb.batch_get_item(RequestItems=request)
            yield from response.get("Responses", {}).get(self.table, [])
            request = response.get("UnprocessedKeys") or {}

    def write(self, rows: list[Pending], read: Mapping[Key, Mapping[str, Any]], guards: Mapping[str, int],
              source: Source, now: int) -> tuple[list[Transition], dict[str, int]]:
        """Write rows newer than what was read (read after ``guards``), moving the guard of each of their stores
        on, in one transaction conditional on those guards only: if none moved, no other load wrote these rows
        since they were read, so what was read is what they replace. Returns the transitions and the guards' new
        versions; raises RowConflict (nothing written) if a guard moved."""
        stores = sorted({row.key[0] for row in rows})
        if len(rows) + len(stores) > MAX_TRANSACTION:
            raise ValueError(f"{len(rows)} rows of {len(stores)} stores are more than one transaction takes")
        writes: list[dict[str, Any]] = []
        transitions: list[Transition] = []
        for row in rows:
            old = read.get(row.key)
            writes.append({"Put": {"TableName": self.table, "Item": self._item(row, source, now, old)}})
            found = transition(row, old, source)
            if found:
                transitions.append(found)
        moved = {key: guards[key] + 1 for key in stores}
        for key in stores:
            guard: dict[str, Any] = {"TableName": self.table, "ExpressionAttributeNames": {"#v": "version"},
                                     "Item": {"store": {"S": GUARDS}, "item": {"S": _guard_key(key)},
                                              "version": number(moved[key])}}
            if guards[key]:
                guard.update(ConditionExpression="#v = :v", ExpressionAttributeValues={":v": number(guards[key])})
            else:
                guard["ConditionExpression"] = "attribute_not_exists(#v)"
            writes.append({"Put": guard})
        try:
            self.dynamodb.transact_write_items(TransactItems=writes)
        except ClientError as exc:
            if _lost_race(exc):
                raise RowConflict(", ".join(stores)) from exc
            raise
        return transitions, moved

    def _item(self, row: Pending, source: Source, now: int, old: Mapping[str, Any] | None) -> dict[str, Any]:
        item = {
            "store": {"S": row.key[0]}, "item": {"S": row.key[1]},
            "store_name": {"S": row.store}, "item_name": {"S": row.item},
            "count": number(row.count), "order": {"S": row.order}, "updated_at": number(now),
            "source_bucket": {"S": source.bucket}, "source_key": {"S": source.key},
            "source_version": {"S": source.version}, "source_etag": {"S": source.etag},
            "event_time": {"S": source.event_time},
        }
        if row.count == 0:
            still_out = old is not None and as_int(old, "count", -1) == 0 and "out_since" in old
            item["out_since"] = old["out_since"] if still_out and old else number(source.at)
            item["out_store"] = {"S": row.key[0]}
        return item

    def loaded(self, source: Source) -> FileMark | None:
        """What the file's one complete load stored, if it was loaded to the end before (``mark_loaded``)."""
        item = self.dynamodb.get_item(TableName=self.table, Key=mark_key(source), ConsistentRead=True).get("Item")
        return FileMark(rows=as_int(item, "rows"), bad_rows=as_int(item, "bad_rows")) if item else None

    def mark_loaded(self, source: Source, mark: FileMark) -> None:
        """Record that every row of the file is stored (its bad rows reported): its redelivery is skipped."""
        self.dynamodb.put_item(TableName=self.table, Item={
            **mark_key(source), "rows": number(mark.rows), "bad_rows": number(mark.bad_rows),
            "source_bucket": {"S": source.bucket}, "source_key": {"S": source.key},
            "source_version": {"S": source.version}, "source_etag": {"S": source.etag},
            "event_time": {"S": source.event_time}})

    def claim_report(self, source: Source) -> bool:
        """True for the first caller only: the file's bad rows are reported once, however often it is loaded."""
        try:
            self.dynamodb.put_item(
                TableName=self.table, Item={"store": {"S": REPORTS}, "item": {"S": source.order},
                                            "source_key": {"S": source.key}},
                ConditionExpression="attribute_not_exists(#s)", ExpressionAttributeNames={"#s": "store"})
        except ClientError as exc:
            if _code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    # --- reads ----------------------------------------------------------------------------------------------

    def get(self, store_key: str, item_key: str) -> Stock | None:
        item = self.dynamodb.get_item(TableName=self.table, Key={"store": {"S": store_key}, "item": {"S": item_key}},
                                      ConsistentRead=True).get("Item")
        return stock_of(item) if item else None

    def in_store(self, store_key: str) -> Iterator[Stock]:
        yield from self._query(KeyConditionExpression="#s = :s", ExpressionAttributeNames={"#s": "store"},
                               ExpressionAttributeValues={":s": {"S": store_key}})

    def across_stores(self, item_key: str) -> Iterator[Stock]:
        yield from self._query(IndexName=BY_ITEM, KeyConditionExpression="#i = :i",
                               ExpressionAttributeNames={"#i": "item"}, ExpressionAttributeValues={":i": {"S": item_key}})

    def out_of_stock(self, store_key: str | None = None) -> Iterator[Stock]:
        if store_key is None:
            for page in self.dynamodb.get_paginator("scan").paginate(TableName=self.table, IndexName=OUT_OF_STOCK):
                yield from (stock_of(item) for item in page.get("Items", []))
            return
        yield from self._query(IndexName=OUT_OF_STOCK, KeyConditionExpression="out_store = :s",
                               ExpressionAttributeValues={":s": {"S": store_key}})

    def stores(self) -> list[str]:
        """The keys of every store (a scan of keys only; stores are few, their items many)."""
        found: set[str] = set()
        for page in self.dynamodb.get_paginator("scan").paginate(
                TableName=self.table, ProjectionExpression="#s", ExpressionAttributeNames={"#s": "store"}):
            found.update(item["store"]["S"] for item in page.get("Items", []))
        return sorted(found - INTERNAL)

    def store_names(self) -> dict[str, str]:
        """Every store: its key -> its name as last written (a scan of two attributes, like ``stores``)."""
        found: dict[str, str] = {}
        for page in self.dynamodb.get_paginator("scan").paginate(
                TableName=self.table, ProjectionExpression="#s, store_name", ExpressionAttributeNames={"#s": "store"}):
            for item in page.get("Items", []):
                found[item["store"]["S"]] = item.get("store_name", item["store"])["S"]
        return dict(sorted((key, name) for key, name in found.items() if key not in INTERNAL))

    def store_name(self, store_key: str) -> str | None:
        """The store's name as last written; None if the store has no rows (one key read)."""
        if store_key in INTERNAL:
            return None
        response = self.dynamodb.query(TableName=self.table, KeyConditionExpression="#s = :s", Limit=1,
                                       ExpressionAttributeNames={"#s": "store"}, ProjectionExpression="#s, store_name",
                                       ExpressionAttributeValues={":s": {"S": store_key}})
        items = response.get("Items") or []
        return str(items[0].get("store_name", items[0]["store"])["S"]) if items else None

    def item_names(self, store_key: str | None = None) -> set[str]:
        """Item names as written, in one store or everywhere (for 'did you mean')."""
        params: dict[str, Any] = {"TableName": self.table, "ProjectionExpression": "item_name"}
        if store_key is None:
            pages = self.dynamodb.get_paginator("scan").paginate(**params)
        else:
            pages = self.dynamodb.get_paginator("query").paginate(
                KeyConditionExpression="#s = :s", ExpressionAttributeNames={"#s": "store"},
                ExpressionAttributeValues={":s": {"S": store_key}}, **params)
        return {item["item_name"]["S"] for page in pages for item in page.get("Items", []) if "item_name" in item}

    def _query(self, **params: Any) -> Iterator[Stock]:
        for page in self.dynamodb.get_paginator("query").paginate(TableName=self.table, **params):
            yield from (stock_of(item) for item in page.get("Items", []))


_NAMES = {"#s": "store", "#i": "item", "#c": "count", "#o": "order"}


def _guard_key(store_key: str) -> str:
    return GUARD_PREFIX + store_key


def mark_key(source: Source) -> dict[str, Any]:
    """A file's mark: its object and its place among files (event time, sequencer, ETag), hashed to a key short
    enough for any object key."""
    ident = "\n".join((source.bucket, source.key, source.version, source.order))
    return {"store": {"S": FILES}, "item": {"S": "#FILE " + hashlib.sha256(ident.encode("utf-8")).hexdigest()}}


def transition(row: Pending, old: Mapping[str, Any] | None, source: Source) -> Transition | None:
    """What writing ``row`` over ``old`` means: running out (from a positive count, or a first listing at 0) or
    a restock (from 0); None otherwise."""
    previous = as_int(old, "count", -1) if old else None
    if previous is not None and previous < 0:
        previous = None
    if row.count == 0 and previous != 0:
        kind = "out"
    elif row.count > 0 and previous == 0:
        kind = "restock"
    else:
        return None
    return Transition(kind=kind, store=row.store, item=row.item, count=row.count, previous=previous, source=source)


def stock_of(item: Mapping[str, Any]) -> Stock:
    return Stock(
        store=item.get("store_name", item["store"])["S"], item=item.get("item_name", item["item"])["S"],
        count=as_int(item, "count"), updated_at=as_int(item, "updated_at"),
        out_since=as_int(item, "out_since") if "out_since" in item else None,
        source_key=item.get("source_key", {}).get("S", ""), order=item.get("order", {}).get("S", ""))


def _lost_race(exc: ClientError) -> bool:
    """A transaction cancelled because a guard moved or another transaction held an item - not for a fault of
    its own (a malformed item), which trying again would not mend."""
    if _code(exc) == "TransactionConflictException":
        return True
    reasons = {str(reason.get("Code")) for reason in exc.response.get("CancellationReasons", [])}
    return _code(exc) == "TransactionCanceledException" and bool(reasons & {"ConditionalCheckFailed",
                                                                            "TransactionConflict"})


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))
