"""A scripted stand-in for Rasa's agent and a helper that serves the web chat channel on a free port."""
from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, AsyncIterator, Callable, Dict, List

from rasa.core.channels.channel import UserMessage
from rasa.core.run import configure_app
from sanic import Sanic
from sanic.server import AsyncioServer

from connectors import guard
from connectors.webchat import WebChatInput
from tests.fakes.images import tiny_png

CHART_URL = "/webhooks/webchat/media/chart.png"

BUTTONS_REPLY: Dict[str, Any] = {
    "text": "Delete bucket demo?",
    "buttons": [{"title": "Yes, delete", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}],
}
IMAGE_REPLY: Dict[str, Any] = {"text": "Bucket size over time", "image": CHART_URL}
FIELDS_REPLY: Dict[str, Any] = {
    "text": "Server web-1: running in eu-west-1a",
    "custom": {
        "fields": {
            "title": "Server web-1",
            "items": [{"label": "Region", "value": "eu-west-1"}, {"label": "CPU", "value": "12 %"}],
        }
    },
}
TABLE_REPLY: Dict[str, Any] = {
    "text": "2 buckets",
    "custom": {
        "table": {
            "title": "Your buckets",
            "columns": ["Name", "Size"],
            "rows": [["logs", "1.2 GB"], ["photos", "300 MB"]],
        }
    },
}
SLOW_REPLY_SECONDS = 1.0
HOSTILE_TEXT = "<script>window.__pwned = 1</script><img src=x onerror=\"window.__pwned = 2\"> & done"

SCRIPT: Dict[str, List[Dict[str, Any]]] = {
    "show buttons": [BUTTONS_REPLY],
    "show image": [IMAGE_REPLY],
    "show chart": [{"text": "Chart", "image": "/media/chart.png"}],  # the vocabulary's media route
    "show fields": [FIELDS_REPLY],
    "show table": [TABLE_REPLY],
    "show all": [{**BUTTONS_REPLY, **IMAGE_REPLY, "custom": {**FIELDS_REPLY["custom"], **TABLE_REPLY["custom"]}}],
    "be hostile": [{"text": HOSTILE_TEXT}],
    "hostile links": [
        {
            "text": "see https://docs.example.invalid/guide for more",
            "image": "javascript:window.__pwned = 3",
            "attachment": "javascript:window.__pwned = 4",
        }
    ],
    "show attachment": [{"text": "Your file", "attachment": "/webhooks/webchat/media/chart.png"}],
    "/affirm": [{"text": "Deleted."}],
    "/deny": [{"text": "Kept."}],
    "two lines": [{"text": "first line\nsecond line"}, {"text": "another message"}],
}


@dataclass
class ScriptedBot:
    """Plays Rasa's agent for ``register``: records each ``UserMessage`` and answers from ``SCRIPT``
    (anything else is echoed as ``You said: <text>``; ``explode`` raises; ``wait a moment`` answers late)."""

    received: List[UserMessage] = field(default_factory=list)

    async def handle_message(self, message: UserMessage) -> None:
        self.received.append(message)
        if message.text == "explode":
            raise RuntimeError("secret internal detail")
        if message.text == "wait a moment":
            await asyncio.sleep(SLOW_REPLY_SECONDS)
        replies = SCRIPT.get(message.text or "", [{"text": f"You said: {message.text}"}])
        for reply in replies:
            # Rasa's processor hands over extra keys too; the channel must drop them.
            extra = {"timestamp": 1.5, "utter_action": "utter_x", "elements": None, "quick_replies": None}
            await message.output_channel.send_response(message.sender_id, {**extra, **reply})


@dataclass
class WebChatServer:
    url: str  # http://127.0.0.1:PORT/webhooks/webchat/
    bot: ScriptedBot
    inbox: Path
    media: Path
    channel: WebChatInput  # the instance Rasa serves: its get_output_channel() reaches the pages' polls
    http: AsyncioServer
    _sessions: Dict[str, str] = field(default_factory=dict)

    def session(self, name: str) -> str:
        """A session token this server issued, one per ``name`` (what a page gets from ``POST session``)."""
        if name not in self._sessions:
            self._sessions[name] = self.channel.signer.issue()
        return self._sessions[name]

    def sender_id(self, name: str) -> str:
        """The conversation id of ``name``'s session: ``web:local:<session id>``."""
        return "web:local:" + self.session(name).split(".", 1)[0]


async def eventually(check: Callable[[], bool], *, timeout: float = 5.0) -> None:
    """Wait until ``check()`` is true (e.g. a page's poll is waiting on the server); fails after ``timeout``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        assert loop.time() < deadline, "timed out waiting for a condition"
        await asyncio.sleep(0.01)


async def serve_webchat(
    tmp_path: Path, *, upload_max_mb: float = 1.0, channel: WebChatInput | None = None
) -> AsyncIterator[WebChatServer]:
    """Rasa's own ``configure_app`` mounts the channel on a Sanic app listening on a free loopback port.
    Without ``channel``, inbox and media are ``tmp_path/inbox`` and ``tmp_path/media`` (with chart.png)."""
    bot = ScriptedBot()
    inbox, media = tmp_path / "inbox", tmp_path / "media"
    media.mkdir(exist_ok=True)
    (media / "chart.png").write_bytes(tiny_png())
    # Sanic 21.12 rewrites its protocol methods at each app's startup, and Rasa names every app alike:
    # test mode allows a second app in one process.
    Sanic.test_mode = True
    channel = channel or WebChatInput(inbox_dir=inbox, media_dir=media, upload_max_mb=upload_max_mb)
    # The app `rasa run --enable-api false` builds, with its CORS handling and channel registration.
    app = configure_app([channel], enable_api=False, route="/webhooks/")
    app.ctx.agent = bot
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    guard.install(app, guard.OriginPolicy.from_env({}, host="127.0.0.1", port=port))  # the server's front door
    # Sanic 21.12 starts listening inside create_server; startup() then finalises the routes.
    server = await app.create_server(sock=sock, return_asyncio_server=True, access_log=False)
    assert server is not None
    await server.startup()
    try:
        url = f"http://127.0.0.1:{port}/webhooks/webchat/"
        yield WebChatServer(url=url, bot=bot, inbox=inbox, media=media, channel=channel, http=server)
    finally:
        await server.before_stop()  # as Sanic does when stopping: releases open polls
        await server.close()  # type: ignore[func-returns-value]
        sock.close()
