"""What arrives inside an SNS envelope, made into one typed ``Alert`` the connectors render (colour by state, fields,
metric and threshold, time): CloudWatch alarm state changes, the inventory's stock messages, and anything else as
plain text. Parsing never raises: content we do not know becomes a text alert.

The stock message shape (published by the inventory loader to ``inventory-alerts``; ``stock_message`` builds it)::

    {"kind": "out_of_stock" | "restocked" | "bad_rows",
     "store": "berlin", "item": "Echo Dot (5th Gen)",   # item: not for bad_rows
     "count": 0,            # the new count; for bad_rows the number of bad rows
     "previous": 14,        # the count before (optional)
     "at": "2026-12-02T06:02:10Z",
     "source": "s3://bucket/key",                       # optional: the file that changed it
     "rows": [{"row": 4, "reason": "negative count"}]}  # bad_rows only, the first few

The loader's own spelling is read too: kinds ``stock_out`` / ``stock_resolved`` / ``stock_bad_rows``, ``source`` as
``{"bucket", "key", "version", "etag"}``, and for bad rows ``bad_rows`` (the number) and ``more`` without a store.
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeGuard

ALARM, OK, INSUFFICIENT_DATA, WARNING, INFO = "ALARM", "OK", "INSUFFICIENT_DATA", "WARNING", "INFO"
COLOURS = {ALARM: "red", OK: "green", INSUFFICIENT_DATA: "grey", WARNING: "amber", INFO: "blue"}
SEVERITIES = {ALARM: "critical", OK: "resolved", INSUFFICIENT_DATA: "unknown", WARNING: "warning", INFO: "info"}
STOCK_KINDS = ("out_of_stock", "restocked", "bad_rows")
# the inventory loader's names (actions/aws/inventory/alerts.py) for the same three
KIND_ALIASES = {"stock_out": "out_of_stock", "stock_resolved": "restocked", "stock_bad_rows": "bad_rows"}

OPERATORS = {
    "GreaterThanThreshold": ">",
    "GreaterThanOrEqualToThreshold": ">=",
    "LessThanThreshold": "<",
    "LessThanOrEqualToThreshold": "<=",
}
BAND_OPERATORS = {
    "LessThanLowerOrGreaterThanUpperThreshold": "outside the band",
    "LessThanLowerThreshold": "below the band",
    "GreaterThanUpperThreshold": "above the band",
}
STATE_TITLES = {
    ALARM: "{name} is in ALARM",
    OK: "{name} is OK",
    INSUFFICIENT_DATA: "{name} has insufficient data",
}
STOCK_TITLES = {
    "out_of_stock": "{item} is out of stock in {store}",
    "restocked": "{item} is back in stock in {store}",
    "bad_rows": "{count} bad row(s) in the inventory file for {store}",  # store: or the file's name
}
TEXT_TITLE = "Notification"
MAX_TEXT = 3000  # a text alert's body, cut: every platform limits a message
MAX_ROWS = 5  # bad rows listed in an alert


@dataclass(frozen=True)
class Alert:
    """One alert to post. ``state`` is ALARM, OK, INSUFFICIENT_DATA, WARNING or INFO; ``colour`` and ``severity``
    follow from it. ``key`` names what the alert is about (an alarm, a store's item), so an acknowledgement or a
    resolution finds the alerts it answers."""

    kind: str  # "alarm", "stock" or "text"
    title: str
    state: str
    summary: str
    key: str
    fields: tuple[tuple[str, str], ...] = ()
    metric_text: str | None = None
    time: dt.datetime | None = None
    message_id: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def colour(self) -> str:
        return COLOURS.get(self.state, "grey")

    @property
    def severity(self) -> str:
        return SEVERITIES.get(self.state, "info")


def parse_alert(message: str, *, subject: str | None = None, message_id: str | None = None,
                received_at: dt.datetime | None = None) -> Alert:
    """The alert in an SNS Message (with its Subject, MessageId and Timestamp when known); never raises."""
    try:
        content = json.loads(message) if isinstance(message, (str, bytes)) else None
    except ValueError:
        content = None
    try:
        if isinstance(content, dict) and isinstance(content.get("AlarmName"), str) \
                and content.get("NewStateValue") in STATE_TITLES:
            return alarm_alert(content, message_id=message_id, received_at=received_at)
        if isinstance(content, dict) and (content.get("kind") in STOCK_KINDS or content.get("kind") in KIND_ALIASES):
            return stock_alert(content, message_id=message_id, received_at=received_at)
    except (ValueError, TypeError, KeyError, AttributeError):
        pass  # a known shape with odd values: shown as text rather than lost
    return text_alert(message, subject=subject, message_id=message_id, received_at=received_at)


def alert_from_envelope(body: str | Mapping[str, Any]) -> Alert:
    """The alert in an SNS envelope as SQS holds it (or an HTTPS delivery already verified); a body that is not an
    SNS Notification (raw delivery) is parsed as the message itself."""
    envelope: Any = body
    if isinstance(body, (str, bytes)):
        try:
            envelope = json.loads(body)
        except ValueError:
            envelope = None
    if isinstance(envelope, Mapping) and envelope.get("Type") == "Notification" \
            and isinstance(envelope.get("Message"), str):
        subject = envelope.get("Subject")
        message_id = envelope.get("MessageId")
        return parse_alert(envelope["Message"], subject=subject if isinstance(subject, str) else None,
                           message_id=message_id if isinstance(message_id, str) else None,
                           received_at=parse_time(envelope.get("Timestamp")))
    text = body if isinstance(body, str) else json.dumps(body, default=str)
    return parse_alert(text)


def alarm_alert(content: Mapping[str, Any], *, message_id: str | None = None,
                received_at: dt.datetime | None = None) -> Alert:
    """A CloudWatch alarm state change, as CloudWatch sends it to SNS."""
    name = str(content["AlarmName"])
    state = str(content["NewStateValue"])
    old = content.get("OldStateValue")
    trigger: Mapping[str, Any] = content["Trigger"] if isinstance(content.get("Trigger"), Mapping) else {}
    metric_text = threshold_text(trigger) if trigger else None
    fields: list[tuple[str, str]] = [("State", f"{old} → {state}" if isinstance(old, str) and old else state)]
    if isinstance(content.get("AlarmDescription"), str) and content["AlarmDescription"].strip():
        fields.append(("Description", content["AlarmDescription"].strip()))
    if metric_text:
        fields.append(("Threshold", metric_text))
    if trigger.get("Namespace") and trigger.get("MetricName"):
        fields.append(("Metric", f"{trigger['Namespace']} {trigger['MetricName']}"))
    statistic = trigger.get("Statistic") or trigger.get("ExtendedStatistic")
    if isinstance(statistic, str) and statistic:
        fields.append(("Statistic", statistic.capitalize() if statistic.isupper() else statistic))
    for dimension in dimensions(trigger.get("Dimensions")):
        fields.append(dimension)
    for label, key in (("Region", "Region"), ("Account", "AWSAccountId")):
        if isinstance(content.get(key), str) and content[key]:
            fields.append((label, content[key]))
    reason = content.get("NewStateReason")
    return Alert(
        kind="alarm", title=STATE_TITLES[state].format(name=name), state=state,
        summary=reason if isinstance(reason, str) and reason else STATE_TITLES[state].format(name=name),
        key=str(content.get("AlarmArn") or f"alarm:{name}"), fields=tuple(fields), metric_text=metric_text,
        time=parse_time(content.get("StateChangeTime")) or received_at, message_id=message_id,
        details=dict(content),
    )


def stock_alert(content: Mapping[str, Any], *, message_id: str | None = None,
                received_at: dt.datetime | None = None) -> Alert:
    """An inventory message in the documented shape (see the module's docstring), or the loader's own spelling."""
    kind = KIND_ALIASES.get(str(content["kind"]), str(content["kind"]))
    store = content.get("store")
    item = content.get("item")
    count = content.get("count")
    previous = content.get("previous")
    source = source_text(content.get("source"))
    if kind != "bad_rows" and not (isinstance(item, str) and item and isinstance(store, str) and store):
        raise ValueError("a stock message without its store and item")
    fields: list[tuple[str, str]] = [("Store", store)] if isinstance(store, str) and store else []
    if kind == "bad_rows":
        state = WARNING
        rows: Sequence[Any] = content["rows"] if isinstance(content.get("rows"), list) else []
        more: int = content["more"] if _is_count(content.get("more")) else 0
        number = next((n for n in (content.get("bad_rows"), count) if _is_count(n)), len(rows) + more)
        where = store if isinstance(store, str) and store else (source or "?").rsplit("/", 1)[-1]
        title = STOCK_TITLES[kind].format(count=number, store=where)
        listed = [f"row {r.get('row', '?')}: {r.get('reason', '?')}" for r in rows[:MAX_ROWS] if isinstance(r, Mapping)]
        summary = "; ".join(listed) + (f" (and {number - len(listed)} more)" if number > len(listed) else "") \
            if listed else title
        key = f"stock:{where}:bad_rows:{source or ''}"
    else:
        state = ALARM if kind == "out_of_stock" else OK
        title = STOCK_TITLES[kind].format(item=item, store=store)
        fields.append(("Item", str(item)))
        if _is_count(count):
            fields.append(("Count", str(count)))
        if _is_count(previous):
            fields.append(("Previous", str(previous)))
        summary = title + (f" (was {previous}, now {count})" if _is_count(previous) and _is_count(count) else "")
        key = f"stock:{store}:{item}"
    if source:
        fields.append(("Source", source))
    return Alert(kind="stock", title=title, state=state, summary=summary, key=key, fields=tuple(fields),
                 time=parse_time(content.get("at")) or received_at, message_id=message_id, details=dict(content))


def source_text(source: Any) -> str | None:
    """"s3://bucket/key" from a string or the loader's ``{"bucket", "key", ...}``."""
    if isinstance(source, str) and source:
        return source
    if isinstance(source, Mapping) and isinstance(source.get("bucket"), str) and isinstance(source.get("key"), str):
        return f"s3://{source['bucket']}/{source['key']}"
    return None


def text_alert(message: Any, *, subject: str | None = None, message_id: str | None = None,
               received_at: dt.datetime | None = None) -> Alert:
    """Anything else: the subject as the title and the text (cut to MAX_TEXT characters) as the body."""
    if isinstance(message, bytes):
        message = message.decode("utf-8", errors="replace")
    text = message if isinstance(message, str) else "" if message is None else str(message)
    if len(text) > MAX_TEXT:
        text = text[:MAX_TEXT - 1] + "…"
    title = subject.strip() if isinstance(subject, str) and subject.strip() else TEXT_TITLE
    return Alert(kind="text", title=title, state=INFO, summary=text, key=f"text:{message_id or title}",
                 time=received_at, message_id=message_id)


def threshold_text(trigger: Mapping[str, Any]) -> str | None:
    """"CPUUtilization > 80 for 2 x 5 min" ("for 2 of 3 x 5 min" when fewer datapoints than periods alarm)."""
    metric = trigger.get("MetricName") or _math_label(trigger.get("Metrics"))
    operator = trigger.get("ComparisonOperator")
    if not isinstance(metric, str) or not isinstance(operator, str):
        return None
    if operator in BAND_OPERATORS:
        condition = f"{metric} {BAND_OPERATORS[operator]}"
    elif operator in OPERATORS and _is_number(trigger.get("Threshold")):
        condition = f"{metric} {OPERATORS[operator]} {number_text(float(trigger['Threshold']))}"
    else:
        return None
    periods, period = trigger.get("EvaluationPeriods"), trigger.get("Period")
    if not (_is_count(periods) and periods > 0 and _is_count(period) and period > 0):
        return condition
    datapoints = trigger.get("DatapointsToAlarm")
    count = f"{datapoints} of {periods}" if _is_count(datapoints) and 0 < datapoints < periods else str(periods)
    return f"{condition} for {count} x {period_text(period)}"


def period_text(seconds: int) -> str:
    """60 -> "1 min", 300 -> "5 min", 3600 -> "1 h", 86400 -> "1 day", 90 -> "90 s"."""
    if seconds % 86400 == 0:
        days = seconds // 86400
        return f"{days} day" if days == 1 else f"{days} days"
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    if seconds % 60 == 0:
        return f"{seconds // 60} min"
    return f"{seconds} s"


def number_text(value: float) -> str:
    """80.0 -> "80", 0.5 -> "0.5", 1048576.0 -> "1048576", 1e-7 -> "1e-07"."""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.10g}"


def dimensions(value: Any) -> list[tuple[str, str]]:
    """CloudWatch's alarm JSON writes dimensions as ``{"name", "value"}``; the API as ``{"Name", "Value"}``."""
    pairs = []
    for dimension in value if isinstance(value, list) else []:
        if isinstance(dimension, Mapping):
            name = dimension.get("name", dimension.get("Name"))
            text = dimension.get("value", dimension.get("Value"))
            if isinstance(name, str) and text is not None:
                pairs.append((name, str(text)))
    return pairs


def parse_time(value: Any) -> dt.datetime | None:
    """An ISO 8601 time ("...Z", "...+0000" as CloudWatch writes it) in UTC; None when it is not one."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def stock_message(*, kind: str, store: str, at: dt.datetime, item: str | None = None, count: int | None = None,
                  previous: int | None = None, source: str | None = None,
                  rows: Sequence[tuple[int, str]] = ()) -> str:
    """The JSON of a stock message in the documented shape, for the inventory loader to publish."""
    if kind not in STOCK_KINDS:
        raise ValueError(f"unknown stock message kind {kind!r}")
    content: dict[str, Any] = {"kind": kind, "store": store}
    for name, value in (("item", item), ("count", count), ("previous", previous), ("source", source)):
        if value is not None:
            content[name] = value
    content["at"] = at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if rows:
        content["rows"] = [{"row": row, "reason": reason} for row, reason in rows[:MAX_ROWS]]
    return json.dumps(content)


def _math_label(metrics: Any) -> str | None:
    """The label (or id) of the query a metric-math alarm compares."""
    for query in metrics if isinstance(metrics, list) else []:
        if isinstance(query, Mapping) and query.get("ReturnData", True):
            label = query.get("Label") or query.get("Expression") or query.get("Id")
            return str(label) if label else None
    return None


def _is_count(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
