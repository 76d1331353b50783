"""An instance's metric history from CloudWatch (GetMetricData, every page): CPU, network in and out, at a period
that gives a chart a few hundred points, with min/avg/max/p95 over the range.

EC2 publishes CPU and network by itself; memory and disk only exist with the CloudWatch agent, so asking for them
raises ``MetricNotPublished`` rather than answering with an empty chart. Blocking: callers use a thread executor.
"""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from actions.aws.errors import BOTO_ERRORS, CloudButlerError, from_boto
from actions.aws.server import FleetService, InstanceSummary

MAX_POINTS = 500  # a chart a phone can still read; the period is the smallest that stays under this
PERIODS = (60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400)
# CloudWatch keeps 1-minute data 15 days, 5-minute data 63 days, hourly data 455 days: older starts need coarser
# periods (multiples of 300 and 3600) or GetMetricData answers with nothing.
RETENTION = ((dt.timedelta(days=63), 3600), (dt.timedelta(days=15), 300))
OLDEST = dt.timedelta(days=455)


@dataclass(frozen=True)
class MetricSpec:
    key: str
    name: str  # CloudWatch's metric name in AWS/EC2
    unit: str  # "percent" or "bytes_per_second" (what the values of a series are)


METRICS = {
    "cpu": MetricSpec("cpu", "CPUUtilization", "percent"),
    "network_in": MetricSpec("network_in", "NetworkIn", "bytes_per_second"),
    "network_out": MetricSpec("network_out", "NetworkOut", "bytes_per_second"),
}
# Known metrics EC2 does not publish by itself (the CloudWatch agent does, under its own namespace and names).
AGENT_ONLY = ("memory", "disk")


class MetricNotPublished(CloudButlerError):
    """Memory or disk: EC2 does not measure inside the instance; only the CloudWatch agent publishes them."""

    def __init__(self, metric: str, instance: str) -> None:
        super().__init__("metric_not_published", metric=metric, instance=instance)


class UnknownMetric(CloudButlerError):
    def __init__(self, metric: str) -> None:
        super().__init__("unknown_metric", metric=metric, known=", ".join([*METRICS, *AGENT_ONLY]))


@dataclass(frozen=True)
class Point:
    at: dt.datetime
    value: float  # the period's average (CPU) or throughput (network)
    low: float  # the lowest single reading in the period (CPU); the value itself otherwise
    high: float


@dataclass(frozen=True)
class Summary:
    minimum: float
    average: float
    maximum: float
    p95: float  # the 95th percentile of the period values (nearest rank)


@dataclass(frozen=True)
class MetricSeries:
    spec: MetricSpec
    points: tuple[Point, ...]  # oldest first; periods without data are left out
    summary: Summary | None  # None without any data in the range


@dataclass(frozen=True)
class InstanceHistory:
    instance: InstanceSummary
    start: dt.datetime
    end: dt.datetime
    period: int  # seconds per point
    series: tuple[MetricSeries, ...]


def choose_period(start: dt.datetime, end: dt.datetime, now: dt.datetime, *, minimum: int = 60) -> int:
    """Seconds per point: the smallest of ``PERIODS`` (at least ``minimum``) that keeps the range under
    ``MAX_POINTS`` and that CloudWatch still keeps for data that old; whole days past the largest."""
    floor = minimum
    for age, period in RETENTION:
        if now - start > age:
            floor = max(floor, period)
            break
    span = max(60.0, (end - start).total_seconds())
    for period in PERIODS:
        if period >= floor and period % floor == 0 and span / period <= MAX_POINTS:
            return period
    return math.ceil(span / MAX_POINTS / 86400) * 86400


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile: the smallest value with at least ``fraction`` of all values at or below it."""
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def summarise(points: Sequence[Point]) -> Summary | None:
    if not points:
        return None
    values = [p.value for p in points]
    return Summary(
        minimum=min(p.low for p in points),
        average=sum(values) / len(values),
        maximum=max(p.high for p in points),
        p95=percentile(values, 0.95),
    )


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def metric_data(
    cloudwatch: Any, queries: list[dict[str, Any]], start: dt.datetime, end: dt.datetime, *, instance: str
) -> dict[str, dict[dt.datetime, float]]:
    """Every page of GetMetricData for ``queries``, merged by query id: {id: {timestamp (UTC): value}}; AWS's
    refusals as our errors, naming ``instance``."""
    merged: dict[str, dict[dt.datetime, float]] = {}
    request: dict[str, Any] = {"MetricDataQueries": queries, "StartTime": start, "EndTime": end,
                               "ScanBy": "TimestampAscending"}
    try:
        while True:
            page = cloudwatch.get_metric_data(**request)
            for result in page.get("MetricDataResults", []):
                values = merged.setdefault(result["Id"], {})
                for at, value in zip(result.get("Timestamps", []), result.get("Values", []), strict=False):
                    if value is not None:
                        values[at.astimezone(dt.UTC)] = float(value)
            token = page.get("NextToken")
            if not token:
                return merged
            request["NextToken"] = token
    except BOTO_ERRORS as exc:
        raise from_boto(exc, instance=instance) from exc


class InstanceMetrics:
    """Metric history of one instance (by Name tag or id), from CloudWatch's AWS/EC2 namespace."""

    def __init__(self, *, ec2: Any, cloudwatch: Any, clock: Callable[[], dt.datetime] = _utcnow) -> None:
        self.fleet = FleetService(ec2=ec2, cloudwatch=cloudwatch, clock=clock)
        self.cloudwatch = cloudwatch
        self._clock = clock

    def history(
        self, name_or_id: str, metrics: Iterable[str], start: dt.datetime, end: dt.datetime
    ) -> InstanceHistory:
        """``metrics``: keys of ``METRICS``; memory or disk raise ``MetricNotPublished``, anything else
        ``UnknownMetric`` - before any AWS call but the instance's lookup."""
        wanted = list(dict.fromkeys(metrics))
        for key in wanted:
            if key not in METRICS and key not in AGENT_ONLY:
                raise UnknownMetric(key)
        instance = self.fleet.resolve(name_or_id)
        for key in wanted:
            if key in AGENT_ONLY:
                raise MetricNotPublished(key, instance.label)
        now = self._clock()
        start = max(start, now - OLDEST)
        specs = [METRICS[key] for key in wanted]
        # Network values are a Sum over each period divided by its length: with periods of whole 5 minutes that is
        # right for basic (5-minute) and detailed (1-minute) monitoring alike.
        network = any(spec.unit == "bytes_per_second" for spec in specs)
        period = choose_period(start, end, now, minimum=300 if network else 60)
        results = self._query(instance.instance_id, specs, start, end, period)
        series = tuple(self._series(spec, index, results, period) for index, spec in enumerate(specs))
        return InstanceHistory(instance=instance, start=start, end=end, period=period, series=series)

    @staticmethod
    def _queries(instance_id: str, specs: Sequence[MetricSpec], period: int) -> list[dict[str, Any]]:
        queries = []
        for index, spec in enumerate(specs):
            stats = ("Average", "Minimum", "Maximum") if spec.unit == "percent" else ("Sum",)
            for stat in stats:
                queries.append({
                    "Id": f"m{index}_{stat.lower()}",
                    "MetricStat": {
                        "Metric": {"Namespace": "AWS/EC2", "MetricName": spec.name,
                                   "Dimensions": [{"Name": "InstanceId", "Value": instance_id}]},
                        "Period": period,
                        "Stat": stat,
                    },
                    "ReturnData": True,
                })
        return queries

    def _query(
        self, instance_id: str, specs: Sequence[MetricSpec], start: dt.datetime, end: dt.datetime, period: int
    ) -> dict[str, dict[dt.datetime, float]]:
        return metric_data(self.cloudwatch, self._queries(instance_id, specs, period), start, end,
                           instance=instance_id)

    @staticmethod
    def _series(
        spec: MetricSpec, index: int, results: dict[str, dict[dt.datetime, float]], period: int
    ) -> MetricSeries:
        if spec.unit == "percent":
            average = results.get(f"m{index}_average", {})
            low, high = results.get(f"m{index}_minimum", {}), results.get(f"m{index}_maximum", {})
            points = [Point(at, value, low.get(at, value), high.get(at, value)) for at, value in average.items()]
        else:
            sums = results.get(f"m{index}_sum", {})
            points = [Point(at, total / period, total / period, total / period) for at, total in sums.items()]
        points.sort(key=lambda p: p.at)
        return MetricSeries(spec=spec, points=tuple(points), summary=summarise(points))
