r"""Push an instance metric into the sandbox's CloudWatch, so an alarm created from chat fires::

    .venv/bin/python -m sandbox.push_metric web-2 cpu 95              # CPU 95% for the last 10 minutes
    .venv/bin/python -m sandbox.push_metric web-2 cpu 10 --minutes 30  # and back to normal
    .venv/bin/python -m sandbox.push_metric batch-1 network-in 800MB
    .venv/bin/python -m sandbox.push_metric web-1 status-check 1

The instance is found by its Name tag (or id) at AWS_ENDPOINT_URL, else the sandbox's http://127.0.0.1:4566; the
sandbox's alarm evaluator (``sandbox.alarms``, every minute) then sees the values at its next round.

The pushed values win over what else is there: the sandbox's CPU ticker keeps adding one ordinary point every five
minutes, and an earlier push may cover the same minutes. Each pushed point is one StatisticValues datum (Sum,
SampleCount, Minimum, Maximum) that stands for so many samples - 2^62 times more than everything already stored for
those minutes, at least 2^70 - that the other points vanish below a double's precision: the average (what an
alarm on CPU or network watches) of any period inside the pushed minutes is exactly the pushed value, and a later
push wins over an earlier one the same way. Points are 10 s apart, so a one-minute period holds several, and one
more stands a minute ahead, so that the evaluator's next round - whenever in that minute it runs - finds its latest
period covered too.

What else reads these minutes sees the pushed value too: an instance's CPU chart and its last-hour average (weighted
by sample count) show it for any period that touches the pushed minutes. Readings that add samples up rather than
average them - the network chart's bytes per second, a Sum - are meaningless over pushed minutes.
"""
from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from actions.aws.alarms import METRICS, AlarmInfo, alarm_info
from actions.aws.errors import BOTO_ERRORS, CloudButlerError, from_boto
from actions.aws.instances import InstanceControl
from sandbox.alarms import DEFAULT_INTERVAL
from sandbox.metrics import chunks

DEFAULT_ENDPOINT = "http://127.0.0.1:4566"
DEFAULT_MINUTES = 10
MAX_MINUTES = 24 * 60  # the longest an alarm looks back
STEP_SECONDS = 10
MIN_WEIGHT_EXPONENT = 70
WEIGHT_MARGIN_EXPONENT = 62  # a double has 53 bits: 2^62 more also outweighs values up to 2^9 times larger
MAX_WEIGHT_EXPONENT = 900  # beyond, Sum = value x weight nears a double's range (2^1024)
NAMESPACE = "AWS/EC2"
UNITS = {"percent": "Percent", "bytes": "Bytes", "count": "Count"}
METRIC_WORDS = {"cpu": "cpu", "network-in": "network_in", "network_in": "network_in", "networkin": "network_in",
                "network-out": "network_out", "network_out": "network_out", "networkout": "network_out",
                "status-check": "status_check", "status_check": "status_check", "statuscheckfailed": "status_check",
                "cpuutilization": "cpu"}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(%|b|bytes|kb|kib|mb|mib|gb|gib)?\s*$", re.IGNORECASE)
_BYTES = {"b": 1, "bytes": 1, "kb": 1024, "kib": 1024, "mb": 1024**2, "mib": 1024**2, "gb": 1024**3, "gib": 1024**3}


class PushError(Exception):
    """What the command line says instead of pushing."""


@dataclass(frozen=True)
class Pushed:
    instance_id: str
    label: str
    metric_name: str
    value: float
    points: int
    start: dt.datetime  # the first pushed point
    end: dt.datetime  # the last one of the pushed minutes (one more stands a minute ahead)
    weight_exponent: int
    alarms: tuple[AlarmInfo, ...] = field(default_factory=tuple)  # the alarms watching this metric


def metric_key(word: str) -> str:
    key = METRIC_WORDS.get(word.strip().lower())
    if key is None:
        raise PushError(f"unknown metric {word!r}: use cpu, network-in, network-out or status-check")
    return key


def parse_value(text: str, metric: str) -> float:
    """"95", "95%", "800MB" (bytes, powers of 1024) -> the number to push."""
    match = _SIZE.match(text)
    if match is None:
        raise PushError(f"not a number: {text!r}")
    value = float(match.group(1))
    unit = (match.group(2) or "").lower()
    if unit in _BYTES:
        if METRICS[metric].unit != "bytes":
            raise PushError(f"{text!r} is a size, but {metric} is not counted in bytes")
        value *= _BYTES[unit]
    if METRICS[metric].unit == "percent" and value > 100:
        raise PushError(f"CPU is a percentage: {text!r} is more than 100")
    return value


def moments(now: dt.datetime, minutes: int, interval: float = DEFAULT_INTERVAL) -> list[dt.datetime]:
    """Every STEP_SECONDS over the last ``minutes`` up to ``now`` (whole seconds), and one ``interval`` ahead."""
    end = now.astimezone(dt.UTC).replace(microsecond=0)
    count = minutes * 60 // STEP_SECONDS
    points = [end - dt.timedelta(seconds=STEP_SECONDS * index) for index in range(count - 1, -1, -1)]
    return [*points, end + dt.timedelta(seconds=math.ceil(interval))]


def weight_exponent(cloudwatch: Any, dimensions: list[dict[str, str]], metric_name: str, start: dt.datetime,
                    end: dt.datetime) -> int:
    """The power of two each pushed point stands for: 2^62 times the samples already stored in [start, end]."""
    seconds = max(60, math.ceil((end - start).total_seconds() / 60 + 1) * 60)
    response = cloudwatch.get_metric_data(
        MetricDataQueries=[{"Id": "stored", "ReturnData": True, "MetricStat": {
            "Metric": {"Namespace": NAMESPACE, "MetricName": metric_name, "Dimensions": dimensions},
            "Period": seconds, "Stat": "SampleCount"}}],
        StartTime=start - dt.timedelta(seconds=1), EndTime=start - dt.timedelta(seconds=1) + dt.timedelta(
            seconds=seconds))
    stored = sum(float(v) for r in response.get("MetricDataResults", []) for v in r.get("Values", []))
    exponent = max(MIN_WEIGHT_EXPONENT, math.frexp(stored)[1] + WEIGHT_MARGIN_EXPONENT if stored > 0 else 0)
    if exponent > MAX_WEIGHT_EXPONENT:
        raise PushError("these minutes were pushed over too often to outweigh again; push a later stretch (or "
                        "restart the sandbox)")
    return exponent


def push(cloudwatch: Any, ec2: Any, *, instance: str, metric: str, value: float, minutes: int = DEFAULT_MINUTES,
         now: dt.datetime | None = None, interval: float = DEFAULT_INTERVAL) -> Pushed:
    """Put ``value`` of ``metric`` (a key of ``actions.aws.alarms.METRICS``) for the last ``minutes`` of the
    instance called ``instance`` (Name tag or id); returns what was put and the alarms that watch it."""
    if not 1 <= minutes <= MAX_MINUTES:
        raise PushError(f"--minutes must be between 1 and {MAX_MINUTES}")
    found = InstanceControl(ec2).find(instance)
    watched = METRICS[metric]
    dimensions = [{"Name": "InstanceId", "Value": found.instance_id}]
    stamps = moments(now or dt.datetime.now(dt.UTC), minutes, interval)
    try:
        exponent = weight_exponent(cloudwatch, dimensions, watched.name, stamps[0], stamps[-1])
        weight = 2.0 ** exponent
        data = [{"MetricName": watched.name, "Dimensions": dimensions, "Timestamp": at, "Unit": UNITS[watched.unit],
                 "StatisticValues": {"SampleCount": weight, "Sum": value * weight, "Minimum": value,
                                     "Maximum": value}} for at in stamps]
        for batch in chunks(data):
            cloudwatch.put_metric_data(Namespace=NAMESPACE, MetricData=batch)
        raw = cloudwatch.describe_alarms_for_metric(Namespace=NAMESPACE, MetricName=watched.name,
                                                    Dimensions=dimensions).get("MetricAlarms", [])
    except BOTO_ERRORS as exc:
        raise from_boto(exc, instance=found.label) from exc
    return Pushed(instance_id=found.instance_id, label=found.label, metric_name=watched.name, value=value,
                  points=len(stamps), start=stamps[0], end=stamps[-2], weight_exponent=exponent,
                  alarms=tuple(sorted((alarm_info(a) for a in raw), key=lambda a: a.name)))


def report(pushed: Pushed, *, endpoint: str, minutes: int, interval: float = DEFAULT_INTERVAL) -> list[str]:
    """What the command prints."""
    value = f"{pushed.value:g}"
    lines = [
        f"Pushed {pushed.metric_name} = {value} for {pushed.label} ({pushed.instance_id}) at {endpoint}: "
        f"{pushed.points - 1} datapoints every {STEP_SECONDS} s from {pushed.start:%H:%M:%S} to {pushed.end:%H:%M:%S} "
        f"UTC, and one a minute ahead for the alarm evaluator's next round.",
    ]
    if not pushed.alarms:
        lines.append(f"No alarm watches {pushed.metric_name} of {pushed.label} yet; create one in chat, e.g. \"alert "
                     f"me when {pushed.label} cpu goes over 80% for 10 minutes\", then push again.")
        return lines
    lines.append(f"Alarms watching it (the sandbox checks them every {interval:g} s):")
    for alarm in pushed.alarms:
        lines.append(f"- {alarm.name}: {alarm.condition}, now {alarm.state}")
    longest = max((_window_minutes(a.condition) for a in pushed.alarms), default=0)
    if longest > minutes:
        lines.append(f"Note: an alarm looks at {longest} minutes, more than the {minutes} pushed; use --minutes "
                     f"{longest} so all of its periods see the value.")
    return lines


def _window_minutes(condition: str) -> int:
    """Minutes of "... for 2 x 5 min" / "for 10 min" / "for 1 h"."""
    match = re.search(r"for (?:(\d+) x )?(\d+) (min|h|s)$", condition)
    if match is None:
        return 0
    size = int(match.group(2)) * {"min": 1, "h": 60, "s": 0}[match.group(3)]
    return int(match.group(1) or 1) * size


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    env = os.environ if environ is None else environ
    parser = argparse.ArgumentParser(
        prog="python -m sandbox.push_metric",
        description="Put an instance metric into the sandbox's CloudWatch so an alarm on it fires.")
    parser.add_argument("instance", help="the instance's Name tag (web-2) or id")
    parser.add_argument("metric", help="cpu, network-in, network-out or status-check")
    parser.add_argument("value", help="the value: 95 (percent), 800MB (bytes), 1 (a failed status check)")
    parser.add_argument("--minutes", type=int, default=DEFAULT_MINUTES,
                        help=f"how many of the last minutes get the value (default {DEFAULT_MINUTES})")
    parser.add_argument("--endpoint", default=env.get("AWS_ENDPOINT_URL") or DEFAULT_ENDPOINT,
                        help="the sandbox's AWS endpoint (default: AWS_ENDPOINT_URL, else %(default)s)")
    parser.add_argument("--region", default=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1")
    args = parser.parse_args(argv)
    from sandbox.seed import sandbox_clients

    try:
        metric = metric_key(args.metric)
        value = parse_value(args.value, metric)
        clients = sandbox_clients(args.endpoint, args.region, services=("cloudwatch", "ec2"))
        pushed = push(clients["cloudwatch"], clients["ec2"], instance=args.instance, metric=metric, value=value,
                      minutes=args.minutes)
    except PushError as exc:
        print(f"push_metric: {exc}", file=sys.stderr)
        return 2
    except CloudButlerError as exc:
        print(f"push_metric: {_failure(exc, args.endpoint)}", file=sys.stderr)
        return 1
    print("\n".join(report(pushed, endpoint=args.endpoint, minutes=args.minutes)))
    return 0


def _failure(exc: CloudButlerError, endpoint: str) -> str:
    if exc.code == "unknown_instance":
        return f"no instance called {exc.details.get('name')!r}; known: {exc.details.get('known')}"
    if exc.code == "NetworkError":
        return f"cannot reach {endpoint} - is the sandbox running (make run)?"
    return f"AWS refused: {exc.code} {exc.details}"


if __name__ == "__main__":
    raise SystemExit(main())
