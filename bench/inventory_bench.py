"""Benchmark of the inventory loader (a script, not a test), against moto's server in a child process (with the
sandbox's DynamoDB speedups, as ``make sandbox`` runs it):

1. load: a ``store,item,count`` file of ``--rows`` rows (default 1,000,000; 1 in 200 counts at 0) put into S3 and
   loaded by ``InventoryLoader.load`` into an empty inventory table - streamed from S3, parsed, grouped by store,
   per 99 rows of a store a BatchGetItem and a TransactWriteItems conditional on the store's guard, out-of-stock
   alerts published to SNS - divided by the floor: the same rows, already parsed, written bare with boto3's
   ``batch_writer`` into a table of the same schema (same indexes), run before and after the load and averaged.
   Target <= 1.2. Also the CPU both take (this process and the server's), which other work on the machine does
   not change.
2. memory: the loader's peak RSS growth over the load (this process; the table lives in the server's). Target:
   constant in file size - the growth is compared with a load of a tenth of the rows.
3. reload: the same event delivered again (the file's mark says it is loaded: one read); and again without the
   mark, as after a load that broke off at its last row (every row read, nothing written, no alert).

    .venv/bin/python bench/inventory_bench.py [--rows 1000000] [--quick]

Prints a table and writes bench/results/inventory.json.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import platform
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
for _var, _value in {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                     "AWS_DEFAULT_REGION": "us-east-1"}.items():
    os.environ.setdefault(_var, _value)

BUCKET = "bench-inventory"
TARGET_RATIO = 1.2
STORES = 20
ZERO_EVERY = 200


def factory_at(endpoint: str) -> Any:
    from actions.aws.clients import AwsSettings, ClientFactory

    return ClientFactory(AwsSettings(region="us-east-1", endpoint_url=endpoint))


def serve() -> None:
    """Child process: moto's server until stdin closes (AWS is another machine: its threads must not compete with
    what is measured)."""
    import logging

    from moto.server import ThreadedMotoServer

    from sandbox.speedups import install_dynamodb_speedups

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    install_dynamodb_speedups()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    print(f"READY http://{host}:{port}", flush=True)
    sys.stdin.read()
    server.stop()


def start_server() -> tuple[subprocess.Popen[str], str]:
    server = subprocess.Popen([sys.executable, __file__, "--serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    assert server.stdout is not None
    line = server.stdout.readline().split()
    if not line or line[0] != "READY":
        server.kill()
        raise SystemExit("the moto server process did not start")
    return server, line[1]


def stop_server(server: subprocess.Popen[str]) -> None:
    assert server.stdin is not None
    server.stdin.close()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:  # freeing a million items can take minutes: nothing left to measure
        server.kill()
        server.wait()


def row(n: int) -> tuple[str, str, int]:
    store = f"Store {n % STORES:02d}"
    item = f"Item {n // STORES:07d}, \"{'size L' if n % 3 else 'size M'}\""  # quoted: a comma and quotes
    return store, item, 0 if n % ZERO_EVERY == 7 else (n * 7919) % 500 + 1


def csv_bytes(rows: int) -> bytes:
    out = io.StringIO()
    out.write("\ufeffStore,Item,Count\r\n")
    for n in range(rows):
        store, item, count = row(n)
        out.write(f'{store},"{item.replace(chr(34), chr(34) * 2)}",{count}\r\n')
    return out.getvalue().encode("utf-8")


def peak_kb() -> int:
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def server_cpu(pid: int) -> float:
    import psutil

    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


def load(endpoint: str, pid: int, rows: int, prefix: str, key: str) -> dict[str, Any]:
    """Put the file, then time the loader (first load, then the same file again)."""
    from actions.aws.inventory.alerts import StockAlerts
    from actions.aws.inventory.loader import InventoryLoader, S3Object
    from actions.aws.inventory.store import InventoryStore, mark_key

    factory = factory_at(endpoint)
    s3 = factory.client("s3")
    body = csv_bytes(rows)
    s3.put_object(Bucket=BUCKET, Key=key, Body=body)
    etag = s3.head_object(Bucket=BUCKET, Key=key)["ETag"].strip('"')
    size = len(body)
    del body
    store = InventoryStore(factory.client("dynamodb"), prefix=prefix)
    store.ensure_table()
    loader = InventoryLoader(s3=s3, store=store, alerts=StockAlerts(factory.client("sns"), topic=prefix + "alerts"))
    obj = S3Object(bucket=BUCKET, key=key, version="", etag=etag,
                   event_time=datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                   sequencer="")
    before = peak_kb()
    started, cpu, served = time.perf_counter(), time.thread_time(), server_cpu(pid)
    result = loader.load(obj)
    seconds, cpu_seconds = time.perf_counter() - started, time.thread_time() - cpu
    server_seconds = server_cpu(pid) - served
    growth = peak_kb() - before
    started = time.perf_counter()
    again = loader.load(obj)
    reload_seconds = time.perf_counter() - started
    store.dynamodb.delete_item(TableName=store.table, Key=mark_key(obj.source()))
    started = time.perf_counter()
    reread = loader.load(obj)
    reread_seconds = time.perf_counter() - started
    assert result.loaded == rows and result.bad_rows == 0, result
    assert again.loaded == 0 and again.transitions == 0 and again.unchanged == rows and again.loaded_before, again
    assert reread.loaded == 0 and reread.transitions == 0 and reread.unchanged == rows, reread
    return {"rows": rows, "file_mb": round(size / 2**20, 1), "seconds": seconds, "cpu_seconds": cpu_seconds,
            "server_cpu_seconds": server_seconds,
            "rows_per_s": rows / seconds, "transitions": result.transitions, "peak_rss_growth_kb": growth,
            "reload_seconds": reload_seconds, "reread_seconds": reread_seconds}


def floor(endpoint: str, pid: int, rows: int, prefix: str) -> dict[str, Any]:
    """The same rows, parsed already, as bare puts through ``batch_writer`` (25 an BatchWriteItem)."""
    from actions.aws.inventory.store import InventoryStore, name_key

    factory = factory_at(endpoint)
    store = InventoryStore(factory.client("dynamodb"), prefix=prefix)
    store.ensure_table()
    table = factory.session().resource("dynamodb", endpoint_url=endpoint, config=factory.config()).Table(store.table)
    when = int(time.time())
    started, cpu, served = time.perf_counter(), time.thread_time(), server_cpu(pid)
    with table.batch_writer() as batch:
        for n in range(rows):
            store_name, item, count = row(n)
            entry: dict[str, Any] = {
                "store": name_key(store_name), "item": name_key(item), "store_name": store_name, "item_name": item,
                "count": count, "order": f"bench/{n:08d}", "updated_at": when, "source_bucket": BUCKET,
                "source_key": "floor.csv", "source_version": "", "source_etag": "e", "event_time": "t"}
            if count == 0:
                entry.update(out_since=when, out_store=name_key(store_name))
            batch.put_item(Item=entry)
    seconds, cpu_seconds = time.perf_counter() - started, time.thread_time() - cpu
    return {"rows": rows, "seconds": seconds, "cpu_seconds": cpu_seconds, "server_cpu_seconds": server_cpu(pid) - served,
            "rows_per_s": rows / seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="20,000 rows, for a look")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "inventory.json"))
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve()
        return
    rows = 20_000 if args.quick else args.rows
    when = datetime.now(UTC).isoformat(timespec="seconds")
    server, endpoint = start_server()
    try:
        factory_at(endpoint).client("s3").create_bucket(Bucket=BUCKET)
        small = load(endpoint, server.pid, max(1, rows // 10), "bench-small-", "small.csv")  # baseline, warm-up
        # The floor before and after the load, averaged: the machine may be busier during one than the other.
        floors = [floor(endpoint, server.pid, rows, "bench-floor-1-")]
        loaded = load(endpoint, server.pid, rows, "bench-", "inventory.csv")
        floors.append(floor(endpoint, server.pid, rows, "bench-floor-2-"))
        bare = {name: sum(f[name] for f in floors) / 2 for name in floors[0]}
        bare["runs_seconds"] = [f["seconds"] for f in floors]
    finally:
        stop_server(server)
    ratio = loaded["seconds"] / bare["seconds"]
    results = {"when": when, "rows": rows, "load": loaded, "small_load": small, "floor": bare, "ratio": ratio,
               "cpu_ratio": loaded["cpu_seconds"] / bare["cpu_seconds"],
               "total_cpu_ratio": (loaded["cpu_seconds"] + loaded["server_cpu_seconds"])
               / (bare["cpu_seconds"] + bare["server_cpu_seconds"]), "target_ratio": TARGET_RATIO,
               "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                           "platform": platform.platform()}}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    verdict = "PASS" if ratio <= TARGET_RATIO else "MISS"
    print(f"{'measure':<28} {'value':>12} {'target':>8}  {'':4}  detail")
    print(f"{'load / batch_writer floor':<28} {ratio:>12.2f} {'<= 1.2':>8}  {verdict:4}  "
          f"{rows:,} rows ({loaded['file_mb']} MB): {loaded['seconds']:.1f} s ({loaded['rows_per_s']:,.0f}/s) vs "
          f"bare {bare['seconds']:.1f} s ({bare['rows_per_s']:,.0f}/s); {loaded['transitions']:,} alerts")
    print(f"{'  client thread CPU':<28} {results['cpu_ratio']:>12.2f} {'':>8}  {'':4}  "
          f"{loaded['cpu_seconds']:.1f} s vs {bare['cpu_seconds']:.1f} s (parsing and the loader's own work)")
    print(f"{'  client + server CPU':<28} {results['total_cpu_ratio']:>12.2f} {'':>8}  {'':4}  "
          f"{loaded['cpu_seconds'] + loaded['server_cpu_seconds']:.1f} s vs "
          f"{bare['cpu_seconds'] + bare['server_cpu_seconds']:.1f} s (the work, whatever else runs on the machine)")
    print(f"{'peak RSS growth':<28} {loaded['peak_rss_growth_kb'] / 1024:>9.1f} MB {'flat':>8}  {'':4}  "
          f"{rows:,} rows; {small['rows']:,} rows: {small['peak_rss_growth_kb'] / 1024:.1f} MB "
          f"(the first load also warms the process)")
    print(f"{'reload (idempotent)':<28} {loaded['reload_seconds']:>10.1f} s {'':>8}  {'':4}  "
          f"the event again: the file's mark read, nothing else")
    print(f"{'  without the mark':<28} {loaded['reread_seconds']:>10.1f} s {'':>8}  {'':4}  "
          f"as after a load broken off at its end: every row read, nothing written, no alert")
    print(f"results: {args.out}")


if __name__ == "__main__":
    main()
