"""Alerts into chat, the whole way: the real stack (sandbox, tracker, action server, Rasa with the trained model and
the Slack connector talking to the Slack fake). An SNS publish to the sandbox's ``inventory-alerts`` topic reaches a
subscribed Slack channel once; while Slack refuses the channel the alert waits and comes once Slack takes it again;
a channel subscribed in chat gets the next alert."""
from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
import requests

from actions.alerts.delivery import Deliveries
from actions.aws.alert_subscriptions import AlertSubscriptions
from launcher.stack import Stack
from tests.connectors.harness import SIGNING_SECRET, SlackUsers
from tests.e2e.assistant import api
from tests.fakes.background import BackgroundLoop
from tests.fakes.slack_fake import Call, FakeSlack

pytestmark = pytest.mark.e2e

SLACK_TEAM = "T0CLOUD01"
ALERT_SECONDS = 90.0  # the tracker long-polls; the shared 2-core machine can be slow
RETRY_SECONDS = 60.0  # the first retry comes 5 s after a failure, later ones later


def sandbox_client(stack: Stack, service: str) -> Any:
    return boto3.client(service, endpoint_url=stack.aws_endpoint, region_name="us-east-1",
                        aws_access_key_id="sandbox", aws_secret_access_key="sandbox")


def connector_status(stack: Stack, name: str) -> dict[str, Any]:
    try:
        response = requests.get(f"{stack.rasa_url}/webhooks/{name}/", timeout=5)
        return dict(response.json()) if response.ok else {}
    except (requests.RequestException, ValueError):
        return {}


def wait(loop: BackgroundLoop, fake: FakeSlack, check: Callable[[], Any], timeout: float) -> None:
    loop.run(fake.wait_for(check, timeout), timeout + 5)


def until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.2)


def queue_empty(stack: Stack) -> bool:
    assert stack.alerts_queue_url, "the tracker names the alerts queue in its ready line"
    attributes = sandbox_client(stack, "sqs").get_queue_attributes(
        QueueUrl=stack.alerts_queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    return attributes["ApproximateNumberOfMessages"] == "0" and attributes["ApproximateNumberOfMessagesNotVisible"] == "0"


def publish_out_of_stock(stack: Stack, item: str) -> str:
    sns = sandbox_client(stack, "sns")
    topic = sns.create_topic(Name="inventory-alerts")["TopicArn"]
    message = {"kind": "out_of_stock", "store": "berlin", "item": item, "count": 0, "previous": 4,
               "at": "2026-12-02T12:00:00Z"}
    return str(sns.publish(TopicArn=topic, Message=json.dumps(message))["MessageId"])


def posts_of(fake: FakeSlack, channel: str, item: str, *, ok: bool = True) -> list[Call]:
    return [c for c in fake.called("chat.postMessage") if c.args.get("channel") == channel
            and item in json.dumps(c.args) and bool(c.response.get("ok")) is ok]


@pytest.fixture(scope="module")
def slack_up(stack: Stack, fake_slack: FakeSlack) -> FakeSlack:
    until(lambda: connector_status(stack, "slack").get("running") is True, 60, "the Slack connector")
    return fake_slack


@pytest.fixture
def channel(stack: Stack) -> Iterator[tuple[str, str]]:
    """A Slack channel of its own (other tests' channels get no alerts), subscribed to stock alerts for the test."""
    channel_id = f"C0AL{uuid.uuid4().hex[:6].upper()}"
    recipient = f"slack:{SLACK_TEAM}:#{channel_id}"
    subscriptions = AlertSubscriptions(sandbox_client(stack, "dynamodb"))
    subscriptions.ensure_table()
    subscriptions.subscribe(recipient, "stock", by=f"slack:{SLACK_TEAM}:U0E2E0001", platform="slack")
    yield channel_id, recipient
    subscriptions.unsubscribe(recipient, "stock")


def test_an_sns_publish_reaches_the_subscribed_slack_channel_once(
        stack: Stack, fakes_loop: BackgroundLoop, slack_up: FakeSlack, channel: tuple[str, str]) -> None:
    channel_id, recipient = channel
    item = f"Echo Dot {uuid.uuid4().hex[:6]}"
    message_id = publish_out_of_stock(stack, item)
    wait(fakes_loop, slack_up, lambda: posts_of(slack_up, channel_id, item), ALERT_SECONDS)
    until(lambda: queue_empty(stack), ALERT_SECONDS, "the alert settled")  # deleted: nothing more can come
    [post] = posts_of(slack_up, channel_id, item)
    assert f"{item} is out of stock in berlin" in post.args["text"]
    assert Deliveries(sandbox_client(stack, "dynamodb"), prefix="cloudbutler-").delivered(message_id, recipient)


def test_an_alert_for_a_channel_slack_refuses_comes_once_slack_takes_it(
        stack: Stack, fakes_loop: BackgroundLoop, slack_up: FakeSlack, channel: tuple[str, str]) -> None:
    channel_id, _ = channel
    item = f"Kindle {uuid.uuid4().hex[:6]}"
    slack_up.missing_channels.add(channel_id)  # Slack refuses the channel (the bot was removed, Slack is down)
    try:
        publish_out_of_stock(stack, item)
        wait(fakes_loop, slack_up, lambda: posts_of(slack_up, channel_id, item, ok=False), ALERT_SECONDS)
        assert posts_of(slack_up, channel_id, item) == []
        assert not queue_empty(stack)  # kept for a retry
    finally:
        slack_up.missing_channels.discard(channel_id)  # Slack is back
    wait(fakes_loop, slack_up, lambda: posts_of(slack_up, channel_id, item), RETRY_SECONDS)
    until(lambda: queue_empty(stack), ALERT_SECONDS, "the alert settled")
    assert len(posts_of(slack_up, channel_id, item)) == 1


def test_a_channel_subscribed_in_chat_gets_the_next_alert(
        stack: Stack, fakes_loop: BackgroundLoop, slack_up: FakeSlack) -> None:
    domain = requests.get(f"{stack.rasa_url}/domain", headers={"Accept": "application/json"}, params=api(stack),
                          timeout=10)
    if "action_subscribe_alerts" not in domain.json().get("actions", []):
        pytest.skip("the model in models/ has no action_subscribe_alerts yet")
    fakes_loop.run(slack_up.wait_socket(60), 65)
    users = SlackUsers(slack_up, stack.rasa_url, signing_secret=SIGNING_SECRET)
    channel_id, user = f"C0AL{uuid.uuid4().hex[:6].upper()}", f"U0E2E{uuid.uuid4().hex[:6].upper()}"
    before = len(slack_up.called("chat.postMessage"))
    mention = users.mention("send stock alerts to this channel", user=user)
    mention["event"]["channel"] = channel_id
    envelope = fakes_loop.run(slack_up.send_envelope("events_api", mention))
    wait(fakes_loop, slack_up, lambda: envelope in slack_up.acks, 10)

    def in_channel() -> list[Call]:
        return [c for c in slack_up.called("chat.postMessage")[before:] if c.args.get("channel") == channel_id]

    def question() -> Call | None:
        return next((c for c in in_channel() if any(b.get("type") == "actions" for b in c.args.get("blocks") or [])
                     or any(b.get("type") == "actions" for a in c.args.get("attachments") or []
                            for b in a.get("blocks") or [])), None)

    wait(fakes_loop, slack_up, lambda: in_channel(), ALERT_SECONDS)
    wait(fakes_loop, slack_up, lambda: question() is not None, 10)  # subscribing asks first
    asked = question()
    assert asked is not None, [c.args.get("text") for c in in_channel()]
    click = fakes_loop.run(slack_up.send_envelope("interactive", users.click(asked, 0, user=user)))  # "Yes"
    wait(fakes_loop, slack_up, lambda: click in slack_up.acks, 10)
    recipient = f"slack:{SLACK_TEAM}:#{channel_id}"
    subscriptions = AlertSubscriptions(sandbox_client(stack, "dynamodb"))
    try:
        until(lambda: "stock" in subscriptions.topics_of(recipient), 60,
              f"the subscription stored (said: {[c.args.get('text') for c in in_channel()]})")
        item = f"Fire TV {uuid.uuid4().hex[:6]}"
        publish_out_of_stock(stack, item)
        wait(fakes_loop, slack_up, lambda: posts_of(slack_up, channel_id, item), ALERT_SECONDS)
        until(lambda: queue_empty(stack), ALERT_SECONDS, "the alert settled")
        assert len(posts_of(slack_up, channel_id, item)) == 1
    finally:
        subscriptions.unsubscribe(recipient, "stock")


# --- an alarm, all the way: CloudWatch alarm -> the sandbox's evaluator -> cloudbutler-alarms -> a Discord channel ---

GUILD = "800000000000000001"  # the Discord fake's guild (tests/e2e/test_connectors_e2e.py)
ALARM_SECONDS = 180.0  # the sandbox evaluates its alarms every minute


@pytest.fixture
def status_alarm(stack: Stack) -> Iterator[str]:
    from actions.aws.alarms import AlarmSpec, create_alarm
    from actions.aws.instances import InstanceControl

    instance = InstanceControl(sandbox_client(stack, "ec2")).find("web-1")
    spec = AlarmSpec(instance_id=instance.instance_id, instance_name="web-1", metric="status_check",
                     direction="above", threshold=0, period=60, periods=1)
    created = create_alarm(sandbox_client(stack, "cloudwatch"), sandbox_client(stack, "sns"), spec,
                           created_by="e2e", replace=True)
    yield created.name
    sandbox_client(stack, "cloudwatch").delete_alarms(AlarmNames=[created.name])


def test_a_firing_alarm_reaches_the_subscribed_discord_channel_once(
        stack: Stack, fakes_loop: BackgroundLoop, fake_discord: Any, status_alarm: str) -> None:
    from sandbox.push_metric import main as push_metric
    from tests.fakes.discord_fake import snowflake

    until(lambda: connector_status(stack, "discord").get("connected") is True, 60, "the Discord gateway")
    channel_id = snowflake()
    recipient = f"discord:{GUILD}:#{channel_id}"
    subscriptions = AlertSubscriptions(sandbox_client(stack, "dynamodb"))
    subscriptions.ensure_table()
    subscriptions.subscribe(recipient, "alarms", by=f"discord:{GUILD}:{snowflake()}", platform="discord")
    try:
        assert push_metric(["web-1", "status-check", "1"], {"AWS_ENDPOINT_URL": str(stack.aws_endpoint)}) == 0

        def alarm_posts() -> list[Any]:
            return [p for p in fake_discord.posted(channel_id)
                    if f"{status_alarm} is in ALARM" in json.dumps(p.json)]

        fakes_loop.run(fake_discord.wait_for(lambda: alarm_posts(), ALARM_SECONDS), ALARM_SECONDS + 5)
        until(lambda: queue_empty(stack), ALERT_SECONDS, "the alert settled")
        [post] = alarm_posts()
        from connectors.core.output import COLOUR_HEX

        assert post.json["embeds"][0]["color"] == int(COLOUR_HEX["red"].lstrip("#"), 16)  # ALARM is red
        labels = [b["label"] for row in post.json["components"] for b in row["components"]]
        assert labels == ["Show metric chart", "Acknowledge"]
    finally:
        subscriptions.unsubscribe(recipient, "alarms")
        push_metric(["web-1", "status-check", "0"], {"AWS_ENDPOINT_URL": str(stack.aws_endpoint)})
