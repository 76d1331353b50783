"""Five-minute CPU history for forecasting and right-sizing, against moto: a regular grid ending at the last whole
step, NaN where CloudWatch has no datapoint, the lookback bounded, too little history refused, running instances."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from actions.aws.capacity import (
    MAX_LOOKBACK_DAYS,
    CapacityHistory,
    NotEnoughHistory,
    floor_step,
    lookback_days,
)
from actions.aws.clients import ClientFactory
from tests.actions.aws.test_metrics import launch, put

NOW = dt.datetime(2025, 11, 19, 15, 32, 10, tzinfo=dt.UTC)
STEP = dt.timedelta(minutes=5)


def service(aws: ClientFactory) -> CapacityHistory:
    return CapacityHistory(ec2=aws.client("ec2"), cloudwatch=aws.client("cloudwatch"), clock=lambda: NOW)


def test_a_regular_grid_with_gaps_as_nan(aws: ClientFactory) -> None:
    instance_id = launch(aws, "web-1")
    end = floor_step(NOW)  # 15:30
    start = end - dt.timedelta(days=4)
    points = [(start + STEP * i, float(i % 288) / 3) for i in range(4 * 288) if not 100 <= i < 110]
    put(aws, instance_id, "CPUUtilization", points)
    capacity = service(aws)
    history = capacity.cpu(capacity.resolve("web-1"), days=4)
    assert history.start == start and history.end == end
    assert len(history.values) == 4 * 288
    assert np.isnan(history.values[100:110]).all()
    assert history.values[99] == pytest.approx(99 / 3) and history.values[110] == pytest.approx(110 / 3)
    assert history.values[-1] == pytest.approx(287 / 3)
    assert history.days_of_data == pytest.approx((4 * 288 - 10) / 288)
    # a longer lookback starts earlier; the steps before the first datapoint are NaN
    longer = capacity.cpu(capacity.resolve("web-1"), days=6)
    assert len(longer.values) == 6 * 288 and np.isnan(longer.values[:2 * 288]).all()


def test_too_little_history_is_refused_by_name(aws: ClientFactory) -> None:
    instance_id = launch(aws, "new-1")
    end = floor_step(NOW)
    put(aws, instance_id, "CPUUtilization", [(end - STEP * (i + 1), 5.0) for i in range(2 * 288)])
    capacity = service(aws)
    with pytest.raises(NotEnoughHistory) as raised:
        capacity.cpu(capacity.resolve("new-1"))
    assert raised.value.details == {"instance": "new-1", "days": "2.0", "needed": "3"}
    assert capacity.cpu(capacity.resolve("new-1"), require=False).days_of_data == pytest.approx(2.0)


def test_running_instances_by_name(aws: ClientFactory) -> None:
    ids = {name: launch(aws, name) for name in ("web-2", "batch-1", "web-1")}
    aws.client("ec2").stop_instances(InstanceIds=[ids["batch-1"]])
    assert [i.label for i in service(aws).running()] == ["web-1", "web-2"]


@pytest.mark.parametrize(("asked", "days"), [(None, 14), (0, 1), (7, 7), (93, 93), (400, MAX_LOOKBACK_DAYS)])
def test_lookback_days(asked: int | None, days: int) -> None:
    assert lookback_days(asked) == days
