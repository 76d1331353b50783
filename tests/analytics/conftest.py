"""Tracker stores written by Rasa's own SQLTrackerStore: SQLite in a temporary folder, and PostgreSQL at
127.0.0.1:5432 (database ``test``) in a schema of its own, dropped afterwards."""
from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from types import ModuleType

import pytest

from tests.analytics import conversations

Writer = Callable[[str, list[conversations.Event]], Awaitable[None]]


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'tracker.db'}"


@pytest.fixture
async def sqlite_store(sqlite_url: str) -> AsyncIterator[conversations.SQLTrackerStore]:
    store = conversations.tracker_store(dialect="sqlite", db=sqlite_url.removeprefix("sqlite:///"))
    yield store
    store.engine.dispose()


@pytest.fixture
def write(sqlite_store: conversations.SQLTrackerStore) -> Writer:
    """Saves events of one sender (by name in ``conversations.SENDERS``) as Rasa does after a message."""

    async def write(name: str, events: list[conversations.Event]) -> None:
        await conversations.save(sqlite_store, conversations.SENDERS[name], events)

    return write


@pytest.fixture
def build() -> ModuleType:
    """The event builders and moments of ``conversations``, for tests that write their own events."""
    return conversations


@pytest.fixture
async def written_sqlite(sqlite_store: conversations.SQLTrackerStore, sqlite_url: str) -> str:
    await conversations.write_all(sqlite_store)
    return sqlite_url


POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


@pytest.fixture
async def written_postgres(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple[str, str]]:
    """The conversations in a fresh schema (Rasa's POSTGRESQL_SCHEMA), dropped afterwards."""
    import psycopg2

    schema = f"analytics_{secrets.token_hex(4)}"
    admin = psycopg2.connect(host="127.0.0.1", port=5432, dbname="test", user="postgres")
    admin.autocommit = True
    admin.cursor().execute(f'CREATE SCHEMA "{schema}"')
    monkeypatch.setenv("POSTGRESQL_SCHEMA", schema)
    store = conversations.tracker_store(dialect="postgresql", host="127.0.0.1", port=5432, db="test",
                                        username="postgres")
    try:
        await conversations.write_all(store)
        yield POSTGRES, schema
    finally:
        store.engine.dispose()
        admin.cursor().execute(f'DROP SCHEMA "{schema}" CASCADE')
        admin.close()
