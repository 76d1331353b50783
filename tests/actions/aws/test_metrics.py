"""Instance metric history against moto: the period chosen for the range, figures worked out from the points put
in, every page of GetMetricData, memory and disk refused by name, unknown instances listed."""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from actions.aws.clients import ClientFactory
from actions.aws.errors import CloudButlerError, UnknownInstance
from actions.aws.metrics import (
    InstanceMetrics,
    MetricNotPublished,
    Point,
    UnknownMetric,
    choose_period,
    percentile,
    summarise,
)

NOW = dt.datetime(2025, 11, 19, 15, 30, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
IMAGE_ID = "ami-04681a1dbd79675a5"  # in moto's built-in image list


def launch(aws: ClientFactory, name: str) -> str:
    tags = [{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": name}]}]
    launched = aws.client("ec2").run_instances(ImageId=IMAGE_ID, MinCount=1, MaxCount=1, InstanceType="t3.small",
                                               TagSpecifications=tags)
    return str(launched["Instances"][0]["InstanceId"])


def put(aws: ClientFactory, instance_id: str, metric: str, points: list[tuple[dt.datetime, float]],
        unit: str = "Percent") -> None:
    data = [{"MetricName": metric, "Dimensions": [{"Name": "InstanceId", "Value": instance_id}], "Timestamp": at,
             "Value": value, "Unit": unit} for at, value in points]
    for first in range(0, len(data), 500):
        aws.client("cloudwatch").put_metric_data(Namespace="AWS/EC2", MetricData=data[first:first + 500])


def service(aws: ClientFactory, now: dt.datetime = NOW) -> InstanceMetrics:
    return InstanceMetrics(ec2=aws.client("ec2"), cloudwatch=aws.client("cloudwatch"), clock=lambda: now)


@pytest.mark.parametrize("span,age,minimum,period", [
    (HOUR, HOUR, 60, 60),  # 60 points
    (DAY, DAY, 60, 300),  # 288 points
    (DAY, DAY, 300, 300),
    (7 * DAY, 7 * DAY, 60, 1800),  # 336 points
    (3 * DAY, 3 * DAY, 60, 600),  # 432 points
    (30 * DAY, 30 * DAY, 60, 7200),  # 360 points
    (90 * DAY, 90 * DAY, 60, 21600),  # 360 points
    (DAY, 20 * DAY, 60, 300),  # older than 15 days: 5-minute data at best
    (HOUR, 20 * DAY, 60, 300),
    (HOUR, 70 * DAY, 60, 3600),  # older than 63 days: hourly
    (400 * DAY, 400 * DAY, 60, 86400),
    (1000 * DAY, 1000 * DAY, 60, 2 * 86400),
])
def test_the_period_gives_a_few_hundred_points_and_respects_retention(
    span: dt.timedelta, age: dt.timedelta, minimum: int, period: int
) -> None:
    start = NOW - age
    chosen = choose_period(start, start + span, NOW, minimum=minimum)
    assert chosen == period
    assert chosen % 60 == 0 and span.total_seconds() / chosen <= 500


def test_percentile_and_summary() -> None:
    assert percentile([float(v) for v in range(1, 101)], 0.95) == 95.0
    assert percentile([3.0, 1.0, 2.0], 0.95) == 3.0
    assert percentile([7.0], 0.95) == 7.0
    points = [Point(NOW, 10.0, 2.0, 30.0), Point(NOW + HOUR, 20.0, 5.0, 90.0)]
    summary = summarise(points)
    assert summary is not None
    assert (summary.minimum, summary.average, summary.maximum, summary.p95) == (2.0, 15.0, 90.0, 20.0)
    assert summarise([]) is None


def test_cpu_history_by_name_with_exact_figures(aws: ClientFactory) -> None:
    instance_id = launch(aws, "web-2")
    # One reading a minute over the last hour, minute m reads m % 10 (0..9) - every 10 minutes the same shape.
    start = NOW - HOUR
    put(aws, instance_id, "CPUUtilization", [(start + dt.timedelta(minutes=m), float(m % 10)) for m in range(60)])
    history = service(aws).history("web-2", ["cpu"], start, NOW)
    assert history.instance.instance_id == instance_id and history.instance.name == "web-2"
    assert history.period == 60
    (cpu,) = history.series
    assert cpu.spec.name == "CPUUtilization"
    assert [p.value for p in cpu.points] == [float(m % 10) for m in range(60)]
    assert [p.at for p in cpu.points] == [start + dt.timedelta(minutes=m) for m in range(60)]
    assert cpu.summary is not None
    assert (cpu.summary.minimum, cpu.summary.average, cpu.summary.maximum, cpu.summary.p95) == (0.0, 4.5, 9.0, 9.0)


def test_coarser_periods_keep_the_extremes_of_each_period(aws: ClientFactory) -> None:
    instance_id = launch(aws, "batch-1")
    start = NOW - DAY
    # Every 5 minutes: 10 % except a 95 % reading at 13:00 and a 1 % one at 03:00.
    readings = [(start + dt.timedelta(minutes=5 * i), 10.0) for i in range(288)]
    readings = [(at, 95.0 if at.hour == 13 and at.minute == 0 else 1.0 if at.hour == 3 and at.minute == 0 else v)
                for at, v in readings]
    put(aws, instance_id, "CPUUtilization", readings)
    history = service(aws).history(instance_id, ["cpu"], start, NOW)
    assert history.period == 300
    (cpu,) = history.series
    assert len(cpu.points) == 288
    assert cpu.summary is not None
    assert (cpu.summary.minimum, cpu.summary.maximum, cpu.summary.p95) == (1.0, 95.0, 10.0)
    assert cpu.summary.average == pytest.approx((286 * 10.0 + 95.0 + 1.0) / 288)


def test_network_is_bytes_per_second_over_whole_five_minutes(aws: ClientFactory) -> None:
    instance_id = launch(aws, "web-1")
    start = NOW - HOUR
    # Basic monitoring: one datum per 5 minutes holding the bytes of those 5 minutes - 300,000 B = 1,000 B/s.
    put(aws, instance_id, "NetworkIn", [(start + dt.timedelta(minutes=5 * i), 300_000.0) for i in range(12)], "Bytes")
    put(aws, instance_id, "NetworkOut", [(start + dt.timedelta(minutes=5 * i), 30_000.0 * (i + 1)) for i in range(12)],
        "Bytes")
    history = service(aws).history("web-1", ["network_in", "network_out"], start, NOW)
    assert history.period == 300  # never 60 with network: a 5-minute datum would read as 1 minute's
    incoming, outgoing = history.series
    assert [p.value for p in incoming.points] == [1000.0] * 12
    assert [p.value for p in outgoing.points] == [100.0 * (i + 1) for i in range(12)]
    assert outgoing.summary is not None
    assert (outgoing.summary.minimum, outgoing.summary.average, outgoing.summary.maximum, outgoing.summary.p95) == (
        100.0, 650.0, 1200.0, 1200.0)


def test_an_instance_without_data_has_empty_series(aws: ClientFactory) -> None:
    launch(aws, "quiet-1")
    history = service(aws).history("quiet-1", ["cpu", "network_in"], NOW - DAY, NOW)
    assert [(len(s.points), s.summary) for s in history.series] == [(0, None), (0, None)]


def test_every_page_is_read_and_merged_by_query(aws: ClientFactory) -> None:
    """CloudWatch pages long answers with NextToken; the points of one query arrive over several pages."""
    instance_id = launch(aws, "web-3")
    start = NOW - HOUR
    put(aws, instance_id, "CPUUtilization", [(start + dt.timedelta(minutes=m), float(m)) for m in range(60)])
    cloudwatch = aws.client("cloudwatch")
    requests: list[dict[str, Any]] = []

    def page(parsed: dict[str, Any], **_: Any) -> None:
        # Cut moto's whole answer into pages of 25 values per query, as CloudWatch does past its limit.
        offset = int(requests[-1].get("NextToken") or 0)
        for result in parsed["MetricDataResults"]:
            result["Timestamps"] = result["Timestamps"][offset:offset + 25]
            result["Values"] = result["Values"][offset:offset + 25]
        if offset + 25 < 60:
            parsed["NextToken"] = str(offset + 25)

    def record(params: dict[str, Any], **_: Any) -> None:
        requests.append(dict(params))

    cloudwatch.meta.events.register("provide-client-params.cloudwatch.GetMetricData", record)
    cloudwatch.meta.events.register("after-call.cloudwatch.GetMetricData", page)
    try:
        history = service(aws).history("web-3", ["cpu"], start, NOW)
    finally:
        cloudwatch.meta.events.unregister("after-call.cloudwatch.GetMetricData", page)
        cloudwatch.meta.events.unregister("provide-client-params.cloudwatch.GetMetricData", record)
    assert [r.get("NextToken") for r in requests] == [None, "25", "50"]
    assert [p.value for p in history.series[0].points] == [float(m) for m in range(60)]
    assert history.series[0].summary is not None and history.series[0].summary.maximum == 59.0


@pytest.mark.parametrize("metric", ["memory", "disk"])
def test_memory_and_disk_are_not_published_by_ec2(aws: ClientFactory, metric: str) -> None:
    launch(aws, "web-2")
    with pytest.raises(MetricNotPublished) as raised:
        service(aws).history("web-2", ["cpu", metric], NOW - DAY, NOW)
    assert raised.value.details == {"metric": metric, "instance": "web-2"}


def test_unknown_metric_and_instance(aws: ClientFactory) -> None:
    launch(aws, "web-2")
    with pytest.raises(UnknownMetric) as unknown:
        service(aws).history("web-2", ["gpu"], NOW - DAY, NOW)
    assert unknown.value.details == {"metric": "gpu", "known": "cpu, network_in, network_out, memory, disk"}
    with pytest.raises(UnknownInstance) as missing:
        service(aws).history("db-9", ["cpu"], NOW - DAY, NOW)
    assert missing.value.details == {"name": "db-9", "known": "web-2"}


def test_a_refused_call_becomes_our_error(aws: ClientFactory) -> None:
    launch(aws, "web-2")
    cloudwatch = aws.client("cloudwatch")

    def deny(**_: Any) -> None:
        from botocore.exceptions import ClientError

        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "GetMetricData")

    cloudwatch.meta.events.register("before-call.cloudwatch.GetMetricData", deny)
    try:
        with pytest.raises(CloudButlerError) as raised:
            service(aws).history("web-2", ["cpu"], NOW - DAY, NOW)
    finally:
        cloudwatch.meta.events.unregister("before-call.cloudwatch.GetMetricData", deny)
    assert raised.value.code == "AccessDenied"
