"""The web chat's output channels: both turn what Rasa sends into whole vocabulary messages; one collects the
replies to a request, the other posts messages sent later into the channel's mailbox."""
from __future__ import annotations

from typing import Any, Dict, List

from rasa.core.channels.channel import OutputChannel

from connectors.vocabulary import BotMessage
from connectors.webchat.mailbox import Mailbox
from connectors.webchat.protocol import whole_message


class _WholeMessageOutput(OutputChannel):
    """Rasa's per-kind send methods all become one whole message for ``_deliver``."""

    @classmethod
    def name(cls) -> str:
        return "webchat"

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        whole = whole_message(message)
        if whole:
            self._deliver(recipient_id, whole)

    def _deliver(self, recipient_id: str, message: BotMessage) -> None:
        raise NotImplementedError

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"image": image})

    async def send_attachment(self, recipient_id: str, attachment: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"attachment": attachment})

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: List[Dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.send_response(recipient_id, {"text": text, "buttons": buttons})

    async def send_custom_json(self, recipient_id: str, json_message: Dict[str, Any], **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"custom": json_message})


class WebChatOutput(_WholeMessageOutput):
    """Collects the bot's replies to one request as whole vocabulary messages."""

    def __init__(self) -> None:
        self.messages: List[BotMessage] = []

    def _deliver(self, recipient_id: str, message: BotMessage) -> None:
        self.messages.append(message)


class MailboxOutput(_WholeMessageOutput):
    """Messages nobody's request is waiting for (``trigger_intent`` with ``output_channel=latest``): they wait in
    the mailbox under the recipient id (``web:local:<sender>``) until that page's long poll collects them."""

    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox

    def _deliver(self, recipient_id: str, message: BotMessage) -> None:
        self.mailbox.put(recipient_id, message)
