"""SNS's HTTPS subscriptions (``POST /sns`` on the action server, behind a TLS reverse proxy): every delivery is
verified (``SnsVerifier``: signature, certificate host, age, topic allow-list) before anything happens. A
SubscriptionConfirmation of an allowed topic is confirmed; a Notification is put into the alerts queue as the same
envelope an SQS subscription would have delivered, so there is one delivery path (and one de-duplication, by
MessageId, across both); an UnsubscribeConfirmation is ignored. Any failed check, and any request a browser sent (an
``Origin`` header), is answered 403 and changes nothing.

Off unless CLOUDBUTLER_SNS_HTTPS=1. The allow-list: our two topics (CLOUDBUTLER_INVENTORY_TOPIC,
CLOUDBUTLER_ALARM_TOPIC) and CLOUDBUTLER_SNS_TOPIC_ARNS.
"""
from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from actions.alerts.delivery import extra_topics
from actions.alerts.sns_verify import (
    NOTIFICATION,
    SUBSCRIPTION_CONFIRMATION,
    ConfirmationFailed,
    HttpGetter,
    SnsVerificationError,
    SnsVerifier,
    VerifiedMessage,
    confirm_subscription,
    https_fetcher,
)
from actions.aws.alert_queue import ensure_alert_queue, topic_names
from actions.aws.errors import BOTO_ERRORS, CloudButlerError
from actions.aws.size_tables import DEFAULT_PREFIX

log = logging.getLogger("actions.alerts.https")

PATH = "/sns"
ENABLE_VARIABLE = "CLOUDBUTLER_SNS_HTTPS"
MAX_BODY_BYTES = 300 * 1024  # SNS messages are at most 256 KB; the envelope adds a little
MESSAGE_TYPE_HEADER = "x-amz-sns-message-type"


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]


FORBIDDEN = Answer(403, {"error": "forbidden"})


@dataclass(frozen=True)
class Target:
    """What a verified delivery needs: the verifier (with the allow-list) and the alerts queue."""

    verifier: SnsVerifier
    sqs: Any
    queue_url: str


class SnsHttpsEndpoint:
    """Handles one SNS delivery (blocking: run it in a thread). ``resolve`` builds the verifier and finds the
    queue; it runs on the first delivery and again after a failure, so an AWS hiccup at start-up disables nothing."""

    def __init__(self, resolve: Callable[[], Target], *, get: HttpGetter | None = None) -> None:
        self.resolve = resolve
        self.get = get or https_fetcher()
        self._target: Target | None = None
        self._lock = threading.Lock()

    def target(self) -> Target:
        with self._lock:
            if self._target is None:
                self._target = self.resolve()
            return self._target

    def handle(self, body: bytes, headers: Mapping[str, str]) -> Answer:
        if headers.get("origin") is not None:
            log.warning("SNS endpoint: a request with an Origin header (a browser) refused")
            return FORBIDDEN
        if len(body) > MAX_BODY_BYTES:
            log.warning("SNS endpoint: a %d-byte body refused", len(body))
            return FORBIDDEN
        try:
            target = self.target()
        except (CloudButlerError, *BOTO_ERRORS) as exc:
            log.error("SNS endpoint: the alerts queue or topics are unavailable (%s)",
                      getattr(exc, "code", type(exc).__name__))
            return Answer(503, {"error": "unavailable"})  # SNS tries again
        try:
            message = target.verifier.verify(body)
        except SnsVerificationError as exc:
            log.warning("SNS endpoint: delivery refused (%s)", exc.code)
            return FORBIDDEN
        said_type = headers.get(MESSAGE_TYPE_HEADER)
        if said_type is not None and said_type != message.type:
            log.warning("SNS endpoint: header says %s, the signed message %s; refused", said_type, message.type)
            return FORBIDDEN
        if message.type == SUBSCRIPTION_CONFIRMATION:
            return self._confirm(message)
        if message.type == NOTIFICATION:
            return self._enqueue(target, message)
        log.info("SNS endpoint: %s for %s ignored", message.type, message.topic_arn)
        return Answer(200, {"status": "ignored"})

    def _confirm(self, message: VerifiedMessage) -> Answer:
        try:
            arn = confirm_subscription(message, self.get)
        except ConfirmationFailed as exc:
            log.warning("SNS endpoint: confirming the subscription to %s failed (%s)", message.topic_arn,
                        exc.details.get("reason"))
            return Answer(502, {"error": "confirmation_failed"})
        except SnsVerificationError as exc:  # a SubscribeURL off SNS's host
            log.warning("SNS endpoint: confirmation refused (%s)", exc.code)
            return FORBIDDEN
        log.info("SNS endpoint: subscribed to %s (%s)", message.topic_arn, arn or "no ARN in the answer")
        return Answer(200, {"status": "confirmed"})

    def _enqueue(self, target: Target, message: VerifiedMessage) -> Answer:
        try:
            target.sqs.send_message(QueueUrl=target.queue_url, MessageBody=json.dumps(dict(message.raw)))
        except BOTO_ERRORS as exc:
            log.error("SNS endpoint: alert %s not queued (%s); SNS will try again", message.message_id,
                      type(exc).__name__)
            return Answer(503, {"error": "unavailable"})
        log.info("SNS endpoint: alert %s from %s queued", message.message_id, message.topic_arn)
        return Answer(200, {"status": "queued"})


def enabled(environ: Mapping[str, str]) -> bool:
    return (environ.get(ENABLE_VARIABLE) or "").strip().lower() in ("1", "true", "yes", "on")


def from_env(environ: Mapping[str, str], factory: Any = None, *, verifier_options: Mapping[str, Any] | None = None,
             get: HttpGetter | None = None) -> SnsHttpsEndpoint | None:
    """The endpoint as the environment configures it; None when CLOUDBUTLER_SNS_HTTPS is not on. Raises ValueError
    for a bad CLOUDBUTLER_SNS_TOPIC_ARNS (at start-up, not on the first delivery)."""
    if not enabled(environ):
        return None
    extra = extra_topics(environ.get("CLOUDBUTLER_SNS_TOPIC_ARNS", ""))

    def resolve() -> Target:
        from actions.aws.clients import AwsSettings, ClientFactory

        clients = factory or ClientFactory(AwsSettings.from_env(environ))
        sqs = clients.client("sqs")
        queue = ensure_alert_queue(sqs, clients.client("sns"),
                                   prefix=environ.get("CLOUDBUTLER_TABLE_PREFIX") or DEFAULT_PREFIX,
                                   names=topic_names(environ))
        allowed = set(queue.topics.values()) | set(extra)
        return Target(verifier=SnsVerifier(allowed_topics=allowed, **dict(verifier_options or {})), sqs=sqs,
                      queue_url=queue.queue_url)

    return SnsHttpsEndpoint(resolve, get=get)
