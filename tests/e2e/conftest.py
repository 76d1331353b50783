"""The whole assistant (sandbox + action server + Rasa server) on free loopback ports, once per test session."""
from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from launcher.stack import Stack, free_port
from tests.connectors.harness import SIGNING_SECRET
from tests.e2e.assistant import Conversation, newest_model
from tests.fakes.background import BackgroundLoop
from tests.fakes.discord_fake import FakeDiscord
from tests.fakes.slack_fake import FakeSlack


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


@pytest.fixture
def chat(stack: Stack) -> Conversation:
    return Conversation(stack)
