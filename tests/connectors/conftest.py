"""Fixtures for connector tests: protocol fakes on free loopback ports, a scripted bot, and a Sanic server
with the connectors registered the way ``rasa run`` registers them."""
from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from connectors.core.inbox import Inbox
from connectors.discord import DiscordInput
from connectors.discord.settings import DiscordSettings
from connectors.slack import SlackInput
from connectors.slack.settings import SlackSettings
from tests.connectors.harness import SIGNING_SECRET, Agent, DiscordHarness, SlackHarness
from tests.fakes.discord_fake import FakeDiscord
from tests.fakes.images import tiny_png
from tests.fakes.rasa_stub import rasa_server
from tests.fakes.slack_fake import FakeSlack


@pytest.fixture
def media_dir(tmp_path: Path) -> Path:
    """The media folder the connectors read, holding chart.png (a real 1x1 PNG)."""
    folder = tmp_path / "media"
    folder.mkdir()
    (folder / "chart.png").write_bytes(tiny_png(1, 1))
    return folder


@pytest.fixture
def inbox(tmp_path: Path) -> Inbox:
    return Inbox(root=tmp_path / "inbox", max_bytes=1024 * 1024)


@pytest.fixture
def agent() -> Agent:
    return Agent()


@pytest.fixture
async def discord_fake() -> AsyncIterator[FakeDiscord]:
    fake = await FakeDiscord().start()
    yield fake
    await fake.close()


@pytest.fixture
def discord_settings(discord_fake: FakeDiscord, inbox: Inbox, media_dir: Path) -> DiscordSettings:
    return DiscordSettings(
        token="discord-test-token",
        api_base_url=discord_fake.api_base_url,
        gateway_url=discord_fake.gateway_url,
        inbox=inbox,
        media_dir=media_dir,
        guild_ready_timeout=0.05,
    )


@pytest.fixture
async def discord(
    discord_fake: FakeDiscord, discord_settings: DiscordSettings, agent: Agent
) -> AsyncIterator[DiscordHarness]:
    channel = DiscordInput(discord_settings)
    async with rasa_server([channel], agent) as server:
        assert channel.gateway is not None
        await channel.gateway.wait_until_ready(timeout=10)
        yield DiscordHarness(discord_fake, channel, server)


# --- Slack ---



@pytest.fixture
async def slack_fake() -> AsyncIterator[FakeSlack]:
    fake = await FakeSlack().start()
    yield fake
    await fake.close()


@pytest.fixture
def slack_settings(slack_fake: FakeSlack, inbox: Inbox, media_dir: Path) -> SlackSettings:
    return SlackSettings(
        bot_token="xoxb-test-bot-token",
        app_token="xapp-test-app-token",
        signing_secret=SIGNING_SECRET,
        api_base_url=slack_fake.api_base_url,
        inbox=inbox,
        media_dir=media_dir,
    )


@pytest.fixture
async def slack(
    slack_fake: FakeSlack, slack_settings: SlackSettings, agent: Agent
) -> AsyncIterator[SlackHarness]:
    channel = SlackInput(slack_settings)
    async with rasa_server([channel], agent) as server:
        await slack_fake.wait_socket()
        yield SlackHarness(slack_fake, channel, server)
