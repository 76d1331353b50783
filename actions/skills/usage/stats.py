"""``action_usage_stats``: "what are my stats", "how much am I spending on S3", "predict my S3 bill for next month" -
the account's storage and monthly cost (top buckets by cost and by growth), next month's projection, the savings the
recommendations would bring, instances by finding; for admins (``CLOUDBUTLER_ADMINS``) how the assistant is used
this week; a chart and a link to the dashboard. The figures come from ``actions.insights`` (the service layer the
dashboard and API share) and ``actions.analytics`` (the tracker store)."""
from __future__ import annotations

import contextvars
import datetime as dt
import functools
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, cast

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.aws.clients import ClientFactory
from actions.aws.errors import CloudButlerError
from actions.core import errors
from actions.core.base import Skill, SkillAction
from actions.core.late import Reply
from actions.core.media import publish
from actions.skills.usage import charts
from actions.skills.usage import wording as say
from common import media

if TYPE_CHECKING:
    from actions.analytics import UsageAnalytics, UsageReport

logger = logging.getLogger(__name__)

DEFAULT_DASHBOARD = "http://127.0.0.1:5057/dashboard"
USAGE_DAYS = 7
USAGE_LABEL = "over the last 7 days"
CAPACITY_TTL = 600.0  # right-sizing is a 14-day view: ten minutes old is fresh enough
CAPACITY_WAIT = 20.0  # seconds an answer waits for it


@dataclass(frozen=True)
class UsageSettings:
    media_dir: Path = field(default_factory=media.media_dir)
    admins: frozenset[str] = frozenset()
    dashboard_url: str = DEFAULT_DASHBOARD
    tracker_url: str | None = None  # the SQL tracker store; None: the one endpoints.yml names
    tracker_schema: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> UsageSettings:
        """CLOUDBUTLER_ADMINS: comma-separated sender ids (``platform:workspace:user``) who see the assistant's usage;
        CLOUDBUTLER_DASHBOARD_URL: where people reach the dashboard (default: where it binds);
        CLOUDBUTLER_TRACKER_STORE_URL (and POSTGRESQL_SCHEMA): the tracker store, as the dashboard reads them."""
        env = os.environ if env is None else env
        admins = frozenset(a.strip() for a in (env.get("CLOUDBUTLER_ADMINS") or "").split(",") if a.strip())
        return cls(media_dir=media.media_dir(env), admins=admins,
                   dashboard_url=(env.get("CLOUDBUTLER_DASHBOARD_URL") or "").strip() or dashboard_on(env),
                   tracker_url=(env.get("CLOUDBUTLER_TRACKER_STORE_URL") or "").strip() or None,
                   tracker_schema=env.get("POSTGRESQL_SCHEMA") or None)


def dashboard_on(env: Mapping[str, str]) -> str:
    """The dashboard at the host and port it binds (CLOUDBUTLER_DASHBOARD_HOST / _PORT), as .env.example says;
    loopback when it binds every address."""
    host = (env.get("CLOUDBUTLER_DASHBOARD_HOST") or "").strip()
    host = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host
    host = f"[{host}]" if ":" in host else host
    port = (env.get("CLOUDBUTLER_DASHBOARD_PORT") or "").strip() or "5057"
    return f"http://{host}:{port}/dashboard"


class Insights(Protocol):
    """The account's figures as ``actions.insights`` builds them (plain dicts, the API's bodies). Blocking."""

    def storage(self) -> Mapping[str, Any]: ...

    def trends(self, days: int) -> Mapping[str, Any]: ...

    def cost(self) -> Mapping[str, Any]: ...

    def projection(self, current: Mapping[str, Any]) -> Mapping[str, Any]: ...

    def capacity(self) -> Mapping[str, Any]: ...


class ServiceInsights:
    """``actions.insights``' builders over one set of AWS clients, read at the moment ``clock`` gives."""

    def __init__(self, clients: ClientFactory, clock: Callable[[], dt.datetime]) -> None:
        self.clients = clients
        self.clock = clock

    def _now(self) -> int:
        return int(self.clock().timestamp())

    # The builders are imported on first use: the action server starts without numpy, DuckDB and the forecasters.
    def storage(self) -> Mapping[str, Any]:
        from actions.insights import storage

        return storage(self.clients)

    def trends(self, days: int) -> Mapping[str, Any]:
        from actions.insights import trends

        return trends(self.clients, days, now=self._now())

    def cost(self) -> Mapping[str, Any]:
        from actions.insights import cost

        return cost(self.clients)

    def projection(self, current: Mapping[str, Any]) -> Mapping[str, Any]:
        from actions.insights import projection
        from actions.insights.shapes import Storage

        return projection(self.clients, now=self._now(), current=cast(Storage, current))

    def capacity(self) -> Mapping[str, Any]:
        from actions.insights.fleet import capacity

        return capacity(self.clients)


@dataclass
class Figures:
    """The account's part of an answer (the instances come apart: they may take longer); a part that failed is
    None with its sentence in ``problems``."""

    storage: Mapping[str, Any]
    trends: Mapping[str, Any] | None = None
    cost: Mapping[str, Any] | None = None
    projection: Mapping[str, Any] | None = None
    problems: list[str] = field(default_factory=list)


def gather(source: Insights, days: int = say.GROWTH_DAYS) -> Figures:
    """Blocking: storage (a failure there is the answer's failure), then each other part on its own."""
    figures = Figures(storage=source.storage())
    if not figures.storage["buckets"]:
        return figures
    parts: dict[str, Callable[[], Mapping[str, Any]]] = {
        "trends": lambda: source.trends(days), "cost": source.cost,
        "projection": lambda: source.projection(figures.storage),
    }
    for name, call in parts.items():
        try:
            setattr(figures, name, call())
        except CloudButlerError as exc:
            logger.info("usage stats: %s failed: %s", name, exc.code)
            figures.problems.append(say.PART_FAILED.format(part=say.PARTS[name], reason=errors.error_text(exc)))
    return figures


class Recent:
    """One slow figure (the fleet's right-sizing: a forecast per instance, about a second each), computed in a
    thread of its own and kept ``ttl`` seconds. An answer waits for it at most ``wait`` seconds; a computation still
    running then goes on, and the next answer gets it. A failure is not kept: the next answer tries again."""

    def __init__(self, *, ttl: float = CAPACITY_TTL, wait: float = CAPACITY_WAIT,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl, self.wait, self.clock = ttl, wait, clock
        self._lock = threading.Lock()
        self._future: Future[Mapping[str, Any]] | None = None
        self._started = 0.0
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="usage-capacity")

    def get(self, compute: Callable[[], Mapping[str, Any]]) -> Mapping[str, Any] | None:
        """Blocking: the figure (fresh or kept), or None while it is still being computed; raises its failure."""
        with self._lock:
            future = self._future
            stale = future is not None and future.done() and (
                future.exception() is not None or self.clock() - self._started > self.ttl)
            if future is None or stale:
                future = self._future = self._executor.submit(contextvars.copy_context().run, compute)
                self._started = self.clock()
        try:
            return future.result(timeout=self.wait)
        except FutureTimeout:
            return None


def capacity_of(source: Insights, recent: Recent) -> tuple[Mapping[str, Any] | None, str | None]:
    """The instances by finding, or None with what to say instead."""
    try:
        found = recent.get(source.capacity)
    except CloudButlerError as exc:
        logger.info("usage stats: capacity failed: %s", exc.code)
        return None, say.PART_FAILED.format(part=say.PARTS["capacity"], reason=errors.error_text(exc))
    return (found, None) if found is not None else (None, say.STILL_SIZING)


def account_lines(figures: Figures, focus: str) -> list[str]:
    """The summary, with what the message asked for first."""
    storage = figures.storage
    lines = {"storage": say.storage_line(storage), "top": say.top_cost_line(storage)}
    if figures.trends is not None:
        lines["growth"] = say.growth_line(figures.trends)
    if figures.projection is not None:
        lines["projection"] = say.projection_line(figures.projection)
    if figures.cost is not None:
        lines["savings"] = say.savings_line(figures.cost)
    order = ["storage", "top", "growth", "projection", "savings"]
    if focus == "projection":
        order = ["projection", "storage", "top", "growth", "savings"]
    elif focus == "cost":
        order = ["storage", "top", "savings", "growth", "projection"]
    return [lines[name] for name in order if name in lines] + figures.problems


def account_reply(figures: Figures, focus: str, chart: str | None) -> Reply:
    reply: Reply = {"text": "\n".join(account_lines(figures, focus)), "json_message": {"table": {
        "title": say.bucket_title(figures.storage), "columns": list(say.BUCKET_COLUMNS),
        "rows": say.bucket_rows(figures.storage, figures.trends)}}}
    if chart:
        reply["image"] = chart
    return reply


def usage_reply(report: UsageReport) -> Reply:
    reply: Reply = {"text": "\n".join(say.usage_lines(report, USAGE_LABEL))}
    if report.requests:
        reply["json_message"] = {"table": {"title": say.USAGE_TITLE.format(period=USAGE_LABEL),
                                           "columns": list(say.USAGE_COLUMNS), "rows": say.usage_rows(report)}}
    return reply


def dashboard_reply(url: str) -> Reply:
    return {"text": say.DASHBOARD.format(url=url),
            "json_message": {"links": [{"url": url, "label": say.DASHBOARD_LABEL}]}}


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class ActionUsageStats(SkillAction):
    action_name = "action_usage_stats"
    skill = Skill(title="Account statistics: storage, monthly cost, growth, next month's bill, instances (a chart "
                        "and the dashboard)", example="what are my stats", order=80)

    clock: Callable[[], dt.datetime] = staticmethod(_utcnow)
    # The usage figures are brought up to date in place: one reader at a time.
    _usage_lock: ClassVar[threading.Lock] = threading.Lock()

    @functools.cached_property
    def settings(self) -> UsageSettings:
        return UsageSettings.from_env()

    @functools.cached_property
    def source(self) -> Insights:
        return ServiceInsights(self.clients, self.clock)

    @functools.cached_property
    def recent_capacity(self) -> Recent:
        return Recent()

    @functools.cached_property
    def analytics(self) -> UsageAnalytics:
        """One per action server: each answer reads only the conversations written since the last one. Tests
        assign their own."""
        from actions.analytics import UsageAnalytics, tracker_url

        url, schema = self.settings.tracker_url, self.settings.tracker_schema
        try:
            if url is None:
                url, schema = tracker_url()
            return UsageAnalytics(url, schema=schema)
        except (ValueError, FileNotFoundError) as exc:
            raise CloudButlerError("usage_store_unsupported") from exc

    def is_admin(self, tracker: Tracker) -> bool:
        return tracker.sender_id in self.settings.admins

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        figures = await self.blocking(gather, self.source)
        if not figures.storage["buckets"]:
            dispatcher.utter_message(text=say.NO_BUCKETS)
        else:
            chart = await self.blocking(self._chart, figures)
            dispatcher.utter_message(**account_reply(figures, say.focus(self.text_of(tracker)), chart))
        capacity, problem = await self.blocking(capacity_of, self.source, self.recent_capacity)
        if capacity is not None:
            dispatcher.utter_message(text="\n".join(say.instance_lines(capacity)))
        elif problem:
            dispatcher.utter_message(text=problem)
        if self.is_admin(tracker):
            try:
                report = await self.blocking(self._usage)
            except CloudButlerError as exc:
                logger.info("usage stats: assistant usage failed: %s", exc.code)
                dispatcher.utter_message(text=errors.error_text(exc))
            else:
                dispatcher.utter_message(**usage_reply(report))
        dispatcher.utter_message(**dashboard_reply(self.settings.dashboard_url))
        return []

    def _chart(self, figures: Figures) -> str:
        png = charts.stats_chart(figures.storage, figures.cost, figures.projection)
        return publish(png, "s3-cost.png", folder=self.settings.media_dir)

    def _usage(self) -> UsageReport:
        """Blocking: the last ``USAGE_DAYS`` days of the tracker store."""
        end = self.clock()
        with self._usage_lock:
            try:
                return self.analytics.report(end - dt.timedelta(days=USAGE_DAYS), end)
            except FileNotFoundError as exc:
                raise CloudButlerError("usage_store_missing") from exc
            except CloudButlerError:
                raise
            except Exception as exc:  # noqa: BLE001 - a database down: the rest of the answer stands
                logger.exception("usage stats: the tracker store could not be read")
                raise CloudButlerError("usage_store_unreadable") from exc
