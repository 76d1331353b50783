"""The users' side in connector tests and the benchmark: recorded platform payloads, filled in and sent
through the fakes (Discord gateway dispatches, Slack Socket Mode envelopes and signed Events API posts)."""
from __future__ import annotations

import asyncio
import copy
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import UserMessage

from connectors.discord import DiscordInput
from connectors.slack import SlackInput
from tests.fakes.discord_fake import FakeDiscord, snowflake
from tests.fakes.rasa_stub import RunningServer, ScriptedAgent
from tests.fakes.slack_fake import Call, FakeSlack, next_ts, post_event

PAYLOADS = Path(__file__).parent / "payloads"
ALICE = "600000000000000001"
BOB = "600000000000000002"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
SLACK_ALICE = "U0ALICE01"
SLACK_BOB = "U0BOB0001"


def payload(name: str) -> dict[str, Any]:
    return json.loads((PAYLOADS / name).read_text())


@dataclass
class Agent(ScriptedAgent):
    """The scripted bot, also counting the messages it has finished answering: a test waits for that instead of
    sleeping until nothing more can happen."""

    handled: int = 0
    _done: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def handle_message(self, message: UserMessage) -> None:
        try:
            await super().handle_message(message)
        finally:
            async with self._done:
                self.handled += 1
                self._done.notify_all()

    async def wait_handled(self, count: int, timeout: float = 5.0) -> None:
        """Until ``count`` messages have been answered (every reply posted)."""
        async with self._done:
            await asyncio.wait_for(self._done.wait_for(lambda: self.handled >= count), timeout)


class DiscordUsers:
    """Plays the Discord users: puts MESSAGE_CREATE / INTERACTION_CREATE on the fake gateway."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake

    async def say(
        self, content: str, *, user: str = ALICE, name: str = "alice", dm: bool = False, bot: bool = False,
        mention: bool = True, channel_id: str | None = None, attachments: list[dict[str, Any]] | None = None,
    ) -> str:
        data = payload("discord_message_create_dm.json" if dm else "discord_message_create_guild.json")
        data["id"] = snowflake()
        data["author"].update(id=user, username=name, global_name=name.title(), bot=bot)
        if dm:
            data["content"] = content
        else:
            data["content"] = f"<@{self.fake.bot_id}> {content}" if mention else content
            data["mentions"] = data["mentions"] if mention else []
        if channel_id:
            data["channel_id"] = channel_id
        data["attachments"] = attachments or []
        await self.fake.dispatch("MESSAGE_CREATE", data)
        return str(data["id"])

    async def click(self, posted: dict[str, Any], index: int, *, user: str = ALICE, name: str = "alice") -> str:
        """Click button ``index`` of a message the bot posted (``posted`` is the recorded request body)."""
        data = copy.deepcopy(payload("discord_interaction_create.json"))
        data["id"] = snowflake()
        data["member"]["user"].update(id=user, username=name, global_name=name.title())
        data["message"]["id"] = posted["id"]
        data["message"]["components"] = posted["components"]
        data["data"]["custom_id"] = posted["components"][0]["components"][index]["custom_id"]
        await self.fake.dispatch("INTERACTION_CREATE", data)
        return str(data["id"])


class DiscordHarness(DiscordUsers):
    """The users, and the channel and server under test."""

    def __init__(self, fake: FakeDiscord, channel: DiscordInput, server: RunningServer) -> None:
        super().__init__(fake)
        self.channel, self.server = channel, server


class SlackUsers:
    """Plays Slack: events over the Events API (signed HTTP posts to ``{assistant}/webhooks/slack/events``) or
    Socket Mode envelopes."""

    def __init__(self, fake: FakeSlack, assistant_url: str, *, signing_secret: str = SIGNING_SECRET) -> None:
        self.fake, self.signing_secret = fake, signing_secret
        self.events_url = f"{assistant_url}/webhooks/slack/events"

    @staticmethod
    def mention(text: str, *, user: str = SLACK_ALICE, event_id: str | None = None,
                thread_ts: str | None = None) -> dict[str, Any]:
        body = payload("slack_app_mention.json")
        body["event_id"] = event_id or f"Ev{uuid.uuid4().hex[:10].upper()}"
        body["event"].update(text=f"<@U0BUTLER1> {text}", user=user, ts=next_ts())
        if thread_ts:
            body["event"]["thread_ts"] = thread_ts
        return body

    @staticmethod
    def direct(text: str, *, user: str = SLACK_ALICE, files: list[dict[str, Any]] | None = None,
               **event: Any) -> dict[str, Any]:
        body = payload("slack_message_im.json")
        body["event_id"] = f"Ev{uuid.uuid4().hex[:10].upper()}"
        if files is None:
            body["event"].pop("files")
            body["event"].pop("subtype")
        else:
            body["event"]["files"] = files
        body["event"].update(text=text, user=user, ts=next_ts(), **event)
        return body

    @staticmethod
    def click(posted: Call, index: int, *, user: str = SLACK_ALICE) -> dict[str, Any]:
        """A ``block_actions`` payload for button ``index`` of a message the bot posted."""
        body = payload("slack_block_actions.json")
        # A coloured message keeps its buttons inside its attachment.
        inside = [b for a in posted.args.get("attachments") or [] for b in a.get("blocks") or []]
        actions = next(b for b in [*posted.args["blocks"], *inside] if b["type"] == "actions")
        button = actions["elements"][index]
        body["user"].update(id=user, name=user.lower(), username=user.lower())
        body["trigger_id"] = f"{uuid.uuid4().int % 10**13}.1234567890123.{uuid.uuid4().hex}"
        ts = posted.response["ts"]
        body["container"].update(message_ts=ts, channel_id=posted.args["channel"])
        body["message"].update(ts=ts, text=posted.args["text"], blocks=posted.args["blocks"])
        if posted.args.get("attachments"):
            body["message"]["attachments"] = [{"id": n + 1, **a} for n, a in enumerate(posted.args["attachments"])]
        if any(actions is b for b in inside):  # Slack names a click inside an attachment so
            body["container"].update(type="message_attachment", attachment_id=1, is_app_unfurl=False)
        body["actions"] = [{**body["actions"][0], "action_id": button["action_id"], "block_id": actions["block_id"],
                            "text": button["text"], "value": button["value"]}]
        return body

    async def http(self, body: dict[str, Any], **kwargs: Any) -> tuple[int, str, float]:
        return await post_event(self.events_url, body, signing_secret=self.signing_secret, **kwargs)


class SlackHarness(SlackUsers):
    """The users, and the channel and server under test."""

    def __init__(
        self, fake: FakeSlack, channel: SlackInput, server: RunningServer, *, signing_secret: str = SIGNING_SECRET
    ) -> None:
        super().__init__(fake, server.url, signing_secret=signing_secret)
        self.channel, self.server = channel, server
