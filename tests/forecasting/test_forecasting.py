"""The forecasting engine: models, selection by rolling-origin MASE, intervals, gaps, short series, clipping."""

from __future__ import annotations

import numpy as np
import pytest

from actions.forecasting import DEFAULT_MODELS, Choice, choose_and_forecast, forecast_model
from actions.forecasting.models import Window, seasonal_naive
from actions.forecasting.selection import fill_gaps, mase, mase_scale, plan

SPD = 288


def daily_shape(days: float, *, spd: int = SPD) -> np.ndarray:
    t = np.arange(int(days * spd))
    return 40 + 25 * np.sin(2 * np.pi * t / spd)


def test_seasonal_naive_is_perfect_on_a_purely_seasonal_series() -> None:
    y = daily_shape(10)
    future = daily_shape(11)[len(y) :]
    np.testing.assert_allclose(seasonal_naive(Window(y, SPD), SPD), future, atol=1e-9)


def test_choice_on_a_purely_seasonal_series_keeps_the_ensemble_with_every_model_exact() -> None:
    choice = choose_and_forecast(daily_shape(10), horizon=SPD)
    # Every candidate is exact to rounding, so none beats the ensemble by the margin.
    assert choice.model == "ensemble"
    assert max(choice.scores.values()) == pytest.approx(0.0, abs=1e-6)  # rounding over a scale floored at 1e-6
    assert choice.seasonal_naive_mase == choice.scores["seasonal_naive"]
    np.testing.assert_allclose(choice.forecast.mean, daily_shape(11)[10 * SPD :], atol=1e-6)


def test_weekly_season_is_used_when_two_weeks_show_it() -> None:
    t = np.arange(21 * SPD)
    weekend = ((t // SPD) % 7 >= 5) * -20.0
    y = daily_shape(21) + weekend
    forecast = seasonal_naive(Window(y, SPD), 2 * SPD)
    # Day 21 is the same weekday as day 14: the forecast repeats last week, not yesterday (a weekend day).
    np.testing.assert_array_equal(forecast, y[14 * SPD : 16 * SPD])


def test_a_trend_model_beats_seasonal_naive_on_a_trending_series() -> None:
    rng = np.random.default_rng(3)
    t = np.arange(10 * SPD)
    y = 10 + 3.0 * t / SPD + 10 * np.sin(2 * np.pi * t / SPD) + rng.normal(0, 0.5, len(t))
    choice = choose_and_forecast(y, horizon=SPD)
    assert choice.model != "seasonal_naive"
    assert choice.scores[choice.model] < 0.5 * choice.scores["seasonal_naive"]
    assert choice.scores["stl_ets"] < choice.scores["seasonal_naive"]


def test_noise_is_averaged_out_by_the_decomposition_models() -> None:
    rng = np.random.default_rng(4)
    y = daily_shape(12) + rng.normal(0, 4, 12 * SPD)
    choice = choose_and_forecast(y, horizon=SPD)
    assert choice.model == "ensemble"
    # Seasonal naive's error is that of two noisy days; a smoothed profile's nearly that of one.
    assert choice.scores[choice.model] < 0.85 * choice.scores["seasonal_naive"]


def test_intervals_nest_widen_with_the_horizon_and_hold_the_mean() -> None:
    rng = np.random.default_rng(5)
    y = daily_shape(10) + rng.normal(0, 3, 10 * SPD)
    f = choose_and_forecast(y, horizon=2 * SPD).forecast
    assert len(f.mean) == f.horizon == 2 * SPD
    half80, half95 = (f.hi80 - f.lo80) / 2, (f.hi95 - f.lo95) / 2
    assert np.all(np.diff(half80) >= -1e-9) and np.all(np.diff(half95) >= -1e-9)  # away from the [0, 100] clip
    assert np.all(half95 >= half80) and half95[-1] > half95[0]
    assert np.all((f.lo95 <= f.lo80) & (f.lo80 <= f.mean) & (f.mean <= f.hi80) & (f.hi80 <= f.hi95))


def test_forecasts_and_intervals_are_clipped_to_0_and_100() -> None:
    rng = np.random.default_rng(6)
    t = np.arange(8 * SPD)
    y = np.clip(50 + 60 * np.sin(2 * np.pi * t / SPD) + rng.normal(0, 5, len(t)), 0, 100)
    f = choose_and_forecast(y, horizon=SPD).forecast
    for band in (f.mean, f.lo80, f.hi80, f.lo95, f.hi95):
        assert band.min() >= 0.0 and band.max() <= 100.0
    assert f.lo95.min() == 0.0 and f.hi95.max() == 100.0


def test_upward_trend_past_100_is_clipped() -> None:
    t = np.arange(6 * SPD)
    y = 60 + 10.0 * t / SPD
    assert forecast_model(y, "stl_ets", horizon=SPD).max() == 100.0


def test_gaps_are_filled_from_the_day_before_else_interpolated() -> None:
    y = daily_shape(3)
    holed = y.copy()
    holed[400:420] = np.nan  # one day earlier is known
    holed[5:8] = np.nan  # first day: interpolated
    filled = fill_gaps(holed, SPD)
    np.testing.assert_array_equal(filled[400:420], y[400 - SPD : 420 - SPD])
    np.testing.assert_allclose(filled[5:8], np.interp([5, 6, 7], [4, 8], [y[4], y[8]]))
    assert not np.isnan(filled).any()


def test_nan_gaps_do_not_spoil_the_choice() -> None:
    rng = np.random.default_rng(7)
    y = daily_shape(9) + rng.normal(0, 2, 9 * SPD)
    y[1000:1100] = np.nan
    y[-30:-10] = np.nan  # inside a validation window too
    choice = choose_and_forecast(y, horizon=SPD)
    assert all(np.isfinite(v) for v in choice.scores.values())
    assert np.isfinite(choice.forecast.mean).all() and np.isfinite(choice.forecast.hi95).all()


def test_a_three_day_series_is_validated_without_weekly_models() -> None:
    rng = np.random.default_rng(8)
    y = daily_shape(3) + rng.normal(0, 2, 3 * SPD)
    choice = choose_and_forecast(y, horizon=SPD)
    assert set(choice.scores) == {"seasonal_naive", "stl", "stl_ets", "stl_arima", "stl_week", "profile", "ensemble"}
    assert choice.scores["stl_week"] == choice.scores["stl"]  # under a week and a day it is the stl forecast
    assert choice.forecast.horizon == SPD
    p = plan(3 * SPD, horizon=SPD, steps_per_day=SPD, origins=3, min_train=2 * SPD)
    assert p is not None and len(p.origins) == 3 and p.origins[0] >= 2 * SPD and p.origins[-1] + p.horizon == 3 * SPD


def test_two_weeks_of_history_bring_in_the_weekly_model() -> None:
    rng = np.random.default_rng(9)
    y = daily_shape(18) + rng.normal(0, 2, 18 * SPD)
    assert set(choose_and_forecast(y, horizon=SPD).scores) == set(DEFAULT_MODELS)


def test_a_day_of_history_falls_back_to_seasonal_naive_unscored() -> None:
    y = daily_shape(1.5)
    choice = choose_and_forecast(y, horizon=SPD)
    assert choice.model == "seasonal_naive" and choice.scores == {}
    np.testing.assert_allclose(choice.forecast.mean, y[len(y) - SPD : len(y)])


def test_a_history_too_short_to_validate_gets_the_default_ensemble_unscored() -> None:
    rng = np.random.default_rng(10)
    y = daily_shape(2.2) + rng.normal(0, 2, int(2.2 * SPD))
    choice = choose_and_forecast(y, horizon=SPD)
    assert choice.model == "ensemble" and choice.scores == {}
    np.testing.assert_allclose(choice.forecast.mean, forecast_model(y, "ensemble", horizon=SPD), atol=1e-9)
    assert np.all(choice.forecast.lo95 <= choice.forecast.mean) and np.all(choice.forecast.hi95 > choice.forecast.mean)
    # Without the ensemble among the candidates, seasonal naive as before.
    assert choose_and_forecast(y, horizon=SPD, models=["stl"]).model == "seasonal_naive"


def test_mase_is_relative_to_the_in_sample_daily_seasonal_naive_error() -> None:
    y = np.array([1.0, 2.0, 4.0, 3.0, 4.0, 7.0])  # "days" of 2 steps: |4-1|, |3-2|, |4-4|, |7-3| -> mean 2
    assert mase_scale(y, 2) == 2.0
    assert mase(np.array([1.0, np.nan, 5.0]), np.array([2.0, 0.0, 2.0]), 2.0) == 1.0


def test_unknown_models_are_refused_and_seasonal_naive_is_always_scored() -> None:
    with pytest.raises(ValueError, match="unknown models: prophet"):
        choose_and_forecast(daily_shape(4), horizon=SPD, models=["prophet"])
    choice = choose_and_forecast(daily_shape(4), horizon=SPD, models=["stl"])
    assert isinstance(choice, Choice) and set(choice.scores) == {"seasonal_naive", "stl"}
