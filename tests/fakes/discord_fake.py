"""A Discord REST API and gateway on 127.0.0.1 speaking just enough of the protocol for discord.py 2.7:
login, HELLO/IDENTIFY/READY/GUILD_CREATE, heartbeats, dispatches, RESUME after a drop, message posts and
edits, typing, interaction callbacks, and attachment downloads. Everything the bot does is recorded."""
from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

JSON = "application/json"  # discord.py only parses bodies whose Content-Type is exactly this
HELLO, HEARTBEAT, IDENTIFY, RESUME, INVALID_SESSION, HEARTBEAT_ACK, DISPATCH = 10, 1, 2, 6, 9, 11, 0

_ids = itertools.count(1_200_000_000_000_000_000)


# Discord answers every REST call with rate-limit headers; generous ones keep discord.py from pausing.
RATE_LIMIT_HEADERS = {
    "X-RateLimit-Limit": "50", "X-RateLimit-Remaining": "49", "X-RateLimit-Reset-After": "0.1",
    "X-RateLimit-Bucket": "fake-bucket",
}


def _json(data: Any) -> web.Response:
    return web.Response(body=json.dumps(data).encode(), headers={"Content-Type": JSON, **RATE_LIMIT_HEADERS})


def snowflake() -> str:
    return str(next(_ids))


def user_payload(user_id: str, name: str, *, bot: bool = False) -> dict[str, Any]:
    return {
        "id": user_id, "username": name, "global_name": name.title(), "discriminator": "0",
        "avatar": None, "bot": bot, "public_flags": 0,
    }


@dataclass
class Recorded:
    method: str
    path: str
    json: Any = None
    files: dict[str, bytes] = field(default_factory=dict)
    at: float = field(default_factory=time.perf_counter)


class FakeDiscord:
    def __init__(
        self, *, bot_id: str = "900000000000000001", guild_id: str = "800000000000000001",
        channel_ids: tuple[str, ...] = ("700000000000000001", "700000000000000002"),
        heartbeat_interval_ms: int = 41_250,
    ) -> None:
        self.bot_id, self.guild_id, self.channel_ids = bot_id, guild_id, channel_ids
        self.application_id = "910000000000000001"
        self.bot = user_payload(bot_id, "cloudbutler", bot=True)
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.requests: list[Recorded] = []
        self.forbidden_channels: set[str] = set()  # posts there get 403 Missing Access (bot removed, no permission)
        self.deleted_messages: set[str] = set()  # ids of messages someone deleted: edits fail
        self.attachments: dict[str, bytes] = {}
        self.identifies = 0
        self.resumes: list[dict[str, Any]] = []
        self.replayed: list[str] = []  # event names sent again after a RESUME
        self.sessions: set[str] = set()
        self._events: list[dict[str, Any]] = []  # the session's dispatches, by sequence
        self._ws: web.WebSocketResponse | None = None
        self._connected = asyncio.Event()
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- lifecycle ---
    async def start(self) -> FakeDiscord:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/api/v10/users/@me", self._me)
        app.router.add_get("/api/v10/oauth2/applications/@me", self._application)
        app.router.add_post("/api/v10/channels/{channel}/messages", self._create_message)
        app.router.add_patch("/api/v10/channels/{channel}/messages/{message}", self._edit_message)
        app.router.add_post("/api/v10/channels/{channel}/typing", self._typing)
        app.router.add_post("/api/v10/interactions/{interaction}/{token}/callback", self._callback)
        app.router.add_get("/attachments/{name}", self._attachment)
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
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def env(self, *, token: str = "discord-fake-token") -> dict[str, str]:
        """The variables (see credentials.yml) that point the Discord connector of ``rasa run`` at this fake."""
        return {"DISCORD_BOT_TOKEN": token, "DISCORD_API_BASE_URL": self.api_base_url,
                "DISCORD_GATEWAY_URL": self.gateway_url}

    def attachment_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/attachments/{name}"

    # --- what the bot did ---
    def calls(self, method: str, path_part: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and path_part in r.path]

    def posted(self, channel_id: str | None = None) -> list[Recorded]:
        return [
            r for r in self.calls("POST", "/messages")
            if channel_id is None or f"/channels/{channel_id}/" in r.path
        ]

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(predicate), timeout)
        return predicate()

    async def _record(self, entry: Recorded) -> None:
        self.requests.append(entry)
        async with self._changed:
            self._changed.notify_all()

    # --- gateway control for tests ---
    @property
    def connected(self) -> bool:
        return self._ws is not None and not self._ws.closed

    async def wait_connected(self, timeout: float = 5.0) -> None:
        await self.wait_for(lambda: self.connected and self.sessions, timeout)

    async def dispatch(self, event: str, data: dict[str, Any]) -> int:
        """Queue a dispatch in the session; sent now if the bot is connected, else replayed on RESUME."""
        seq = len(self._events) + 1
        frame = {"op": DISPATCH, "t": event, "s": seq, "d": data}
        self._events.append(frame)
        if self.connected:
            assert self._ws is not None
            await self._ws.send_str(json.dumps(frame))
        return seq

    async def drop(self, code: int = 4000) -> None:
        """Close the gateway socket mid-session, as Discord does on a restart (4000 = unknown error)."""
        if self._ws is not None:
            await self._ws.close(code=code)
        await self.wait_for(lambda: not self.connected)

    # --- REST ---
    async def _me(self, request: web.Request) -> web.Response:
        await self._record(Recorded("GET", request.path))
        return _json(self.bot)

    async def _application(self, request: web.Request) -> web.Response:
        await self._record(Recorded("GET", request.path))
        return _json(
            {
                "id": self.application_id, "name": "CloudButler", "description": "", "icon": None,
                "bot_public": False, "bot_require_code_grant": False, "verify_key": "0" * 64, "flags": 0,
                "owner": user_payload("900000000000000099", "owner"), "bot": self.bot,
            }
        )

    async def _body(self, request: web.Request) -> tuple[Any, dict[str, bytes]]:
        if request.content_type.startswith("multipart/"):
            payload: Any = None
            files: dict[str, bytes] = {}
            reader = await request.multipart()
            async for part in reader:
                if part.name == "payload_json":
                    payload = json.loads(await part.text())
                else:
                    files[part.filename or part.name or "file"] = bytes(await part.read())
            return payload, files
        raw = await request.read()
        return (json.loads(raw) if raw else None), {}

    def _message(self, channel_id: str, body: dict[str, Any], files: dict[str, bytes]) -> dict[str, Any]:
        return {
            "id": snowflake(), "channel_id": channel_id, "author": self.bot, "content": body.get("content") or "",
            "timestamp": "2024-05-01T12:00:00.000000+00:00", "edited_timestamp": None, "tts": False,
            "mention_everyone": False, "mentions": [], "mention_roles": [], "pinned": False, "type": 0, "flags": 0,
            "embeds": body.get("embeds") or [], "components": body.get("components") or [],
            "attachments": [
                {"id": snowflake(), "filename": name, "size": len(data), "url": self.attachment_url(name),
                 "proxy_url": self.attachment_url(name)}
                for name, data in files.items()
            ],
        }

    async def _create_message(self, request: web.Request) -> web.Response:
        body, files = await self._body(request)
        if request.match_info["channel"] in self.forbidden_channels:
            await self._record(Recorded("POST", request.path, body, files))
            response = _json({"message": "Missing Access", "code": 50001})
            response.set_status(403)
            return response
        message = self._message(request.match_info["channel"], body or {}, files)
        await self._record(Recorded("POST", request.path, {**(body or {}), "id": message["id"]}, files))
        return _json(message)

    async def _edit_message(self, request: web.Request) -> web.Response:
        body, files = await self._body(request)
        if request.match_info["message"] in self.deleted_messages:
            await self._record(Recorded("PATCH", request.path, body, files))
            response = _json({"message": "Unknown Message", "code": 10008})
            response.set_status(404)
            return response
        message = self._message(request.match_info["channel"], body or {}, files)
        message["id"] = request.match_info["message"]
        await self._record(Recorded("PATCH", request.path, body, files))
        return _json(message)

    async def _typing(self, request: web.Request) -> web.Response:
        await self._record(Recorded("POST", request.path))
        return web.Response(status=204, headers=RATE_LIMIT_HEADERS)

    async def _callback(self, request: web.Request) -> web.Response:
        body, files = await self._body(request)
        await self._record(Recorded("POST", request.path, body, files))
        return _json(
            {"interaction": {"id": request.match_info["interaction"], "type": 3}}
        )

    async def _attachment(self, request: web.Request) -> web.Response:
        await self._record(Recorded("GET", request.path))
        data = self.attachments.get(request.match_info["name"])
        if data is None:
            return web.Response(status=404)
        return web.Response(body=data, content_type="application/octet-stream")

    # --- gateway ---
    def _ready(self, session_id: str) -> dict[str, Any]:
        return {
            "v": 10, "user": self.bot, "session_id": session_id, "resume_gateway_url": self.gateway_url,
            "guilds": [{"id": self.guild_id, "unavailable": True}], "private_channels": [],
            "application": {"id": self.application_id, "flags": 0}, "shard": [0, 1],
        }

    def _guild(self) -> dict[str, Any]:
        return {
            "id": self.guild_id, "name": "Ops", "owner_id": "900000000000000099", "unavailable": False,
            "member_count": 3, "large": False, "features": [], "emojis": [], "stickers": [], "threads": [],
            "voice_states": [], "presences": [], "joined_at": "2024-01-01T00:00:00.000000+00:00",
            "roles": [{"id": self.guild_id, "name": "@everyone", "permissions": "1071698660929", "position": 0,
                       "color": 0, "hoist": False, "managed": False, "mentionable": False, "flags": 0}],
            "channels": [{"id": cid, "type": 0, "name": f"ops-{i}", "position": i, "permission_overwrites": [],
                          "nsfw": False, "parent_id": None} for i, cid in enumerate(self.channel_ids)],
            "members": [{"user": self.bot, "roles": [], "joined_at": "2024-01-01T00:00:00.000000+00:00",
                         "deaf": False, "mute": False, "flags": 0}],
        }

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_str(json.dumps({"op": HELLO, "d": {"heartbeat_interval": self.heartbeat_interval_ms}}))
        async for frame in ws:
            if frame.type is not WSMsgType.TEXT:
                continue
            message = json.loads(frame.data)
            op = message.get("op")
            if op == HEARTBEAT:
                await ws.send_str(json.dumps({"op": HEARTBEAT_ACK}))
            elif op == IDENTIFY:
                await self._identify(ws)
            elif op == RESUME:
                await self._resume(ws, message["d"])
        async with self._changed:
            self._changed.notify_all()
        return ws

    async def _identify(self, ws: web.WebSocketResponse) -> None:
        self.identifies += 1
        session_id = f"session-{self.identifies}"
        self._events = []
        self._ws = ws  # dispatches flow only after IDENTIFY/RESUME, as on Discord
        ready = await self.dispatch("READY", self._ready(session_id))
        assert ready == 1
        await self.dispatch("GUILD_CREATE", self._guild())
        self.sessions.add(session_id)
        async with self._changed:
            self._changed.notify_all()

    async def _resume(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> None:
        self.resumes.append(data)
        if data.get("session_id") not in self.sessions:
            await ws.send_str(json.dumps({"op": INVALID_SESSION, "d": False}))
            return
        self._ws = ws
        for frame in self._events[int(data.get("seq") or 0):]:
            self.replayed.append(frame["t"])
            await ws.send_str(json.dumps(frame))
        await self.dispatch("RESUMED", {})
        async with self._changed:
            self._changed.notify_all()
