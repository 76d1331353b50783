"""The sandbox keeps each instance's CPU curve going after seeding, one five-minute point at a time."""
from __future__ import annotations

import datetime as dt
import time

from actions.aws.clients import ClientFactory
from sandbox.demo_data import INSTANCES
from sandbox.metrics import cpu_value
from sandbox.seed import SeededInstance, cpu_key
from sandbox.server import _CpuTicker

START = dt.datetime(2026, 11, 22, 10, 1, 0, tzinfo=dt.UTC)


def instance(name: str, instance_id: str) -> SeededInstance:
    return SeededInstance(
        name=name, instance_id=instance_id, instance_type="t3.micro", image_id="ami-1", availability_zone="us-east-1a",
        private_ip="172.31.0.10", public_ip=None, private_dns="", public_dns=None, mac="02:00:00:00:00:01",
        launch_time=START,
    )


def test_ticker_puts_the_next_point_of_each_curve(aws: ClientFactory) -> None:
    cloudwatch = aws.client("cloudwatch")
    instances = (instance("web-1", "i-00000000000000001"), instance("batch-1", "i-00000000000000002"))
    # seeding ended at the 10:00 point; the clock now says 10:07, so the 10:05 point is due at once
    readings = iter([START])
    ticker = _CpuTicker(
        cloudwatch=cloudwatch, instances=instances, now=lambda: next(readings, START + dt.timedelta(minutes=6))
    )
    ticker.start()
    try:
        deadline = time.monotonic() + 10
        points: list[dict[str, object]] = []
        while time.monotonic() < deadline and len(points) < 2:
            points = [
                p
                for i in instances
                for p in cloudwatch.get_metric_statistics(
                    Namespace="AWS/EC2", MetricName="CPUUtilization",
                    Dimensions=[{"Name": "InstanceId", "Value": i.instance_id}],
                    StartTime=START - dt.timedelta(hours=1), EndTime=START + dt.timedelta(hours=1),
                    Period=300, Statistics=["Average"],
                )["Datapoints"]
            ]
            time.sleep(0.1)
    finally:
        ticker.stop()
    due = dt.datetime(2026, 11, 22, 10, 5, tzinfo=dt.UTC)
    profiles = {spec.name: spec.cpu for spec in INSTANCES}
    expected = sorted(cpu_value(profiles[i.name], due, key=cpu_key(i)) for i in instances)
    assert sorted(float(p["Average"]) for p in points) == expected  # type: ignore[arg-type]
    assert {p["Timestamp"] for p in points} == {due}
