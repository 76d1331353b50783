"""Slack connector settings, read from the ``connectors.slack.SlackInput`` section of credentials.yml."""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from connectors.core.settings import ChatSettings, flag, setting

DEFAULT_API_BASE_URL = "https://slack.com/api/"


@dataclass(frozen=True, kw_only=True)
class SlackSettings(ChatSettings):
    bot_token: str = field(repr=False)
    # Socket Mode when set (xapp-...); the HTTP Events API when the signing secret is set. Both may be on.
    app_token: str = field(default="", repr=False)
    signing_secret: str = field(default="", repr=False)
    api_base_url: str = DEFAULT_API_BASE_URL
    reply_in_thread: bool = True
    # Socket Mode ping interval; Slack's SDK reconnects after ~4 missed pongs.
    ping_interval: float = 10.0

    @property
    def socket_mode(self) -> bool:
        return bool(self.bot_token and self.app_token)

    @property
    def http_events(self) -> bool:
        return bool(self.bot_token and self.signing_secret)

    @property
    def enabled(self) -> bool:
        return self.socket_mode or self.http_events

    def token_may_go_to(self, url: str) -> bool:
        """The bot token is only ever sent to Slack's file hosts or the configured API host."""
        host = (urlparse(url).hostname or "").lower()
        return host == "slack.com" or host.endswith(".slack.com") or host == urlparse(self.api_base_url).hostname

    @classmethod
    def from_credentials(
        cls, credentials: Mapping[str, Any] | None, env: Mapping[str, str] = os.environ
    ) -> SlackSettings:
        base = setting(credentials, "api_base_url", DEFAULT_API_BASE_URL)
        return cls(
            bot_token=setting(credentials, "bot_token"),
            app_token=setting(credentials, "app_token"),
            signing_secret=setting(credentials, "signing_secret"),
            api_base_url=base if base.endswith("/") else base + "/",
            reply_in_thread=flag((credentials or {}).get("reply_in_thread"), default=True),
            **cls.files_from(env),
        )
