"""The demo buckets' made-up size history: ninety days, growth, one cleanup, one spike, ending at the listed size."""
from __future__ import annotations

import datetime as dt

import pytest

from sandbox.demo_data import DemoBucket, demo_buckets
from sandbox.history import DAYS, DETAILED_DAYS, size_history, story

NOW = dt.datetime(2026, 12, 2, 9, 41, 17, tzinfo=dt.UTC)
DAY = 86400


def listed(bucket: DemoBucket) -> dict[str, tuple[int, int]]:
    classes: dict[str, tuple[int, int]] = {}
    for obj in bucket.objects:
        if obj.deleted_age_days is None:
            size, count = classes.get(obj.storage_class, (0, 0))
            classes[obj.storage_class] = (size + obj.size, count + 1)
    return classes


BUCKETS = {bucket.name: listed(bucket) for bucket in demo_buckets(NOW, 42)}


@pytest.mark.parametrize("name", sorted(BUCKETS))
def test_the_history_ends_at_the_listed_size_and_classes(name: str) -> None:
    history = size_history(name, BUCKETS[name], now=NOW, seed=42)
    assert history[-1].classes == BUCKETS[name]
    assert history[-1].ts == int(dt.datetime(2026, 12, 2, 6, tzinfo=dt.UTC).timestamp())  # the last 6-hour mark
    for sample in history:
        assert sample.bytes == sum(size for size, _ in sample.classes.values())
        assert sample.objects == sum(count for _, count in sample.classes.values())
        assert all(size >= 0 and count >= 0 and (count > 0 or size == 0) for size, count in sample.classes.values())


@pytest.mark.parametrize("name", sorted(BUCKETS))
def test_ninety_days_daily_then_every_six_hours(name: str) -> None:
    times = [sample.ts for sample in size_history(name, BUCKETS[name], now=NOW, seed=42)]
    assert times == sorted(set(times))
    assert NOW.timestamp() - DAYS * DAY <= times[0] < NOW.timestamp() - (DAYS - 1) * DAY
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    recent = [gap for ts, gap in zip(times[1:], gaps, strict=True) if ts > NOW.timestamp() - (DETAILED_DAYS - 1) * DAY]
    assert set(recent) == {6 * 3600}
    assert set(gaps[:DAYS - DETAILED_DAYS - 1]) == {DAY}
    assert all(ts % (6 * 3600) == 0 for ts in times)  # midnight and every six hours, UTC


@pytest.mark.parametrize("name", sorted(BUCKETS))
def test_it_grows_drops_at_the_cleanup_and_spikes_once(name: str) -> None:
    history = size_history(name, BUCKETS[name], now=NOW, seed=42)
    events = story(name, BUCKETS[name], seed=42)
    end = history[-1].ts

    def level(days_ago: float) -> int:
        return [s.bytes for s in history if s.ts <= end - days_ago * DAY][-1]

    assert history[0].bytes < history[-1].bytes  # grew over the quarter
    # the cleanup: what piled up is gone the next sample
    before_cleanup, after_cleanup = level(events.cleanup_day + 0.01), level(events.cleanup_day - 1.01)
    assert after_cleanup < before_cleanup
    # the spike: up while the export is there, down again afterwards
    during = level(events.spike_day - 0.3)
    assert during > level(events.spike_day + 0.3) and during > level(events.spike_day - events.spike_days - 0.3)
    assert max(s.bytes for s in history) > history[-1].bytes


def test_the_same_seed_tells_the_same_story_and_another_seed_another() -> None:
    final = BUCKETS["app-logs.eu-west-1"]
    first = size_history("app-logs.eu-west-1", final, now=NOW, seed=42)
    assert size_history("app-logs.eu-west-1", final, now=NOW, seed=42) == first
    assert size_history("app-logs.eu-west-1", final, now=NOW, seed=7) != first
    assert size_history("other-bucket", final, now=NOW, seed=42) != first
    assert size_history("other-bucket", final, now=NOW, seed=7)[-1].classes == final


def test_a_bucket_of_one_object_steps_up_once_in_whole_objects() -> None:
    history = size_history("tiny", {"STANDARD": (1000, 1)}, now=NOW, seed=3)
    assert history[-1].classes == {"STANDARD": (1000, 1)}
    for sample in history:
        size, count = sample.classes["STANDARD"]
        assert count >= 0 and size >= 0
        assert (size == 0) == (count == 0)
