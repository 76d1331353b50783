"""CPU series built so that their percentiles and averages are exact: a flat base with a busy spell every day."""

from __future__ import annotations

import numpy as np

STEPS_PER_DAY = 288  # 5-minute points
DAYS = 14


def daily(base: float, peak: float, *, busy_steps: int = 24, days: int = DAYS) -> np.ndarray:
    """``base`` % all day except ``busy_steps`` 5-minute steps at ``peak`` % (24 steps = 2 hours, 8.3% of the time)."""
    day = np.full(STEPS_PER_DAY, float(base))
    day[120 : 120 + busy_steps] = float(peak)
    return np.tile(day, days)


def average(base: float, peak: float, *, busy_steps: int = 24) -> float:
    return (base * (STEPS_PER_DAY - busy_steps) + peak * busy_steps) / STEPS_PER_DAY
