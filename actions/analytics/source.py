"""Reading Rasa's SQL tracker store (``SQLTrackerStore``: table ``events`` - id, sender_id, type_name, timestamp,
intent_name, action_name, data) in id-ordered ranges, SQLite or PostgreSQL.

Only what the figures need leaves the database: user messages (intent, ``input_channel``), session starts, actions
(but ``SKIPPED_ACTIONS``), ``pending`` slot events (the question's token, time and kind) and failure replies.
The JSON in ``data`` is read by the database itself (SQLite's JSON functions, PostgreSQL's ``#>>``) and failure
replies are picked by ``LIKE`` patterns there too, so a million events cost a third as many small rows in Python.
Note what the columns hold: ``intent_name`` is the parsed intent of a user message, and ``action_name`` is the
event's ``name`` - the action of an ``action`` event, but the slot's name of a ``slot`` event.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from actions.analytics.failures import LIKE_ESCAPE

# Kinds of the rows read (small ints travel cheaply); every other event type stays in the database.
USER, ACTION, FAILURE, PENDING, SESSION = 1, 2, 3, 4, 5
# Not read: action_listen only waits for the next message; action_session_start runs when a message arrives after
# a session expired, so the event before it is the end of the last session (no one waited that long for it).
SKIPPED_ACTIONS = ("action_listen", "action_session_start")
COLUMNS = ("id", "sender", "kind", "ts", "intent", "action", "channel", "p_set", "p_token", "p_at", "p_kind")


@dataclass(frozen=True)
class _Dialect:
    json: str  # a JSON path expression's template: {path} is a dotted path
    param: str
    json_set: str  # true when the slot's value is not null
    contains: str  # true when {word} is in the raw JSON


_SQLITE = _Dialect(json="json_extract(data, '$.{path}')", param="?", json_set="json_type(data, '$.value') <> 'null'",
                   contains="instr(data, '{word}') > 0")
_POSTGRES = _Dialect(json="(data::json #>> '{{{path}}}')", param="%s",
                     json_set="json_typeof(data::json -> 'value') <> 'null'", contains="strpos(data, '{word}') > 0")


def _path(dialect: _Dialect, dotted: str) -> str:
    return dialect.json.format(path=dotted if dialect is _SQLITE else dotted.replace(".", ","))


def _projection(dialect: _Dialect, table: str, failure_patterns: Sequence[str]) -> str:
    """The SELECT of one id range: ``COLUMNS`` of the rows the figures need, in id order."""
    j = lambda dotted: _path(dialect, dotted)  # noqa: E731 - a short local spelling of one template
    text = j("text")
    escape = LIKE_ESCAPE.replace("'", "''")
    likes = " OR ".join(f"{text} LIKE '{p.replace(chr(39), chr(39) * 2)}' ESCAPE '{escape}'" for p in failure_patterns)
    # Most replies are no failure: their first three characters rule every pattern out at once (measured: cheaper
    # than the LIKEs alone, and than searching the raw JSON for each pattern's opening words).
    starts = sorted({p[:3] for p in failure_patterns})
    if likes and all("%" not in start and LIKE_ESCAPE not in start and len(start) == 3 for start in starts):
        listed = ", ".join("'" + start.replace("'", "''") + "'" for start in starts)
        likes = f"(substr({text}, 1, 3) IN ({listed}) AND ({likes}))"
    # The failure code in the metadata: a substring search first, the JSON only where the word is.
    failure = f"({dialect.contains.format(word='failure')} AND {j('metadata.failure')} IS NOT NULL)"
    failure += f" OR {likes}" if likes else ""
    pending = "type_name = 'slot' AND action_name = 'pending'"
    if dialect is _POSTGRES:  # psycopg2 reads % as the start of a parameter
        failure = failure.replace("%", "%%")
    p = dialect.param
    return f"""
SELECT id, sender_id AS sender,
  CASE type_name WHEN 'user' THEN {USER} WHEN 'action' THEN {ACTION} WHEN 'bot' THEN {FAILURE}
    WHEN 'slot' THEN {PENDING} ELSE {SESSION} END AS kind,
  timestamp AS ts,
  CASE WHEN type_name = 'user' THEN intent_name END AS intent,
  CASE WHEN type_name = 'action' THEN action_name END AS action,
  CASE WHEN type_name = 'user' THEN {j('input_channel')} END AS channel,
  CASE WHEN type_name = 'slot' THEN {dialect.json_set} END AS p_set,
  CASE WHEN type_name = 'slot' THEN {j('value.question.token')} END AS p_token,
  CASE WHEN type_name = 'slot' THEN {j('value.question.asked_at')} END AS p_at,
  CASE WHEN type_name = 'slot' THEN {j('value.kind')} END AS p_kind
FROM {table}
WHERE id > {p} AND id <= {p} AND (
  type_name IN ('user', 'session_started')
  OR (type_name = 'action' AND action_name NOT IN {SKIPPED_ACTIONS})
  OR ({pending})
  OR (type_name = 'bot' AND ({failure})))
ORDER BY id"""


class TrackerSource:
    """One tracker store's events table, read in id ranges. ``url``: ``sqlite:///var/tracker.db`` (a path
    relative to the working directory, as Rasa reads endpoints.yml) or ``postgresql://user@host:port/db``;
    ``schema`` as Rasa's ``POSTGRESQL_SCHEMA``."""

    def __init__(self, url: str, *, schema: str | None = None) -> None:
        self.url = url
        self.schema = schema
        if url.startswith("sqlite"):
            self.dialect = _SQLITE
        elif url.startswith(("postgresql", "postgres")):
            self.dialect = _POSTGRES
        else:
            raise ValueError(f"unsupported tracker store URL {url.split(':', 1)[0]!r} (sqlite or postgresql)")

    @property
    def table(self) -> str:
        return '"' + self.schema.replace('"', '""') + '".events' if self.schema else "events"

    def projection(self, failure_patterns: Sequence[str]) -> str:
        return _projection(self.dialect, self.table, failure_patterns)

    def identity(self) -> str:
        """What the kept figures were computed from (without a password)."""
        from sqlalchemy.engine import make_url

        url = make_url(self.url)
        return f"{url.drivername}://{url.host or ''}:{url.port or ''}/{url.database or ''}#{self.schema or ''}"

    def connect(self) -> Any:
        """A new DB-API connection (one per thread: a reader thread has its own)."""
        from sqlalchemy.engine import make_url

        url = make_url(self.url)
        if self.dialect is _SQLITE:
            path = Path(url.database or "")
            if not path.exists():
                raise FileNotFoundError(f"no tracker store at {path}")
            # Read-only: a range read holds SQLite's shared lock for a fraction of a second; Rasa's writes wait.
            return sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True, check_same_thread=False)
        import psycopg2

        return psycopg2.connect(host=url.host or "127.0.0.1", port=url.port or 5432, dbname=url.database,
                                user=url.username, password=url.password)

    def last_id(self, connection: Any) -> int:
        cursor = connection.cursor()
        try:
            cursor.execute(f"SELECT max(id) FROM {self.table}")
            row = cursor.fetchone()
        finally:
            cursor.close()
        if self.dialect is _POSTGRES:
            connection.rollback()  # no transaction left open between calls
        return int(row[0] or 0)

    def ranges(self, after: int, last: int, size: int) -> Iterator[tuple[int, int]]:
        for low in range(after, last, size):
            yield low, min(low + size, last)

    def read(self, connection: Any, sql: str, low: int, high: int) -> list[tuple[Any, ...]]:
        """The rows of ids in ``(low, high]``."""
        cursor = connection.cursor()
        try:
            cursor.execute(sql, (low, high))
            rows: list[tuple[Any, ...]] = cursor.fetchall()
        finally:
            cursor.close()
        if self.dialect is _POSTGRES:
            connection.rollback()
        return rows
