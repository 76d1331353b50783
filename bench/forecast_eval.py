"""Evaluation of the CPU forecasting engine (a script, not a test): accuracy per model and of the per-series choice,
interval coverage, and speed.

    .venv/bin/python bench/cpu_traces.py var/traces/report --set report      # the traces reported in the README
    .venv/bin/python bench/forecast_eval.py var/traces/report [--lstm] [--no-speed] [--workers 2]

1. Accuracy. Every CSV in DIR (`timestamp,value`, 5-minute steps, empty value = gap) is cut at three origins a day
   apart (closer for series under five days; the first leaves at least two days of history, see `first_origin`),
   each scored on the next 288 steps (one day). At each origin every
   model forecasts from the history before it, and `choose_and_forecast` picks a model by its own inner rolling-origin
   validation on that same history only. MASE = MAE / in-sample MAE of the daily seasonal naive forecast; a model
   that needs more history than an origin has (mstl: two weeks, lstm: a week) is scored as the seasonal naive
   forecast it falls back to. "chosen" uses the default candidates (no LSTM); with --lstm, the LSTM gets a column
   and forecast_extra.json a "chosen_with_lstm" figure (the choice with the LSTM among the candidates).
   The same errors are also reported with the MASE scale floored at SCALE_FLOOR (forecast_extra.json only).
2. Coverage of the chosen forecast's 80 % and 95 % intervals over the same days.
3. Speed: one instance (14 days, selection included; target <= 3 s) and a fleet of 100 (target <= 2 min); with
   --lstm also with the LSTM among the candidates (TensorFlow's import and first tracing timed apart).

Writes bench/results/forecast_eval.json ({"overall": {...}, "series": {...}}, mean MASE per key) and
bench/results/forecast_extra.json (coverage, LSTM, timings).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from actions.forecasting import DEFAULT_MODELS, MODELS, choose_and_forecast, fleet  # noqa: E402
from actions.forecasting.models import min_length  # noqa: E402
from actions.forecasting.selection import forecast_model, mase, mase_scale, plan  # noqa: E402

SPD = 288
HORIZON = 288
ORIGINS = 3
RESULTS = ROOT / "bench" / "results"
# A second reading of the same errors with the MASE scale floored at half a percentage point of CPU: a history that
# is flat (an idle server before a deployment) has a scale near zero, and one such series outweighs all others in
# the mean. forecast_eval.json keeps the raw figure; the floored one goes beside it in forecast_extra.json.
SCALE_FLOOR = 0.5


def read_series(path: Path) -> np.ndarray:
    lines = path.read_text().splitlines()
    if lines[0].strip().lower() != "timestamp,value":
        raise ValueError(f"{path}: expected a 'timestamp,value' header")
    values = [line.split(",", 1)[1].strip() for line in lines[1:] if line.strip()]
    return np.array([float(v) if v else np.nan for v in values])


def first_origin(n: int) -> int:
    """The least history before the first origin: two days, so the MASE scale averages a whole day of seasonal-naive
    errors, or as much as three origins two hours apart leave on a series of three days.

    With one day and a step (as this once was), the scale of a 3-day trace's first origin was a single difference,
    |y[288] - y[0]|; on one report trace that was 0.02 CPU points, and its MASE of ~145 for every model outweighed
    the 39 other traces together.
    """
    return min(2 * SPD, n - HORIZON - (ORIGINS - 1) * (SPD // 12))


def evaluate(args: tuple[Path, bool]) -> dict[str, Any]:
    """Every model, the choice and its intervals, at each outer origin of one series."""
    path, with_lstm = args
    raw = read_series(path)
    outer = plan(len(raw), horizon=HORIZON, steps_per_day=SPD, origins=ORIGINS, min_train=first_origin(len(raw)))
    if outer is None or outer.horizon < HORIZON:
        raise ValueError(f"{path.name}: too short for {ORIGINS} origins with a {HORIZON}-step horizon")
    models = list(MODELS) if with_lstm else list(DEFAULT_MODELS)
    scores: dict[str, list[float]] = {m: [] for m in [*models, "chosen"] + (["chosen_with_lstm"] if with_lstm else [])}
    floored: dict[str, list[float]] = {m: [] for m in scores}
    chosen: list[str] = []
    chosen_lstm: list[str] = []
    covered = {80: 0, 95: 0}
    counted = 0
    width = {80: 0.0, 95: 0.0}
    for origin in outer.origins:
        history, actual = raw[:origin], raw[origin : origin + HORIZON]
        scale = mase_scale(history, SPD)
        naive = forecast_model(history, "seasonal_naive", horizon=HORIZON, steps_per_day=SPD)
        for m in models:
            runs = len(history) >= min_length(m, SPD)
            predicted = forecast_model(history, m, horizon=HORIZON, steps_per_day=SPD) if runs else naive
            scores[m].append(mase(actual, predicted, scale))
            floored[m].append(mase(actual, predicted, max(scale, SCALE_FLOOR)))
        choice = choose_and_forecast(history, horizon=HORIZON, steps_per_day=SPD, origins=ORIGINS)
        f = choice.forecast
        scores["chosen"].append(mase(actual, f.mean, scale))
        floored["chosen"].append(mase(actual, f.mean, max(scale, SCALE_FLOOR)))
        chosen.append(choice.model)
        known = ~np.isnan(actual)
        counted += int(known.sum())
        for level, lo, hi in ((80, f.lo80, f.hi80), (95, f.lo95, f.hi95)):
            covered[level] += int(((actual >= lo - 1e-9) & (actual <= hi + 1e-9))[known].sum())
            width[level] += float(np.sum((hi - lo)[known]))
        if with_lstm:
            both = choose_and_forecast(history, horizon=HORIZON, steps_per_day=SPD, origins=ORIGINS, models=list(MODELS))
            scores["chosen_with_lstm"].append(mase(actual, both.forecast.mean, scale))
            floored["chosen_with_lstm"].append(mase(actual, both.forecast.mean, max(scale, SCALE_FLOOR)))
            chosen_lstm.append(both.model)
    return {
        "file": path.name,
        "mase": {k: float(np.mean(v)) for k, v in scores.items()},
        "mase_floored": {k: float(np.mean(v)) for k, v in floored.items() if v},
        "chosen_model": chosen[-1],
        "chosen_models": chosen,
        "chosen_with_lstm_models": chosen_lstm,
        "covered": covered,
        "width": width,
        "points": counted,
    }


def accuracy(files: list[Path], *, with_lstm: bool, workers: int) -> tuple[dict[str, Any], dict[str, Any]]:
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        rows = list(pool.map(evaluate, [(f, with_lstm) for f in files]))
    keys = [*DEFAULT_MODELS] + (["lstm"] if with_lstm else []) + ["chosen"]
    series = {r["file"]: {**{k: r["mase"][k] for k in keys}, "chosen_model": r["chosen_model"]} for r in rows}
    overall = {k: float(np.mean([r["mase"][k] for r in rows])) for k in keys}
    report = {"overall": overall, "series": series}

    points = sum(r["points"] for r in rows)
    floored = {k: float(np.mean([r["mase_floored"][k] for r in rows])) for k in keys}
    extra: dict[str, Any] = {
        "floored_scale": {"floor": SCALE_FLOOR, "overall": floored,
                          "chosen_over_seasonal_naive": floored["chosen"] / floored["seasonal_naive"],
                          "series": {r["file"]: {k: r["mase_floored"][k] for k in keys} for r in rows}},
        "coverage": {str(lv): sum(r["covered"][lv] for r in rows) / points for lv in (80, 95)},
        "mean_interval_width": {str(lv): sum(r["width"][lv] for r in rows) / points for lv in (80, 95)},
        "chosen_models": {r["file"]: r["chosen_models"] for r in rows},
    }
    if with_lstm:
        extra["lstm"] = {
            "chosen_with_lstm": float(np.mean([r["mase"]["chosen_with_lstm"] for r in rows])),
            "chosen": overall["chosen"],
            "lstm_chosen_at": sum(m == "lstm" for r in rows for m in r["chosen_with_lstm_models"]),
            "origins": sum(len(r["chosen_with_lstm_models"]) for r in rows),
        }

    print(f"\nMASE (1-day horizon, {ORIGINS} origins; lower is better; scale = in-sample daily seasonal naive MAE)")
    head = f"{'file':<24}" + "".join(f"{k:>15}" for k in keys) + f"  {'chosen model':<16}"
    print(head)
    print("-" * len(head))
    for name, row in series.items():
        print(f"{name:<24}" + "".join(f"{row[k]:>15.3f}" for k in keys) + f"  {row['chosen_model']:<16}")
    print("-" * len(head))
    print(f"{'overall (mean)':<24}" + "".join(f"{overall[k]:>15.3f}" for k in keys))
    ratio = overall["chosen"] / overall["seasonal_naive"]
    print(f"{'floored scale (mean)':<24}" + "".join(f"{floored[k]:>15.3f}" for k in keys))
    print(f"\nchosen / seasonal naive = {ratio:.3f} (target <= 0.85) over {len(rows)} series: the issue's MASE, as in "
          "forecast_eval.json")
    print(f"chosen / seasonal naive = {floored['chosen'] / floored['seasonal_naive']:.3f} with the MASE scale floored at "
          f"{SCALE_FLOOR} CPU percentage points (not the issue's metric; forecast_extra.json)")
    cov = extra["coverage"]
    print(f"interval coverage: 80 % -> {cov['80']:.1%}, 95 % -> {cov['95']:.1%} over {points} points")
    if with_lstm:
        lstm = extra["lstm"]
        print(f"with the LSTM as a candidate: chosen {lstm['chosen_with_lstm']:.3f}; "
              f"LSTM chosen at {lstm['lstm_chosen_at']} of {lstm['origins']} origins")
    extra["chosen_over_seasonal_naive"] = ratio
    return report, extra


def speed(workers: int, *, with_lstm: bool) -> dict[str, Any]:
    import cpu_traces

    rng = np.random.default_rng(99)
    kinds = list(cpu_traces.KINDS.values())
    traces = [np.clip(kinds[i % len(kinds)](rng, 14 * SPD, int(rng.integers(0, 168))), 0, 100) for i in range(100)]
    out: dict[str, Any] = {"workers": workers, "cpus": os.cpu_count()}
    runs = [("default", None)] + ([("with_lstm", [*DEFAULT_MODELS, "lstm"])] if with_lstm else [])
    for label, models in runs:
        if models:
            start = time.perf_counter()
            import tensorflow  # noqa: F401

            imported = time.perf_counter() - start
            start = time.perf_counter()
            choose_and_forecast(traces[0], horizon=HORIZON, models=models)  # builds and traces the network
            first = time.perf_counter() - start
            print(f"\nwith the LSTM: TensorFlow import {imported:.1f} s, first forecast in a process {first:.1f} s "
                  "(network built and traced)")
            out["lstm_first_use_s"] = {"tensorflow_import": imported, "first_forecast": first}
        else:
            choose_and_forecast(traces[0], horizon=HORIZON)  # imports statsmodels once, as a running server would have
        one = []
        for values in traces[1:8]:
            start = time.perf_counter()
            choose_and_forecast(values, horizon=HORIZON, models=models)
            one.append(time.perf_counter() - start)
        print(f"\n[{label}] one instance (14 days, selection included, warm): median {statistics.median(one):.2f} s, "
              f"max {max(one):.2f} s (target <= 3 s)")
        start = time.perf_counter()

        def progress(done: int, total: int, begun: float = start) -> None:
            if done % 10 == 0 or done == total:
                print(f"  fleet: {done}/{total} ({time.perf_counter() - begun:.0f} s)", flush=True)

        fleet({f"i-{i:03d}": v for i, v in enumerate(traces)}, horizon=HORIZON, models=models, workers=workers,
              progress=progress)
        fleet_s = time.perf_counter() - start
        print(f"[{label}] fleet of 100 (14 days each, {workers} workers, process start included): {fleet_s:.1f} s "
              "(target <= 120 s)")
        key = "" if label == "default" else f"{label}_"
        out[f"{key}one_instance_s"] = {"median": statistics.median(one), "max": max(one), "runs": len(one)}
        out[f"{key}fleet_100_s"] = fleet_s
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dir", type=Path)
    parser.add_argument("--lstm", action="store_true",
                        help="also score the LSTM and the choice with it (one ~1 s training per series and origin)")
    parser.add_argument("--no-speed", action="store_true")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    files = sorted(args.dir.glob("*.csv"))
    if not files:
        sys.exit(f"no CSV files in {args.dir}")
    report, extra = accuracy(files, with_lstm=args.lstm, workers=args.workers)
    extra["dir"] = str(args.dir)
    if not args.no_speed:
        extra["speed"] = speed(args.workers, with_lstm=args.lstm)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "forecast_eval.json").write_text(json.dumps(report, indent=2) + "\n")
    (RESULTS / "forecast_extra.json").write_text(json.dumps(extra, indent=2) + "\n")
    print(f"\nwrote {RESULTS / 'forecast_eval.json'} and {RESULTS / 'forecast_extra.json'}")


if __name__ == "__main__":
    main()
