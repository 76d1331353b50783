"""PNG bar chart of monthly cost per storage class, now vs. after the recommended moves."""

from __future__ import annotations

import io

from actions.aws.cost.model import CostReport
from actions.core.formatting import format_money
from actions.skills.cost.wording import CHART_AFTER, CHART_NOW, CHART_TITLE, CHART_Y_LABEL, class_name


def cost_chart_png(report: CostReport, *, width: float = 6.4, height: float = 3.6, dpi: int = 100) -> bytes:
    """The chart as PNG bytes; the caller writes them to the media directory.

    matplotlib is imported here, not at module import, and drawn through a Figure with the Agg canvas
    (no pyplot): no global backend switch and no state shared between threads of the action server.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    classes = [summary for summary in report.classes if summary.priced]
    labels = [class_name(summary.storage_class) for summary in classes]
    now = [summary.monthly_cost for summary in classes]
    after = [summary.monthly_cost_after for summary in classes]
    figure = Figure(figsize=(width, height), dpi=dpi)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = list(range(len(classes)))
    bar = 0.38
    axes.bar([p - bar / 2 for p in positions], now, bar, label=CHART_NOW, color="#d95f02")
    axes.bar([p + bar / 2 for p in positions], after, bar, label=CHART_AFTER, color="#1b9e77")
    axes.set_xticks(positions, labels, rotation=20, ha="right", fontsize=8)
    axes.set_ylabel(CHART_Y_LABEL)
    axes.set_title(CHART_TITLE.format(bucket=report.bucket), fontsize=10)
    # Small buckets cost fractions of a cent: label the axis with the same money format as the chat.
    axes.yaxis.set_major_formatter(lambda value, _pos: format_money(value))
    axes.legend(fontsize=8)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
