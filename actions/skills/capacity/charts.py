"""The capacity skills' chart: an instance's recent CPU, the forecast after it with its 80 % and 95 % intervals, and
- when right-sizing - the capacity line of the current and the recommended type. Drawn like the trend charts
(``actions.skills.trends.charts``): Agg canvas, no pyplot, about 480 px wide. Blocking.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from actions.aws.capacity import STEP
from actions.skills.capacity import wording as say
from actions.skills.capacity.outlook import Outlook
from actions.skills.trends.charts import COLOURS, HEIGHT, SMALL, TEXT, WIDTH, _figure, _margins, _png, _time_axis

SHOWN_HISTORY = dt.timedelta(days=3)


def forecast_chart(outlook: Outlook) -> bytes:
    return _png(forecast_figure(outlook))


def forecast_figure(outlook: Outlook) -> Any:
    history, forecast = outlook.history, outlook.choice.forecast
    end = outlook.times()[outlook.window.stop - 1] if outlook.window.stop else outlook.forecast_start
    shown_from = max(history.start, outlook.forecast_start - max(SHOWN_HISTORY, (end - outlook.forecast_start)))
    first = int((shown_from - history.start) / STEP)
    past_times = history.times()[first:]
    past = history.values[first:]
    stop = outlook.window.stop
    times = outlook.times()[:stop]
    figure = _figure(WIDTH, HEIGHT + 0.3)
    figure.suptitle(say.chart_title(outlook), fontsize=TEXT)
    axes = figure.add_subplot(1, 1, 1)
    axes.plot(past_times, past, color=COLOURS[1], linewidth=0.9, label="CPU (5-min avg)")
    axes.fill_between(times, np.asarray(forecast.lo95)[:stop], np.asarray(forecast.hi95)[:stop], color=COLOURS[0],
                      alpha=0.15, linewidth=0, label="95% interval")
    axes.fill_between(times, np.asarray(forecast.lo80)[:stop], np.asarray(forecast.hi80)[:stop], color=COLOURS[0],
                      alpha=0.3, linewidth=0, label="80% interval")
    axes.plot(times, np.asarray(forecast.mean)[:stop], color=COLOURS[0], linewidth=1.3, label="forecast")
    axes.axvline(outlook.forecast_start, color="#444444", linewidth=0.8, linestyle=":")
    axes.yaxis.set_major_formatter(lambda value, _pos: f"{value:g}%")
    axes.set_ylim(0, 100)
    _time_axis(axes, past_times[0] if past_times else outlook.forecast_start, times[-1] if times else end, ticks=6)
    axes.legend(fontsize=SMALL - 1, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=4, frameon=False,
                handlelength=1.2, columnspacing=0.8)
    return _margins(figure, top=0.45, bottom=0.7)
