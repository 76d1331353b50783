"""Discord as a Rasa channel: ``DiscordInput`` (gateway events in) and ``DiscordOutput`` (replies out)."""
from __future__ import annotations

import io
import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import aiohttp
import discord
from sanic import Blueprint

import connectors.discord.translate as translate
from common.media import shown_name
from common.store import MemoryStore, Store
from connectors.core.channel import ChatInput
from connectors.core.handover import Incoming
from connectors.core.late import Place
from connectors.core.lifecycle import Lifecycle
from connectors.core.messages import ConnectorMessages
from connectors.core.output import ChatOutput, ProgressMessages, progress_of, read_file
from connectors.discord.render import (
    ChoiceHandler,
    ChoiceView,
    DiscordReply,
    disabled_copy,
    pressed_by_anyone,
    render,
    restored_choice,
)
from connectors.discord.settings import DiscordSettings
from connectors.discord.transport import DiscordGateway, typing_in

logger = logging.getLogger(__name__)


class DiscordOutput(ChatOutput):
    """Replies into one Discord channel, on behalf of the user who asked (the owner of any buttons; None for a
    channel recipient's messages, whose buttons anyone there may press). With
    ``progress``, a job's next progress report edits its last one instead of adding a message."""

    channel_name = "discord"

    def __init__(
        self,
        *,
        target: discord.abc.Messageable,
        owner_id: int | None,
        media_dir: Path,
        on_choice: ChoiceHandler,
        button_timeout: float | None,
        on_buttons_sent: Callable[[int], None] | None = None,
        progress: ProgressMessages | None = None,
    ) -> None:
        self.target = target
        self._progress = progress
        self.owner_id = owner_id
        self._media_dir = media_dir
        self._on_choice = on_choice
        self._button_timeout = button_timeout
        self._on_buttons_sent = on_buttons_sent

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        reply = render(message, media_dir=self._media_dir)
        if self._progress is None:
            await self.send_reply(reply)
            return
        place = f"{getattr(self.target, 'id', '')}:{self.owner_id}"
        progress = progress_of(message)
        if len(reply.chunks) != 1 or reply.embeds or reply.buttons or reply.files:
            progress = None  # only a plain one-message report can stand in for the last one
        message_id = self._progress.editable(place, progress)
        if message_id is not None and hasattr(self.target, "get_partial_message"):
            try:
                await self.target.get_partial_message(int(message_id)).edit(content=reply.chunks[0])
                self._progress.said(place, progress, message_id)
                return
            except discord.HTTPException as exc:  # deleted meanwhile: post the report anew
                logger.info("discord: could not edit a progress message (%s)", exc.status)
        sent = await self.send_reply(reply)
        self._progress.said(place, progress, str(sent.id))

    async def send_reply(self, reply: DiscordReply) -> discord.Message:
        """Text pieces in order; embeds, buttons and files ride on the last message, which is returned."""
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
        files = [discord.File(io.BytesIO(await read_file(path)), filename=shown_name(path.name)) for path in reply.files]
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
        if view is not None and view.owner_id is None and view.restart_proof:
            # Anyone's buttons are answered by ``restored_choice`` from their custom_ids, for as long as the message
            # is there: a stopped view is sent without being kept in this process.
            view.stop()
            view = None
        sent = await self.target.send(content=pieces[-1], **extras)
        if view is not None:
            view.message = sent
            if self._on_buttons_sent is not None:
                self._on_buttons_sent(sent.id)
        return sent


class DiscordInput(ChatInput):
    """Answers DMs and mentions; configured by the ``connectors.discord.DiscordInput`` credentials section."""

    channel_name = "discord"
    late_errors = (discord.DiscordException, aiohttp.ClientError)

    def __init__(self, settings: DiscordSettings, *, store: Store | None = None) -> None:
        super().__init__(store=store, settings=settings)
        self.settings = settings
        self.gateway: DiscordGateway | None = None
        # Messages whose buttons a live ChoiceView of this process answers; clicks on any other message with our
        # buttons (sent before a restart) go to ``_on_restored_choice``. Local by nature: views live in this process.
        self._live_buttons = MemoryStore(max_items=settings.last_seen_max_items)
        self.progress = ProgressMessages(store or MemoryStore(max_items=settings.last_seen_max_items),
                                         channel=self.channel_name)

    @classmethod
    def from_credentials(cls, credentials: Mapping[str, Any] | None) -> DiscordInput:
        return cls(DiscordSettings.from_credentials(credentials))

    def serve(self, blueprint: Blueprint) -> Lifecycle | None:
        if not self.settings.enabled:
            logger.info("discord: DISCORD_BOT_TOKEN is empty; the Discord connector is off")
            return None
        self.gateway = DiscordGateway(
            self.settings, on_message=self._on_message, dynamic_items=(restored_choice(self._on_restored_choice),)
        )
        return Lifecycle(start=self.gateway.start, stop=self.gateway.stop)

    def status(self) -> dict[str, Any]:
        client = self.gateway.client if self.gateway else None
        return {"enabled": self.settings.enabled, "connected": bool(client and client.is_ready())}

    def output_at(self, place: Place) -> DiscordOutput | None:
        """Late messages: buttons in them belong to the user who last wrote there."""
        client = self.gateway.client if self.gateway else None
        if client is None:
            return None
        return self._output(client.get_partial_messageable(int(place["channel_id"])), int(place["user_id"]))

    def channel_output(self, workspace: str, channel_id: str) -> DiscordOutput | None:
        """Alerts to a channel recipient: posted into the channel, buttons for anyone there; None while the gateway
        is not connected (or the channel id is not one)."""
        client = self.gateway.client if self.gateway else None
        if client is None or not client.is_ready() or not channel_id.isdigit():
            return None
        guild_id = int(workspace) if workspace.isdigit() else None
        return self._output(client.get_partial_messageable(int(channel_id), guild_id=guild_id), None)

    def _output(self, target: discord.abc.Messageable, owner_id: int | None) -> DiscordOutput:
        return DiscordOutput(
            target=target,
            owner_id=owner_id,
            media_dir=self.settings.media_dir,
            on_choice=self._on_choice,
            button_timeout=self.settings.button_timeout,
            on_buttons_sent=self._buttons_sent,
            progress=self.progress,
        )

    def _buttons_sent(self, message_id: int) -> None:
        self._live_buttons.put("live", str(message_id), True, ttl=self.settings.button_timeout + 60)

    async def _on_message(self, message: discord.Message) -> None:
        client = self.gateway.client if self.gateway else None
        me = client.user if client else None
        if me is None or not translate.accepts(
            message, me=me, allowed_channels=self.settings.allowed_channels
        ):
            return
        # A resumed gateway session replays events after the last one it confirmed: answer each message once.
        if not self.seen.first_time(f"message:{message.id}"):
            return
        async with typing_in(message.channel):
            incoming = await translate.from_message(message, me=me, inbox=self.settings.inbox)
            if incoming.empty:
                return
            output = self._output(message.channel, message.author.id)
            await self._deliver(incoming, output, channel_id=message.channel.id)

    async def _on_choice(self, interaction: discord.Interaction, payload: str) -> None:
        if not self.seen.first_time(f"interaction:{interaction.id}"):
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

    async def _on_restored_choice(
        self, interaction: discord.Interaction, owner_id: int | None, index: int, payload: str
    ) -> None:
        """A click on buttons no live view answers (they were sent before a restart, or are anyone's): the same
        rules as ``ChoiceView`` - only the owner, only once, not after ``button_timeout`` - then the payload goes to
        Rasa. Anyone's buttons: every press, as the presser's own message, and the buttons stay."""
        message = interaction.message
        if message is None or self._live_buttons.get("live", str(message.id)):
            return  # the ChoiceView that sent them answers this click
        if owner_id is None:
            await pressed_by_anyone(interaction)
            await self._on_choice(interaction, payload)
            return
        if interaction.user.id != owner_id:
            await interaction.response.send_message(ConnectorMessages.NOT_YOURS, ephemeral=True)
            return
        if not self.seen.first_time(f"choice:{message.id}"):
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
        place = None if channel_id is None or output.owner_id is None else Place(
            channel_id=str(channel_id), user_id=str(output.owner_id))
        await self.deliver(incoming, output, place=place)
