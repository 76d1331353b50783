"""Replies out: the output channel every connector's replies go through, and what renderers share - the
vocabulary part of a Rasa bot message, its readable text, its buttons and the local file behind a media URL."""
from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Mapping
from pathlib import Path
from typing import Any, ClassVar, cast
from urllib.parse import unquote, urlparse

from rasa.core.channels.channel import OutputChannel

from common.media import is_media_name, name_of
from connectors.vocabulary import BotMessage, Button, as_plain_text, table_as_text, table_of

VOCABULARY_KEYS = ("text", "buttons", "image", "attachment", "custom")


class ChatOutput(OutputChannel, ABC):
    """Rasa's per-kind send methods all hand one whole bot message to ``send_response``, which renders it for
    the platform: a reply's text, buttons, media and fields stay together, as the vocabulary means them."""

    channel_name: ClassVar[str]

    @classmethod
    def name(cls) -> str:
        return cls.channel_name

    @abstractmethod
    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None: ...

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"image": image})

    async def send_attachment(self, recipient_id: str, attachment: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"attachment": attachment})

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.send_response(recipient_id, {"text": text, "buttons": buttons})

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"custom": json_message})


def vocabulary_part(message: Mapping[str, Any]) -> BotMessage:
    """The keys of a Rasa bot message that belong to our vocabulary (Rasa adds timestamp, utter_action...)."""
    return cast(BotMessage, {key: message[key] for key in VOCABULARY_KEYS if message.get(key)})


def readable_text(message: BotMessage) -> str:
    """The text to show when ``custom`` is not rendered natively: the message text (the complete answer),
    else a table in monospace, else the plain-text degradation of ``custom``. Buttons/media are not included."""
    if message.get("text"):
        return message["text"]
    table = table_of(message)
    if table:
        return f"```\n{table_as_text(table)}\n```"
    return as_plain_text(BotMessage(custom=message.get("custom") or {}))


def _buttons(value: object) -> list[Button]:
    if not isinstance(value, list):
        return []
    return [
        Button(title=str(b["title"]), payload=str(b["payload"]))
        for b in value
        if isinstance(b, Mapping) and b.get("title") is not None and b.get("payload") is not None
    ]


def buttons_of(message: Mapping[str, Any]) -> list[Button]:
    """A message's buttons (Rasa's ``quick_replies`` count too); entries without a title and payload are dropped."""
    return _buttons(message.get("buttons")) or _buttons(message.get("quick_replies"))


def media_file(media_dir: Path, name: str) -> Path | None:
    """``media_dir/name`` if ``name`` is a media name and the file is there - not through a link out of the folder."""
    if not is_media_name(name):
        return None
    path = media_dir / name
    if path.resolve().parent != media_dir.resolve() or not path.is_file():
        return None
    return path


def media_file_for(url: str, media_dir: Path) -> Path | None:
    """The local file behind one of our media URLs (``/media/<name>``, also under a channel's prefix), if any."""
    name = name_of(unquote(urlparse(url).path))
    return None if name is None else media_file(media_dir, name)


def read_file(path: Path) -> Awaitable[bytes]:
    """File bytes read off the event loop (media files for uploads)."""
    return asyncio.to_thread(path.read_bytes)
