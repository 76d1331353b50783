"""CloudWatch numbers for the sandbox: deterministic CPU and network curves per instance, honest S3 storage metrics,
and metric queries that take milliseconds.

moto's own S3 storage metric reports ``sys.getsizeof`` of its key objects (64 bytes a key) as today's
``BucketSizeBytes``; a bucket-size chart would end in a cliff. ``install_s3_storage_metrics`` swaps in one that adds up
the real object sizes per storage class, while a sandbox runs. moto's GetMetricData compares every datapoint with
every period (a month of five-minute points for three instances: 30 s a query); ``install_fast_metric_queries``
gives the same answers in one pass.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import math
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

CPU_STEP = dt.timedelta(minutes=5)

# S3 storage class -> the StorageType dimension AWS/S3 BucketSizeBytes uses for it.
STORAGE_TYPES = {
    "STANDARD": "StandardStorage",
    "STANDARD_IA": "StandardIAStorage",
    "ONEZONE_IA": "OneZoneIAStorage",
    "REDUCED_REDUNDANCY": "ReducedRedundancyStorage",
    "GLACIER_IR": "GlacierInstantRetrievalStorage",
    "GLACIER": "GlacierStorage",
    "DEEP_ARCHIVE": "DeepArchiveStorage",
    "INTELLIGENT_TIERING": "IntelligentTieringFAStorage",
}


def storage_type(storage_class: str | None) -> str:
    return STORAGE_TYPES.get(storage_class or "STANDARD", "StandardStorage")


@dataclass(frozen=True)
class CpuProfile:
    """A daily curve: ``level`` all day, plus up to ``amplitude`` in the 12 hours around ``peak_hour`` (UTC)."""

    level: float
    amplitude: float
    peak_hour: float = 13.0
    noise: float = 3.0
    weekend_factor: float = 0.35


def normals(text: str) -> tuple[float, float]:
    """Two independent standard normal numbers drawn from a hash of ``text`` (Box-Muller): the same text gives the
    same numbers, at a tenth of the cost of seeding a ``random.Random`` per point."""
    digest = hashlib.blake2b(text.encode(), digest_size=16).digest()
    first = (int.from_bytes(digest[:8], "big") + 1) / 2**64  # (0, 1]: its logarithm is finite
    second = int.from_bytes(digest[8:], "big") / 2**64
    radius = math.sqrt(-2.0 * math.log(first))
    return radius * math.cos(2 * math.pi * second), radius * math.sin(2 * math.pi * second)


def cpu_value(profile: CpuProfile, at: dt.datetime, *, key: str) -> float:
    """CPU % at ``at``; the jitter is seeded by (key, timestamp) so re-generating a point gives the same number."""
    hour = at.hour + at.minute / 60
    offset = (hour - profile.peak_hour + 12) % 24 - 12
    bump = max(0.0, math.cos(math.pi * offset / 12))
    if at.weekday() >= 5:
        bump *= profile.weekend_factor
    jitter = profile.noise * normals(f"{key}:{int(at.timestamp())}")[0]
    return round(min(99.9, max(0.1, profile.level + profile.amplitude * bump + jitter)), 2)


@dataclass(frozen=True)
class NetworkProfile:
    """Bytes an instance receives in five minutes at full CPU (``in_mb`` MB; a tenth of it when idle) and how many
    bytes it sends per byte received: web servers send more than they receive, batch jobs the other way round."""

    in_mb: float
    out_ratio: float
    noise: float = 0.15


INSTANCE_METRICS = ("CPUUtilization", "NetworkIn", "NetworkOut")


def network_values(profile: NetworkProfile, cpu: float, at: dt.datetime, *, key: str) -> tuple[float, float]:
    """(NetworkIn, NetworkOut) bytes of the five minutes at ``at``, following the CPU curve; deterministic per
    (key, timestamp) like ``cpu_value``."""
    first, second = normals(f"{key}:net:{int(at.timestamp())}")
    received = profile.in_mb * 1024 * 1024 * (0.1 + cpu / 100) * math.exp(profile.noise * first)
    sent = received * profile.out_ratio * math.exp(profile.noise / 2 * second)
    return float(round(received)), float(round(sent))


def instance_data(
    cpu: CpuProfile, network: NetworkProfile, at: dt.datetime, *, key: str, instance_id: str
) -> list[dict[str, Any]]:
    """The ``MetricData`` of one instance at one five-minute step: CPUUtilization, NetworkIn, NetworkOut."""
    dims = {"InstanceId": instance_id}
    percent = cpu_value(cpu, at, key=key)
    received, sent = network_values(network, percent, at, key=key)
    return [
        datum("CPUUtilization", percent, at, dims, "Percent"),
        datum("NetworkIn", received, at, dims, "Bytes"),
        datum("NetworkOut", sent, at, dims, "Bytes"),
    ]


def steps(start: dt.datetime, end: dt.datetime, step: dt.timedelta = CPU_STEP) -> list[dt.datetime]:
    """The step boundaries from the first at or after ``start`` to the last at or before ``end``."""
    first = floor_to_step(start, step)
    if first < start:
        first += step
    last = floor_to_step(end, step)
    return [first + step * i for i in range(int((last - first) / step) + 1)] if last >= first else []


def floor_to_step(moment: dt.datetime, step: dt.timedelta = CPU_STEP) -> dt.datetime:
    seconds = int(step.total_seconds())
    epoch = int(moment.timestamp())
    return dt.datetime.fromtimestamp(epoch - epoch % seconds, tz=dt.UTC)


def cpu_series(
    profile: CpuProfile, *, key: str, end: dt.datetime, span: dt.timedelta = dt.timedelta(days=7)
) -> list[tuple[dt.datetime, float]]:
    """Five-minute points from ``end - span`` up to the last step boundary at or before ``end``, oldest first."""
    last = floor_to_step(end)
    count = int(span / CPU_STEP)
    return [(t, cpu_value(profile, t, key=key)) for t in (last - CPU_STEP * i for i in range(count, -1, -1))]


def datum(
    name: str, value: float, at: dt.datetime, dimensions: dict[str, str], unit: str
) -> dict[str, Any]:
    """One ``MetricData`` entry for put_metric_data."""
    return {
        "MetricName": name,
        "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()],
        "Timestamp": at,
        "Value": float(value),
        "Unit": unit,
    }


def chunks(items: list[dict[str, Any]], size: int = 500) -> Iterator[list[dict[str, Any]]]:
    """put_metric_data takes at most 1000 entries a call."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _moto_s3_storage_metrics(account_id: str, region: str) -> list[Any]:
    from moto.cloudwatch.models import MetricDatum
    from moto.core.utils import utcnow
    from moto.s3.models import FakeDeleteMarker, s3_backends
    from moto.utilities.utils import get_partition

    midnight = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    backend = s3_backends[account_id][get_partition(region)]
    metrics: list[Any] = []
    for name, bucket in list(backend.buckets.items()):
        if bucket.region_name != region:
            continue  # AWS reports a bucket's storage in its own region only
        sizes: dict[str, int] = defaultdict(int)
        sizes["StandardStorage"] = 0
        count = 0
        # noncurrent versions are billed storage too, as in AWS's numbers; delete markers are not
        for _, versions in bucket.keys.iterlists():
            for key in versions:
                if isinstance(key, FakeDeleteMarker):
                    continue
                sizes[storage_type(key.storage_class)] += key.size
                count += 1
        for kind, size in sizes.items():
            dims = [{"Name": "StorageType", "Value": kind}, {"Name": "BucketName", "Value": name}]
            metrics.append(MetricDatum("AWS/S3", "BucketSizeBytes", size, dims, midnight, "Bytes"))
        dims = [{"Name": "StorageType", "Value": "AllStorageTypes"}, {"Name": "BucketName", "Value": name}]
        metrics.append(MetricDatum("AWS/S3", "NumberOfObjects", count, dims, midnight, "Count"))
    return metrics


def put_in_backend(account_id: str, region: str, namespace: str, data: Iterable[dict[str, Any]]) -> None:
    """Datapoints straight into the moto server of this process, as its ``put_metric_data`` stores them, without
    HTTP: ten times faster for the hundred thousand points of a month of history."""
    from moto.cloudwatch.models import MetricDatum, cloudwatch_backends

    backend = cloudwatch_backends[account_id][region]
    backend.metric_data.extend(
        # moto keeps the naive UTC times its request parser makes
        MetricDatum(namespace, d["MetricName"], float(d["Value"]), d.get("Dimensions", []),
                    d["Timestamp"].astimezone(dt.UTC).replace(tzinfo=None), d.get("Unit"))
        for d in data
    )


_patch_lock = threading.Lock()


def install_s3_storage_metrics() -> Callable[[], None]:
    """Replace moto's S3 storage metric with real sizes; returns the undo. A second install is a no-op."""
    from moto.s3.models import S3Backend

    with _patch_lock:
        original = S3Backend.__dict__["get_cloudwatch_metrics"]
        if getattr(original, "__func__", None) is _patched:
            return lambda: None
        S3Backend.get_cloudwatch_metrics = classmethod(_patched)  # type: ignore[method-assign,assignment]

    def undo() -> None:
        with _patch_lock:
            S3Backend.get_cloudwatch_metrics = original  # type: ignore[method-assign]

    return undo


def _patched(cls: type, account_id: str, region: str) -> list[Any]:
    return _moto_s3_storage_metrics(account_id, region)


def install_fast_metric_queries() -> Callable[[], None]:
    """Answer GetMetricData's MetricStat queries in one pass over the datapoints (moto's own answer, period by
    period, is quadratic); returns the undo. A second install is a no-op."""
    from moto.cloudwatch.models import CloudWatchBackend

    with _patch_lock:
        original = CloudWatchBackend.__dict__["get_metric_data"]
        if getattr(original, "_sandbox_fast", False):
            return lambda: None

        def fast(self: Any, queries: list[dict[str, Any]], start_time: dt.datetime, end_time: dt.datetime,
                 scan_by: str = "TimestampAscending") -> list[dict[str, Any]]:
            if not queries or any("MetricStat" not in q for q in queries):
                return list(original(self, queries, start_time, end_time, scan_by))
            return _metric_stat_results(self, queries, start_time, end_time, scan_by)

        fast._sandbox_fast = True  # type: ignore[attr-defined]
        CloudWatchBackend.get_metric_data = fast  # type: ignore[method-assign]

    def undo() -> None:
        with _patch_lock:
            CloudWatchBackend.get_metric_data = original  # type: ignore[method-assign]

    return undo


# moto computes the metrics of these namespaces on every call (S3's storage metrics: every object's size).
COMPUTED_NAMESPACES = frozenset({"AWS/S3"})


def _dimension_key(dimensions: Iterable[Any]) -> tuple[tuple[str, str], ...]:
    return tuple((d.name, d.value) for d in sorted(dimensions))


def _series_index(backend: Any) -> dict[tuple[str, tuple[tuple[str, str], ...]], list[Any]]:
    """The put datapoints by (metric name, dimensions), kept on the backend and extended with what was put since
    (moto only ever appends to ``metric_data``; a shorter list is a new one, indexed afresh). With dimensions
    GetMetricData matches on name and dimensions only, as moto does."""
    data = backend.metric_data
    cached = backend.__dict__.get("_sandbox_series_index")
    if cached is None or cached[0] > len(data) or cached[2] is not data:
        cached = [0, defaultdict(list), data]
        backend.__dict__["_sandbox_series_index"] = cached
    with _patch_lock:
        series = cached[1]
        for md in data[cached[0]:]:
            series[(md.name, _dimension_key(md.dimensions))].append(md)
        cached[0] = len(data)
    return dict(series)


def _metric_stat_results(
    backend: Any, queries: list[dict[str, Any]], start_time: dt.datetime, end_time: dt.datetime, scan_by: str
) -> list[dict[str, Any]]:
    """What moto's GetMetricData returns for MetricStat queries - the same matching (with dimensions, the metric
    name and the exact set of dimensions; without, namespace and name), periods from ``start_time``, empty periods
    left out - looking only at the datapoints of the queried series (``_series_index``), and at moto's computed S3
    metrics only for S3 queries."""
    from moto.cloudwatch.exceptions import ValidationError
    from moto.cloudwatch.models import Dimension, Statistics

    start_time = start_time.replace(microsecond=0)
    end_time = end_time.replace(microsecond=0)
    if start_time > end_time:
        raise ValidationError("The parameter EndTime must be greater than StartTime.")
    if start_time == end_time:
        raise ValidationError("The parameter StartTime must not equal parameter EndTime.")
    by_series = _series_index(backend)
    computed: list[Any] | None = None  # moto's own metrics (S3 storage), made only when a query may match them
    results = []
    for query in queries:
        stat = query["MetricStat"]
        metric = stat["Metric"]
        name, namespace, unit, statistic = metric["MetricName"], metric["Namespace"], stat.get("Unit"), stat["Stat"]
        dimensions = sorted(Dimension(name=d["Name"], value=d["Value"]) for d in metric.get("Dimensions", []))
        period = int(stat["Period"])
        if dimensions:
            candidates: Iterable[Any] = by_series.get((name, _dimension_key(dimensions)), ())
        else:
            candidates = (md for md in backend.metric_data if md.name == name and md.namespace == namespace)
        if namespace in COMPUTED_NAMESPACES:
            computed = backend.aws_metric_data if computed is None else computed
            candidates = [*candidates, *(
                md for md in computed if md.name == name
                and (sorted(md.dimensions) == dimensions if dimensions else md.namespace == namespace))]
        periods: dict[int, list[Any]] = defaultdict(list)
        for md in candidates:
            if not start_time <= md.timestamp < end_time or (unit and md.unit != unit):
                continue
            periods[int((md.timestamp - start_time).total_seconds()) // period].append(md)
        values, timestamps = [], []
        for index in sorted(periods):
            stats = Statistics([statistic], start_time + dt.timedelta(seconds=index * period))
            stats.metric_data = periods[index]
            values.append(stats.get_statistics_for_type(statistic))
            timestamps.append(stats.timestamp)
        if scan_by == "TimestampDescending":
            values.reverse()
            timestamps.reverse()
        if query.get("ReturnData", True):
            results.append({"id": query["Id"], "label": query.get("Label") or f"{name} {statistic}",
                            "values": values, "timestamps": timestamps, "status_code": "Complete"})
    return results
