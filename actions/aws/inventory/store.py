"""The inventory table (one item per store and item: count, when and from which file) and its writes.

Every row carries the ordering key of the file line that wrote it (``order``: the file's event time and sequencer,
then the row number) and a write lands only if it is newer, so a file processed twice changes nothing and an older
file arriving late loses. Only a change to or from 0 needs the old count, and most rows are neither: a row above 0
is written unread, in one TransactWriteItems a chunk, conditional on being newer and on the stored count not being
0 (``write_blind``) - if that holds it is no transition. Rows at 0, rows of items the out-of-stock index lists and
rows whose condition failed are written knowing the old value: a few as UpdateItems conditional on being newer that
return the old item (``write_row``, ``ALL_OLD``), many as one BatchGetItem and one TransactWriteItems conditional on
each row still holding the order that was read (``write_chunk``), row by row if another load got there first. A
transition is seen by exactly one writer, however many load at once.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from actions.aws.errors import BOTO_ERRORS, from_boto
from actions.aws.size_store import _cancellation_reasons
from actions.aws.size_tables import as_int, number

TABLE = "inventory"
BY_ITEM = "by-item"  # item -> its row in every store
OUT_OF_STOCK = "out-of-stock"  # sparse: only rows at 0 carry ``out_store``
REPORTS = "#inventory:bad-rows-reported"  # the partition of files whose bad rows were reported (no store's key)
GATE_AT_ZERO = "~"  # sorts after every order (which starts with a year)
CHUNK = 100  # rows read in one BatchGetItem and written in one TransactWriteItems (the limit of both)

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


@dataclass(frozen=True)
class Pending:
    """One row to write: its keys, display names, count and order."""

    key: Key
    store: str
    item: str
    count: int
    order: str


class RowConflict(Exception):
    """A row changed between the chunk's read and its transaction: write the chunk row by row."""


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

    def read(self, keys: list[Key]) -> dict[Key, Mapping[str, Any]]:
        """The stored items of up to CHUNK keys, read consistently; absent ones are left out."""
        request: dict[str, Any] = {self.table: {
            "Keys": [{"store": {"S": store}, "item": {"S": item}} for store, item in keys], "ConsistentRead": True,
            "ProjectionExpression": "#s, #i, #c, #o, out_since", "ExpressionAttributeNames": _NAMES}}
        found: dict[Key, Mapping[str, Any]] = {}
        while request:
            response = self.dynamodb.batch_get_item(RequestItems=request)
            for item in response.get("Responses", {}).get(self.table, []):
                found[(item["store"]["S"], item["item"]["S"])] = item
            request = response.get("UnprocessedKeys") or {}
        return found

    def write_chunk(self, rows: list[Pending], read: Mapping[Key, Mapping[str, Any]], source: Source, now: int
                    ) -> list[Transition]:
        """Write rows newer than what was read, in one transaction conditional on each stored row being as read.
        Raises RowConflict if one is not (nothing is written then)."""
        puts: list[dict[str, Any]] = []
        transitions: list[Transition] = []
        for row in rows:
            old = read.get(row.key)
            item = self._item(row, source, now, old)
            put: dict[str, Any] = {"TableName": self.table, "Item": item, "ExpressionAttributeNames": {"#o": "order"}}
            if old is None:
                put["ConditionExpression"] = "attribute_not_exists(#o)"
            else:
                put["ConditionExpression"] = "#o = :o"
                put["ExpressionAttributeValues"] = {":o": old["order"]}
            puts.append({"Put": put})
            found = transition(row, old, source)
            if found:
                transitions.append(found)
        if not puts:
            return []
        try:
            self.dynamodb.transact_write_items(TransactItems=puts)
        except ClientError as exc:
            if _code(exc) in ("TransactionCanceledException", "TransactionConflictException"):
                raise RowConflict(self.table) from exc
            raise
        return transitions

    def _item(self, row: Pending, source: Source, now: int, old: Mapping[str, Any] | None) -> dict[str, Any]:
        item = {
            "store": {"S": row.key[0]}, "item": {"S": row.key[1]},
            "store_name": {"S": row.store}, "item_name": {"S": row.item},
            "count": number(row.count), "order": {"S": row.order}, "updated_at": number(now),
            "source_bucket": {"S": source.bucket}, "source_key": {"S": source.key},
            "source_version": {"S": source.version}, "source_etag": {"S": source.etag},
            "event_time": {"S": source.event_time}, "gate": {"S": GATE_AT_ZERO if row.count == 0 else row.order},
        }
        if row.count == 0:
            still_out = old is not None and as_int(old, "count", -1) == 0 and "out_since" in old
            item["out_since"] = old["out_since"] if still_out and old else number(source.at)
            item["out_store"] = {"S": row.key[0]}
        return item

    def write_blind(self, rows: list[Pending], source: Source, now: int) -> tuple[list[Pending], list[Pending]]:
        """Write rows unread, in one transaction conditional on each being newer than the stored row and the stored
        count not being 0 - so a write that lands can be no transition (rows at 0 are never written this way).
        Returns ([], []) when written, else (rows whose condition failed: read them and write them carefully,
        rows that were fine but went down with the transaction: try them again)."""
        puts = [{"Put": {"TableName": self.table, "Item": self._item(row, source, now, None),
                         # ``gate`` is the order, or GATE_AT_ZERO (above every order) while the count is 0; on an
                         # absent item the comparison is false, so NOT makes it true (were it not, new items would
                         # only take the careful path). One short expression: the sandbox's DynamoDB parses it
                         # three times an item; the two-condition form cost twice as much.
                         "ConditionExpression": "NOT #g >= :o", "ExpressionAttributeNames": {"#g": "gate"},
                         "ExpressionAttributeValues": {":o": {"S": row.order}}}}
                for row in rows]
        if not puts:
            return [], []
        if any(row.count == 0 for row in rows):
            raise ValueError("a row at 0 is a transition or not: write it with write_row or write_chunk")
        try:
            self.dynamodb.transact_write_items(TransactItems=puts)
        except ClientError as exc:
            if _code(exc) == "TransactionConflictException":
                return [], rows
            reasons = _cancellation_reasons(exc)
            if len(reasons) != len(rows):
                return [], rows
            failed = [row for row, code in zip(rows, reasons, strict=True) if code == "ConditionalCheckFailed"]
            return failed, [row for row, code in zip(rows, reasons, strict=True) if code != "ConditionalCheckFailed"]
        return [], []

    def out_keys(self, store_key: str) -> set[str]:
        """The item keys of a store at 0 now (as the out-of-stock index has it: possibly a moment behind)."""
        found: set[str] = set()
        for page in self.dynamodb.get_paginator("query").paginate(
                TableName=self.table, IndexName=OUT_OF_STOCK, KeyConditionExpression="out_store = :s",
                ExpressionAttributeValues={":s": {"S": store_key}}, ProjectionExpression="#i",
                ExpressionAttributeNames={"#i": "item"}):
            found.update(item["item"]["S"] for item in page.get("Items", []))
        return found

    def write_row(self, row: Pending, source: Source, now: int) -> tuple[bool, Transition | None]:
        """Write one row if it is newer than the stored one; (written, the transition it made, if any)."""
        values: dict[str, Any] = {
            ":c": number(row.count), ":o": {"S": row.order}, ":sn": {"S": row.store}, ":in": {"S": row.item},
            ":u": number(now), ":sb": {"S": source.bucket}, ":sk": {"S": source.key},
            ":sv": {"S": source.version}, ":se": {"S": source.etag}, ":et": {"S": source.event_time},
            ":g": {"S": GATE_AT_ZERO if row.count == 0 else row.order}}
        expression = ("SET #c = :c, #o = :o, store_name = :sn, item_name = :in, updated_at = :u, source_bucket = :sb,"
                      " source_key = :sk, source_version = :sv, source_etag = :se, event_time = :et, gate = :g")
        if row.count == 0:
            expression += ", out_since = if_not_exists(out_since, :at), out_store = :os"
            values.update({":at": number(source.at), ":os": {"S": row.key[0]}})
        else:
            expression += " REMOVE out_since, out_store"
        try:
            response = self.dynamodb.update_item(
                TableName=self.table, Key={"store": {"S": row.key[0]}, "item": {"S": row.key[1]}},
                UpdateExpression=expression, ConditionExpression="attribute_not_exists(#o) OR #o < :o",
                ExpressionAttributeNames={"#c": "count", "#o": "order"}, ExpressionAttributeValues=values,
                ReturnValues="ALL_OLD")
        except ClientError as exc:
            if _code(exc) == "ConditionalCheckFailedException":
                return False, None
            raise
        return True, transition(row, response.get("Attributes") or None, source)

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
        return sorted(found - {REPORTS})

    def store_names(self) -> dict[str, str]:
        """Every store: its key -> its name as last written (a scan of two attributes, like ``stores``)."""
        found: dict[str, str] = {}
        for page in self.dynamodb.get_paginator("scan").paginate(
                TableName=self.table, ProjectionExpression="#s, store_name", ExpressionAttributeNames={"#s": "store"}):
            for item in page.get("Items", []):
                found[item["store"]["S"]] = item.get("store_name", item["store"])["S"]
        found.pop(REPORTS, None)
        return dict(sorted(found.items()))

    def store_name(self, store_key: str) -> str | None:
        """The store's name as last written; None if the store has no rows (one key read)."""
        if store_key == REPORTS:
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


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))
