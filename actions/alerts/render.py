"""An alert as one chat message of the response vocabulary: the complete text (plain-text channels show only this),
the same as a fields block with the alert's colour (drawn natively: Slack's colour bar, Discord's embed colour, the
web chat's border), and its buttons - the metric chart of an instance whose alarm this is, and "Acknowledge"."""
from __future__ import annotations

import datetime as dt
import json
from typing import Any, cast

from actions.alerts.messages import Alert, dimensions
from actions.core.late import Reply

CHART_BUTTON = "Show metric chart"
ACK_BUTTON = "Acknowledge"
ACK_INTENT = "acknowledge_alert"
CHART_INTENT = "instance_metrics"
ALERT_ENTITY = "alert"
SUMMARY_LABELS = {"alarm": "Reason", "stock": "Bad rows", "text": "Message"}
INSTANCE_LABEL = "Instance"
TIME_LABEL = "Time"
# CloudWatch's EC2 metrics -> the metric words action_instance_metrics reads (cpu when the alarm watches another)
CHART_METRICS = {"CPUUtilization": "cpu", "NetworkIn": "network_in", "NetworkOut": "network_out"}
DEFAULT_CHART_METRIC = "cpu"
# Where an alarm's JSON may carry the instance's Name beside its id (CloudWatch itself never does)
NAME_KEYS = ("InstanceName", "instance_name")


def reply_for(alert: Alert, *, chart_instance: str | None = None) -> Reply:
    """The message that posts ``alert``. ``chart_instance``: the instance's name, when the caller knows it (else
    the alert's own ``InstanceName``, else its id, names it on the chart button)."""
    instance = chart_target(alert, chart_instance)
    items = [(SUMMARY_LABELS.get(alert.kind, "Details"), alert.summary)] if _says_more(alert) else []
    items += list(alert.fields)
    instance_id = instance_id_of(alert)
    if instance and instance_id and instance != instance_id:
        items.append((INSTANCE_LABEL, instance))
    if alert.time is not None:
        items.append((TIME_LABEL, time_text(alert.time)))
    lines = [alert.title] + [f"{label}: {value}" for label, value in items]
    reply: dict[str, Any] = {
        "text": "\n".join(lines),
        "json_message": {"fields": {"title": alert.title,
                                    "items": [{"label": label, "value": value} for label, value in items],
                                    "colour": alert.colour}},
    }
    buttons = alert_buttons(alert, instance)
    if buttons:
        reply["buttons"] = buttons
    return cast(Reply, reply)  # a Reply with buttons (the late message route says them)


def alert_buttons(alert: Alert, instance: str | None) -> list[dict[str, str]]:
    buttons = []
    if instance:
        entities = {"instance": instance, "metric": chart_metric(alert)}
        buttons.append({"title": CHART_BUTTON, "payload": f"/{CHART_INTENT}{_json(entities)}"})
    if alert.message_id:
        buttons.append({"title": ACK_BUTTON, "payload": ack_payload(alert.message_id)})
    return buttons


def ack_payload(message_id: str) -> str:
    return f"/{ACK_INTENT}{_json({ALERT_ENTITY: message_id})}"


def instance_id_of(alert: Alert) -> str | None:
    """The EC2 instance an alarm watches: the ``InstanceId`` of its metric's dimensions; None for anything else."""
    if alert.kind != "alarm":
        return None
    trigger = alert.details.get("Trigger")
    if not isinstance(trigger, dict):
        return None
    found = [value for name, value in dimensions(trigger.get("Dimensions")) if name == "InstanceId" and value]
    return found[0] if len(found) == 1 else None


def chart_target(alert: Alert, chart_instance: str | None = None) -> str | None:
    """What the chart button names: the caller's name for the instance, the alarm's own, or its id."""
    instance_id = instance_id_of(alert)
    if instance_id is None:
        return None
    if chart_instance and chart_instance.strip():
        return chart_instance.strip()
    for key in NAME_KEYS:
        name = alert.details.get(key)
        if isinstance(name, str) and name.strip():
            return name.strip()
    return instance_id


def chart_metric(alert: Alert) -> str:
    trigger = alert.details.get("Trigger")
    metric = trigger.get("MetricName") if isinstance(trigger, dict) else None
    return CHART_METRICS.get(metric, DEFAULT_CHART_METRIC) if isinstance(metric, str) else DEFAULT_CHART_METRIC


def time_text(at: dt.datetime) -> str:
    """"2 Dec 2026 06:00:31 UTC"."""
    at = at.astimezone(dt.UTC)
    return f"{at.day} {at:%b %Y %H:%M:%S} UTC"


def _says_more(alert: Alert) -> bool:
    """The summary, unless it only repeats the title (and what the fields say: a stock count's "was 14, now 0")."""
    summary = alert.summary.strip()
    if not summary or summary == alert.title:
        return False
    return not (alert.kind == "stock" and summary.startswith(alert.title + " (was "))


def _json(entities: dict[str, str]) -> str:
    return json.dumps(entities, separators=(",", ":"))
