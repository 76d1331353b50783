"""Server status: this host (instance metadata + psutil) and any instance of the fleet (EC2 + CloudWatch).

Everything here blocks (HTTP to the metadata service, psutil's CPU sample, boto3); callers run it in a thread
executor, never on the event loop.
"""
from __future__ import annotations

import datetime as dt
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psutil
import urllib3
from botocore.exceptions import BotoCoreError, ClientError
from ec2_metadata import EC2Metadata

from actions.aws.errors import UnknownInstance, from_boto

REAL_METADATA_ENDPOINT = "http://169.254.169.254/"
CPU_PERIOD_SECONDS = 300
CPU_WINDOW = dt.timedelta(hours=1)
# Terminated instances linger in describe_instances for an hour; they are not part of the fleet anyone asks about.
_STATE_RANK = {"running": 0, "pending": 1, "stopping": 2, "stopped": 3, "shutting-down": 4, "terminated": 5}


@dataclass(frozen=True)
class HostStatus:
    """This machine. EC2 fields are None off EC2; the host fields are always filled."""

    on_ec2: bool
    instance_id: str | None
    instance_type: str | None
    region: str | None
    availability_zone: str | None
    private_ip: str | None
    public_ip: str | None
    hostname: str  # the instance's private DNS name on EC2, the OS hostname elsewhere
    cpu_percent: float
    memory_percent: float
    disk_percent: float
    uptime_seconds: float
    cpu_count: int


@dataclass(frozen=True)
class _Ec2Facts:
    instance_id: str
    instance_type: str
    region: str
    availability_zone: str
    private_ip: str
    public_ip: str | None
    hostname: str


class _CappedPoolManager(urllib3.PoolManager):
    """ec2-metadata passes its own per-request timeouts (5 s for the token), which beat the pool's; cap them."""

    def __init__(self, *, timeout: float) -> None:
        self._cap = urllib3.Timeout(total=timeout)
        super().__init__(retries=False, timeout=self._cap)

    def urlopen(  # type: ignore[override]  # the same override urllib3's own PoolManager makes
        self, method: str, url: str, redirect: bool = True, **kw: Any
    ) -> urllib3.BaseHTTPResponse:
        kw["timeout"] = self._cap
        kw["retries"] = False
        return super().urlopen(method, url, redirect=redirect, **kw)


def metadata_client(endpoint: str | None, *, timeout: float) -> EC2Metadata:
    """An EC2Metadata pointed at ``endpoint`` (``http://host:port/``; None: the real IMDS) that gives up quickly."""
    base = (endpoint or REAL_METADATA_ENDPOINT).rstrip("/") + "/"
    if base.endswith("/latest/"):
        base = base[: -len("latest/")]
    client = EC2Metadata(pool_manager=_CappedPoolManager(timeout=timeout))
    # ec2-metadata has no URL setting; these four attributes are what its properties read.
    client.service_url = f"{base}latest/"
    client.metadata_url = f"{client.service_url}meta-data/"
    client.dynamic_url = f"{client.service_url}dynamic/"
    client.userdata_url = f"{client.service_url}user-data/"
    return client


class HostStatusService:
    """Facts about the machine the action server runs on. ``collect`` blocks: run it in a thread executor.

    Off EC2 (nothing listening, a timeout, tokens refused) it answers within about ``timeout`` plus
    ``cpu_interval`` seconds with ``on_ec2=False``.
    """

    def __init__(self, *, metadata_endpoint: str | None, timeout: float = 1.0, cpu_interval: float = 0.5) -> None:
        if cpu_interval <= 0:
            # psutil answers 0.0 to a first call without an interval; a sample needs a window
            raise ValueError("cpu_interval must be positive")
        self.metadata_endpoint = metadata_endpoint
        self.timeout = timeout
        self.cpu_interval = cpu_interval

    def collect(self) -> HostStatus:
        facts = self._ec2_facts()
        cpu = psutil.cpu_percent(interval=self.cpu_interval)
        return HostStatus(
            on_ec2=facts is not None,
            instance_id=facts.instance_id if facts else None,
            instance_type=facts.instance_type if facts else None,
            region=facts.region if facts else None,
            availability_zone=facts.availability_zone if facts else None,
            private_ip=facts.private_ip if facts else None,
            public_ip=facts.public_ip if facts else None,
            hostname=facts.hostname if facts else socket.gethostname(),
            cpu_percent=float(cpu),
            memory_percent=float(psutil.virtual_memory().percent),
            disk_percent=float(psutil.disk_usage("/").percent),
            uptime_seconds=max(0.0, time.time() - psutil.boot_time()),
            cpu_count=psutil.cpu_count() or 1,
        )

    def _ec2_facts(self) -> _Ec2Facts | None:
        metadata = metadata_client(self.metadata_endpoint, timeout=self.timeout)
        try:
            # the first read fetches the token; if that fails nothing else is tried
            return _Ec2Facts(
                instance_id=metadata.instance_id,
                instance_type=metadata.instance_type,
                region=metadata.region,
                availability_zone=metadata.availability_zone,
                private_ip=metadata.private_ipv4,
                public_ip=metadata.public_ipv4 or None,
                hostname=metadata.private_hostname,
            )
        except (urllib3.exceptions.HTTPError, OSError, ValueError, KeyError):
            # refused, timed out, 401/403, or a body that is not the identity document: not (usable) EC2
            return None


@dataclass(frozen=True)
class InstanceSummary:
    instance_id: str
    name: str | None
    state: str
    instance_type: str

    @property
    def label(self) -> str:
        return self.name or self.instance_id


@dataclass(frozen=True)
class InstanceStatus:
    instance_id: str
    name: str | None
    instance_type: str
    state: str
    region: str
    availability_zone: str | None
    private_ip: str | None
    public_ip: str | None
    launch_time: dt.datetime | None
    cpu_latest: float | None  # percent, the newest 5-minute datapoint within the last hour
    cpu_latest_at: dt.datetime | None
    cpu_hour_average: float | None  # percent, over the last hour; None without datapoints


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _name_tag(raw: dict[str, Any]) -> str | None:
    return next((t["Value"] for t in raw.get("Tags") or [] if t.get("Key") == "Name"), None)


def _summary(raw: dict[str, Any]) -> InstanceSummary:
    return InstanceSummary(
        instance_id=raw["InstanceId"],
        name=_name_tag(raw),
        state=raw.get("State", {}).get("Name", "unknown"),
        instance_type=raw.get("InstanceType", "unknown"),
    )


def hour_average(datapoints: list[dict[str, Any]]) -> float | None:
    """Average of 5-minute averages, weighted by their sample counts (a period may hold several samples)."""
    weighted = [(float(p["Average"]), float(p.get("SampleCount", 1.0))) for p in datapoints if "Average" in p]
    total = sum(count for _, count in weighted)
    if not weighted or total <= 0:
        return None
    return sum(value * count for value, count in weighted) / total


class FleetService:
    """The account's EC2 instances and their CPU; boto3 clients come in, typed results and our errors go out."""

    def __init__(self, *, ec2: Any, cloudwatch: Any, clock: Callable[[], dt.datetime] = _utcnow) -> None:
        self.ec2 = ec2
        self.cloudwatch = cloudwatch
        self._clock = clock

    def _describe(self) -> list[dict[str, Any]]:
        try:
            pages = self.ec2.get_paginator("describe_instances").paginate()
            instances = [i for page in pages for r in page.get("Reservations", []) for i in r.get("Instances", [])]
        except (ClientError, BotoCoreError) as exc:
            raise from_boto(exc) from exc
        return [i for i in instances if i.get("State", {}).get("Name") != "terminated"]

    def known_instances(self) -> list[InstanceSummary]:
        """Instances that are not terminated, by name (unnamed ones by id)."""
        return sorted((_summary(raw) for raw in self._describe()), key=lambda s: (s.label.lower(), s.instance_id))

    def _resolve_raw(self, name_or_id: str) -> dict[str, Any]:
        wanted = name_or_id.strip()
        instances = self._describe()
        by_id = [raw for raw in instances if raw["InstanceId"] == wanted]
        by_name = [raw for raw in instances if (_name_tag(raw) or "").lower() == wanted.lower()]
        matches = by_id or by_name
        if not matches:
            known = sorted({_summary(raw).label for raw in instances}, key=str.lower)
            raise UnknownInstance(wanted, known)
        # names are not unique in EC2: prefer the one that is running, then the newest
        matches.sort(key=lambda raw: str(raw.get("LaunchTime") or ""), reverse=True)
        matches.sort(key=lambda raw: _STATE_RANK.get(raw.get("State", {}).get("Name", ""), 9))
        return matches[0]

    def resolve(self, name_or_id: str) -> InstanceSummary:
        """The instance with this Name tag (any case) or id; raises UnknownInstance listing the known names."""
        return _summary(self._resolve_raw(name_or_id))

    def status(self, name_or_id: str) -> InstanceStatus:
        raw = self._resolve_raw(name_or_id)
        summary = _summary(raw)
        datapoints = self._cpu_datapoints(summary.instance_id)
        latest = max(datapoints, key=lambda p: p["Timestamp"]) if datapoints else None
        launch_time = raw.get("LaunchTime")
        return InstanceStatus(
            instance_id=summary.instance_id,
            name=summary.name,
            instance_type=summary.instance_type,
            state=summary.state,
            region=str(self.ec2.meta.region_name),
            availability_zone=raw.get("Placement", {}).get("AvailabilityZone") or None,
            private_ip=raw.get("PrivateIpAddress") or None,
            public_ip=raw.get("PublicIpAddress") or None,
            launch_time=launch_time.astimezone(dt.UTC) if isinstance(launch_time, dt.datetime) else None,
            cpu_latest=float(latest["Average"]) if latest else None,
            cpu_latest_at=latest["Timestamp"].astimezone(dt.UTC) if latest else None,
            cpu_hour_average=hour_average(datapoints),
        )

    def _cpu_datapoints(self, instance_id: str) -> list[dict[str, Any]]:
        end = self._clock()
        try:
            response = self.cloudwatch.get_metric_statistics(
                Namespace="AWS/EC2",
                MetricName="CPUUtilization",
                Dimensions=[{"Name": "InstanceId", "Value": instance_id}],
                StartTime=end - CPU_WINDOW,
                EndTime=end,
                Period=CPU_PERIOD_SECONDS,
                Statistics=["Average", "SampleCount"],
            )
        except (ClientError, BotoCoreError) as exc:
            raise from_boto(exc, instance=instance_id) from exc
        return [p for p in response.get("Datapoints", []) if "Average" in p]
