"""Messages nobody is waiting for - a job's progress posted through Rasa's ``trigger_intent?output_channel=latest``,
alerts - go where their recipient last wrote, or, for a channel recipient (``slack:T1:#C1``, see
``common.recipients``), straight into that channel. Where a user last wrote is kept as plain ids (a ``Place``) in a
``common.store.Store``, so any server process can rebuild an output channel from it; an output channel object
itself (a live client, a socket) cannot be shared.

A late message to a user that cannot be posted is logged and dropped (nobody asked for it just now; raising would
only lose Rasa's tracker update). A message to a channel recipient is an alert its sender must be able to retry:
there every failure raises ``LateDeliveryFailed``, Rasa's ``trigger_intent`` turns it into HTTP 500 (rasa/server.py
catches any exception of ``agent.trigger_intent`` as a ``ConversationError``), and the poster sees the failure."""
from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, ClassVar, TypedDict, cast

from rasa.core.channels.channel import OutputChannel

from common.recipients import parse_channel_recipient
from common.store import Store
from connectors.core.output import ChatOutput

logger = logging.getLogger(__name__)

# Remembered for a week after each sender's last message: longer than any job, short enough to forget who left.
DEFAULT_LAST_SEEN_TTL_SECONDS = 7 * 24 * 3600.0
DEFAULT_LAST_SEEN_MAX_ITEMS = 10_000


class Place(TypedDict, total=False):
    """Where a user last wrote, in the platform's ids: the workspace (guild, team), the channel (or DM), the thread,
    and who asked (the owner of any buttons in a late message)."""

    workspace_id: str
    channel_id: str
    thread_id: str
    user_id: str


class LastSeen:
    """The ``Place`` of each sender's last message, for ``ttl`` seconds."""

    def __init__(self, store: Store, *, channel: str, ttl: float = DEFAULT_LAST_SEEN_TTL_SECONDS) -> None:
        self._store = store
        self._namespace = f"last_seen:{channel}"
        self._ttl = ttl

    def remember(self, sender_id: str, place: Place) -> None:
        self._store.put(self._namespace, sender_id, dict(place), ttl=self._ttl)

    def recall(self, sender_id: str) -> Place | None:
        value = self._store.get(self._namespace, sender_id)
        return cast(Place, value) if isinstance(value, dict) else None


class LateDeliveryFailed(Exception):
    """A message to a channel recipient could not be posted: the platform is off, not connected, or refused."""


# (workspace, channel id) -> an output posting into that channel, buttons for anyone there; None: unreachable.
ChannelResolver = Callable[[str, str], OutputChannel | None]


class LateOutput(ChatOutput):
    """``resolve`` finds the output for the recipient's last conversation; a recipient never seen (or forgotten)
    is logged and dropped. Platform ``errors`` are logged too: Rasa would otherwise answer the poster with a 500
    and lose the tracker update. A channel recipient goes to ``resolve_channel`` instead, and raises on failure."""

    channel_name: ClassVar[str] = ""

    def __init__(
        self, *, resolve: Callable[[str], OutputChannel | None], errors: tuple[type[BaseException], ...],
        resolve_channel: ChannelResolver | None = None,
    ) -> None:
        self._resolve = resolve
        self._errors = errors
        self._resolve_channel = resolve_channel

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        channel = parse_channel_recipient(recipient_id)
        if channel is not None:
            await self._send_to_channel(recipient_id, channel, message)
            return
        output = self._resolve(recipient_id)
        if output is None:
            logger.info("%s: no conversation with %s to post into; message dropped", self.name(), recipient_id)
            return
        try:
            await output.send_response(recipient_id, message)
        except self._errors as exc:
            logger.warning("%s: could not post to %s (%s)", self.name(), recipient_id, type(exc).__name__)

    async def _send_to_channel(self, recipient_id: str, channel: tuple[str, str, str], message: dict[str, Any]) -> None:
        platform, workspace, channel_id = channel
        if platform != self.name():
            raise LateDeliveryFailed(f"{self.name()}: {recipient_id} is not a {self.name()} channel")
        output = self._resolve_channel(workspace, channel_id) if self._resolve_channel is not None else None
        if output is None:
            logger.warning("%s: not connected; could not post to %s", self.name(), recipient_id)
            raise LateDeliveryFailed(f"{self.name()} is not connected; nothing was posted to {recipient_id}")
        try:
            await output.send_response(recipient_id, message)
        except self._errors as exc:
            logger.warning("%s: could not post to %s (%s)", self.name(), recipient_id, type(exc).__name__)
            raise LateDeliveryFailed(f"{self.name()} could not post to {recipient_id} ({type(exc).__name__})") from exc


@functools.cache
def late_output_class(channel: str) -> type[LateOutput]:
    """``LateOutput`` named ``channel``: Rasa reads an output channel's name from its class (a classmethod) and
    records it as the conversation's input channel, so each channel gets its own subclass."""
    return type(f"LateOutput_{channel}", (LateOutput,), {"channel_name": channel})
