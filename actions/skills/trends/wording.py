"""Every user-facing word of the trend skills: bucket growth, the account's ranking, tracking questions and answers,
instance metrics, charts' labels, and the failures of these skills (registered with ``actions.core.errors``)."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from actions.aws.metrics import InstanceHistory, MetricSeries, Summary
from actions.aws.size_notifications import NotificationTarget
from actions.aws.size_tracking import TrackPlan
from actions.aws.storage_trend import BucketTrend
from actions.core import errors
from actions.core.formatting import and_join, duration, format_bytes, plural
from actions.core.periods import EXAMPLES, Period
from actions.skills.cost.wording import class_name

# --- periods -------------------------------------------------------------------------------------------------------
PERIOD_UNKNOWN = (
    "I can't tell which period \"{words}\" means - I chart periods that have begun, e.g. " + ", ".join(
        f"\"{e}\"" for e in EXAMPLES) + "."
)


def moment(at: datetime, *, year: bool = False) -> str:
    """"19 Nov 15:30", or "19 Nov" at midnight (UTC); "19 Nov 2025 15:30" with ``year``."""
    at = at.astimezone(UTC)
    text = f"{at.day} {at:%b}" + (f" {at.year}" if year else "")
    return text if (at.hour, at.minute) == (0, 0) else f"{text} {at:%H:%M}"


def span(start: datetime, end: datetime) -> str:
    """"1 Nov - 19 Nov 15:30 UTC"; with the years when it crosses one."""
    year = start.year != end.year
    return f"{moment(start, year=year)} - {moment(end, year=year)} UTC"


def signed_bytes(value: float) -> str:
    return "+" + format_bytes(value) if value > 0 else format_bytes(value)


def signed_percent(value: float | None, change: int = 0) -> str:
    """"+12.5%"; from nothing, "new" if it grew and "-" if not."""
    if value is None:
        return "new" if change > 0 else "-"
    return f"{value:+.1f}%" if round(value, 1) else "0.0%"


def day_name(epoch: int) -> str:
    at = datetime.fromtimestamp(epoch, UTC)
    return f"{at:%a} {moment(at)}"


# --- a bucket's trend ------------------------------------------------------------------------------------------------
TREND_NOT_TRACKED = (
    "I'm not tracking the size of {bucket} yet, so I have no history for it. Say \"start tracking {bucket}\" and I'll "
    "record every change from then on (with S3's daily figures for the days before, where CloudWatch has them)."
)
TRACK_BUTTON = "Start tracking {bucket}"
TREND_NO_DATA = (
    "I have no size figures for {bucket} {period}: I started tracking it on {since}. Ask about a period since then, "
    "e.g. \"how has {bucket} grown today?\""
)
CLASS_TABLE_TITLE = "{bucket} by storage class"
CLASS_COLUMNS = ["Storage class", "Then", "Now", "Change"]
CHART_TITLE = "Size of {bucket}"


def _change_sentence(trend: BucketTrend, period: Period, start: datetime) -> str:
    when = f"{period.label} ({span(start, period.end)})"
    percent = f" ({signed_percent(trend.percent)})" if trend.percent is not None else ""
    if trend.change == 0:
        return (f"{trend.bucket} stayed at {format_bytes(trend.bytes_end)} {when}, "
                f"{plural(trend.objects_end, 'object')} now.")
    verb = "grew" if trend.change > 0 else "shrank"
    return (f"{trend.bucket} {verb} by {format_bytes(abs(trend.change))}{percent} {when}: from "
            f"{format_bytes(trend.bytes_start)} to {format_bytes(trend.bytes_end)}, "
            f"{plural(trend.objects_end, 'object')} now.")


NOTE_GAP = 86400  # figures beginning more than a day into the period are pointed out


def trend_lines(trend: BucketTrend, period: Period) -> list[str]:
    """The summary: the change, the daily average, the day that grew most (and shrank most), the classes."""
    assert trend.known_from is not None
    start = datetime.fromtimestamp(trend.known_from, UTC)
    lines = []
    if trend.known_from - trend.start > NOTE_GAP:
        lines.append(f"My figures for {trend.bucket} begin on {moment(start)} UTC, within this period.")
    lines.append(_change_sentence(trend, period, start))
    if trend.change:
        lines.append(f"On average that is {signed_bytes(trend.per_day)} a day.")
    if trend.grew_most is not None:
        lines.append(f"It grew most on {day_name(trend.grew_most.day)} ({signed_bytes(trend.grew_most.bytes)}).")
    if trend.shrank_most is not None:
        lines.append(f"It shrank most on {day_name(trend.shrank_most.day)} ({signed_bytes(trend.shrank_most.bytes)}).")
    return lines


def class_rows(trend: BucketTrend) -> list[list[str]]:
    return [[class_name(c.storage_class), format_bytes(c.bytes_start), format_bytes(c.bytes_end),
             signed_bytes(c.change)] for c in trend.classes]


def class_lines(trend: BucketTrend) -> list[str]:
    """The table in words (channels that draw the table leave these lines out)."""
    lines = [CLASS_TABLE_TITLE.format(bucket=trend.bucket) + ":"]
    lines += [f"- {name}: {then} then, {now} now ({change})" for name, then, now, change in class_rows(trend)]
    return lines


# --- the account's ranking -----------------------------------------------------------------------------------------
RANKING_NONE = (
    "I'm not tracking any bucket's size yet. Say \"start tracking <bucket>\" and I'll record its size from then on."
)
RANKING_TITLE = "Bucket growth {period}"
RANKING_COLUMNS = ["Bucket", "Now", "Change", "%", "Per day"]
RANKING_INTRO = "Tracked buckets by growth {period} ({span}), most first:"
RANKING_CHART_SHOWN = "The chart shows the {count} that changed most."
RANKING_NO_DATA = "{bucket}: no figures {period} (tracked since {since})"


def ranking_rows(trends: Sequence[BucketTrend]) -> list[list[str]]:
    return [[t.bucket, format_bytes(t.bytes_end), signed_bytes(t.change), signed_percent(t.percent, t.change),
             signed_bytes(t.per_day)] for t in trends if t.has_data]


def ranking_lines(trends: Sequence[BucketTrend], period: Period, shown: int) -> list[str]:
    lines = [RANKING_INTRO.format(period=period.label, span=span(period.start, period.end))]
    for index, (bucket, now, change, percent, per_day) in enumerate(ranking_rows(trends), start=1):
        lines.append(f"{index}. {bucket}: {change} ({percent}), now {now}, {per_day} a day")
    for trend in trends:
        if not trend.has_data:
            started = datetime.fromtimestamp(trend.since or trend.end, UTC)
            lines.append(RANKING_NO_DATA.format(bucket=trend.bucket, period=period.label, since=moment(started)))
    if shown < len(ranking_rows(trends)):
        lines.append(RANKING_CHART_SHOWN.format(count=shown))
    return lines


# --- tracking --------------------------------------------------------------------------------------------------------
TARGET_KINDS = {"queue": "SQS queue", "topic": "SNS topic", "lambda": "Lambda function", "eventbridge": "EventBridge"}
TRACK_YES = "Yes, track it"
UNTRACK_YES = "Yes, stop tracking"


def target_text(target: NotificationTarget) -> str:
    kind = TARGET_KINDS.get(target.kind, target.kind)
    name = target.arn.rsplit(":", 1)[-1] if target.arn else ""
    return f"{kind} {name}".strip()


def track_question(plan: TrackPlan) -> str:
    kept = (f"keep its {plural(len(plan.kept), 'other notification target')} as they are: "
            f"{and_join([target_text(t) for t in plan.kept])}" if plan.kept
            else "change nothing else: it has no other notification targets")
    return "\n".join([
        f"Start tracking the size of {plan.bucket}? I would:",
        f"- add an event notification to {plan.bucket} that sends object created and removed events to the SQS "
        f"queue {plan.queue_name} (made if missing, with a dead-letter queue for messages that can't be read)",
        f"- {kept}",
        "- list the bucket once now for its current size, then record every change within seconds; S3's daily size "
        "figures in CloudWatch fill in the days before, where they exist",
        "The objects in the bucket are not touched.",
    ])


def already_tracked(bucket: str, since: int, size: int, objects: int) -> str:
    return (f"I'm already tracking {bucket} (since {moment(datetime.fromtimestamp(since, UTC))} UTC): "
            f"{format_bytes(size)} in {plural(objects, 'object')} now. Ask \"how has {bucket} grown this week?\"")


def cannot_track(plan: TrackPlan) -> str:
    return (f"I can't track {plan.bucket}: it already sends object created or removed events to "
            f"{and_join([target_text(t) for t in plan.overlapping])}, and S3 allows one destination per kind of "
            "event. Nothing was changed.")


def tracking_started(bucket: str, size: int, objects: int) -> str:
    return (f"Now tracking {bucket}: {format_bytes(size)} in {plural(objects, 'object')} right now. Uploads and "
            f"deletions change the figure within seconds; ask \"how has {bucket} grown this week?\" any time.")


def untrack_question(bucket: str, kept: int) -> str:
    others = f"its {plural(kept, 'other notification target')} stay" if kept else "it has no other targets"
    return (f"Stop tracking the size of {bucket}? I would remove only my event notification from it ({others}) and "
            "stop updating its figures. The history so far is kept.")


NOT_TRACKED_NOTHING_TO_STOP = "I'm not tracking {bucket}, so there is nothing to stop. Nothing was changed."
TRACKING_STOPPED = "I've stopped tracking {bucket}. Its history up to now is kept."
NEED_BUCKET_TRACK = "start tracking my-project-bucket"
NEED_BUCKET_UNTRACK = "stop tracking my-project-bucket"

# --- instance metrics ------------------------------------------------------------------------------------------------
METRIC_NAMES = {"cpu": "CPU", "network_in": "Network in", "network_out": "Network out", "memory": "Memory",
                "disk": "Disk"}
# The same in a sentence.
METRIC_WORDS = {"cpu": "CPU", "network_in": "incoming network", "network_out": "outgoing network",
                "memory": "memory", "disk": "disk"}
METRIC_COLUMNS = ["Metric", "Min", "Avg", "Max", "p95"]
NEED_INSTANCE = "Which instance? Tell me its name, e.g. \"show web-2 cpu this week\"."
METRICS_NO_DATA = "CloudWatch has no {metric} figures for {instance} {period} - a stopped instance publishes none."


def metric_value(series: MetricSeries, value: float) -> str:
    return f"{value:.1f}%" if series.spec.unit == "percent" else f"{format_bytes(value)}/s"


def summary_cells(series: MetricSeries, summary: Summary) -> list[str]:
    return [metric_value(series, v) for v in (summary.minimum, summary.average, summary.maximum, summary.p95)]


def metrics_title(history: InstanceHistory, period: Period) -> str:
    instance = history.instance
    return f"{instance.label} ({instance.instance_id}) {period.label}, {span(history.start, history.end)}"


def metrics_lines(history: InstanceHistory, period: Period) -> list[str]:
    """One line per metric with data (the table in words), then those without, then what a point is."""
    instance = history.instance.label
    lines = [f"{metrics_title(history, period)}:"]
    missing = []
    for series in history.series:
        if series.summary is None:
            missing.append(METRIC_WORDS[series.spec.key])
            continue
        low, average, high, p95 = summary_cells(series, series.summary)
        lines.append(f"- {METRIC_NAMES[series.spec.key]}: min {low}, avg {average}, max {high}, p95 {p95}")
    if missing:
        lines.append(METRICS_NO_DATA.format(metric=and_join(missing), instance=instance, period=period.label))
    if len(missing) < len(history.series):
        lines.append(f"Each point is the average over {duration(history.period)}.")
    return lines


def metric_rows(history: InstanceHistory) -> list[list[str]]:
    return [[METRIC_NAMES[s.spec.key], *summary_cells(s, s.summary)] for s in history.series if s.summary]


# --- charts ----------------------------------------------------------------------------------------------------------
CHART_RANKING = "Bucket growth {period}"


def chart_title(title: str, start: datetime, end: datetime) -> str:
    """The title over the period, with its year (the date axis shows days and months only): "Size of logs" over
    "1 Nov - 1 Dec 2025 15:30 UTC"."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    return f"{title}\n{moment(start, year=start.year != end.year)} - {moment(end, year=True)} UTC"

# --- failures --------------------------------------------------------------------------------------------------------
ERRORS: dict[str, Any] = {
    "not_tracked": lambda d: TREND_NOT_TRACKED.format(bucket=d["bucket"]),
    "notification_overlap": lambda d: (
        f"I can't track {d['bucket']}: it already sends object created or removed events to {d['targets']}, and S3 "
        "allows one destination per kind of event. Nothing was changed."
    ),
    "metric_not_published": lambda d: (
        f"I can't chart {METRIC_WORDS.get(d['metric'], d['metric'])} for {d['instance']}: EC2 doesn't measure inside "
        "an instance - only the CloudWatch agent publishes memory and disk figures. Install the agent on "
        f"{d['instance']} to get them, or ask me for its CPU or network."
    ),
    "unknown_metric": lambda d: f"I don't know the metric \"{d['metric']}\". I can chart CPU, network in and network out.",
}
errors.register(ERRORS)
