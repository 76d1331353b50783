"""De-duplication of platform events: Slack retries an event for ~30 min (immediately, after 1 min, after 5 min),
Discord replays events after a RESUME, a button may be clicked twice before it greys out. The window lives in a
``common.store.Store``, so several server processes can share it."""
from __future__ import annotations

from common.store import Store

# Longer than Slack's retries; Discord's replays come within minutes.
DEFAULT_DEDUPE_TTL_SECONDS = 3600.0
DEFAULT_DEDUPE_MAX_ITEMS = 10_000


class Deduplicator:
    """``first_time(key)`` is True exactly once per key within ``ttl`` seconds (keys are prefixed by their kind:
    ``message:<id>``, ``event:<id>``, ``click:<channel>:<ts>``...)."""

    def __init__(self, store: Store, *, namespace: str, ttl: float = DEFAULT_DEDUPE_TTL_SECONDS) -> None:
        self._store = store
        self._namespace = namespace
        self._ttl = ttl

    def first_time(self, key: str) -> bool:
        return self._store.add(self._namespace, key, True, ttl=self._ttl)
