"""Prometheus text exposition (format 0.0.4), written here: a handful of families, no client library needed.

Labels are bounded: intents, channels and actions come from ``actions.analytics`` (the most frequent, the rest as
``other``), queues are a fixed set, storage classes S3's, error codes at most ``MAX_CODES`` (then ``other``). No
sender id, bucket, instance or store name is ever a label.

AWS errors by code: the ``error`` outcomes of the audit log (the changes people asked for: one line per failed
change, with its code - ``AccessDenied``, ``NoSuchBucket``, ``Throttling``...), read incrementally; failed
questions show up as ``outcome="failure"`` of ``cloudbutler_requests_total``; the dashboard's own failed reads as
``cloudbutler_dashboard_refresh_errors_total``.
"""
from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from actions.analytics import UsageCounters

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
MAX_CODES = 30
OTHER = "other"
# every family and the labels its series carry: the whole label vocabulary (Grafana's queries are checked against it)
FAMILIES: dict[str, tuple[str, ...]] = {
    "cloudbutler_requests_total": ("intent", "channel", "outcome"),
    "cloudbutler_action_latency_seconds": ("action", "le"),
    "cloudbutler_confirmations_total": ("outcome",),
    "cloudbutler_aws_errors_total": ("code",),
    "cloudbutler_queue_messages": ("queue", "state"),
    "cloudbutler_queue_oldest_message_age_seconds": ("queue",),
    "cloudbutler_storage_bytes": ("storage_class",),
    "cloudbutler_storage_monthly_cost_usd": ("storage_class",),
    "cloudbutler_alarms": ("state",),
    "cloudbutler_out_of_stock_items": (),
    "cloudbutler_dashboard_refreshes_total": (),
    "cloudbutler_dashboard_refresh_errors_total": ("part", "code"),
}
_CODE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if math.isnan(value):
        return "NaN"
    return repr(float(value)) if not float(value).is_integer() else str(int(value))


class Exposition:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def family(self, name: str, kind: str, help_text: str) -> None:
        self.lines += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]

    def sample(self, name: str, value: float, labels: Mapping[str, str] | None = None) -> None:
        text = ",".join(f'{key}="{_escape(str(val))}"' for key, val in (labels or {}).items())
        self.lines.append(f"{name}{{{text}}} {_number(value)}" if text else f"{name} {_number(value)}")

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


class AuditTally:
    """Failed changes by code, from the audit log (JSON lines), reading only what was appended since last time;
    a log that shrank (rotated) is read again from its start."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.counts: dict[str, int] = {}

    def read(self) -> dict[str, int]:
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            return self.counts
        if size < self.offset:
            self.offset, self.counts = 0, {}
        with self.path.open("rb") as handle:
            handle.seek(self.offset)
            for raw in handle:
                if not raw.endswith(b"\n"):
                    break  # a line still being written: read it next time
                self.offset += len(raw)
                try:
                    entry = json.loads(raw)
                except ValueError:
                    continue
                if isinstance(entry, dict) and entry.get("result") == "error":
                    code = str(entry.get("detail") or "unknown")
                    self.counts[code] = self.counts.get(code, 0) + 1
        return self.counts


def bounded_codes(counts: Mapping[str, int]) -> dict[str, int]:
    """At most MAX_CODES well-formed codes (the most frequent); the rest summed as ``other``."""
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    kept: dict[str, int] = {}
    for code, count in ranked:
        label = code if _CODE.match(code) and len(kept) < MAX_CODES else OTHER
        kept[label] = kept.get(label, 0) + count
    return kept


def render(*, counters: UsageCounters | None, audit_errors: Mapping[str, int], queues: Iterable[Mapping[str, Any]],
           storage: Mapping[str, Any] | None, alerts: Mapping[str, Any] | None,
           refresh_errors: Mapping[tuple[str, str], int], refreshes: int) -> str:
    out = Exposition()
    if counters is not None:
        out.family("cloudbutler_requests_total", "counter",
                   "Requests to the assistant by intent, channel and outcome (answered, fallback, failure).")
        for row in counters.requests:
            out.sample("cloudbutler_requests_total", row.total,
                       {"intent": row.intent, "channel": row.channel, "outcome": row.outcome})
        out.family("cloudbutler_action_latency_seconds", "histogram",
                   "How long a person waited for each action (policy, action server and the action's work).")
        for hist in counters.latency:
            for bound, count in hist.buckets:
                out.sample("cloudbutler_action_latency_seconds_bucket", count,
                           {"action": hist.action, "le": _number(bound)})
            out.sample("cloudbutler_action_latency_seconds_bucket", hist.count, {"action": hist.action, "le": "+Inf"})
            out.sample("cloudbutler_action_latency_seconds_sum", hist.sum, {"action": hist.action})
            out.sample("cloudbutler_action_latency_seconds_count", hist.count, {"action": hist.action})
        out.family("cloudbutler_confirmations_total", "counter",
                   "Confirmation questions by outcome (asked, accepted, declined, expired, superseded).")
        for outcome, count in sorted(counters.confirmations.items()):
            out.sample("cloudbutler_confirmations_total", count, {"outcome": outcome})
    out.family("cloudbutler_aws_errors_total", "counter", "Changes that failed, by AWS (or CloudButler) error code.")
    for code, count in sorted(bounded_codes(audit_errors).items()):
        out.sample("cloudbutler_aws_errors_total", count, {"code": code})
    queue_rows = list(queues)
    out.family("cloudbutler_queue_messages", "gauge",
               "Messages in the tracker's queues: visible (waiting), in_flight (received) and delayed.")
    for queue in queue_rows:
        for state in ("visible", "in_flight", "delayed"):
            out.sample("cloudbutler_queue_messages", queue[state], {"queue": queue["queue"], "state": state})
    out.family("cloudbutler_queue_oldest_message_age_seconds", "gauge",
               "Consumer lag: age of the oldest message (CloudWatch's ApproximateAgeOfOldestMessage, when known).")
    for queue in queue_rows:
        if queue["oldest_age_seconds"] is not None:
            out.sample("cloudbutler_queue_oldest_message_age_seconds", queue["oldest_age_seconds"],
                       {"queue": queue["queue"]})
    if storage is not None:
        out.family("cloudbutler_storage_bytes", "gauge", "S3 storage of the account by storage class.")
        for name, figures in storage["classes"].items():
            out.sample("cloudbutler_storage_bytes", figures["bytes"], {"storage_class": name})
        out.family("cloudbutler_storage_monthly_cost_usd", "gauge", "Estimated monthly S3 storage cost by class.")
        for name, figures in storage["classes"].items():
            out.sample("cloudbutler_storage_monthly_cost_usd", figures["monthly_cost_usd"], {"storage_class": name})
    if alerts is not None:
        out.family("cloudbutler_alarms", "gauge", "CloudWatch metric alarms by state.")
        states = {"ALARM": 0, "INSUFFICIENT_DATA": 0, "OK": 0}
        for alarm in alerts["alarms"]:
            states[alarm["state"]] = states.get(alarm["state"], 0) + 1
        for state, count in states.items():
            out.sample("cloudbutler_alarms", count, {"state": state})
        out.family("cloudbutler_out_of_stock_items", "gauge", "Items out of stock across every store.")
        out.sample("cloudbutler_out_of_stock_items", len(alerts["out_of_stock"]))
    out.family("cloudbutler_dashboard_refreshes_total", "counter", "Complete background refreshes of the figures.")
    out.sample("cloudbutler_dashboard_refreshes_total", refreshes)
    out.family("cloudbutler_dashboard_refresh_errors_total", "counter",
               "Failed builds of a dashboard part, by part and error code.")
    failures: dict[tuple[str, str], int] = {}
    for (part, code), count in refresh_errors.items():
        key = (part.split(":")[0], code if _CODE.match(code) else OTHER)  # "trends:14" counts as "trends"
        failures[key] = failures.get(key, 0) + count
    for (part, code), count in sorted(failures.items()):
        out.sample("cloudbutler_dashboard_refresh_errors_total", count, {"part": part, "code": code})
    return out.text()
