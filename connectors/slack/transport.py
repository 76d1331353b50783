"""Slack transport on the Rasa server's event loop: a Bolt ``AsyncApp`` fed by Socket Mode and/or our own
Sanic route for the Events API. Acks first, processes in a task, and drops Slack's retries and redeliveries."""
from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Coroutine
from typing import Any

import aiohttp
from sanic import response
from sanic.request import Request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from common.store import MemoryStore
from connectors.core.dedup import Deduplicator
from connectors.core.lifecycle import BackgroundTasks
from connectors.slack.render import BUTTON_ACTION
from connectors.slack.settings import SlackSettings
from connectors.slack.translate import MalformedRequest, parse_request, shape_problem

logger = logging.getLogger(__name__)

EventHandler = Callable[[dict[str, Any], str | None], Coroutine[Any, Any, None]]
ActionHandler = Callable[[dict[str, Any]], Coroutine[Any, Any, None]]


def signature_ok(verifier: SignatureVerifier, body: bytes, headers: dict[str, str]) -> bool:
    try:
        return verifier.is_valid_request(body, headers)
    except (ValueError, TypeError):  # a timestamp that is not a number, a body that is not UTF-8
        return False


def well_formed(body: dict[str, Any]) -> bool:
    """Socket Mode payloads skip ``handle_http``: the same shape check, logged and dropped instead of a 400."""
    problem = shape_problem(body)
    if problem:
        logger.warning("slack: dropped a malformed payload (%s)", problem)
    return problem is None


class SlackTransport:
    def __init__(
        self, settings: SlackSettings, *, on_event: EventHandler, on_action: ActionHandler, seen: Deduplicator
    ) -> None:
        self._settings = settings
        self._on_event = on_event
        self._on_action = on_action
        self._verifier = SignatureVerifier(settings.signing_secret) if settings.signing_secret else None
        self._seen = seen
        self._tasks = BackgroundTasks()
        self._session: aiohttp.ClientSession | None = None
        self._client: AsyncWebClient | None = None
        self._app: AsyncApp | None = None
        self._socket: AsyncSocketModeHandler | None = None
        self._connecting: asyncio.Task[None] | None = None

    @property
    def client(self) -> AsyncWebClient:
        if self._client is None:
            raise RuntimeError("the Slack connector is not started")
        return self._client

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise RuntimeError("the Slack connector is not started")
        return self._session

    @property
    def running(self) -> bool:
        return self._app is not None

    @property
    def pending(self) -> int:
        return len(self._tasks)

    async def start(self) -> None:
        # One pooled session for the Web API, file downloads and uploads (a new connection per call is slow).
        self._session = aiohttp.ClientSession()
        self._client = AsyncWebClient(
            token=self._settings.bot_token, base_url=self._settings.api_base_url, session=self._session
        )
        app = AsyncApp(
            name="cloudbutler",
            client=self._client,
            # Our listeners ack and hand the work to a task themselves, so Bolt need not poll for the ack.
            process_before_response=True,
            # HTTP requests are verified by our route before they reach Bolt; Socket Mode needs none.
            request_verification_enabled=False,
        )
        app.event("app_mention")(self._event)
        app.event("message")(self._event)
        app.action(re.compile(rf"^{BUTTON_ACTION}\d+$"))(self._action)
        self._app = app
        if self._settings.socket_mode:
            self._socket = AsyncSocketModeHandler(
                app, self._settings.app_token, ping_interval=self._settings.ping_interval
            )
            # The SDK retries the connection until it succeeds; the server must not wait for Slack.
            self._connecting = asyncio.create_task(self._socket.connect_async(), name="slack-socket-mode")
        logger.info(
            "slack: connector started (socket mode: %s, events API: %s)",
            self._settings.socket_mode,
            self._settings.http_events,
        )

    async def stop(self) -> None:
        if self._connecting is not None:
            self._connecting.cancel()
            await asyncio.gather(self._connecting, return_exceptions=True)
        if self._socket is not None:
            await self._socket.close_async()
        await self._tasks.close()
        if self._session is not None:
            await self._session.close()
        self._app = self._socket = self._client = self._session = self._connecting = None

    async def handle_http(self, request: Request) -> response.HTTPResponse:
        """The Events API / interactivity endpoint: signature first, then Bolt."""
        headers = {key.lower(): value for key, value in request.headers.items()}
        if self._verifier is None or not signature_ok(self._verifier, request.body, headers):
            return response.json({"error": "invalid signature"}, status=401)
        if self._app is None:
            return response.json({"error": "not started"}, status=503)
        raw = request.body.decode("utf-8")
        try:  # Bolt would answer 500 for a body it cannot parse, and our handlers trust the fields they read
            parse_request(raw, headers.get("content-type", ""))
        except MalformedRequest as exc:
            logger.warning("slack: refused a signed but malformed request (%s)", exc)
            return response.text(str(exc), status=400)
        bolt_request = AsyncBoltRequest(body=raw, query=request.query_string, headers=dict(headers))
        bolt_response = await self._app.async_dispatch(bolt_request)
        return response.HTTPResponse(
            body=bolt_response.body,
            status=bolt_response.status,
            headers=bolt_response.first_headers_without_set_cookie(),
        )

    async def _event(self, body: dict[str, Any], context: AsyncBoltContext, ack: AsyncAck) -> None:
        await ack()
        if not well_formed(body):
            return
        # HTTP retries (X-Slack-Retry-Num) and Socket Mode redeliveries carry the same event_id.
        event_id = str(body.get("event_id") or "")
        if event_id and not self._seen.first_time(f"event:{event_id}"):
            logger.info("slack: dropped a redelivered event %s", event_id)
            return
        self._tasks.spawn(self._on_event(body, context.bot_user_id), name=f"slack-event-{event_id}")

    async def _action(self, body: dict[str, Any], ack: AsyncAck) -> None:
        await ack()
        if not well_formed(body):
            return
        trigger = str(body.get("trigger_id") or "")
        if trigger and not self._seen.first_time(f"trigger:{trigger}"):
            return
        self._tasks.spawn(self._on_action(body), name=f"slack-action-{trigger}")


class UserDirectory:
    """Display names by user id (``users.info``), cached; the id stands in when Slack will not say."""

    def __init__(self, transport: SlackTransport, *, ttl: float = 3600.0) -> None:
        self._transport = transport
        self._ttl = ttl
        self._names = MemoryStore(max_items=5000)  # a cache of this process: no need to share it

    async def name_of(self, user_id: str) -> str:
        cached = self._names.get("names", user_id)
        if cached:
            return str(cached)
        try:
            result = await self._transport.client.users_info(user=user_id)
            user = result.get("user") or {}
            profile = user.get("profile") or {}
            name = str(profile.get("display_name") or profile.get("real_name") or user.get("name") or user_id)
        except (TimeoutError, SlackApiError, aiohttp.ClientError) as exc:
            logger.info("slack: no display name for %s (%s)", user_id, type(exc).__name__)
            return user_id
        self._names.put("names", user_id, name, ttl=self._ttl)
        return name
