"""PNG charts of the trend skills, small and readable on a phone (about 480 px wide, 9-10 pt text): a bucket's size
stacked by storage class, small multiples of the buckets that changed most, and an instance's metrics.

matplotlib is imported inside the functions and drawn through a Figure with the Agg canvas (no pyplot): nothing at
import time, no global backend switch, no state shared between the action server's threads - and ``on_start`` pays
the import and the first draw when the action server starts. Blocking (rendering takes tens of milliseconds): callers
run these in a thread executor.
"""
from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from actions.aws.metrics import InstanceHistory
from actions.aws.size_tracking import SizeSample
from actions.aws.storage_trend import DAY, BucketTrend, summarise
from actions.skills.cost.wording import class_name
from actions.skills.trends import wording as say

WIDTH, HEIGHT, DPI = 4.8, 3.0, 100
TEXT, SMALL = 10, 9
COLOURS = ("#1b9e77", "#7570b3", "#d95f02", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666")
MAX_MULTIPLES = 6


def _figure(width: float = WIDTH, height: float = HEIGHT) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(figure)
    return figure


def _margins(figure: Any, *, top: float = 0.45, bottom: float = 0.45, hspace: float = 0.25,
             wspace: float = 0.2) -> Any:
    """Margins in inches, fixed: working them out (tight_layout) draws the figure once more - a third of the time."""
    height = figure.get_figheight()
    figure.subplots_adjust(left=0.15, right=0.97, top=1 - top / height, bottom=bottom / height, hspace=hspace,
                           wspace=wspace)
    return figure


def _png(figure: Any) -> bytes:
    """zlib's fastest level: a third less encoding time for 3-4 % more bytes on these flat-coloured charts."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", pil_kwargs={"compress_level": 1})
    return buffer.getvalue()


def _time_axis(axes: Any, start: datetime, end: datetime, *, labels: bool = True, ticks: int | None = None) -> None:
    """The whole period on the axis, whatever the first and last points, with date ticks worked out once: a date
    locator and formatter left on the axis redo their work (rrules, label formats) each time the figure asks for
    the ticks: six times a draw."""
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
    from matplotlib.ticker import FixedFormatter, FixedLocator

    locator = AutoDateLocator(tz=UTC, minticks=2, maxticks=ticks) if ticks else AutoDateLocator(tz=UTC)
    # No offset text ("2025-Nov" under the right end, over the legend): the month is on the tick of its first day,
    # the date on the midnight ticks of a day's hours, and the title gives the period with its year.
    formatter = ConciseDateFormatter(locator, tz=UTC, show_offset=False,
                                     zero_formats=["", "%Y", "%b", "%d %b", "%H:%M", "%H:%M"])
    values = list(locator.tick_values(start, end))
    axes.xaxis.set_major_locator(FixedLocator(values))
    axes.xaxis.set_major_formatter(FixedFormatter(formatter.format_ticks(values)))
    axes.set_xlim(start, end)
    axes.tick_params(labelsize=SMALL, labelbottom=labels)
    axes.grid(True, alpha=0.3, linewidth=0.6)


def _title(axes: Any, text: str, **options: Any) -> None:
    """At the top of the axes (``y`` given: matplotlib otherwise measures the tick labels on every draw to see
    whether the title must move up - it never must, no ticks are at the top)."""
    axes.set_title(text, y=1.0, **options)


def _legend_below(axes: Any) -> None:
    """Under the axes, beside each other: never over the lines."""
    axes.legend(fontsize=SMALL - 1, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, frameon=False)


UNITS = ("B", "KB", "MB", "GB", "TB", "PB")


def _unit(peak: float) -> tuple[float, str]:
    """The binary unit that keeps the axis' figures between 1 and 1024: (its size, its name)."""
    power = 0
    while peak >= 1024 ** (power + 1) and power < len(UNITS) - 1:
        power += 1
    return 1024.0**power, UNITS[power]


def _bytes_axis(axes: Any, unit: str, suffix: str = "") -> None:
    """Round figures of ``unit`` on the axis (the data were divided by its size): "2 GB", "2.5 GB"; from 0 to a
    tenth above the highest point. (Only fixing the bottom at 0 keeps the top autoscaling left for the data's own
    range - a margin of a few pixels when a size barely changed, and a line at its peak hidden under the frame.)"""
    from matplotlib.ticker import MaxNLocator

    axes.yaxis.set_major_locator(MaxNLocator(4, steps=[1, 2, 2.5, 5, 10]))
    axes.yaxis.set_major_formatter(lambda value, _pos: f"{value:g} {unit}{suffix}")
    peak = axes.dataLim.y1 if axes.dataLim.height >= 0 and axes.has_data() else 0.0
    axes.set_ylim(0, peak * 1.1 if peak > 0 else 1.0)


def _times(epochs: Sequence[int]) -> list[datetime]:
    return [datetime.fromtimestamp(ts, UTC) for ts in epochs]


def _period(start: int, end: int) -> tuple[datetime, datetime]:
    return datetime.fromtimestamp(start, UTC), datetime.fromtimestamp(end, UTC)


def storage_chart(trend: BucketTrend) -> bytes:
    return _png(storage_figure(trend))


def storage_figure(trend: BucketTrend) -> Any:
    """The size over the period, stacked by storage class (largest at the bottom); a step line, since the size
    stays what it was until the next change."""
    figure = _figure()
    axes = figure.add_subplot()
    times = _times([p.ts for p in trend.points])
    names = [c.storage_class for c in trend.classes] or ["STANDARD"]
    size, unit = _unit(max((p.bytes for p in trend.points), default=0))
    if any(p.classes for p in trend.points):
        layers = [[p.classes.get(name, 0) / size for p in trend.points] for name in names]
    else:
        layers = [[p.bytes / size for p in trend.points]]
    axes.stackplot(times, layers, labels=[class_name(n) for n in names], colors=COLOURS[: len(layers)],
                   step="post", alpha=0.85)
    start, end = _period(trend.start, trend.end)
    _title(axes, say.chart_title(say.CHART_TITLE.format(bucket=trend.bucket), start, end), fontsize=TEXT)
    _time_axis(axes, start, end)
    _bytes_axis(axes, unit)
    if len(layers) > 1:
        _legend_below(axes)
    rows = -(-len(layers) // 2) if len(layers) > 1 else 0
    return _margins(figure, top=0.5, bottom=0.45 + 0.2 * rows)


def ranking_chart(trends: Sequence[BucketTrend], period_label: str) -> bytes:
    return _png(ranking_figure(trends, period_label))


def ranking_figure(trends: Sequence[BucketTrend], period_label: str) -> Any:
    """Small multiples: one little chart per bucket (the ``MAX_MULTIPLES`` that changed most), each on its own
    scale, titled with its change."""
    shown = [t for t in sorted(trends, key=lambda t: (-abs(t.change), t.bucket)) if t.points][:MAX_MULTIPLES]
    columns = 2 if len(shown) > 1 else 1
    rows = max(1, -(-len(shown) // columns))
    figure = _figure(WIDTH, 0.75 + 1.35 * rows)
    title = say.CHART_RANKING.format(period=period_label)
    if shown:
        title = say.chart_title(title, *_period(shown[0].start, shown[0].end))
    figure.suptitle(title, fontsize=TEXT)
    for index, trend in enumerate(shown):
        axes = figure.add_subplot(rows, columns, index + 1)
        size, unit = _unit(max(p.bytes for p in trend.points))
        axes.step(_times([p.ts for p in trend.points]), [p.bytes / size for p in trend.points], where="post",
                  color=COLOURS[0] if trend.change >= 0 else COLOURS[2], linewidth=1.4)
        _title(axes, f"{trend.bucket}  {say.signed_bytes(trend.change)}", fontsize=SMALL - 1)
        _time_axis(axes, *_period(trend.start, trend.end), labels=index >= len(shown) - columns, ticks=3)
        axes.tick_params(labelsize=SMALL - 2)
        _bytes_axis(axes, unit)
    return _margins(figure, top=0.75, bottom=0.4, hspace=0.75, wspace=0.4)


def metrics_chart(history: InstanceHistory) -> bytes:
    return _png(metrics_figure(history))


def metrics_figure(history: InstanceHistory) -> Any:
    """CPU (the average with the band between the lowest and highest readings) above network in and out."""
    cpu = [s for s in history.series if s.spec.unit == "percent" and s.points]
    network = [s for s in history.series if s.spec.unit == "bytes_per_second" and s.points]
    panels = [group for group in (cpu, network) if group]
    figure = _figure(WIDTH, HEIGHT if len(panels) < 2 else 4.4)
    figure.suptitle(say.chart_title(history.instance.label, history.start, history.end), fontsize=TEXT)
    for index, group in enumerate(panels):
        axes = figure.add_subplot(len(panels), 1, index + 1)
        size, unit = (1.0, "%") if group is cpu else _unit(max(p.value for s in group for p in s.points))
        for number, series in enumerate(group):
            times = [p.at for p in series.points]
            colour = COLOURS[number + (0 if group is cpu else 1)]
            axes.plot(times, [p.value / size for p in series.points], color=colour, linewidth=1.2,
                      label=say.METRIC_NAMES[series.spec.key])
            if group is cpu:
                axes.fill_between(times, [p.low for p in series.points], [p.high for p in series.points],
                                  color=colour, alpha=0.2, linewidth=0)
        if group is cpu:
            axes.yaxis.set_major_formatter(lambda value, _pos: f"{value:g}%")
            axes.set_ylim(0, 100)
            _title(axes, say.METRIC_NAMES["cpu"], fontsize=SMALL, loc="left")
        else:
            _bytes_axis(axes, unit, "/s")
            axes.legend(fontsize=SMALL - 1, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=2, frameon=False)
        _time_axis(axes, history.start, history.end, labels=index == len(panels) - 1)
    return _margins(figure, top=0.65, bottom=0.4, hspace=0.3)


def warm_up() -> bytes:
    """Blocking: pay matplotlib's import, font cache and first draw (a second or two on a busy machine) at the
    action server's start rather than in the first chart someone asks for; the throwaway chart."""
    return storage_chart(summarise("warm-up", [SizeSample(ts=0, bytes=1, objects=1, classes={"STANDARD": (1, 1)})],
                                   0, DAY))


async def on_start(app: Any) -> None:
    """An action server start-up hook: warms the charts up in a thread and returns at once."""
    import asyncio

    future = asyncio.get_running_loop().run_in_executor(None, warm_up)
    app.ctx.chart_warm_up = future  # referenced, so it is not garbage-collected mid-flight
