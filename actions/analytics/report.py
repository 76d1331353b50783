"""How the assistant is used over a period, from the facts of ``actions.analytics.store``: typed results for the chat
skill, the dashboard and the API, and counters for Prometheus with bounded labels.

What the figures mean (every moment in UTC; a period is ``[start, end)``):

- **request**: a user message that is no ``EXTERNAL_...`` intent (Rasa's ``trigger_intent``, i.e. late messages);
  its *skill* is the intent, its *channel* Rasa's ``input_channel``. Counted in the period its message arrived.
- **people**: distinct senders with a request in the period (told apart by a hash; no sender id is kept).
- **fallback**: a request whose intent is ``nlu_fallback`` (the FallbackClassifier or ``nlu.components.ChangeGuard``
  was unsure), or one answered by ``action_help`` although it asked neither for help nor something out of scope (the
  RulePolicy's core fallback). *Fallback rate* = fallbacks / requests.
- **failure**: a request whose answer (anything said up to the next request) includes a failure reply
  (``actions.analytics.failures``).
- **conversation**: a Rasa session (events from one ``session_started`` to the next, of one sender) with at least
  one request, counted in the period of its first request; *contained* when none of its requests was a fallback
  or a failure. *Containment* = contained / conversations.
- **confirmations**: *asked* - a new question in the ``pending`` slot (a new token) set by a proposing action;
  *accepted* - the slot cleared by ``action_confirm``; *declined* - cleared by ``action_cancel``; *expired* - a
  yes or a button that came more than the question's lifetime (``confirmation.QUESTION_SECONDS``) after it was
  asked, so the question was asked again; *superseded* - a new question replaced one left unanswered.
- **action time**: for each ``ActionExecuted`` but ``action_listen`` and ``action_session_start``, its timestamp
  minus that of the event before it in the conversation - the user message for the first action of a turn, the
  previous action for a chained one. Why that is the wait: Rasa stamps a user message when it was parsed and an
  ``ActionExecuted`` after the action returned, so the difference is policy prediction, the round trip to the action
  server and the action's work. Events in between that are no milestone are skipped: ``user_featurization`` (stamped
  during prediction, it would hide the prediction), and the bot messages and slots an action returned (stamped while
  Rasa handled its response, milliseconds before its own ``ActionExecuted``; a ``pending`` question or a failure
  reply is read, and the difference is that small). ``action_session_start`` is left out because the event before
  it ends the previous session, hours earlier. p50 / p95 are DuckDB's ``quantile_cont`` (linear interpolation).
"""
from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from actions.analytics.failures import failure_patterns
from actions.analytics.source import TrackerSource
from actions.analytics.store import FactStore

DEFAULT_ENDPOINTS = Path("endpoints.yml")
# Prometheus buckets of action time (seconds).
LATENCY_BUCKETS: tuple[float, ...] = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
OUTCOMES = ("answered", "fallback", "failure")
OTHER = "other"
NONE = "none"


@dataclass(frozen=True)
class Share:
    """Requests of one skill (intent) or channel."""

    name: str
    requests: int


@dataclass(frozen=True)
class Day:
    day: dt.date
    requests: int


@dataclass(frozen=True, kw_only=True)
class Latency:
    """Seconds a person waited for one action (see the module's docstring)."""

    action: str
    runs: int
    p50: float
    p95: float


@dataclass(frozen=True, kw_only=True)
class Confirmations:
    asked: int = 0
    accepted: int = 0
    declined: int = 0
    expired: int = 0
    superseded: int = 0


@dataclass(frozen=True, kw_only=True)
class UsageReport:
    """How the assistant was used in ``[start, end)``; shares sorted by requests, then name."""

    start: dt.datetime
    end: dt.datetime
    requests: int
    people: int
    fallbacks: int
    failures: int
    conversations: int
    contained: int
    by_skill: tuple[Share, ...]
    by_channel: tuple[Share, ...]
    by_day: tuple[Day, ...]
    confirmations: Confirmations
    latency: tuple[Latency, ...]

    @property
    def fallback_rate(self) -> float | None:
        return self.fallbacks / self.requests if self.requests else None

    @property
    def containment(self) -> float | None:
        return self.contained / self.conversations if self.conversations else None


@dataclass(frozen=True, kw_only=True)
class RequestTotal:
    intent: str
    channel: str
    outcome: str  # one of OUTCOMES
    total: int


@dataclass(frozen=True, kw_only=True)
class LatencyHistogram:
    """Cumulative counts per upper bound (``LATENCY_BUCKETS``, then +Inf = ``count``), as Prometheus wants them."""

    action: str
    buckets: tuple[tuple[float, int], ...]
    count: int
    sum: float


@dataclass(frozen=True, kw_only=True)
class UsageCounters:
    """Totals since the tracker store began; labels are intents, channels, outcomes and action names only, each
    outside its allowed set (or beyond the ``limit`` most frequent when none is given) counted as ``other``."""

    requests: tuple[RequestTotal, ...]
    latency: tuple[LatencyHistogram, ...]
    confirmations: dict[str, int] = field(default_factory=dict)


def _epoch(moment: dt.datetime) -> float:
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).timestamp()


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC) if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def tracker_url(endpoints: Path = DEFAULT_ENDPOINTS) -> tuple[str, str | None]:
    """The SQLAlchemy URL and PostgreSQL schema of the SQL tracker store endpoints.yml names (``${VAR}`` values
    expanded as Rasa does; the schema from ``POSTGRESQL_SCHEMA``, as Rasa reads it)."""
    from rasa.utils.endpoints import read_endpoint_config
    from sqlalchemy.engine import URL

    config = read_endpoint_config(str(endpoints), "tracker_store")
    if config is None or str(config.type or "").lower() != "sql":
        raise ValueError(f"{endpoints} names no SQL tracker store")
    kwargs = config.kwargs
    dialect = str(kwargs.get("dialect", "sqlite"))
    host = config.url
    if host and "://" in host:
        return host, os.environ.get("POSTGRESQL_SCHEMA")
    url = URL.create(dialect, username=kwargs.get("username"), password=kwargs.get("password"), host=host or None,
                     port=int(kwargs["port"]) if kwargs.get("port") else None, database=str(kwargs.get("db", "rasa.db")))
    return url.render_as_string(hide_password=False), os.environ.get("POSTGRESQL_SCHEMA")


class UsageAnalytics:
    """Usage figures of one tracker store, kept up to date incrementally. ``cache``: a DuckDB file kept between
    runs (one per process), or ``":memory:"``. ``failures``: LIKE patterns of failure replies beyond those
    ``actions.analytics.failures`` knows (a skill area's own)."""

    def __init__(self, url: str, *, schema: str | None = None, cache: str | Path = ":memory:", chunk: int = 125_000,
                 failures: Iterable[str] = (), question_seconds: float | None = None) -> None:
        if question_seconds is None:
            from actions.core.confirmation import QUESTION_SECONDS

            question_seconds = QUESTION_SECONDS
        self.store = FactStore(TrackerSource(url, schema=schema), path=cache, chunk=chunk, ttl=question_seconds,
                               patterns=failure_patterns(failures))

    def refresh(self) -> int:
        """Read the events written since the last call; the number of event ids covered."""
        return self.store.refresh()

    @property
    def cursor(self) -> int:
        """The last event id read."""
        return self.store.cursor

    def report(self, start: dt.datetime, end: dt.datetime, *, refresh: bool = True) -> UsageReport:
        with self.store.lock:  # every figure from the same facts
            if refresh:
                self.refresh()
            return _report(self.store, _utc(start), _utc(end))

    def counters(self, *, intents: Sequence[str] | None = None, channels: Sequence[str] | None = None,
                 limit: int = 30, refresh: bool = True) -> UsageCounters:
        with self.store.lock:
            if refresh:
                self.refresh()
            return _counters(self.store, intents=intents, channels=channels, limit=limit)

    def close(self) -> None:
        self.store.close()


def usage_report(start: dt.datetime, end: dt.datetime, *, analytics: UsageAnalytics | None = None,
                 url: str | None = None, schema: str | None = None) -> UsageReport:
    """How the assistant was used in ``[start, end)``. With ``analytics`` (kept by the caller), only events
    written since its last call are read; else the tracker store at ``url`` (by default the one endpoints.yml
    names) is read once, into memory."""
    if analytics is not None:
        return analytics.report(start, end)
    if url is None:
        url, schema = tracker_url()
    once = UsageAnalytics(url, schema=schema)
    try:
        return once.report(start, end)
    finally:
        once.close()


def _report(store: FactStore, start: dt.datetime, end: dt.datetime) -> UsageReport:
    period = {"start": _epoch(start), "end": _epoch(end)}
    in_period = "ts >= $start AND ts < $end"
    totals = store.query(f"""SELECT count(*), count(DISTINCT who), count(*) FILTER (WHERE fallback),
        count(*) FILTER (WHERE error) FROM turns WHERE {in_period}""", period)[0]
    conversations = store.query("""SELECT count(*), count(*) FILTER (WHERE NOT f AND NOT e) FROM (
        SELECT min(ts) AS first, bool_or(fallback) AS f, bool_or(error) AS e FROM turns GROUP BY session)
        WHERE first >= $start AND first < $end""", period)[0]

    def shares(column: str) -> tuple[Share, ...]:
        rows = store.query(f"""SELECT coalesce({column}, '{NONE}') AS name, count(*) AS n FROM turns
            WHERE {in_period} GROUP BY name ORDER BY n DESC, name""", period)
        return tuple(Share(str(name), int(n)) for name, n in rows)

    per_day = dict(store.query(f"""SELECT CAST(floor(ts / 86400) AS BIGINT) AS d, count(*) FROM turns
        WHERE {in_period} GROUP BY d""", period))
    epoch_day = dt.date(1970, 1, 1)
    days: list[Day] = []
    day = start.date()
    last = (end - dt.timedelta(microseconds=1)).date()
    while day <= last:
        days.append(Day(day, int(per_day.get((day - epoch_day).days, 0))))
        day += dt.timedelta(days=1)
    outcomes = dict(store.query(f"SELECT outcome, count(*) FROM confirmations WHERE {in_period} GROUP BY outcome",
                                period))
    latency = store.query(f"""SELECT action, count(*) AS n, quantile_cont(latency, 0.5), quantile_cont(latency, 0.95)
        FROM actions WHERE {in_period} GROUP BY action ORDER BY n DESC, action""", period)
    return UsageReport(
        start=start, end=end, requests=int(totals[0]), people=int(totals[1]), fallbacks=int(totals[2]),
        failures=int(totals[3]), conversations=int(conversations[0]), contained=int(conversations[1]),
        by_skill=shares("intent"), by_channel=shares("channel"), by_day=tuple(days),
        confirmations=Confirmations(**{k: int(v) for k, v in outcomes.items()}),
        latency=tuple(Latency(action=str(a), runs=int(n), p50=float(p50), p95=float(p95)) for a, n, p50, p95 in latency),
    )


def _bounded(store: FactStore, column: str, table: str, allowed: Sequence[str] | None, limit: int) -> str:
    """A SQL expression of ``column`` with every value outside the allowed (or most frequent) ones as OTHER."""
    if allowed is None:
        allowed = [str(v) for (v,) in store.query(
            f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL GROUP BY {column} "
            f"ORDER BY count(*) DESC, {column} LIMIT {int(limit)}")]
    if not allowed:
        return f"CASE WHEN {column} IS NULL THEN '{NONE}' ELSE '{OTHER}' END"
    listed = ", ".join("'" + value.replace("'", "''") + "'" for value in allowed)
    return f"CASE WHEN {column} IS NULL THEN '{NONE}' WHEN {column} IN ({listed}) THEN {column} ELSE '{OTHER}' END"


def _counters(store: FactStore, *, intents: Sequence[str] | None, channels: Sequence[str] | None,
              limit: int) -> UsageCounters:
    intent = _bounded(store, "intent", "turns", intents, limit)
    channel = _bounded(store, "channel", "turns", channels, limit)
    outcome = "CASE WHEN fallback THEN 'fallback' WHEN error THEN 'failure' ELSE 'answered' END"
    requests = tuple(
        RequestTotal(intent=str(i), channel=str(c), outcome=str(o), total=int(n)) for i, c, o, n in store.query(
            f"SELECT {intent} AS i, {channel} AS c, {outcome} AS o, count(*) FROM turns GROUP BY i, c, o "
            "ORDER BY i, c, o"))
    action = _bounded(store, "action", "actions", None, limit)
    bounds = ", ".join(f"count(*) FILTER (WHERE latency <= {b})" for b in LATENCY_BUCKETS)
    histograms = tuple(
        LatencyHistogram(action=str(row[0]), buckets=tuple(zip(LATENCY_BUCKETS, map(int, row[1:-2]), strict=True)),
                         count=int(row[-2]), sum=float(row[-1]))
        for row in store.query(f"SELECT {action} AS a, {bounds}, count(*), sum(latency) FROM actions GROUP BY a "
                               "ORDER BY a"))
    confirmations = {str(o): int(n) for o, n in store.query(
        "SELECT outcome, count(*) FROM confirmations GROUP BY outcome ORDER BY outcome")}
    return UsageCounters(requests=requests, latency=histograms, confirmations=confirmations)
