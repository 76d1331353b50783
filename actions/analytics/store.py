"""The facts the figures are computed from, kept in DuckDB and brought up to date from the tracker store a range of
event ids at a time: one row per request, per action run, per confirmation outcome, and per conversation partner
what the next range needs to carry on (its last moment, session, open request, last action, open question).

Each call reads only events after the cursor (the last event id read), in ranges of ``chunk`` ids; a reader thread
fetches the next range while DuckDB folds in the one before, so memory holds at most two ranges, whatever the number
of events. Kept in a file, DuckDB's own memory limit bounds what the facts cost in memory, too. No sender id is kept:
a partner is a 64-bit hash of it.
"""
from __future__ import annotations

import itertools
import threading
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from actions.analytics import failures as failure_wording
from actions.analytics.source import ACTION, COLUMNS, FAILURE, PENDING, SESSION, USER, TrackerSource

SCHEMA_VERSION = "2"
HELP_ACTION = "action_help"
# A help answer to these is what was asked for, not a fallback.
HELP_INTENTS = ("help", "out_of_scope")
FALLBACK_INTENT = "nlu_fallback"
EXTERNAL_PREFIX = "EXTERNAL_"  # Rasa's trigger_intent messages (late messages) are no request of a person

_TABLES = f"""
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS turns (id BIGINT, who UBIGINT, ts DOUBLE, intent VARCHAR, channel VARCHAR,
  session BIGINT, fallback BOOLEAN, error BOOLEAN);
CREATE TABLE IF NOT EXISTS actions (ts DOUBLE, action VARCHAR, latency DOUBLE);
CREATE TABLE IF NOT EXISTS confirmations (ts DOUBLE, kind VARCHAR, outcome VARCHAR);
CREATE TABLE IF NOT EXISTS senders (who UBIGINT, last_ts DOUBLE, session BIGINT, turn BIGINT,
  last_action VARCHAR, p_set BOOLEAN, p_token VARCHAR, p_at DOUBLE, p_kind VARCHAR);
INSERT OR IGNORE INTO meta VALUES ('version', '{SCHEMA_VERSION}');
"""

_REQUEST = f"(r.kind = {USER} AND NOT starts_with(coalesce(r.intent, ''), '{EXTERNAL_PREFIX}'))"

# One window (one sort) gives each row what came before it from the same person: the moment of the row before, the
# session, the open request and the last action so far - each carried from the previous range when none is here.
_FOLD = f"""
CREATE OR REPLACE TEMP TABLE y AS
SELECT r.*, {_REQUEST} AS request,
  coalesce(lag(r.ts) OVER w, k.last_ts) AS prev_ts,
  coalesce(last_value(CASE WHEN r.kind = {SESSION} THEN r.id END IGNORE NULLS) OVER w, k.session,
           first_value(r.id) OVER w) AS session,
  coalesce(last_value(CASE WHEN {_REQUEST} THEN r.id END IGNORE NULLS) OVER w, k.turn) AS turn,
  coalesce(last_value(r.action IGNORE NULLS) OVER w, k.last_action) AS by_action
FROM chunk_rows r LEFT JOIN senders k ON k.who = r.who
WINDOW w AS (PARTITION BY r.who ORDER BY r.id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW);

INSERT INTO turns SELECT id, who, ts, intent, channel, session, coalesce(intent = '{FALLBACK_INTENT}', false), false
FROM y WHERE request;

UPDATE turns SET
  fallback = turns.fallback OR (f.helped AND coalesce(turns.intent, '') NOT IN {HELP_INTENTS}),
  error = turns.error OR f.failed
FROM (SELECT turn, coalesce(bool_or(action = '{HELP_ACTION}'), false) AS helped,
        coalesce(bool_or(kind = {FAILURE}), false) AS failed
      FROM y WHERE turn IS NOT NULL GROUP BY turn) AS f
WHERE turns.id = f.turn AND (f.helped OR f.failed);

INSERT INTO actions SELECT ts, action, greatest(ts - prev_ts, 0) FROM y
WHERE kind = {ACTION} AND prev_ts IS NOT NULL;

CREATE OR REPLACE TEMP TABLE p AS
SELECT y.ts, y.by_action, coalesce(y.p_set, false) AS p_set, y.p_token, y.p_kind,
  coalesce(CASE WHEN row_number() OVER w = 1 THEN k.p_set ELSE lag(y.p_set) OVER w END, false) AS q_set,
  CASE WHEN row_number() OVER w = 1 THEN k.p_token ELSE lag(y.p_token) OVER w END AS q_token,
  CASE WHEN row_number() OVER w = 1 THEN k.p_at ELSE lag(y.p_at) OVER w END AS q_at,
  CASE WHEN row_number() OVER w = 1 THEN k.p_kind ELSE lag(y.p_kind) OVER w END AS q_kind
FROM y LEFT JOIN senders k ON k.who = y.who WHERE y.kind = {PENDING}
WINDOW w AS (PARTITION BY y.who ORDER BY y.id);

INSERT INTO confirmations
SELECT ts, q_kind, CASE by_action WHEN 'action_confirm' THEN 'accepted' ELSE 'declined' END FROM p
WHERE q_set AND NOT p_set AND by_action IN ('action_confirm', 'action_cancel')
UNION ALL
SELECT ts, q_kind, 'expired' FROM p
WHERE q_set AND p_set AND by_action = 'action_confirm' AND p_token IS DISTINCT FROM q_token AND ts - q_at > $ttl
UNION ALL
SELECT ts, p_kind, 'asked' FROM p
WHERE p_set AND p_token IS NOT NULL AND p_token IS DISTINCT FROM q_token
  AND coalesce(by_action, '') <> 'action_confirm'
UNION ALL
SELECT ts, q_kind, 'superseded' FROM p
WHERE q_set AND p_set AND p_token IS DISTINCT FROM q_token AND coalesce(by_action, '') <> 'action_confirm';

CREATE OR REPLACE TEMP TABLE carry AS
SELECT a.who, a.last_ts, a.session, a.turn, a.last_action,
  CASE WHEN a.q IS NULL THEN k.p_set ELSE a.q.p_set END AS p_set,
  CASE WHEN a.q IS NULL THEN k.p_token ELSE a.q.p_token END AS p_token,
  CASE WHEN a.q IS NULL THEN k.p_at ELSE a.q.p_at END AS p_at,
  CASE WHEN a.q IS NULL THEN k.p_kind ELSE a.q.p_kind END AS p_kind
FROM (SELECT who, max(ts) AS last_ts, arg_max(session, id) AS session, max(turn) AS turn,
        arg_max(by_action, id) AS last_action,
        arg_max({{'p_set': coalesce(p_set, false), 'p_token': p_token, 'p_at': p_at, 'p_kind': p_kind}}, id)
          FILTER (WHERE kind = {PENDING}) AS q
      FROM y GROUP BY who) AS a
LEFT JOIN senders k ON k.who = a.who;

-- Rewritten whole (one row per person, not per event): cheaper in DuckDB than updating rows in place.
CREATE OR REPLACE TABLE senders AS
SELECT s.* FROM senders AS s ANTI JOIN carry AS c ON c.who = s.who
UNION ALL SELECT * FROM carry;
"""


def _frame(rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    """The rows as columns DuckDB scans natively (a column of numbers with NULLs becomes floats with NaN, which
    DuckDB reads back as NULL)."""
    return pd.DataFrame.from_records(rows, columns=COLUMNS, nrows=len(rows))


class FactStore:
    """Facts of one tracker store in DuckDB (``path``: a file kept between runs, or ``":memory:"``). One process
    owns a file at a time (DuckDB's rule): the action server and the dashboard each keep their own."""

    def __init__(self, source: TrackerSource, *, path: str | Path = ":memory:", chunk: int = 125_000,
                 ttl: float, patterns: Sequence[str], memory_limit: str = "512MB", threads: int = 1,
                 readers: int = 1) -> None:
        self.source = source
        self.chunk = chunk
        self.readers = max(1, readers)
        self.ttl = ttl
        self.patterns = tuple(patterns)
        self.db = duckdb.connect(str(path))
        self.db.execute(f"SET memory_limit = '{memory_limit}'")
        self.db.execute(f"SET threads = {int(threads)}")
        self.db.execute(_TABLES)
        self._sql = source.projection(self.patterns)
        self.lock = threading.RLock()  # one refresh or report at a time: a DuckDB connection is not shared
        self._check_origin()

    def _meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return None if row is None else str(row[0])

    def _set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])

    def _check_origin(self) -> None:
        """Facts from another tracker store, failure wording, question lifetime or schema are dropped; so are they
        after a DuckDB upgrade (a person is known by DuckDB's ``hash`` of the sender id)."""
        origin = "|".join((self.source.identity(), failure_wording.fingerprint(self.patterns), str(self.ttl),
                           duckdb.__version__))
        if self._meta("origin") != origin or self._meta("version") != SCHEMA_VERSION:
            self.reset()
            self._set_meta("origin", origin)

    def reset(self) -> None:
        """Forget every fact (the tables made anew, so a file from an older version gets this one's)."""
        self.db.execute("DROP TABLE IF EXISTS turns; DROP TABLE IF EXISTS actions; DROP TABLE IF EXISTS confirmations;"
                        "DROP TABLE IF EXISTS senders; DELETE FROM meta WHERE key = 'version';")
        self.db.execute(_TABLES)
        self._set_meta("cursor", "0")

    @property
    def cursor(self) -> int:
        return int(self._meta("cursor") or 0)

    def refresh(self) -> int:
        """Fold in the events written since the last call; the number of event ids covered. A tracker store that
        was emptied or replaced (its last id below the cursor) is read again from the start."""
        with self.lock:
            connection = self.source.connect()
            try:
                last = self.source.last_id(connection)
            finally:
                connection.close()
            if last < self.cursor:
                self.reset()
            start = self.cursor
            self._fold_ranges(list(self.source.ranges(start, last, self.chunk)))
            return max(0, last - start)

    def _fold_ranges(self, ranges: list[tuple[int, int]]) -> None:
        """Ranges are read by ``readers`` threads (each with its own connection; the database's own work - JSON,
        LIKE - runs without the GIL) and folded in id order here; at most ``readers`` ranges wait to be folded. One
        reader is the default: measured on a two-vCPU VM, a second one made a cold read slower, not faster."""
        local = threading.local()
        opened: list[Any] = []
        guard = threading.Lock()

        def read(low: int, high: int) -> tuple[int, list[tuple[Any, ...]]]:
            connection = getattr(local, "connection", None)
            if connection is None:
                connection = local.connection = self.source.connect()
                with guard:
                    opened.append(connection)
            return high, self.source.read(connection, self._sql, low, high)

        todo = iter(ranges)
        waiting: deque[Future[tuple[int, list[tuple[Any, ...]]]]] = deque()
        pool = ThreadPoolExecutor(max_workers=self.readers, thread_name_prefix="analytics-reader")
        try:
            for low, high in itertools.islice(todo, self.readers):
                waiting.append(pool.submit(read, low, high))
            while waiting:
                high, rows = waiting.popleft().result()
                following = next(todo, None)
                if following is not None:
                    waiting.append(pool.submit(read, *following))
                # Made into columns here, not in the reader: the two threads then do about as much work each.
                frame = _frame(rows)
                del rows
                self._fold(frame, high)
                del frame
        finally:
            for future in waiting:
                future.cancel()
            pool.shutdown(wait=True)
            for connection in opened:
                connection.close()

    def _fold(self, frame: pd.DataFrame, high: int) -> None:
        db = self.db
        db.execute("BEGIN TRANSACTION")
        try:
            db.register("chunk_frame", frame)
            db.execute("""
                CREATE OR REPLACE TEMP TABLE chunk_rows AS SELECT CAST(id AS BIGINT) AS id,
                  hash(CAST(sender AS VARCHAR)) AS who, CAST(kind AS INTEGER) AS kind, CAST(ts AS DOUBLE) AS ts,
                  CAST(intent AS VARCHAR) AS intent, CAST(action AS VARCHAR) AS action,
                  CAST(channel AS VARCHAR) AS channel, CAST(p_set AS BOOLEAN) AS p_set,
                  CAST(p_token AS VARCHAR) AS p_token, CAST(p_at AS DOUBLE) AS p_at, CAST(p_kind AS VARCHAR) AS p_kind
                FROM chunk_frame""")
            db.unregister("chunk_frame")
            db.execute(_FOLD.replace("$ttl", repr(float(self.ttl))))
            self._set_meta("cursor", str(high))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[tuple[Any, ...]]:
        with self.lock:
            return self.db.execute(sql, params).fetchall()

    def close(self) -> None:
        self.db.close()
