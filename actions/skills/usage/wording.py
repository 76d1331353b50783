"""Every user-facing word of the statistics skill: the account's storage, cost, growth and projection, instances by
finding, how the assistant is used (admins only), the chart's labels and the dashboard link; its failures are
registered with ``actions.core.errors``."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from actions.core import errors
from actions.core.formatting import and_join, format_bytes, format_money, listed_names, plural
from actions.skills.cost.wording import class_name

if TYPE_CHECKING:
    from actions.analytics import Latency, Share, UsageReport

TOP = 3  # buckets named by cost and by growth
GROWTH_DAYS = 30
SHARES = 5  # skills and channels named before "and N more"
SLOWEST = 3

# --- the account -----------------------------------------------------------------------------------------------------
NO_BUCKETS = "You have no S3 buckets yet, so S3 costs you nothing. Say \"create bucket my-project-bucket\" to start."
STORAGE = "Your S3 storage: {size} in {objects} across {buckets}, about {cost} a month."
TOP_COST = "Costing most: {buckets}."
TOP_GROWTH = "Growing fastest over the last {days} days: {buckets}."
NO_GROWTH = "None of the tracked buckets grew over the last {days} days."
NOT_TRACKED = (
    "I'm not tracking any bucket's size, so I have no growth or projection yet. Say \"start tracking <bucket>\" and "
    "I'll record its size from then on."
)
PROJECTION = "Next month I expect about {size}, {cost} a month: {method}."
PROJECTION_FIT = "a line through the last {days} days of size history of {buckets}, the others as they are now"
PROJECTION_NOW = (
    "today's sizes, as no bucket has a day of size history yet (say \"start tracking <bucket>\" and I'll fit a "
    "line through its history)"
)
SAVINGS = (
    "My recommendations would save {saving} a month ({share} of the storage cost) by moving {changes}. Say "
    "\"suggest cost optimization for {bucket}\" for the details."
)
NO_SAVINGS = (
    "None of my recommendations would save anything right now: no objects are old and large enough to move to a "
    "cheaper storage class."
)
NOT_ANALYSED = "I couldn't list the objects of {buckets}, so my recommendations leave {them} out."
BUCKET_TITLE = "S3 buckets by monthly cost"
BUCKET_TITLE_TOP = "The {shown} of {count} S3 buckets costing most (all of them on the dashboard)"
TABLE_ROWS = 15
BUCKET_COLUMNS = ["Bucket", "Size", "Objects", "Monthly cost", f"{GROWTH_DAYS}-day change"]
PART_FAILED = "I couldn't read {part}: {reason}"
PARTS = {"trends": "the size history", "cost": "the cost recommendations", "projection": "next month's projection",
         "capacity": "the instances"}

# How "predict my S3 bill" and "how much am I spending" lead: the figure asked for first.
FOCUS_WORDS = {
    "projection": ("predict", "forecast", "next month", "project", "will i", "going to", "expect"),
    "cost": ("spend", "cost", "bill", "pay", "money", "charge", "expens"),
}

# --- instances -------------------------------------------------------------------------------------------------------
FINDINGS = ("under-provisioned", "over-provisioned", "optimized")
INSTANCES = "Instances: {counts}."
NO_INSTANCES = "You have no EC2 instances for me to size."
INSTANCE_LINE = "- {name} ({type}): {finding}, {advice}"
STILL_SIZING = (
    "I'm still sizing your instances (a forecast for each) - ask again in a minute, or see them on the dashboard."
)
NONE_SIZED = "Instances: none sized yet."
NOT_SIZED = "Not sized yet (too little CPU history): {names}."

# --- the assistant (admins) ------------------------------------------------------------------------------------------
USAGE_INTRO = "How the assistant was used {period} ({span}): {requests} from {people} in {conversations}."
USAGE_NONE = "Nobody asked the assistant anything {period} ({span})."
USAGE_SKILLS = "By skill: {shares}."
USAGE_CHANNELS = "By channel: {shares}."
USAGE_RATES = "Fallback rate {fallback} ({fallbacks} of {requests}); {containment} of conversations ended without a " \
              "fallback or a failure."
USAGE_CONFIRMATIONS = "Confirmations: {asked} asked, {accepted} accepted, {declined} declined{more}."
USAGE_NO_CONFIRMATIONS = "No changes were asked to be confirmed."
USAGE_LATENCY = "Slowest to answer (p50 / p95): {actions}."
USAGE_UNAVAILABLE = "I have no figures on how the assistant is used: {reason}"
USAGE_TITLE = "Requests by skill {period}"
USAGE_COLUMNS = ["Skill", "Requests"]

# --- the chart and the dashboard ---------------------------------------------------------------------------------
CHART_TITLE = "S3 cost a month"
CHART_OTHERS = "{count} others"
CHART_NOW = "Now"
CHART_NEXT = "Next month"
CHART_AFTER = "After advice"
DASHBOARD = "The whole picture, with charts of every figure: {url}"
DASHBOARD_LABEL = "Open the dashboard"


def focus(text: str) -> str:
    """What the message asks first: "projection", "cost" or "stats"."""
    lowered = text.lower()
    for name, words in FOCUS_WORDS.items():
        if any(word in lowered for word in words):
            return name
    return "stats"


def money(amount: float) -> str:
    return format_money(float(amount))


def per_month(amount: float) -> str:
    return f"{money(amount)} a month"


def signed_bytes(value: float) -> str:
    return "+" + format_bytes(value) if value > 0 else format_bytes(value)


def signed_percent(value: float | None) -> str:
    return "new" if value is None else f"{value:+.1f}%"


def storage_line(storage: Mapping[str, Any]) -> str:
    return STORAGE.format(size=format_bytes(storage["total_bytes"]), objects=plural(int(storage["total_objects"]),
                          "object"), buckets=plural(len(storage["buckets"]), "bucket"),
                          cost=money(storage["monthly_cost_usd"]))


def by_cost(storage: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The buckets, dearest first (then largest, then by name)."""
    return sorted(storage["buckets"], key=lambda b: (-float(b["monthly_cost_usd"]), -int(b["bytes"]), b["name"]))


def top_cost_line(storage: Mapping[str, Any]) -> str:
    named = [f"{b['name']} {per_month(b['monthly_cost_usd'])} ({format_bytes(b['bytes'])})"
             for b in by_cost(storage)[:TOP]]
    return TOP_COST.format(buckets=and_join(named))


def growing(trends: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Tracked buckets that grew, most first."""
    grew = [b for b in trends["buckets"] if int(b["change_bytes"]) > 0]
    return sorted(grew, key=lambda b: (-int(b["change_bytes"]), b["name"]))


def growth_line(trends: Mapping[str, Any]) -> str:
    if not trends["buckets"]:
        return NOT_TRACKED
    grew = growing(trends)
    if not grew:
        return NO_GROWTH.format(days=trends["days"])
    named = [f"{b['name']} {signed_bytes(b['change_bytes'])} ({signed_percent(b['change_pct'])})" for b in grew[:TOP]]
    return TOP_GROWTH.format(days=trends["days"], buckets=and_join(named))


def projection_line(projection: Mapping[str, Any]) -> str:
    fitted = int(projection.get("fitted_buckets") or 0)
    method = (PROJECTION_FIT.format(days=projection.get("history_days", GROWTH_DAYS),
                                    buckets=plural(fitted, "tracked bucket"))
              if projection.get("method") == "linear_fit" and fitted else PROJECTION_NOW)
    return PROJECTION.format(size=format_bytes(projection["next_month_bytes"]),
                             cost=money(projection["next_month_cost_usd"]), method=method)


def change_text(recommendation: Mapping[str, Any]) -> str:
    """"objects in logs older than 90 days to Glacier Flexible Retrieval"."""
    target, days = recommendation.get("target_class"), recommendation.get("min_age_days")
    if target and days is not None:
        return (f"objects in {recommendation['bucket']} older than {plural(int(days), 'day')} to "
                f"{class_name(str(target))}")
    return f"{recommendation['action']} in {recommendation['bucket']}"


def savings_line(cost: Mapping[str, Any]) -> str:
    """What the recommendations would save; and which buckets they leave out."""
    line = _savings(cost)
    skipped = [str(name) for name in cost.get("not_analysed") or []]
    if skipped:
        line += " " + NOT_ANALYSED.format(buckets=listed_names(skipped, 5), them="it" if len(skipped) == 1 else "them")
    return line


def _savings(cost: Mapping[str, Any]) -> str:
    recommendations = [r for r in cost["recommendations"] if float(r["monthly_saving_usd"]) > 0]
    saving = float(cost["monthly_now_usd"]) - float(cost["monthly_after_usd"])
    if not recommendations or saving <= 0:
        return NO_SAVINGS
    best = max(recommendations, key=lambda r: (float(r["monthly_saving_usd"]), r["bucket"]))
    ranked = sorted(recommendations, key=lambda r: (-float(r["monthly_saving_usd"]), r["bucket"]))
    # Each change's own saving only beside others (alone, it is the sentence's figure).
    named = [change_text(r) + (f" ({money(r['monthly_saving_usd'])})" if len(ranked) > 1 else "")
             for r in ranked[:TOP]]
    if len(ranked) > TOP:
        named.append(plural(len(ranked) - TOP, "more change"))
    changes = and_join(named)
    # The share is of the analysis' own total: the storage figures above may count a bucket differently.
    share = f"{saving / float(cost['monthly_now_usd']) * 100:.0f}%"
    return SAVINGS.format(saving=money(saving), share=share, changes=changes, bucket=best["bucket"])


def bucket_title(storage: Mapping[str, Any]) -> str:
    count = len(storage["buckets"])
    return BUCKET_TITLE if count <= TABLE_ROWS else BUCKET_TITLE_TOP.format(shown=TABLE_ROWS, count=count)


def bucket_rows(storage: Mapping[str, Any], trends: Mapping[str, Any] | None) -> list[list[str]]:
    """The ``TABLE_ROWS`` dearest buckets: size, objects, cost and change (a chat table of hundreds helps nobody)."""
    changes = {b["name"]: b for b in (trends or {}).get("buckets", [])}
    rows = []
    for b in by_cost(storage)[:TABLE_ROWS]:
        change = changes.get(b["name"])
        rows.append([b["name"], format_bytes(b["bytes"]), f"{int(b['objects']):,}", money(b["monthly_cost_usd"]),
                     signed_bytes(change["change_bytes"]) if change else "not tracked"])
    return rows


# --- instances -------------------------------------------------------------------------------------------------------
def advice(instance: Mapping[str, Any]) -> str:
    change = float(instance.get("monthly_change_usd") or 0)
    target = instance.get("recommended_type")
    if not target or target == instance.get("type"):
        return "keep its type"
    if change < 0:
        return f"{target} would save {per_month(-change)}"
    if change > 0:
        return f"{target} would cost {per_month(change)} more"
    return f"{target} would cost the same"


def instance_lines(capacity: Mapping[str, Any]) -> list[str]:
    """The counts per finding, then each instance that is not optimized (worst first: under before over)."""
    instances = list(capacity["instances"])
    waiting = sorted(str(i.get("name") or i.get("id")) for i in capacity.get("not_sized") or [])
    if not instances:
        return [NONE_SIZED, NOT_SIZED.format(names=and_join(waiting))] if waiting else [NO_INSTANCES]
    counts = [plural(n, f"instance {f}", f"instances {f}") for f in FINDINGS
              if (n := sum(1 for i in instances if i["finding"] == f))]
    others = [i for i in instances if i["finding"] not in FINDINGS]
    if others:
        counts.append(plural(len(others), "instance without a finding", "instances without a finding"))
    lines = [INSTANCES.format(counts=and_join(counts))]
    rank = {f: n for n, f in enumerate(FINDINGS)}
    for instance in sorted(instances, key=lambda i: (rank.get(i["finding"], 9), str(i["name"]))):
        if instance["finding"] in FINDINGS[:2]:
            lines.append(INSTANCE_LINE.format(name=instance["name"] or instance["id"], type=instance["type"],
                                              finding=instance["finding"], advice=advice(instance)))
    if waiting:
        lines.append(NOT_SIZED.format(names=and_join(waiting)))
    return lines


# --- the assistant ---------------------------------------------------------------------------------------------------
def moment(at: datetime) -> str:
    at = at.astimezone(UTC)
    text = f"{at.day} {at:%b}"
    return text if (at.hour, at.minute) == (0, 0) else f"{text} {at:%H:%M}"


def span(start: datetime, end: datetime) -> str:
    return f"{moment(start)} - {moment(end)} UTC"


def skill_name(intent: str) -> str:
    return intent.replace("_", " ")


def shares_text(shares: Sequence[Share], name: Any = str) -> str:
    named = [f"{name(s.name)} {s.requests:,}" for s in shares[:SHARES]]
    rest = sum(s.requests for s in shares[SHARES:])
    if rest:
        named.append(f"{plural(len(shares) - SHARES, 'other')} {rest:,}")
    return ", ".join(named)


def ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def seconds(value: float) -> str:
    """"0.38 s", "2.1 s", "12 s"."""
    if value < 1:
        return f"{value:.2f} s"
    return f"{value:.1f} s" if value < 10 else f"{value:.0f} s"


def slowest(latency: Sequence[Latency]) -> list[Latency]:
    return sorted(latency, key=lambda x: (-x.p95, -x.p50, x.action))[:SLOWEST]


def usage_lines(report: UsageReport, label: str) -> list[str]:
    when = span(report.start, report.end)
    if not report.requests:
        return [USAGE_NONE.format(period=label, span=when)]
    lines = [
        USAGE_INTRO.format(period=label, span=when, requests=plural(report.requests, "request"),
                           people=plural(report.people, "person", "people"),
                           conversations=plural(report.conversations, "conversation")),
        USAGE_SKILLS.format(shares=shares_text(report.by_skill, skill_name)),
        USAGE_CHANNELS.format(shares=shares_text(report.by_channel)),
        USAGE_RATES.format(fallback=ratio(report.fallback_rate), fallbacks=f"{report.fallbacks:,}",
                           requests=f"{report.requests:,}", containment=ratio(report.containment)),
    ]
    c = report.confirmations
    if c.asked or c.accepted or c.declined:
        extra = [f"{n} {word}" for n, word in ((c.expired, "expired"), (c.superseded, "replaced by a new question"))
                 if n]
        lines.append(USAGE_CONFIRMATIONS.format(asked=c.asked, accepted=c.accepted, declined=c.declined,
                                                more="".join(f", {e}" for e in extra)))
    else:
        lines.append(USAGE_NO_CONFIRMATIONS)
    if report.latency:
        lines.append(USAGE_LATENCY.format(actions=", ".join(
            f"{x.action.removeprefix('action_').replace('_', ' ')} {seconds(x.p50)} / {seconds(x.p95)}"
            for x in slowest(report.latency))))
    return lines


def usage_rows(report: UsageReport) -> list[list[str]]:
    return [[skill_name(s.name), f"{s.requests:,}"] for s in report.by_skill]


# --- failures --------------------------------------------------------------------------------------------------------
ERRORS: dict[str, Any] = {
    "usage_store_missing": lambda d: USAGE_UNAVAILABLE.format(
        reason="the conversation store has no conversations yet."),
    "usage_store_unsupported": lambda d: USAGE_UNAVAILABLE.format(
        reason="conversations are not kept in a SQL tracker store (endpoints.yml)."),
    "usage_store_unreadable": lambda d: USAGE_UNAVAILABLE.format(
        reason="I couldn't read the conversation store just now. Please try again in a moment."),
}
errors.register(ERRORS)
