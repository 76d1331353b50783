"""grafana/cloudbutler.json: an importable dashboard whose PromQL names only series the dashboard process exposes
(with labels those series carry) and whose SQL runs on a PostgreSQL tracker store written by Rasa itself."""
from __future__ import annotations

import asyncio
import json
import re
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from actions.dashboard.metrics import FAMILIES
from launcher.config import ROOT
from tests.analytics import conversations
from tests.dashboard.conftest import TOKEN, Dashboard
from tests.dashboard.exposition import parse

DOCUMENT = ROOT / "grafana" / "cloudbutler.json"
METRIC = re.compile(r"\bcloudbutler_[a-z_]+")
GROUPING = re.compile(r"\bby \(([^)]*)\)")
MATCHER = re.compile(r"([a-z_]+)\s*=~?\s*\"")


def panels() -> list[dict[str, Any]]:
    return [p for p in json.loads(DOCUMENT.read_text())["panels"] if p["type"] != "row"]


def test_the_dashboard_is_importable() -> None:
    document = json.loads(DOCUMENT.read_text())
    inputs = {f"${{{item['name']}}}" for item in document["__inputs"]}
    assert inputs == {"${DS_PROMETHEUS}", "${DS_POSTGRES}"}
    ids = [p["id"] for p in document["panels"]]
    assert len(ids) == len(set(ids))
    for panel in panels():
        assert panel["datasource"]["uid"] in inputs, panel["title"]
        assert panel["targets"], panel["title"]
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24, panel["title"]


def family(name: str) -> str:
    return re.sub(r"_(bucket|sum|count)$", "", name) if name not in FAMILIES else name


def test_promql_names_only_exposed_series_and_labels(dashboard: Dashboard) -> None:
    text = requests.get(f"{dashboard.url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60).text
    types, samples = parse(text)
    assert set(types) == set(FAMILIES), "every declared family is exposed (some with no series yet)"
    for name, rows in samples.items():
        assert {key for row, _ in rows for key in row} <= set(FAMILIES[family(name)]), name
    exprs = [t["expr"] for p in panels() for t in p["targets"] if "expr" in t]
    assert len(exprs) >= 15
    for expr in exprs:
        names = METRIC.findall(expr)
        assert names, expr
        for name in names:
            assert family(name) in FAMILIES, f"{name} is not exposed"
        known = set().union(*(set(FAMILIES[family(name)]) for name in names))
        used = {label.strip() for group in GROUPING.findall(expr) for label in group.split(",")}
        used |= set(MATCHER.findall(expr))
        assert used <= known, f"{expr}: {used - known}"


@pytest.fixture
def postgres_events() -> Iterator[Any]:
    """Rasa's own SQLTrackerStore writes the analytics' conversations into a fresh schema; a cursor there."""
    psycopg2 = pytest.importorskip("psycopg2")
    schema = f"grafana_{secrets.token_hex(4)}"
    admin = psycopg2.connect(host="127.0.0.1", port=5432, dbname="test", user="postgres")
    admin.autocommit = True
    admin.cursor().execute(f'CREATE SCHEMA "{schema}"')
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("POSTGRESQL_SCHEMA", schema)

        async def write() -> None:
            store = conversations.tracker_store(dialect="postgresql", host="127.0.0.1", port=5432, db="test",
                                                username="postgres")
            await conversations.write_all(store)
            store.engine.dispose()

        asyncio.run(write())
    cursor = admin.cursor()
    cursor.execute(f'SET search_path TO "{schema}"')
    try:
        yield cursor
    finally:
        admin.cursor().execute(f'DROP SCHEMA "{schema}" CASCADE')
        admin.close()


def grafana_macros(sql: str) -> str:
    """What Grafana puts for ``$__unixEpochFilter(col)``: the dashboard's time range (here, the conversations')."""
    start, end = conversations.DAY0.timestamp(), (conversations.DAY1.timestamp() + 86400)
    return re.sub(r"\$__unixEpochFilter\((\w+)\)", rf"\1 >= {start} AND \1 <= {end}", sql)


def test_sql_runs_on_a_postgres_tracker_store(postgres_events: Any) -> None:
    queries = {p["title"]: t["rawSql"] for p in panels() for t in p["targets"] if "rawSql" in t}
    assert len(queries) == 4
    results = {}
    for title, sql in queries.items():
        postgres_events.execute(grafana_macros(sql))
        results[title] = postgres_events.fetchall()
    assert len(results["Messages per day"]) == 2  # two days of conversations
    intents = dict(results["Top intents"])
    assert intents and all(not name.startswith("EXTERNAL_") for name in intents)
    actions = dict(results["Busiest actions"])
    assert "action_listen" not in actions and actions
