"""The Rasa side without a model: a scripted bot in place of the agent, and a real Sanic server with the
channels registered by Rasa's own ``channel.register`` (so blueprint listeners start/stop the connectors)."""
from __future__ import annotations

import asyncio
import socket
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage, register
from sanic import Sanic

from connectors.vocabulary import FieldsBlock, TableBlock

MEDIA_URL = "http://localhost:5005/webhooks/webchat/media/{name}"
LONG_LINE = "0123456789 abcdefghij klmnopqrst uvwxyz ABCDEFGHIJ KLMNOPQRST UVWXYZ !@#$%^&*()_+-=[]{}"

FIELDS: FieldsBlock = {
    "title": "Server i-0abc",
    "items": [
        {"label": "Region", "value": "eu-central-1"},
        {"label": "Zone", "value": "eu-central-1a"},
        {"label": "IP", "value": "10.0.0.12"},
        {"label": "CPU", "value": "12.5 %"},
    ],
}
TABLE: TableBlock = {
    "title": "Buckets", "columns": ["Name", "Size"], "rows": [["logs", "1.2 GB"], ["reports", "34 MB"]]
}


# Replies that carry the rest of the vocabulary: a destructive yes, a labelled link, progress, a table with totals.
DANGER_REPLY: dict[str, Any] = {"text": "Delete bucket old-logs? This cannot be undone.", "buttons": [
    {"title": "Yes, delete old-logs", "payload": "/affirm", "style": "danger"}, {"title": "No, cancel", "payload": "/deny"}]}
PRESIGNED = "https://old-logs.s3.amazonaws.com/report.pdf?X-Amz-Expires=3600&X-Amz-Signature=abc123"
LINK_REPLY: dict[str, Any] = {"text": f"Saved report.pdf. Link: {PRESIGNED}",
                              "custom": {"links": [{"url": PRESIGNED, "label": "Download (expires in 1 h)"}]}}
PROGRESS_REPLY: dict[str, Any] = {"text": "Uploading to old-logs: 4 of 10 files done.",
                                  "custom": {"progress": {"done": 4, "total": 10, "unit": "files"}}}
USAGE_TABLE: TableBlock = {"title": "Usage of logs", "columns": ["Class", "Objects", "Size"],
                           "rows": [["STANDARD", "3", "1.2 GB"], ["GLACIER", "1", "20 GB"]],
                           "totals": ["Total", "4", "21.2 GB"]}
USAGE_REPLY: dict[str, Any] = {
    "text": "Usage of logs:\n- STANDARD: 1.2 GB in 3 objects\n- GLACIER: 20 GB in 1 objects\n"
            "Total: 21.2 GB in 4 objects\nSizes from CloudWatch, as of yesterday.",
    "custom": {"table": USAGE_TABLE},
}


def script(text: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
    """What the bot answers; messages use only our response vocabulary."""
    lowered = text.lower()
    if lowered.startswith("hello"):
        return [{"text": "hello"}]
    if "server status" in lowered:
        return [{"text": "Region: eu-central-1, CPU 12.5 %", "custom": {"fields": FIELDS}}]
    if lowered.startswith("create bucket"):
        return [{"text": "Create bucket demo?", "buttons": [
            {"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]}]
    if text == "/affirm":
        return [{"text": "Bucket demo created."}]
    if text == "/deny":
        return [{"text": "Cancelled."}]
    if "chart" in lowered:
        return [{"text": "Bucket size over time", "image": MEDIA_URL.format(name="chart.png")}]
    if "long" in lowered:
        return [{"text": "\n".join(f"{i:03d} {LONG_LINE}" for i in range(60))}]
    if lowered.startswith("delete bucket"):
        return [DANGER_REPLY]
    if "download" in lowered:
        return [LINK_REPLY]
    if "progress" in lowered:
        return [PROGRESS_REPLY]
    if "usage" in lowered:
        return [USAGE_REPLY]
    if "table" in lowered:
        return [{"custom": {"table": TABLE}}]
    if "upload" in lowered:
        names = ", ".join(a["name"] for a in metadata.get("attachments") or [])
        return [{"text": f"received: {names}"}]
    if "slow" in lowered:
        return [{"text": "done slowly"}]
    return [{"text": f"echo: {text}"}]


@dataclass
class ScriptedAgent:
    """Stands in for ``app.ctx.agent``: records each UserMessage and answers through its output channel."""

    delay: float = 0.0
    slow_delay: float = 4.0
    received: list[UserMessage] = field(default_factory=list)
    received_at: list[float] = field(default_factory=list)
    _changed: asyncio.Condition | None = None

    async def handle_message(self, message: UserMessage) -> None:
        self.received.append(message)
        self.received_at.append(time.perf_counter())
        await self._notify()
        text = message.text or ""
        # These sleeps are the behaviour under test - a bot that answers late (e.g. Slack must be acked before a slow
        # action ends) - not a wait for something: tests wait on conditions (wait_received, the fakes' wait_for).
        if "slow" in text.lower():
            await asyncio.sleep(self.slow_delay)
        elif self.delay:
            await asyncio.sleep(self.delay)
        for reply in script(text, message.metadata or {}):
            await message.output_channel.send_response(message.sender_id, dict(reply))
        await self._notify()

    async def _notify(self) -> None:
        if self._changed is None:
            self._changed = asyncio.Condition()
        async with self._changed:
            self._changed.notify_all()

    async def wait_received(self, count: int, timeout: float = 5.0) -> list[UserMessage]:
        if self._changed is None:
            self._changed = asyncio.Condition()
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: len(self.received) >= count), timeout)
        return self.received

    def texts(self) -> list[str | None]:
        return [m.text for m in self.received]


@dataclass
class RunningServer:
    app: Sanic
    url: str


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@asynccontextmanager
async def rasa_server(channels: Sequence[InputChannel], agent: Any) -> AsyncIterator[RunningServer]:
    """A Sanic server on a free port with ``channels`` registered under ``/webhooks/`` the way ``rasa run``
    does it, running the server's start and stop listeners."""
    # Several apps in one process (one per test) need Sanic's test mode: it keeps the original request
    # handler for TouchUp to rewrite per app instead of rewriting the rewritten one.
    Sanic.test_mode = True
    # Like Rasa's own server: Sanic leaves the logging configuration alone.
    app = Sanic(f"cloudbutler-test-{uuid.uuid4().hex[:8]}", configure_logging=False)
    app.config.ACCESS_LOG = False
    app.ctx.agent = agent
    register(list(channels), app, route="/webhooks/")
    sock = free_socket()
    port = sock.getsockname()[1]
    server = await app.create_server(sock=sock, return_asyncio_server=True)
    assert server is not None
    await server.startup()
    await server.before_start()
    await server.after_start()
    try:
        yield RunningServer(app=app, url=f"http://127.0.0.1:{port}")
    finally:
        await server.before_stop()
        await server.close()  # type: ignore[func-returns-value]
        await server.after_stop()
        sock.close()
