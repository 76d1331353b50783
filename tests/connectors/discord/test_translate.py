"""Discord events -> Rasa messages (pure parts) and the Discord settings from credentials."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from connectors.discord.settings import DEFAULT_API_BASE_URL as DISCORD_API
from connectors.discord.settings import DEFAULT_GATEWAY_URL, DiscordSettings
from connectors.discord.translate import discord_sender_id, is_allowed_channel, strip_mentions


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("<@42> hello", "hello"),
        ("<@!42>   list   my buckets ", "list my buckets"),
        ("hey <@42>, status", "hey , status"),
        ("<@7> is not me <@42>", "<@7> is not me"),
        ("<@42> line one\n  line two", "line one\nline two"),
        ("<@42>", ""),
    ],
)
def test_discord_strip_mentions(content: str, expected: str) -> None:
    assert strip_mentions(content, 42) == expected


def test_discord_sender_ids() -> None:
    assert discord_sender_id(None, 5) == "discord:dm:5"
    assert discord_sender_id(800, 5) == "discord:800:5"


def test_discord_allow_list_accepts_threads_of_allowed_channels() -> None:
    allowed = frozenset({"10"})
    assert is_allowed_channel(SimpleNamespace(id=10), allowed)
    assert is_allowed_channel(SimpleNamespace(id=99, parent_id=10), allowed)
    assert not is_allowed_channel(SimpleNamespace(id=11, parent_id=None), allowed)
    assert is_allowed_channel(SimpleNamespace(id=11), frozenset())


def test_discord_settings_from_empty_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {"CLOUDBUTLER_MEDIA_DIR": "/srv/media", "CLOUDBUTLER_INBOX_DIR": "/srv/inbox"}
    settings = DiscordSettings.from_credentials(
        {"token": "", "api_base_url": "", "gateway_url": "", "allowed_channels": ""}, env
    )
    assert not settings.enabled
    assert (settings.api_base_url, settings.gateway_url) == (DISCORD_API, DEFAULT_GATEWAY_URL)
    assert settings.allowed_channels == frozenset()
    assert settings.media_dir == Path("/srv/media") and settings.inbox.root == Path("/srv/inbox")
    configured = DiscordSettings.from_credentials({"token": "t", "api_base_url": "http://127.0.0.1:9/api/v10/"}, {})
    assert configured.enabled and configured.api_base_url == "http://127.0.0.1:9/api/v10"
    assert "token='t'" not in repr(configured)
