"""Benchmark of forecasts and right-sizing end to end (a script, not a test): the service layer the capacity skills
run, against moto's server in this process (with the sandbox's GetMetricData) holding ``--instances`` instances with
14 days of five-minute CPU each (web servers, night batch jobs and idle boxes of several families, put straight into
moto's CloudWatch backend; every read goes through HTTP).

1. one instance: read its history, choose a model by rolling-origin CV, forecast the next 7 days and right-size it
   (``actions.skills.capacity.outlook.outlook``) - p50 / max of ``--runs``, the first (statsmodels' import) apart.
   Target <= 3 s.
2. the fleet: ``fleet_outlooks`` over every instance, as "which of our servers are oversized?" runs it (histories
   read one by one, forecasts in worker processes), wall time with the phases. Target <= 120 s for 100.

    .venv/bin/python bench/capacity_bench.py [--instances 100] [--runs 5]

Prints a table and writes bench/results/capacity.json.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
for _var, _value in {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                     "AWS_DEFAULT_REGION": "us-east-1"}.items():
    os.environ.setdefault(_var, _value)

RESULTS = ROOT / "bench" / "results"
TARGET_ONE_S = 3.0
TARGET_FLEET_S = 120.0
TYPES = ("t3.micro", "t3.small", "t3.medium", "m5.large", "c5.large", "r5.large", "m6i.xlarge", "c6i.2xlarge")


def profiles() -> list[Any]:
    from sandbox.metrics import CpuProfile

    return [
        CpuProfile(level=12, amplitude=38, peak_hour=14),  # web
        CpuProfile(level=8, amplitude=22, peak_hour=14),  # quiet web
        CpuProfile(level=6, amplitude=45, peak_hour=2, noise=5),  # night batch
        CpuProfile(level=3, amplitude=2, noise=1, weekend_factor=1.0),  # idle
        CpuProfile(level=35, amplitude=40, peak_hour=11, noise=6),  # busy
    ]


def seed(endpoint: str, count: int, now: dt.datetime) -> None:
    import boto3

    from sandbox.metrics import cpu_series, datum, put_in_backend

    ec2 = boto3.client("ec2", endpoint_url=endpoint, region_name="us-east-1")
    image = ec2.describe_images(ImageIds=["ami-04681a1dbd79675a5"])["Images"][0]["ImageId"]
    shapes = profiles()
    for index in range(count):
        name = f"fleet-{index:03d}"
        launched = ec2.run_instances(
            ImageId=image, MinCount=1, MaxCount=1, InstanceType=TYPES[index % len(TYPES)],
            TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": name}]}])
        instance_id = launched["Instances"][0]["InstanceId"]
        points = cpu_series(shapes[index % len(shapes)], key=f"bench:{name}", end=now - dt.timedelta(minutes=1),
                            span=dt.timedelta(days=14))
        put_in_backend("123456789012", "us-east-1", "AWS/EC2", (
            datum("CPUUtilization", value, at, {"InstanceId": instance_id}, "Percent") for at, value in points))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instances", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    import logging

    from moto.server import ThreadedMotoServer

    from actions.aws.capacity import CapacityHistory
    from actions.aws.clients import AwsSettings, ClientFactory
    from actions.core.horizons import parse_horizon
    from actions.skills.capacity.outlook import CapacitySettings, fleet_outlooks, outlook
    from sandbox.metrics import install_fast_metric_queries

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per request would bury the table
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    undo = install_fast_metric_queries()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        now = dt.datetime.now(dt.UTC)
        started = time.perf_counter()
        seed(endpoint, args.instances, now)
        seeded = time.perf_counter() - started
        factory = ClientFactory(AwsSettings(region="us-east-1", endpoint_url=endpoint))
        capacity = CapacityHistory(ec2=factory.client("ec2"), cloudwatch=factory.client("cloudwatch"),
                                   clock=lambda: now)
        settings = CapacitySettings()
        horizon = parse_horizon("next week", now)
        assert horizon is not None
        first = capacity.running()[0]
        single: list[float] = []
        for _ in range(args.runs + 1):
            began = time.perf_counter()
            outlook(capacity, first, horizon, region="us-east-1", settings=settings, rightsize=True)
            single.append(time.perf_counter() - began)
        phases: dict[str, float] = {}
        began = time.perf_counter()

        def progress(done: int, total: int | None) -> None:
            if total and done == total // 2 and "histories" not in phases:
                phases["histories"] = time.perf_counter() - began

        done, skipped = fleet_outlooks(capacity, horizon, region="us-east-1", settings=settings, progress=progress)
        fleet_s = time.perf_counter() - began
    finally:
        undo()
        server.stop()
    findings: dict[str, int] = {}
    for result in done:
        if result.recommendation is not None:
            findings[result.recommendation.finding] = findings.get(result.recommendation.finding, 0) + 1
    warm = single[1:]
    report = {
        "date": dt.date.today().isoformat(), "machine": f"{os.cpu_count()} cores, Python {platform.python_version()}",
        "instances": args.instances, "seed_s": round(seeded, 1),
        "one_instance_s": {"first": round(single[0], 2), "p50": round(statistics.median(warm), 2),
                           "max": round(max(warm), 2), "target": TARGET_ONE_S},
        "fleet_s": {"total": round(fleet_s, 1), "histories": round(phases.get("histories", 0.0), 1),
                    "forecasts_and_sizing": round(fleet_s - phases.get("histories", 0.0), 1),
                    "target": TARGET_FLEET_S},
        "judged": len(done), "skipped": len(skipped), "findings": findings,
    }
    rows = [
        ("one instance: history, choice, 7-day forecast, recommendation (p50 / max; first)",
         f"{report['one_instance_s']['p50']} / {report['one_instance_s']['max']} s; {report['one_instance_s']['first']} s",
         f"<= {TARGET_ONE_S} s"),
        (f"fleet of {args.instances}: total (histories + forecasts and sizing)",
         f"{report['fleet_s']['total']} s ({report['fleet_s']['histories']} + "
         f"{report['fleet_s']['forecasts_and_sizing']} s)", f"<= {TARGET_FLEET_S:.0f} s"),
        ("findings", ", ".join(f"{k} {v}" for k, v in sorted(findings.items())), "-"),
    ]
    width = max(len(r[0]) for r in rows)
    for label, figure, target in rows:
        print(f"{label:<{width}}  {figure:<28}  {target}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "capacity.json").write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
