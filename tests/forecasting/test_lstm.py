"""The LSTM candidate: trained once per series (at the first validation origin) and reused; real TensorFlow once."""

from __future__ import annotations

import numpy as np
import pytest

from actions.forecasting import choose_and_forecast, forecast_model
from actions.forecasting import lstm as lstm_module

SPD = 288


def series(days: int) -> np.ndarray:
    t = np.arange(days * SPD)
    return 30 + 15 * np.sin(2 * np.pi * t / SPD) + 0.2 * t / SPD + np.random.default_rng(days).normal(0, 2, len(t))


def test_selection_trains_the_lstm_once_on_the_first_origin_and_reuses_it(monkeypatch: pytest.MonkeyPatch) -> None:
    trained_on: list[int] = []
    used_with: list[int] = []
    fake = lstm_module.Trained(weights=(), centre=0.0, spread=1.0, per_hour=12)

    def train(adjusted: np.ndarray, steps_per_day: int) -> lstm_module.Trained:
        trained_on.append(len(adjusted))
        return fake

    def forecast_adjusted(trained: lstm_module.Trained, adjusted: np.ndarray, horizon: int) -> np.ndarray:
        assert trained is fake
        used_with.append(len(adjusted))
        return np.full(horizon, float(np.median(adjusted[-SPD:])))  # as stl does: beats seasonal naive on noise

    monkeypatch.setattr(lstm_module, "train", train)
    monkeypatch.setattr(lstm_module, "forecast_adjusted", forecast_adjusted)
    choice = choose_and_forecast(series(12), horizon=SPD, models=["lstm"])
    assert trained_on == [9 * SPD]  # origins at 9, 10 and 11 days
    assert choice.model == "lstm"
    assert used_with == [9 * SPD, 10 * SPD, 11 * SPD, 12 * SPD]  # the three origins, then the final forecast


def test_the_lstm_needs_a_week_before_its_first_origin() -> None:
    assert "lstm" not in choose_and_forecast(series(9), horizon=SPD, models=["lstm"]).scores
    assert "lstm" in choose_and_forecast(series(10), horizon=SPD, models=["lstm"]).scores


def test_a_real_lstm_forecasts_two_days_rolling_a_day_at_a_time() -> None:
    y = series(10)
    forecast = forecast_model(y, "lstm", horizon=2 * SPD)
    assert forecast.shape == (2 * SPD,) and np.isfinite(forecast).all()
    assert 25 < float(np.mean(forecast)) < 40  # the series' level (about 31), not a runaway roll-forward
