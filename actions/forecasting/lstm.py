"""A small LSTM for the seasonally adjusted part of a forecast, trained once per series and reused at every origin.

It works on hourly means (a day is 24 steps instead of 288) and predicts the next day at once from the last two
days; longer horizons roll forward a day at a time. Selection trains it on the history before the first validation
origin and reuses that network at the later origins and for the final forecast, so one series costs one training
(~1 s on two cores). TensorFlow is imported here, when an LSTM first runs, never when the action server starts.
"""

from __future__ import annotations

import functools
import os
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

LOOKBACK_HOURS = 48
OUT_HOURS = 24
EPOCHS = 20
SEED = 13
MIN_SAMPLES = 16
# One network object per process, its weights reset for every series: building a Keras model and tracing its
# training step costs ~3 s, more than the training itself. The lock keeps two threads off it at once.
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Trained:
    """A network's weights and the normalisation of the series it was trained on."""

    weights: tuple[np.ndarray, ...]
    centre: float
    spread: float
    per_hour: int


def _hourly(adjusted: np.ndarray, per_hour: int) -> np.ndarray:
    """Hourly means of the most recent whole hours."""
    drop = len(adjusted) % per_hour
    return np.asarray(adjusted[drop:].reshape(-1, per_hour).mean(axis=1), dtype=float)


@functools.cache
def _network() -> tuple[Any, list[np.ndarray]]:
    """The process's network and its initial weights."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    tf.keras.utils.set_random_seed(SEED)
    model = tf.keras.Sequential(
        [
            tf.keras.layers.Input(shape=(LOOKBACK_HOURS, 1)),
            tf.keras.layers.LSTM(16),
            tf.keras.layers.Dense(OUT_HOURS),
        ]
    )
    model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=0.01), loss="mae")
    return model, [w.copy() for w in model.get_weights()]


def train(adjusted: np.ndarray, steps_per_day: int) -> Trained:
    """Fit the network to a seasonally adjusted series (trend + remainder); ValueError when it is too short."""
    per_hour = max(1, steps_per_day // 24)
    hourly = _hourly(adjusted, per_hour)
    centre, spread = float(np.mean(hourly)), float(np.std(hourly)) or 1.0
    z = (hourly - centre) / spread
    starts = range(0, len(z) - LOOKBACK_HOURS - OUT_HOURS + 1)
    if len(starts) < MIN_SAMPLES:
        raise ValueError("too little history for the LSTM")
    x = np.stack([z[s : s + LOOKBACK_HOURS] for s in starts])[:, :, None]
    t = np.stack([z[s + LOOKBACK_HOURS : s + LOOKBACK_HOURS + OUT_HOURS] for s in starts])
    with _LOCK:
        model, initial = _network()
        import tensorflow as tf

        tf.keras.utils.set_random_seed(SEED)
        model.set_weights(initial)
        for variable in model.optimizer.variables():  # Adam's moments and step count from the last series
            variable.assign(tf.zeros_like(variable))
        model.fit(x, t, epochs=EPOCHS, batch_size=64, verbose=0)
        weights = tuple(w.copy() for w in model.get_weights())
    return Trained(weights=weights, centre=centre, spread=spread, per_hour=per_hour)


def forecast_adjusted(trained: Trained, adjusted: np.ndarray, horizon: int) -> np.ndarray:
    """Forecast `horizon` steps of a seasonally adjusted series with a trained network, a day at a time."""
    z = (_hourly(adjusted, trained.per_hour) - trained.centre) / trained.spread
    window = z[-LOOKBACK_HOURS:]
    if len(window) < LOOKBACK_HOURS:
        raise ValueError("too little history for the LSTM")
    hours = -(-horizon // trained.per_hour)
    out: list[np.ndarray] = []
    with _LOCK:
        model, _ = _network()
        model.set_weights(list(trained.weights))
        while sum(len(o) for o in out) < hours:
            day = np.asarray(model.predict_on_batch(window[None, :, None])[0], dtype=float)
            out.append(day)
            window = np.concatenate([window, day])[-LOOKBACK_HOURS:]
    predicted = np.concatenate(out)[:hours] * trained.spread + trained.centre
    return np.repeat(predicted, trained.per_hour)[:horizon]
