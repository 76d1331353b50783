"""A small LSTM, trained on the series itself, for the seasonally adjusted part of a forecast.

It works on hourly means (a day is 24 steps instead of 288, so training takes about a second on two cores) and
predicts the whole next day at once from the last two days. TensorFlow is imported here, when an LSTM first runs,
never when the action server starts.
"""

from __future__ import annotations

import os

import numpy as np

LOOKBACK_HOURS = 48
SEED = 13


def _hourly(adjusted: np.ndarray, per_hour: int) -> tuple[np.ndarray, int]:
    """Hourly means of the most recent whole hours, and how many steps were dropped from the start."""
    drop = len(adjusted) % per_hour
    return adjusted[drop:].reshape(-1, per_hour).mean(axis=1), drop


def forecast_adjusted(adjusted: np.ndarray, horizon: int, steps_per_day: int) -> np.ndarray:
    """Forecast `horizon` steps of the seasonally adjusted series (trend + remainder)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    per_hour = max(1, steps_per_day // 24)
    hourly, _ = _hourly(adjusted, per_hour)
    out_hours = -(-horizon // per_hour)
    centre, spread = float(np.mean(hourly)), float(np.std(hourly)) or 1.0
    z = (hourly - centre) / spread
    starts = range(0, len(z) - LOOKBACK_HOURS - out_hours + 1)
    if len(starts) < 16:
        raise ValueError("too little history for the LSTM")
    x = np.stack([z[s : s + LOOKBACK_HOURS] for s in starts])[:, :, None]
    t = np.stack([z[s + LOOKBACK_HOURS : s + LOOKBACK_HOURS + out_hours] for s in starts])

    tf.keras.utils.set_random_seed(SEED)
    model = tf.keras.Sequential(
        [
            tf.keras.layers.Input(shape=(LOOKBACK_HOURS, 1)),
            tf.keras.layers.LSTM(16),
            tf.keras.layers.Dense(out_hours),
        ]
    )
    model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=0.01), loss="mae")
    stop = tf.keras.callbacks.EarlyStopping(monitor="loss", patience=3, restore_best_weights=True)
    model.fit(x, t, epochs=20, batch_size=64, verbose=0, callbacks=[stop])
    predicted = model(z[None, -LOOKBACK_HOURS:, None], training=False).numpy()[0]
    return np.repeat(predicted * spread + centre, per_hour)[:horizon]
