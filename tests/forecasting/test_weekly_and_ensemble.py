"""The weekly profile (stl_week), the ensemble and the choice's margin in its favour."""

from __future__ import annotations

import numpy as np
import pytest

from actions.forecasting import choose_and_forecast, forecast_model
from actions.forecasting.models import ENSEMBLE, weekly_profile
from actions.forecasting.selection import MARGIN, pick

SPD = 288
WEEKEND_FACTOR = 0.35  # as the sandbox's web servers


def web(days: int, *, start: int = 0, noise: float = 0.0) -> np.ndarray:
    """A business-day bump peaking at 14:00, scaled down on days 5 and 6 of each week (the weekend)."""
    t = np.arange(start * SPD, (start + days) * SPD)
    weekend = np.where((t // SPD) % 7 >= 5, WEEKEND_FACTOR, 1.0)
    y = 20 + 30 * np.exp(-0.5 * ((t % SPD / 12 - 14) / 3) ** 2) * weekend
    return y + np.random.default_rng(start + days).normal(0, noise, len(t)) if noise else y


PEAK = 14 * 12  # 14:00


def test_a_saturday_forecast_dips_with_twelve_days_of_history() -> None:
    history, future = web(12, noise=1.0), web(2, start=12)  # days 12 and 13: Saturday and Sunday
    weekly = forecast_model(history, "stl_week", horizon=2 * SPD)
    daily = forecast_model(history, "stl", horizon=2 * SPD)
    assert future[PEAK] == pytest.approx(20 + 30 * WEEKEND_FACTOR)
    assert weekly[PEAK] < daily[PEAK] - 5  # stl repeats a weekday (about 49 %)
    assert np.mean(np.abs(weekly - future)) < 0.8 * np.mean(np.abs(daily - future))


def test_after_a_sunday_the_monday_forecast_is_a_weekday_again() -> None:
    history, future = web(13, noise=1.0), web(2, start=13)  # days 13 and 14: Sunday and Monday
    weekly = forecast_model(history, "stl_week", horizon=2 * SPD)
    assert weekly[PEAK] < 40 < 45 < weekly[SPD + PEAK]
    assert np.mean(np.abs(weekly - future)) < np.mean(np.abs(forecast_model(history, "stl", horizon=2 * SPD) - future))


def test_weekly_profile_needs_a_week_and_ignores_a_linear_trend_seen_over_two() -> None:
    assert weekly_profile(np.zeros(7 * SPD - 1), SPD) is None
    trend = 5 + 0.01 * np.arange(15 * SPD)
    profile = weekly_profile(trend, SPD, shrink=0.0)
    assert profile is not None and profile.shape == (7 * SPD,)
    np.testing.assert_allclose(profile, 0.0, atol=1e-9)


def test_weekly_profile_is_centred_and_shrunk_by_weeks_over_weeks_plus_shrink() -> None:
    adjusted = web(15) - 30  # two whole weeks and a day
    raw = weekly_profile(adjusted, SPD, shrink=0.0)
    shrunk = weekly_profile(adjusted, SPD, shrink=1.0)
    assert raw is not None and shrunk is not None
    assert raw.mean() == pytest.approx(0.0, abs=1e-9)
    np.testing.assert_allclose(shrunk, raw * 2 / 3)
    # The last whole week starts on day 1 (a Tuesday): its Saturday is positions 4-5 days in.
    assert raw[4 * SPD + PEAK] < raw[PEAK] - 10


def test_ensemble_is_the_mean_of_its_members() -> None:
    y = web(10, noise=2.0)
    members = [forecast_model(y, m, horizon=SPD) for m in ENSEMBLE]
    np.testing.assert_allclose(forecast_model(y, "ensemble", horizon=SPD), np.mean(members, axis=0), atol=1e-9)


def test_choice_with_the_ensemble_alone_scores_it_against_seasonal_naive() -> None:
    y = web(10, noise=2.0)
    choice = choose_and_forecast(y, horizon=SPD, models=["ensemble"])
    assert set(choice.scores) == {"seasonal_naive", "ensemble"}
    np.testing.assert_allclose(choice.forecast.mean, forecast_model(y, "ensemble", horizon=SPD), atol=1e-9)


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ({"seasonal_naive": 1.0, "stl": 0.85, "ensemble": 0.9}, "ensemble"),  # 0.85 > 0.9 x 0.9
        ({"seasonal_naive": 1.0, "stl": 0.8, "ensemble": 0.9}, "stl"),  # 0.8 < 0.81
        ({"seasonal_naive": 1.0, "stl": 0.95, "ensemble": 0.9}, "ensemble"),
        ({"seasonal_naive": 1.0, "stl": 0.8, "stl_ets": 0.8}, "stl"),  # no ensemble: lowest, ties to the first
        ({"seasonal_naive": 0.5, "stl": 0.8, "ensemble": float("inf")}, "seasonal_naive"),
    ],
)
def test_pick_keeps_the_ensemble_unless_beaten_by_the_margin(scores: dict[str, float], expected: str) -> None:
    assert MARGIN == 0.9
    assert pick(scores, list(scores)) == expected


def test_profile_is_the_median_day_at_the_last_days_level() -> None:
    y = 20 + 30 * np.exp(-0.5 * ((np.arange(9 * SPD) % SPD / 12 - 14) / 3) ** 2)
    y[-SPD:] += 7.0  # a level shift on the last day
    forecast = forecast_model(y, "profile", horizon=2 * SPD)
    np.testing.assert_allclose(forecast, np.tile(y[-SPD:], 2), atol=1e-9)


def test_profile_ignores_what_happened_on_one_day_only() -> None:
    y = web(10, noise=1.0)
    spoiled = y.copy()
    spoiled[6 * SPD + PEAK : 6 * SPD + PEAK + 24] = 100.0  # two hours flat out on day 6
    spoiled[4 * SPD : 4 * SPD + 36] = 0.0  # three hours down on day 4
    # The median over the week's days at each time of day barely moves; the mean would move by 1/7 of the spike.
    diff = forecast_model(spoiled, "profile", horizon=SPD) - forecast_model(y, "profile", horizon=SPD)
    assert np.max(np.abs(diff)) < 3.0
    assert np.max(np.abs(diff)) < (100.0 - 50.0) / 7


def test_ensemble_members_include_a_median_day_and_no_single_noisy_day() -> None:
    assert "profile" in ENSEMBLE and "seasonal_naive" not in ENSEMBLE
