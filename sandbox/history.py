"""Ninety days of plausible size history for a demo bucket, so the sandbox's first trend chart is worth looking at.

Steady growth (more on weekdays), one cleanup of temporary files that piled up for a few weeks, one spike (a large
export uploaded and removed again a day or two later), ending exactly at what the bucket holds now. Sampled as a
tracker that has run for a month would have it: every six hours for the last 30 days, and one sample a day before
that (what CloudWatch's daily storage metrics give for the time before tracking). Pure: the same seed, bucket and
time give the same samples.
"""
from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping
from dataclasses import dataclass

from actions.aws.size_tracking import SizeSample
from sandbox.metrics import steps

STEP = dt.timedelta(hours=6)
DAILY = dt.timedelta(days=1)
DAYS = 90
DETAILED_DAYS = 30  # sampled every STEP; the days before once a day
EXTRA_CLASS = "STANDARD"  # where new uploads land: the spike and the files the cleanup removed


@dataclass(frozen=True)
class Story:
    """When the cleanup and the spike happen (days before now) and how big they are (objects)."""

    cleanup_day: float
    pile_up_days: float  # how long the removed files piled up before the cleanup
    cleanup_objects: int
    spike_day: float
    spike_days: float
    spike_objects: int
    spike_object_size: int


def story(name: str, final: Mapping[str, tuple[int, int]], *, seed: int) -> Story:
    rng = random.Random(f"{seed}:{name}:story")
    objects = max(1, sum(count for _, count in final.values()))
    average = sum(size for size, _ in final.values()) // objects
    return Story(
        cleanup_day=rng.uniform(35, 65),
        pile_up_days=rng.uniform(12, 25),
        cleanup_objects=max(2, round(objects * rng.uniform(0.25, 0.5))),
        spike_day=rng.uniform(6, 20),
        spike_days=rng.uniform(1, 2.5),
        spike_objects=max(1, round(objects * rng.uniform(0.1, 0.25))),
        spike_object_size=max(1024, round(average * rng.uniform(2.5, 5))),
    )


def size_history(
    name: str,
    final: Mapping[str, tuple[int, int]],
    *,
    now: dt.datetime,
    seed: int,
    days: int = DAYS,
    detailed_days: int = DETAILED_DAYS,
    step: dt.timedelta = STEP,
) -> list[SizeSample]:
    """Samples over the ``days`` before ``now``, oldest first: at every ``step`` boundary of the last
    ``detailed_days``, at midnight UTC before that. The last one's classes are ``final`` (class -> (bytes, objects)),
    as listed now."""
    recent = now - dt.timedelta(days=detailed_days)
    times = [at for at in steps(now - dt.timedelta(days=days), recent, DAILY) if at < recent]
    times += steps(recent, now, step)
    if not times:
        return []
    rng = random.Random(f"{seed}:{name}:growth")
    events = story(name, final, seed=seed)
    average = sum(size for size, _ in final.values()) // max(1, sum(count for _, count in final.values()))
    growth = {klass: _growth(times, rng) for klass in sorted(final)}
    samples = []
    for index, at in enumerate(times):
        age = (times[-1] - at) / dt.timedelta(days=1)
        classes: dict[str, tuple[int, int]] = {}
        for klass in sorted(set(final) | {EXTRA_CLASS}):
            size, count = final.get(klass, (0, 0))
            objects = round(count * growth[klass][index]) if klass in growth else 0
            # objects of the class's average size: the last sample is exactly what is listed
            level = (size * objects // count if count else 0, objects)
            if klass == EXTRA_CLASS:
                piled, spiked = _extras(events, age)
                level = (level[0] + piled * average + spiked * events.spike_object_size, level[1] + piled + spiked)
            if level[1] or klass in final:
                classes[klass] = level
        samples.append(SizeSample(ts=int(at.timestamp()), bytes=sum(b for b, _ in classes.values()),
                                  objects=sum(o for _, o in classes.values()), classes=classes))
    return samples


def _growth(times: list[dt.datetime], rng: random.Random) -> list[float]:
    """The fraction of today's objects there at each time: from 35-70 % up to exactly 1, faster on weekdays."""
    start = rng.uniform(0.35, 0.7)
    steps_taken = [0.0] + [
        rng.expovariate(1.0) * (at - before) / DAILY * (1.0 if at.weekday() < 5 else 0.3)
        for before, at in zip(times, times[1:], strict=False)
    ]
    total = sum(steps_taken) or 1.0
    fractions, done = [], 0.0
    for taken in steps_taken:
        done += taken
        fractions.append(start + (1 - start) * done / total)
    fractions[-1] = 1.0
    return fractions


def _extras(events: Story, age: float) -> tuple[int, int]:
    """Objects that are there ``age`` days before now beyond the steady growth: (piled up, spike)."""
    piled = 0
    pile_start = events.cleanup_day + events.pile_up_days
    if events.cleanup_day < age <= pile_start:
        piled = round(events.cleanup_objects * (pile_start - age) / events.pile_up_days)
    spiked = events.spike_objects if events.spike_day - events.spike_days < age <= events.spike_day else 0
    return piled, spiked
