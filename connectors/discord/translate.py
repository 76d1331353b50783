"""Discord events -> Rasa user messages: who may talk to the bot, identity, mention stripping, attachments."""
from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Union

import discord

from connectors.core.handover import Incoming
from connectors.core.identity import Identity, sender_id_for
from connectors.core.inbox import Inbox, OfferedFile, SavedFiles

PLATFORM = "discord"
DM_WORKSPACE = "dm"
_WHITESPACE = re.compile(r"[ \t]+")


def discord_sender_id(guild_id: int | None, user_id: int) -> str:
    return sender_id_for(PLATFORM, str(guild_id) if guild_id else DM_WORKSPACE, str(user_id))


def strip_mentions(content: str, bot_id: int) -> str:
    """The text without the bot's own mentions (``<@id>`` or the legacy nickname form ``<@!id>``)."""
    stripped = re.sub(rf"<@!?{bot_id}>", " ", content)
    return "\n".join(_WHITESPACE.sub(" ", line).strip() for line in stripped.strip().splitlines()).strip()


def is_allowed_channel(channel: object, allowed: frozenset[str]) -> bool:
    if not allowed:
        return True
    ids = {str(getattr(channel, "id", "")), str(getattr(channel, "parent_id", "") or "")}
    return bool(ids & allowed)


def accepts(message: discord.Message, *, me: discord.abc.User, allowed_channels: frozenset[str]) -> bool:
    """DMs from people, and guild messages that mention the bot in an allowed channel."""
    if message.author.bot or message.author.id == me.id:
        return False
    if message.type not in (discord.MessageType.default, discord.MessageType.reply):
        return False
    if message.guild is None:
        return True
    if not any(user.id == me.id for user in message.mentions):
        return False
    return is_allowed_channel(message.channel, allowed_channels)


def identity_of(*, guild_id: int | None, user: Union[discord.User, discord.Member], channel_id: int) -> Identity:
    return Identity(
        platform=PLATFORM,
        workspace=str(guild_id) if guild_id else DM_WORKSPACE,
        user_id=str(user.id),
        user_name=user.display_name,
        channel_id=str(channel_id),
    )


async def from_message(message: discord.Message, *, me: discord.abc.User, inbox: Inbox) -> Incoming:
    files = SavedFiles()
    if message.attachments:
        offered = [_offered(attachment) for attachment in message.attachments]
        files = await inbox.receive(PLATFORM, offered, errors=(discord.HTTPException,))
    identity = identity_of(
        guild_id=message.guild.id if message.guild else None, user=message.author, channel_id=message.channel.id
    )
    return Incoming.of(identity, text=strip_mentions(message.content, me.id), message_id=str(message.id), files=files)


def from_click(interaction: discord.Interaction, payload: str) -> Incoming:
    """A button click is the presser (the owner, or anyone for a channel's alert) saying its payload (``/affirm``)."""
    identity = identity_of(guild_id=interaction.guild_id, user=interaction.user, channel_id=interaction.channel_id or 0)
    return Incoming.of(identity, text=payload, message_id=str(interaction.id), files=SavedFiles())


def _offered(attachment: discord.Attachment) -> OfferedFile:
    async def read() -> AsyncIterator[bytes]:
        # discord.py reads CDN files whole; the declared size was checked against the limit before.
        yield await attachment.read()

    return OfferedFile(
        id=str(attachment.id), name=attachment.filename, size=attachment.size,
        content_type=attachment.content_type, fetch=read,
    )
