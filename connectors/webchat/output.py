"""The web chat's output channels: both turn what Rasa sends into whole vocabulary messages; one collects the
replies to a request, the other posts messages sent later into the channel's mailbox."""
from __future__ import annotations

from typing import Any, Dict, List

from connectors.core.output import ChatOutput
from connectors.vocabulary import BotMessage
from connectors.webchat.mailbox import Mailbox
from connectors.webchat.protocol import whole_message


class _WholeMessageOutput(ChatOutput):
    channel_name = "webchat"

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        whole = whole_message(message)
        if whole:
            self._deliver(recipient_id, whole)

    def _deliver(self, recipient_id: str, message: BotMessage) -> None:
        raise NotImplementedError


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
