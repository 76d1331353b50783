"""Discord connector settings, read from the ``connectors.discord.DiscordInput`` section of credentials.yml."""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from connectors.core.settings import ChatSettings, id_list, setting

DEFAULT_API_BASE_URL = "https://discord.com/api/v10"
DEFAULT_GATEWAY_URL = "wss://gateway.discord.gg/"


@dataclass(frozen=True, kw_only=True)
class DiscordSettings(ChatSettings):
    token: str = field(repr=False)
    api_base_url: str = DEFAULT_API_BASE_URL
    gateway_url: str = DEFAULT_GATEWAY_URL
    # Guild channel (or thread parent) ids the bot answers in; empty = everywhere it is mentioned. DMs always work.
    allowed_channels: frozenset[str] = frozenset()
    # How long discord.py waits for GUILD_CREATEs after READY before on_ready (tests make it small).
    guild_ready_timeout: float = 2.0
    # Buttons nobody clicked are disabled after this many seconds (the view is dropped from memory).
    button_timeout: float = 900.0

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
            **cls.files_from(env),
        )
