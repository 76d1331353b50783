r"""The sandbox's alarm evaluator: moto's CloudWatch stores alarms but never evaluates them, so this does, over the
sandbox's own metric data and through the same API a client uses (DescribeAlarms, GetMetricData, SetAlarmState,
SNS Publish), and publishes CloudWatch's alarm JSON to the alarm's SNS actions as AWS does.

Firing an alarm from a shell (web-2's "CPU > 80 for 2 x 5 min"; the sandbox's ticker adds one ordinary point a
period, so 20 samples of 99 in each of the last two periods outweigh it) - the push itself is the last line::

    ID=$(aws ec2 describe-instances --endpoint-url http://127.0.0.1:4566 --filters Name=tag:Name,Values=web-2 \
        --query 'Reservations[].Instances[].InstanceId' --output text)
    M="MetricName=CPUUtilization,Dimensions=[{Name=InstanceId,Value=$ID}],Values=[99],Counts=[20]"
    aws cloudwatch put-metric-data --endpoint-url http://127.0.0.1:4566 --namespace AWS/EC2 \
        --metric-data "$M" "$M,Timestamp=$(date -ud '5 min ago' +%FT%TZ)"

How a state is decided (``decide``), a simplification of CloudWatch's rules: the last EvaluationPeriods periods
(of Period seconds, ending at the evaluation time) each have the statistic's value or are missing. ``breaching``
and ``notBreaching`` fill the missing ones; with ``missing`` (the default) and ``ignore`` only present values count.
ALARM when at least DatapointsToAlarm (default EvaluationPeriods) periods breach, or when fewer values than that
are present and all of them breach; OK otherwise; with no value at all INSUFFICIENT_DATA (``missing``) or the
current state (``ignore``). moto creates an alarm in OK with the reason "Unchecked: Initial alarm creation"; AWS
starts in INSUFFICIENT_DATA, and so does this evaluator. Metric-math, percentile and anomaly-band alarms are left
alone.
"""
from __future__ import annotations

import datetime as dt
import functools
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from actions.aws.errors import BOTO_ERRORS
from sandbox.background import BackgroundThread

log = logging.getLogger(__name__)

ALARM, OK, INSUFFICIENT_DATA = "ALARM", "OK", "INSUFFICIENT_DATA"
UNCHECKED = "Unchecked: Initial alarm creation"  # moto's reason for an alarm never evaluated
COMPARISONS: dict[str, tuple[str, Callable[[float, float], bool]]] = {
    "GreaterThanThreshold": ("greater than", lambda value, threshold: value > threshold),
    "GreaterThanOrEqualToThreshold": ("greater than or equal to", lambda value, threshold: value >= threshold),
    "LessThanThreshold": ("less than", lambda value, threshold: value < threshold),
    "LessThanOrEqualToThreshold": ("less than or equal to", lambda value, threshold: value <= threshold),
}
ACTIONS = {ALARM: "AlarmActions", OK: "OKActions", INSUFFICIENT_DATA: "InsufficientDataActions"}
DEFAULT_INTERVAL = 60.0
SUBJECT_LIMIT = 100  # SNS refuses a longer Subject


@dataclass(frozen=True)
class Transition:
    """One alarm's change of state, and the SNS topics told about it."""

    alarm_name: str
    old_state: str
    new_state: str
    reason: str
    topics: tuple[str, ...] = ()
    message: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


def decide(values: Sequence[float | None], *, threshold: float, operator: str, datapoints_to_alarm: int,
           treat_missing: str, current: str) -> str:
    """The state for the values of the last periods (None: missing), by the rules in the module's docstring."""
    breaches = COMPARISONS[operator][1]
    if treat_missing == "breaching":
        flags = [value is None or breaches(value, threshold) for value in values]
    elif treat_missing == "notBreaching":
        flags = [value is not None and breaches(value, threshold) for value in values]
    else:
        flags = [breaches(value, threshold) for value in values if value is not None]
        if not flags:
            return current if treat_missing == "ignore" else INSUFFICIENT_DATA
    breaching = sum(flags)
    if breaching >= datapoints_to_alarm or (len(flags) < datapoints_to_alarm and breaching == len(flags)):
        return ALARM
    return OK


class AlarmEvaluator:
    """Evaluates every metric alarm of one region's CloudWatch; ``evaluate_once`` returns the transitions."""

    def __init__(self, *, cloudwatch: Any, sns: Any, region: str | None = None) -> None:
        self.cloudwatch = cloudwatch
        self.sns = sns
        self.region = region or str(cloudwatch.meta.region_name)

    def evaluate_once(self, now: dt.datetime | None = None) -> list[Transition]:
        moment = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
        transitions = []
        for alarm in self._alarms():
            try:
                transition = self.evaluate(alarm, moment)
            except (*BOTO_ERRORS, KeyError, TypeError, ValueError) as exc:
                # one alarm's trouble (a deleted topic, a field moto left out) must not stop the others
                log.warning("alarm %s not evaluated: %r", alarm.get("AlarmName"), exc)
                continue
            if transition is not None:
                transitions.append(transition)
        return transitions

    def evaluate(self, alarm: dict[str, Any], now: dt.datetime) -> Transition | None:
        """Evaluate one alarm (as DescribeAlarms gives it); publish and store a change of state."""
        if not evaluable(alarm):
            return None
        period, periods = int(alarm["Period"]), int(alarm["EvaluationPeriods"])
        values = self._values(alarm, now, period, periods)
        unchecked = alarm.get("StateReason", "").startswith(UNCHECKED)
        current = INSUFFICIENT_DATA if unchecked else alarm["StateValue"]
        new = decide(values, threshold=float(alarm["Threshold"]), operator=alarm["ComparisonOperator"],
                     datapoints_to_alarm=int(alarm.get("DatapointsToAlarm") or periods),
                     treat_missing=alarm.get("TreatMissingData") or "missing", current=current)
        reason = state_reason(alarm, values, new, current, now)
        data = json.dumps({"version": "1.0", "queryDate": _aws_time(now), "statistic": alarm["Statistic"],
                           "period": period, "threshold": float(alarm["Threshold"]),
                           "recentDatapoints": [v for v in values if v is not None]})
        if new == current:
            if unchecked:  # already INSUFFICIENT_DATA in AWS's eyes: stored, not announced
                self.cloudwatch.set_alarm_state(AlarmName=alarm["AlarmName"], StateValue=new, StateReason=reason,
                                                StateReasonData=data)
            return None
        message = alarm_message(alarm, old=current, new=new, reason=reason, at=now, region=self.region)
        topics = tuple(arn for arn in alarm.get(ACTIONS[new], []) if arn.split(":")[2:3] == ["sns"]) \
            if alarm.get("ActionsEnabled", True) else ()
        # published before the state is stored: a failed publish is tried again at the next evaluation
        for topic in topics:
            self.sns.publish(TopicArn=topic, Message=json.dumps(message), Subject=subject(alarm, new, self.region))
        self.cloudwatch.set_alarm_state(AlarmName=alarm["AlarmName"], StateValue=new, StateReason=reason,
                                        StateReasonData=data)
        return Transition(alarm_name=alarm["AlarmName"], old_state=current, new_state=new, reason=reason,
                          topics=topics, message=message)

    def _alarms(self) -> list[dict[str, Any]]:
        alarms: list[dict[str, Any]] = []
        for page in self.cloudwatch.get_paginator("describe_alarms").paginate(AlarmTypes=["MetricAlarm"]):
            alarms.extend(page.get("MetricAlarms", []))
        return alarms

    def _values(self, alarm: dict[str, Any], now: dt.datetime, period: int, periods: int) -> list[float | None]:
        """The statistic of each of the last ``periods`` periods ending at ``now``, oldest first."""
        start = now - dt.timedelta(seconds=period * periods)
        stat: dict[str, Any] = {
            "Metric": {"Namespace": alarm["Namespace"], "MetricName": alarm["MetricName"],
                       "Dimensions": alarm.get("Dimensions", [])},
            "Period": period,
            "Stat": alarm["Statistic"],
        }
        if alarm.get("Unit"):
            stat["Unit"] = alarm["Unit"]
        response = self.cloudwatch.get_metric_data(
            MetricDataQueries=[{"Id": "alarm", "MetricStat": stat, "ReturnData": True}],
            StartTime=start, EndTime=now, ScanBy="TimestampAscending")
        values: list[float | None] = [None] * periods
        for result in response.get("MetricDataResults", []):
            for stamp, value in zip(result.get("Timestamps", []), result.get("Values", []), strict=False):
                index = round((stamp.astimezone(dt.UTC) - start).total_seconds() / period)
                if 0 <= index < periods:
                    values[index] = float(value)
        return values


def evaluable(alarm: dict[str, Any]) -> bool:
    """A single-metric alarm with a plain statistic and a fixed threshold: what this evaluator can judge."""
    return bool(alarm.get("MetricName") and alarm.get("Statistic") and not alarm.get("Metrics")
                and alarm.get("ComparisonOperator") in COMPARISONS and alarm.get("Threshold") is not None
                and alarm.get("Period") and alarm.get("EvaluationPeriods"))


def state_reason(alarm: dict[str, Any], values: Sequence[float | None], new: str, old: str, at: dt.datetime) -> str:
    """A reason worded as CloudWatch words it."""
    present = [(value, index) for index, value in enumerate(values) if value is not None]
    if new == INSUFFICIENT_DATA or not present:
        missing = len(values)
        return f"Insufficient Data: {missing} datapoint{'s were' if missing != 1 else ' was'} unknown."
    period = int(alarm["Period"])
    start = at - dt.timedelta(seconds=period * len(values))
    points = ", ".join(
        f"{_number(value)} ({(start + dt.timedelta(seconds=period * index)).strftime('%d/%m/%y %H:%M:%S')})"
        for value, index in reversed(present))
    words = COMPARISONS[alarm["ComparisonOperator"]][0]
    needed = int(alarm.get("DatapointsToAlarm") or alarm["EvaluationPeriods"]) if new == ALARM else 1
    return (f"Threshold Crossed: {len(present)} out of the last {len(values)} datapoints [{points}] were "
            f"{'' if new == ALARM else 'not '}{words} the threshold ({float(alarm['Threshold'])}) (minimum "
            f"{needed} datapoint{'s' if needed != 1 else ''} for {old} -> {new} transition).")


def alarm_message(alarm: dict[str, Any], *, old: str, new: str, reason: str, at: dt.datetime,
                  region: str) -> dict[str, Any]:
    """The JSON CloudWatch publishes to an alarm's SNS topics."""
    arn = alarm.get("AlarmArn", "")
    updated = alarm.get("AlarmConfigurationUpdatedTimestamp")
    return {
        "AlarmName": alarm["AlarmName"],
        "AlarmDescription": alarm.get("AlarmDescription") or None,
        "AWSAccountId": arn.split(":")[4] if arn.count(":") >= 5 else "",
        "AlarmConfigurationUpdatedTimestamp": _aws_time(updated) if isinstance(updated, dt.datetime) else None,
        "NewStateValue": new,
        "NewStateReason": reason,
        "StateChangeTime": _aws_time(at),
        "Region": region_name(region),
        "AlarmArn": arn,
        "OldStateValue": old,
        "OKActions": list(alarm.get("OKActions", [])),
        "AlarmActions": list(alarm.get("AlarmActions", [])),
        "InsufficientDataActions": list(alarm.get("InsufficientDataActions", [])),
        "Trigger": {
            "MetricName": alarm["MetricName"],
            "Namespace": alarm["Namespace"],
            "StatisticType": "Statistic",
            "Statistic": str(alarm["Statistic"]).upper(),
            "Unit": alarm.get("Unit"),
            "Dimensions": [{"value": d["Value"], "name": d["Name"]} for d in alarm.get("Dimensions", [])],
            "Period": int(alarm["Period"]),
            "EvaluationPeriods": int(alarm["EvaluationPeriods"]),
            "DatapointsToAlarm": int(alarm.get("DatapointsToAlarm") or alarm["EvaluationPeriods"]),
            "ComparisonOperator": alarm["ComparisonOperator"],
            "Threshold": float(alarm["Threshold"]),
            "TreatMissingData": alarm.get("TreatMissingData") or "missing",
            "EvaluateLowSampleCountPercentile": alarm.get("EvaluateLowSampleCountPercentile") or "",
        },
    }


def subject(alarm: dict[str, Any], state: str, region: str) -> str:
    """CloudWatch's Subject: ``ALARM: "name" in US East (N. Virginia)``, cut to what SNS takes."""
    text = f'{state}: "{alarm["AlarmName"]}" in {region_name(region)}'
    return text if len(text) <= SUBJECT_LIMIT else text[:SUBJECT_LIMIT - 3] + "..."


@functools.lru_cache(maxsize=32)
def region_name(region: str) -> str:
    """The long name AWS writes in alarm messages ("US East (N. Virginia)"), from botocore's endpoint data."""
    import botocore.loaders

    for partition in botocore.loaders.create_loader().load_data("endpoints").get("partitions", []):
        description = partition.get("regions", {}).get(region, {}).get("description")
        if description:
            return str(description)
    return region


class AlarmLoop(BackgroundThread):
    """Runs ``evaluate_once`` every ``interval`` seconds in a daemon thread until ``stop``."""

    def __init__(self, evaluator: AlarmEvaluator, *, interval: float = DEFAULT_INTERVAL,
                 clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)) -> None:
        super().__init__("sandbox-alarm-evaluator")
        self.evaluator = evaluator
        self.interval = interval
        self.clock = clock

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                for transition in self.evaluator.evaluate_once(self.clock()):
                    log.info("alarm %s: %s -> %s", transition.alarm_name, transition.old_state, transition.new_state)
            except BOTO_ERRORS as exc:  # the sandbox stopping under us, or a hiccup: try again next time
                log.debug("alarm evaluation failed: %s", exc)
            self._stop.wait(self.interval)


def start_alarm_evaluator(endpoint_url: str, region: str, *, interval: float = DEFAULT_INTERVAL) -> AlarmLoop:
    """The sandbox's evaluator, running: clients on the sandbox's endpoint, evaluated every ``interval`` seconds.
    ``stop()`` the loop it returns."""
    from sandbox.seed import sandbox_clients

    clients = sandbox_clients(endpoint_url, region, services=("cloudwatch", "sns"))
    loop = AlarmLoop(AlarmEvaluator(cloudwatch=clients["cloudwatch"], sns=clients["sns"], region=region),
                     interval=interval)
    loop.start()
    return loop


def _aws_time(moment: dt.datetime) -> str:
    """CloudWatch's alarm time format: 2026-12-02T06:00:31.402+0000."""
    moment = moment.astimezone(dt.UTC) if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def _number(value: float) -> str:
    return repr(float(value))
