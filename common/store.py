"""State that several server processes will need to share - the web chat mailbox, where each user last wrote,
de-duplication windows, the background job registry - behind one small interface. The default keeps it in this
process's memory; a shared implementation (Redis) can replace it without touching channels or skills.

Values are JSON-able; every entry may expire. Keys are namespaced by the caller (``"dedupe:slack"``).
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Any, Protocol


class Store(Protocol):
    def get(self, namespace: str, key: str) -> Any | None: ...

    def put(self, namespace: str, key: str, value: Any, *, ttl: float | None = None) -> None: ...

    def add(self, namespace: str, key: str, value: Any, *, ttl: float | None = None) -> bool:
        """Set only if absent (an atomic "first time?"); True if this call set it."""
        ...

    def delete(self, namespace: str, key: str) -> None: ...

    def push(self, namespace: str, key: str, value: Any, *, max_items: int) -> None:
        """Append to a bounded list (oldest dropped)."""
        ...

    def take(self, namespace: str, key: str) -> list[Any]:
        """Remove and return the whole list."""
        ...


class MemoryStore:
    """The in-process default: bounded per namespace (oldest entries go first), thread-safe."""

    def __init__(self, *, max_items: int = 10_000, clock: Callable[[], float] = time.monotonic) -> None:
        self._max_items = max_items
        self._clock = clock
        self._lock = threading.Lock()
        self._values: dict[str, OrderedDict[str, tuple[float | None, Any]]] = {}
        self._lists: dict[str, OrderedDict[str, deque[Any]]] = {}

    def _space(self, namespace: str) -> OrderedDict[str, tuple[float | None, Any]]:
        return self._values.setdefault(namespace, OrderedDict())

    def _live(self, namespace: str, key: str) -> tuple[float | None, Any] | None:
        entry = self._space(namespace).get(key)
        if entry is not None and entry[0] is not None and entry[0] <= self._clock():
            del self._space(namespace)[key]
            return None
        return entry

    def get(self, namespace: str, key: str) -> Any | None:
        with self._lock:
            entry = self._live(namespace, key)
            return None if entry is None else entry[1]

    def put(self, namespace: str, key: str, value: Any, *, ttl: float | None = None) -> None:
        with self._lock:
            self._set(namespace, key, value, ttl)

    def add(self, namespace: str, key: str, value: Any, *, ttl: float | None = None) -> bool:
        with self._lock:
            if self._live(namespace, key) is not None:
                return False
            self._set(namespace, key, value, ttl)
            return True

    def _set(self, namespace: str, key: str, value: Any, ttl: float | None) -> None:
        space = self._space(namespace)
        space.pop(key, None)
        space[key] = (None if ttl is None else self._clock() + ttl, value)
        while len(space) > self._max_items:
            space.popitem(last=False)

    def delete(self, namespace: str, key: str) -> None:
        with self._lock:
            self._space(namespace).pop(key, None)
            self._lists.get(namespace, OrderedDict()).pop(key, None)

    def push(self, namespace: str, key: str, value: Any, *, max_items: int) -> None:
        with self._lock:
            lists = self._lists.setdefault(namespace, OrderedDict())
            items = lists.pop(key, None) or deque(maxlen=max_items)
            items.append(value)
            lists[key] = items
            while len(lists) > self._max_items:
                lists.popitem(last=False)

    def take(self, namespace: str, key: str) -> list[Any]:
        with self._lock:
            items = self._lists.get(namespace, OrderedDict()).pop(key, None)
            return list(items) if items else []
