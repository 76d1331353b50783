"""Fills a moto server with the demo account (sandbox/demo_data.py) through boto3, as a user of AWS would.

The demo buckets are tracked by the size tracker (``SizeTracker.track``, the code path of "start tracking ...") and
get 90 days of size history (sandbox/history.py); the instances get a month of CPU and network metrics; the inventory
bucket gets its store files, which the tracker's inventory consumer loads once it runs (sandbox/inventory.py).

Two back doors into moto's in-process backends, so the moto server must run in this process: object ages (S3 sets
LastModified itself) and the instances' metric history (a hundred thousand points, ten times faster than through
HTTP). Seeding adds what is missing and leaves what exists.
"""
from __future__ import annotations

import datetime as dt
import ipaddress
import mimetypes
import random
import urllib.request
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from actions.aws.size_tables import DEFAULT_PREFIX as DEFAULT_TABLE_PREFIX
from actions.aws.size_tracking import SizeSample, SizeTracker
from sandbox.demo_data import INSTANCES, DemoBucket, DemoInstance, content, demo_buckets
from sandbox.history import size_history
from sandbox.inventory import seed_inventory
from sandbox.metrics import chunks, datum, instance_data, put_in_backend, steps, storage_type

FAKE_ACCESS_KEY = "sandbox"
FAKE_SECRET_KEY = "sandbox"
S3_HISTORY_DAYS = 14
INSTANCE_HISTORY = dt.timedelta(days=35)  # "this month" and "in November" on the 2nd of December have data
DEMO_IMAGE_ID = "ami-04681a1dbd79675a5"  # Amazon Linux 2 in moto's built-in image list


class SeedError(RuntimeError):
    """The demo data could not be put in place (e.g. the moto server is not in this process)."""


@dataclass(frozen=True)
class SeededInstance:
    name: str
    instance_id: str
    instance_type: str
    image_id: str
    availability_zone: str
    private_ip: str
    public_ip: str | None
    private_dns: str
    public_dns: str | None
    mac: str
    launch_time: dt.datetime


@dataclass(frozen=True)
class SeedResult:
    account_id: str
    buckets: tuple[str, ...]
    instances: tuple[SeededInstance, ...]
    objects_created: int
    bytes_created: int
    tracked: tuple[str, ...] = ()  # buckets this seeding started tracking (and wrote history for)
    inventory_files: tuple[str, ...] = ()  # store files put into the inventory bucket (the tracker loads them)

    def instance(self, name: str) -> SeededInstance:
        return next(i for i in self.instances if i.name == name)


def sandbox_clients(
    endpoint_url: str, region: str,
    services: tuple[str, ...] = ("s3", "ec2", "cloudwatch", "sts", "dynamodb", "sqs"),
) -> dict[str, Any]:
    """boto3 clients with the sandbox's fake credentials (the caller's environment may have none)."""
    session = boto3.session.Session(
        aws_access_key_id=FAKE_ACCESS_KEY, aws_secret_access_key=FAKE_SECRET_KEY, region_name=region
    )
    config = Config(s3={"addressing_style": "path"}, retries={"max_attempts": 2})
    return {
        name: session.client(name, endpoint_url=endpoint_url, config=config)
        for name in services
    }


def seed_demo(
    *, endpoint_url: str, region: str, seed: int = 42, now: dt.datetime | None = None,
    table_prefix: str = DEFAULT_TABLE_PREFIX,
) -> SeedResult:
    """Seed buckets (tracked, with size history), instances and metric history; a second call finds them and adds
    nothing. ``table_prefix`` names the size tracker's tables and queue, as CLOUDBUTLER_TABLE_PREFIX does."""
    now = now or dt.datetime.now(dt.UTC)
    clients = sandbox_clients(endpoint_url, region)
    account = clients["sts"].get_caller_identity()["Account"]
    instances, new_instances = _ensure_instances(
        clients["ec2"], endpoint_url=endpoint_url, seed=seed, account=account, region=region, now=now
    )
    for instance in instances:
        if instance.instance_id in new_instances:
            _put_instance_history(instance, account=account, region=region, now=now)
    buckets = demo_buckets(now, seed)
    objects = size = 0
    rng = random.Random(seed)
    created_buckets = []
    for bucket in buckets:
        if _bucket_exists(clients["s3"], bucket.name):
            continue
        created, written = _create_bucket(clients["s3"], bucket, region=region, rng=rng)
        _backdate(bucket, account=account, region=region, now=now)
        created_buckets.append(bucket)
        objects += created
        size += written
    tracker = SizeTracker(dynamodb=clients["dynamodb"], s3=clients["s3"], sqs=clients["sqs"],
                          cloudwatch=clients["cloudwatch"], prefix=table_prefix, clock=now.timestamp)
    for bucket in created_buckets:
        history = _track_with_history(tracker, bucket.name, now=now, seed=seed)
        _put_storage_history(clients["cloudwatch"], bucket.name, history, now=now)
    inventory = seed_inventory(clients["s3"], clients["sqs"], region=region, prefix=table_prefix)
    return SeedResult(account, tuple(b.name for b in buckets), tuple(instances), objects, size,
                      tuple(b.name for b in created_buckets), inventory)


# --- EC2 ---------------------------------------------------------------------------------------------------------


def _describe_all(ec2: Any) -> list[dict[str, Any]]:
    pages = ec2.get_paginator("describe_instances").paginate(
        Filters=[{"Name": "instance-state-name", "Values": ["pending", "running", "stopping", "stopped"]}]
    )
    return [i for page in pages for r in page["Reservations"] for i in r["Instances"]]


def _name(instance: dict[str, Any]) -> str | None:
    return next((t["Value"] for t in instance.get("Tags", []) if t["Key"] == "Name"), None)


def _ensure_instances(
    ec2: Any, *, endpoint_url: str, seed: int, account: str, region: str, now: dt.datetime
) -> tuple[list[SeededInstance], set[str]]:
    existing = {_name(i): i for i in _describe_all(ec2)}
    missing = [spec for spec in INSTANCES if spec.name not in existing]
    new_ids: set[str] = set()
    if missing:
        if not existing:
            # moto draws ids and public IPs from its own generator; seeding it makes them the same every run
            request = urllib.request.Request(f"{endpoint_url.rstrip('/')}/moto-api/seed?a={seed}", method="POST")
            urllib.request.urlopen(request, timeout=10).close()
        image_id = _pick_image(ec2)
        subnets = sorted(
            ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"],
            key=lambda s: s["AvailabilityZone"],
        )
        if not subnets:
            raise SeedError("the sandbox region has no default subnets")
        for spec in missing:
            created = _run(ec2, spec, image_id=image_id, subnet=subnets[spec.az_index % len(subnets)])
            existing[spec.name] = created
            new_ids.add(created["InstanceId"])
            launched = now - dt.timedelta(days=spec.launched_days_ago)
            _backdate_launch(created["InstanceId"], account=account, region=region, at=launched)
    described = {_name(i): i for i in _describe_all(ec2)}
    return [_summary(spec.name, described[spec.name]) for spec in INSTANCES], new_ids


def _backdate_launch(instance_id: str, *, account: str, region: str, at: dt.datetime) -> None:
    """An instance launched a moment ago makes a poor demo of uptime; moto keeps naive UTC times."""
    from moto.ec2.models import ec2_backends

    try:
        instance = ec2_backends[account][region].get_instance(instance_id)
    except Exception:
        raise SeedError("back-dating instances needs the moto server running in this process") from None
    instance.launch_time = at.astimezone(dt.UTC).replace(tzinfo=None)


def _pick_image(ec2: Any) -> str:
    # by id: moto filters its ~1300 built-in images by name in seconds, by id at once
    try:
        return str(ec2.describe_images(ImageIds=[DEMO_IMAGE_ID])["Images"][0]["ImageId"])
    except (ClientError, IndexError):
        images = ec2.describe_images(Owners=["amazon"])["Images"]
        return str(sorted(images, key=lambda i: i["ImageId"])[0]["ImageId"])


def _run(ec2: Any, spec: DemoInstance, *, image_id: str, subnet: dict[str, Any]) -> dict[str, Any]:
    network = ipaddress.ip_network(subnet["CidrBlock"])
    tags = [{"Key": "Name", "Value": spec.name}] + [{"Key": k, "Value": v} for k, v in spec.tags.items()]
    response = ec2.run_instances(
        ImageId=image_id,
        InstanceType=spec.instance_type,
        MinCount=1,
        MaxCount=1,
        SubnetId=subnet["SubnetId"],
        PrivateIpAddress=str(network.network_address + spec.host_offset),
        TagSpecifications=[{"ResourceType": "instance", "Tags": tags}],
    )
    return dict(response["Instances"][0])


def _summary(name: str, raw: dict[str, Any]) -> SeededInstance:
    interfaces = raw.get("NetworkInterfaces") or [{}]
    return SeededInstance(
        name=name,
        instance_id=raw["InstanceId"],
        instance_type=raw["InstanceType"],
        image_id=raw["ImageId"],
        availability_zone=raw["Placement"]["AvailabilityZone"],
        private_ip=raw["PrivateIpAddress"],
        public_ip=raw.get("PublicIpAddress") or None,
        private_dns=raw.get("PrivateDnsName") or "",
        public_dns=raw.get("PublicDnsName") or None,
        mac=interfaces[0].get("MacAddress") or "02:00:00:00:00:01",
        launch_time=raw["LaunchTime"],
    )


def cpu_key(instance: SeededInstance) -> str:
    """The jitter key for an instance's curve; the sandbox's ticker uses the same one to continue it."""
    return f"cpu:{instance.name}"


def _put_instance_history(instance: SeededInstance, *, account: str, region: str, now: dt.datetime) -> None:
    """CPUUtilization, NetworkIn and NetworkOut every five minutes since launch, at most INSTANCE_HISTORY back."""
    spec = next(s for s in INSTANCES if s.name == instance.name)
    start = max(now - INSTANCE_HISTORY, instance.launch_time)
    data = [
        point
        for at in steps(start, now - dt.timedelta(minutes=1))
        for point in instance_data(spec.cpu, spec.network, at, key=cpu_key(instance), instance_id=instance.instance_id)
    ]
    # _backdate_launch made sure the server runs in this process
    put_in_backend(account, region, "AWS/EC2", data)


# --- S3 ----------------------------------------------------------------------------------------------------------


def _bucket_exists(s3: Any, name: str) -> bool:
    try:
        s3.head_bucket(Bucket=name)
    except ClientError:
        return False
    return True


def _create_bucket(s3: Any, bucket: DemoBucket, *, region: str, rng: random.Random) -> tuple[int, int]:
    extra = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    s3.create_bucket(Bucket=bucket.name, **extra)
    if bucket.tags:
        tag_set = [{"Key": k, "Value": v} for k, v in bucket.tags.items()]
        s3.put_bucket_tagging(Bucket=bucket.name, Tagging={"TagSet": tag_set})
    if bucket.versioned:
        s3.put_bucket_versioning(Bucket=bucket.name, VersioningConfiguration={"Status": "Enabled"})
    if bucket.lifecycle_rules:
        s3.put_bucket_lifecycle_configuration(
            Bucket=bucket.name, LifecycleConfiguration={"Rules": list(bucket.lifecycle_rules)}
        )
    objects = size = 0
    for obj in bucket.objects:
        content_type = mimetypes.guess_type(obj.key)[0] or "application/octet-stream"
        for version in obj.versions:
            s3.put_object(
                Bucket=bucket.name,
                Key=obj.key,
                Body=content(obj.key, version.size, rng),
                ContentType=content_type,
                StorageClass=obj.storage_class,
            )
            objects += 1
            size += version.size
        if obj.deleted_age_days is not None:
            s3.delete_object(Bucket=bucket.name, Key=obj.key)
    return objects, size


def _backdate(bucket: DemoBucket, *, account: str, region: str, now: dt.datetime) -> None:
    from moto.s3.models import s3_backends
    from moto.utilities.utils import get_partition

    try:
        fake_bucket = s3_backends[account][get_partition(region)].buckets[bucket.name]
    except KeyError:
        raise SeedError("back-dating S3 objects needs the moto server running in this process") from None
    naive_now = now.astimezone(dt.UTC).replace(tzinfo=None)  # moto keeps naive UTC times
    for obj in bucket.objects:
        ages = [v.age_days for v in obj.versions]
        if obj.deleted_age_days is not None:
            ages.append(obj.deleted_age_days)
        stored = fake_bucket.keys.getlist(obj.key, [])
        for key, age in zip(stored, ages, strict=False):
            key.last_modified = naive_now - dt.timedelta(days=age)


def _track_with_history(tracker: SizeTracker, bucket: str, *, now: dt.datetime, seed: int) -> list[SizeSample]:
    """Track ``bucket`` as "start tracking" does, then write its made-up past, which ends at what was just listed."""
    tracked = tracker.track(bucket)
    history = size_history(bucket, tracked.classes, now=now, seed=seed)
    tracker.write_samples(bucket, history, source="seed")
    return history


def _put_storage_history(cloudwatch: Any, bucket: str, history: list[SizeSample], *, now: dt.datetime) -> None:
    """S3's daily storage metrics for the days before today, told from the same history as the tracker's (S3 stamps
    them at midnight UTC); today's comes live from moto (see sandbox/metrics.py)."""
    today = now.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    at_midnight = {sample.ts: sample for sample in history}
    data: list[dict[str, Any]] = []
    for days_ago in range(S3_HISTORY_DAYS, 0, -1):
        at = today - dt.timedelta(days=days_ago)
        sample = at_midnight.get(int(at.timestamp()))
        if sample is None:
            continue
        per_type = {"StandardStorage": 0}
        for storage_class, (size, _) in sample.classes.items():
            per_type[storage_type(storage_class)] = per_type.get(storage_type(storage_class), 0) + size
        dims = {"BucketName": bucket}
        data += [datum("BucketSizeBytes", size, at, dims | {"StorageType": kind}, "Bytes")
                 for kind, size in sorted(per_type.items())]
        data.append(datum("NumberOfObjects", sample.objects, at, dims | {"StorageType": "AllStorageTypes"}, "Count"))
    for part in chunks(data):
        cloudwatch.put_metric_data(Namespace="AWS/S3", MetricData=part)
