"""Forecast many series at once on every core, reporting progress as each one finishes."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed

import numpy as np

from actions.forecasting.result import Choice
from actions.forecasting.selection import choose_and_forecast

Progress = Callable[[int, int], None]


def _one(args: tuple[str, np.ndarray, int, int, int, tuple[str, ...] | None]) -> tuple[str, Choice]:
    key, values, horizon, spd, origins, models = args
    return key, choose_and_forecast(values, horizon=horizon, steps_per_day=spd, origins=origins, models=models)


def fleet(
    series: Mapping[str, np.ndarray],
    *,
    horizon: int,
    steps_per_day: int = 288,
    origins: int = 3,
    models: Sequence[str] | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
) -> dict[str, Choice]:
    """`choose_and_forecast` for every series, in worker processes; `progress(done, total)` after each one.

    Workers are spawned, not forked: the caller (the action server) runs threads, which fork does not copy safely.
    Called from a thread, `progress` runs in that thread.
    """
    total = len(series)
    jobs = [(k, np.asarray(v, dtype=float), horizon, steps_per_day, origins, tuple(models) if models else None)
            for k, v in series.items()]
    results: dict[str, Choice] = {}
    workers = workers or min(os.cpu_count() or 1, max(1, total))
    if workers == 1:
        for job in jobs:
            key, choice = _one(job)
            results[key] = choice
            if progress:
                progress(len(results), total)
        return results
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        for future in as_completed([pool.submit(_one, job) for job in jobs]):
            key, choice = future.result()
            results[key] = choice
            if progress:
                progress(len(results), total)
    return {k: results[k] for k in series}
