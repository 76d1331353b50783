"""The dashboard page in headless Chromium (Debian's package, nothing downloaded) against the real dashboard process
over the sandbox: the seeded demo account, its size tracker (which loads the demo store files, so some items are
out of stock), two alarms created through the alarm service as the chat skill creates them, and a week of
conversations written by Rasa's own SQLTrackerStore. Screenshots land in var/screenshots/dashboard-<width>.png.

How fast it loads is measured in bench/dashboard_bench.py, not here."""
from __future__ import annotations

import asyncio
import contextlib
import os
import random
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
import requests
from playwright.async_api import Page, async_playwright

from actions.aws.alarms import AlarmSpec, create_alarm
from actions.aws.inventory.store import InventoryStore
from actions.aws.size_tables import DEFAULT_PREFIX
from actions.core.formatting import format_bytes, format_money
from launcher.config import ROOT
from launcher.stack import Stack, free_port
from tests.analytics import conversations as talk
from tests.connectors.webchat.browser import chromium_missing, launch_chromium

pytestmark = [pytest.mark.browser]

SCREENSHOTS = ROOT / "var" / "screenshots"
TOKEN = "dash-ui-" + "t" * 32
READY = re.compile(r"DASHBOARD READY (http://\S+)")
PANELS = ("panel-storage", "panel-history", "panel-cost", "panel-alerts", "panel-forecast", "panel-assistant")
CHARTS = {"panel-storage": 1, "panel-history": 1, "panel-cost": 1, "panel-assistant": 4}
START_SECONDS = 240  # the sandbox seeds, then the dashboard's first refresh forecasts every demo instance


@dataclass
class Running:
    url: str


@pytest.fixture(autouse=True)
def _need_chromium() -> None:
    reason = chromium_missing()
    if reason:
        pytest.fail(reason)  # make test installs it; a missing browser is a setup bug, not a skip


def _week_of_conversations(now: float) -> list[tuple[str, list[talk.Event]]]:
    """Six days of people asking on Slack, Discord and the web chat: answers, a fallback, a yes and a no."""
    asks = [("list my buckets", "list_buckets", "action_list_buckets", 0.4),
            ("how big is media-library-prod", "bucket_usage", "action_bucket_usage", 0.7),
            ("tell me about my server", "server_status", "action_server_status", 0.3),
            ("storage trend of acme-invoices", "storage_trend", "action_storage_trend", 1.2)]
    sessions = []
    for day in range(6):
        start = now - (day + 1) * 86400 + 3600
        for person, channel in enumerate(("slack", "discord", "webchat")):
            if (day + person) % 4 == 3:
                continue
            t = start + person * 600
            events: list[talk.Event] = [talk.action(t, "action_session_start"), talk.SessionStarted(timestamp=t),
                                        talk.listen(t)]
            for turn in range(1 + (day + person) % 3):
                text, intent, action, took = asks[(day + turn + person) % len(asks)]
                t += 30
                events += [talk.user(t, text, intent, channel), talk.action(t + took, action),
                           talk.bot(t + took - 0.05, "Here you are."), talk.listen(t + took + 0.01)]
            if day % 3 == 1 and person == 1:
                t += 30
                events += [talk.user(t, "blah", "nlu_fallback", channel), talk.action(t + 0.1, "action_help"),
                           talk.bot(t + 0.05, "Sorry, I didn't quite get that."), talk.listen(t + 0.2)]
            if person == 0 and day % 2 == 0:
                token = f"tok-{day}"
                t += 30
                events += [talk.user(t, "create bucket team-notes", "create_bucket", channel),
                           talk.action(t + 0.5, "action_create_bucket"),
                           talk.question(t + 0.4, "create_bucket", token, t + 0.3), talk.listen(t + 0.6)]
                t += 20
                yes = day != 2
                events += [talk.user(t, "yes" if yes else "no", "affirm" if yes else "deny", channel),
                           talk.action(t + 0.6, "action_confirm" if yes else "action_cancel"),
                           talk.cleared(t + 0.5), talk.bot(t + 0.55, "Done." if yes else "Okay, I cancelled that."),
                           talk.listen(t + 0.7)]
            sessions.append((f"{channel}:T1:U{person}", events))
    sessions.sort(key=lambda item: item[1][0].timestamp)
    return sessions


@pytest.fixture(scope="module")
def tracker_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("tracker") / "tracker.db"

    async def write() -> None:
        store = talk.tracker_store(dialect="sqlite", db=str(path))
        for sender, events in _week_of_conversations(time.time()):
            await talk.save(store, sender, events)
        store.engine.dispose()

    asyncio.run(write())
    return f"sqlite:///{path}"


def _wait(what: str, check: Any, deadline: float) -> Any:
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within the deadline")
        time.sleep(0.2)


def _alarms(aws_env: dict[str, str]) -> None:
    """Two alarms on web-1, as "alert me when web-1 cpu goes over ..." creates them; one told it is in ALARM."""
    kwargs = {"endpoint_url": aws_env["AWS_ENDPOINT_URL"], "region_name": aws_env["AWS_REGION"],
              "aws_access_key_id": "sandbox", "aws_secret_access_key": "sandbox"}
    ec2, cloudwatch, sns = (boto3.client(name, **kwargs) for name in ("ec2", "cloudwatch", "sns"))
    reservations = ec2.describe_instances(Filters=[{"Name": "tag:Name", "Values": ["web-1"]}])["Reservations"]
    instance_id = reservations[0]["Instances"][0]["InstanceId"]
    high = create_alarm(cloudwatch, sns, AlarmSpec(instance_id, "web-1", "cpu", "above", 5.0, period=300, periods=2))
    create_alarm(cloudwatch, sns, AlarmSpec(instance_id, "web-1", "cpu", "above", 99.0))
    cloudwatch.set_alarm_state(AlarmName=high.name, StateValue="ALARM", StateReason="dashboard browser test")


@pytest.fixture(scope="module")
def aws_side(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The sandbox and its size tracker, once the tracker has loaded the demo store files; two alarms on web-1."""
    work = tmp_path_factory.mktemp("dashboard")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DISCORD_", "SLACK_"))}
    env.update(CLOUDBUTLER_AUDIT_LOG=str(work / "audit.jsonl"))
    deadline = time.monotonic() + START_SECONDS
    stack = Stack(env=env, rasa_port=free_port(), actions_port=free_port(), aws_port=0, imds_port=0,
                  tracker_db=None).start(chat=False)  # the AWS side only: sandbox and size tracker
    try:
        aws_env = {k: v for k, v in stack.tracker_env().items() if k.startswith("AWS_")}
        _alarms(aws_env)
        dynamodb = boto3.client("dynamodb", endpoint_url=aws_env["AWS_ENDPOINT_URL"], region_name=aws_env["AWS_REGION"],
                                aws_access_key_id="sandbox", aws_secret_access_key="sandbox")
        inventory = InventoryStore(dynamodb, prefix=env.get("CLOUDBUTLER_TABLE_PREFIX") or DEFAULT_PREFIX)

        def out_of_stock() -> bool:
            try:
                return any(True for _ in inventory.out_of_stock())
            except Exception:  # noqa: BLE001 - the table appears when the tracker loads the first file
                return False

        _wait("the tracker loads the demo store files", out_of_stock, deadline)
        yield stack
    finally:
        stack.stop()


@contextlib.contextmanager
def dashboard_process(stack: Stack, tracker_url: str) -> Iterator[Running]:
    """``python -m actions.dashboard`` over the stack's AWS side, once it printed READY and every part is built."""
    process = subprocess.Popen(
        [sys.executable, "-m", "actions.dashboard"], cwd=ROOT, text=True, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**stack.tracker_env(), "CLOUDBUTLER_DASHBOARD_TOKEN": TOKEN, "CLOUDBUTLER_DASHBOARD_PORT": str(free_port()),
             "CLOUDBUTLER_TRACKER_STORE_URL": tracker_url, "CLOUDBUTLER_DASHBOARD_REFRESH": "3600"})
    lines: list[str] = []
    found: list[str] = []

    def read() -> None:  # also keeps draining its output, so a chatty log never blocks it on a full pipe
        for line in process.stdout or []:
            lines.append(line)
            match = READY.search(line)
            if match and not found:
                found.append(match.group(1))

    threading.Thread(target=read, daemon=True).start()
    try:
        try:
            _wait("the dashboard prints READY", lambda: found or process.poll() is not None,
                  time.monotonic() + START_SECONDS)
        except AssertionError as exc:
            raise AssertionError(f"{exc}:\n" + "".join(lines[-40:])) from None
        assert found, "the dashboard ended:\n" + "".join(lines[-40:])
        running = Running(url=found[0].rstrip("/"))
        # READY may come before the slow parts (cost analysis, right-sizing): they answer 503 not_ready until built.
        _wait("every part of the dashboard is built", lambda: _settled(running), time.monotonic() + START_SECONDS)
        yield running
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def running(aws_side: Stack, tracker_url: str) -> Iterator[Running]:
    with dashboard_process(aws_side, tracker_url) as dashboard:
        yield dashboard

ROUTES = ("buckets", "trends?days=30", "cost", "forecasts", "recommendations", "alerts", "assistant?days=7")


def _settled(running: Running) -> bool:
    """No route the page calls says "not_ready" any more (one whose source failed may say "unavailable")."""
    for route in ROUTES:
        response = requests.get(f"{running.url}/api/v1/{route}", headers={"Authorization": f"Bearer {TOKEN}"},
                                timeout=10)
        if response.status_code == 503 and response.json().get("error") == "not_ready":
            return False
    return True


def api(running: Running, path: str) -> Any:
    response = requests.get(f"{running.url}/api/v1/{path}", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    assert response.status_code == 200, (path, response.status_code, response.text[:300])
    return response.json()


async def log_in(page: Page, running: Running) -> None:
    await page.goto(f"{running.url}/dashboard")
    assert page.url.endswith("/login")  # no session yet: the server sends the browser to its form
    await page.fill("input[name=token]", TOKEN)
    async with page.expect_navigation():
        await page.press("input[name=token]", "Enter")
    assert page.url.endswith("/dashboard")
    await wait_loaded(page)


async def wait_loaded(page: Page, timeout_ms: float = 15_000) -> None:
    await page.wait_for_function("() => document.body.dataset.state === 'ready'", timeout=timeout_ms)


def _watch(page: Page) -> list[str]:
    """Console errors (a refused script or style is one), uncaught exceptions and failed requests of the page."""
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"{m.text} ({m.location.get('url')})") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    return problems


@pytest.mark.parametrize("width", [390, 1280])
async def test_every_panel_shows_the_sandbox_figures(running: Running, width: int) -> None:
    storage, cost = api(running, "buckets"), api(running, "cost")
    alerts, capacity = api(running, "alerts"), api(running, "recommendations")
    usage = api(running, "assistant?days=7")
    assert alerts["alarms"] and alerts["out_of_stock"] and capacity["instances"] and usage["requests"]

    async with async_playwright() as playwright:
        browser = await launch_chromium(playwright)
        try:
            page = await browser.new_page(viewport={"width": width, "height": 900})
            problems = _watch(page)
            await log_in(page, running)

            states = await page.evaluate(
                "() => Object.fromEntries(Array.from(document.querySelectorAll('.panel'))"
                ".map(p => [p.id, p.dataset.state]))")
            assert states == {panel: "ready" for panel in PANELS}

            # Every chart was drawn: its canvas has a size and pixels that are not all transparent.
            for panel, count in CHARTS.items():
                drawn = await page.evaluate(
                    """id => Array.from(document.querySelectorAll(`#${id} canvas`)).map(c => {
                        if (!c.width || !c.height) return 0;
                        const pixels = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                        let painted = 0;
                        for (let i = 3; i < pixels.length; i += 4) if (pixels[i]) painted += 1;
                        return painted;
                    })""", panel)
                assert len(drawn) == count and all(n > 500 for n in drawn), (panel, drawn)

            # The figures are the API's: every bucket, the monthly cost, every alarm, instance and item out.
            texts = {panel: await page.inner_text(f"#{panel}") for panel in PANELS}
            bucket_cells = await page.locator("#panel-storage tbody tr td:first-child").all_inner_texts()
            assert [c.strip() for c in bucket_cells] == [
                b["name"] for b in sorted(storage["buckets"], key=lambda b: (-b["bytes"], b["name"]))]
            assert format_money(cost["monthly_now_usd"]) in texts["panel-cost"]
            assert format_money(cost["monthly_after_usd"]) in texts["panel-cost"]
            flat = {panel: text.replace("\n", "") for panel, text in texts.items()}  # names may wrap at separators
            assert all(a["name"] in flat["panel-alerts"] for a in alerts["alarms"])
            assert all(s["item"] in flat["panel-alerts"] for s in alerts["out_of_stock"])
            assert all(i["name"] in flat["panel-forecast"] for i in capacity["instances"])
            assert f"{usage['requests']} requests" in texts["panel-assistant"]
            assert all(row["action"] in flat["panel-assistant"] for row in usage["latency"])
            assert await page.locator("#panel-alerts .badge.ALARM").count() >= 1

            # Nothing wider than the screen: no sideways scrolling, nothing cut off at the right edge.
            assert await page.evaluate("() => document.documentElement.scrollWidth") <= width
            overflowing = await page.evaluate(
                """width => Array.from(document.querySelectorAll('body *'))
                    .filter(e => e.getBoundingClientRect().right > width + 0.5)
                    .map(e => `${e.tagName.toLowerCase()}#${e.id}.${e.className} ${e.getBoundingClientRect().right}`)""",
                width)
            assert overflowing == []
            # Readable on a phone: no text below 11 px.
            smallest = await page.evaluate(
                """() => Math.min(...Array.from(document.querySelectorAll('main *')).filter(e => e.childNodes.length &&
                    Array.from(e.childNodes).some(n => n.nodeType === 3 && n.textContent.trim()))
                    .map(e => parseFloat(getComputedStyle(e).fontSize)))""")
            assert smallest >= 11, smallest

            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(SCREENSHOTS / f"dashboard-{width}.png"), full_page=True)
            assert problems == []
        finally:
            await browser.close()


async def test_an_ended_session_sends_the_page_back_to_the_login_form(running: Running) -> None:
    async with async_playwright() as playwright:
        browser = await launch_chromium(playwright)
        try:
            context = await browser.new_context(viewport={"width": 1280, "height": 900})
            page = await context.new_page()
            await log_in(page, running)
            await context.clear_cookies()
            async with page.expect_navigation():
                await page.click("#refresh")
            assert page.url.endswith("/login")
        finally:
            await browser.close()



async def test_a_panel_whose_source_cannot_be_read_says_so_and_the_others_still_show(
        aws_side: Stack, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No tracker store to read (a folder, not a database): /api/v1/assistant answers 503 "unavailable"."""
    not_a_database = tmp_path_factory.mktemp("no-tracker")
    with dashboard_process(aws_side, f"sqlite:///{not_a_database}") as dashboard:
        response = requests.get(f"{dashboard.url}/api/v1/assistant?days=7",
                                headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
        assert (response.status_code, response.json()["error"]) == (503, "unavailable")
        async with async_playwright() as playwright:
            browser = await launch_chromium(playwright)
            try:
                page = await browser.new_page(viewport={"width": 390, "height": 900})
                await log_in(page, dashboard)
                states = await page.evaluate(
                    "() => Object.fromEntries(Array.from(document.querySelectorAll('.panel'))"
                    ".map(p => [p.id, p.dataset.state]))")
                assert states == {panel: "error" if panel == "panel-assistant" else "ready" for panel in PANELS}
                assert (await page.inner_text("#panel-assistant .message")).startswith("Its source cannot be read")
                tiles = await page.locator("#tiles dt").all_inner_texts()
                assert "Stored" in tiles and "Requests" not in tiles
            finally:
                await browser.close()


async def test_the_page_writes_sizes_and_money_as_the_chat_does() -> None:
    """kit.js against actions.core.formatting on edge cases (unit steps, half-up ties that binary rounding gets wrong,
    the $1 and $1,000 steps) and thousands of random values; no server needed."""
    rng = random.Random(15)
    sizes = [0, 1, 1023, 1024, 1535, 1536, 131072, 1048575, 1048576, 1023.96 * 1024, 10**9, 10**12, 5 * 10**15]
    sizes += [rng.randrange(0, 10 ** rng.randrange(1, 17)) for _ in range(2000)]
    amounts = [0, 1e-7, 9e-7, 1e-6, 0.0018, 0.00185, 0.5, 0.995, 0.9949, 0.9999, 1, 1.005, 2.675, 12.345, 12.355,
               999.994, 999.995, 1000, 1234.5, 1234567.8, -0.25, -1234.5]
    amounts += [round(rng.uniform(0, 10 ** rng.randrange(-7, 7)), rng.randrange(0, 9)) for _ in range(2000)]
    async with async_playwright() as playwright:
        browser = await launch_chromium(playwright)
        try:
            page = await browser.new_page()
            await page.add_script_tag(path=str(ROOT / "actions" / "dashboard" / "static" / "kit.js"))
            page_sizes = await page.evaluate("v => v.map(x => CloudButlerKit.formatBytes(x))", sizes)
            page_money = await page.evaluate("v => v.map(x => CloudButlerKit.formatMoney(x))", amounts)
        finally:
            await browser.close()
    assert [(n, text) for n, text in zip(sizes, page_sizes, strict=True) if text != format_bytes(n)] == []
    assert [(n, text) for n, text in zip(amounts, page_money, strict=True) if text != format_money(n)] == []
