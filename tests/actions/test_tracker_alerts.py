"""The tracker process delivers alerts: ``python -m actions.tracker`` against the test's moto server and a fake Rasa
over HTTP - an SNS publish reaches the subscribed channel once, rendered as an alert; SIGTERM stops it promptly; a
restart in the middle of a stream of alerts neither loses nor repeats any (a SIGKILL may repeat the one post it
cut short, and loses nothing)."""
from __future__ import annotations

import json
import signal
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from actions.aws.alert_queue import STOCK, AlertQueue, ensure_alert_queue
from actions.aws.alert_subscriptions import AlertSubscriptions
from actions.aws.clients import ClientFactory
from tests.actions.test_tracker import TrackerProcess, _start, processes  # noqa: F401 - the fixture
from tests.fakes.rasa_trigger import FakeRasa, fake_rasa

SLACK = "slack:T0CLOUD01:#C0OPS0001"
DISCORD = "discord:800000000000000001:#700000000000000001"
WEB = "web:local:3f1c0a"


def stock_message(item: str) -> str:
    return json.dumps({"kind": "out_of_stock", "store": "berlin", "item": item, "count": 0, "previous": 3,
                       "at": "2026-12-02T06:02:10Z"})


@pytest.fixture
def rasa() -> Iterator[FakeRasa]:
    with fake_rasa() as fake:
        yield fake


@pytest.fixture
def queue(aws: ClientFactory) -> AlertQueue:
    # Made before the tracker starts (it finds them), so the test can shorten the visibility timeout.
    return ensure_alert_queue(aws.client("sqs"), aws.client("sns"))


@pytest.fixture
def subscriptions(aws: ClientFactory) -> AlertSubscriptions:
    subs = AlertSubscriptions(aws.client("dynamodb"))
    subs.ensure_table()
    return subs


def env_for(rasa: FakeRasa) -> dict[str, str]:
    return {"CLOUDBUTLER_RASA_URL": rasa.url, "RASA_AUTH_TOKEN": rasa.token, "CLOUDBUTLER_INVENTORY_BUCKETS": ""}


def test_an_sns_publish_reaches_the_subscribed_channel_once_and_sigterm_stops_at_once(
        aws: ClientFactory, queue: AlertQueue, subscriptions: AlertSubscriptions, rasa: FakeRasa,
        moto_endpoint: str, tmp_path: Path, processes: list[TrackerProcess]) -> None:  # noqa: F811
    subscriptions.subscribe(SLACK, STOCK, by="slack:T0CLOUD01:U1", platform="slack")
    process = _start(processes, moto_endpoint, tmp_path, env_for(rasa))
    assert f"alerts={queue.queue_url}" in process.lines[-1]
    published = aws.client("sns").publish(TopicArn=queue.topics[STOCK], Message=stock_message("Echo Dot"))
    rasa.wait(lambda: len(rasa.posts) >= 1)
    [post] = rasa.posts
    assert (post.sender_id, post.query["output_channel"]) == (SLACK, "slack")
    assert post.message["text"].startswith("Echo Dot is out of stock in berlin")
    assert post.message["json_message"]["fields"]["colour"] == "red"
    assert post.message["buttons"][-1]["payload"] == f'/acknowledge_alert{{"alert":"{published["MessageId"]}"}}'
    code, took = process.stop()  # while both consumers wait on their queues
    assert code == 0 and took < 7
    assert len(rasa.posts) == 1


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_a_restart_mid_stream_loses_no_alert_and_repeats_none(
        aws: ClientFactory, queue: AlertQueue, subscriptions: AlertSubscriptions, rasa: FakeRasa,
        moto_endpoint: str, tmp_path: Path, processes: list[TrackerProcess], sig: int) -> None:  # noqa: F811
    sqs = aws.client("sqs")
    # A killed consumer's messages come back after the visibility timeout: keep it short here.
    sqs.set_queue_attributes(QueueUrl=queue.queue_url, Attributes={"VisibilityTimeout": "2"})
    recipients = [SLACK, DISCORD, WEB]
    for recipient in recipients:
        subscriptions.subscribe(recipient, STOCK, by="slack:T0CLOUD01:U1", platform=recipient.split(":")[0])
    first = _start(processes, moto_endpoint, tmp_path, env_for(rasa))
    sns = aws.client("sns")
    ids = [sns.publish(TopicArn=queue.topics[STOCK], Message=stock_message(f"item {i}"))["MessageId"]
           for i in range(12)]
    rasa.wait(lambda: len(rasa.posts) >= 8)
    code, _ = first.stop(sig)
    assert code == (0 if sig == signal.SIGTERM else -signal.SIGKILL)
    cut_at = len(rasa.posts)
    _start(processes, moto_endpoint, tmp_path, env_for(rasa))
    wanted = {(r, m) for r in recipients for m in ids}

    def delivered() -> Counter[tuple[str, str]]:
        return Counter((p.sender_id, _alert_id(p.message)) for p in rasa.posts)

    rasa.wait(lambda: set(delivered()) >= wanted, timeout=60)
    assert set(delivered()) == wanted  # nothing lost
    repeated = sum(count - 1 for count in delivered().values())
    if sig == signal.SIGTERM:
        assert repeated == 0
    else:
        assert repeated <= 1  # at most the post the kill cut short before it was recorded
    assert cut_at < len(wanted)  # the restart did happen mid-stream


def _alert_id(message: dict[str, Any]) -> str:
    payload = message["buttons"][-1]["payload"]
    return str(json.loads(payload[payload.index("{"):])["alert"])
