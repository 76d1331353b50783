"""Generate realistic 5-minute CPU-utilisation traces as CSV files (`timestamp,value`) for bench/forecast_eval.py.

Two sets that never share a seed or a mix: tune models on `--set tuning`, report figures from `--set report`:
    python bench/cpu_traces.py var/traces/tuning --set tuning
    python bench/cpu_traces.py var/traces/report --set report
The same seed always gives the same files (numpy's PCG64), so the sets need not be committed.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable
from pathlib import Path

import numpy as np

STEP = dt.timedelta(minutes=5)
SPD = 288  # 5-minute steps per day

Generator = Callable[[np.random.Generator, int, float], np.ndarray]

# Which kinds of server each set holds, and how often (weights). The report set is deliberately a different mix.
MIXES: dict[str, dict[str, float]] = {
    "tuning": {"web": 4, "batch": 2, "idle": 1, "trend": 2, "regime": 2, "noisy": 1, "spiky": 1},
    "report": {"web": 3, "batch": 3, "idle": 2, "trend": 1, "regime": 3, "noisy": 2, "spiky": 2},
}
DEFAULTS = {"tuning": (1, 40), "report": (2, 40)}  # seed, count


def _clock(start_hour: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Hour of day (0-24) and day of week (0 = Monday) for every step.

    Counted in whole steps: on fractional hours, `hour % 1 < 1 / 12` held for one step or two depending on rounding,
    so the idle servers' hourly cron job lasted 5 or 10 minutes from one day to the next at random - a pattern no
    real job has, and one only yesterday's exact curve could follow.
    """
    steps = round(start_hour * 12) + np.arange(n)
    return (steps % SPD) / 12.0, (steps // SPD) % 7


def _ar1(rng: np.random.Generator, n: int, phi: float, sigma: float) -> np.ndarray:
    """Autocorrelated noise: CPU averaged over 5 minutes is never white."""
    shocks = rng.normal(0.0, sigma * np.sqrt(1 - phi**2), n)
    out = np.empty(n)
    acc = 0.0
    for i in range(n):
        acc = phi * acc + shocks[i]
        out[i] = acc
    return out


def _business_day(hour: np.ndarray, peak: float, width: float) -> np.ndarray:
    """A smooth daytime bump centred on `peak` (hours), with a lunchtime dip."""
    bump = np.exp(-0.5 * ((hour - peak) / width) ** 2)
    dip = 0.15 * np.exp(-0.5 * ((hour - 12.5) / 0.6) ** 2)
    return np.clip(bump - dip, 0, None)


def _spikes(rng: np.random.Generator, n: int, rate_per_day: float, height: tuple[float, float]) -> np.ndarray:
    out = np.zeros(n)
    for start in np.flatnonzero(rng.random(n) < rate_per_day / SPD):
        length = int(rng.integers(1, 7))
        out[start : start + length] += rng.uniform(*height)
    return out


def web(rng: np.random.Generator, n: int, start: float) -> np.ndarray:
    hour, dow = _clock(start, n)
    base, amp = rng.uniform(5, 25), rng.uniform(15, 50)
    weekend = np.where(dow >= 5, rng.uniform(0.3, 0.8), 1.0)
    level = base + amp * _business_day(hour, rng.uniform(13, 16), rng.uniform(2.5, 4.5)) * weekend
    noise = _ar1(rng, n, rng.uniform(0.3, 0.8), 1.0) * (0.5 + 0.08 * level)
    return level + noise + _spikes(rng, n, rng.uniform(0, 1.5), (10, 40))


def batch(rng: np.random.Generator, n: int, start: float) -> np.ndarray:
    hour, dow = _clock(start, n)
    level = np.full(n, rng.uniform(2, 10))
    for _ in range(int(rng.integers(1, 4))):
        begin, length = rng.uniform(0, 24), rng.uniform(0.5, 3)
        running = ((hour - begin) % 24) < length
        if rng.random() < 0.3:  # a weekly job only
            running &= dow == int(rng.integers(0, 7))
        level = level + running * rng.uniform(30, 85)
    jitter = _ar1(rng, n, 0.6, rng.uniform(1, 4))
    return level + jitter + _spikes(rng, n, rng.uniform(0, 0.5), (10, 30))


def idle(rng: np.random.Generator, n: int, start: float) -> np.ndarray:
    hour, _ = _clock(start, n)
    cron = (np.round(hour * 12) % 12 == 0) * rng.uniform(0, 4)  # an hourly cron job, 5 minutes on the hour
    return rng.uniform(0.3, 3) + cron + np.abs(rng.normal(0, 0.4, n)) + _spikes(rng, n, rng.uniform(0, 0.7), (5, 25))


def trend(rng: np.random.Generator, n: int, start: float) -> np.ndarray:
    growth = rng.uniform(0.5, 3.0) * (1 if rng.random() < 0.8 else -1)  # percentage points per day
    series = web(rng, n, start) if rng.random() < 0.7 else batch(rng, n, start)
    return series + growth * np.arange(n) / SPD + (0 if growth > 0 else -growth * n / SPD)


def regime(rng: np.random.Generator, n: int, start: float) -> np.ndarray:
    """A deployment, a migration or a new customer: level and/or pattern change at some point."""
    first = web(rng, n, start) if rng.random() < 0.6 else batch(rng, n, start)
    cut = int(rng.uniform(0.3, 0.85) * n)
    if rng.random() < 0.5:
        second = first * rng.uniform(0.4, 1.8) + rng.uniform(-5, 15)
    else:
        second = web(rng, n, start) if rng.random() < 0.5 else batch(rng, n, start)
    return np.concatenate([first[:cut], second[cut:]])


def noisy(rng: np.random.Generator, n: int, start: float) -> np.ndarray:
    """Weak daily pattern under a wandering level: shared hosts, queue workers."""
    hour, _ = _clock(start, n)
    walk = np.cumsum(rng.normal(0, rng.uniform(0.1, 0.4), n))
    walk -= np.linspace(0, walk[-1], n) * rng.uniform(0.5, 1)  # keep it in range
    daily = rng.uniform(2, 10) * np.sin(2 * np.pi * (hour - rng.uniform(0, 24)) / 24)
    return rng.uniform(20, 50) + walk + daily + _ar1(rng, n, 0.5, rng.uniform(2, 6))


def spiky(rng: np.random.Generator, n: int, start: float) -> np.ndarray:
    return web(rng, n, start) * rng.uniform(0.3, 0.7) + _spikes(rng, n, rng.uniform(3, 10), (20, 60))


KINDS: dict[str, Generator] = {
    "web": web,
    "batch": batch,
    "idle": idle,
    "trend": trend,
    "regime": regime,
    "noisy": noisy,
    "spiky": spiky,
}


def trace(rng: np.random.Generator, kind: str) -> tuple[dt.datetime, np.ndarray]:
    """One trace of 3 to 28 days; some have gaps (missing values), as CloudWatch data does."""
    days = int(rng.choice([3, 4, 5, 7, 10, 14, 14, 14, 21, 28]))
    n = days * SPD + int(rng.integers(0, SPD))
    start = dt.datetime(2024, 1, 1) + dt.timedelta(minutes=5 * int(rng.integers(0, 7 * SPD)))
    values = np.clip(KINDS[kind](rng, n, start.weekday() * 24 + start.hour + start.minute / 60), 0, 100)
    if rng.random() < 0.25:
        for _ in range(int(rng.integers(1, 4))):
            gap = int(rng.integers(0, n - 24))
            values[gap : gap + int(rng.integers(1, 24))] = np.nan
    return start, values


def write(path: Path, start: dt.datetime, values: np.ndarray) -> None:
    lines = ["timestamp,value"]
    for i, v in enumerate(values):
        stamp = (start + i * STEP).strftime("%Y-%m-%dT%H:%M:%SZ")
        lines.append(f"{stamp},{'' if np.isnan(v) else f'{v:.3f}'}")
    path.write_text("\n".join(lines) + "\n")


def generate(out: Path, *, mix: dict[str, float], seed: int, count: int) -> list[Path]:
    rng = np.random.default_rng(seed)
    names = list(mix)
    weights = np.array([mix[k] for k in names], dtype=float)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        kind = names[int(rng.choice(len(names), p=weights / weights.sum()))]
        start, values = trace(rng, kind)
        path = out / f"{i:03d}-{kind}-{len(values) // SPD}d.csv"
        write(path, start, values)
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--set", choices=sorted(MIXES), default="report", help="which mix (and default seed and count)")
    parser.add_argument("--seed", type=int)
    parser.add_argument("--count", type=int)
    args = parser.parse_args()
    seed, count = DEFAULTS[args.set]
    seed = seed if args.seed is None else args.seed
    count = count if args.count is None else args.count
    paths = generate(args.out, mix=MIXES[args.set], seed=seed, count=count)
    print(f"{len(paths)} traces in {args.out}")


if __name__ == "__main__":
    main()
