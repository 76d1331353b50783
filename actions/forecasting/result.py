"""What the forecasting engine hands back: a forecast with its intervals, and the model choice behind it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Forecast:
    """Point forecast and 80 % / 95 % prediction intervals, one value per step (CPU %, within [0, 100])."""

    mean: np.ndarray
    lo80: np.ndarray
    hi80: np.ndarray
    lo95: np.ndarray
    hi95: np.ndarray
    model: str

    @property
    def horizon(self) -> int:
        return len(self.mean)


@dataclass(frozen=True)
class Choice:
    """The model chosen by rolling-origin cross-validation, its forecast, and every candidate's score.

    `scores` maps each candidate to its mean MASE over the validation origins (lower is better; the scale is the
    in-sample MAE of the daily seasonal naive forecast). Empty when the series was too short to validate, in which
    case the model is the seasonal naive one.
    """

    model: str
    forecast: Forecast
    scores: dict[str, float]
    seasonal_naive_mase: float
