"""The hand-over to Rasa: a user message translated from a platform, refused whole when it is too long, and the
difference between channels that answer a request (web chat, REST: failures become an HTTP error) and channels fed
by events (Discord, Slack: failures are logged on the server, never shown in the chat)."""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage

from connectors.core.identity import Identity, MessageMetadata
from connectors.core.inbox import SavedFiles
from connectors.core.messages import ConnectorMessages, message_too_long

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


@dataclass(frozen=True, kw_only=True)
class Incoming:
    """A user message translated from a platform event, ready for Rasa."""

    text: str
    sender_id: str
    metadata: MessageMetadata
    message_id: str | None = None  # the platform's id, so Rasa can tell a replay; None lets Rasa make one up

    @property
    def empty(self) -> bool:
        """Nothing to say to the assistant: no text, no file (a bare mention)."""
        return not self.text and not self.metadata.get("attachments") and not self.metadata.get("attachments_rejected")

    @classmethod
    def of(cls, identity: Identity, *, text: str, message_id: str | None = None,
           files: SavedFiles | None = None) -> Incoming:
        return cls(text=text, sender_id=identity.sender_id, message_id=message_id, metadata=identity.metadata(files))


async def answer(on_new_message: OnNewMessage, incoming: Incoming, output: OutputChannel, *, input_channel: str) -> None:
    """Hand ``incoming`` to Rasa, or answer ``TOO_LONG`` without Rasa; Rasa's failures reach the caller."""
    if message_too_long(incoming.text):
        await output.send_text_message(incoming.sender_id, ConnectorMessages.TOO_LONG)
        return
    await on_new_message(
        UserMessage(
            text=incoming.text,
            output_channel=output,
            sender_id=incoming.sender_id,
            input_channel=input_channel,
            message_id=incoming.message_id,
            metadata=dict(incoming.metadata),
        )
    )


async def deliver(
    on_new_message: OnNewMessage, incoming: Incoming, output: OutputChannel, *, input_channel: str
) -> None:
    """``answer`` for channels nobody waits on: failures (also of the ``TOO_LONG`` reply) are logged, not raised."""
    try:
        await answer(on_new_message, incoming, output, input_channel=input_channel)
    except Exception:
        logger.exception("%s: handling message %s failed", input_channel, incoming.message_id)
