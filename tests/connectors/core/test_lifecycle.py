"""Connectors from credentials.yml as ``rasa run`` reads it: off without tokens (no network at all), and
started/stopped with the Rasa server by the blueprint listeners when configured."""
from __future__ import annotations

import logging
from pathlib import Path

import aiohttp
import pytest
from rasa.core.run import create_http_input_channels

from connectors.discord import DiscordInput
from connectors.slack import SlackInput
from tests.connectors.harness import SIGNING_SECRET, DiscordHarness, SlackHarness
from tests.fakes.discord_fake import FakeDiscord
from tests.fakes.rasa_stub import ScriptedAgent, rasa_server
from tests.fakes.slack_fake import FakeSlack

CREDENTIALS = Path(__file__).parent / "credentials.yml"


def environment(monkeypatch: pytest.MonkeyPatch, discord: FakeDiscord, slack: FakeSlack, **tokens: str) -> None:
    values = {
        "DISCORD_BOT_TOKEN": "", "DISCORD_ALLOWED_CHANNELS": "", "SLACK_BOT_TOKEN": "", "SLACK_APP_TOKEN": "",
        "SLACK_SIGNING_SECRET": "", "SLACK_REPLY_IN_THREAD": "",
        # Pointed at the fakes so that any attempt to connect would show up there.
        "DISCORD_API_BASE_URL": discord.api_base_url, "DISCORD_GATEWAY_URL": discord.gateway_url,
        "SLACK_API_BASE_URL": slack.api_base_url,
    }
    for name, value in {**values, **tokens}.items():
        monkeypatch.setenv(name, value)


async def test_empty_tokens_disable_connectors_without_network(
    monkeypatch: pytest.MonkeyPatch, discord_fake: FakeDiscord, slack_fake: FakeSlack,
    caplog: pytest.LogCaptureFixture,
) -> None:
    environment(monkeypatch, discord_fake, slack_fake)
    caplog.set_level(logging.INFO, logger="connectors")
    channels = create_http_input_channels(None, str(CREDENTIALS))
    assert [c.name() for c in channels] == ["rest", "discord", "slack"]
    async with rasa_server(channels, ScriptedAgent()) as server, aiohttp.ClientSession() as http:
        async with http.get(f"{server.url}/webhooks/discord/") as response:
            assert await response.json() == {"enabled": False, "connected": False}
        async with http.get(f"{server.url}/webhooks/slack/") as response:
            assert await response.json() == {
                "enabled": False, "running": False, "socket_mode": False, "events_api": False}
        async with http.post(f"{server.url}/webhooks/slack/events", json={"type": "url_verification"}) as response:
            assert response.status == 404
    assert discord_fake.requests == [] and discord_fake.identifies == 0
    assert slack_fake.calls == [] and slack_fake.socket_connections == 0
    off = [r.getMessage() for r in caplog.records if r.name.startswith("connectors") and "off" in r.getMessage()]
    assert len(off) == 2


async def test_configured_connectors_start_and_stop_with_the_server(
    monkeypatch: pytest.MonkeyPatch, discord_fake: FakeDiscord, slack_fake: FakeSlack, tmp_path: Path
) -> None:
    environment(
        monkeypatch, discord_fake, slack_fake, DISCORD_BOT_TOKEN="discord-token", SLACK_BOT_TOKEN="xoxb-1",
        SLACK_APP_TOKEN="xapp-1", SLACK_SIGNING_SECRET="secret", DISCORD_ALLOWED_CHANNELS="1, 2",
        SLACK_REPLY_IN_THREAD="false", CLOUDBUTLER_INBOX_DIR=str(tmp_path / "inbox"),
    )
    rest, discord, slack = create_http_input_channels(None, str(CREDENTIALS))
    assert isinstance(discord, DiscordInput) and isinstance(slack, SlackInput)
    assert discord.settings.allowed_channels == {"1", "2"} and discord.settings.inbox.root == tmp_path / "inbox"
    assert slack.settings.reply_in_thread is False and slack.settings.socket_mode and slack.settings.http_events
    assert "discord-token" not in repr(discord.settings) and "xoxb-1" not in repr(slack.settings)
    assert discord_fake.requests == [] and slack_fake.socket_connections == 0  # nothing before the server starts
    async with rasa_server([rest, discord, slack], ScriptedAgent()) as server, aiohttp.ClientSession() as http:
        assert discord.gateway is not None
        client = await discord.gateway.wait_until_ready(timeout=10)
        await slack_fake.wait_socket()
        async with http.get(f"{server.url}/webhooks/discord/") as response:
            assert await response.json() == {"enabled": True, "connected": True}
    assert client.is_closed()
    await discord_fake.wait_for(lambda: not discord_fake.connected)
    await slack_fake.wait_for(lambda: slack_fake._ws is not None and slack_fake._ws.closed)
    assert slack.transport is not None and not slack.transport.running


async def test_secrets_never_reach_the_logs(
    discord: DiscordHarness, slack: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await discord.say("hello")
    await slack.http(slack.mention("hello"))
    await slack.http(slack.mention("hello"), signature="v0=forged")
    await slack.fake.send_envelope("events_api", slack.mention("create bucket demo"))
    await discord.fake.wait_for(lambda: discord.fake.posted())
    await slack.fake.wait_for(lambda: len(slack.fake.called("chat.postMessage")) == 2)
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    assert "discord-test-token" not in logged
    for secret in ("xoxb-test-bot-token", "xapp-test-app-token", SIGNING_SECRET):
        assert secret not in logged
