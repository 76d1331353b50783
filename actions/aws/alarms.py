"""CloudWatch alarms on an instance's metrics: create one whose ALARM and OK actions notify the alarms topic (so the
alert reaches the chat channels subscribed to alarm alerts), and list the account's alarms with their states.
Blocking: callers use a thread executor."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from actions.aws.errors import BOTO_ERRORS, CloudButlerError, from_boto

CREATED_BY_TAG = "cloudbutler:created-by"
ALARM_TOPIC_VARIABLE = "CLOUDBUTLER_ALARM_TOPIC"
DEFAULT_ALARM_TOPIC = "cloudbutler-alarms"
NAMESPACE = "AWS/EC2"
PERIODS = (60, 300)  # detailed monitoring publishes every minute, basic monitoring every five
MAX_EVALUATION_SECONDS = 86400  # CloudWatch: Period x EvaluationPeriods at most one day
STATES = ("ALARM", "INSUFFICIENT_DATA", "OK")  # the order a listing shows them in: what needs attention first

Direction = Literal["above", "below"]
OPERATORS: dict[Direction, str] = {"above": "GreaterThanThreshold", "below": "LessThanThreshold"}
SYMBOLS = {"GreaterThanThreshold": ">", "GreaterThanOrEqualToThreshold": ">=", "LessThanThreshold": "<",
           "LessThanOrEqualToThreshold": "<="}


@dataclass(frozen=True)
class AlarmMetric:
    """A metric EC2 publishes by itself, as an alarm watches it."""

    key: str
    name: str  # CloudWatch's MetricName in AWS/EC2
    statistic: str
    unit: str  # what its values are: "percent", "bytes" or "count"
    slug: str  # its part of an alarm's name


METRICS: dict[str, AlarmMetric] = {
    "cpu": AlarmMetric("cpu", "CPUUtilization", "Average", "percent", "cpu"),
    "network_in": AlarmMetric("network_in", "NetworkIn", "Average", "bytes", "network-in"),
    "network_out": AlarmMetric("network_out", "NetworkOut", "Average", "bytes", "network-out"),
    # 1 when either status check failed in the period, else 0: "fails" is >= 1 at any moment (Maximum)
    "status_check": AlarmMetric("status_check", "StatusCheckFailed", "Maximum", "count", "status-check"),
}
BY_METRIC_NAME = {metric.name: metric for metric in METRICS.values()}


class AlarmError(CloudButlerError):
    """An alarm refused before or by CloudWatch; ``code`` names the reply (``actions.skills.alarms.wording``)."""


@dataclass(frozen=True)
class AlarmSpec:
    """The alarm to create: one instance's metric against a fixed threshold for ``periods`` periods of
    ``period`` seconds."""

    instance_id: str
    instance_name: str | None
    metric: str  # a key of METRICS
    direction: Direction
    threshold: float
    period: int = 300
    periods: int = 1

    @property
    def label(self) -> str:
        return self.instance_name or self.instance_id

    @property
    def watched(self) -> AlarmMetric:
        return METRICS[self.metric]

    @property
    def operator(self) -> str:
        return OPERATORS[self.direction]

    @property
    def name(self) -> str:
        """"web-2-cpu-above-80": what it watches, readable in a list and in the alert."""
        watched = self.watched
        if watched.key == "status_check":
            return f"{slug(self.label)}-status-check-failed"
        return f"{slug(self.label)}-{watched.slug}-{self.direction}-{threshold_slug(self.threshold, watched.unit)}"

    @property
    def minutes(self) -> int:
        return self.period * self.periods // 60

    def check(self) -> None:
        """CloudWatch's limits, said before asking: a known metric, a period it takes, at most a day."""
        if self.metric not in METRICS:
            raise AlarmError("unknown_alarm_metric", metric=self.metric)
        if self.period not in PERIODS or self.periods < 1 or self.period * self.periods > MAX_EVALUATION_SECONDS:
            raise AlarmError("alarm_duration_out_of_range", minutes=self.minutes, max_hours=MAX_EVALUATION_SECONDS // 3600)
        if self.watched.unit == "percent" and not 0 <= self.threshold <= 100:
            raise AlarmError("percent_out_of_range", threshold=number_text(self.threshold))
        if self.threshold < 0:
            raise AlarmError("negative_threshold", threshold=number_text(self.threshold))

    def description(self) -> str:
        condition = condition_text(self.watched.name, self.operator, self.threshold, self.period, self.periods)
        return f"{self.label} ({self.instance_id}): {condition}"


@dataclass(frozen=True)
class CreatedAlarm:
    name: str
    arn: str
    topic_arn: str
    replaced: bool


@dataclass(frozen=True)
class AlarmInfo:
    """One alarm as a listing shows it."""

    name: str
    state: str  # ALARM, OK or INSUFFICIENT_DATA
    metric: str  # CloudWatch's MetricName (or "metric math" for an alarm over several)
    instance_id: str | None  # its InstanceId dimension, if any
    condition: str  # "CPUUtilization > 80 for 2 x 5 min"
    reason: str
    updated: dt.datetime | None  # when the state last changed
    actions: tuple[str, ...] = ()  # where ALARM is told (SNS topic ARNs and others)


def slug(text: str) -> str:
    """An alarm-name part: lowercase letters, digits and hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "instance"


def number_text(value: float) -> str:
    """80.0 -> "80", 80.5 -> "80.5"."""
    return f"{value:g}" if abs(value) < 1e15 else str(int(value))


BYTE_UNITS = (("gb", 1024**3), ("mb", 1024**2), ("kb", 1024))


def threshold_slug(value: float, unit: str) -> str:
    """A threshold in an alarm's name: 80 -> "80", 500 MB of bytes -> "500mb" (powers of 1024, as sizes are said)."""
    if unit == "bytes":
        for suffix, size in BYTE_UNITS:
            if value >= size and (value / size * 10) == int(value / size * 10):
                return number_text(value / size) + suffix
        return str(int(value)) if value == int(value) else number_text(value)
    return number_text(value)


def duration_text(seconds: int) -> str:
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    return f"{seconds // 60} min" if seconds % 60 == 0 else f"{seconds} s"


def condition_text(metric: str, operator: str, threshold: float, period: int, periods: int) -> str:
    """As CloudWatch's console words it: "CPUUtilization > 80 for 2 x 5 min"."""
    symbol = SYMBOLS.get(operator, operator)
    span = duration_text(period) if periods == 1 else f"{periods} x {duration_text(period)}"
    return f"{metric} {symbol} {number_text(threshold)} for {span}"


def alarm_topic_name(environ: Mapping[str, str]) -> str:
    return (environ.get(ALARM_TOPIC_VARIABLE) or "").strip() or DEFAULT_ALARM_TOPIC


def alarm_topic(sns: Any, name: str = DEFAULT_ALARM_TOPIC) -> str:
    """The alarms topic's ARN (CreateTopic returns an existing topic's ARN, so it is made once)."""
    try:
        return str(sns.create_topic(Name=name)["TopicArn"])
    except BOTO_ERRORS as exc:
        raise from_boto(exc, topic=name) from exc


def find_alarm(cloudwatch: Any, name: str) -> dict[str, Any] | None:
    try:
        found = cloudwatch.describe_alarms(AlarmNames=[name]).get("MetricAlarms", [])
    except BOTO_ERRORS as exc:
        raise from_boto(exc, alarm=name) from exc
    return found[0] if found else None


def create_alarm(cloudwatch: Any, sns: Any, spec: AlarmSpec, *, topic_name: str = DEFAULT_ALARM_TOPIC,
                 created_by: str = "", replace: bool = False) -> CreatedAlarm:
    """PutMetricAlarm for ``spec``, its ALARM and OK actions the alarms topic (made if missing). An alarm of that
    name is ``alarm_exists`` unless ``replace``: PutMetricAlarm would overwrite it without a word."""
    spec.check()
    existing = find_alarm(cloudwatch, spec.name)
    if existing is not None and not replace:
        raise AlarmError("alarm_exists", alarm=spec.name, state=existing.get("StateValue", ""),
                         condition=_condition_of(existing))
    topic = alarm_topic(sns, topic_name)
    watched = spec.watched
    try:
        cloudwatch.put_metric_alarm(
            AlarmName=spec.name,
            AlarmDescription=f"Created from chat by CloudButler. {spec.description()}",
            ActionsEnabled=True,
            AlarmActions=[topic],
            OKActions=[topic],
            Namespace=NAMESPACE,
            MetricName=watched.name,
            Dimensions=[{"Name": "InstanceId", "Value": spec.instance_id}],
            Statistic=watched.statistic,
            Period=spec.period,
            EvaluationPeriods=spec.periods,
            DatapointsToAlarm=spec.periods,
            Threshold=float(spec.threshold),
            ComparisonOperator=spec.operator,
            TreatMissingData="missing",
            Tags=[{"Key": CREATED_BY_TAG, "Value": created_by or "cloudbutler"}],
        )
        arn = (find_alarm(cloudwatch, spec.name) or {}).get("AlarmArn", "")
    except BOTO_ERRORS as exc:
        error = from_boto(exc, alarm=spec.name)
        if error.code in ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation"):
            raise AlarmError("alarm_denied", alarm=spec.name, permission="cloudwatch:PutMetricAlarm") from exc
        if error.code == "LimitExceeded":
            raise AlarmError("alarm_limit", alarm=spec.name) from exc
        raise error from exc
    return CreatedAlarm(name=spec.name, arn=str(arn), topic_arn=topic, replaced=existing is not None)


def list_alarms(cloudwatch: Any) -> list[AlarmInfo]:
    """Every metric alarm (every page of DescribeAlarms): ALARM first, then INSUFFICIENT_DATA, then OK, by name."""
    alarms: list[AlarmInfo] = []
    try:
        for page in cloudwatch.get_paginator("describe_alarms").paginate(AlarmTypes=["MetricAlarm"]):
            alarms.extend(alarm_info(raw) for raw in page.get("MetricAlarms", []))
    except BOTO_ERRORS as exc:
        error = from_boto(exc)
        if error.code in ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation"):
            raise AlarmError("alarms_denied", permission="cloudwatch:DescribeAlarms") from exc
        raise error from exc
    order = {state: index for index, state in enumerate(STATES)}
    return sorted(alarms, key=lambda a: (order.get(a.state, len(STATES)), a.name.lower()))


def alarm_info(raw: Mapping[str, Any]) -> AlarmInfo:
    dimensions = {d.get("Name"): d.get("Value") for d in raw.get("Dimensions") or []}
    updated = raw.get("StateUpdatedTimestamp")
    return AlarmInfo(
        name=str(raw.get("AlarmName", "")),
        state=str(raw.get("StateValue") or "INSUFFICIENT_DATA"),
        metric=str(raw.get("MetricName") or "metric math"),
        instance_id=dimensions.get("InstanceId"),
        condition=_condition_of(raw),
        reason=str(raw.get("StateReason") or ""),
        updated=updated.astimezone(dt.UTC) if isinstance(updated, dt.datetime) else None,
        actions=tuple(str(arn) for arn in raw.get("AlarmActions") or []),
    )


def _condition_of(raw: Mapping[str, Any]) -> str:
    if raw.get("Threshold") is None or not raw.get("MetricName"):
        return "metric math or anomaly band"
    return condition_text(str(raw["MetricName"]), str(raw.get("ComparisonOperator", "")), float(raw["Threshold"]),
                          int(raw.get("Period") or 60), int(raw.get("EvaluationPeriods") or 1))


def instance_names(ec2: Any, instance_ids: list[str]) -> dict[str, str]:
    """id -> Name tag of those instances that have one (unknown or terminated ones are left out)."""
    if not instance_ids:
        return {}
    try:
        pages = ec2.get_paginator("describe_instances").paginate(
            Filters=[{"Name": "instance-id", "Values": sorted(set(instance_ids))}])
        names: dict[str, str] = {}
        for page in pages:
            for reservation in page.get("Reservations", []):
                for raw in reservation.get("Instances", []):
                    name = next((t.get("Value") for t in raw.get("Tags") or [] if t.get("Key") == "Name"), None)
                    if name:
                        names[str(raw["InstanceId"])] = str(name)
        return names
    except BOTO_ERRORS:
        return {}  # the names are a nicety: the alarm list stands without them
