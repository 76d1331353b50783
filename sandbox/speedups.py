"""DynamoDB in the sandbox at the speed of a database, with moto's answers.

Reads: moto writes every response through a generic serializer that walks the API's shapes value by value (several
milliseconds an item: a 90-day size history read took seconds). Items are already in DynamoDB's wire form, so the
read operations' answers are written as JSON at once - the same bytes a client parses.

Transactions: moto keeps a deep copy of every table a transaction touches, once per item of the transaction, to
roll back on failure - the size tracker's transaction of ten object rows copied the whole object table ten times.
Here only the items the transaction names are kept, and put back if it fails.

Both checked against moto's own behaviour in tests/sandbox/test_speedups.py.
"""
from __future__ import annotations

import copy
import json
import threading
from collections.abc import Callable
from typing import Any

FAST_READS = frozenset({"Query", "Scan", "GetItem", "BatchGetItem"})
CONTENT_TYPE = "application/x-amz-json-1.0"

_lock = threading.Lock()


def install_fast_dynamodb_reads() -> Callable[[], None]:
    """Answer Query, Scan, GetItem and BatchGetItem with their result as JSON (anything that is not plain JSON
    goes through moto's serializer as before); returns the undo. A second install is a no-op."""
    from moto.dynamodb.responses import DynamoResult

    with _lock:
        own = DynamoResult.__dict__.get("execute_result")  # moto's class inherits it from ActionResult
        original = DynamoResult.execute_result
        if getattr(original, "_sandbox_fast", False):
            return lambda: None

        def execute_result(self: Any, context: Any) -> Any:
            if context.operation_model.name in FAST_READS:
                try:
                    return 200, {"Content-Type": CONTENT_TYPE}, json.dumps(self.result, separators=(",", ":"))
                except (TypeError, ValueError):
                    pass
            return original(self, context)

        execute_result._sandbox_fast = True  # type: ignore[attr-defined]
        DynamoResult.execute_result = execute_result  # type: ignore[method-assign]

    def undo() -> None:
        with _lock:
            if own is None:
                del DynamoResult.execute_result
            else:
                DynamoResult.execute_result = own  # type: ignore[method-assign]

    return undo


_copying = threading.local()  # set while a transaction runs in this thread: its tables are not copied


class _TablesUncopied:
    """Stands in for the ``copy`` module in moto's DynamoDB models: ``deepcopy`` of a table during a transaction
    (in this thread) gives the table itself; everything else is ``copy``'s."""

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    @staticmethod
    def deepcopy(value: Any, memo: Any = None) -> Any:
        from moto.dynamodb.models.table import Table

        if getattr(_copying, "skip_tables", False) and isinstance(value, Table):
            return value
        return copy.deepcopy(value, memo)


def install_fast_dynamodb_transactions() -> Callable[[], None]:
    """TransactWriteItems keeping only the items it names for a rollback; returns the undo. A second install is
    a no-op."""
    import moto.dynamodb.models as models
    from moto.dynamodb.models import DynamoDBBackend

    with _lock:
        original = DynamoDBBackend.__dict__["transact_write_items"]
        if getattr(original, "_sandbox_fast", False):
            return lambda: None
        original_copy = models.copy

        def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
            kept = _items_named(self, transact_items)
            _copying.skip_tables = True
            try:
                original(self, transact_items)
            except BaseException:
                _put_back(self, kept)
                raise
            finally:
                _copying.skip_tables = False

        transact_write_items._sandbox_fast = True  # type: ignore[attr-defined]
        models.copy = _TablesUncopied()  # type: ignore[assignment]
        DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]

    def undo() -> None:
        with _lock:
            DynamoDBBackend.transact_write_items = original  # type: ignore[method-assign]
            models.copy = original_copy

    return undo


def _items_named(backend: Any, transact_items: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any], Any]]:
    """(table, key, a copy of the item as it is now or None) for each item the transaction names."""
    kept = []
    for entry in transact_items:
        for op_type, op in entry.items():
            table = backend.tables.get(op.get("TableName"))
            if table is None:
                continue
            if op_type == "Put":
                attrs = op.get("Item", {})
                key = {name: attrs[name] for name in (table.hash_key_attr, table.range_key_attr)
                       if name is not None and name in attrs}
            else:
                key = op.get("Key", {})
            try:
                current = backend.get_item(table.name, key)
            except Exception:  # noqa: BLE001 - a malformed key: moto's own checks will refuse the transaction
                continue
            kept.append((table.name, key, copy.deepcopy(current.to_json()["Attributes"]) if current else None))
    return kept


def _put_back(backend: Any, kept: list[tuple[str, dict[str, Any], Any]]) -> None:
    for table_name, key, attributes in reversed(kept):
        if attributes is None:
            if backend.get_item(table_name, key) is not None:
                backend.delete_item(table_name, key)
        else:
            backend.put_item(table_name, attributes)
