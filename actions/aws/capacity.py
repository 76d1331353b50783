"""The CPU history forecasting and right-sizing read: CloudWatch CPUUtilization of an instance (or every running
instance) at five-minute resolution over a lookback (14 days by default, up to 93), every GetMetricData page, laid on
a regular grid with NaN where a step has no datapoint. Blocking: callers use a thread executor.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from actions.aws.errors import CloudButlerError
from actions.aws.metrics import metric_data
from actions.aws.server import FleetService, InstanceSummary

STEP = dt.timedelta(minutes=5)
STEPS_PER_DAY = 288
DEFAULT_LOOKBACK_DAYS = 14
MAX_LOOKBACK_DAYS = 93  # CloudWatch keeps five-minute data 63 days; older steps come back empty (NaN)
MIN_HISTORY_DAYS = 3  # less than this and a daily pattern cannot be told from noise


class NotEnoughHistory(CloudButlerError):
    """Fewer than ``MIN_HISTORY_DAYS`` of CPU datapoints: no honest forecast or recommendation."""

    def __init__(self, instance: str, days: float) -> None:
        super().__init__("not_enough_history", instance=instance, days=f"{days:.1f}", needed=str(MIN_HISTORY_DAYS))


@dataclass(frozen=True)
class CpuHistory:
    instance: InstanceSummary
    start: dt.datetime  # the first step (UTC, on a five-minute boundary)
    values: np.ndarray  # CPU %, one per five-minute step from ``start``; NaN where CloudWatch has no datapoint

    @property
    def end(self) -> dt.datetime:
        """The moment after the last step."""
        return self.start + STEP * len(self.values)

    @property
    def days_of_data(self) -> float:
        return float(np.count_nonzero(~np.isnan(self.values))) / STEPS_PER_DAY

    def times(self) -> list[dt.datetime]:
        return [self.start + STEP * i for i in range(len(self.values))]


def lookback_days(days: int | None) -> int:
    """The lookback asked for, within 1..MAX_LOOKBACK_DAYS; the default when none."""
    if days is None:
        return DEFAULT_LOOKBACK_DAYS
    return max(1, min(MAX_LOOKBACK_DAYS, int(days)))


def floor_step(moment: dt.datetime) -> dt.datetime:
    epoch = int(moment.timestamp())
    return dt.datetime.fromtimestamp(epoch - epoch % int(STEP.total_seconds()), tz=dt.UTC)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class CapacityHistory:
    """Five-minute CPU of instances, for the forecasting and right-sizing skills."""

    def __init__(self, *, ec2: Any, cloudwatch: Any, clock: Callable[[], dt.datetime] = _utcnow) -> None:
        self.fleet = FleetService(ec2=ec2, cloudwatch=cloudwatch, clock=clock)
        self.cloudwatch = cloudwatch
        self._clock = clock

    def running(self) -> list[InstanceSummary]:
        """The running instances, by name."""
        return sorted((i for i in self.fleet.known_instances() if i.state == "running"), key=lambda i: i.label)

    def resolve(self, name_or_id: str) -> InstanceSummary:
        return self.fleet.resolve(name_or_id)

    def cpu(self, instance: InstanceSummary, *, days: int | None = None, require: bool = True) -> CpuHistory:
        """The last ``days`` of CPU up to the last whole step; ``NotEnoughHistory`` (when ``require``) with fewer
        than MIN_HISTORY_DAYS of datapoints."""
        end = floor_step(self._clock())
        start = end - dt.timedelta(days=lookback_days(days))
        values = np.full(int((end - start) / STEP), np.nan)
        for at, value in self._datapoints(instance.instance_id, start, end):
            index = int((at - start) / STEP)
            if 0 <= index < len(values):
                values[index] = value
        history = CpuHistory(instance=instance, start=start, values=values)
        if require and history.days_of_data < MIN_HISTORY_DAYS:
            raise NotEnoughHistory(instance.label, history.days_of_data)
        return history

    def _datapoints(self, instance_id: str, start: dt.datetime, end: dt.datetime) -> list[tuple[dt.datetime, float]]:
        query = {
            "Id": "cpu",
            "MetricStat": {
                "Metric": {"Namespace": "AWS/EC2", "MetricName": "CPUUtilization",
                           "Dimensions": [{"Name": "InstanceId", "Value": instance_id}]},
                "Period": int(STEP.total_seconds()),
                "Stat": "Average",
            },
            "ReturnData": True,
        }
        found = metric_data(self.cloudwatch, [query], start, end, instance=instance_id).get("cpu", {})
        return sorted(found.items())
