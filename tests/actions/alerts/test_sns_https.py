"""``POST /sns`` on the action server (a real Sanic server in process, the test's moto server behind it): SNS
deliveries signed with our own key and certificate (served by the injected fetcher, as in test_sns_verify) are
confirmed or queued; anything tampered, from a foreign certificate host, too old, of a topic not allowed, or sent by
a browser is answered 403 and leaves the queue empty and SNS unasked."""
from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from sanic import Sanic

from actions.alerts.delivery import AlertConsumer, Deliveries, RasaChannelPoster
from actions.alerts.https import PATH, SnsHttpsEndpoint, enabled, from_env
from actions.aws.alert_queue import STOCK, ensure_alert_queue
from actions.aws.alert_subscriptions import AlertSubscriptions
from actions.aws.clients import ClientFactory
from actions.endpoint import TOKEN_HEADER, create_app
from launcher.config import ROOT
from launcher.stack import free_port
from tests.actions.alerts.test_sns_verify import NOW, STOCK_TOPIC, Fetcher, make_certificate, recorded, sign
from tests.actions.sizes import receive_all
from tests.fakes.rasa_stub import free_socket
from tests.fakes.rasa_trigger import fake_rasa

TOKEN = "t0ken-" + "x" * 26
TEXT = {"Content-Type": "text/plain; charset=UTF-8"}  # what SNS sends
CONFIRMED = (b"<ConfirmSubscriptionResponse><ConfirmSubscriptionResult><SubscriptionArn>"
             b"arn:aws:sns:us-east-1:123456789012:inventory-alerts:2bcfbf39</SubscriptionArn>"
             b"</ConfirmSubscriptionResult></ConfirmSubscriptionResponse>")


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def pem(key: rsa.RSAPrivateKey) -> bytes:
    return make_certificate(key, not_before=NOW - dt.timedelta(days=30), not_after=NOW + dt.timedelta(days=365))


class Getter:
    """SNS's SubscribeURL, answered with a confirmation; records what was asked."""

    def __init__(self) -> None:
        self.urls: list[str] = []

    def __call__(self, url: str) -> bytes:
        self.urls.append(url)
        return CONFIRMED


@dataclass
class Sns:
    url: str
    fetcher: Fetcher
    getter: Getter
    queue_url: str
    aws: ClientFactory

    async def post(self, body: Any, headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
        data = body if isinstance(body, (str, bytes)) else json.dumps(body)
        async with aiohttp.ClientSession() as session:
            async with session.post(f"{self.url}{PATH}", data=data, headers={**TEXT, **(headers or {})}) as answer:
                return answer.status, await answer.json(content_type=None)

    def queued(self) -> list[dict[str, Any]]:
        return [json.loads(record["body"]) for record in receive_all(self.aws.client("sqs"), self.queue_url)]


ENV = {"CLOUDBUTLER_SNS_HTTPS": "1", "CLOUDBUTLER_TABLE_PREFIX": "sh-",
       "CLOUDBUTLER_SNS_TOPIC_ARNS": "arn:aws:sns:eu-west-1:123456789012:prod-alarms"}


@pytest.fixture
async def sns(aws: ClientFactory, pem: bytes) -> AsyncIterator[Sns]:
    fetcher, getter = Fetcher(pem), Getter()
    endpoint = from_env(ENV, aws, verifier_options={"fetch_certificate": fetcher, "clock": lambda: NOW}, get=getter)
    assert endpoint is not None
    Sanic.test_mode = True  # one app per test in this process
    app = create_app(TOKEN, sns=endpoint)
    sock = free_socket()
    server = await app.create_server(sock=sock, return_asyncio_server=True)
    assert server is not None
    await server.startup()
    await server.after_start()
    queue = ensure_alert_queue(aws.client("sqs"), aws.client("sns"), prefix="sh-")
    try:
        yield Sns(url=f"http://127.0.0.1:{sock.getsockname()[1]}", fetcher=fetcher, getter=getter,
                  queue_url=queue.queue_url, aws=aws)
    finally:
        await server.before_stop()
        await server.close()  # type: ignore[func-returns-value]
        await server.after_stop()
        sock.close()


# --- what SNS sends -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("version", ["1", "2"])
async def test_a_signed_notification_is_queued_as_its_envelope(sns: Sns, key: rsa.RSAPrivateKey,
                                                                version: str) -> None:
    envelope = sign(recorded("sns_stock_notification.json"), key, version)
    status, body = await sns.post(envelope, {"x-amz-sns-message-type": "Notification"})
    assert (status, body) == (200, {"status": "queued"})
    assert sns.queued() == [envelope]  # the same envelope an SQS subscription delivers: one path from here on
    assert sns.getter.urls == []


async def test_a_queued_notification_is_delivered_like_one_from_the_sqs_subscription(
        sns: Sns, key: rsa.RSAPrivateKey) -> None:
    dynamodb = sns.aws.client("dynamodb")
    subscriptions = AlertSubscriptions(dynamodb, "sh-")
    subscriptions.ensure_table()
    subscriptions.subscribe("slack:T1:#C1", STOCK, by="slack:T1:U1", platform="slack")
    deliveries = Deliveries(dynamodb, prefix="sh-")
    deliveries.ensure_table()
    envelope = sign(recorded("sns_stock_notification.json"), key)
    assert (await sns.post(envelope))[0] == 200
    assert (await sns.post(envelope))[0] == 200  # SNS retried: the same MessageId
    with fake_rasa() as rasa:
        consumer = AlertConsumer(sqs=sns.aws.client("sqs"), queue_url=sns.queue_url, dead_letter_url="",
                                 topics={STOCK_TOPIC: STOCK}, subscriptions=subscriptions, deliveries=deliveries,
                                 post=RasaChannelPoster(rasa.url, rasa.token), render=lambda a: {"text": a.title},
                                 wait_seconds=0)
        for _ in range(2):  # the consumer's own thread, as in the tracker
            await asyncio.to_thread(consumer.poll_once)
    assert [(p.sender_id, p.message["text"]) for p in rasa.posts] == [
        ("slack:T1:#C1", "Echo Dot (5th Gen) is out of stock in berlin")]


async def test_a_subscription_confirmation_of_an_allowed_topic_is_confirmed(sns: Sns, key: rsa.RSAPrivateKey) -> None:
    envelope = sign(recorded("sns_subscription_confirmation.json"), key)
    status, body = await sns.post(envelope, {"x-amz-sns-message-type": "SubscriptionConfirmation"})
    assert (status, body) == (200, {"status": "confirmed"})
    assert sns.getter.urls == [envelope["SubscribeURL"]]
    assert sns.queued() == []


async def test_an_unsubscribe_confirmation_is_ignored(sns: Sns, key: rsa.RSAPrivateKey) -> None:
    status, body = await sns.post(sign(recorded("sns_unsubscribe_confirmation.json"), key))
    assert (status, body) == (200, {"status": "ignored"})
    assert sns.getter.urls == [] and sns.queued() == []


async def test_an_extra_allowed_topic_is_queued(sns: Sns, key: rsa.RSAPrivateKey) -> None:
    envelope = recorded("sns_stock_notification.json")
    envelope["TopicArn"] = "arn:aws:sns:eu-west-1:123456789012:prod-alarms"
    envelope["SigningCertURL"] = envelope["SigningCertURL"].replace("us-east-1", "eu-west-1")
    assert (await sns.post(sign(envelope, key)))[0] == 200
    assert [q["TopicArn"] for q in sns.queued()] == [envelope["TopicArn"]]


# --- what must change nothing ---------------------------------------------------------------------------------

def _tampered(envelope: dict[str, Any]) -> dict[str, Any]:
    return {**envelope, "Message": envelope["Message"].replace('"count": 0', '"count": 1')}


def _foreign_cert_host(envelope: dict[str, Any]) -> dict[str, Any]:
    return {**envelope, "SigningCertURL": "https://sns.us-east-1.amazonaws.com.evil.example/cert.pem"}


@pytest.mark.parametrize("change", [
    pytest.param(_tampered, id="tampered-after-signing"),
    pytest.param(_foreign_cert_host, id="wrong-cert-host"),
    pytest.param(lambda e: {**e, "Signature": "bm90IGEgc2lnbmF0dXJl"}, id="bad-signature"),
    pytest.param(lambda e: {k: v for k, v in e.items() if k != "Signature"}, id="unsigned"),
])
async def test_a_delivery_that_fails_verification_is_refused(sns: Sns, key: rsa.RSAPrivateKey, change: Any) -> None:
    status, body = await sns.post(change(sign(recorded("sns_stock_notification.json"), key)))
    assert (status, body) == (403, {"error": "forbidden"})
    assert sns.queued() == [] and sns.getter.urls == []


async def test_a_wrong_cert_host_is_never_fetched(sns: Sns, key: rsa.RSAPrivateKey) -> None:
    envelope = recorded("sns_stock_notification.json")
    envelope["SigningCertURL"] = "https://attacker.example/SimpleNotificationService-1.pem"
    assert (await sns.post(sign(envelope, key)))[0] == 403
    assert sns.fetcher.urls == []


async def test_a_delivery_too_old_is_refused(sns: Sns, key: rsa.RSAPrivateKey) -> None:
    envelope = recorded("sns_stock_notification.json")
    envelope["Timestamp"] = (NOW - dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert (await sns.post(sign(envelope, key)))[0] == 403
    assert sns.queued() == []


async def test_a_topic_not_allowed_is_refused_and_never_confirmed(sns: Sns, key: rsa.RSAPrivateKey) -> None:
    for name in ("sns_stock_notification.json", "sns_subscription_confirmation.json"):
        envelope = recorded(name)
        envelope["TopicArn"] = "arn:aws:sns:us-east-1:123456789012:someone-elses-topic"
        assert (await sns.post(sign(envelope, key)))[0] == 403
    assert sns.queued() == [] and sns.getter.urls == []


async def test_a_browser_request_is_refused_even_when_signed(sns: Sns, key: rsa.RSAPrivateKey) -> None:
    envelope = sign(recorded("sns_stock_notification.json"), key)
    assert (await sns.post(envelope, {"Origin": "https://evil.example"}))[0] == 403
    confirmation = sign(recorded("sns_subscription_confirmation.json"), key)
    assert (await sns.post(confirmation, {"Origin": "null"}))[0] == 403
    assert sns.queued() == [] and sns.getter.urls == []


async def test_a_message_type_header_that_contradicts_the_signed_type_is_refused(
        sns: Sns, key: rsa.RSAPrivateKey) -> None:
    envelope = sign(recorded("sns_subscription_confirmation.json"), key)
    assert (await sns.post(envelope, {"x-amz-sns-message-type": "Notification"}))[0] == 403
    assert sns.getter.urls == []


async def test_the_token_still_guards_everything_else(sns: Sns) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{sns.url}/webhook", data="{}", headers=TEXT) as answer:
            assert answer.status == 401
        async with session.post(f"{sns.url}/webhook", data="{}", headers={**TEXT, TOKEN_HEADER: TOKEN}) as answer:
            assert answer.status == 415  # the action route keeps its JSON-only rule
        async with session.get(f"{sns.url}{PATH}") as answer:  # only POST is open
            assert answer.status == 401


# --- configuration ---------------------------------------------------------------------------------------------

def test_off_unless_switched_on() -> None:
    assert from_env({}) is None and from_env({"CLOUDBUTLER_SNS_HTTPS": "0"}) is None
    assert enabled({"CLOUDBUTLER_SNS_HTTPS": "1"}) and enabled({"CLOUDBUTLER_SNS_HTTPS": "true"})
    with pytest.raises(ValueError, match="CLOUDBUTLER_SNS_TOPIC_ARNS"):
        from_env({"CLOUDBUTLER_SNS_HTTPS": "1", "CLOUDBUTLER_SNS_TOPIC_ARNS": "weather=arn:aws:sns:x"})


def test_aws_unavailable_at_first_is_a_503_and_tried_again(pem: bytes, key: rsa.RSAPrivateKey,
                                                            aws: ClientFactory) -> None:
    from actions.aws.errors import AwsCallFailed

    calls: list[int] = []
    queue = ensure_alert_queue(aws.client("sqs"), aws.client("sns"), prefix="sh-")

    def resolve() -> Any:
        from actions.alerts.https import Target
        from actions.alerts.sns_verify import SnsVerifier

        calls.append(1)
        if len(calls) == 1:
            raise AwsCallFailed("unreachable")
        return Target(verifier=SnsVerifier(allowed_topics=[STOCK_TOPIC], fetch_certificate=Fetcher(pem),
                                           clock=lambda: NOW), sqs=aws.client("sqs"), queue_url=queue.queue_url)

    endpoint = SnsHttpsEndpoint(resolve, get=Getter())
    body = json.dumps(sign(recorded("sns_stock_notification.json"), key)).encode()
    assert endpoint.handle(body, {}).status == 503
    assert endpoint.handle(body, {}).status == 200
    assert endpoint.handle(body, {}).status == 200 and len(calls) == 2  # resolved once it worked


@pytest.fixture
def action_server(moto_endpoint: str) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "CLOUDBUTLER_ACTIONS_TOKEN": TOKEN, "AWS_ENDPOINT_URL": moto_endpoint,
           "CLOUDBUTLER_SNS_HTTPS": "1", "CLOUDBUTLER_TABLE_PREFIX": "sh-process-"}
    process = subprocess.Popen([sys.executable, "-m", "actions.endpoint", "--port", str(port)], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = dt.datetime.now() + dt.timedelta(seconds=60)
        while True:
            try:
                if requests.get(f"{url}/health", timeout=1).ok:
                    break
            except requests.ConnectionError:
                if dt.datetime.now() > deadline or process.poll() is not None:
                    pytest.fail("the action server did not start")
                time.sleep(0.2)  # polling for the port with a deadline
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_the_action_server_process_answers_sns_when_switched_on(action_server: str, key: rsa.RSAPrivateKey) -> None:
    envelope = recorded("sns_stock_notification.json")
    envelope["TopicArn"] = "arn:aws:sns:us-east-1:123456789012:someone-elses-topic"  # refused before any fetch
    answer = requests.post(f"{action_server}{PATH}", data=json.dumps(sign(envelope, key)), headers=TEXT, timeout=30)
    assert (answer.status_code, answer.json()) == (403, {"error": "forbidden"})
    assert requests.post(f"{action_server}/webhook", data="{}", headers=TEXT, timeout=30).status_code == 401


def test_the_action_server_refuses_to_start_with_a_bad_topic_list() -> None:
    env = {**os.environ, "CLOUDBUTLER_ACTIONS_TOKEN": TOKEN, "CLOUDBUTLER_SNS_HTTPS": "1",
           "CLOUDBUTLER_SNS_TOPIC_ARNS": "not-an-arn"}
    result = subprocess.run([sys.executable, "-m", "actions.endpoint", "--port", str(free_port())], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "CLOUDBUTLER_SNS_TOPIC_ARNS" in result.stdout
