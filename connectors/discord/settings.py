"""Discord connector settings, read from the ``connectors.discord.DiscordInput`` section of credentials.yml."""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common import media
from connectors.core.inbox import Inbox
from connectors.core.late import DEFAULT_LAST_SEEN_MAX_ITEMS, DEFAULT_LAST_SEEN_TTL_SECONDS
from connectors.core.settings import id_list, setting

DEFAULT_API_BASE_URL = "https://discord.com/api/v10"
DEFAULT_GATEWAY_URL = "wss://gateway.discord.gg/"


@dataclass(frozen=True, kw_only=True)
class DiscordSettings:
    token: str = field(repr=False)
    api_base_url: str = DEFAULT_API_BASE_URL
    gateway_url: str = DEFAULT_GATEWAY_URL
    # Guild channel (or thread parent) ids the bot answers in; empty = everywhere it is mentioned. DMs always work.
    allowed_channels: frozenset[str] = frozenset()
    inbox: Inbox = field(default_factory=Inbox.from_env)
    media_dir: Path = field(default_factory=media.media_dir)
    # How long discord.py waits for GUILD_CREATEs after READY before on_ready (tests make it small).
    guild_ready_timeout: float = 2.0
    # Buttons nobody clicked are disabled after this many seconds (the view is dropped from memory).
    button_timeout: float = 900.0
    # Where each sender last talked to the bot, for late messages (``get_output_channel``); the count bounds the
    # in-memory default store.
    last_seen_ttl: float = DEFAULT_LAST_SEEN_TTL_SECONDS
    last_seen_max_items: int = DEFAULT_LAST_SEEN_MAX_ITEMS

    @property
    def enabled(self) -> bool:
        return bool(self.token)

    @classmethod
    def from_credentials(
        cls, credentials: Mapping[str, Any] | None, env: Mapping[str, str] = os.environ
    ) -> DiscordSettings:
        return cls(
            token=setting(credentials, "token"),
            api_base_url=setting(credentials, "api_base_url", DEFAULT_API_BASE_URL).rstrip("/"),
            gateway_url=setting(credentials, "gateway_url", DEFAULT_GATEWAY_URL),
            allowed_channels=id_list((credentials or {}).get("allowed_channels")),
            inbox=Inbox.from_env(env),
            media_dir=media.media_dir(env),
        )
