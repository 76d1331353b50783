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
FALLBACK_REPLY: Dict[str, Any] = {  # what action_help says to a message it did not understand
    "text": "Sorry, I didn't quite get that. Here is what I can do right now:\n"
            "- List your S3 buckets - e.g. \"list my S3 buckets\"\n"
            "- Server status (this host or a named instance) - e.g. \"Tell me about my server!\"\n"
            "Type a request in your own words, e.g. \"list my S3 buckets\".",
    "custom": {"table": {"columns": ["Skill", "Try"], "rows": [
        ["List your S3 buckets", "list my S3 buckets"],
        ["Server status (this host or a named instance)", "Tell me about my server!"],
    ]}},
}
WIDE_TABLE_REPLY: Dict[str, Any] = {
    "text": "media-library-prod holds 1,204 objects (48.2 GB) in 4 storage classes. Versions: 312 older versions "
            "(6.1 GB) are kept because versioning is on; they count towards the size.",
    "custom": {"table": {
        "title": "Usage of media-library-prod by storage class",
        "columns": ["Storage class", "Objects", "Size", "Monthly cost now", "After lifecycle", "Savings per month"],
        "rows": [["STANDARD", "840", "12.4 GB", "$0.29", "$0.29", "$0.00"],
                 ["STANDARD_IA", "220", "20.1 GB", "$0.25", "$0.08", "$0.17"],
                 ["GLACIER_IR", "100", "9.6 GB", "$0.04", "$0.04", "$0.00"],
                 ["DEEP_ARCHIVE", "44", "6.1 GB", "$0.01", "$0.01", "$0.00"]],
        "totals": ["Total", "1,204", "48.2 GB", "$0.59", "$0.42", "$0.17"],
    }},
}
PROGRESS_REPLY: Dict[str, Any] = {
    "text": "Uploading 10 files to my-project-bucket: 3 of 10 done.",
    "custom": {"progress": {"done": 3, "total": 10, "unit": "files"}},
}
DANGER_REPLY: Dict[str, Any] = {
    "text": "Delete bucket old-logs (eu-west-1, 3 objects, 2.1 MB)? This cannot be undone.",
    "buttons": [{"title": "Yes, delete old-logs", "payload": "/affirm", "style": "danger"},
                {"title": "No, cancel", "payload": "/deny"}],
}
PRESIGNED_URL = ("https://my-project-bucket.s3.eu-west-1.amazonaws.com/report.pdf?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                 "&X-Amz-Credential=AKIAEXAMPLE%2F20261201%2Feu-west-1%2Fs3%2Faws4_request&X-Amz-Expires=3600"
                 "&X-Amz-Signature=0123456789abcdef0123456789abcdef")
LINK_REPLY: Dict[str, Any] = {
    "text": f"Saved report.pdf (1.2 MB) to the downloads folder. Link: {PRESIGNED_URL}",
    "custom": {"links": [{"url": PRESIGNED_URL, "label": "Download (expires in 1 h)"},
                         {"url": "javascript:window.__pwned = 6", "label": "<b>click</b>"}]},
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
    "asdfgh": [FALLBACK_REPLY],
    "show usage": [WIDE_TABLE_REPLY],
    "show progress": [PROGRESS_REPLY],
    "show danger": [DANGER_REPLY],
    "show link": [LINK_REPLY],
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
