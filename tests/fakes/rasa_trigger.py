"""Rasa's ``trigger_intent`` API as the alert consumer sees it: a real HTTP server on a free loopback port that
records each post (conversation id, query, body) and answers 503 for the conversations told to fail (a chat platform
that is down makes the connector raise, and Rasa answer 5xx)."""
from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit


@dataclass(frozen=True)
class Trigger:
    sender_id: str
    query: dict[str, str]
    body: dict[str, Any]

    @property
    def message(self) -> dict[str, Any]:
        return dict(self.body["entities"]["message"])


@dataclass
class FakeRasa:
    url: str = ""
    token: str = "rasa-token-for-tests"
    posts: list[Trigger] = field(default_factory=list)  # the ones answered 200
    refused: list[Trigger] = field(default_factory=list)
    failing: set[str] = field(default_factory=set)  # sender ids answered 503
    changed: threading.Condition = field(default_factory=threading.Condition)

    def to(self, sender_id: str) -> list[Trigger]:
        return [post for post in self.posts if post.sender_id == sender_id]

    def wait(self, condition: Any, timeout: float = 20.0) -> None:
        with self.changed:
            if not self.changed.wait_for(condition, timeout):
                raise AssertionError(f"fake Rasa: condition not met within {timeout} s; posts: {self.posts}")


def _handler(fake: FakeRasa) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            segments = parts.path.split("/")
            ok_path = len(segments) == 4 and segments[1] == "conversations" and segments[3] == "trigger_intent"
            sender = unquote(segments[2]) if ok_path else ""
            trigger = Trigger(sender_id=sender, query=query, body=body)
            if not ok_path or query.get("token") != fake.token:
                status = 401 if ok_path else 404
            else:
                status = 503 if sender in fake.failing else 200
            with fake.changed:
                (fake.posts if status == 200 else fake.refused).append(trigger)
                fake.changed.notify_all()
            payload = json.dumps({"tracker": {"sender_id": sender}} if status == 200 else {"error": status}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def fake_rasa() -> Iterator[FakeRasa]:
    fake = FakeRasa()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
