"""What the capacity skills say: forecasts, right-sizing findings for one instance and for the fleet, and their
failures. Pure functions of the results."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np

from actions.core import errors
from actions.core.formatting import format_money, plural
from actions.core.horizons import EXAMPLES, MAX_DAYS
from actions.rightsizing.engine import Recommendation, TypeVerdict
from actions.skills.capacity.outlook import Outlook

NEED_INSTANCE = 'Which instance? Say e.g. "forecast web-1 for tomorrow" or "is web-2 the right size?".'
HORIZON_UNKNOWN = (
    "I can't tell which future period \"{words}\" means - try " + ", ".join(f"\"{e}\"" for e in EXAMPLES) + "."
)
TOO_FAR = (
    f"I forecast at most {MAX_DAYS} days ahead: further out, five-minute CPU history says little. "
    "Try \"next week\" or \"tomorrow\"."
)
ONLY_CPU_AGENT = (
    "I forecast CPU only: EC2 doesn't measure memory or disk inside an instance (only the CloudWatch agent does). "
    "Say \"forecast {instance} for tomorrow\" for its CPU."
)
ONLY_CPU_NETWORK = (
    "I forecast CPU only. For {instance}'s network history say \"show {instance} network this week\"; for its CPU "
    "forecast, \"forecast {instance} for tomorrow\"."
)
NO_INSTANCES = "There are no running instances to right-size in this account and region."
FLEET_STARTED = "Checking {count} - I'll post the table here when it's done."
FLEET_PROGRESS = {
    "read": "Right-sizing: read the CPU history of {done} of {total} instances...",
    "sized": "Right-sizing: forecast and sized {done} of {total} instances...",
}

MODEL_NAMES = {
    "seasonal_naive": "seasonal naive (yesterday's or last week's curve repeated)",
    "ets": "exponential smoothing (ETS)",
    "holt_winters": "Holt-Winters exponential smoothing",
    "mstl": "MSTL (daily and weekly seasonal decomposition)",
    "mstl_ets": "MSTL decomposition with ETS on the rest",
    "mstl_arima": "MSTL decomposition with ARIMA on the rest",
    "arima": "ARIMA",
    "stl": "STL seasonal decomposition (a smoothed daily profile at the last day's level)",
    "stl_week": "STL seasonal decomposition with a weekday/weekend profile",
    "ensemble": "the average of three models (STL, STL with a weekly profile, the median day of the last week)",
    "profile": "the median day of the last week at the last day's level",
    "stl_ets": "STL seasonal decomposition with ETS on the rest",
    "stl_arima": "STL seasonal decomposition with ARIMA on the rest",
    "lstm": "an LSTM neural network",
}
FINDING_WORDS = {
    "under-provisioned": "under-provisioned (too small)",
    "over-provisioned": "over-provisioned (bigger than it needs)",
    "optimized": "the right size",
}
FLEET_COLUMNS = ("Instance", "Type", "Finding", "Recommended", "$/month change")


def model_name(key: str) -> str:
    return MODEL_NAMES.get(key, key.replace("_", " "))


def clock(at: dt.datetime) -> str:
    return f"{at.astimezone(dt.UTC):%H:%M}"


def day_and_clock(at: dt.datetime) -> str:
    return f"{at.astimezone(dt.UTC):%a} {clock(at)}"


def pct(value: float) -> str:
    return f"{value:.0f}%"


def instance_label(outlook: Outlook) -> str:
    return f"{outlook.instance.label} ({outlook.instance.instance_type})"


def forecast_lines(outlook: Outlook) -> list[str]:
    """The forecast for the asked window: average, peak (when, with its 80 % and 95 % ranges), the quietest time,
    how the model was chosen and from what."""
    forecast = outlook.choice.forecast
    times = outlook.times()[outlook.window]
    mean, hi80, lo80, hi95 = (np.asarray(a)[outlook.window] for a in (forecast.mean, forecast.hi80, forecast.lo80,
                                                                       forecast.hi95))
    peak, low = int(np.argmax(mean)), int(np.argmin(mean))
    when = day_and_clock if (times[-1] - times[0]) > dt.timedelta(days=1) else clock
    lines = [
        f"{instance_label(outlook)} {outlook.horizon.label}: CPU should average about {pct(float(np.mean(mean)))} "
        f"and peak near {pct(float(mean[peak]))} around {when(times[peak])} UTC "
        f"(80% range {pct(float(lo80[peak]))}-{pct(float(hi80[peak]))}, 95% up to {pct(float(hi95[peak]))}).",
        f"Quietest: about {pct(float(mean[low]))} around {when(times[low])} UTC.",
    ]
    choice = outlook.choice
    score = choice.scores.get(choice.model)
    naive = choice.scores.get("seasonal_naive")
    if choice.model != "seasonal_naive" and score is not None and naive:
        quality = f"its back-tested error is {score / naive:.2f}x that of repeating the last day or week"
    else:
        quality = "no model beat repeating the last day or week in back-tests"
    days = outlook.history.days_of_data
    lines.append(
        f"Model: {model_name(choice.model)}, chosen for this server by back-testing on its own history ({quality}); "
        f"from {days:.0f} days of five-minute CPU."
    )
    return lines


def recommendation_lines(outlook: Outlook) -> list[str]:
    rec = outlook.recommendation
    if rec is None:
        return []
    lines = [f"{instance_label(outlook)} is {FINDING_WORDS.get(rec.finding, rec.finding)}."]
    if rec.recommended_type != rec.current_type:
        lines.append(
            f"Recommended: {rec.recommended_type} - {format_money(rec.monthly_now)} -> "
            f"{format_money(rec.monthly_recommended)} a month ({signed_money(rec.monthly_change)})."
        )
    lines += [f"- {reason}" for reason in rec.reasons]
    if rec.recommended_type != rec.current_type:
        lines.append(f"To change it, say \"resize {outlook.instance.label} to {rec.recommended_type}\" - "
                     "I'll tell you what happens and ask first.")
    return lines


def size_line(instance: str, rec: Recommendation) -> str:
    """A forecast's last line: whether the instance fits the coming week."""
    line = f"Size: {FINDING_WORDS.get(rec.finding, rec.finding)}"
    if rec.recommended_type != rec.current_type:
        return (f"{line} - {rec.recommended_type} would fit the coming week ({signed_money(rec.monthly_change)}/month); "
                f"say \"rightsize {instance}\" for why.")
    return f"{line} - {rec.current_type} fits the coming week."


def resize_title(instance: str, instance_type: str) -> str:
    return f"Resize {instance} to {instance_type}"


def verdict_line(instance: str, verdict: TypeVerdict) -> str:
    """The answer to "should x run on a <type> instead?", before the recommendation."""
    why = "; ".join(verdict.reasons)
    if verdict.fits:
        change = signed_money(round(verdict.monthly - verdict.monthly_now, 2))
        return (f"Yes - {verdict.candidate} would carry {instance}: {why}. It costs {format_money(verdict.monthly)} "
                f"a month ({change}).")
    return f"No - {verdict.candidate} would not carry {instance}: {why}."


def signed_money(amount: float) -> str:
    return ("+" if amount > 0 else "") + format_money(round(amount, 2))


def sort_worst_first(outlooks: Sequence[Outlook]) -> list[Outlook]:
    """Under-provisioned first (they hurt now), then the biggest saving, then the rest by name."""
    def key(outlook: Outlook) -> tuple[int, float, str]:
        rec = outlook.recommendation
        order = {"under-provisioned": 0, "over-provisioned": 1}.get(rec.finding if rec else "", 2)
        return order, (rec.monthly_change if rec else 0.0), outlook.instance.label
    return sorted(outlooks, key=key)


def fleet_rows(outlooks: Sequence[Outlook]) -> list[list[str]]:
    rows = []
    for outlook in outlooks:
        rec = outlook.recommendation
        if rec is None:
            continue
        changed = rec.recommended_type != rec.current_type
        rows.append([
            outlook.instance.label, rec.current_type, rec.finding,
            rec.recommended_type if changed else "-", signed_money(rec.monthly_change) if changed else "-",
        ])
    return rows


def fleet_lines(outlooks: Sequence[Outlook], skipped: Sequence[tuple[str, str]], *, percentile: float,
                headroom: float, days: int) -> list[str]:
    lines = [
        f"Right-sizing {plural(len(outlooks), 'instance')} (p{percentile:g} CPU over {days} days + "
        f"{headroom * 100:.0f}% headroom, and the next 7 days' forecast):"
    ]
    for outlook in outlooks:
        rec = outlook.recommendation
        if rec is None:
            continue
        if rec.recommended_type != rec.current_type:
            lines.append(f"- {outlook.instance.label} ({rec.current_type}): {rec.finding} -> {rec.recommended_type} "
                         f"({signed_money(rec.monthly_change)}/month)")
        else:
            lines.append(f"- {outlook.instance.label} ({rec.current_type}): {rec.finding}")
    total = sum(o.recommendation.monthly_change for o in outlooks if o.recommendation)
    if any(o.recommendation and o.recommendation.recommended_type != o.recommendation.current_type
           for o in outlooks):
        lines.append(f"Following every recommendation changes the bill by {signed_money(total)} a month.")
    for label, why in skipped:
        lines.append(f"- {label}: not judged - {why}")
    return lines


def chart_title(outlook: Outlook) -> str:
    return f"{outlook.instance.label} CPU: history and forecast {outlook.horizon.label}"


ERRORS = {
    "not_enough_history": lambda d: (
        f"{d['instance']} has only {d['days']} days of CPU history in CloudWatch; I need at least {d['needed']} "
        "to tell its daily pattern from noise. Ask me again in a few days."
    ),
    "rightsizing_not_enough_data": lambda d: (
        f"{d['instance']} has only {d['hours']} hours of CPU history; right-sizing needs at least "
        f"{d['needed_hours']}. Ask me again later."
    ),
    "instance_type_unknown": lambda d: (
        f"{d['name']} isn't in my instance catalogue"
        + (f" - did you mean {d['suggestion']}?" if d.get("suggestion") else ".")
        + f" I can size these families: {d['known']}."
    ),
    "catalogue_region_unknown": lambda d: (
        f"I have no instance prices for {d['region']} yet (only {d['known']}), so I can't work out costs there."
    ),
    "rightsizing_percentile_unsupported": lambda d: (
        f"I right-size at p90, p95 or p99.5 of CPU, not p{d['percentile']}."
    ),
    "rightsizing_headroom_invalid": lambda d: (
        f"Headroom {d['headroom']} makes no sense - use {d['allowed']} (CLOUDBUTLER_RIGHTSIZE_HEADROOM)."
    ),
}
errors.register(ERRORS)
