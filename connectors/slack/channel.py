"""Slack as a Rasa channel: ``SlackInput`` (events and button clicks in) and ``SlackOutput`` (replies out)."""
from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel
from sanic import Blueprint, response
from sanic.request import Request
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

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
from connectors.slack import translate
from connectors.slack.render import SlackReply, chosen_blocks, owner_of, render
from connectors.slack.settings import SlackSettings
from connectors.slack.transport import SlackTransport, UserDirectory

logger = logging.getLogger(__name__)


class SlackOutput(OutputChannel):
    """Replies into one Slack channel (or thread) for the user who asked (the owner of any buttons)."""

    def __init__(
        self, *, client: AsyncWebClient, conversation: translate.Conversation, owner: str, media_dir: Path
    ) -> None:
        self.client = client
        self.conversation = conversation
        self.owner = owner
        self._media_dir = media_dir

    @classmethod
    def name(cls) -> str:
        return "slack"

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        await self.send_reply(render(message, media_dir=self._media_dir, owner=self.owner))

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})

    async def send_reply(self, reply: SlackReply) -> None:
        channel, thread_ts = self.conversation.channel, self.conversation.thread_ts
        for blocks in reply.messages:
            await self.client.chat_postMessage(channel=channel, text=reply.text, blocks=blocks, thread_ts=thread_ts)
        for path in reply.uploads:
            await self.client.files_upload_v2(
                channel=channel, content=await read_file(path), filename=path.name, title=path.name,
                thread_ts=thread_ts,
            )


class SlackLateOutput(LateOutput):
    """Posts where each recipient last talked to the bot (see ``SlackInput.get_output_channel``)."""

    @classmethod
    def name(cls) -> str:
        return "slack"


@dataclass(frozen=True)
class LastSeen:
    """Where a sender last talked to the bot: the channel and thread replies went to, and who asked."""

    conversation: translate.Conversation
    user_id: str


class SlackInput(InputChannel):
    """Mentions and DMs over Socket Mode and/or the Events API (``/webhooks/slack/events``)."""

    def __init__(self, settings: SlackSettings) -> None:
        self.settings = settings
        self.transport: SlackTransport | None = None
        self._users: UserDirectory | None = None
        self._on_new_message: OnNewMessage | None = None
        self._clicked = Deduplicator()
        self._last_seen: TtlCache[str, LastSeen] = TtlCache(
            ttl=settings.last_seen_ttl, max_items=settings.last_seen_max_items
        )

    @classmethod
    def name(cls) -> str:
        return "slack"

    @classmethod
    def from_credentials(cls, credentials: Mapping[str, Any] | None) -> SlackInput:
        return cls(SlackSettings.from_credentials(credentials))

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        self._on_new_message = on_new_message
        blueprint = status_blueprint("cloudbutler_slack", self._status)
        if not self.settings.enabled:
            if self.settings.bot_token:  # half configured: say what is missing
                logger.warning("slack: SLACK_BOT_TOKEN needs SLACK_APP_TOKEN or SLACK_SIGNING_SECRET; Slack is off")
            else:
                logger.info("slack: SLACK_BOT_TOKEN is empty; the Slack connector is off")
            return blueprint
        transport = SlackTransport(self.settings, on_event=self._on_event, on_action=self._on_action)
        self.transport, self._users = transport, UserDirectory(transport)
        bind_to_server(blueprint, start=transport.start, stop=transport.stop)
        if self.settings.http_events:

            @blueprint.route("/events", methods=["POST"])
            async def events(request: Request) -> response.HTTPResponse:
                return await transport.handle_http(request)

        return blueprint

    def get_output_channel(self) -> OutputChannel | None:
        """For messages without a user message to answer (``trigger_intent?output_channel=latest``, alerts): each
        goes to the channel and thread of its recipient's last message; buttons in it belong to that user."""
        if self.transport is None:
            return None
        return SlackLateOutput(resolve=self._late_output, errors=(SlackClientError, aiohttp.ClientError, TimeoutError))

    def _late_output(self, recipient_id: str) -> SlackOutput | None:
        last = self._last_seen.get(recipient_id)
        if last is None or self.transport is None or not self.transport.running:
            return None
        return self._output(last.conversation, last.user_id)

    def _status(self) -> dict[str, Any]:
        return {
            "enabled": self.settings.enabled,
            "running": bool(self.transport and self.transport.running),
            "socket_mode": self.settings.socket_mode,
            "events_api": self.settings.http_events,
        }

    def _output(self, conversation: translate.Conversation, owner: str) -> SlackOutput:
        assert self.transport is not None
        return SlackOutput(
            client=self.transport.client, conversation=conversation, owner=owner, media_dir=self.settings.media_dir
        )

    async def _on_event(self, body: dict[str, Any], bot_user_id: str | None) -> None:
        event = body.get("event") or {}
        if self.transport is None or self._users is None or not translate.accepts(event, bot_user_id=bot_user_id):
            return
        files = translate.SavedFiles(saved=[], rejected=[])
        if event.get("files"):
            files = await translate.save_files(
                event["files"],
                session=self.transport.session,
                bot_token=self.settings.bot_token,
                inbox=self.settings.inbox,
                token_may_go_to=self.settings.token_may_go_to,
            )
        incoming = translate.from_event(
            body, bot_user_id=bot_user_id, user_name=await self._users.name_of(event["user"]), files=files
        )
        if not incoming.text and not (files.saved or files.rejected):
            return
        target = translate.reply_target(event, reply_in_thread=self.settings.reply_in_thread)
        await self._deliver(incoming, self._output(target, event["user"]))

    async def _on_action(self, body: dict[str, Any]) -> None:
        click = translate.Click.from_body(body)
        owner = owner_of(click.block_id)
        if self.transport is None or owner is None:
            return
        client = self.transport.client
        if click.user_id != owner:
            await client.chat_postEphemeral(
                channel=click.channel, user=click.user_id, text=ConnectorMessages.NOT_YOURS, thread_ts=click.thread_ts
            )
            return
        # Only the first click on a message counts, even if two arrive before the update below lands.
        if not self._clicked.first_time(f"{click.channel}:{click.message_ts}"):
            return
        try:
            await client.chat_update(
                channel=click.channel, ts=click.message_ts, text=click.text,
                blocks=chosen_blocks(click.blocks, title=click.title),
            )
        except SlackApiError as exc:  # the choice still counts; the click de-duplication above guards reruns
            logger.warning("slack: could not replace the buttons (%s)", exc.response.get("error"))
        thread = click.thread_ts if self.settings.reply_in_thread else None
        await self._deliver(click.incoming(), self._output(translate.Conversation(click.channel, thread), owner))

    async def _deliver(self, incoming: Incoming, output: SlackOutput) -> None:
        # Before Rasa runs: an action may already post a late message.
        self._last_seen.put(incoming.sender_id, LastSeen(conversation=output.conversation, user_id=output.owner))
        if self._on_new_message is not None:
            await deliver(self._on_new_message, incoming, output, input_channel=self.name())
