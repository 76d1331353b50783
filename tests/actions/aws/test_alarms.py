"""Alarms against moto over HTTP: what create_alarm puts (name, metric, condition, the alarms topic as ALARM and OK
action, the created-by tag), an existing name refused unless replacing, CloudWatch's limits said before any call,
and list_alarms over every page, ALARM first."""
from __future__ import annotations

from typing import Any

import pytest

from actions.aws.alarms import (
    CREATED_BY_TAG,
    AlarmError,
    AlarmSpec,
    alarm_topic_name,
    condition_text,
    create_alarm,
    instance_names,
    list_alarms,
)
from actions.aws.clients import ClientFactory

INSTANCE = "i-0123456789abcdef0"


@pytest.fixture
def cloudwatch(aws: ClientFactory) -> Any:
    return aws.client("cloudwatch")


@pytest.fixture
def sns(aws: ClientFactory) -> Any:
    return aws.client("sns")


def spec(**overrides: Any) -> AlarmSpec:
    values: dict[str, Any] = {"instance_id": INSTANCE, "instance_name": "web-2", "metric": "cpu",
                              "direction": "above", "threshold": 80.0, "period": 300, "periods": 2}
    values.update(overrides)
    return AlarmSpec(**values)


def test_creates_the_alarm_with_the_alarms_topic_as_alarm_and_ok_action(cloudwatch: Any, sns: Any) -> None:
    created = create_alarm(cloudwatch, sns, spec(), created_by="slack:T1:U1")
    topic = sns.create_topic(Name="cloudbutler-alarms")["TopicArn"]
    assert (created.name, created.topic_arn, created.replaced) == ("web-2-cpu-above-80", topic, False)
    [alarm] = cloudwatch.describe_alarms(AlarmNames=["web-2-cpu-above-80"])["MetricAlarms"]
    assert created.arn == alarm["AlarmArn"]
    assert {k: alarm[k] for k in ("Namespace", "MetricName", "Dimensions", "Statistic", "Period",
                                  "EvaluationPeriods", "DatapointsToAlarm", "Threshold", "ComparisonOperator",
                                  "AlarmActions", "OKActions", "TreatMissingData")} == {
        "Namespace": "AWS/EC2", "MetricName": "CPUUtilization",
        "Dimensions": [{"Name": "InstanceId", "Value": INSTANCE}], "Statistic": "Average", "Period": 300,
        "EvaluationPeriods": 2, "DatapointsToAlarm": 2, "Threshold": 80.0,
        "ComparisonOperator": "GreaterThanThreshold", "AlarmActions": [topic], "OKActions": [topic],
        "TreatMissingData": "missing"}
    assert alarm["AlarmDescription"] == (
        f"Created from chat by CloudButler. web-2 ({INSTANCE}): CPUUtilization > 80 for 2 x 5 min")
    tags = cloudwatch.list_tags_for_resource(ResourceARN=alarm["AlarmArn"])["Tags"]
    assert tags == [{"Key": CREATED_BY_TAG, "Value": "slack:T1:U1"}]


def test_an_existing_name_is_said_not_overwritten_unless_asked(cloudwatch: Any, sns: Any) -> None:
    create_alarm(cloudwatch, sns, spec())
    with pytest.raises(AlarmError) as caught:
        create_alarm(cloudwatch, sns, spec(periods=3))
    assert (caught.value.code, caught.value.details) == ("alarm_exists", {
        "alarm": "web-2-cpu-above-80", "state": "OK", "condition": "CPUUtilization > 80 for 2 x 5 min"})
    replaced = create_alarm(cloudwatch, sns, spec(periods=3), replace=True)
    assert replaced.replaced is True
    [alarm] = cloudwatch.describe_alarms(AlarmNames=["web-2-cpu-above-80"])["MetricAlarms"]
    assert alarm["EvaluationPeriods"] == 3


@pytest.mark.parametrize(("overrides", "name", "metric", "statistic", "operator"), [
    ({"direction": "below", "threshold": 5.0, "instance_name": "Web 1"}, "web-1-cpu-below-5", "CPUUtilization",
     "Average", "LessThanThreshold"),
    ({"metric": "network_in", "threshold": 500 * 1024**2}, "web-2-network-in-above-500mb", "NetworkIn", "Average",
     "GreaterThanThreshold"),
    ({"metric": "network_out", "threshold": 1.5e6, "instance_name": None}, f"{INSTANCE}-network-out-above-1500000",
     "NetworkOut", "Average", "GreaterThanThreshold"),
    ({"metric": "status_check", "threshold": 0.0}, "web-2-status-check-failed", "StatusCheckFailed", "Maximum",
     "GreaterThanThreshold"),
    ({"threshold": 80.5, "period": 60, "periods": 10}, "web-2-cpu-above-80.5", "CPUUtilization", "Average",
     "GreaterThanThreshold"),
])
def test_names_metrics_and_operators(cloudwatch: Any, sns: Any, overrides: dict[str, Any], name: str, metric: str,
                                     statistic: str, operator: str) -> None:
    created = create_alarm(cloudwatch, sns, spec(**overrides))
    assert created.name == name
    [alarm] = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
    assert (alarm["MetricName"], alarm["Statistic"], alarm["ComparisonOperator"]) == (metric, statistic, operator)


@pytest.mark.parametrize(("overrides", "code"), [
    ({"metric": "memory"}, "unknown_alarm_metric"),
    ({"period": 120}, "alarm_duration_out_of_range"),
    ({"period": 300, "periods": 289}, "alarm_duration_out_of_range"),
    ({"threshold": 120.0}, "percent_out_of_range"),
    ({"metric": "network_in", "threshold": -1.0}, "negative_threshold"),
])
def test_limits_are_said_before_any_call(cloudwatch: Any, sns: Any, overrides: dict[str, Any], code: str) -> None:
    with pytest.raises(AlarmError) as caught:
        create_alarm(cloudwatch, sns, spec(**overrides))
    assert caught.value.code == code
    assert cloudwatch.describe_alarms()["MetricAlarms"] == []
    assert sns.list_topics()["Topics"] == []


def test_the_topic_name_comes_from_the_environment(cloudwatch: Any, sns: Any) -> None:
    assert alarm_topic_name({}) == "cloudbutler-alarms"
    assert alarm_topic_name({"CLOUDBUTLER_ALARM_TOPIC": " ops-alarms "}) == "ops-alarms"
    created = create_alarm(cloudwatch, sns, spec(), topic_name="ops-alarms")
    assert created.topic_arn.endswith(":ops-alarms")


def test_list_alarms_every_page_alarm_first(cloudwatch: Any, sns: Any) -> None:
    for index in range(120):  # more than DescribeAlarms' page of 100
        create_alarm(cloudwatch, sns, spec(threshold=float(index % 100), instance_name=f"node-{index:03d}"))
    cloudwatch.set_alarm_state(AlarmName="node-007-cpu-above-7", StateValue="ALARM",
                               StateReason="Threshold Crossed: 1 datapoint [99.0] was greater than the threshold")
    cloudwatch.set_alarm_state(AlarmName="node-003-cpu-above-3", StateValue="INSUFFICIENT_DATA", StateReason="none")
    alarms = list_alarms(cloudwatch)
    assert len(alarms) == 120
    assert [(a.name, a.state) for a in alarms[:3]] == [
        ("node-007-cpu-above-7", "ALARM"), ("node-003-cpu-above-3", "INSUFFICIENT_DATA"),
        ("node-000-cpu-above-0", "OK")]
    first = alarms[0]
    assert (first.metric, first.instance_id, first.condition) == (
        "CPUUtilization", INSTANCE, "CPUUtilization > 7 for 2 x 5 min")
    assert first.reason.startswith("Threshold Crossed") and first.updated is not None
    assert first.updated.tzinfo is not None and len(first.actions) == 1


def test_no_alarms(cloudwatch: Any) -> None:
    assert list_alarms(cloudwatch) == []


def test_condition_text() -> None:
    assert condition_text("CPUUtilization", "LessThanThreshold", 5.0, 60, 10) == "CPUUtilization < 5 for 10 x 1 min"
    assert condition_text("NetworkIn", "GreaterThanThreshold", 2e9, 3600, 1) == "NetworkIn > 2e+09 for 1 h"


def test_instance_names(aws: ClientFactory) -> None:
    ec2 = aws.client("ec2")
    tags = [{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "web-2"}]}]
    named = ec2.run_instances(ImageId="ami-04681a1dbd79675a5", MinCount=1, MaxCount=1,
                              TagSpecifications=tags)["Instances"][0]["InstanceId"]
    bare = ec2.run_instances(ImageId="ami-04681a1dbd79675a5", MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    assert instance_names(ec2, [named, bare, "i-0000000000000dead"]) == {named: "web-2"}
    assert instance_names(ec2, []) == {}
