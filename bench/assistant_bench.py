"""Assistant benchmark: parse and round-trip latency, concurrency, memory, start-up, the cost of an oversized
message, and greet latency vs. a bare `rasa init` bot.

The comparison with `rasa init` runs both servers at once and alternates requests between them, in several rounds,
so both see the same machine load; the ratio is reported per round (median and spread).
Everything talks to 127.0.0.1. Prints a table and writes bench/results/assistant.json.
Run: make bench  (or .venv/bin/python bench/assistant_bench.py [--requests N] [--rounds R])
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from launcher.stack import Stack, free_port  # noqa: E402

RESULTS = ROOT / "bench" / "results"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


class PeakRss:
    """Samples the RSS of each child process tree of a Stack every 50 ms, from spawn on; ``peak[name]`` in MB."""

    def __init__(self, stack: Stack) -> None:
        self.stack, self._stop = stack, threading.Event()
        self.peak: dict[str, float] = {}
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for child in list(self.stack.children):
                try:
                    root = psutil.Process(child.process.pid)
                    rss = sum(p.memory_info().rss for p in [root, *root.children(recursive=True)]) / 2**20
                    self.peak[child.name] = max(self.peak.get(child.name, 0.0), rss)
                except psutil.Error:
                    pass
            self._stop.wait(0.05)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


async def timed_post(session: aiohttp.ClientSession, url: str, payload: dict[str, Any]) -> float:
    start = time.perf_counter()
    async with session.post(url, json=payload) as response:
        await response.read()
        response.raise_for_status()
    return (time.perf_counter() - start) * 1000


async def sequential(url: str, make_payload: Any, n: int) -> list[float]:
    async with aiohttp.ClientSession() as session:
        await timed_post(session, url, make_payload(0))  # warm-up
        return [await timed_post(session, url, make_payload(i)) for i in range(n)]


async def concurrent(url: str, text: str, conversations: int, per_conversation: int) -> list[float]:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=conversations)) as session:
        async def one(sender: str) -> list[float]:
            return [await timed_post(session, url, {"sender": sender, "message": text})
                    for _ in range(per_conversation)]
        batches = await asyncio.gather(*(one(f"bench-{uuid.uuid4().hex[:8]}") for _ in range(conversations)))
    return [v for batch in batches for v in batch]


def summary(values: list[float]) -> dict[str, float]:
    return {"p50_ms": round(statistics.median(values), 1), "p95_ms": round(pct(values, 95), 1), "n": len(values)}


def measure_cloudbutler(stack: Stack, n: int, t0: float) -> dict[str, Any]:
    rest = f"{stack.rasa_url}/webhooks/rest/webhook"
    asyncio.run(sequential(rest, lambda i: {"sender": "first", "message": "hello"}, 0))  # the first reply
    start_to_first_reply = time.perf_counter() - t0
    parse_url = f"{stack.rasa_url}/model/parse?token={stack.api_token}"  # the API is token-protected
    parse = asyncio.run(sequential(parse_url, lambda i: {"text": "hello world"}, n))
    greet = asyncio.run(sequential(rest, lambda i: {"sender": f"g{i}", "message": "hello world"}, n))
    status = asyncio.run(sequential(rest, lambda i: {"sender": f"s{i}", "message": "Tell me about my server!"},
                                    max(20, n // 4)))
    greet32 = asyncio.run(concurrent(rest, "hello world", 32, 5))
    status32 = asyncio.run(concurrent(rest, "Tell me about my server!", 32, 2))
    return {
        "start_to_first_reply_s": round(start_to_first_reply, 1),
        "parse": summary(parse),
        "greet": summary(greet),
        "server_status": summary(status),
        "greet_32_concurrent": summary(greet32),
        "server_status_32_concurrent": summary(status32),
        "oversized_message": oversized_message(stack, rest),
    }


def oversized_message(stack: Stack, rest: str) -> dict[str, float]:
    """A 100 KB message: refused with a friendly reply before NLU - how long that takes, what it costs in memory."""
    [rasa] = [c for c in stack.children if c.name == "rasa"]
    server = psutil.Process(rasa.process.pid)
    before = server.memory_info().rss
    took = asyncio.run(sequential(rest, lambda i: {"sender": f"big{i}", "message": "x" * 100_000}, 5))
    return {"p50_ms": round(statistics.median(took), 1),
            "rss_growth_mb": round((server.memory_info().rss - before) / 2**20, 1)}


class BareRasa:
    """A fresh `rasa init` project, trained and served as `rasa run` serves it, on a free port."""

    def __enter__(self) -> BareRasa:
        work = Path(tempfile.mkdtemp(prefix="rasa-init-"))
        subprocess.run([sys.executable, "-m", "rasa", "init", "--no-prompt", "--init-dir", str(work)], cwd=work,
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "rasa", "run", "--enable-api", "--port", str(self.port), "--interface",
             "127.0.0.1", "--model", str(work / "models")],
            cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        import requests
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{self.port}/status", timeout=2).json().get("model_file"):
                    return self
            except (requests.RequestException, ValueError):
                time.sleep(0.5)
        raise RuntimeError("the rasa init assistant did not start")

    @property
    def rest(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhooks/rest/webhook"

    def __exit__(self, *exc: object) -> None:
        os.killpg(self.process.pid, 15)
        self.process.wait(timeout=30)


async def interleaved(ours: str, bare: str, n: int) -> tuple[list[float], list[float]]:
    """``n`` greetings to each, alternating which goes first, so both see the same moment's load."""
    mine: list[float] = []
    theirs: list[float] = []
    async with aiohttp.ClientSession() as session:
        for url in (ours, bare):
            await timed_post(session, url, {"sender": "warm", "message": "hello world"})
        for i in range(n):
            first, second = ((ours, mine), (bare, theirs)) if i % 2 == 0 else ((bare, theirs), (ours, mine))
            for url, into in (first, second):
                into.append(await timed_post(session, url, {"sender": f"i{i}", "message": "hello world"}))
    return mine, theirs


def compare_with_bare(stack: Stack, bare: BareRasa, n: int, rounds: int) -> dict[str, Any]:
    ratios, ours_p50, bare_p50 = [], [], []
    for _ in range(rounds):
        mine, theirs = asyncio.run(interleaved(f"{stack.rasa_url}/webhooks/rest/webhook", bare.rest, n))
        ours_p50.append(statistics.median(mine))
        bare_p50.append(statistics.median(theirs))
        ratios.append(ours_p50[-1] / bare_p50[-1])
    return {
        "rounds": rounds, "requests_per_round": n,
        "greet_p50_ms": round(statistics.median(ours_p50), 1),
        "bare_greet_p50_ms": round(statistics.median(bare_p50), 1),
        "ratio_median": round(statistics.median(ratios), 2),
        "ratio_min": round(min(ratios), 2), "ratio_max": round(max(ratios), 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--interleaved", type=int, default=150, help="greetings per server and round")
    args = parser.parse_args()
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DISCORD_", "SLACK_"))}
    work = Path(tempfile.mkdtemp(prefix="bench-"))
    env.update(CLOUDBUTLER_AUDIT_LOG=str(work / "audit.jsonl"), CLOUDBUTLER_MEDIA_DIR=str(work / "media"))
    stack = Stack(env=env, rasa_port=free_port(), actions_port=free_port(), aws_port=0, imds_port=0,
                  model=models[-1], tracker_db=None)
    t0 = time.perf_counter()
    with PeakRss(stack) as rss, stack:
        ours = measure_cloudbutler(stack, args.requests, t0)
        ours["peak_rss_rasa_mb"] = round(rss.peak.get("rasa", 0))
        ours["peak_rss_actions_mb"] = round(rss.peak.get("actions", 0))
        with BareRasa() as bare:
            versus = compare_with_bare(stack, bare, args.interleaved, args.rounds)
    result = {"cloudbutler": ours, "versus_bare_rasa_init": versus}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "assistant.json").write_text(json.dumps(result, indent=2))
    rows = [
        ("/model/parse", ours["parse"]),
        ("REST greet", ours["greet"]),
        ("REST server_status", ours["server_status"]),
        ("REST greet, 32 concurrent", ours["greet_32_concurrent"]),
        ("REST server_status, 32 conc.", ours["server_status_32_concurrent"]),
    ]
    print(f"{'measurement':<36}{'p50 ms':>10}{'p95 ms':>10}{'n':>6}")
    for label, s in rows:
        print(f"{label:<36}{s['p50_ms']:>10}{s['p95_ms']:>10}{s['n']:>6}")
    big = ours["oversized_message"]
    print(f"{'100 KB message, refused (p50 ms)':<36}{big['p50_ms']:>10}")
    print(f"{'  Rasa RSS growth (MB)':<36}{big['rss_growth_mb']:>10}")
    print(f"{'peak RSS Rasa server (MB)':<36}{ours['peak_rss_rasa_mb']:>10}")
    print(f"{'peak RSS action server (MB)':<36}{ours['peak_rss_actions_mb']:>10}")
    print(f"{'start to first reply (s)':<36}{ours['start_to_first_reply_s']:>10}")
    print(f"greet vs bare `rasa init`, both up, interleaved ({versus['rounds']} rounds x "
          f"{versus['requests_per_round']} each):")
    print(f"{'  greet p50 ours / bare (ms)':<36}{versus['greet_p50_ms']:>10}{versus['bare_greet_p50_ms']:>10}")
    print(f"{'  ratio median (min-max)':<36}{versus['ratio_median']:>10}  ({versus['ratio_min']}-{versus['ratio_max']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
