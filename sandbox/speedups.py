"""DynamoDB in the sandbox at the speed of a database, with moto's answers.

Reads: moto writes every response through a generic serializer that walks the API's shapes value by value (several
milliseconds an item: a 90-day size history read took seconds). Items are already in DynamoDB's wire form, so the
read operations' answers are written as JSON at once - the same bytes a client parses.

Transactions: moto keeps a deep copy of every table a transaction touches, once per item of the transaction, to
roll back on failure - the size tracker's transaction of ten object rows copied the whole object table ten times.
Here only the items the transaction names are kept, and put back if it fails.

Expressions: moto parses a ConditionExpression three times for every item of a write (the request's validation,
the transaction's check, the put or update itself) and an UpdateExpression twice, and the size tracker and the
inventory loader send the same few texts all day. Each text is parsed once (a condition: per text, names and the
set of value placeholders; its values are put into the parsed tree anew on every use) and its tree reused. The
validator's own copy of an update's tree is made by a copy that knows the tree's nodes, not by generic deepcopy.

Queries: moto's Query of a table sorts every item of the table (all partitions) on every page, then keeps the
partition's - a page of a bucket's size history sorted the samples of every bucket. Here it takes the partition's
items only; they come out in the same order.

Items: moto builds an item attribute by attribute, adding up the size of all the attributes so far before each
one (to refuse items over 400 KB) - quadratic in the attributes, for every item written. Here the sum is kept as
it grows; the limit and the error are the same.

All checked against moto's own behaviour in tests/sandbox/test_speedups.py.
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
    """(table, key, the item as it is now or None) for each item the transaction names."""
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
            # A put or a delete replaces the stored item and leaves it as it was; only an update changes it in place.
            kept.append((table.name, key, copy.deepcopy(current) if current and op_type == "Update" else current))
    return kept


def _put_back(backend: Any, kept: list[tuple[str, dict[str, Any], Any]]) -> None:
    for table_name, key, item in reversed(kept):
        if item is None:
            if backend.get_item(table_name, key) is not None:
                backend.delete_item(table_name, key)
        else:
            backend.put_item(table_name, copy.deepcopy(item.to_json()["Attributes"]))


_CACHE_LIMIT = 4096  # distinct expressions kept; past that the cache starts again (a sandbox sees a few dozen)
_conditions: dict[tuple[Any, ...], tuple[Any, list[str], list[str]]] = {}
_updates: dict[str, Any] = {}


def install_dynamodb_expression_cache() -> Callable[[], None]:
    """Condition and update expressions parsed once per text, not three times an item of every request; returns
    the undo. A second install is a no-op."""
    from moto.dynamodb.comparisons import ConditionExpressionParser
    from moto.dynamodb.parsing import validators
    from moto.dynamodb.parsing.ast_nodes import Node  # type: ignore[attr-defined]
    from moto.dynamodb.parsing.expressions import UpdateExpressionParser  # type: ignore[attr-defined]

    with _lock:
        original_parse = ConditionExpressionParser.__dict__["parse"]
        if getattr(original_parse, "_sandbox_fast", False):
            return lambda: None
        original_make = UpdateExpressionParser.__dict__["make"]  # a classmethod

        def parse(self: Any) -> Any:
            names, values = self.expression_attribute_names, self.expression_attribute_values
            if not self.condition_expression:
                return original_parse(self)
            try:
                key = (self.condition_expression, _frozen_names(names), _frozen_keys(values))
                cached = _conditions.get(key)
            except (TypeError, AttributeError):  # not plain JSON: moto's parse, uncached
                return original_parse(self)
            if cached is not None:
                tree, names_found, values_found = cached
                self.expr_attr_names_found.extend(names_found)
                self.expr_attr_values_found.extend(values_found)
                return ConditionExpressionParser._make_op_condition(self, _with_values(tree, values))
            names_before, values_before = len(self.expr_attr_names_found), len(self.expr_attr_values_found)
            tree_of: list[Any] = []
            make_op = self._make_op_condition

            def capture(node: Any) -> Any:  # moto's own tree, as its parse hands it to _make_op_condition
                if not tree_of:
                    tree_of.append(node)
                return make_op(node)

            self._make_op_condition = capture
            try:
                op = original_parse(self)
            finally:
                del self._make_op_condition
            if tree_of:
                if len(_conditions) >= _CACHE_LIMIT:
                    _conditions.clear()
                _conditions[key] = (tree_of[0], self.expr_attr_names_found[names_before:],
                                    self.expr_attr_values_found[values_before:])
            return op

        def make(cls: Any, expression_str: str) -> Any:
            # The tree is only read (moto's validator works on a deep copy of it), so one serves every request.
            if not isinstance(expression_str, str):
                return original_make.__func__(cls, expression_str)
            tree = _updates.get(expression_str)
            if tree is None:
                tree = original_make.__func__(cls, expression_str)
                if len(_updates) >= _CACHE_LIMIT:
                    _updates.clear()
                _updates[expression_str] = tree
            return tree

        parse._sandbox_fast = True  # type: ignore[attr-defined]
        ConditionExpressionParser.parse = parse  # type: ignore[method-assign]
        UpdateExpressionParser.make = classmethod(make)  # type: ignore[method-assign,assignment]
        original_deepcopy = validators.deepcopy
        validators.deepcopy = _tree_copier(Node)

    def undo() -> None:
        with _lock:
            ConditionExpressionParser.parse = original_parse  # type: ignore[method-assign]
            UpdateExpressionParser.make = original_make  # type: ignore[method-assign]
            validators.deepcopy = original_deepcopy
            _conditions.clear()
            _updates.clear()

    return undo


_ATOMS = (str, int, float, bool, bytes, type(None))


def _tree_copier(node_type: type) -> Callable[..., Any]:
    """``copy.deepcopy`` for the validator's copy of an update expression's tree: nodes (with their parents: one
    graph, shared parts shared, as deepcopy keeps them), lists and plain values copied directly, anything else by
    ``copy.deepcopy`` - several times faster than deepcopy's generic protocol on every node."""

    def copied(value: Any, memo: dict[int, Any] | None = None) -> Any:
        if memo is None:
            memo = {}
        if isinstance(value, _ATOMS):
            return value
        done = memo.get(id(value))
        if done is not None:
            return done
        if isinstance(value, list):
            new_list: list[Any] = []
            memo[id(value)] = new_list
            new_list.extend(copied(element, memo) for element in value)
            return new_list
        if isinstance(value, node_type) and getattr(type(value), "__deepcopy__", None) is None:
            new = object.__new__(type(value))
            memo[id(value)] = new
            new.__dict__.update({name: copied(attribute, memo) for name, attribute in value.__dict__.items()})
            return new
        return copy.deepcopy(value, memo)

    return copied


def _frozen_names(names: dict[str, str] | None) -> tuple[tuple[str, str], ...] | None:
    return None if names is None else tuple(sorted(names.items()))


def _frozen_keys(values: dict[str, Any] | None) -> tuple[str, ...] | None:
    """The placeholders given: the tree depends on which there are, not on what they hold (those are put in anew)."""
    return None if values is None else tuple(sorted(values))


def _with_values(node: Any, values: dict[str, Any] | None) -> Any:
    """A parsed condition with this request's values in its placeholders (the tree holds the first request's)."""
    if node.kind == "EXPRESSION_ATTRIBUTE_VALUE":
        return node._replace(value=values[node.text])  # type: ignore[index]
    if not node.children:
        return node
    children = [_with_values(child, values) for child in node.children]
    if all(new is old for new, old in zip(children, node.children, strict=True)):
        return node
    return node._replace(children=children)


_partition = threading.local()  # the table and partition key of the Query running in this thread


def install_fast_dynamodb_queries() -> Callable[[], None]:
    """Query of a table (not an index) looking at the items of its partition only; returns the undo. A second
    install is a no-op."""
    from moto.dynamodb.models.table import Table

    with _lock:
        original_query = Table.__dict__["query"]
        if getattr(original_query, "_sandbox_fast", False):
            return lambda: None
        original_all_items = Table.__dict__["all_items"]

        def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
            index_name = kwargs.get("index_name", args[6] if len(args) > 6 else None)
            if index_name or hash_key is None:
                return original_query(self, hash_key, *args, **kwargs)
            _partition.of = (self, hash_key)
            try:
                return original_query(self, hash_key, *args, **kwargs)
            finally:
                _partition.of = None

        def all_items(self: Any) -> Any:
            # moto's query takes the whole table sorted, keeps the partition's items and sorts them by range key:
            # the partition's items alone, sorted the same way, are that list.
            of = getattr(_partition, "of", None)
            if of is None or of[0] is not self:
                return original_all_items(self)
            _partition.of = None  # once: anything else the query asks for is the whole table
            found = self.items.get(of[1])
            if found is None:
                return []
            if not self.range_key_attr:
                return [found]
            # by each range key's value once (DynamoType compares its values, converting both on every comparison)
            return sorted(found.values(), key=lambda item: item.range_key.cast_value)

        query._sandbox_fast = True  # type: ignore[attr-defined]
        Table.query = query  # type: ignore[method-assign]
        Table.all_items = all_items  # type: ignore[method-assign]

    def undo() -> None:
        with _lock:
            Table.query = original_query  # type: ignore[method-assign]
            Table.all_items = original_all_items  # type: ignore[method-assign]

    return undo


def install_fast_dynamodb_items() -> Callable[[], None]:
    """Items built with their size added up as each attribute comes, against the same 405,000-byte limit; returns
    the undo. A second install is a no-op."""
    from moto.dynamodb.exceptions import ItemSizeTooLarge
    from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
    from moto.dynamodb.models.utilities import bytesize

    with _lock:
        original_init = Item.__dict__["__init__"]
        if getattr(original_init, "_sandbox_fast", False):
            return lambda: None

        def __init__(self: Any, hash_key: Any, range_key: Any, attrs: dict[str, Any]) -> None:  # noqa: N807
            # moto's LimitedSizeDict sums the size of every attribute so far before adding the next one: the
            # same sum, kept as it grows. Later changes to the item go through LimitedSizeDict as before.
            self.hash_key = hash_key
            self.range_key = range_key
            self.attrs = LimitedSizeDict()
            size = 0
            for key, value in attrs.items():
                typed = DynamoType(value)
                added = bytesize(key) + typed.size()
                if size + added > 405000:
                    raise ItemSizeTooLarge
                dict.__setitem__(self.attrs, key, typed)
                size += added

        __init__._sandbox_fast = True  # type: ignore[attr-defined]
        Item.__init__ = __init__  # type: ignore[method-assign]

    def undo() -> None:
        with _lock:
            Item.__init__ = original_init  # type: ignore[method-assign]

    return undo


def install_dynamodb_speedups() -> Callable[[], None]:
    """Every speedup above (what the sandbox installs), for a process that runs moto's server itself - the
    benchmarks; returns the undo of them all."""
    undos = [install_fast_dynamodb_reads(), install_fast_dynamodb_transactions(), install_dynamodb_expression_cache(),
             install_fast_dynamodb_queries(), install_fast_dynamodb_items()]

    def undo() -> None:
        for one in reversed(undos):
            one()

    return undo
