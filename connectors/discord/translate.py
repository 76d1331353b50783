"""Discord events -> Rasa user messages: who may talk to the bot, identity, mention stripping, attachments."""
from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from typing import Union

import discord

from connectors.base import (
    AttachmentMeta,
    AttachmentTooLarge,
    Inbox,
    Incoming,
    MessageMetadata,
    RejectedAttachment,
    sender_id_for,
)

logger = logging.getLogger(__name__)

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


def _metadata(
    *, guild_id: int | None, user: Union[discord.User, discord.Member], channel_id: int
) -> MessageMetadata:
    return MessageMetadata(
        platform=PLATFORM,
        workspace_id=str(guild_id) if guild_id else DM_WORKSPACE,
        user_id=str(user.id),
        user_name=user.display_name,
        channel_id=str(channel_id),
        attachments=[],
    )


async def from_message(message: discord.Message, *, me: discord.abc.User, inbox: Inbox) -> Incoming:
    guild_id = message.guild.id if message.guild else None
    metadata = _metadata(guild_id=guild_id, user=message.author, channel_id=message.channel.id)
    if message.attachments:
        saved, rejected = await _save_attachments(message.attachments, inbox)
        metadata["attachments"] = saved
        if rejected:
            metadata["attachments_rejected"] = rejected
    return Incoming(
        text=strip_mentions(message.content, me.id),
        sender_id=discord_sender_id(guild_id, message.author.id),
        message_id=str(message.id),
        metadata=metadata,
    )


def from_click(interaction: discord.Interaction, payload: str) -> Incoming:
    """A button click is the owner saying the button's payload (e.g. ``/affirm``)."""
    return Incoming(
        text=payload,
        sender_id=discord_sender_id(interaction.guild_id, interaction.user.id),
        message_id=str(interaction.id),
        metadata=_metadata(
            guild_id=interaction.guild_id, user=interaction.user, channel_id=interaction.channel_id or 0
        ),
    )


async def _save_attachments(
    attachments: list[discord.Attachment], inbox: Inbox
) -> tuple[list[AttachmentMeta], list[RejectedAttachment]]:
    folder = inbox.new_folder(PLATFORM)
    saved: list[AttachmentMeta] = []
    rejected: list[RejectedAttachment] = []
    for attachment in attachments:
        if attachment.size > inbox.max_bytes:
            rejected.append(RejectedAttachment(name=attachment.filename, size=attachment.size, reason="too_large"))
            continue
        try:
            saved.append(
                await inbox.save(
                    folder,
                    name=attachment.filename,
                    content_type=attachment.content_type,
                    chunks=_read(attachment),
                )
            )
        except AttachmentTooLarge:
            rejected.append(RejectedAttachment(name=attachment.filename, size=attachment.size, reason="too_large"))
        except (discord.HTTPException, OSError):
            logger.warning("discord: could not fetch attachment %s", attachment.id, exc_info=True)
            rejected.append(RejectedAttachment(name=attachment.filename, size=attachment.size, reason="unavailable"))
    return saved, rejected


async def _read(attachment: discord.Attachment) -> AsyncIterator[bytes]:
    # discord.py reads CDN files whole; the declared size was checked against the limit before.
    yield await attachment.read()
