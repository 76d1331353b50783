"""The REST channel for scripts, tests and benchmarks: ``POST /webhooks/rest/webhook {"sender", "message"}``.

Unlike Rasa's own, it lives in its own namespace: the sender a client names becomes ``rest:local:<sender>``, so no
REST client can speak as a web chat, Slack or Discord user. Only ``application/json`` is accepted (a page cannot
send that cross-site without a preflight, and the front door refuses foreign Origins anyway), the body and the
message are capped, nothing the client says about itself is taken as metadata, and when the server listens beyond
loopback every request must carry ``Authorization: Bearer $CLOUDBUTLER_REST_TOKEN``.
"""
from __future__ import annotations

import hmac
import json
import os
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors.core.handover import Incoming, answer
from connectors.core.identity import Identity

PLATFORM = "rest"
WORKSPACE = "local"
SENDER_PATTERN = re.compile(r"[A-Za-z0-9_.@-]{1,64}")
# Big enough that a pasted log gets the friendly "too long" reply rather than an HTTP error.
MAX_BODY_BYTES = 1024 * 1024
LOOPBACK = ("127.", "localhost", "::1")

REFUSALS = {
    "unauthorized": "This endpoint needs 'Authorization: Bearer <CLOUDBUTLER_REST_TOKEN>'.",
    "not_configured": "The REST channel is reachable from the network but CLOUDBUTLER_REST_TOKEN is not set.",
    "bad_content_type": "Send the message as application/json.",
    "too_large": f"The request body is larger than {MAX_BODY_BYTES // 1024 // 1024} MB.",
    "bad_json": "The request body must be a JSON object.",
    "bad_sender": "'sender' must be 1-64 characters of A-Z, a-z, 0-9, '_', '.', '@' or '-'.",
    "bad_message": "'message' must be a string.",
    "bot_failed": "The assistant could not answer this message.",
}


class RestRequestError(Exception):
    def __init__(self, code: str, status: int = 400) -> None:
        super().__init__(code)
        self.code = code
        self.status = status


def parse_body(body: bytes) -> tuple[str, str]:
    """``(sender, message)`` of a request body, or RestRequestError saying what is wrong."""
    if len(body) > MAX_BODY_BYTES:
        raise RestRequestError("too_large", 413)
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise RestRequestError("bad_json") from exc
    if not isinstance(payload, dict):
        raise RestRequestError("bad_json")
    sender = payload.get("sender", "default")
    if not isinstance(sender, str) or not SENDER_PATTERN.fullmatch(sender):
        raise RestRequestError("bad_sender")
    message = payload.get("message")
    if not isinstance(message, str):
        raise RestRequestError("bad_message")
    return sender, message


def identity_of(sender: str) -> Identity:
    """A REST client is whoever it says (hence its own namespace); it sends no files, so no attachments."""
    return Identity(platform=PLATFORM, workspace=WORKSPACE, user_id=sender, user_name=sender, channel_id=PLATFORM)


def authorised(headers: Mapping[str, str], token: str, *, loopback: bool) -> str | None:
    """None when the request may pass, else the refusal's code."""
    if not token:
        return None if loopback else "not_configured"
    presented = headers.get("authorization", "")
    scheme, _, value = presented.partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(), token.encode()):
        return None
    return "unauthorized"


class RestInput(InputChannel):
    """``credentials.yml``: ``connectors.rest.RestInput:`` (no settings; the token comes from the environment)."""

    def __init__(self, *, token: str | None = None, host: str | None = None) -> None:
        env = os.environ
        self.token = (token if token is not None else env.get("CLOUDBUTLER_REST_TOKEN", "")).strip()
        bound = host if host is not None else env.get("CLOUDBUTLER_HOST", "127.0.0.1")
        self.loopback = bound.startswith(LOOPBACK)

    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> RestInput:
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("cloudbutler_rest", __name__)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            refusal = authorised(request.headers, self.token, loopback=self.loopback)
            if refusal:
                return _refuse(RestRequestError(refusal, 401))
            if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
                return _refuse(RestRequestError("bad_content_type", 415))
            try:
                sender, text = parse_body(request.body or b"")
            except RestRequestError as exc:
                return _refuse(exc)
            collector = CollectingOutputChannel()
            try:
                await answer(on_new_message, Incoming.of(identity_of(sender), text=text), collector,
                             input_channel=self.name())
            except Exception:  # noqa: BLE001 - logged by Rasa's handler chain; the client gets a sentence
                return _refuse(RestRequestError("bot_failed", 500))
            return response.json(collector.messages)

        return bp


def _refuse(exc: RestRequestError) -> HTTPResponse:
    return response.json({"error": exc.code, "message": REFUSALS[exc.code]}, status=exc.status)
