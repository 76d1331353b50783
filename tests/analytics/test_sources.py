"""Where the tracker store is (endpoints.yml, as Rasa reads it) and what happens when it is replaced or unknown."""
from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from actions.analytics import UsageAnalytics, tracker_url

DAY0 = dt.datetime(2026, 11, 30, tzinfo=dt.UTC)
TWO_DAYS = (DAY0, DAY0 + dt.timedelta(days=2))


def test_the_sqlite_store_of_endpoints_yml(tmp_path: Path) -> None:
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("tracker_store:\n  type: SQL\n  dialect: \"sqlite\"\n  db: \"var/tracker.db\"\n")
    assert tracker_url(endpoints) == ("sqlite:///var/tracker.db", None)


def test_a_postgres_store_with_values_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_PASSWORD", "s3cr3t")
    monkeypatch.setenv("POSTGRESQL_SCHEMA", "rasa")
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("tracker_store:\n  type: SQL\n  dialect: \"postgresql\"\n  url: \"db.internal\"\n"
                         "  port: 5433\n  db: \"rasa\"\n  username: \"rasa\"\n  password: ${TRACKER_PASSWORD}\n")
    assert tracker_url(endpoints) == ("postgresql://rasa:s3cr3t@db.internal:5433/rasa", "rasa")


def test_no_sql_store_is_said_plainly(tmp_path: Path) -> None:
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("action_endpoint:\n  url: \"http://127.0.0.1:5055/webhook\"\n")
    with pytest.raises(ValueError, match="names no SQL tracker store"):
        tracker_url(endpoints)


def test_an_unknown_database_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported tracker store URL 'mysql'"):
        UsageAnalytics("mysql://rasa@127.0.0.1/rasa")


def test_a_missing_file_is_not_created(tmp_path: Path) -> None:
    analytics = UsageAnalytics(f"sqlite:///{tmp_path / 'none.db'}")
    try:
        with pytest.raises(FileNotFoundError):
            analytics.refresh()
    finally:
        analytics.close()
    assert not (tmp_path / "none.db").exists()


async def test_a_replaced_tracker_store_is_read_again(written_sqlite: str, tmp_path: Path,
                                                      write: Callable[[str, list[Any]], Awaitable[None]],
                                                      build: ModuleType) -> None:
    cache = tmp_path / "facts.duckdb"
    analytics = UsageAnalytics(written_sqlite, cache=cache)
    try:
        assert analytics.report(*TWO_DAYS).requests == 13
        # the store emptied and begun again (ids from 1): the kept facts would count what is gone
        path = written_sqlite.removeprefix("sqlite:///")
        database = sqlite3.connect(path)
        database.execute("DELETE FROM events")
        database.commit()
        database.close()
        await write("bob", build.bob())
        report = analytics.report(*TWO_DAYS)
        assert (report.requests, report.people, report.fallbacks) == (3, 1, 1)
        assert analytics.cursor == len(build.bob())
    finally:
        analytics.close()


async def test_facts_kept_for_another_store_are_dropped(written_sqlite: str, tmp_path: Path,
                                                        build: ModuleType) -> None:
    cache = tmp_path / "facts.duckdb"
    first = UsageAnalytics(written_sqlite, cache=cache)
    try:
        assert first.report(*TWO_DAYS).requests == 13
    finally:
        first.close()
    other = tmp_path / "other.db"
    store = build.tracker_store(dialect="sqlite", db=str(other))
    await build.save(store, build.SENDERS["bob"], build.bob())
    store.engine.dispose()
    second = UsageAnalytics(f"sqlite:///{other}", cache=cache)
    try:
        assert second.cursor == 0
        report = second.report(*TWO_DAYS)
        assert (report.requests, report.people, report.conversations) == (3, 1, 1)
    finally:
        second.close()
