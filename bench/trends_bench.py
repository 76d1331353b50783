"""Benchmark of size tracking and trend answers (a script, not a test), against moto's server in a child process:

1. consumer throughput: 10,000 S3 events (bodies as S3 sends them: creates, and deletes of some of those keys, in
   shuffled order as SQS may deliver them) through SQS into DynamoDB with the size tracker's own loop
   (``actions.tracker.Consumer.poll_once``: receive, ``size_events.handle``, delete), divided by the floor: the same
   receives and deletes with one bare BatchWriteItem per batch (the object rows and a sample). Target <= 1.2.
2. a 90-day history answer: ``StorageTrends.trend`` (each closed day's hourly roll-up, today's samples) and the
   chart (``actions.skills.trends.charts.storage_chart``), p50 of repeated answers (and of the chart alone, wall
   and CPU). Target <= 300 ms. Before it, the closed days are rolled up as the tracker process does once a day
   (``SizeTracker.roll_up``), timed: the one-off cost of a history written all at once.
3. peak RSS growth of the same answer over 30, 90 and 365 days of history, each in a fresh process warmed by an
   answer that read two full pages. An answer holds at most two pages (one parsed while the one before is still
   held): below that, memory follows the samples read; beyond, it must not grow. Target: flat (365 days' growth
   within 5 MB of 90 days', four times the samples).

The history is a sample every ``--sample-minutes`` (default 10: a bucket written to all day; the tracker keeps at
most one a minute). It is written into the server process's DynamoDB backend through ``SizeTracker.write_samples``
(items exactly as the tracker writes them, without 50,000 HTTP requests); everything measured goes through HTTP.

    .venv/bin/python bench/trends_bench.py [--events 10000] [--sample-minutes 10] [--runs 20] [--quick]

Prints a table and writes bench/results/trends.json.
"""
from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
for _var, _value in {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                     "AWS_DEFAULT_REGION": "us-east-1"}.items():
    os.environ.setdefault(_var, _value)

PREFIX = "bench-"
EVENTS_BUCKET = "bench-events"
CLASSES = ("STANDARD", "STANDARD_IA", "GLACIER")
DAY = 86400
TARGET_RATIO = 1.2
TARGET_P50_MS = 300.0
TARGET_FLAT_MB = 5.0


def clients(endpoint: str) -> dict[str, Any]:
    from actions.aws.clients import AwsSettings, ClientFactory

    factory = ClientFactory(AwsSettings(region="us-east-1", endpoint_url=endpoint))
    return {name: factory.client(name) for name in ("s3", "sqs", "dynamodb", "cloudwatch")}


@functools.cache
def tracker_at(endpoint: str) -> Any:
    """One tracker (and its clients) per endpoint, as the action server keeps them."""
    from actions.aws.size_tracking import SizeTracker

    made = clients(endpoint)
    return SizeTracker(dynamodb=made["dynamodb"], s3=made["s3"], sqs=made["sqs"], prefix=PREFIX)


def history_bucket(days: int) -> str:
    return f"bench-history-{days}d"


# --- the server process ------------------------------------------------------------------------------------------


class _BackendWriter:
    """The one DynamoDB call ``SizeStore.put_samples`` makes, answered by moto's backend in this process."""

    def __init__(self) -> None:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.dynamodb.models import dynamodb_backends

        self._backend = dynamodb_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]

    def batch_write_item(self, RequestItems: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:  # noqa: N803
        for table, requests in RequestItems.items():
            for request in requests:
                self._backend.put_item(table, request["PutRequest"]["Item"])
        return {}


def history(days: int, step_minutes: int, end: int, seed: int = 7) -> Any:
    """Samples every ``step_minutes`` over ``days`` up to ``end``: a random walk upwards in three classes."""
    from actions.aws.size_tracking import SizeSample

    rng = random.Random(seed)
    levels = {"STANDARD": [40 << 30, 400_000], "STANDARD_IA": [15 << 30, 90_000], "GLACIER": [60 << 30, 20_000]}
    step = step_minutes * 60
    for ts in range(end - days * DAY, end, step):
        for figures in levels.values():
            change = int(rng.gauss(2_000, 10_000))
            figures[1] = max(0, figures[1] + change // 1000)
            figures[0] = max(0, figures[0] + change * 50_000)
        classes = {name: (size, count) for name, (size, count) in levels.items()}
        yield SizeSample(ts=ts, bytes=sum(s for s, _ in classes.values()),
                         objects=sum(c for _, c in classes.values()), classes=classes)


def serve(lengths: list[int], step_minutes: int) -> None:
    """Child process: moto's server with the tracker's tables and a tracked bucket per history length, until stdin
    closes. In its own process, as AWS is another machine: here its threads would compete with what is measured."""
    import logging

    from moto.server import ThreadedMotoServer

    from actions.aws.size_store import SizeStore
    from actions.aws.size_tracking import sample_totals
    from sandbox.speedups import install_dynamodb_speedups

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    quick_sqs_retention()
    # as in the sandbox: moto's serializer, transactions, expressions and queries made fast (sandbox/speedups.py)
    install_dynamodb_speedups()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    started = time.perf_counter()
    tracker = tracker_at(endpoint)
    writer = SizeStore(_BackendWriter(), PREFIX)
    for days in lengths:
        bucket = history_bucket(days)
        tracker.s3.create_bucket(Bucket=bucket)
        tracked = tracker.track(bucket)
        writer.put_samples(bucket, ((sample.ts, sample_totals(sample))
                                    for sample in history(days, step_minutes, tracked.since - 60)), source="event")
    print(f"READY {endpoint} {time.perf_counter() - started:.3f}", flush=True)
    sys.stdin.read()
    server.stop()


def quick_sqs_retention() -> None:
    """Bench-only: moto checks each message it hands out against the queue's retention period by computing every
    queue attribute, counts of all messages included - O(queue length) per message, a second per receive at 10,000
    queued. Read the one attribute instead; the answer is the same."""
    from moto.core.utils import unix_time
    from moto.sqs.models import SQSBackend

    def still_retained(self: Any, queue_name: str, message: Any) -> bool:
        retention = int(self.get_queue(queue_name).message_retention_period)
        return bool(retention + message.sent_timestamp / 1000 > unix_time())

    SQSBackend.is_message_valid_based_on_retention_period = still_retained  # type: ignore[method-assign]


def start_server(lengths: list[int], step_minutes: int) -> tuple[subprocess.Popen[str], str, float]:
    command = [sys.executable, __file__, "--serve", ",".join(map(str, lengths)),
               "--sample-minutes", str(step_minutes)]
    server = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    line = server.stdout.readline().split()
    if not line or line[0] != "READY":
        server.kill()
        raise SystemExit("the moto server process did not start")
    return server, line[1], float(line[2])


# --- 1. consumer throughput ----------------------------------------------------------------------------------------


def s3_events(count: int, bucket: str, seed: int = 11) -> tuple[list[str], int, int]:
    """``count`` event bodies as S3 sends them - about 70 % creates of distinct keys, the rest deletes of some of
    those keys with a later sequencer - shuffled; plus the bytes and objects that remain."""
    rng = random.Random(seed)
    creates = max(1, round(count * 0.7))
    sizes = {f"data/{i:06d}.bin": rng.randint(1, 5_000_000) for i in range(creates)}
    deleted = set(rng.sample(sorted(sizes), count - creates))
    stamp = datetime(2026, 11, 20, 12, tzinfo=UTC)
    bodies: list[str] = []
    for index, (key, size) in enumerate(sizes.items()):
        bodies.append(_event(bucket, key, "ObjectCreated:Put", index, stamp, size))
    for index, key in enumerate(sorted(deleted)):
        bodies.append(_event(bucket, key, "ObjectRemoved:Delete", creates + index, stamp, None))
    rng.shuffle(bodies)
    remaining = {key: size for key, size in sizes.items() if key not in deleted}
    return bodies, sum(remaining.values()), len(remaining)


def _event(bucket: str, key: str, name: str, sequence: int, stamp: datetime, size: int | None) -> str:
    obj: dict[str, Any] = {"key": key, "sequencer": f"0062{sequence:012X}"}
    if size is not None:
        obj.update(size=size, eTag=f"{sequence:032x}", versionId="null")
    record = {
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
        "eventTime": stamp.strftime("%Y-%m-%dT%H:%M:%S.000Z"), "eventName": name,
        "userIdentity": {"principalId": "AWS:AIDABENCH"}, "requestParameters": {"sourceIPAddress": "127.0.0.1"},
        "responseElements": {"x-amz-request-id": f"{sequence:016X}", "x-amz-id-2": "bench"},
        "s3": {"s3SchemaVersion": "1.0", "configurationId": "cloudbutler-size-tracking",
               "bucket": {"name": bucket, "ownerIdentity": {"principalId": "A3BENCH"}, "arn": f"arn:aws:s3:::{bucket}"},
               "object": obj},
    }
    return json.dumps({"Records": [record]})


FEED = 500  # messages queued at a time: moto looks at every queued message per receive, real SQS does not


def fill_queue(sqs: Any, url: str, bodies: list[str]) -> None:
    for start in range(0, len(bodies), 10):
        entries = [{"Id": str(i), "MessageBody": body} for i, body in enumerate(bodies[start:start + 10])]
        sqs.send_message_batch(QueueUrl=url, Entries=entries)


def drained(sqs: Any, url: str, bodies: list[str], drain: Callable[[], None]) -> tuple[float, float]:
    """Wall and client-thread CPU seconds ``drain`` took to empty the queue, summed over feeds of FEED messages
    (the feeding untimed). The CPU time leaves out the server: what the consumer itself costs."""
    elapsed = cpu = 0.0
    for start in range(0, len(bodies), FEED):
        fill_queue(sqs, url, bodies[start:start + FEED])
        began, began_cpu = time.perf_counter(), time.thread_time()
        drain()
        elapsed += time.perf_counter() - began
        cpu += time.thread_time() - began_cpu
    return elapsed, cpu


def tracker_loop(endpoint: str, bodies: list[str]) -> dict[str, Any]:
    """The size tracker's own loop over the events, until the queue is empty."""
    from actions.tracker import Consumer

    tracker = tracker_at(endpoint)
    tracker.s3.create_bucket(Bucket=EVENTS_BUCKET)
    tracker.track(EVENTS_BUCKET)
    url = tracker.ensure_queue()
    consumer = Consumer(tracker, queue_url=url, wait_seconds=0, snapshot_seconds=0)
    counts = dict.fromkeys(("applied", "duplicates", "ignored", "rejected", "failed"), 0)

    def drain() -> None:
        while True:
            result = consumer.poll_once()
            if not (result.applied or result.duplicates or result.ignored or result.rejected or result.failed):
                return
            for name in ("applied", "duplicates", "ignored"):
                counts[name] += getattr(result, name)
            counts["rejected"] += len(result.rejected)
            counts["failed"] += len(result.failed)

    elapsed, cpu = drained(tracker.sqs, url, bodies, drain)
    figures = tracker.tracked_bucket(EVENTS_BUCKET)
    assert figures is not None
    return {"seconds": elapsed, "cpu_seconds": cpu, **counts, "bytes": figures.bytes, "objects": figures.objects}


def floor_loop(endpoint: str, bodies: list[str]) -> dict[str, Any]:
    """The least any consumer does: receive, one BatchWriteItem of the batch's object rows and a sample, delete."""
    made = clients(endpoint)
    sqs, dynamodb = made["sqs"], made["dynamodb"]
    url = sqs.create_queue(QueueName="bench-floor")["QueueUrl"]
    rows, samples = "floor-objects", "floor-samples"
    for table, sort_key in ((rows, "key"), (samples, "ts")):
        dynamodb.create_table(
            TableName=table, BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "bucket", "AttributeType": "S"},
                                  {"AttributeName": sort_key, "AttributeType": "N" if sort_key == "ts" else "S"}],
            KeySchema=[{"AttributeName": "bucket", "KeyType": "HASH"}, {"AttributeName": sort_key, "KeyType": "RANGE"}])
    received = 0

    def drain() -> None:
        nonlocal received
        while True:
            messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
            if not messages:
                return
            received += len(messages)
            settle(messages)

    def settle(messages: list[dict[str, Any]]) -> None:
        items: dict[str, dict[str, Any]] = {}
        for message in messages:
            entry = json.loads(message["Body"])["Records"][0]
            obj = entry["s3"]["object"]
            items[obj["key"]] = {"PutRequest": {"Item": {
                "bucket": {"S": entry["s3"]["bucket"]["name"]}, "key": {"S": obj["key"]},
                "size": {"N": str(obj.get("size", 0))}, "order": {"S": "s:" + obj["sequencer"]},
                "deleted": {"BOOL": entry["eventName"].startswith("ObjectRemoved")}}}}
        sample = {"PutRequest": {"Item": {"bucket": {"S": EVENTS_BUCKET}, "ts": {"N": str(int(time.time()))},
                                          "bytes": {"N": "0"}, "objects": {"N": "0"}}}}
        dynamodb.batch_write_item(RequestItems={rows: list(items.values()), samples: [sample]})
        sqs.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)])

    elapsed, cpu = drained(sqs, url, bodies, drain)
    return {"seconds": elapsed, "cpu_seconds": cpu, "received": received}


def consumer_ratio(endpoint: str, events: int) -> dict[str, Any]:
    bodies, remaining_bytes, remaining_objects = s3_events(events, EVENTS_BUCKET)
    floor = floor_loop(endpoint, bodies)
    tracked = tracker_loop(endpoint, bodies)
    assert floor["received"] == events, floor
    assert (tracked["bytes"], tracked["objects"]) == (remaining_bytes, remaining_objects), tracked
    assert tracked["applied"] + tracked["duplicates"] == events and tracked["rejected"] == tracked["failed"] == 0
    return {
        "events": events, "tracker": tracked, "floor": floor,
        "tracker_events_per_s": events / tracked["seconds"], "floor_events_per_s": events / floor["seconds"],
        "ratio": tracked["seconds"] / floor["seconds"], "cpu_ratio": tracked["cpu_seconds"] / floor["cpu_seconds"],
        "target": TARGET_RATIO,
    }


# --- 2. and 3. history answers -------------------------------------------------------------------------------------


def history_trend(endpoint: str, bucket: str, days: int) -> Any:
    """The history half of the answer: ``StorageTrends.trend`` over the last ``days`` days."""
    from actions.aws.storage_trend import StorageTrends

    tracker = tracker_at(endpoint)
    now = tracker.now()
    return StorageTrends(tracker=tracker, s3=tracker.s3).trend(bucket, now - days * DAY, now)


def roll_up(endpoint: str, lengths: list[int]) -> dict[str, Any]:
    """What the tracker process does once a day, for the whole history at once: each closed day's hourly roll-up."""
    tracker = tracker_at(endpoint)
    began = time.perf_counter()
    days = sum(tracker.roll_up(history_bucket(length)) for length in lengths)
    return {"days": days, "seconds": time.perf_counter() - began}


def answer(endpoint: str, bucket: str, days: int) -> tuple[int, int]:
    """What the storage trend skill does for "how has <bucket> grown over the last <days> days?": (samples read as
    chart points, PNG bytes)."""
    from actions.skills.trends.charts import storage_chart

    trend = history_trend(endpoint, bucket, days)
    return len(trend.points), len(storage_chart(trend))


def answer_latency(endpoint: str, days: int, runs: int) -> dict[str, Any]:
    """p50/p95 of the whole answer, and of its chart alone (wall and this thread's CPU)."""
    from actions.skills.trends.charts import storage_chart

    bucket = history_bucket(days)
    answer(endpoint, bucket, days)  # warm: imports, matplotlib's fonts, connections
    times, cpu, chart_times, chart_cpu = [], [], [], []
    points = png = 0
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.thread_time()
        trend = history_trend(endpoint, bucket, days)
        charted, charted_cpu = time.perf_counter(), time.thread_time()
        points, png = len(trend.points), len(storage_chart(trend))
        ended, ended_cpu = time.perf_counter(), time.thread_time()
        times.append(ended - started)
        cpu.append(ended_cpu - started_cpu)
        chart_times.append(ended - charted)
        chart_cpu.append(ended_cpu - charted_cpu)
    return {"days": days, "runs": runs, "chart_points": points, "png_bytes": png,
            "p50_ms": statistics.median(times) * 1000, "p95_ms": pct(times, 95) * 1000,
            "cpu_p50_ms": statistics.median(cpu) * 1000, "chart_p50_ms": statistics.median(chart_times) * 1000,
            "chart_cpu_p50_ms": statistics.median(chart_cpu) * 1000, "target_p50_ms": TARGET_P50_MS}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


CHILD = """
import sys
sys.path.insert(0, {root!r})
sys.path.insert(0, {bench!r})
from trends_bench import answer, peak_kb
# imports, fonts, connections and two full pages of samples: the same in every child
answer({endpoint!r}, {warm!r}, {warm_days!r})
before = peak_kb()
points, png = answer({endpoint!r}, {bucket!r}, {days!r})
print(points, png, before, peak_kb())
"""


def peak_kb() -> int:
    """Peak resident set of this process since its exec, in KB (VmHWM: a child's own, not its parent's)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status")


def samples_of(endpoint: str, days: int) -> int:
    tracker = tracker_at(endpoint)
    now = tracker.now()
    return sum(1 for _ in tracker.history(history_bucket(days), now - days * DAY, now + 1))


def peak_rss(endpoint: str, lengths: list[int], step_minutes: int) -> dict[str, Any]:
    """Peak RSS growth of one answer per history length, each in a fresh process warmed by an answer that reads two
    full pages of samples (a page is parsed while the one before is still held): what grows beyond that grows with
    the history."""
    from actions.aws.size_store import QUERY_PAGE

    page_days = min(lengths[-1], 2 * QUERY_PAGE * step_minutes // 1440 + 1)
    measured: dict[str, Any] = {}
    for days in lengths:
        code = CHILD.format(root=str(ROOT), bench=str(ROOT / "bench"), endpoint=endpoint, bucket=history_bucket(days),
                            warm=history_bucket(lengths[-1]), warm_days=page_days, days=days)
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
        points, png, before, after = (int(v) for v in out)
        measured[f"{days}d"] = {"days": days, "samples": samples_of(endpoint, days), "chart_points": points,
                                "peak_before_kb": before, "peak_kb": after, "growth_kb": after - before}
    first, last = measured[f"{lengths[-2]}d"], measured[f"{lengths[-1]}d"]
    spread_mb = (last["growth_kb"] - first["growth_kb"]) / 1024
    return {"lengths": measured, "warm_days": page_days, "spread_mb": spread_mb, "target_spread_mb": TARGET_FLAT_MB}


# --- table -----------------------------------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--sample-minutes", type=int, default=60)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--quick", action="store_true", help="small numbers, for the test of this script")
    parser.add_argument("--parts", default="consumer,answer,memory",
                        help="comma-separated subset to run; the other parts' results stay as --out has them")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "trends.json"))
    parser.add_argument("--serve", help=argparse.SUPPRESS)  # internal: run as the moto server process
    args = parser.parse_args()
    if args.serve is not None:
        serve([int(days) for days in args.serve.split(",")], args.sample_minutes)
        return
    if args.quick:
        args.events, args.sample_minutes, args.runs = 200, 240, 3
    parts = set(args.parts.split(","))
    out = Path(args.out)
    results: dict[str, Any] = {}
    if parts != {"consumer", "answer", "memory"} and out.is_file():
        results = json.loads(out.read_text(encoding="utf-8"))
    lengths = [30, 90, 365]
    server, endpoint, fill_s = start_server(lengths, args.sample_minutes)
    when = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        if parts & {"answer", "memory"}:
            results["roll_up"] = roll_up(endpoint, lengths)
        if "consumer" in parts:
            results["consumer"] = {**consumer_ratio(endpoint, args.events), "when": when}
        if "answer" in parts:
            latency = answer_latency(endpoint, 90, args.runs)
            results["history_answer"] = {**latency, "samples": samples_of(endpoint, 90), "when": when,
                                         "sample_minutes": args.sample_minutes}
        if "memory" in parts:
            results["memory"] = {**peak_rss(endpoint, lengths, args.sample_minutes), "when": when,
                                 "sample_minutes": args.sample_minutes}
    finally:
        assert server.stdin is not None
        server.stdin.close()  # the server process exits when its stdin closes
        server.wait(timeout=30)
    results.update(
        when=when, quick=args.quick, sample_minutes=args.sample_minutes, fill_s=fill_s,
        machine={"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
    )
    rows = table(results)
    results["verdicts"] = {name: ok for name, _, _, ok, _ in rows if ok}  # the rows that have a target
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"{'measure':<26} {'value':>10} {'target':>10}  {'':4}  detail")
    for name, value, target, ok, detail in rows:
        print(f"{name:<26} {value:>10} {target:>10}  {ok:4}  {detail}")
    print(f"results: {args.out}")


def table(results: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    """(measure, value, target, PASS/MISS, detail) for each part in ``results``."""
    rows: list[tuple[str, str, str, str, str]] = []
    consumer, latency, memory = (results.get(name) for name in ("consumer", "history_answer", "memory"))
    ratio, ms, flat = f"<= {TARGET_RATIO}", f"<= {TARGET_P50_MS:.0f} ms", f"<= {TARGET_FLAT_MB:.0f} MB"
    if consumer:
        tracker, floor = consumer["tracker"], consumer["floor"]
        rows.append(("consumer / floor", f"{consumer['ratio']:.2f}", ratio, verdict(consumer["ratio"] <= TARGET_RATIO),
                     f"{consumer['events']:,} events: {tracker['seconds']:.1f} s ({consumer['tracker_events_per_s']:.0f}/s)"
                     f" vs bare {floor['seconds']:.1f} s ({consumer['floor_events_per_s']:.0f}/s)"))
        rows.append(("  client thread CPU", f"{consumer['cpu_ratio']:.2f}", ratio,
                     verdict(consumer["cpu_ratio"] <= TARGET_RATIO),
                     f"the consumers' own work, without the server's: {tracker['cpu_seconds']:.1f} s"
                     f" vs {floor['cpu_seconds']:.1f} s"))
    if latency:
        rows.append(("90-day answer p50", f"{latency['p50_ms']:.0f} ms", ms, verdict(latency["p50_ms"] <= TARGET_P50_MS),
                     f"{latency['samples']:,} samples (read as daily roll-ups and today's samples) + chart of "
                     f"{latency['chart_points']} points, "
                     f"p95 {latency['p95_ms']:.0f} ms, {latency['runs']} runs"
                     + (f"; the chart alone p50 {latency['chart_p50_ms']:.0f} ms" if "chart_p50_ms" in latency else "")))
        rows.append(("  client thread CPU p50", f"{latency['cpu_p50_ms']:.0f} ms", ms,
                     verdict(latency["cpu_p50_ms"] <= TARGET_P50_MS),
                     "parsing the pages, the summary and the chart, without the server"
                     + (f"; the chart {latency['chart_cpu_p50_ms']:.0f} ms" if "chart_cpu_p50_ms" in latency else "")))
    if results.get("roll_up"):
        rolled = results["roll_up"]
        rows.append(("roll-up of closed days", f"{rolled['seconds']:.1f} s", "-", "",
                     f"{rolled['days']} days of the three histories, once (the tracker then adds a day a day)"))
    if memory:
        growth = ", ".join(f"{m['days']} d ({m['samples']:,} samples) {m['growth_kb'] / 1024:+.1f} MB"
                           for m in memory["lengths"].values())
        rows.append(("peak RSS, 365 vs 90 days", f"{memory['spread_mb']:+.1f} MB", flat,
                     verdict(memory["spread_mb"] <= TARGET_FLAT_MB), f"growth per answer: {growth}"))
    return rows


if __name__ == "__main__":
    main()
