"""Discord as a Rasa channel: ``DiscordInput`` (gateway events in) and ``DiscordOutput`` (replies out)."""
from __future__ import annotations

import io
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import discord
from rasa.core.channels.channel import InputChannel, OutputChannel
from sanic import Blueprint

from connectors.base import (
    ConnectorMessages,
    Deduplicator,
    Incoming,
    LateOutput,
    OnNewMessage,
    TtlCache,
    bind_to_server,
    deliver,
    read_file,
    status_blueprint,
)
from connectors.discord import translate
from connectors.discord.render import (
    ChoiceHandler,
    ChoiceView,
    DiscordReply,
    disabled_copy,
    render,
    restored_choice,
)
from connectors.discord.settings import DiscordSettings
from connectors.discord.transport import DiscordGateway, typing_in

logger = logging.getLogger(__name__)


class DiscordOutput(OutputChannel):
    """Replies into one Discord channel, on behalf of the user who asked (the owner of any buttons)."""

    def __init__(
        self,
        *,
        target: discord.abc.Messageable,
        owner_id: int,
        media_dir: Path,
        on_choice: ChoiceHandler,
        button_timeout: float | None,
        on_buttons_sent: Callable[[int], None] | None = None,
    ) -> None:
        self.target = target
        self.owner_id = owner_id
        self._media_dir = media_dir
        self._on_choice = on_choice
        self._button_timeout = button_timeout
        self._on_buttons_sent = on_buttons_sent

    @classmethod
    def name(cls) -> str:
        return "discord"

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        await self.send_reply(render(message, media_dir=self._media_dir))

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})

    async def send_reply(self, reply: DiscordReply) -> None:
        """Text pieces in order; embeds, buttons and files ride on the last message."""
        view = (
            ChoiceView(
                buttons=reply.buttons,
                owner_id=self.owner_id,
                on_choice=self._on_choice,
                timeout=self._button_timeout,
            )
            if reply.buttons
            else None
        )
        files = [discord.File(io.BytesIO(await read_file(path)), filename=path.name) for path in reply.files]
        pieces: list[str | None] = list(reply.chunks) or [None]
        for piece in pieces[:-1]:
            await self.target.send(content=piece)
        extras: dict[str, Any] = {}
        if reply.embeds:
            extras["embeds"] = reply.embeds
        if view is not None:
            extras["view"] = view
        if files:
            extras["files"] = files
        sent = await self.target.send(content=pieces[-1], **extras)
        if view is not None:
            view.message = sent
            if self._on_buttons_sent is not None:
                self._on_buttons_sent(sent.id)


class DiscordLateOutput(LateOutput):
    """Posts into the channel where each recipient last talked to the bot (see ``DiscordInput.get_output_channel``)."""

    @classmethod
    def name(cls) -> str:
        return "discord"


@dataclass(frozen=True)
class LastSeen:
    """Where a sender last talked to the bot: ids only, so the entry outlives a reconnect's new client."""

    channel_id: int
    user_id: int


class DiscordInput(InputChannel):
    """Answers DMs and mentions; configured by the ``connectors.discord.DiscordInput`` credentials section."""

    def __init__(self, settings: DiscordSettings) -> None:
        self.settings = settings
        self.gateway: DiscordGateway | None = None
        self._on_new_message: OnNewMessage | None = None
        self._seen = Deduplicator()
        self._last_seen: TtlCache[str, LastSeen] = TtlCache(
            ttl=settings.last_seen_ttl, max_items=settings.last_seen_max_items
        )
        # Messages whose buttons a live ChoiceView of this process answers; clicks on any other message with
        # our buttons (sent before a restart) go to ``_on_restored_choice``.
        self._live_buttons: TtlCache[int, bool] = TtlCache(
            ttl=settings.button_timeout + 60, max_items=settings.last_seen_max_items
        )

    @classmethod
    def name(cls) -> str:
        return "discord"

    @classmethod
    def from_credentials(cls, credentials: Mapping[str, Any] | None) -> DiscordInput:
        return cls(DiscordSettings.from_credentials(credentials))

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        self._on_new_message = on_new_message
        blueprint = status_blueprint("cloudbutler_discord", self._status)
        if not self.settings.enabled:
            logger.info("discord: DISCORD_BOT_TOKEN is empty; the Discord connector is off")
            return blueprint
        self.gateway = DiscordGateway(
            self.settings, on_message=self._on_message, dynamic_items=(restored_choice(self._on_restored_choice),)
        )
        bind_to_server(blueprint, start=self.gateway.start, stop=self.gateway.stop)
        return blueprint

    def get_output_channel(self) -> OutputChannel | None:
        """For messages without a user message to answer (``trigger_intent?output_channel=latest``, alerts): each
        goes to the channel where its recipient last talked to the bot; buttons in it belong to that user."""
        if self.gateway is None:
            return None
        return DiscordLateOutput(resolve=self._late_output, errors=(discord.DiscordException, aiohttp.ClientError))

    def _late_output(self, recipient_id: str) -> DiscordOutput | None:
        last = self._last_seen.get(recipient_id)
        client = self.gateway.client if self.gateway else None
        if last is None or client is None:
            return None
        return self._output(client.get_partial_messageable(last.channel_id), last.user_id)

    def _status(self) -> dict[str, Any]:
        client = self.gateway.client if self.gateway else None
        return {"enabled": self.settings.enabled, "connected": bool(client and client.is_ready())}

    def _output(self, target: discord.abc.Messageable, owner_id: int) -> DiscordOutput:
        return DiscordOutput(
            target=target,
            owner_id=owner_id,
            media_dir=self.settings.media_dir,
            on_choice=self._on_choice,
            button_timeout=self.settings.button_timeout,
            on_buttons_sent=lambda message_id: self._live_buttons.put(message_id, True),
        )

    async def _on_message(self, message: discord.Message) -> None:
        client = self.gateway.client if self.gateway else None
        me = client.user if client else None
        if me is None or not translate.accepts(
            message, me=me, allowed_channels=self.settings.allowed_channels
        ):
            return
        # A resumed gateway session replays events after the last one it confirmed: answer each message once.
        if not self._seen.first_time(f"message:{message.id}"):
            return
        async with typing_in(message.channel):
            incoming = await translate.from_message(message, me=me, inbox=self.settings.inbox)
            metadata = incoming.metadata
            if not incoming.text and not metadata.get("attachments") and not metadata.get("attachments_rejected"):
                return  # a bare mention: nothing to say to the assistant
            output = self._output(message.channel, message.author.id)
            await self._deliver(incoming, output, channel_id=message.channel.id)

    async def _on_choice(self, interaction: discord.Interaction, payload: str) -> None:
        if not self._seen.first_time(f"interaction:{interaction.id}"):
            return
        target: discord.abc.Messageable
        if isinstance(interaction.channel, discord.abc.Messageable):
            target = interaction.channel
        else:
            client = self.gateway.client if self.gateway else None
            if client is None or interaction.channel_id is None:
                return
            target = client.get_partial_messageable(interaction.channel_id)
        output = self._output(target, interaction.user.id)
        async with typing_in(target):
            await self._deliver(translate.from_click(interaction, payload), output, channel_id=interaction.channel_id)

    async def _on_restored_choice(self, interaction: discord.Interaction, owner_id: int, index: int, payload: str) -> None:
        """A click on buttons no live view answers (they were sent before a restart): the same rules as
        ``ChoiceView`` - only the owner, only once, not after ``button_timeout`` - then the payload goes to Rasa."""
        message = interaction.message
        if message is None or self._live_buttons.get(message.id):
            return  # the ChoiceView that sent them answers this click
        if interaction.user.id != owner_id:
            await interaction.response.send_message(ConnectorMessages.NOT_YOURS, ephemeral=True)
            return
        if not self._seen.first_time(f"choice:{message.id}"):
            await interaction.response.defer()  # a second click raced the first
            return
        expired = (discord.utils.utcnow() - message.created_at).total_seconds() > self.settings.button_timeout
        try:
            if expired:
                await interaction.response.send_message(ConnectorMessages.EXPIRED, ephemeral=True)
                await message.edit(view=disabled_copy(message, chosen=None))
                return
            await interaction.response.edit_message(view=disabled_copy(message, chosen=index))
        except discord.HTTPException:  # the choice still counts; only the greyed-out buttons are missing
            logger.warning("discord: could not disable the buttons of message %s", message.id)
            if expired:
                return
        await self._on_choice(interaction, payload)

    async def _deliver(self, incoming: Incoming, output: DiscordOutput, *, channel_id: int | None) -> None:
        if channel_id is not None:  # before Rasa runs: an action may already post a late message
            self._last_seen.put(incoming.sender_id, LastSeen(channel_id=channel_id, user_id=output.owner_id))
        if self._on_new_message is not None:
            await deliver(self._on_new_message, incoming, output, input_channel=self.name())
