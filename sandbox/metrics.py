"""CloudWatch numbers for the sandbox: a deterministic CPU curve per instance, and honest S3 storage metrics.

moto's own S3 storage metric reports ``sys.getsizeof`` of its key objects (64 bytes a key) as today's
``BucketSizeBytes``; a bucket-size chart would end in a cliff. ``install_s3_storage_metrics`` swaps in one that adds up
the real object sizes per storage class, while a sandbox runs.
"""
from __future__ import annotations

import datetime as dt
import math
import random
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
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


def cpu_value(profile: CpuProfile, at: dt.datetime, *, key: str) -> float:
    """CPU % at ``at``; the jitter is seeded by (key, timestamp) so re-generating a point gives the same number."""
    hour = at.hour + at.minute / 60
    offset = (hour - profile.peak_hour + 12) % 24 - 12
    bump = max(0.0, math.cos(math.pi * offset / 12))
    if at.weekday() >= 5:
        bump *= profile.weekend_factor
    jitter = random.Random(f"{key}:{int(at.timestamp())}").gauss(0.0, profile.noise)
    return round(min(99.9, max(0.1, profile.level + profile.amplitude * bump + jitter)), 2)


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
