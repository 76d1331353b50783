"""A Slack Web API, file host and Socket Mode server on 127.0.0.1 for slack-sdk/slack-bolt, plus the Slack
side of the Events API (signed HTTP posts to our endpoint). Every API call and Socket Mode ack is recorded."""
from __future__ import annotations

import asyncio
import itertools
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote

import aiohttp
from aiohttp import WSMsgType, web
from slack_sdk.signature import SignatureVerifier

_ts = itertools.count(1)


def next_ts() -> str:
    return f"{1714565000 + next(_ts)}.000100"


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    token: str | None
    response: dict[str, Any] = field(default_factory=dict)
    at: float = field(default_factory=time.perf_counter)


class FakeSlack:
    def __init__(
        self, *, team_id: str = "T0CLOUD01", bot_user_id: str = "U0BUTLER1", bot_id: str = "B0BUTLER1",
        users: dict[str, str] | None = None,
    ) -> None:
        self.team_id, self.bot_user_id, self.bot_id = team_id, bot_user_id, bot_id
        self.users = users or {"U0ALICE01": "Alice", "U0BOB0001": "Bob"}
        self.calls: list[Call] = []
        self.missing_channels: set[str] = set()  # posts there fail with channel_not_found (archived, bot removed)
        self.deleted_messages: set[str] = set()  # ts of messages someone deleted: updating them fails
        self.uploads: dict[str, bytes] = {}  # file id -> bytes sent to the upload URL
        self.files: dict[str, bytes] = {}  # private files users shared, by name
        self.file_downloads: list[str | None] = []  # Authorization header of each download
        self.acks: dict[str, Any] = {}  # envelope id -> ack payload
        self.socket_connections = 0
        self._ws: web.WebSocketResponse | None = None
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def start(self) -> FakeSlack:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)  # e.g. users.info
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/files-pri/{name}", self._file)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def env(self, *, signing_secret: str = "", bot_token: str = "xoxb-fake", app_token: str = "xapp-fake") -> dict[str, str]:
        """The variables (see credentials.yml) that point the Slack connector of ``rasa run`` at this fake: Socket
        Mode with ``app_token``, the Events API with ``signing_secret`` (empty turns either off)."""
        return {"SLACK_BOT_TOKEN": bot_token, "SLACK_APP_TOKEN": app_token, "SLACK_SIGNING_SECRET": signing_secret,
                "SLACK_API_BASE_URL": self.api_base_url}

    def file_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/files-pri/{name}"

    # --- what the bot did ---
    def called(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(predicate), timeout)
        return predicate()

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # --- Web API ---
    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args: dict[str, Any] = dict(request.query)  # the async client sends some arguments in the query
        if request.content_type == "application/json":
            args.update(await request.json())
        elif request.can_read_body:
            args.update(parse_qsl((await request.read()).decode()))
        for key in ("blocks", "files"):
            if isinstance(args.get(key), str):
                args[key] = json.loads(args[key])
        token = (request.headers.get("Authorization") or "").removeprefix("Bearer ") or None
        answer = self._answer(method, args)
        self.calls.append(Call(method, args, token, answer))
        await self._notify()
        return web.json_response(answer)

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {"ok": True, "url": "https://cloudops.slack.com/", "team": "CloudOps", "user": "cloudbutler",
                    "team_id": self.team_id, "user_id": self.bot_user_id, "bot_id": self.bot_id,
                    "is_enterprise_install": False}
        if method == "users.info":
            user = str(args.get("user"))
            if user not in self.users:
                return {"ok": False, "error": "user_not_found"}
            return {"ok": True, "user": {"id": user, "name": user.lower(), "team_id": self.team_id,
                                         "profile": {"display_name": self.users[user], "real_name": self.users[user]}}}
        if method in ("chat.postMessage", "chat.update") and args.get("channel") in self.missing_channels:
            return {"ok": False, "error": "channel_not_found"}
        if method == "chat.update" and args.get("ts") in self.deleted_messages:
            return {"ok": False, "error": "message_not_found"}
        if method in ("chat.postMessage", "chat.update"):
            ts = str(args.get("ts") or next_ts())
            return {"ok": True, "channel": args.get("channel"), "ts": ts,
                    "message": {"type": "message", "text": args.get("text"), "user": self.bot_user_id,
                                "bot_id": self.bot_id, "ts": ts, "blocks": args.get("blocks") or []}}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": next_ts()}
        if method == "files.getUploadURLExternal":
            file_id = f"F{uuid.uuid4().hex[:10].upper()}"
            return {"ok": True, "upload_url": f"http://127.0.0.1:{self.port}/upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in args.get("files", [])]}
        if method == "apps.connections.open":
            return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket?ticket={uuid.uuid4()}"}
        return {"ok": False, "error": "unknown_method"}

    async def _upload(self, request: web.Request) -> web.Response:
        self.uploads[request.match_info["file_id"]] = await request.read()
        await self._notify()
        return web.Response(text="OK - 200")

    async def _file(self, request: web.Request) -> web.Response:
        self.file_downloads.append(request.headers.get("Authorization"))
        data = self.files.get(request.match_info["name"])
        if data is None:
            return web.Response(status=404)
        return web.Response(body=data, content_type="application/octet-stream")

    # --- Socket Mode ---
    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._ws = ws
        self.socket_connections += 1
        await ws.send_str(json.dumps({"type": "hello", "num_connections": 1,
                                      "debug_info": {"host": "fake-slack", "approximate_connection_time": 18060},
                                      "connection_info": {"app_id": "A0CLOUDBT"}}))
        await self._notify()
        async for frame in ws:
            if frame.type is WSMsgType.TEXT:
                ack = json.loads(frame.data)
                self.acks[ack["envelope_id"]] = ack.get("payload")
                await self._notify()
        return ws

    async def close_socket(self) -> None:
        """End the Socket Mode connection from Slack's side (as on a Slack deploy); the SDK reconnects."""
        assert self._ws is not None
        await self._ws.close()

    async def wait_socket(self, timeout: float = 5.0) -> None:
        await self.wait_for(lambda: self._ws is not None and not self._ws.closed, timeout)

    async def send_envelope(
        self, kind: str, payload: dict[str, Any], *, retry_attempt: int = 0, envelope_id: str | None = None
    ) -> str:
        """Deliver an ``events_api`` / ``interactive`` envelope; a redelivery reuses the payload with a new id."""
        assert self._ws is not None, "no Socket Mode connection"
        envelope_id = envelope_id or str(uuid.uuid4())
        await self._ws.send_str(json.dumps({
            "envelope_id": envelope_id, "type": kind, "payload": payload,
            "accepts_response_payload": kind != "events_api",
            "retry_attempt": retry_attempt, "retry_reason": "timeout" if retry_attempt else "",
        }))
        return envelope_id


async def post_event(
    url: str, body: dict[str, Any], *, signing_secret: str, retry_num: int | None = None, form: bool = False,
    timestamp: int | None = None, signature: str | None = None, session: aiohttp.ClientSession | None = None,
) -> tuple[int, str, float]:
    """Slack's side of the Events API / interactivity: a signed POST. Returns status, body, seconds taken."""
    if form:  # interactivity payloads come form-encoded
        raw = quote(json.dumps(body), safe="")
        data, content_type = f"payload={raw}", "application/x-www-form-urlencoded"
    else:
        data, content_type = json.dumps(body), "application/json"
    stamp = str(timestamp if timestamp is not None else int(time.time()))
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature or SignatureVerifier(signing_secret).generate_signature(
            timestamp=stamp, body=data) or "",
    }
    if retry_num is not None:
        headers.update({"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"})
    started = time.perf_counter()
    if session is not None:
        async with session.post(url, data=data.encode(), headers=headers) as response:
            return response.status, await response.text(), time.perf_counter() - started
    async with aiohttp.ClientSession() as own, own.post(url, data=data.encode(), headers=headers) as response:
        return response.status, await response.text(), time.perf_counter() - started
