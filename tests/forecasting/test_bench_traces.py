"""The forecasting bench's own arithmetic: the generated traces' clock and where the evaluation's first origin sits."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

import numpy as np
import pytest

from actions.forecasting.selection import mase_scale, plan
from launcher.config import ROOT

SPD = 288


def _bench(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "bench" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


cpu_traces = _bench("cpu_traces")
forecast_eval = _bench("forecast_eval")


@pytest.mark.parametrize("start_hour", [0.0, 37.0 + 5 / 60, 100.0 + 25 / 60, 167.0 + 55 / 60])
def test_the_clock_counts_whole_steps_from_any_start(start_hour: float) -> None:
    hour, dow = cpu_traces._clock(start_hour, 14 * SPD)
    np.testing.assert_allclose(hour * 12, np.round(hour * 12), atol=1e-9)
    assert hour.min() >= 0 and hour.max() < 24
    first = round(start_hour * 12)
    assert hour[0] == pytest.approx((first % SPD) / 12) and dow[0] == (first // SPD) % 7
    assert set(np.diff(dow)) <= {0, 1, -6}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_an_idle_servers_cron_job_runs_one_step_on_every_hour(seed: int) -> None:
    n = 7 * SPD
    y = cpu_traces.idle(np.random.default_rng(seed), n, 13.0)  # starts at 13:00
    # The same draws, in idle's order: the job's lift, the base level, the noise; what is left is the job and spikes.
    rng = np.random.default_rng(seed)
    lift, base = rng.uniform(0, 4), rng.uniform(0.3, 3)
    rest = y - base - np.abs(rng.normal(0, 0.4, n))
    hour, _ = cpu_traces._clock(13.0, n)
    on_the_hour = np.round(hour * 12) % 12 == 0
    assert on_the_hour.reshape(7, SPD).sum(axis=1).tolist() == [24] * 7
    spikes = rest - lift * on_the_hour
    assert spikes.min() > -1e-9 and np.mean(np.abs(spikes) < 1e-9) > 0.95


@pytest.mark.parametrize("n", [3 * SPD, 3 * SPD + 50, 4 * SPD + 100, 14 * SPD + 7, 28 * SPD])
def test_the_first_origin_leaves_most_of_a_day_for_the_mase_scale(n: int) -> None:
    start = forecast_eval.first_origin(n)
    outer = plan(n, horizon=SPD, steps_per_day=SPD, origins=3, min_train=start)
    assert outer is not None and outer.horizon == SPD and len(outer.origins) == 3
    assert outer.origins[0] >= start and outer.origins[-1] + SPD == n
    assert start == 2 * SPD or start >= 2 * SPD - 2 * (SPD // 12)  # a day of differences, or most of one
    assert start - SPD >= SPD - 2 * (SPD // 12)


def test_a_single_difference_is_what_the_old_first_origin_scaled_by() -> None:
    # Why the first origin moved: one day and a step of history give one in-sample seasonal difference.
    y = 10 + np.sin(np.arange(SPD + 1))
    assert mase_scale(y, SPD) == pytest.approx(abs(y[SPD] - y[0]))
