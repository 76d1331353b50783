"""The sandbox's alarm evaluator against moto over HTTP: an SQS queue subscribed to the alarm's SNS topic receives
what AWS would send."""
from __future__ import annotations

import datetime as dt
import json
import threading
from typing import Any

import pytest

from actions.alerts.messages import alert_from_envelope
from actions.aws.clients import ClientFactory
from sandbox.alarms import (
    ALARM,
    INSUFFICIENT_DATA,
    OK,
    AlarmEvaluator,
    AlarmLoop,
    Transition,
    decide,
    region_name,
    start_alarm_evaluator,
    subject,
)

NOW = dt.datetime(2026, 12, 2, 6, 15, tzinfo=dt.UTC)
INSTANCE = "i-0web2000000000002"
ALARM_NAME = "web-2 CPUUtilization > 80"


class Env:
    def __init__(self, aws: ClientFactory) -> None:
        self.cloudwatch = aws.client("cloudwatch")
        self.sns = aws.client("sns")
        self.sqs = aws.client("sqs")
        self.topic = self.sns.create_topic(Name="cloudbutler-alarms")["TopicArn"]
        self.queue = self.sqs.create_queue(QueueName="cloudbutler-alerts")["QueueUrl"]
        queue_arn = self.sqs.get_queue_attributes(QueueUrl=self.queue, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"]
        self.sns.subscribe(TopicArn=self.topic, Protocol="sqs", Endpoint=queue_arn)
        self.evaluator = AlarmEvaluator(cloudwatch=self.cloudwatch, sns=self.sns)

    def put_alarm(self, name: str = ALARM_NAME, **overrides: Any) -> None:
        params: dict[str, Any] = {
            "AlarmName": name, "AlarmDescription": "web-2 CPU over 80% for 10 minutes", "Namespace": "AWS/EC2",
            "MetricName": "CPUUtilization", "Dimensions": [{"Name": "InstanceId", "Value": INSTANCE}],
            "Statistic": "Average", "Period": 300, "EvaluationPeriods": 2, "Threshold": 80.0,
            "ComparisonOperator": "GreaterThanThreshold", "AlarmActions": [self.topic], "OKActions": [self.topic],
        }
        params.update(overrides)
        self.cloudwatch.put_metric_alarm(**{k: v for k, v in params.items() if v is not None})

    def put_cpu(self, *points: tuple[dt.datetime, float], instance: str = INSTANCE) -> None:
        self.cloudwatch.put_metric_data(Namespace="AWS/EC2", MetricData=[
            {"MetricName": "CPUUtilization", "Dimensions": [{"Name": "InstanceId", "Value": instance}],
             "Timestamp": at, "Value": value, "Unit": "Percent"} for at, value in points])

    def messages(self) -> list[dict[str, Any]]:
        """The SNS envelopes on the queue (deleted as they are read)."""
        received: list[dict[str, Any]] = []
        while True:
            batch = self.sqs.receive_message(QueueUrl=self.queue, MaxNumberOfMessages=10).get("Messages", [])
            if not batch:
                return received
            for message in batch:
                received.append(json.loads(message["Body"]))
                self.sqs.delete_message(QueueUrl=self.queue, ReceiptHandle=message["ReceiptHandle"])

    def state(self, name: str = ALARM_NAME) -> str:
        return str(self.cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]["StateValue"])


@pytest.fixture
def env(aws: ClientFactory) -> Env:
    return Env(aws)


def minutes(n: float) -> dt.timedelta:
    return dt.timedelta(minutes=n)


def test_high_cpu_fires_one_alarm_message_then_low_cpu_one_ok(env: Env) -> None:
    env.put_alarm()
    env.put_cpu((NOW - minutes(8), 91.0), (NOW - minutes(3), 88.5))

    transitions = env.evaluator.evaluate_once(NOW)

    assert transitions == [Transition(alarm_name=ALARM_NAME, old_state=INSUFFICIENT_DATA, new_state=ALARM,
                                      reason=transitions[0].reason, topics=(env.topic,))]
    assert env.state() == ALARM
    [envelope] = env.messages()
    assert envelope["Type"] == "Notification"
    assert envelope["TopicArn"] == env.topic
    assert envelope["Subject"] == 'ALARM: "web-2 CPUUtilization > 80" in US East (N. Virginia)'
    message = json.loads(envelope["Message"])
    assert message["NewStateReason"] == (
        "Threshold Crossed: 2 out of the last 2 datapoints [88.5 (02/12/26 06:10:00), 91.0 (02/12/26 06:05:00)] "
        "were greater than the threshold (80.0) (minimum 2 datapoints for INSUFFICIENT_DATA -> ALARM transition).")
    assert message["AlarmConfigurationUpdatedTimestamp"].endswith("+0000")
    del message["AlarmConfigurationUpdatedTimestamp"], message["NewStateReason"]
    assert message == {
        "AlarmName": ALARM_NAME,
        "AlarmDescription": "web-2 CPU over 80% for 10 minutes",
        "AWSAccountId": "123456789012",
        "NewStateValue": "ALARM",
        "StateChangeTime": "2026-12-02T06:15:00.000+0000",
        "Region": "US East (N. Virginia)",
        "AlarmArn": f"arn:aws:cloudwatch:us-east-1:123456789012:alarm:{ALARM_NAME}",
        "OldStateValue": "INSUFFICIENT_DATA",
        "OKActions": [env.topic],
        "AlarmActions": [env.topic],
        "InsufficientDataActions": [],
        "Trigger": {
            "MetricName": "CPUUtilization", "Namespace": "AWS/EC2", "StatisticType": "Statistic",
            "Statistic": "AVERAGE", "Unit": None, "Dimensions": [{"value": INSTANCE, "name": "InstanceId"}],
            "Period": 300, "EvaluationPeriods": 2, "DatapointsToAlarm": 2,
            "ComparisonOperator": "GreaterThanThreshold", "Threshold": 80.0, "TreatMissingData": "missing",
            "EvaluateLowSampleCountPercentile": "",
        },
    }
    # what the chat side will make of it
    alert = alert_from_envelope(envelope)
    assert (alert.title, alert.colour, alert.metric_text) == (
        "web-2 CPUUtilization > 80 is in ALARM", "red", "CPUUtilization > 80 for 2 x 5 min")

    # no new data: no second message
    assert env.evaluator.evaluate_once(NOW + minutes(1)) == []
    assert env.messages() == []

    env.put_cpu((NOW + minutes(2), 20.0), (NOW + minutes(7), 25.0))
    [transition] = env.evaluator.evaluate_once(NOW + minutes(10))
    assert (transition.old_state, transition.new_state, transition.topics) == (ALARM, OK, (env.topic,))
    assert env.state() == OK
    [envelope] = env.messages()
    message = json.loads(envelope["Message"])
    assert (message["OldStateValue"], message["NewStateValue"]) == ("ALARM", "OK")
    assert message["NewStateReason"] == (
        "Threshold Crossed: 2 out of the last 2 datapoints [25.0 (02/12/26 06:20:00), 20.0 (02/12/26 06:15:00)] "
        "were not greater than the threshold (80.0) (minimum 1 datapoint for ALARM -> OK transition).")
    assert envelope["Subject"] == 'OK: "web-2 CPUUtilization > 80" in US East (N. Virginia)'
    assert env.evaluator.evaluate_once(NOW + minutes(11)) == []
    assert env.messages() == []


def test_one_high_period_of_two_does_not_fire(env: Env) -> None:
    env.put_alarm()
    env.put_cpu((NOW - minutes(8), 30.0), (NOW - minutes(3), 95.0))
    assert [t.new_state for t in env.evaluator.evaluate_once(NOW)] == [OK]
    assert [json.loads(e["Message"])["NewStateValue"] for e in env.messages()] == ["OK"]


def test_the_documented_push_fires_over_the_tickers_points(env: Env) -> None:
    """The module docstring's command: 20 samples of 99 in each of the last two periods, beside one ordinary
    point the sandbox's ticker put in each."""
    env.put_alarm()
    env.put_cpu((NOW - minutes(10), 12.0), (NOW - minutes(5), 14.0))
    dims = [{"Name": "InstanceId", "Value": INSTANCE}]
    env.cloudwatch.put_metric_data(Namespace="AWS/EC2", MetricData=[
        {"MetricName": "CPUUtilization", "Dimensions": dims, "Unit": "Percent", "Values": [99.0], "Counts": [20.0],
         "Timestamp": NOW - minutes(1)},
        {"MetricName": "CPUUtilization", "Dimensions": dims, "Unit": "Percent", "Values": [99.0], "Counts": [20.0],
         "Timestamp": NOW - minutes(6)},
    ])
    assert [t.new_state for t in env.evaluator.evaluate_once(NOW + minutes(1))] == [ALARM]
    assert len(env.messages()) == 1


def test_a_single_high_point_fires_when_it_is_all_the_data(env: Env) -> None:
    env.put_alarm()
    env.put_cpu((NOW - minutes(1), 97.0))
    [transition] = env.evaluator.evaluate_once(NOW)
    assert transition.new_state == ALARM
    assert "1 out of the last 2 datapoints [97.0 (02/12/26 06:10:00)]" in transition.reason


def test_insufficient_data(env: Env) -> None:
    env.put_alarm(InsufficientDataActions=[])
    # a new alarm without data is INSUFFICIENT_DATA already (as in AWS): stored, not announced
    assert env.evaluator.evaluate_once(NOW) == []
    assert env.state() == INSUFFICIENT_DATA
    assert env.messages() == []

    env.put_cpu((NOW + minutes(1), 10.0))
    assert [t.new_state for t in env.evaluator.evaluate_once(NOW + minutes(2))] == [OK]
    assert len(env.messages()) == 1

    # the data ages out of the window: INSUFFICIENT_DATA, announced only to InsufficientDataActions (none here)
    [transition] = env.evaluator.evaluate_once(NOW + minutes(30))
    assert (transition.old_state, transition.new_state, transition.topics) == (OK, INSUFFICIENT_DATA, ())
    assert transition.reason == "Insufficient Data: 2 datapoints were unknown."
    assert env.state() == INSUFFICIENT_DATA
    assert env.messages() == []


def test_insufficient_data_actions_are_told(env: Env) -> None:
    env.put_alarm(InsufficientDataActions=[env.topic])
    env.put_cpu((NOW - minutes(1), 10.0))
    env.evaluator.evaluate_once(NOW)
    env.messages()
    env.evaluator.evaluate_once(NOW + minutes(30))
    [envelope] = env.messages()
    assert json.loads(envelope["Message"])["NewStateValue"] == "INSUFFICIENT_DATA"
    assert envelope["Subject"] == 'INSUFFICIENT_DATA: "web-2 CPUUtilization > 80" in US East (N. Virginia)'


def test_treat_missing_data_ignore_keeps_the_state(env: Env) -> None:
    env.put_alarm(TreatMissingData="ignore")
    env.put_cpu((NOW - minutes(8), 91.0), (NOW - minutes(3), 92.0))
    assert [t.new_state for t in env.evaluator.evaluate_once(NOW)] == [ALARM]
    assert env.evaluator.evaluate_once(NOW + minutes(60)) == []
    assert env.state() == ALARM


def test_treat_missing_data_breaching_fires_without_data(env: Env) -> None:
    env.put_alarm(TreatMissingData="breaching")
    assert [t.new_state for t in env.evaluator.evaluate_once(NOW)] == [ALARM]


def test_disabled_actions_change_the_state_and_tell_nobody(env: Env) -> None:
    env.put_alarm(ActionsEnabled=False)
    env.put_cpu((NOW - minutes(8), 91.0), (NOW - minutes(3), 92.0))
    [transition] = env.evaluator.evaluate_once(NOW)
    assert (transition.new_state, transition.topics) == (ALARM, ())
    assert env.state() == ALARM
    assert env.messages() == []


def test_other_instances_and_other_actions_are_apart(env: Env) -> None:
    env.put_alarm(AlarmActions=[env.topic, "arn:aws:automate:us-east-1:ec2:stop"])
    env.put_cpu((NOW - minutes(3), 99.0), instance="i-someoneelse")
    env.put_cpu((NOW - minutes(3), 40.0))
    assert [t.new_state for t in env.evaluator.evaluate_once(NOW)] == [OK]
    env.messages()
    env.put_cpu((NOW + minutes(1), 99.0), (NOW + minutes(6), 99.0))
    [transition] = env.evaluator.evaluate_once(NOW + minutes(8))
    assert transition.topics == (env.topic,)  # the EC2 action is not an SNS topic


def test_several_alarms_and_the_ones_it_cannot_judge(env: Env) -> None:
    env.put_alarm()
    env.put_alarm("web-2 CPU low", ComparisonOperator="LessThanOrEqualToThreshold", Threshold=5.0,
                  AlarmActions=[env.topic], OKActions=None)
    env.put_alarm("web-2 p99", Statistic=None, ExtendedStatistic="p99")
    env.cloudwatch.put_metric_alarm(
        AlarmName="math", EvaluationPeriods=1, ComparisonOperator="GreaterThanThreshold", Threshold=1.0,
        Metrics=[{"Id": "m1", "Expression": "SUM(METRICS())", "ReturnData": True}])
    env.put_cpu((NOW - minutes(8), 3.0), (NOW - minutes(3), 4.0))
    transitions = env.evaluator.evaluate_once(NOW)
    assert sorted((t.alarm_name, t.new_state) for t in transitions) == [
        ("web-2 CPU low", ALARM), (ALARM_NAME, OK)]
    assert sorted(json.loads(e["Message"])["AlarmName"] for e in env.messages()) == ["web-2 CPU low", ALARM_NAME]


def test_a_deleted_topic_spares_the_other_alarms(env: Env) -> None:
    env.put_alarm("gone", AlarmActions=["arn:aws:sns:us-east-1:123456789012:deleted"])
    env.put_alarm()
    env.put_cpu((NOW - minutes(8), 91.0), (NOW - minutes(3), 92.0))
    transitions = env.evaluator.evaluate_once(NOW)
    assert [t.alarm_name for t in transitions] == [ALARM_NAME]
    assert env.state("gone") == "OK"  # moto's initial state: not stored, so tried again next time
    assert len(env.messages()) == 1


def test_the_loop_evaluates_until_stopped(env: Env) -> None:
    env.put_alarm()
    env.put_cpu((NOW - minutes(8), 91.0), (NOW - minutes(3), 92.0))
    evaluated = threading.Event()

    class Recording(AlarmEvaluator):
        def evaluate_once(self, now: dt.datetime | None = None) -> list[Transition]:
            result = super().evaluate_once(now)
            evaluated.set()
            return result

    loop = AlarmLoop(Recording(cloudwatch=env.cloudwatch, sns=env.sns, region="us-east-1"), interval=3600,
                     clock=lambda: NOW)
    loop.start()
    try:
        assert evaluated.wait(30)
    finally:
        loop.stop()
    assert env.state() == ALARM
    assert len(env.messages()) == 1


# --- the decision, on its own ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("values", "treat", "current", "expected"), [
    ([91, 92], "missing", OK, ALARM),
    ([91, 70], "missing", OK, OK),
    ([70, 91], "missing", ALARM, OK),
    ([None, 91], "missing", OK, ALARM),  # fewer values than DatapointsToAlarm, all breaching
    ([None, 70], "missing", ALARM, OK),
    ([None, None], "missing", OK, INSUFFICIENT_DATA),
    ([None, None], "missing", ALARM, INSUFFICIENT_DATA),
    ([None, None], "ignore", ALARM, ALARM),
    ([None, None], "ignore", OK, OK),
    ([None, None], "ignore", INSUFFICIENT_DATA, INSUFFICIENT_DATA),
    ([None, 91], "ignore", OK, ALARM),
    ([None, None], "breaching", OK, ALARM),
    ([None, 70], "breaching", OK, OK),
    ([None, 91], "breaching", OK, ALARM),
    ([None, None], "notBreaching", ALARM, OK),
    ([None, 91], "notBreaching", OK, OK),
    ([80, 80], "missing", OK, OK),  # equal is not greater
])
def test_decide_two_of_two(values: list[float | None], treat: str, current: str, expected: str) -> None:
    assert decide(values, threshold=80, operator="GreaterThanThreshold", datapoints_to_alarm=2,
                  treat_missing=treat, current=current) == expected


@pytest.mark.parametrize(("values", "operator", "to_alarm", "expected"), [
    ([81, 10, 82], "GreaterThanThreshold", 2, ALARM),  # 2 of 3
    ([81, 10, 10], "GreaterThanThreshold", 2, OK),
    ([80, 80, 80], "GreaterThanOrEqualToThreshold", 3, ALARM),
    ([79, 80, 80], "GreaterThanOrEqualToThreshold", 3, OK),
    ([5, 4, 3], "LessThanThreshold", 3, ALARM),
    ([80, 80, 80], "LessThanThreshold", 1, OK),
    ([80, 90, 90], "LessThanOrEqualToThreshold", 1, ALARM),
    ([None, None, 81], "GreaterThanThreshold", 2, ALARM),
    ([None, 10, 81], "GreaterThanThreshold", 2, OK),
])
def test_decide_operators_and_datapoints_to_alarm(values: list[float | None], operator: str, to_alarm: int,
                                                  expected: str) -> None:
    assert decide(values, threshold=80, operator=operator, datapoints_to_alarm=to_alarm, treat_missing="missing",
                  current=OK) == expected


def test_region_names_and_a_long_subject() -> None:
    assert (region_name("eu-central-1"), region_name("cn-north-1")) == ("Europe (Frankfurt)", "China (Beijing)")
    assert region_name("xx-nowhere-9") == "xx-nowhere-9"
    text = subject({"AlarmName": "x" * 200}, "ALARM", "us-east-1")
    assert len(text) == 100 and text.endswith("...")


def test_with_the_sandboxs_fast_metric_queries(env: Env) -> None:
    """The sandbox answers GetMetricData with its own one-pass query; the evaluator reads the same periods."""
    from sandbox.metrics import install_fast_metric_queries

    undo = install_fast_metric_queries()
    try:
        env.put_alarm()
        env.put_cpu((NOW - minutes(8), 91.0), (NOW - minutes(3), 88.5))
        [transition] = env.evaluator.evaluate_once(NOW)
        env.put_cpu((NOW + minutes(2), 20.0), (NOW + minutes(7), 25.0))
        [back] = env.evaluator.evaluate_once(NOW + minutes(10))
    finally:
        undo()
    assert (transition.new_state, back.new_state) == (ALARM, OK)
    assert "[88.5 (02/12/26 06:10:00), 91.0 (02/12/26 06:05:00)]" in transition.reason
    assert len(env.messages()) == 2


def test_start_alarm_evaluator_on_the_sandbox_endpoint(env: Env, moto_endpoint: str) -> None:
    env.put_alarm()
    env.put_cpu((dt.datetime.now(dt.UTC) - minutes(1), 99.0))  # all the data there is, and it breaches
    loop = start_alarm_evaluator(moto_endpoint, "us-east-1", interval=3600)
    try:
        envelopes: list[dict[str, Any]] = []
        for _ in range(30):  # the first evaluation runs at start; the queue's long poll waits for it
            response = env.sqs.receive_message(QueueUrl=env.queue, WaitTimeSeconds=1)
            envelopes += [json.loads(m["Body"]) for m in response.get("Messages", [])]
            if envelopes:
                break
    finally:
        loop.stop()
    assert [json.loads(e["Message"])["NewStateValue"] for e in envelopes] == ["ALARM"]
    assert env.evaluator.region == "us-east-1"  # taken from the client when not given
