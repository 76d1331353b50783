"""The tracker process delivers alerts: ``python -m actions.tracker`` against the test's moto server and a fake Rasa
over HTTP - an SNS publish reaches the subscribed channel once, rendered as an alert; SIGTERM stops it promptly; a
restart in the middle of a stream of alerts neither loses nor repeats any (a SIGKILL may repeat the one post it
cut short, and loses nothing)."""
from __future__ import annotations

import json
import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from actions.aws.alert_queue import STOCK, AlertQueue, ensure_alert_queue
from actions.aws.alert_subscriptions import AlertSubscriptions
from actions.aws.clients import ClientFactory
from actions.tracker import Worker, stop_workers
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


def test_the_inventory_consumer_runs_beside_and_sigterm_still_stops_at_once(
        aws: ClientFactory, queue: AlertQueue, rasa: FakeRasa, moto_endpoint: str, tmp_path: Path,
        processes: list[TrackerProcess]) -> None:  # noqa: F811
    aws.client("s3").create_bucket(Bucket="cb-tracker-inventory")
    env = {**env_for(rasa), "CLOUDBUTLER_INVENTORY_BUCKETS": "cb-tracker-inventory"}
    process = _start(processes, moto_endpoint, tmp_path, env)
    ready = process.lines[-1]
    assert f"alerts={queue.queue_url}" in ready and "inventory=http" in ready and ready.endswith("-inventory")
    code, took = process.stop()
    assert code == 0 and took < 7


class Busy:
    """A background consumer that works until told to stop, then takes ``finish`` to end its message."""

    def __init__(self, *, interruptible: bool = False, finish: threading.Event | None = None,
                 fail: bool = False) -> None:
        self.interruptible = interruptible
        self.finish = finish
        self.fail = fail
        self.stopping = threading.Event()
        self.started = threading.Event()

    def run(self) -> None:
        self.started.set()
        if self.fail:
            raise RuntimeError("a bug")
        self.stopping.wait()
        if self.finish is not None:
            self.finish.wait(10)

    def stop(self) -> None:
        self.stopping.set()


def test_a_stop_waits_for_the_message_in_hand_but_not_for_a_queue_wait() -> None:
    finish = threading.Event()
    busy, waiting = Worker("busy", Busy(finish=finish)), Worker("waiting", Busy(interruptible=True, finish=None))
    for worker in (busy, waiting):
        worker.start(lambda w: None)
    stopper = threading.Thread(target=stop_workers, args=([busy, waiting],), kwargs={"grace": 30})
    stopper.start()
    assert busy.consumer.stopping.wait(5)  # type: ignore[attr-defined]
    stopper.join(0.3)
    assert stopper.is_alive()  # still waiting: the busy one has not finished its message
    finish.set()
    stopper.join(10)
    assert not stopper.is_alive() and busy.settled() and waiting.settled()


def test_a_stop_gives_up_after_the_grace_period() -> None:
    stuck = Worker("stuck", Busy(finish=threading.Event()))
    stuck.start(lambda w: None)
    started = time.monotonic()
    stop_workers([stuck], grace=0.5)
    assert 0.4 < time.monotonic() - started < 5 and not stuck.settled()
    assert stuck.consumer.finish is not None  # type: ignore[attr-defined]
    stuck.consumer.finish.set()  # type: ignore[attr-defined]


def test_a_crashed_consumer_is_reported() -> None:
    crashed: list[str] = []
    worker = Worker("broken", Busy(fail=True))
    worker.start(lambda w: crashed.append(w.name))
    assert worker.thread is not None
    worker.thread.join(5)
    assert crashed == ["broken"] and worker.crashed
