"""The candidate models: point forecasts from a gap-free history, one function per model.

statsmodels is imported inside the functions so that importing this module (and so the action server) stays cheap.
Every model but the seasonal naive one and the median day (`profile`) works on a seasonal decomposition of the history
(`Window`), computed once per training window and shared by the models that need it.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

DAYS_PER_WEEK = 7
# STL's seasonal smoother spans 13 days (tricube weights, local constant): a smoother daily profile than the default
# 7 forecast better on the tuning traces (mean MASE 0.918 against 0.938), and adapts within a week to a new pattern.
SEASONAL_WINDOW = 13
# Robust STL re-weights outliers over 15 passes by default; three already set a spike's weight near zero, at a fifth
# of the time.
ROBUST_ITERATIONS = 3
# Models see at most the last three weeks: enough for both seasons, and a 93-day lookback costs no more time.
MAX_DAYS = 3 * DAYS_PER_WEEK
# Shrinkage of the weekly profile toward none: weight weeks / (weeks + WEEKLY_SHRINK).
# Tuning traces, stl_week alone / seasonal naive: shrink 0 -> 0.871, 0.5 -> 0.861, 1 -> 0.864, 2 -> 0.870 (stl 0.903).
WEEKLY_SHRINK = 0.5
# Days of history behind the `profile` model's median day.
PROFILE_DAYS = 7
# The ensemble: the plain mean of these forecasts: a loess-smoothed daily season, the same with a weekly profile, and
# a median day over a week. Their errors differ enough to cancel in part. Chosen / seasonal naive with the choice's
# margin (selection.py) on two tuning sets (bench/cpu_traces.py --set tuning, seeds 1 and 11): 0.807 / 0.823, where
# the former members (seasonal naive, stl, stl_arima, stl_week) gave 0.823 / 0.834 - seasonal naive repeats one noisy
# day, which a median over several same-time points does not.
ENSEMBLE = ("stl", "stl_week", "profile")


def _stl_kwargs(period: int) -> dict[str, int | bool]:
    # Local-constant seasonal smoothing: at the end of the series local-linear loess extrapolates a trend across
    # cycles, which made the last cycle (the one repeated into the future) noisy.
    # Loess with jumps: 25x faster than statsmodels' defaults for a 288-step season, components within 0.01 %.
    return {"seasonal_deg": 0, "seasonal_jump": 1, "trend_jump": max(1, period // 6), "low_pass_jump": max(1, period // 10)}


@dataclass(frozen=True)
class Components:
    """A decomposition: the seasonal part to repeat and the seasonally adjusted rest (trend + remainder)."""

    seasonal: np.ndarray  # one row per season, in the order of `periods`
    periods: tuple[int, ...]
    adjusted: np.ndarray

    def seasonal_forecast(self, horizon: int) -> np.ndarray:
        """Each seasonal component's last cycle, repeated."""
        n = self.adjusted.shape[0]
        steps = np.arange(horizon)
        out = np.zeros(horizon)
        for row, period in zip(self.seasonal, self.periods, strict=True):
            out += row[n - period + steps % period]
        return out


class Window:
    """One training window: the gap-free history and its decompositions, each computed when first asked for."""

    def __init__(self, y: np.ndarray, steps_per_day: int, *, memo: dict[str, object] | None = None) -> None:
        self.y = y[-MAX_DAYS * steps_per_day :]
        self.spd = steps_per_day
        # Shared by the windows of one series (its validation origins and the final fit), oldest first: what a
        # model trains once per series (the LSTM) it keeps here.
        self.memo: dict[str, object] = {} if memo is None else memo

    @property
    def weekly(self) -> bool:
        """A weekly season can be estimated from two full weeks."""
        return len(self.y) >= 2 * DAYS_PER_WEEK * self.spd

    @cached_property
    def daily(self) -> Components:
        from statsmodels.tsa.seasonal import STL

        # Robust fitting: a spike must not become part of tomorrow's seasonal pattern.
        stl = STL(self.y, period=self.spd, seasonal=SEASONAL_WINDOW, robust=True, **_stl_kwargs(self.spd))
        fit = stl.fit(outer_iter=ROBUST_ITERATIONS)
        seasonal = np.asarray(fit.seasonal)
        return Components(seasonal=seasonal[None, :], periods=(self.spd,), adjusted=self.y - seasonal)

    @cached_property
    def daily_weekly(self) -> Components:
        from statsmodels.tsa.seasonal import MSTL

        periods = (self.spd, DAYS_PER_WEEK * self.spd)
        kwargs = {**_stl_kwargs(self.spd), "robust": True, "outer_iter": ROBUST_ITERATIONS}
        fit = MSTL(self.y, periods=periods, stl_kwargs=kwargs).fit()
        seasonal = np.asarray(fit.seasonal).T
        return Components(seasonal=seasonal, periods=periods, adjusted=self.y - seasonal.sum(axis=0))


def seasonal_naive(w: Window, horizon: int) -> np.ndarray:
    """Repeat the last day, or the last week when two weeks of history show the weekly lag fits the last week better."""
    y, spd = w.y, w.spd
    period = spd
    if w.weekly:
        week = DAYS_PER_WEEK * spd
        recent = slice(len(y) - week, len(y))
        daily_mae = np.mean(np.abs(y[recent] - y[len(y) - week - spd : len(y) - spd]))
        weekly_mae = np.mean(np.abs(y[recent] - y[len(y) - 2 * week : len(y) - week]))
        if weekly_mae < daily_mae:
            period = week
    steps = np.arange(horizon)
    return np.asarray(y[len(y) - period + steps % period], dtype=float)


def _hourly(adjusted: np.ndarray, spd: int, days: int) -> tuple[np.ndarray, int]:
    """Hourly means of the last `days` days, and steps per hour: a level model fitted on 5-minute steps chases noise."""
    per_hour = max(1, spd // 24)
    recent = adjusted[-days * spd :]
    recent = recent[len(recent) % per_hour :]
    return recent.reshape(-1, per_hour).mean(axis=1), per_hour


def stl(w: Window, horizon: int) -> np.ndarray:
    """STL (daily season, robust) + the median of the last day of the seasonally adjusted series as the level."""
    c = w.daily
    return c.seasonal_forecast(horizon) + float(np.median(c.adjusted[-w.spd :]))


def mstl(w: Window, horizon: int) -> np.ndarray:
    """MSTL (daily and weekly seasons, robust) + the median of the last day of the rest; needs two weeks."""
    c = w.daily_weekly
    return c.seasonal_forecast(horizon) + float(np.median(c.adjusted[-w.spd :]))


def stl_ets(w: Window, horizon: int) -> np.ndarray:
    """STL + exponential smoothing with a damped trend (Holt) on hourly means of the adjusted series: for trends."""
    from statsmodels.tsa.holtwinters import Holt

    c = w.daily
    hourly, per_hour = _hourly(c.adjusted, w.spd, days=7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter on flat series; the fit is still usable
        fit = Holt(hourly, damped_trend=True, initialization_method="estimated").fit()
    level = np.repeat(np.asarray(fit.forecast(-(-horizon // per_hour)), dtype=float), per_hour)[:horizon]
    return c.seasonal_forecast(horizon) + level


def stl_arima(w: Window, horizon: int) -> np.ndarray:
    """STL + ARIMA(1,0,0) with a constant on hourly means of the adjusted series: reverts to the week's level."""
    from statsmodels.tsa.arima.model import ARIMA

    c = w.daily
    hourly, per_hour = _hourly(c.adjusted, w.spd, days=7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = ARIMA(hourly, order=(1, 0, 0), trend="c").fit()
    level = np.repeat(np.asarray(fit.forecast(-(-horizon // per_hour)), dtype=float), per_hour)[:horizon]
    return c.seasonal_forecast(horizon) + level


def weekly_profile(adjusted: np.ndarray, spd: int, shrink: float = 1.0) -> np.ndarray | None:
    """The week's shape left in a daily-adjusted series (one value per step of the last week), or None under a week.

    Hourly medians of the adjusted series less its trend, per hour of the week, over the whole weeks at the end of
    the history; centred on zero so the level stays the level model's business; shrunk
    toward zero (the daily profile) by `weeks / (weeks + shrink)`: one week is a single noisy sample of each hour.
    """
    week = DAYS_PER_WEEK * spd
    per_hour = max(1, spd // 24)
    if week % per_hour:
        per_hour = 1
    weeks = len(adjusted) // week
    if weeks < 1:
        return None
    whole = adjusted[len(adjusted) % per_hour :]
    hourly = np.median(whole.reshape(-1, per_hour), axis=1)  # robust to spikes
    hours = week // per_hour
    # A trend is told from the weekly shape only by the same hour a week apart (a line fitted through one week would
    # tilt toward its weekend): the median change over every pair of hours a week apart in the history.
    slope = float(np.median(hourly[hours:] - hourly[:-hours])) / hours if len(hourly) > hours else 0.0
    recent = hourly[-weeks * hours :]
    by_week = (recent - slope * np.arange(len(recent))).reshape(weeks, hours)
    profile = np.median(by_week, axis=0) if weeks > 2 else by_week.mean(axis=0)
    profile = (profile - profile.mean()) * weeks / (weeks + shrink)
    return np.repeat(profile, per_hour)


def stl_week(w: Window, horizon: int) -> np.ndarray:
    """STL (daily season) + a weekly profile of what the daily season leaves (a weekend dip) + the last day's level.

    Runs on one week and a day of history, where MSTL needs two: with the default 14-day lookback, the validation
    origins have 8 to 13 days. With less it is the `stl` forecast (and loses ties to it).
    """
    c = w.daily
    week = DAYS_PER_WEEK * w.spd
    profile = weekly_profile(c.adjusted, w.spd, WEEKLY_SHRINK) if len(w.y) >= week + w.spd else None
    if profile is None:
        return stl(w, horizon)
    n = len(c.adjusted)
    # The profile covers the last whole week, positions n - week ... n - 1; step n + h is at position h mod week.
    known = profile[np.arange(week - w.spd, week)]
    future = profile[np.arange(horizon) % week]
    level = float(np.median(c.adjusted[n - w.spd :] - known))
    return c.seasonal_forecast(horizon) + level + future


def profile(w: Window, horizon: int) -> np.ndarray:
    """The median day of the last week (each day less its own median first) + the last day's median level.

    Robust both ways: a spike or an outage on one day moves neither the profile nor the level, and a level shift
    between days does not blur the shape. Needs no decomposition, so it is also the cheapest candidate.
    """
    y, spd = w.y, w.spd
    days = min(PROFILE_DAYS, len(y) // spd)
    block = y[len(y) - days * spd :].reshape(days, spd)  # the last row is the last day; column j, time of day j
    shape = np.median(block - np.median(block, axis=1, keepdims=True), axis=0)
    level = float(np.median(y[-spd:] - shape))
    return shape[np.arange(horizon) % spd] + level


def ensemble(w: Window, horizon: int) -> np.ndarray:
    """The mean of the `ENSEMBLE` models' forecasts (selection averages the members' forecasts it already has)."""
    return np.mean([np.clip(MODELS[m].run(w, horizon), 0.0, 100.0) for m in ENSEMBLE], axis=0)


def lstm(w: Window, horizon: int) -> np.ndarray:
    """STL + an LSTM on hourly means of the adjusted series, trained on the first window of the series it sees."""
    from actions.forecasting.lstm import Trained, forecast_adjusted, train

    c = w.daily
    trained = w.memo.get("lstm")
    if not isinstance(trained, Trained):
        trained = train(c.adjusted, w.spd)
        w.memo["lstm"] = trained
    return c.seasonal_forecast(horizon) + forecast_adjusted(trained, c.adjusted, horizon)


Model = Callable[[Window, int], np.ndarray]


@dataclass(frozen=True)
class Spec:
    run: Model
    min_days: float  # shortest training window the model is fitted on


MODELS: dict[str, Spec] = {
    "seasonal_naive": Spec(seasonal_naive, 1),
    "stl": Spec(stl, 2),
    "stl_ets": Spec(stl_ets, 2),
    "stl_arima": Spec(stl_arima, 2),
    "mstl": Spec(mstl, 2 * DAYS_PER_WEEK),
    "stl_week": Spec(stl_week, 2),
    "profile": Spec(profile, 2),
    "ensemble": Spec(ensemble, 2),
    "lstm": Spec(lstm, 7),
}
# The LSTM is left out unless asked for: trained once per series it is a real candidate, but it earns nothing and
# breaks the budgets. Tuning traces: the choice with it scores 0.870 x seasonal naive against 0.871 without (it won 7
# of 120 origins). bench/forecast_eval.py --lstm: one instance with it 2.5 s median, 3.7 s max (warm), a fleet of 100
# 201 s against 32 s, and a process's first forecast adds TensorFlow's import and tracing (~9 s).
DEFAULT_MODELS: tuple[str, ...] = (
    "seasonal_naive", "stl", "stl_ets", "stl_arima", "mstl", "stl_week", "profile", "ensemble",
)


def min_length(model: str, steps_per_day: int) -> int:
    return math.ceil(MODELS[model].min_days * steps_per_day)
