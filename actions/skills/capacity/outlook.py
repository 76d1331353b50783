"""The work behind the capacity skills, without Rasa: an instance's five-minute CPU history, the forecast the
per-series choice of model makes from it, and the right-sizing recommendation that combines both. Blocking (metric
queries and model fitting): callers run it in a thread executor or a background job.
"""
from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from actions.aws.capacity import STEP, CapacityHistory, CpuHistory, lookback_days
from actions.aws.errors import CloudButlerError
from actions.aws.server import InstanceSummary
from actions.core.horizons import Horizon, steps_until
from actions.forecasting import Choice, choose_and_forecast, fleet
from actions.rightsizing.engine import Recommendation, TypeVerdict, judge_type, recommend

PERCENTILES = (90.0, 95.0, 99.5)
DEFAULT_PERCENTILE = 99.5
DEFAULT_HEADROOM = 0.20
RIGHTSIZE_DAYS = 7  # the coming period whose forecast mean a recommendation must also cover (CPU credits)
# The forecast peak a recommendation must cover (with headroom on top) is the highest 80 % upper bound of the next
# day: the horizon the models are back-tested and their intervals calibrated on. Further out the intervals only
# widen by assumption, and the lookback's percentile already holds the weekly peaks; the 95 % bound plus headroom
# would size for a one-in-twenty worst case twice over.
BOUND_STEPS = 288


@dataclass(frozen=True)
class CapacitySettings:
    lookback_days: int = 14
    percentile: float = DEFAULT_PERCENTILE
    headroom: float = DEFAULT_HEADROOM

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> CapacitySettings:
        """CLOUDBUTLER_LOOKBACK_DAYS (1-93), CLOUDBUTLER_RIGHTSIZE_PERCENTILE (90, 95 or 99.5),
        CLOUDBUTLER_RIGHTSIZE_HEADROOM (percent); a value that makes no sense falls back to the default."""
        env = os.environ if env is None else env
        days = lookback_days(int(_number(env.get("CLOUDBUTLER_LOOKBACK_DAYS"), 14)))
        percentile = _number(env.get("CLOUDBUTLER_RIGHTSIZE_PERCENTILE"), DEFAULT_PERCENTILE)
        headroom = _number(env.get("CLOUDBUTLER_RIGHTSIZE_HEADROOM"), DEFAULT_HEADROOM * 100) / 100
        return cls(
            lookback_days=days,
            percentile=percentile if percentile in PERCENTILES else DEFAULT_PERCENTILE,
            headroom=headroom if 0 <= headroom <= 1 else DEFAULT_HEADROOM,
        )


def _number(value: str | None, default: float) -> float:
    try:
        return float(value) if value else default
    except ValueError:
        return default


@dataclass(frozen=True)
class Outlook:
    """One instance: its history, the forecast from the end of the history to the end of ``horizon``, and - when
    asked for - the right-sizing recommendation."""

    history: CpuHistory
    horizon: Horizon
    choice: Choice
    recommendation: Recommendation | None = None
    window: slice = field(default_factory=lambda: slice(0, 0))  # the forecast steps inside ``horizon``

    @property
    def instance(self) -> InstanceSummary:
        return self.history.instance

    @property
    def forecast_start(self) -> dt.datetime:
        return self.history.end

    def times(self) -> list[dt.datetime]:
        return [self.forecast_start + STEP * i for i in range(len(self.choice.forecast.mean))]


def _window(horizon: Horizon, start: dt.datetime, steps: int) -> slice:
    """The forecast steps (from ``start``) that fall inside ``horizon``: at least one."""
    first = min(max(0, int((horizon.start - start) / STEP)), steps - 1)
    last = min(steps, max(first + 1, steps_until(horizon.end, start, STEP)))
    return slice(first, last)


def _steps(horizon: Horizon, history_end: dt.datetime, rightsize: bool) -> int:
    end = max(horizon.end, history_end + dt.timedelta(days=RIGHTSIZE_DAYS)) if rightsize else horizon.end
    return steps_until(end, history_end, STEP)


def _assemble(
    history: CpuHistory, choice: Choice, horizon: Horizon, *, region: str, settings: CapacitySettings,
    rightsize: bool, percentile: float | None, any_family: bool = False,
) -> Outlook:
    recommendation = None
    if rightsize:
        recommendation = recommend(
            instance=history.instance.label, current_type=history.instance.instance_type,
            cpu=history.values.tolist(), forecast_upper=float(np.max(choice.forecast.hi80[:BOUND_STEPS])),
            forecast_mean=float(np.mean(choice.forecast.mean)),
            region=region, percentile=percentile or settings.percentile, headroom=settings.headroom,
            stay_in_family=not any_family,
        )
    window = _window(horizon, history.end, len(choice.forecast.mean))
    return Outlook(history=history, horizon=horizon, choice=choice, recommendation=recommendation, window=window)


def outlook(
    capacity: CapacityHistory, instance: InstanceSummary, horizon: Horizon, *, region: str,
    settings: CapacitySettings, rightsize: bool = False, percentile: float | None = None, any_family: bool = False,
) -> Outlook:
    """History, forecast to the end of ``horizon`` (at least the next ``RIGHTSIZE_DAYS`` when ``rightsize``) and
    the recommendation, which must also cover the next day's peak 80 % upper bound and the forecast's mean."""
    history = capacity.cpu(instance, days=settings.lookback_days)
    choice = choose_and_forecast(history.values, horizon=_steps(horizon, history.end, rightsize))
    return _assemble(history, choice, horizon, region=region, settings=settings, rightsize=rightsize,
                     percentile=percentile, any_family=any_family)


def type_verdict(
    result: Outlook, candidate: str, *, region: str, settings: CapacitySettings, percentile: float | None = None,
) -> TypeVerdict:
    """Whether ``candidate`` would carry the demand the outlook's recommendation was made for."""
    return judge_type(
        instance=result.instance.label, current_type=result.instance.instance_type, candidate=candidate,
        cpu=result.history.values, forecast_upper=float(np.max(result.choice.forecast.hi80[:BOUND_STEPS])),
        forecast_mean=float(np.mean(result.choice.forecast.mean)), region=region,
        percentile=percentile or settings.percentile, headroom=settings.headroom,
    )


SERIAL_FLEET = 4  # up to this many instances are forecast in this process; more go to a pool of worker processes


def fleet_outlooks(
    capacity: CapacityHistory, horizon: Horizon, *, region: str, settings: CapacitySettings,
    progress: Callable[[int, int | None], None], percentile: float | None = None, workers: int | None = None,
    any_family: bool = False,
) -> tuple[list[Outlook], list[tuple[InstanceSummary, Exception]]]:
    """Every running instance's outlook with a recommendation; instances that cannot be judged (too little
    history) are returned beside, with why. ``progress(done, 2 * instances)``: one step per history read, then one
    per forecast (``fleet_progress`` words it)."""
    instances = capacity.running()
    total = 2 * len(instances)
    histories: dict[str, CpuHistory] = {}
    skipped: list[tuple[InstanceSummary, Exception]] = []
    progress(0, total)
    for index, instance in enumerate(instances, start=1):
        try:
            histories[instance.instance_id] = capacity.cpu(instance, days=settings.lookback_days)
        except CloudButlerError as exc:
            skipped.append((instance, exc))
        progress(index, total)
    read = len(instances)
    if not histories:
        return [], skipped
    end = next(iter(histories.values())).end  # one clock: every history ends at the same step
    choices = fleet(
        {key: history.values for key, history in histories.items()}, horizon=_steps(horizon, end, True),
        workers=workers if workers is not None else (1 if len(histories) <= SERIAL_FLEET else None),
        progress=lambda done, _total: progress(read + len(skipped) + done, total),
    )
    done = [_assemble(histories[key], choice, horizon, region=region, settings=settings, rightsize=True,
                      percentile=percentile, any_family=any_family) for key, choice in choices.items()]
    return done, skipped


def fleet_progress(done: int, total: int | None) -> tuple[str, int, int]:
    """("read", n, of) while histories are read, then ("sized", n, of)."""
    instances = (total or 0) // 2
    if done <= instances:
        return "read", done, instances
    return "sized", done - instances, instances


def warm_up() -> Choice:
    """Blocking: pay the forecasting libraries' import and first-call costs (about 3 s) now, at the action server's
    start, rather than in the first person's answer; the throwaway forecast's choice."""
    steps = np.arange(4 * 288)
    return choose_and_forecast(20 + 10 * np.sin(2 * np.pi * steps / 288), horizon=288)


async def on_start(app: Any) -> None:
    """The action server's start-up hook: warms the forecasting up in a thread and returns at once."""
    import asyncio

    future = asyncio.get_running_loop().run_in_executor(None, warm_up)
    app.ctx.forecast_warm_up = future  # referenced, so it is not garbage-collected mid-flight
