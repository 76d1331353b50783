"""Slack as a Rasa channel: ``SlackInput`` (events and button clicks in) and ``SlackOutput`` (replies out)."""
from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aiohttp
from sanic import Blueprint, response
from sanic.request import Request
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

import connectors.slack.translate as translate
from common.media import shown_name
from common.store import MemoryStore, Store
from connectors.core.channel import ChatInput
from connectors.core.handover import Incoming
from connectors.core.inbox import SavedFiles
from connectors.core.late import Place
from connectors.core.lifecycle import Lifecycle
from connectors.core.messages import ConnectorMessages
from connectors.core.output import ChatOutput, ProgressMessages, buttons_of, progress_of, read_file
from connectors.slack.render import ANYONE, SlackReply, chosen_attachments, chosen_blocks, owner_of, render
from connectors.slack.settings import SlackSettings
from connectors.slack.transport import SlackTransport, UserDirectory

logger = logging.getLogger(__name__)
PROGRESS_PLACES = 10_000  # conversations whose last progress message is remembered (in-memory store)


class SlackOutput(ChatOutput):
    """Replies into one Slack channel (or thread) for the user who asked (the owner of any buttons; ``ANYONE``
    for a channel recipient's messages, whose buttons anyone there may press). With
    ``progress``, a job's next progress report edits its last one (``chat.update``) instead of adding a message."""

    channel_name = "slack"

    def __init__(
        self, *, client: AsyncWebClient, conversation: translate.Conversation, owner: str, media_dir: Path,
        progress: ProgressMessages | None = None,
    ) -> None:
        self.client = client
        self.conversation = conversation
        self.owner = owner
        self._media_dir = media_dir
        self._progress = progress

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        reply = render(message, media_dir=self._media_dir, owner=self.owner)
        if self._progress is None:
            await self.send_reply(reply)
            return
        place = f"{self.conversation.channel}:{self.conversation.thread_ts or ''}:{self.owner}"
        progress = progress_of(message)
        if len(reply.messages) != 1 or reply.uploads or reply.attachments or buttons_of(message):
            progress = None  # only a plain one-message report can stand in for the last one
        ts = self._progress.editable(place, progress)
        if ts is not None:
            try:
                await self.client.chat_update(channel=self.conversation.channel, ts=ts, text=reply.text,
                                              blocks=reply.messages[0])
                self._progress.said(place, progress, ts)
                return
            except SlackApiError as exc:  # deleted meanwhile, or too old to edit: post the report anew
                logger.info("slack: could not update a progress message (%s)", exc.response.get("error"))
        self._progress.said(place, progress, await self.send_reply(reply))

    async def send_reply(self, reply: SlackReply) -> str | None:
        """Post the reply; the ``ts`` of its last message."""
        channel, thread_ts = self.conversation.channel, self.conversation.thread_ts
        last: str | None = None
        for index, blocks in enumerate(reply.messages):
            extras: dict[str, Any] = {}
            if reply.attachments and index == len(reply.messages) - 1:
                extras["attachments"] = reply.attachments
            posted = await self.client.chat_postMessage(
                channel=channel, text=reply.text, blocks=blocks, thread_ts=thread_ts, **extras)
            last = posted.get("ts") if isinstance(posted.get("ts"), str) else last
        for path in reply.uploads:
            await self.client.files_upload_v2(
                channel=channel, content=await read_file(path), filename=shown_name(path.name), title=shown_name(path.name),
                thread_ts=thread_ts,
            )
        return last


class SlackInput(ChatInput):
    """Mentions and DMs over Socket Mode and/or the Events API (``/webhooks/slack/events``)."""

    channel_name = "slack"
    late_errors = (SlackClientError, aiohttp.ClientError, TimeoutError)

    def __init__(self, settings: SlackSettings, *, store: Store | None = None) -> None:
        super().__init__(store=store, settings=settings)
        self.settings = settings
        self.transport: SlackTransport | None = None
        self._users: UserDirectory | None = None
        self.progress = ProgressMessages(store or MemoryStore(max_items=PROGRESS_PLACES), channel=self.channel_name)

    @classmethod
    def from_credentials(cls, credentials: Mapping[str, Any] | None) -> SlackInput:
        return cls(SlackSettings.from_credentials(credentials))

    def serve(self, blueprint: Blueprint) -> Lifecycle | None:
        if not self.settings.enabled:
            if self.settings.bot_token:  # half configured: say what is missing
                logger.warning("slack: SLACK_BOT_TOKEN needs SLACK_APP_TOKEN or SLACK_SIGNING_SECRET; Slack is off")
            else:
                logger.info("slack: SLACK_BOT_TOKEN is empty; the Slack connector is off")
            return None
        transport = SlackTransport(self.settings, on_event=self._on_event, on_action=self._on_action, seen=self.seen)
        self.transport, self._users = transport, UserDirectory(transport)
        if self.settings.http_events:

            @blueprint.route("/events", methods=["POST"])
            async def events(request: Request) -> response.HTTPResponse:
                return await transport.handle_http(request)

        return Lifecycle(start=transport.start, stop=transport.stop)

    def status(self) -> dict[str, Any]:
        return {
            "enabled": self.settings.enabled,
            "running": bool(self.transport and self.transport.running),
            "socket_mode": self.settings.socket_mode,
            "events_api": self.settings.http_events,
        }

    def output_at(self, place: Place) -> SlackOutput | None:
        """Late messages go into the channel and thread of the recipient's last message; buttons in them belong to
        that user."""
        if self.transport is None or not self.transport.running:
            return None
        return self._output(translate.Conversation(place["channel_id"], place.get("thread_id")), place["user_id"])

    def channel_output(self, workspace: str, channel_id: str) -> SlackOutput | None:
        """Alerts to a channel recipient: posted into the channel itself (not a thread), buttons for anyone there.
        The workspace is the bot token's own (a channel of another one is refused by Slack: channel_not_found)."""
        if self.transport is None or not self.transport.running:
            return None
        return self._output(translate.Conversation(channel_id, None), ANYONE)

    def _output(self, conversation: translate.Conversation, owner: str) -> SlackOutput:
        assert self.transport is not None
        return SlackOutput(
            client=self.transport.client, conversation=conversation, owner=owner, media_dir=self.settings.media_dir,
            progress=self.progress,
        )

    async def _on_event(self, body: dict[str, Any], bot_user_id: str | None) -> None:
        event = body.get("event") or {}
        if self.transport is None or self._users is None or not translate.accepts(event, bot_user_id=bot_user_id):
            return
        files = SavedFiles()
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
        if incoming.empty:
            return
        target = translate.reply_target(event, reply_in_thread=self.settings.reply_in_thread)
        await self._deliver(incoming, self._output(target, event["user"]))

    async def _on_action(self, body: dict[str, Any]) -> None:
        click = translate.Click.from_body(body)
        owner = owner_of(click.block_id)
        if self.transport is None or owner is None:
            return
        client = self.transport.client
        if owner == ANYONE:
            await self._on_anyones_click(click)
            return
        if click.user_id != owner:
            await client.chat_postEphemeral(
                channel=click.channel, user=click.user_id, text=ConnectorMessages.NOT_YOURS, thread_ts=click.thread_ts
            )
            return
        # Only the first click on a message counts, even if two arrive before the update below lands.
        if not self.seen.first_time(f"click:{click.channel}:{click.message_ts}"):
            return
        try:
            await client.chat_update(
                channel=click.channel, ts=click.message_ts, text=click.text,
                blocks=chosen_blocks(click.blocks, title=click.title),
                attachments=chosen_attachments(click.attachments, title=click.title) if click.attachments else None,
            )
        except SlackApiError as exc:  # the choice still counts; the click de-duplication above guards reruns
            logger.warning("slack: could not replace the buttons (%s)", exc.response.get("error"))
        thread = click.thread_ts if self.settings.reply_in_thread else None
        await self._deliver(click.incoming(), self._output(translate.Conversation(click.channel, thread), owner))

    async def _on_anyones_click(self, click: translate.Click) -> None:
        """A press on buttons of a channel recipient's message (an alert): whoever pressed, their own message, as
        Slack verified them, answered in the channel on their behalf. The buttons stay for the others; each press
        counts once (``trigger_id`` is per press)."""
        if not click.user_id or not self.seen.first_time(f"click:{click.trigger_id or click.message_ts}:{click.user_id}"):
            return
        thread = click.thread_ts if self.settings.reply_in_thread else None
        await self._deliver(click.incoming(), self._output(translate.Conversation(click.channel, thread), click.user_id))

    async def _deliver(self, incoming: Incoming, output: SlackOutput) -> None:
        conversation = output.conversation
        place = Place(channel_id=conversation.channel, user_id=output.owner)
        if conversation.thread_ts:
            place["thread_id"] = conversation.thread_ts
        await self.deliver(incoming, output, place=place)
