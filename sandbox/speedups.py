"""DynamoDB reads in the sandbox at the speed of a database: moto writes every response through a generic
serializer that walks the API's shapes value by value (several milliseconds an item: a 90-day size history read
took seconds). Items are already in DynamoDB's wire form, so the read operations' answers are written as JSON at
once - the same bytes a client parses, checked against moto's own in tests/sandbox/test_speedups.py.
"""
from __future__ import annotations

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
