"""Benchmark of the chat connectors (a script, not a test): message-in to reply-out latency.

One Rasa server (Sanic, channels registered by Rasa's ``channel.register``) carries the REST channel, the
Discord connector and the Slack connector; the same trivial scripted bot answers in-process, so the latency
difference to the REST channel is the connector overhead. Discord runs against the fake gateway/API, Slack
against the fake Web API over Socket Mode and over the HTTP Events API (signed requests). Everything, fakes
included, shares one event loop on loopback, as the real server shares its loop with the clients.

    .venv/bin/python bench/connector_bench.py [--messages 200] [--warmup 20]

Latency per path: REST = POST /webhooks/rest/webhook until its response; Discord = MESSAGE_CREATE sent on
the gateway until POST /channels/{id}/messages arrives; Slack = envelope sent (Socket Mode) or event POSTed
(Events API) until chat.postMessage arrives. Target: connector overhead (p50 - REST p50) <= 10 ms.
Prints a table and writes bench/results/connectors.json.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from connectors.core.inbox import Inbox  # noqa: E402
from connectors.discord import DiscordInput  # noqa: E402
from connectors.discord.settings import DiscordSettings  # noqa: E402
from connectors.rest import RestInput  # noqa: E402
from connectors.slack import SlackInput  # noqa: E402
from connectors.slack.settings import SlackSettings  # noqa: E402
from tests.connectors.harness import DiscordHarness, SlackHarness  # noqa: E402
from tests.fakes.discord_fake import FakeDiscord  # noqa: E402
from tests.fakes.rasa_stub import ScriptedAgent, rasa_server  # noqa: E402
from tests.fakes.slack_fake import FakeSlack  # noqa: E402

TARGET_OVERHEAD_MS = 10.0
SIGNING_SECRET = "bench-signing-secret"
Probe = Callable[[int], Awaitable[float]]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def measure(probe: Probe, *, count: int, warmup: int) -> list[float]:
    for i in range(warmup):
        await probe(-1 - i)
    return [await probe(i) for i in range(count)]


def rest_probe(http: aiohttp.ClientSession, url: str) -> Probe:
    async def probe(i: int) -> float:
        started = time.perf_counter()
        async with http.post(f"{url}/webhooks/rest/webhook", json={"sender": "bench", "message": "hello"}) as r:
            replies = await r.json()
        assert replies and replies[0]["text"] == "hello", replies
        return time.perf_counter() - started

    return probe


def discord_probe(harness: DiscordHarness) -> Probe:
    fake = harness.fake

    async def probe(i: int) -> float:
        before = len(fake.posted())
        started = time.perf_counter()
        await harness.say("hello")
        [reply] = (await fake.wait_for(lambda: fake.posted()[before:]))[:1]
        assert reply.json["content"] == "hello"
        return reply.at - started

    return probe


def slack_probe(harness: SlackHarness, *, socket_mode: bool, http: aiohttp.ClientSession) -> Probe:
    fake = harness.fake

    async def probe(i: int) -> float:
        before = len(fake.called("chat.postMessage"))
        body = harness.mention("hello")
        started = time.perf_counter()
        if socket_mode:
            await fake.send_envelope("events_api", body)
        else:
            status, _, _ = await harness.http(body, session=http)
            assert status == 200
        [reply] = (await fake.wait_for(lambda: fake.called("chat.postMessage")[before:]))[:1]
        assert reply.args["text"] == "hello"
        return reply.at - started

    return probe


def summary(name: str, seconds: list[float], rest_p50_ms: float | None) -> dict[str, Any]:
    ms = [s * 1000 for s in seconds]
    p50 = statistics.median(ms)
    return {
        "path": name, "messages": len(ms), "p50_ms": round(p50, 2), "p95_ms": round(percentile(ms, 0.95), 2),
        "mean_ms": round(statistics.fmean(ms), 2), "max_ms": round(max(ms), 2),
        "overhead_p50_ms": None if rest_p50_ms is None else round(p50 - rest_p50_ms, 2),
    }


async def run(count: int, warmup: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="connector-bench-") as work:
        results = await measure_all(Path(work), count=count, warmup=warmup)
    return {
        "benchmark": "connectors",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "messages_per_path": count,
        "warmup_per_path": warmup,
        "target_overhead_p50_ms": TARGET_OVERHEAD_MS,
        "results": results,
        "target_met": all(r["overhead_p50_ms"] is None or r["overhead_p50_ms"] <= TARGET_OVERHEAD_MS for r in results),
    }


async def measure_all(work: Path, *, count: int, warmup: int) -> list[dict[str, Any]]:
    discord_fake = await FakeDiscord().start()
    slack_fake = await FakeSlack().start()
    inbox = Inbox(root=work / "inbox")
    discord = DiscordInput(DiscordSettings(
        token="bench-token", api_base_url=discord_fake.api_base_url, gateway_url=discord_fake.gateway_url,
        inbox=inbox, media_dir=work, guild_ready_timeout=0.05,
    ))
    slack = SlackInput(SlackSettings(
        bot_token="xoxb-bench", app_token="xapp-bench", signing_secret=SIGNING_SECRET,
        api_base_url=slack_fake.api_base_url, inbox=inbox, media_dir=work,
    ))
    results: list[dict[str, Any]] = []
    try:
        async with rasa_server([RestInput(), discord, slack], ScriptedAgent()) as server, \
                aiohttp.ClientSession() as http:
            assert discord.gateway is not None
            await discord.gateway.wait_until_ready(timeout=10)
            await slack_fake.wait_socket()
            discord_harness = DiscordHarness(discord_fake, discord, server)
            slack_harness = SlackHarness(slack_fake, slack, server, signing_secret=SIGNING_SECRET)
            rest = await measure(rest_probe(http, server.url), count=count, warmup=warmup)
            rest_p50 = statistics.median(rest) * 1000
            results.append(summary("REST channel (baseline)", rest, None))
            for name, probe in (
                ("Discord (gateway)", discord_probe(discord_harness)),
                ("Slack (Socket Mode)", slack_probe(slack_harness, socket_mode=True, http=http)),
                ("Slack (Events API, HTTP)", slack_probe(slack_harness, socket_mode=False, http=http)),
            ):
                results.append(summary(name, await measure(probe, count=count, warmup=warmup), rest_p50))
    finally:
        await discord_fake.close()
        await slack_fake.close()
    return results


def print_table(report: dict[str, Any]) -> None:
    header = f"{'path':<26}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}{'mean ms':>9}{'max ms':>9}{'overhead p50':>14}"
    print(header)
    print("-" * len(header))
    for r in report["results"]:
        overhead = "-" if r["overhead_p50_ms"] is None else f"{r['overhead_p50_ms']:+.2f} ms"
        print(f"{r['path']:<26}{r['messages']:>6}{r['p50_ms']:>9.2f}{r['p95_ms']:>9.2f}{r['mean_ms']:>9.2f}"
              f"{r['max_ms']:>9.2f}{overhead:>14}")
    verdict = "met" if report["target_met"] else "NOT met"
    print(f"\ntarget: connector overhead <= {TARGET_OVERHEAD_MS:.0f} ms at p50 - {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200, help="messages per path (default 200)")
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured messages per path first")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    report = asyncio.run(run(args.messages, args.warmup))
    print_table(report)
    out = ROOT / "bench" / "results" / "connectors.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
