"""One sandbox (``python -m sandbox``, seeded demo data) and one dashboard process (``python -m actions.dashboard``)
for the dashboard tests, plus a tracker store written by Rasa's own SQLTrackerStore (the analytics' conversations);
``start_dashboard`` starts more with other settings. Everything on loopback, ports from ``free_port``."""
from __future__ import annotations

import asyncio
import datetime as dt
import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from actions.aws.clients import AwsSettings, ClientFactory
from actions.aws.inventory.store import InventoryStore
from launcher.config import ROOT
from launcher.stack import free_port
from sandbox.demo_data import INVENTORY_BUCKET
from tests.analytics import conversations

TOKEN = "dash-" + "k" * 27
ALLOWED = "https://intranet.example.com"
READY = re.compile(r"DASHBOARD READY (http://\S+)")
START_SECONDS = 180  # the first refresh forecasts every demo instance before READY


@dataclass
class Dashboard:
    url: str
    port: int
    process: subprocess.Popen[str]
    output: list[str]
    audit_log: Path  # the CLOUDBUTLER_AUDIT_LOG it reads (for /metrics' error counts)


StartDashboard = Callable[..., Dashboard]


def _read_until(process: subprocess.Popen[str], pattern: re.Pattern[str], deadline: float,
                lines: list[str]) -> re.Match[str] | None:
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            return None  # the process ended
        lines.append(line)
        match = pattern.search(line)
        if match:
            return match
    return None


def _drain(process: subprocess.Popen[str], lines: list[str]) -> None:
    """Keep reading a child's output, so a chatty log never blocks it on a full pipe."""
    lines.extend(process.stdout or [])


@pytest.fixture(scope="session")
def sandbox_env() -> Iterator[dict[str, str]]:
    process = subprocess.Popen([sys.executable, "-m", "sandbox", "--aws-port", "0", "--imds-port", "0"], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    try:
        match = _read_until(process, re.compile(r"SANDBOX READY aws=(\S+) imds=(\S+)"), time.monotonic() + 180, lines)
        assert match, "the sandbox did not start:\n" + "".join(lines[-30:])
        yield {"AWS_ENDPOINT_URL": match.group(1), "AWS_EC2_METADATA_SERVICE_ENDPOINT": match.group(2),
               "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "testing",
               "AWS_SECRET_ACCESS_KEY": "testing"}
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="session")
def tracker_process(sandbox_env: dict[str, str]) -> Iterator[None]:
    """``python -m actions.tracker``, as ``make run`` starts it: it loads the sandbox's store files, so the stock
    alerts have rows. Ready when the inventory table lists something out of stock."""
    env = {**os.environ, **sandbox_env, "CLOUDBUTLER_INVENTORY_BUCKETS": INVENTORY_BUCKET}
    process = subprocess.Popen([sys.executable, "-m", "actions.tracker"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    try:
        assert _read_until(process, re.compile(r"TRACKER READY"), time.monotonic() + 120, lines), "".join(lines)
        threading.Thread(target=_drain, args=(process, lines), daemon=True).start()
        factory = ClientFactory(AwsSettings(region="us-east-1", endpoint_url=sandbox_env["AWS_ENDPOINT_URL"]))
        store = InventoryStore(factory.client("dynamodb"), prefix="cloudbutler-")
        deadline = time.monotonic() + 120
        while True:
            try:
                if next(iter(store.out_of_stock()), None) is not None:
                    break
            except ClientError:
                pass  # the table is made when the first file is loaded
            assert time.monotonic() < deadline, "the tracker loaded no store file:\n" + "".join(lines[-30:])
            time.sleep(0.2)
        yield
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="session")
def tracker_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("tracker") / "tracker.db"

    async def write() -> None:
        store = conversations.tracker_store(dialect="sqlite", db=str(path))
        await conversations.write_all(store)
        store.engine.dispose()

    asyncio.run(write())
    # Moved (whole days, so each event keeps its time of day) to the two days before today: "the last 7 days" of
    # the assistant's usage holds them whenever the tests run. The figures read the timestamp column only.
    today = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    shift = (today - dt.timedelta(days=2) - conversations.DAY0).total_seconds()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE events SET timestamp = timestamp + ?", (shift,))
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def start_dashboard(sandbox_env: dict[str, str], tracker_db: str, tracker_process: None,
                    tmp_path_factory: pytest.TempPathFactory) -> Iterator[StartDashboard]:
    started: list[subprocess.Popen[str]] = []

    def start(*, expect_ready: bool = True, **overrides: str | None) -> Dashboard:
        port = free_port()
        audit_log = tmp_path_factory.mktemp("audit") / "audit.jsonl"
        env = {**os.environ, **sandbox_env, "CLOUDBUTLER_DASHBOARD_TOKEN": TOKEN,
               "CLOUDBUTLER_DASHBOARD_PORT": str(port), "CLOUDBUTLER_TRACKER_STORE_URL": tracker_db,
               "CLOUDBUTLER_ALLOWED_ORIGINS": ALLOWED, "CLOUDBUTLER_DASHBOARD_REFRESH": "3600",
               "CLOUDBUTLER_AUDIT_LOG": str(audit_log)}
        for name, value in overrides.items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value.replace("{port}", str(port))  # a value may name the port chosen here
        process = subprocess.Popen([sys.executable, "-m", "actions.dashboard"], cwd=ROOT, env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        started.append(process)
        lines: list[str] = []
        match = _read_until(process, READY, time.monotonic() + START_SECONDS, lines) if expect_ready else None
        if expect_ready and not match:
            raise AssertionError("the dashboard did not start:\n" + "".join(lines[-40:]))
        if expect_ready:
            threading.Thread(target=_drain, args=(process, lines), daemon=True).start()
        return Dashboard(url=match.group(1) if match else "", port=port, process=process, output=lines,
                         audit_log=audit_log)

    yield start
    for process in started:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)


@pytest.fixture(scope="session")
def dashboard(start_dashboard: StartDashboard) -> Dashboard:
    return start_dashboard()
