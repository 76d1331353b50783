"""The statistics chart, small and readable on a phone (about 480 px wide): the monthly S3 cost of the dearest
buckets (the rest as one bar), and beneath it the account's cost now, next month and after the recommendations.

Drawn as ``actions.skills.trends.charts`` draws: a Figure on the Agg canvas, matplotlib imported inside the
functions, nothing shared between threads. Blocking: callers run it in a thread executor.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from actions.skills.trends.charts import COLOURS, DPI, SMALL, TEXT, WIDTH, _figure, _png
from actions.skills.usage import wording as say

MAX_BARS = 6


def cost_bars(storage: Mapping[str, Any]) -> list[tuple[str, float]]:
    """(label, monthly cost) of the ``MAX_BARS`` dearest buckets, the others summed into one bar, dearest on top."""
    ranked = say.by_cost(storage)
    bars = [(str(b["name"]), float(b["monthly_cost_usd"])) for b in ranked[:MAX_BARS]]
    rest = ranked[MAX_BARS:]
    if rest:
        bars.append((say.CHART_OTHERS.format(count=len(rest)), sum(float(b["monthly_cost_usd"]) for b in rest)))
    return bars


def totals(storage: Mapping[str, Any], cost: Mapping[str, Any] | None,
           projection: Mapping[str, Any] | None) -> list[tuple[str, float]]:
    """Now, next month (when projected) and after the advice (when it saves anything)."""
    now = float(storage["monthly_cost_usd"])
    bars = [(say.CHART_NOW, now)]
    if projection and projection.get("next_month_cost_usd") is not None:
        bars.append((say.CHART_NEXT, float(projection["next_month_cost_usd"])))
    if cost and float(cost["monthly_after_usd"]) < float(cost["monthly_now_usd"]):
        bars.append((say.CHART_AFTER, float(cost["monthly_after_usd"])))
    return bars


def stats_chart(storage: Mapping[str, Any], cost: Mapping[str, Any] | None,
                projection: Mapping[str, Any] | None) -> bytes:
    return _png(stats_figure(storage, cost, projection))


def stats_figure(storage: Mapping[str, Any], cost: Mapping[str, Any] | None,
                 projection: Mapping[str, Any] | None) -> Any:
    buckets = cost_bars(storage)
    overall = totals(storage, cost, projection)
    rows = len(buckets) + len(overall)
    height = 1.1 + 0.28 * rows
    figure = _figure(WIDTH, height)
    grid = figure.add_gridspec(2, 1, height_ratios=[max(len(buckets), 1), len(overall)], hspace=0.2)
    figure.suptitle(say.CHART_TITLE, fontsize=TEXT)
    for index, (bars, colour) in enumerate(((buckets, COLOURS[2]), (overall, COLOURS[0]))):
        axes = figure.add_subplot(grid[index])
        labels = [label for label, _ in bars][::-1]
        values = [value for _, value in bars][::-1]
        axes.barh(range(len(bars)), values, color=colour, height=0.6)
        axes.set_yticks(range(len(bars)), labels, fontsize=SMALL - 1)
        peak = max(values, default=0.0)
        axes.set_xlim(0, peak * 1.35 if peak > 0 else 1.0)
        axes.xaxis.set_visible(False)
        for side in ("top", "right", "bottom"):
            axes.spines[side].set_visible(False)
        for position, value in enumerate(values):
            axes.text(value, position, " " + say.money(value), va="center", fontsize=SMALL - 1)
    # Room for the longest label (about 6.5 px a character at this size), at most half the width.
    longest = max((len(label) for label, _ in buckets + overall), default=0)
    left = min(0.5, max(0.2, 0.04 + longest * 6.5 / (WIDTH * DPI)))
    figure.subplots_adjust(left=left, right=0.97, top=1 - 0.45 / height, bottom=0.1 / height)
    return figure
