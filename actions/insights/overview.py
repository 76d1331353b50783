"""The latest of every builder, kept by one background thread so the dashboard and the API answer in milliseconds:
``Overview.refresh`` rebuilds each part in turn (a part that fails keeps its last good body and records why);
``Overview.get`` hands out what is there. Bodies for other periods than the defaults are built on demand and kept
for one refresh interval."""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from actions.analytics import UsageAnalytics, UsageCounters
from actions.aws.cost.pricing import pricing_for
from actions.aws.errors import BOTO_ERRORS, CloudButlerError, from_boto
from actions.aws.size_tables import DEFAULT_PREFIX
from actions.insights.assistant import assistant
from actions.insights.costs import cost
from actions.insights.fleet import alerts, capacity
from actions.insights.queues import queue_depths
from actions.insights.shapes import Clients, Storage
from actions.insights.sizes import projection, storage, trends

log = logging.getLogger(__name__)

# Parts that list every object or forecast every instance are rebuilt less often than the rest (seconds).
SLOW_PARTS = {"cost": 6 * 3600.0, "recommendations": 3600.0}
TREND_DAYS = 30
ASSISTANT_DAYS = 7
MAX_DAYS = 365


class Unavailable(Exception):
    """A part has no body: not built yet (``code`` "not_ready") or its source failed every time so far."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass
class Part:
    body: Any = None
    built_at: float | None = None
    error: str | None = None  # why the latest build failed (the body, if any, is the one before)


def usage_by_class(body: Storage, default_region: str) -> dict[str, Any]:
    """The account's storage summed per class, with each class's monthly cost at its buckets' regions' prices."""
    classes: dict[str, dict[str, Any]] = {}
    for bucket in body["buckets"]:
        pricing = pricing_for(bucket["region"] or default_region)
        for name, figures in bucket["classes"].items():
            row = classes.setdefault(name, {"bytes": 0, "objects": 0, "monthly_cost_usd": 0.0})
            row["bytes"] += figures["bytes"]
            row["objects"] += figures["objects"]
            row["monthly_cost_usd"] += pricing.storage_cost(name if pricing.priced(name) else "STANDARD",
                                                            figures["bytes"])
    for row in classes.values():
        row["monthly_cost_usd"] = round(row["monthly_cost_usd"], 6)
    return {"total_bytes": body["total_bytes"], "total_objects": body["total_objects"],
            "monthly_cost_usd": body["monthly_cost_usd"], "classes": dict(sorted(classes.items()))}


class Overview:
    """Every part of the dashboard. ``analytics``: the tracker store's usage figures (None: no SQL tracker store,
    the assistant parts are unavailable)."""

    def __init__(self, clients: Clients, *, analytics: UsageAnalytics | None = None, prefix: str = DEFAULT_PREFIX,
                 interval: float = 60.0, clock: Callable[[], float] = time.time) -> None:
        self.clients = clients
        self.analytics = analytics
        self.prefix = prefix
        self.interval = interval
        self.clock = clock
        self.parts: dict[str, Part] = {}
        self.refresh_errors: dict[tuple[str, str], int] = {}  # (part, code) -> failed builds
        self.refreshes = 0
        self._lock = threading.Lock()  # one build at a time: the analytics' DuckDB and the forecasts are not shared
        self._stop = threading.Event()
        self._first = threading.Event()  # the background thread's first refresh is done
        self._thread: threading.Thread | None = None

    # --- building -------------------------------------------------------------------------------------------

    def _builders(self) -> list[tuple[str, Callable[[], Any]]]:
        def current() -> Storage:
            body: Storage = self.parts["buckets"].body
            if body is None:
                raise Unavailable("not_ready")
            return body

        builders: list[tuple[str, Callable[[], Any]]] = [
            ("buckets", lambda: storage(self.clients, prefix=self.prefix)),
            ("usage", lambda: usage_by_class(current(), self.clients.region)),
            ("forecasts", lambda: projection(self.clients, prefix=self.prefix, current=current())),
            (f"trends:{TREND_DAYS}", lambda: trends(self.clients, TREND_DAYS, prefix=self.prefix)),
            ("alerts", lambda: alerts(self.clients, prefix=self.prefix)),
            ("queues", lambda: queue_depths(self.clients, prefix=self.prefix)),
        ]
        if self.analytics is not None:
            analytics = self.analytics
            builders += [
                (f"assistant:{ASSISTANT_DAYS}", lambda: assistant(ASSISTANT_DAYS, analytics=analytics)),
                ("counters", lambda: analytics.counters(refresh=False)),
            ]
        builders += [("cost", lambda: cost(self.clients)), ("recommendations", lambda: capacity(self.clients))]
        return builders

    def refresh(self, *, slow: bool = True) -> None:
        """Build every part (blocking); a slow part only when its own interval has passed since it was built, and
        not at all with ``slow=False``."""
        for name, build in self._builders():
            if self._stop.is_set():
                return
            if not slow and name in SLOW_PARTS:
                continue
            part = self.parts.get(name)
            if part is not None and part.built_at is not None and name in SLOW_PARTS \
                    and self.clock() - part.built_at < max(SLOW_PARTS[name], self.interval):
                continue
            self._build(name, build)
        self.refreshes += 1

    def _build(self, name: str, build: Callable[[], Any]) -> Any:
        part = self.parts.setdefault(name, Part())
        try:
            with self._lock:
                body = build()
        except Exception as exc:  # noqa: BLE001 - the refresher must outlive any one source's failure
            code = _code(exc)
            if code == "internal":
                log.exception("overview: building %s failed", name)
            else:
                log.warning("overview: building %s failed (%s)", name, code)
            part.error = code
            self.refresh_errors[(name, code)] = self.refresh_errors.get((name, code), 0) + 1
            return None
        part.body, part.built_at, part.error = body, self.clock(), None
        return body

    # --- reading --------------------------------------------------------------------------------------------

    def get(self, name: str) -> Any:
        part = self.parts.get(name)
        if part is None or part.body is None:
            raise Unavailable(part.error if part is not None and part.error else "not_ready")
        return part.body

    def trends(self, days: int) -> Any:
        return self._for_days("trends", days, TREND_DAYS, lambda: trends(self.clients, days, prefix=self.prefix))

    def assistant(self, days: int) -> Any:
        if self.analytics is None:
            raise Unavailable("no_tracker_store")
        analytics = self.analytics
        return self._for_days("assistant", days, ASSISTANT_DAYS, lambda: assistant(days, analytics=analytics))

    def counters(self) -> UsageCounters | None:
        part = self.parts.get("counters")
        return part.body if part is not None else None

    def _for_days(self, kind: str, days: int, default: int, build: Callable[[], Any]) -> Any:
        if not 1 <= days <= MAX_DAYS:
            raise ValueError(f"days must be 1 to {MAX_DAYS}")
        name = f"{kind}:{days}"
        part = self.parts.get(name)
        fresh = part is not None and part.built_at is not None and self.clock() - part.built_at < self.interval
        if days != default and not fresh:
            self._build(name, build)
        return self.get(name)

    # --- the background thread ------------------------------------------------------------------------------

    def start(self, *, first_wait: float = 0.0) -> bool:
        """Refresh in a daemon thread: at once (building what is still missing: the slow parts, when the caller
        built the others with ``refresh(slow=False)``), then every ``interval`` seconds. Waits up to ``first_wait``
        seconds for that first refresh; True if it finished."""
        self._thread = threading.Thread(target=self._run, name="overview-refresh", daemon=True)
        self._thread.start()
        return self._first.wait(first_wait)

    def _run(self) -> None:
        self.refresh()
        self._first.set()
        while not self._stop.wait(self.interval):
            self.refresh()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)  # a refresh stops between parts


def _code(exc: Exception) -> str:
    if isinstance(exc, (CloudButlerError, Unavailable)):
        return exc.code
    if isinstance(exc, BOTO_ERRORS):
        return from_boto(exc).code
    return "internal"
