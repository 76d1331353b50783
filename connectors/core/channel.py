"""The skeleton every chat channel shares (Discord, Slack, the web chat): its name, a blueprint with a status
route, long-lived clients started and stopped with the Rasa server, de-duplication of platform events, and late
messages posted where each user last wrote (or into a channel recipient's channel). A platform package adds only
what is its own: see ``connectors``."""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, ClassVar

from rasa.core.channels.channel import InputChannel, OutputChannel
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from common.store import MemoryStore, Store
from connectors.core.dedup import DEFAULT_DEDUPE_MAX_ITEMS, Deduplicator
from connectors.core.handover import Incoming, OnNewMessage, answer, deliver
from connectors.core.late import (
    DEFAULT_LAST_SEEN_MAX_ITEMS,
    DEFAULT_LAST_SEEN_TTL_SECONDS,
    LastSeen,
    Place,
    late_output_class,
)
from connectors.core.lifecycle import Lifecycle, bind_to_server
from connectors.core.settings import ChatSettings


class ChatInput(InputChannel, ABC):
    """A Rasa input channel. Subclasses set ``channel_name`` (Rasa's name, the ``/webhooks/<name>/`` prefix) and
    implement ``serve`` (routes and clients), ``status``, and ``output_at`` (an output for a remembered ``Place``).

    State other server processes will need - the de-duplication window, where each user last wrote - lives in
    ``store``; without one, each gets a bounded in-memory ``MemoryStore`` of its own.
    """

    channel_name: ClassVar[str]
    status_path: ClassVar[str] = "/"
    # Errors a late message may meet on the platform (lost access, network down): logged, never raised into Rasa.
    late_errors: ClassVar[tuple[type[BaseException], ...]] = ()

    def __init__(self, *, store: Store | None = None, settings: ChatSettings | None = None) -> None:
        # Without platform settings (the web chat, whose mailbox is its only state) the defaults apply.
        ttl = settings.last_seen_ttl if settings else DEFAULT_LAST_SEEN_TTL_SECONDS
        max_items = settings.last_seen_max_items if settings else DEFAULT_LAST_SEEN_MAX_ITEMS
        self._on_new_message: OnNewMessage | None = None
        self._lifecycle: Lifecycle | None = None
        self.seen = Deduplicator(
            store or MemoryStore(max_items=DEFAULT_DEDUPE_MAX_ITEMS), namespace=f"dedupe:{self.channel_name}"
        )
        self.last_seen = LastSeen(store or MemoryStore(max_items=max_items), channel=self.channel_name, ttl=ttl)

    @classmethod
    def name(cls) -> str:
        return cls.channel_name

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        self._on_new_message = on_new_message
        blueprint = Blueprint(f"{self.channel_name}_{type(self).__name__}")
        status = self.status

        @blueprint.route(self.status_path, methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json(dict(status()))

        self._lifecycle = self.serve(blueprint)
        if self._lifecycle is not None:
            bind_to_server(blueprint, self._lifecycle)
        return blueprint

    @abstractmethod
    def serve(self, blueprint: Blueprint) -> Lifecycle | None:
        """Add the channel's routes to ``blueprint``; what to start and stop with the server, None when it is off
        (only the status route is served then)."""

    @abstractmethod
    def status(self) -> Mapping[str, Any]:
        """What ``GET <status_path>`` reports."""

    def get_output_channel(self) -> OutputChannel:
        """For messages without a user message to answer (``trigger_intent?output_channel=latest``, alerts): each
        goes where its recipient last wrote, a channel recipient's into its channel. Also while the channel is off:
        a user's message is then dropped (logged), and one to a channel recipient fails, so an alert's poster learns
        that nothing was posted (without an output channel Rasa would collect the message and answer 200)."""
        return late_output_class(self.channel_name)(
            resolve=self._late_output, errors=self.late_errors, resolve_channel=self.channel_output
        )

    def _late_output(self, recipient_id: str) -> OutputChannel | None:
        place = self.last_seen.recall(recipient_id)
        return None if place is None else self.output_at(place)

    def output_at(self, place: Place) -> OutputChannel | None:
        """An output posting into ``place`` on behalf of its user, or None while the platform is unreachable."""
        return None

    def channel_output(self, workspace: str, channel_id: str) -> OutputChannel | None:
        """An output posting into a channel recipient's channel, its buttons for anyone there (each press comes back
        as the presser's own message); None while the platform is unreachable. Channels with no such thing keep
        the default: a late message to a channel recipient then fails."""
        return None

    async def deliver(self, incoming: Incoming, output: OutputChannel, *, place: Place | None = None) -> None:
        """Remember where the sender wrote (before Rasa runs: an action may already post a late message), then
        hand the message over; failures are logged."""
        if place is not None:
            remembered = place.copy()
            if incoming.metadata.get("workspace_id"):
                remembered["workspace_id"] = incoming.metadata["workspace_id"]
            self.last_seen.remember(incoming.sender_id, remembered)
        if self._on_new_message is not None:
            await deliver(self._on_new_message, incoming, output, input_channel=self.name())

    async def answer(self, incoming: Incoming, output: OutputChannel) -> None:
        """For channels that answer a request (the web chat): hand the message over; Rasa's failures are raised, so
        the request can say it failed."""
        if self._on_new_message is None:
            raise RuntimeError(f"{self.name()}: the channel has no blueprint yet")
        await answer(self._on_new_message, incoming, output, input_channel=self.name())
