"""sandbox.push_metric: the one-liner that makes an alarm created from chat fire in the sandbox. Its values win over
the CPU ticker's ordinary points and over an earlier push, exactly; in a running Sandbox an alarm on web-2 cpu > 80
goes to ALARM and its message reaches a queue subscribed to the alarms topic."""
from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

import pytest

from actions.aws.alarms import AlarmSpec, create_alarm
from actions.aws.clients import ClientFactory
from sandbox.alarms import ALARM, OK, AlarmEvaluator
from sandbox.metrics import CPU_STEP, floor_to_step, install_fast_metric_queries
from sandbox.push_metric import STEP_SECONDS, main, moments, parse_value, push
from sandbox.seed import sandbox_clients
from sandbox.server import Sandbox
from tests.actions.aws.test_instances import launch


class Env:
    def __init__(self, aws: ClientFactory) -> None:
        self.cloudwatch = aws.client("cloudwatch")
        self.ec2 = aws.client("ec2")
        self.sns = aws.client("sns")
        self.web2 = launch(self.ec2, "web-2")
        self.evaluator = AlarmEvaluator(cloudwatch=self.cloudwatch, sns=self.sns)

    def alarm(self, **overrides: Any) -> str:
        values: dict[str, Any] = {"instance_id": self.web2, "instance_name": "web-2", "metric": "cpu",
                                  "direction": "above", "threshold": 80.0, "period": 300, "periods": 2}
        values.update(overrides)
        return create_alarm(self.cloudwatch, self.sns, AlarmSpec(**values)).name

    def ticker_points(self, now: dt.datetime, value: float, hours: int = 1) -> None:
        """What the sandbox's CPU ticker leaves: one ordinary point every five minutes."""
        last = floor_to_step(now)
        self.cloudwatch.put_metric_data(Namespace="AWS/EC2", MetricData=[
            {"MetricName": "CPUUtilization", "Dimensions": [{"Name": "InstanceId", "Value": self.web2}],
             "Timestamp": last - CPU_STEP * i, "Value": value, "Unit": "Percent"} for i in range(hours * 12)])


@pytest.fixture
def env(aws: ClientFactory) -> Env:
    return Env(aws)


@pytest.fixture(params=["moto's own queries", "the sandbox's fast queries"])
def queries(request: pytest.FixtureRequest) -> Any:
    undo = install_fast_metric_queries() if request.param != "moto's own queries" else (lambda: None)
    yield request.param
    undo()


def test_the_pushed_value_wins_over_the_tickers_points_exactly(env: Env, queries: str) -> None:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    env.ticker_points(now, 30.0)
    name = env.alarm()
    pushed = push(env.cloudwatch, env.ec2, instance="web-2", metric="cpu", value=95.0, now=now)
    assert (pushed.instance_id, pushed.metric_name, pushed.points) == (env.web2, "CPUUtilization", 61)
    assert [a.name for a in pushed.alarms] == [name]
    env.ticker_points(now + dt.timedelta(seconds=30), 30.0)  # a tick landing right after the push changes nothing
    for seconds in (1, 30, 59):  # the evaluator's next round, whenever in the minute it runs
        [transition] = env.evaluator.evaluate_once(now + dt.timedelta(seconds=seconds))
        assert transition.new_state == ALARM
        assert "2 out of the last 2 datapoints [95.0 (" in transition.reason and ", 95.0 (" in transition.reason
        env.cloudwatch.set_alarm_state(AlarmName=name, StateValue="OK", StateReason="test: again")

    # a later push over the same minutes wins over the earlier one, exactly, and the alarm goes back to OK
    later = now + dt.timedelta(seconds=40)
    push(env.cloudwatch, env.ec2, instance="web-2", metric="cpu", value=12.0, now=later)
    env.cloudwatch.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="test: firing")
    [transition] = env.evaluator.evaluate_once(later + dt.timedelta(seconds=20))
    assert transition.new_state == OK
    assert "[12.0 (" in transition.reason and "95.0" not in transition.reason


def test_one_minute_checks_and_a_low_value(env: Env, queries: str) -> None:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    env.ticker_points(now, 55.0)
    name = env.alarm(direction="below", threshold=5.0, period=60, periods=10)
    push(env.cloudwatch, env.ec2, instance="web-2", metric="cpu", value=2.0, now=now)
    [transition] = env.evaluator.evaluate_once(now + dt.timedelta(seconds=59))
    assert (transition.alarm_name, transition.new_state) == (name, ALARM)
    assert "10 out of the last 10 datapoints [2.0 (" in transition.reason
    assert transition.reason.count("2.0 (") == 10


def test_moments_every_ten_seconds_and_one_ahead() -> None:
    now = dt.datetime(2026, 12, 2, 12, 0, 0, 500000, tzinfo=dt.UTC)
    stamps = moments(now, 10, interval=60)
    assert len(stamps) == 10 * 60 // STEP_SECONDS + 1
    assert stamps[0] == dt.datetime(2026, 12, 2, 11, 50, 10, tzinfo=dt.UTC)
    assert stamps[-2:] == [dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.UTC), dt.datetime(2026, 12, 2, 12, 1,
                                                                                         tzinfo=dt.UTC)]


def test_values_and_metrics() -> None:
    assert (parse_value("95", "cpu"), parse_value("95%", "cpu"), parse_value("800MB", "network_in"),
            parse_value("1", "status_check")) == (95.0, 95.0, 800 * 1024**2, 1.0)


def test_the_command_line(env: Env, moto_endpoint: str, capsys: pytest.CaptureFixture[str]) -> None:
    env.alarm(periods=6)
    assert main(["web-2", "cpu", "95"], {"AWS_ENDPOINT_URL": moto_endpoint}) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"Pushed CPUUtilization = 95 for web-2 ({env.web2}) at {moto_endpoint}: 60 datapoints "
                             "every 10 s from ")
    assert out[1:] == [
        "Alarms watching it (the sandbox checks them every 60 s):",
        "- web-2-cpu-above-80: CPUUtilization > 80 for 6 x 5 min, now OK",
        "Note: an alarm looks at 30 minutes, more than the 10 pushed; use --minutes 30 so all of its periods see the "
        "value.",
    ]
    assert main(["web-9", "cpu", "95"], {"AWS_ENDPOINT_URL": moto_endpoint}) == 1
    assert capsys.readouterr().err == "push_metric: no instance called 'web-9'; known: web-2\n"
    for argv, error in ((["web-2", "memory", "95"], "unknown metric 'memory': use cpu, network-in, network-out or "
                                                    "status-check"),
                        (["web-2", "cpu", "150"], "CPU is a percentage: '150' is more than 100"),
                        (["web-2", "cpu", "5MB"], "'5MB' is a size, but cpu is not counted in bytes")):
        assert main(argv, {"AWS_ENDPOINT_URL": moto_endpoint}) == 2
        assert capsys.readouterr().err == f"push_metric: {error}\n"


def test_in_a_running_sandbox_the_alarm_fires_into_the_alarms_queue(capsys: pytest.CaptureFixture[str]) -> None:
    with Sandbox(aws_port=0, imds_port=0) as sandbox:
        clients = sandbox_clients(sandbox.aws_endpoint, sandbox.region,
                                  services=("cloudwatch", "ec2", "sns", "sqs"))
        web2 = sandbox.seeded.instance("web-2").instance_id if sandbox.seeded else ""
        topic = clients["sns"].create_topic(Name="cloudbutler-alarms")["TopicArn"]
        queue = clients["sqs"].create_queue(QueueName="cloudbutler-alerts")["QueueUrl"]
        queue_arn = clients["sqs"].get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"]
        clients["sns"].subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
        spec = AlarmSpec(instance_id=web2, instance_name="web-2", metric="cpu", direction="above", threshold=80.0,
                         period=300, periods=2)
        name = create_alarm(clients["cloudwatch"], clients["sns"], spec).name

        assert main(["web-2", "cpu", "95"], {"AWS_ENDPOINT_URL": sandbox.aws_endpoint}) == 0
        assert "- web-2-cpu-above-80: CPUUtilization > 80 for 2 x 5 min" in capsys.readouterr().out
        # the evaluator's next round, now rather than within the minute
        evaluator = AlarmEvaluator(cloudwatch=clients["cloudwatch"], sns=clients["sns"], region=sandbox.region)
        evaluator.evaluate_once()

        states: list[str] = []
        deadline = time.monotonic() + 30
        while "ALARM" not in states and time.monotonic() < deadline:
            response = clients["sqs"].receive_message(QueueUrl=queue, WaitTimeSeconds=1, MaxNumberOfMessages=10)
            for message in response.get("Messages", []):
                body = json.loads(json.loads(message["Body"])["Message"])
                if body["AlarmName"] == name:
                    states.append(body["NewStateValue"])
        assert "ALARM" in states
        [alarm] = clients["cloudwatch"].describe_alarms(AlarmNames=[name])["MetricAlarms"]
        assert alarm["StateValue"] == ALARM
        assert "[95.0 (" in alarm["StateReason"]
