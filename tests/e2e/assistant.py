"""Talking to the running assistant in end-to-end tests: the newest trained model, one user's conversation over
the REST channel, the query parameters of Rasa's HTTP API, a channel's status, and waiting on a condition."""
from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

from launcher.config import ROOT
from launcher.stack import Stack


def newest_model() -> Path:
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        pytest.fail("no trained model in models/ - run `make train` (make test does it)")
    return models[-1]


class Conversation:
    """One user talking to the assistant over the REST channel. ``name`` is what the client sends; ``sender`` the
    conversation id the channel makes of it (``rest:local:<name>``), as the tracker and the audit log know it."""

    def __init__(self, stack: Stack, name: str | None = None) -> None:
        self.url = f"{stack.rasa_url}/webhooks/rest/webhook"
        self.name = name or f"test-{uuid.uuid4().hex[:8]}"
        self.sender = f"rest:local:{self.name}"

    def say(self, text: str) -> list[dict[str, Any]]:
        response = requests.post(self.url, json={"sender": self.name, "message": text}, timeout=60)
        response.raise_for_status()
        replies: list[dict[str, Any]] = response.json()
        return replies

    def say_text(self, text: str) -> str:
        return "\n".join(r.get("text", "") for r in self.say(text) if r.get("text"))


def api(stack: Stack) -> dict[str, str]:
    """Query parameters that authenticate a call to Rasa's HTTP API."""
    return {"token": stack.api_token}


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    """Wait until ``check()`` holds, failing the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.2)


def connector_status(stack: Stack, name: str) -> dict[str, Any]:
    """What a channel's status route says (``{}`` while it does not answer)."""
    try:
        response = requests.get(f"{stack.rasa_url}/webhooks/{name}/", timeout=5)
        return dict(response.json()) if response.ok else {}
    except (requests.RequestException, ValueError):
        return {}
