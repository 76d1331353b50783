"""`/model/parse` latency and memory of the current model against the model of commit e5b81c3 (the NLU before the
intent contract grew and the data was rewritten), in the same run.

The baseline is trained here, NLU only, into a temporary folder from that commit's nlu/, config.yml and domain.yml;
the current model is the newest in models/. Both are served at once by our own server process
(``python -m connectors.server``: Rasa's app behind the front door, its API token from ``RASA_AUTH_TOKEN`` in the
environment, a throwaway one here) on 127.0.0.1 with only the REST channel and an in-memory tracker store. The same
~200 held-out messages go to both, one request at a time, alternating which model goes first, in several rounds, so
both see the same machine load. Prints p50/p95 per model and their ratio, the RSS of each server after loading and
after the run, writes bench/results/parse.json. Target: current p50 <= 1.5 x baseline p50.
Run: make bench  (or .venv/bin/python bench/parse_bench.py [--rounds R] [--messages N] [--baseline MODEL])
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.nlu_eval import HELDOUT, load_examples, newest_model  # noqa: E402
from launcher.stack import free_port  # noqa: E402

RESULTS = ROOT / "bench" / "results"
BASELINE_COMMIT = "e5b81c3"
TARGET_RATIO = 1.5
START_TIMEOUT_S = 300


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def messages(n: int) -> list[str]:
    """``n`` held-out texts, taken in turn from each intent so every kind of message is in."""
    by_intent: dict[str, list[str]] = {}
    for example in load_examples(HELDOUT):
        by_intent.setdefault(example.intent, []).append(example.text)
    picked: list[str] = []
    depth = 0
    while len(picked) < n and any(depth < len(texts) for texts in by_intent.values()):
        picked += [texts[depth] for texts in by_intent.values() if depth < len(texts)]
        depth += 1
    return picked[:n]


def train_baseline(work: Path) -> Path:
    """The NLU model of ``BASELINE_COMMIT``, trained from that commit's files (as `make train` did then)."""
    source = work / "baseline-src"
    source.mkdir()
    archive = subprocess.run(["git", "archive", BASELINE_COMMIT, "nlu", "config.yml", "domain.yml"],
                             cwd=ROOT, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(source)], input=archive, check=True)
    print(f"training the baseline NLU model of {BASELINE_COMMIT} (a few minutes)...", flush=True)
    subprocess.run(
        [sys.executable, "-m", "rasa", "train", "nlu", "--nlu", str(source / "nlu"), "--config",
         str(source / "config.yml"), "--domain", str(source / "domain.yml"), "--out", str(work / "models"),
         "--fixed-model-name", "baseline"],
        cwd=source, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    return work / "models" / "baseline.tar.gz"


@dataclass
class Server:
    name: str
    model: Path
    port: int
    token: str
    process: subprocess.Popen[bytes] | None = None
    log: Path | None = None
    latencies: list[list[float]] = field(default_factory=list)  # per round, ms
    rss_loaded_mb: float = 0.0
    rss_end_mb: float = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/model/parse?token={self.token}"

    def start(self, work: Path) -> None:
        (work / "credentials.yml").write_text("rest:\n")
        (work / "endpoints.yml").write_text("# no action server, in-memory tracker store: parsing only\n")
        env = {**os.environ, "RASA_AUTH_TOKEN": self.token, "TF_CPP_MIN_LOG_LEVEL": "3"}
        self.log = work / f"{self.name}.log"
        log = self.log.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "connectors.server", "--host", "127.0.0.1", "--port", str(self.port),
             "--model", str(self.model), "--endpoints", str(work / "endpoints.yml"),
             "--credentials", str(work / "credentials.yml")],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def rss_mb(self) -> float:
        if self.process is None:
            return 0.0
        try:
            root = psutil.Process(self.process.pid)
            return sum(p.memory_info().rss for p in [root, *root.children(recursive=True)]) / 2**20
        except psutil.Error:
            return 0.0

    def log_tail(self, lines: int = 15) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:]) if self.log else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


async def parse(session: aiohttp.ClientSession, server: Server, text: str) -> float:
    start = time.perf_counter()
    async with session.post(server.url, json={"text": text}) as response:
        await response.read()
        response.raise_for_status()
    return (time.perf_counter() - start) * 1000


async def wait_ready(session: aiohttp.ClientSession, server: Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.process is not None and server.process.poll() is not None:
            raise SystemExit(f"the {server.name} server exited while starting:\n{server.log_tail()}")
        try:
            await parse(session, server, "hello")
            return
        except aiohttp.ClientError:
            await asyncio.sleep(1)
    raise SystemExit(f"the {server.name} server did not answer within {START_TIMEOUT_S} s:\n{server.log_tail()}")


async def run(servers: list[Server], texts: list[str], rounds: int) -> None:
    async with aiohttp.ClientSession() as session:
        for server in servers:
            await wait_ready(session, server)
        for text in texts[:20]:  # warm-up: first requests pay for lazy initialisation
            for server in servers:
                await parse(session, server, text)
        for server in servers:
            server.rss_loaded_mb = server.rss_mb()
        for r in range(rounds):
            for server in servers:
                server.latencies.append([])
            for i, text in enumerate(texts):
                order = servers if (i + r) % 2 == 0 else servers[::-1]
                for server in order:
                    server.latencies[r].append(await parse(session, server, text))
        for server in servers:
            server.rss_end_mb = server.rss_mb()


def summary(current: Server, baseline: Server, texts: list[str]) -> dict[str, Any]:
    def stats(server: Server) -> dict[str, Any]:
        flat = [ms for round_ in server.latencies for ms in round_]
        return {"model": server.model.name, "requests": len(flat), "p50_ms": pct(flat, 50), "p95_ms": pct(flat, 95),
                "mean_ms": statistics.fmean(flat), "rss_loaded_mb": server.rss_loaded_mb,
                "rss_end_mb": server.rss_end_mb}

    cur, base = stats(current), stats(baseline)
    per_round = [pct(c, 50) / pct(b, 50) for c, b in zip(current.latencies, baseline.latencies, strict=True)]
    ratio = cur["p50_ms"] / base["p50_ms"]
    return {
        "server": "python -m connectors.server (REST channel only, in-memory tracker), 127.0.0.1",
        "baseline_commit": BASELINE_COMMIT, "messages": len(texts), "rounds": len(per_round),
        "current": cur, "baseline": base,
        "p50_ratio": ratio, "p95_ratio": cur["p95_ms"] / base["p95_ms"],
        "p50_ratio_per_round": {"median": statistics.median(per_round), "min": min(per_round),
                                "max": max(per_round)},
        "target_p50_ratio": TARGET_RATIO, "met": ratio <= TARGET_RATIO,
    }


def print_report(result: dict[str, Any]) -> None:
    cur, base = result["current"], result["baseline"]
    print(f"/model/parse, {result['messages']} held-out messages x {result['rounds']} rounds, interleaved; "
          f"{result['server']}")
    print(f"{'model':<34}{'p50 ms':>9}{'p95 ms':>9}{'mean ms':>9}{'RSS MB':>9}{'RSS end':>9}")
    for label, s in (("current " + cur["model"], cur), (f"baseline {result['baseline_commit']}", base)):
        print(f"{label[:33]:<34}{s['p50_ms']:>9.1f}{s['p95_ms']:>9.1f}{s['mean_ms']:>9.1f}"
              f"{s['rss_loaded_mb']:>9.0f}{s['rss_end_mb']:>9.0f}")
    spread = result["p50_ratio_per_round"]
    print(f"p50 current/baseline {result['p50_ratio']:.2f} (per round {spread['min']:.2f}-{spread['max']:.2f}, "
          f"median {spread['median']:.2f}); p95 ratio {result['p95_ratio']:.2f}; "
          f"target <= {result['target_p50_ratio']}: {'PASS' if result['met'] else 'MISS'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--model", type=Path, help="current model (default: the newest in models/)")
    parser.add_argument("--baseline", type=Path, help=f"a trained {BASELINE_COMMIT} model (default: train one)")
    args = parser.parse_args(argv)
    texts = messages(args.messages)
    current_model = args.model or newest_model()
    with tempfile.TemporaryDirectory(prefix="parse-bench-") as tmp:
        work = Path(tmp)
        baseline_model = args.baseline or train_baseline(work)
        servers = [Server("current", current_model, free_port(), secrets.token_hex(16)),
                   Server("baseline", baseline_model, free_port(), secrets.token_hex(16))]
        try:
            for server in servers:
                (work / server.name).mkdir()
                server.start(work / server.name)
            asyncio.run(run(servers, texts, args.rounds))
        finally:
            for server in servers:
                server.stop()
    result = summary(servers[0], servers[1], texts)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "parse.json").write_text(json.dumps(result, indent=2))
    print_report(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
