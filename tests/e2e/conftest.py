"""The whole assistant (sandbox + action server + Rasa server) on free loopback ports, once per test session."""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from launcher.config import ROOT
from launcher.stack import Stack, free_port
from tests.connectors.harness import SIGNING_SECRET
from tests.fakes.background import BackgroundLoop
from tests.fakes.discord_fake import FakeDiscord
from tests.fakes.slack_fake import FakeSlack


def newest_model() -> Path:
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        pytest.fail("no trained model in models/ - run `make train` (make test does it)")
    return models[-1]


@pytest.fixture(scope="session")
def fakes_loop() -> Iterator[BackgroundLoop]:
    """The chat platform fakes run on their own loop: the tests and the stack fixture are synchronous."""
    with BackgroundLoop() as loop:
        yield loop


@pytest.fixture(scope="session")
def fake_discord(fakes_loop: BackgroundLoop) -> Iterator[FakeDiscord]:
    fake = fakes_loop.run(FakeDiscord().start())
    yield fake
    fakes_loop.run(fake.close())


@pytest.fixture(scope="session")
def fake_slack(fakes_loop: BackgroundLoop) -> Iterator[FakeSlack]:
    fake = fakes_loop.run(FakeSlack().start())
    yield fake
    fakes_loop.run(fake.close())


@pytest.fixture(scope="session")
def stack(
    tmp_path_factory: pytest.TempPathFactory, fake_discord: FakeDiscord, fake_slack: FakeSlack
) -> Iterator[Stack]:
    work = tmp_path_factory.mktemp("assistant")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DISCORD_", "SLACK_"))}
    env.update(
        CLOUDBUTLER_AUDIT_LOG=str(work / "audit.jsonl"),
        CLOUDBUTLER_UPLOAD_DIR=str(work / "outbox"),
        CLOUDBUTLER_DOWNLOAD_DIR=str(work / "downloads"),
        CLOUDBUTLER_INBOX_DIR=str(work / "inbox"),
        CLOUDBUTLER_MEDIA_DIR=str(work / "media"),
    )
    # Discord and Slack (Socket Mode and the Events API) connect to the fakes; the REST channel stays as it is.
    env.update(fake_discord.env())
    env.update(fake_slack.env(signing_secret=SIGNING_SECRET))
    with Stack(
        env=env,
        rasa_port=free_port(),
        actions_port=free_port(),
        aws_port=0,
        imds_port=0,
        model=newest_model(),
        tracker_db=None,
    ) as running:
        yield running


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


@pytest.fixture
def chat(stack: Stack) -> Conversation:
    return Conversation(stack)


def api(stack: Stack) -> dict[str, str]:
    """Query parameters that authenticate a call to Rasa's HTTP API."""
    return {"token": stack.api_token}
