"""The discord.py gateway client, run on the Rasa server's event loop: endpoints, login, reconnects, shutdown."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from connectors.discord.settings import DiscordSettings

logger = logging.getLogger(__name__)

MessageHandler = Callable[[discord.Message], Awaitable[None]]
TYPING_REFRESH_SECONDS = 8.0  # Discord shows "typing" for ~10 s per request
MAX_BACKOFF_SECONDS = 60.0


def intents() -> discord.Intents:
    # Mentions and DMs carry their content without the privileged message-content intent.
    return discord.Intents(guilds=True, guild_messages=True, dm_messages=True)


def point_at(settings: DiscordSettings) -> None:
    """Aim discord.py at the configured API and gateway (real Discord, a compatible server, or a test fake).
    discord.py keeps both as class attributes, so this is process-wide."""
    Route.BASE = settings.api_base_url
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)
    # CloudButler has no voice features: skip discord.py's start-up warnings about missing voice libraries.
    discord.VoiceClient.warn_nacl = False
    discord.VoiceClient.warn_dave = False


DynamicItems = tuple[type[discord.ui.DynamicItem[Any]], ...]


class _GatewayClient(discord.Client):
    def __init__(
        self, *, on_message: MessageHandler, guild_ready_timeout: float, dynamic_items: DynamicItems = ()
    ) -> None:
        super().__init__(intents=intents(), guild_ready_timeout=guild_ready_timeout, max_messages=None)
        self._handle_message = on_message
        self._dynamic_items = dynamic_items

    async def setup_hook(self) -> None:
        # Components whose custom_id matches one of these reach their class even when no view of this
        # process sent them (buttons posted before a restart).
        self.add_dynamic_items(*self._dynamic_items)

    async def on_ready(self) -> None:
        logger.info("discord: connected as %s (%s guilds)", self.user, len(self.guilds))

    async def on_resumed(self) -> None:
        logger.info("discord: gateway session resumed")

    async def on_message(self, message: discord.Message) -> None:
        await self._handle_message(message)


class DiscordGateway:
    """Owns one ``discord.Client`` between the server's start and stop; reconnects are discord.py's job
    (it RESUMEs the session, so events missed during a drop are replayed, not lost)."""

    def __init__(
        self, settings: DiscordSettings, *, on_message: MessageHandler, dynamic_items: DynamicItems = ()
    ) -> None:
        self._settings = settings
        self._on_message = on_message
        self._dynamic_items = dynamic_items
        self._client: _GatewayClient | None = None
        self._runner: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    @property
    def client(self) -> discord.Client | None:
        return self._client

    async def start(self) -> None:
        point_at(self._settings)
        self._stopping.clear()
        self._runner = asyncio.create_task(self._run(), name="discord-gateway")

    async def wait_until_ready(self, timeout: float) -> discord.Client:
        """For tests and the benchmark: the connected client."""
        async with asyncio.timeout(timeout):
            while self._client is None or not self._client.is_ready():
                await asyncio.sleep(0.01)
        return self._client

    async def stop(self) -> None:
        self._stopping.set()
        if self._client is not None:
            await self._client.close()
        if self._runner is not None:
            self._runner.cancel()
            await asyncio.gather(self._runner, return_exceptions=True)
            self._runner = None
        self._client = None

    async def _run(self) -> None:
        backoff = 1.0
        while not self._stopping.is_set():
            client = _GatewayClient(
                on_message=self._on_message,
                guild_ready_timeout=self._settings.guild_ready_timeout,
                dynamic_items=self._dynamic_items,
            )
            self._client = client
            try:
                await client.login(self._settings.token)
                await client.connect(reconnect=True)
                return  # closed on purpose
            except discord.LoginFailure:
                logger.error("discord: the bot token was rejected; the Discord connector stays off")
                return
            except (discord.PrivilegedIntentsRequired, discord.ConnectionClosed) as exc:
                logger.error("discord: gateway refused the session (%s); the Discord connector stays off", exc)
                return
            except Exception as exc:  # network down at start-up: retry, Discord may come back
                logger.warning(
                    "discord: cannot reach Discord (%s); retrying in %.0f s", type(exc).__name__, backoff, exc_info=True
                )
            finally:
                if not client.is_closed():
                    await client.close()
            try:
                await asyncio.wait_for(self._stopping.wait(), timeout=backoff)
            except TimeoutError:
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)


@asynccontextmanager
async def typing_in(target: discord.abc.Messageable) -> AsyncIterator[None]:
    """Show "typing..." in ``target`` while the body runs; a missing permission only costs the indicator."""

    async def keep_typing() -> None:
        while True:
            try:
                await target.typing()
            except discord.HTTPException:
                return
            await asyncio.sleep(TYPING_REFRESH_SECONDS)

    task = asyncio.create_task(keep_typing())
    try:
        yield
    finally:
        task.cancel()
