"""The sandbox's metric curves and helpers: deterministic, bounded, shaped like a working day."""
from __future__ import annotations

import datetime as dt

import pytest

from sandbox.metrics import (
    CPU_STEP,
    STORAGE_TYPES,
    CpuProfile,
    chunks,
    cpu_series,
    cpu_value,
    datum,
    floor_to_step,
    storage_type,
)

WEB = CpuProfile(level=10, amplitude=40, peak_hour=14, noise=0.0)
WEDNESDAY = dt.datetime(2026, 11, 18, tzinfo=dt.UTC)
SATURDAY = dt.datetime(2026, 11, 21, tzinfo=dt.UTC)


def at(day: dt.datetime, hour: int, minute: int = 0) -> dt.datetime:
    return day.replace(hour=hour, minute=minute)


def test_peak_level_and_night() -> None:
    assert cpu_value(WEB, at(WEDNESDAY, 14), key="k") == 50.0
    assert cpu_value(WEB, at(WEDNESDAY, 2), key="k") == 10.0
    assert cpu_value(WEB, at(WEDNESDAY, 8), key="k") == 10.0  # six hours before the peak: the bump is zero
    assert cpu_value(WEB, at(WEDNESDAY, 11), key="k") == pytest.approx(10 + 40 * 0.7071, abs=0.01)


def test_weekends_are_quieter() -> None:
    assert cpu_value(WEB, at(SATURDAY, 14), key="k") == pytest.approx(10 + 40 * WEB.weekend_factor)


def test_night_batch_profile_peaks_at_night() -> None:
    batch = CpuProfile(level=5, amplitude=70, peak_hour=2, noise=0.0)
    assert cpu_value(batch, at(WEDNESDAY, 2), key="b") == 75.0
    assert cpu_value(batch, at(WEDNESDAY, 23), key="b") > cpu_value(batch, at(WEDNESDAY, 14), key="b")


def test_jitter_is_deterministic_per_key_and_time() -> None:
    noisy = CpuProfile(level=30, amplitude=0, noise=5.0)
    moment = at(WEDNESDAY, 10, 35)
    assert cpu_value(noisy, moment, key="a") == cpu_value(noisy, moment, key="a")
    values = {cpu_value(noisy, moment, key=k) for k in "abcdefgh"}
    assert len(values) > 4


def test_values_stay_within_percent() -> None:
    wild = CpuProfile(level=90, amplitude=40, noise=30.0)
    quiet = CpuProfile(level=0, amplitude=0, noise=30.0)
    for minute in range(0, 24 * 60, 7):
        moment = WEDNESDAY + dt.timedelta(minutes=minute)
        assert 0.1 <= cpu_value(wild, moment, key="w") <= 99.9
        assert 0.1 <= cpu_value(quiet, moment, key="q") <= 99.9


def test_series_covers_a_week_in_five_minute_steps() -> None:
    end = dt.datetime(2026, 11, 22, 4, 13, 27, tzinfo=dt.UTC)
    series = cpu_series(WEB, key="k", end=end)
    assert len(series) == 7 * 24 * 12 + 1
    assert series[-1][0] == dt.datetime(2026, 11, 22, 4, 10, tzinfo=dt.UTC)
    assert series[0][0] == series[-1][0] - dt.timedelta(days=7)
    assert all(b[0] - a[0] == CPU_STEP for a, b in zip(series, series[1:], strict=False))
    assert cpu_series(WEB, key="k", end=end) == series


def test_floor_to_step() -> None:
    assert floor_to_step(dt.datetime(2026, 1, 1, 10, 14, 59, 999, tzinfo=dt.UTC)) == dt.datetime(
        2026, 1, 1, 10, 10, tzinfo=dt.UTC
    )
    boundary = dt.datetime(2026, 1, 1, 10, 15, tzinfo=dt.UTC)
    assert floor_to_step(boundary) == boundary


def test_storage_types() -> None:
    assert storage_type(None) == "StandardStorage"
    assert storage_type("STANDARD") == "StandardStorage"
    assert storage_type("DEEP_ARCHIVE") == "DeepArchiveStorage"
    assert storage_type("INTELLIGENT_TIERING") == "IntelligentTieringFAStorage"
    assert storage_type("SOMETHING_NEW") == "StandardStorage"
    assert len(set(STORAGE_TYPES.values())) == len(STORAGE_TYPES)


def test_datum_and_chunks() -> None:
    moment = at(WEDNESDAY, 1)
    assert datum("CPUUtilization", 3, moment, {"InstanceId": "i-1"}, "Percent") == {
        "MetricName": "CPUUtilization",
        "Dimensions": [{"Name": "InstanceId", "Value": "i-1"}],
        "Timestamp": moment,
        "Value": 3.0,
        "Unit": "Percent",
    }
    items = [{"n": i} for i in range(1201)]
    parts = list(chunks(items))
    assert [len(p) for p in parts] == [500, 500, 201]
    assert [x for p in parts for x in p] == items
    assert list(chunks([])) == []
