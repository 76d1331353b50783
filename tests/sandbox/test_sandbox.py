"""A Sandbox on free ports with the demo account: what a person (or the action server) finds in it."""
from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config

from actions.aws.server import FleetService, HostStatusService
from actions.aws.size_tracking import SizeSample, SizeTracker
from sandbox import Sandbox
from sandbox.demo_data import INVENTORY_BUCKET, demo_buckets
from sandbox.seed import seed_demo

BUCKETS = {"media-library-prod", "acme-invoices", "app-logs.eu-west-1", "data-lake-raw-2024", "backups-archive"}


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(aws_port=0, imds_port=0, region="us-east-1") as running:
        yield running


def client(sandbox: Sandbox, service: str) -> Any:
    env = sandbox.env()
    return boto3.client(
        service,
        endpoint_url=env["AWS_ENDPOINT_URL"],
        region_name=env["AWS_REGION"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        config=Config(s3={"addressing_style": "path"}),
    )


def all_versions(s3: Any, bucket: str) -> list[dict[str, Any]]:
    pages = s3.get_paginator("list_object_versions").paginate(Bucket=bucket)
    return [v for page in pages for v in page.get("Versions", [])]


def all_objects(s3: Any) -> list[dict[str, Any]]:
    objects: list[dict[str, Any]] = []
    for bucket in sorted(BUCKETS):
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            objects.extend({**o, "Bucket": bucket} for o in page.get("Contents", []))
    return objects


def test_endpoints_carry_the_bound_ports(sandbox: Sandbox) -> None:
    env = sandbox.env()
    assert set(env) == {
        "AWS_ENDPOINT_URL", "AWS_EC2_METADATA_SERVICE_ENDPOINT", "AWS_REGION", "AWS_DEFAULT_REGION",
        "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "CLOUDBUTLER_INVENTORY_BUCKETS",
    }
    assert env["CLOUDBUTLER_INVENTORY_BUCKETS"] == INVENTORY_BUCKET
    assert env["AWS_ENDPOINT_URL"] == sandbox.aws_endpoint
    assert env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] == sandbox.imds_endpoint
    assert (env["AWS_REGION"], env["AWS_DEFAULT_REGION"]) == ("us-east-1", "us-east-1")
    assert sandbox.aws_endpoint.startswith("http://127.0.0.1:") and not sandbox.aws_endpoint.endswith(":0")
    assert sandbox.imds_endpoint.startswith("http://127.0.0.1:") and sandbox.imds_endpoint.endswith("/")
    assert requests.get(f"{sandbox.aws_endpoint}/moto-api/", timeout=5).status_code == 200


def test_demo_buckets(sandbox: Sandbox) -> None:
    s3 = client(sandbox, "s3")
    assert {b["Name"] for b in s3.list_buckets()["Buckets"]} == BUCKETS | {INVENTORY_BUCKET}


def test_objects_are_backdated(sandbox: Sandbox) -> None:
    s3 = client(sandbox, "s3")
    now = dt.datetime.now(dt.UTC)
    objects = all_objects(s3)
    robots = next(o for o in objects if o["Key"] == "robots.txt")
    assert 709.9 < (now - robots["LastModified"]).total_seconds() / 86400 < 710.1
    ages = [(now - o["LastModified"]).days for o in objects]
    assert max(ages) >= 690 and min(ages) == 0
    assert sum(1 for age in ages if age > 365) >= 20


def test_storage_classes_and_sizes(sandbox: Sandbox) -> None:
    objects = all_objects(client(sandbox, "s3"))
    assert {o["StorageClass"] for o in objects} == {
        "STANDARD", "STANDARD_IA", "GLACIER", "DEEP_ARCHIVE", "INTELLIGENT_TIERING",
    }
    sizes = [o["Size"] for o in objects]
    assert min(sizes) == 0 and sum(1 for s in sizes if s < 128 * 1024) >= 10
    assert sum(1 for s in sizes if s > 1024 * 1024) >= 3
    assert sum(sizes) < 60 * 1024 * 1024
    keys = {o["Key"] for o in objects}
    assert "images/products/hero-banner.jpg" in keys
    assert any(k.startswith("logs/app/") and k.endswith(".log.gz") for k in keys)


def test_versions_and_delete_marker(sandbox: Sandbox) -> None:
    s3 = client(sandbox, "s3")
    assert s3.get_bucket_versioning(Bucket="acme-invoices")["Status"] == "Enabled"
    versions = s3.list_object_versions(Bucket="acme-invoices", Prefix="contracts/")["Versions"]
    assert sorted(v["Size"] for v in versions) == [301_220, 309_874, 325_006]
    latest = next(v for v in versions if v["IsLatest"])
    assert latest["Size"] == 325_006
    markers = s3.list_object_versions(Bucket="acme-invoices", Prefix="drafts/")["DeleteMarkers"]
    assert [(m["Key"], m["IsLatest"]) for m in markers] == [("drafts/INV-draft-0099.pdf", True)]
    listed = s3.list_objects_v2(Bucket="acme-invoices", Prefix="drafts/")
    assert listed.get("KeyCount") == 0


def test_lifecycle_rule_exists(sandbox: Sandbox) -> None:
    rules = client(sandbox, "s3").get_bucket_lifecycle_configuration(Bucket="app-logs.eu-west-1")["Rules"]
    assert [r["ID"] for r in rules] == ["archive-app-logs"]
    assert [t["StorageClass"] for t in rules[0]["Transitions"]] == ["STANDARD_IA", "GLACIER"]


def test_three_named_instances(sandbox: Sandbox) -> None:
    ec2 = client(sandbox, "ec2")
    instances = [i for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]]
    named = {next(t["Value"] for t in i["Tags"] if t["Key"] == "Name"): i for i in instances}
    assert {n: i["InstanceType"] for n, i in named.items()} == {
        "web-1": "t3.micro", "web-2": "t3.medium", "batch-1": "c5.large",
    }
    assert {i["State"]["Name"] for i in instances} == {"running"}
    assert len({i["PrivateIpAddress"] for i in instances}) == 3
    assert len({i["PublicIpAddress"] for i in instances}) == 3
    assert all(i["Placement"]["AvailabilityZone"].startswith("us-east-1") for i in instances)


def test_imds_speaks_for_web_1(sandbox: Sandbox) -> None:
    web1 = FleetService(ec2=client(sandbox, "ec2"), cloudwatch=client(sandbox, "cloudwatch")).status("web-1")
    host = HostStatusService(metadata_endpoint=sandbox.imds_endpoint, cpu_interval=0.1).collect()
    assert host.on_ec2 is True
    assert (host.instance_id, host.instance_type, host.region) == (web1.instance_id, "t3.micro", "us-east-1")
    assert (host.availability_zone, host.private_ip, host.public_ip) == (
        web1.availability_zone, web1.private_ip, web1.public_ip,
    )
    # launched weeks ago, not when the sandbox started
    assert web1.launch_time is not None
    assert (dt.datetime.now(dt.UTC) - web1.launch_time).days == 40


def cpu_points(cloudwatch: Any, instance_id: str, start: dt.datetime, end: dt.datetime) -> list[dict[str, Any]]:
    return list(
        cloudwatch.get_metric_statistics(
            Namespace="AWS/EC2", MetricName="CPUUtilization",
            Dimensions=[{"Name": "InstanceId", "Value": instance_id}],
            StartTime=start, EndTime=end, Period=300, Statistics=["Average"],
        )["Datapoints"]
    )


def test_cpu_history_for_the_last_hour_and_a_week_ago(sandbox: Sandbox) -> None:
    assert sandbox.seeded is not None
    cloudwatch = client(sandbox, "cloudwatch")
    now = dt.datetime.now(dt.UTC)
    for instance in sandbox.seeded.instances:
        last_hour = cpu_points(cloudwatch, instance.instance_id, now - dt.timedelta(hours=1), now)
        assert len(last_hour) >= 11
        assert all(0 < p["Average"] < 100 for p in last_hour)
        week_ago = now - dt.timedelta(days=7)
        assert len(cpu_points(cloudwatch, instance.instance_id, week_ago, week_ago + dt.timedelta(hours=1))) >= 11
    status = FleetService(ec2=client(sandbox, "ec2"), cloudwatch=cloudwatch).status("batch-1")
    assert status.cpu_latest is not None and status.cpu_hour_average is not None


def size_tracker(sandbox: Sandbox) -> SizeTracker:
    return SizeTracker(dynamodb=client(sandbox, "dynamodb"), s3=client(sandbox, "s3"), sqs=client(sandbox, "sqs"),
                       prefix=sandbox.table_prefix)


def listed(s3: Any, bucket: str) -> dict[str, tuple[int, int]]:
    """Bytes and objects per storage class of what a listing shows (current versions)."""
    classes: dict[str, tuple[int, int]] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for obj in page.get("Contents", []):
            size, count = classes.get(obj["StorageClass"], (0, 0))
            classes[obj["StorageClass"]] = (size + obj["Size"], count + 1)
    return classes


def seeded_history(sandbox: Sandbox, bucket: str) -> list[SizeSample]:
    now = int(time.time())
    return list(size_tracker(sandbox).history(bucket, now - 100 * 86400, now + 3600))


def test_every_demo_bucket_is_tracked_at_its_listed_size(sandbox: Sandbox) -> None:
    tracked = {t.bucket: t for t in size_tracker(sandbox).tracked()}
    assert set(tracked) == BUCKETS
    assert sandbox.seeded is not None and set(sandbox.seeded.tracked) == BUCKETS
    s3 = client(sandbox, "s3")
    for name, figures in tracked.items():
        assert figures.classes == listed(s3, name), name
        assert figures.bytes == sum(size for size, _ in figures.classes.values())


def test_ninety_days_of_history_end_at_the_listed_size(sandbox: Sandbox) -> None:
    s3 = client(sandbox, "s3")
    for name in BUCKETS:
        history = seeded_history(sandbox, name)
        assert history[-1].classes == listed(s3, name), name
        assert history[-1].bytes == sum(size for size, _ in history[-1].classes.values())
        days = (history[-1].ts - history[0].ts) / 86400
        assert 89 <= days <= 90.1, (name, days)
        assert len(history) >= 150  # daily, then every six hours for the last month
        sizes = [sample.bytes for sample in history]
        assert min(sizes) > 0 and max(sizes) > sizes[-1], name  # the spike rose above today's size


def test_the_buckets_send_their_events_to_the_trackers_queue(sandbox: Sandbox) -> None:
    sqs = client(sandbox, "sqs")
    url = sqs.get_queue_url(QueueName=f"{sandbox.table_prefix}size-events")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    s3 = client(sandbox, "s3")
    for name in BUCKETS:
        queues = s3.get_bucket_notification_configuration(Bucket=name)["QueueConfigurations"]
        assert [(q["Id"], q["QueueArn"]) for q in queues] == [("cloudbutler-size-tracking", arn)], name
        assert sorted(queues[0]["Events"]) == ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"]


def test_daily_storage_metrics_tell_the_same_story_as_the_tracker(sandbox: Sandbox) -> None:
    cloudwatch = client(sandbox, "cloudwatch")
    now = dt.datetime.now(dt.UTC)
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    history = {sample.ts: sample for sample in seeded_history(sandbox, "app-logs.eu-west-1")}
    points = cloudwatch.get_metric_statistics(
        Namespace="AWS/S3", MetricName="BucketSizeBytes",
        Dimensions=[{"Name": "BucketName", "Value": "app-logs.eu-west-1"},
                    {"Name": "StorageType", "Value": "StandardStorage"}],
        StartTime=now - dt.timedelta(days=15), EndTime=now, Period=86400, Statistics=["Average"],
    )["Datapoints"]
    daily = {int(p["Timestamp"].timestamp()): p["Average"] for p in points}
    assert len(daily) == 15  # 14 days of history and today's live value
    for ts, value in daily.items():
        if ts < int(today.timestamp()):
            assert value == history[ts].classes["STANDARD"][0]
    s3 = client(sandbox, "s3")
    standard = sum(v["Size"] for v in all_versions(s3, "app-logs.eu-west-1") if v["StorageClass"] == "STANDARD")
    assert daily[int(today.timestamp())] == standard
    counts = cloudwatch.get_metric_statistics(
        Namespace="AWS/S3", MetricName="NumberOfObjects",
        Dimensions=[{"Name": "BucketName", "Value": "acme-invoices"},
                    {"Name": "StorageType", "Value": "AllStorageTypes"}],
        StartTime=now - dt.timedelta(days=2), EndTime=now, Period=86400, Statistics=["Average"],
    )["Datapoints"]
    latest = max(counts, key=lambda p: p["Timestamp"])
    assert latest["Average"] == len(all_versions(s3, "acme-invoices"))  # S3 counts older versions too


def instance_series(cloudwatch: Any, instance_id: str, start: dt.datetime, end: dt.datetime) -> dict[str, list[Any]]:
    queries = [
        {"Id": name.lower(), "ReturnData": True, "MetricStat": {
            "Metric": {"Namespace": "AWS/EC2", "MetricName": name,
                       "Dimensions": [{"Name": "InstanceId", "Value": instance_id}]},
            "Period": 300, "Stat": "Average"}}
        for name in ("CPUUtilization", "NetworkIn", "NetworkOut")
    ]
    series: dict[str, list[Any]] = {}
    for page in cloudwatch.get_paginator("get_metric_data").paginate(
        MetricDataQueries=queries, StartTime=start, EndTime=end, ScanBy="TimestampAscending"
    ):
        for result in page["MetricDataResults"]:
            series.setdefault(result["Id"], []).extend(zip(result["Timestamps"], result["Values"], strict=True))
    return series


def test_a_month_of_cpu_and_network_in_five_minute_points(sandbox: Sandbox) -> None:
    assert sandbox.seeded is not None
    cloudwatch = client(sandbox, "cloudwatch")
    now = dt.datetime.now(dt.UTC)
    start = now - dt.timedelta(days=30)
    for instance in sandbox.seeded.instances:
        series = instance_series(cloudwatch, instance.instance_id, start, now)
        first = max(start, instance.launch_time)  # nothing before the instance existed
        expected = (now - first) / dt.timedelta(minutes=5)
        for name in ("cpuutilization", "networkin", "networkout"):
            points = series[name]
            assert expected - 2 <= len(points) <= expected + 1, (instance.name, name, len(points))
            assert points[0][0] >= first.replace(microsecond=0) - dt.timedelta(minutes=5)
        assert all(0 < value < 100 for _, value in series["cpuutilization"])
        received = sum(value for _, value in series["networkin"])
        sent = sum(value for _, value in series["networkout"])
        assert (sent > received) == instance.name.startswith("web"), instance.name  # web serves, batch pulls


def test_seeding_again_adds_nothing(sandbox: Sandbox) -> None:
    cloudwatch = client(sandbox, "cloudwatch")
    now = dt.datetime.now(dt.UTC)
    assert sandbox.seeded is not None
    web1 = sandbox.seeded.instance("web-1")
    before = len(cpu_points(cloudwatch, web1.instance_id, now - dt.timedelta(days=8), now))
    history = {name: seeded_history(sandbox, name) for name in BUCKETS}
    again = seed_demo(endpoint_url=sandbox.aws_endpoint, region=sandbox.region, table_prefix=sandbox.table_prefix)
    assert (again.objects_created, again.bytes_created, again.tracked, again.inventory_files) == (0, 0, (), ())
    assert again.instances == sandbox.seeded.instances
    assert len(cpu_points(cloudwatch, web1.instance_id, now - dt.timedelta(days=8), now)) == before
    assert {name: seeded_history(sandbox, name) for name in BUCKETS} == history
    ec2 = client(sandbox, "ec2")
    assert sum(len(r["Instances"]) for r in ec2.describe_instances()["Reservations"]) == 3


def test_demo_catalogue_matches_what_was_seeded(sandbox: Sandbox) -> None:
    assert sandbox.seeded is not None
    expected = sum(len(o.versions) for b in demo_buckets(dt.datetime.now(dt.UTC), 42) for o in b.objects)
    assert sandbox.seeded.objects_created == expected
    assert sandbox.seeded.bytes_created < 60 * 1024 * 1024
