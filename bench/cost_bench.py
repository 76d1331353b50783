"""Benchmark of the cost skill (a script, not a test): listing overhead, memory, inventory throughput.

Measures, against moto's server in a child process on a free loopback port:
1. analysis time of a 100,000-object bucket / bare paginated listing time (median of a few runs each;
   target <= 1.15);
2. peak RSS growth of the analysing process from a 10,000- to a 100,000-object bucket, each measured in
   a fresh subprocess with resource.getrusage (target < 30 MB);
3. S3 Inventory rows per second on 5,000,000 generated CSV rows (download + checksum + DuckDB).

moto's server runs in a child process (as S3 is a different machine for a real client). Objects are created
directly in that process's S3 backend (``backend.put_object``): ~100x faster than 100,000 PUTs over HTTP,
and the listing under test still goes through HTTP and botocore like production.

    .venv/bin/python bench/cost_bench.py [--objects 100000] [--small 10000] [--runs 3] [--rows 5000000]

Prints a table and writes bench/results/cost.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
for _var, _value in {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_DEFAULT_REGION": "us-east-1",
}.items():
    os.environ.setdefault(_var, _value)

NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)
CLASSES = ("STANDARD",) * 7 + ("STANDARD_IA", "GLACIER", "INTELLIGENT_TIERING")


def fill_bucket(name: str, count: int) -> None:
    """Create ``name`` with ``count`` objects of varied size, class and age inside moto's backend."""
    from moto.backends import get_backend
    from moto.core import DEFAULT_ACCOUNT_ID

    backend = get_backend("s3")[DEFAULT_ACCOUNT_ID]["global"]
    backend.create_bucket(name, "us-east-1")
    bucket = backend.buckets[name]
    base = NOW.replace(tzinfo=None)
    for i in range(count):
        key = backend.put_object(name, f"data/{i:08d}", b"x" * (i % 97), storage=CLASSES[i % len(CLASSES)])
        key.last_modified = base - timedelta(days=i % 700, hours=7)
    assert len(bucket.keys) == count


def cache_moto_listing() -> None:
    """Bench-only: moto re-lists and re-sorts the whole bucket for every ListObjectsV2 page (O(n) per page,
    ~2.5 s per page at 100,000 keys). Cache the full key list per (bucket, prefix, delimiter) - keys do not
    change during the benchmark - so a page costs what it costs on real S3's client side: HTTP, moto's XML
    rendering of 1,000 keys, botocore parsing. Both sides of the ratio use the same server."""
    from moto.s3.models import S3Backend

    original = S3Backend.list_objects
    cache: dict[tuple[int, str | None, str | None], Any] = {}

    def cached(self: Any, bucket: Any, prefix: Any, delimiter: Any, marker: Any, max_keys: Any) -> Any:
        if marker is not None or max_keys is not None:
            return original(self, bucket, prefix, delimiter, marker, max_keys)
        key = (id(bucket), prefix, delimiter)
        if key not in cache:
            keys, folders, truncated, next_marker = original(self, bucket, prefix, delimiter, marker, max_keys)
            cache[key] = (sorted(keys, key=lambda k: k.name), folders, truncated, next_marker)
        keys, folders, truncated, next_marker = cache[key]
        return list(keys), list(folders), truncated, next_marker

    S3Backend.list_objects = cached  # type: ignore[method-assign]


def client(endpoint: str) -> Any:
    from actions.aws.clients import AwsSettings, ClientFactory

    return ClientFactory(AwsSettings(region="us-east-1", endpoint_url=endpoint)).client("s3")


def bare_listing(s3: Any, bucket: str) -> int:
    seen = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, PaginationConfig={"PageSize": 1000}):
        seen += len(page.get("Contents", ()))
    return seen


def analysis(s3: Any, bucket: str) -> int:
    from actions.aws.cost.analysis import CostAnalyser

    return CostAnalyser(s3=s3).analyse(bucket, region="us-east-1", now=NOW).objects


def loop_cost(objects: int) -> dict[str, float]:
    """The analysis' own per-object work alone: scan_pages over pages already parsed into memory."""
    from dateutil.tz import tzutc

    from actions.aws.cost.analysis import scan_pages

    now = NOW.astimezone(tzutc())
    pages = [
        {
            "Contents": [
                {
                    "Key": f"k{i}",
                    "Size": i % 97,
                    "LastModified": now - timedelta(days=i % 700),
                    "StorageClass": CLASSES[i % 10],
                }
                for i in range(start, min(start + 1000, objects))
            ]
        }
        for start in range(0, objects, 1000)
    ]
    times = []
    for _ in range(5):
        started = time.perf_counter()
        scan_pages(pages, now=NOW)
        times.append(time.perf_counter() - started)
    return {"objects": objects, "min_s": min(times), "us_per_object": min(times) / objects * 1e6}


def time_ratio(endpoint: str, bucket: str, runs: int) -> dict[str, Any]:
    """The ratio against moto over HTTP in its own process (moto's listing cost is part of the denominator)."""
    return _ratio(client(endpoint), bucket, runs)


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Any:
        yield self._body


def replay_ratio(endpoint: str, bucket: str, runs: int) -> dict[str, Any]:
    """The strict version of the ratio: ListObjectsV2 pages recorded once from moto and replayed from memory
    through botocore (``before-send`` returns the recorded response), so the denominator is only what a client
    must do per page (botocore's XML parsing) - no server, no network. Real S3 adds ~50-200 ms per page."""
    import re
    import urllib.parse

    import requests
    from botocore.awsrequest import AWSResponse

    pages: dict[str, bytes] = {}
    token = ""
    while True:
        query = {"list-type": "2", "max-keys": "1000", "encoding-type": "url"}
        if token:
            query["continuation-token"] = token
        body = requests.get(f"{endpoint}/{bucket}", params=query, timeout=600).content
        pages[token] = body
        found = re.search(rb"<NextContinuationToken>([^<]+)</NextContinuationToken>", body)
        if not found:
            break
        token = found.group(1).decode()

    def reply(request: Any, **_: Any) -> AWSResponse:
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(request.url).query)
        body = pages[query.get("continuation-token", [""])[0]]
        return AWSResponse(request.url, 200, {"Content-Type": "application/xml"}, _Raw(body))

    s3 = client(endpoint)
    s3.meta.events.register("before-send.s3.ListObjectsV2", reply)
    s3.meta.events.register(
        "before-send.s3.GetBucketVersioning",
        lambda request, **_: AWSResponse(
            request.url, 200, {}, _Raw(b'<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"/>')
        ),
    )
    return _ratio(s3, bucket, runs)


def _ratio(s3: Any, bucket: str, runs: int) -> dict[str, Any]:
    """Median wall time and median CPU time of this (client) thread, listing vs. analysis, interleaved.

    The thread CPU time leaves out moto's server threads and other processes on a shared machine, so it
    is the steadier measure of what the analysis adds on the client side."""
    bare_listing(s3, bucket)  # warm up connections and caches once
    wall: dict[str, list[float]] = {"listing": [], "analysis": []}
    cpu: dict[str, list[float]] = {"listing": [], "analysis": []}
    counts = []
    for _ in range(runs):  # interleaved, so drift on a shared machine hits both alike
        for name, run in (("listing", bare_listing), ("analysis", analysis)):
            started, started_cpu = time.perf_counter(), time.thread_time()
            counts.append(run(s3, bucket))
            wall[name].append(time.perf_counter() - started)
            cpu[name].append(time.thread_time() - started_cpu)
    assert len(set(counts)) == 1, counts
    median = {
        kind: {name: statistics.median(v) for name, v in data.items()} for kind, data in (("wall", wall), ("cpu", cpu))
    }
    return {
        "objects": counts[0],
        "runs": runs,
        "wall_s": wall,
        "thread_cpu_s": cpu,
        "listing_median_s": median["wall"]["listing"],
        "analysis_median_s": median["wall"]["analysis"],
        "ratio": median["wall"]["analysis"] / median["wall"]["listing"],
        "ratio_of_minimums": min(wall["analysis"]) / min(wall["listing"]),
        "median_of_paired_ratios": statistics.median(a / b for a, b in zip(wall["analysis"], wall["listing"], strict=True)),
        "ratio_thread_cpu": median["cpu"]["analysis"] / median["cpu"]["listing"],
        "per_object_overhead_us": (median["cpu"]["analysis"] - median["cpu"]["listing"]) / counts[0] * 1e6,
        "target": 1.15,
    }


CHILD = """
import resource, sys
sys.path.insert(0, {root!r})
sys.path.insert(0, {bench!r})
from cost_bench import analysis, client, peak_kb
s3 = client({endpoint!r})
s3.list_buckets()
before = peak_kb()
objects = analysis(s3, {bucket!r})
print(objects, before, peak_kb())
"""


def peak_kb() -> int:
    """Peak resident set of this process since its exec, in KB.

    /proc's VmHWM, not getrusage's ru_maxrss: a child forked from this (large) benchmark process inherits
    the parent's peak in ru_maxrss, while VmHWM belongs to the new address space that exec created."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def peak_rss(endpoint: str, bucket: str) -> dict[str, int]:
    code = CHILD.format(root=str(ROOT), bench=str(ROOT / "bench"), endpoint=endpoint, bucket=bucket)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    objects, before_kb, after_kb = (int(v) for v in out)
    return {"objects": objects, "peak_before_analysis_kb": before_kb, "peak_rss_kb": after_kb}


def inventory_throughput(endpoint: str, rows: int) -> dict[str, Any]:
    from actions.aws.cost.inventory import InventoryAnalyser
    from tests.actions.aws.cost.inventory_fixtures import generate_csv_gz, put_inventory

    s3 = client(endpoint)
    s3.create_bucket(Bucket="bench-inventory")
    with tempfile.TemporaryDirectory() as tmp:
        half = rows // 2
        paths = [os.path.join(tmp, "part-0.csv.gz"), os.path.join(tmp, "part-1.csv.gz")]
        started = time.perf_counter()
        workers = [
            threading.Thread(target=generate_csv_gz, args=(paths[0], 0, half)),
            threading.Thread(target=generate_csv_gz, args=(paths[1], half, rows)),
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        generate_s = time.perf_counter() - started
        size = sum(os.path.getsize(p) for p in paths)
        key = put_inventory(s3, source_bucket="src-bucket", destination_bucket="bench-inventory", files=paths)
    started = time.perf_counter()
    report = InventoryAnalyser(s3=s3).analyse("bench-inventory", key, now=NOW, region="us-east-1")
    elapsed = time.perf_counter() - started
    assert report.objects == rows
    return {
        "rows": rows,
        "files": 2,
        "csv_gz_bytes": size,
        "generate_s": generate_s,
        "analyse_s": elapsed,
        "rows_per_s": rows / elapsed,
    }


def serve(fill: list[tuple[str, int]], cache: bool) -> None:
    """Child process: moto's server with the buckets filled in its backend, until stdin closes.

    The server runs in its own process, as S3 does for a real client: in the benchmark's process its
    threads would compete with the code under test for the GIL and inflate exactly what is measured."""
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request on the table's terminal
    if cache:
        cache_moto_listing()
    started = time.perf_counter()
    for name, count in fill:
        fill_bucket(name, count)
    fill_s = time.perf_counter() - started
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    print(f"READY http://{host}:{port} {fill_s:.3f}", flush=True)
    sys.stdin.read()
    server.stop()


def start_server(fill: list[tuple[str, int]], cache: bool) -> tuple[subprocess.Popen[str], str, float]:
    spec = ",".join(f"{name}={count}" for name, count in fill)
    command = [sys.executable, __file__, "--serve", spec] + ([] if cache else ["--moto-as-is"])
    server = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    line = server.stdout.readline().split()
    if not line or line[0] != "READY":
        server.kill()
        raise SystemExit("the moto server process did not start")
    return server, line[1], float(line[2])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--parts", default="ratio,rss,inventory", help="comma-separated subset to run")
    parser.add_argument("--moto-as-is", action="store_true", help="do not cache moto's per-page full listing")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "cost.json"))
    parser.add_argument("--serve", help=argparse.SUPPRESS)  # internal: run as the moto server process
    args = parser.parse_args()
    if args.serve is not None:
        fill = [(name, int(count)) for name, count in (item.split("=") for item in args.serve.split(",") if item)]
        serve(fill, cache=not args.moto_as_is)
        return

    parts = set(args.parts.split(","))
    fill = [("bench-large", args.objects), ("bench-small", args.small)] if parts & {"ratio", "rss"} else []
    server, endpoint, fill_s = start_server(fill, cache=not args.moto_as_is)
    results: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "moto_listing_cached": not args.moto_as_is,
    }
    rows: list[tuple[str, str, str, str]] = []
    try:
        if fill:
            results["fill_backend_s"] = fill_s
        if "ratio" in parts:
            loop = results["scan_pages_alone"] = loop_cost(args.objects)
            rows.append(
                ("scan_pages alone", f"{loop['us_per_object']:.2f} us", "-",
                 f"{loop['min_s'] * 1000:.0f} ms for {args.objects:,} parsed objects (best of 5)")
            )  # fmt: skip
            strict = results["listing_ratio_replayed_pages"] = replay_ratio(endpoint, "bench-large", args.runs)
            ratio = results["listing_ratio"] = time_ratio(endpoint, "bench-large", args.runs)
            rows += [
                (
                    "analysis / bare listing",
                    f"{ratio['ratio']:.3f}",
                    "<= 1.15",
                    f"wall, moto over HTTP: {ratio['analysis_median_s']:.2f} s / {ratio['listing_median_s']:.2f} s, "
                    f"{ratio['objects']:,} objects, median of {ratio['runs']}",
                ),
                (
                    "  min / min",
                    f"{ratio['ratio_of_minimums']:.3f}",
                    "<= 1.15",
                    f"median of paired ratios {ratio['median_of_paired_ratios']:.3f}",
                ),
                (
                    "  client thread CPU",
                    f"{ratio['ratio_thread_cpu']:.3f}",
                    "<= 1.15",
                    f"{ratio['per_object_overhead_us']:.2f} us/object added",
                ),
                (
                    "  pages replayed (wall)",
                    f"{strict['ratio']:.3f}",
                    "<= 1.15",
                    f"no server: {strict['analysis_median_s']:.2f} s / {strict['listing_median_s']:.2f} s, "
                    f"min/min {strict['ratio_of_minimums']:.3f}",
                ),
                (
                    "  pages replayed (CPU)",
                    f"{strict['ratio_thread_cpu']:.3f}",
                    "<= 1.15",
                    f"{strict['per_object_overhead_us']:.2f} us/object added",
                ),
            ]
        if "rss" in parts:
            small, large = peak_rss(endpoint, "bench-small"), peak_rss(endpoint, "bench-large")
            growth_mb = (large["peak_rss_kb"] - small["peak_rss_kb"]) / 1024
            results["rss"] = {"small": small, "large": large, "growth_mb": growth_mb, "target_mb": 30}
            rows.append(
                (
                    "peak RSS growth",
                    f"{growth_mb:.1f} MB",
                    "< 30 MB",
                    f"{small['peak_rss_kb'] / 1024:.1f} MB ({args.small:,}) -> "
                    f"{large['peak_rss_kb'] / 1024:.1f} MB ({args.objects:,})",
                )
            )
        if "inventory" in parts:
            inventory = results["inventory"] = inventory_throughput(endpoint, args.rows)
            rows.append(
                (
                    "inventory rows/s",
                    f"{inventory['rows_per_s']:,.0f}",
                    "-",
                    f"{args.rows:,} rows in {inventory['analyse_s']:.1f} s (download + md5 + DuckDB)",
                )
            )
    finally:
        server.stdin.close()  # the server process exits when its stdin closes
        server.wait(timeout=30)

    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"{'measure':<26} {'value':>12} {'target':>9}  detail")
    for name, value, target, detail in rows:
        print(f"{name:<26} {value:>12} {target:>9}  {detail}")
    print(f"results: {args.out}")


if __name__ == "__main__":
    main()
