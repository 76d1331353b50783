"""End-to-end alarms through the REST channel: "alert me when web-2 cpu goes over 80% for 10 minutes" asks, "yes"
creates the alarm with the alarms topic as its action, the documented push (``sandbox.push_metric``) makes the
sandbox's own evaluator fire it, and "any alarms firing?" shows it in ALARM."""
from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from launcher.stack import Stack
from sandbox.push_metric import main as push_metric
from tests.e2e.assistant import Conversation

pytestmark = pytest.mark.e2e

ALARM_NAME = "web-2-cpu-above-80"
WHERE = ("Alerts reach the chat channels subscribed to alarm alerts - say \"send alarm alerts here\" in a channel to "
         "get them there.")


def client(stack: Stack, service: str) -> Any:
    return boto3.client(service, endpoint_url=stack.aws_endpoint, region_name="us-east-1",
                        aws_access_key_id="x", aws_secret_access_key="x")


@pytest.fixture(autouse=True)
def no_alarm_left(stack: Stack) -> Iterator[None]:
    yield
    client(stack, "cloudwatch").delete_alarms(AlarmNames=[ALARM_NAME])


def alarm_state(stack: Stack) -> str:
    found = client(stack, "cloudwatch").describe_alarms(AlarmNames=[ALARM_NAME])["MetricAlarms"]
    return str(found[0]["StateValue"]) if found else "missing"


def test_an_alarm_created_in_chat_fires_after_the_push(chat: Conversation, stack: Stack) -> None:
    [question] = chat.say("alert me when web-2 cpu goes over 80% for 10 minutes")
    assert question["text"] == (
        "Create the CloudWatch alarm \"web-2-cpu-above-80\"? It fires when web-2's average CPU is above 80% for 10 "
        "minutes (2 checks of 5 minutes), and notifies the cloudbutler-alarms topic when it fires and when it is OK "
        "again. " + WHERE)
    assert [b["title"] for b in question["buttons"]] == ["Create alarm", "No, cancel"]
    assert chat.say_text("yes") == (
        "Created the alarm \"web-2-cpu-above-80\": it fires when web-2's average CPU is above 80% for 10 minutes (2 "
        "checks of 5 minutes). It has no data yet and is checked as datapoints arrive. " + WHERE)
    [alarm] = client(stack, "cloudwatch").describe_alarms(AlarmNames=[ALARM_NAME])["MetricAlarms"]
    topic = client(stack, "sns").create_topic(Name="cloudbutler-alarms")["TopicArn"]
    assert (alarm["AlarmActions"], alarm["OKActions"]) == ([topic], [topic])

    listed = chat.say_text("which alarms do we have")
    assert f"- {ALARM_NAME}: " in listed and "CPUUtilization > 80 for 2 x 5 min on web-2" in listed

    assert push_metric(["web-2", "cpu", "95"], {"AWS_ENDPOINT_URL": str(stack.aws_endpoint)}) == 0
    deadline = time.monotonic() + 150  # the sandbox evaluates every minute
    while alarm_state(stack) != "ALARM" and time.monotonic() < deadline:
        time.sleep(1)
    assert alarm_state(stack) == "ALARM"
    firing = chat.say_text("any alarms firing?")
    # other tests of the session may have alarms of their own: this one is listed among those in ALARM, first
    assert " in ALARM (red)" in firing.splitlines()[0]
    assert f"\n- {ALARM_NAME}: ALARM (red) since " in firing
    assert "Threshold Crossed: 2 out of the last 2 datapoints [95.0 (" in firing
