"""CPU forecasting: per-series model choice by rolling-origin cross-validation, forecasts with 80/95 % intervals.

Pure numpy/statsmodels (TensorFlow only when an LSTM is asked for); knows nothing of AWS or Rasa.
"""

from actions.forecasting.fleet import fleet
from actions.forecasting.models import DEFAULT_MODELS, MODELS
from actions.forecasting.result import Choice, Forecast
from actions.forecasting.selection import choose_and_forecast, forecast_model

__all__ = ["DEFAULT_MODELS", "MODELS", "Choice", "Forecast", "choose_and_forecast", "fleet", "forecast_model"]
