"""Alerts into chat: a late message to a channel recipient (``slack:T:#C``, ``discord:G:#C``, see
``common.recipients``) goes straight into that channel, coloured, with buttons anyone there may press (each press
the presser's own message); when the platform is off, unreachable or refuses, the output raises, so Rasa's
``trigger_intent`` answers 5xx - checked through Rasa's own HTTP route with the poster the alert consumer uses -
while an ordinary late message keeps being logged and dropped."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from types import SimpleNamespace
from typing import Any

import pytest
from rasa.core.channels.channel import InputChannel, OutputChannel, register
from rasa.core.lock_store import InMemoryLockStore
from rasa.server import create_app
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Sanic

from actions.core.late import LATE_ENTITY, LATE_INTENT, PostFailed, RasaPoster
from common.recipients import channel_recipient, output_channel_for
from connectors.core.late import LateDeliveryFailed
from connectors.core.output import COLOUR_HEX
from connectors.discord import DiscordInput
from connectors.discord.settings import DiscordSettings
from connectors.slack import SlackInput
from connectors.slack.settings import SlackSettings
from tests.connectors.harness import ALICE, BOB, SLACK_ALICE, SLACK_BOB, Agent, DiscordHarness, SlackHarness
from tests.fakes.discord_fake import FakeDiscord
from tests.fakes.rasa_stub import RunningServer, free_socket
from tests.fakes.slack_fake import Call, FakeSlack

TEAM = "T0CLOUD01"
SLACK_CHANNEL = "C0OPS0001"
GUILD = "800000000000000001"
CHANNEL = "700000000000000001"
SLACK_OPS = channel_recipient("slack", TEAM, SLACK_CHANNEL)
DISCORD_OPS = channel_recipient("discord", GUILD, CHANNEL)
ALERT_ID = "5f1e3b7a-0c2d-4e8f-9a6b-1c2d3e4f5a6b"
ACK = '/acknowledge_alert{"alert":"' + ALERT_ID + '"}'
CHART = '/instance_metrics{"instance":"web-2","metric":"cpu"}'
FIELDS: dict[str, Any] = {"title": "ALARM: web-2 CPU high", "colour": "red", "items": [
    {"label": "Metric", "value": "CPUUtilization 95 %"}, {"label": "Threshold", "value": "> 80 % for 10 minutes"},
    {"label": "Time", "value": "2026-12-02 11:30 UTC"}]}
# The alert as Rasa hands it to the output channel (actions/alerts/render.py's reply, said by action_late_message).
ALERT: dict[str, Any] = {
    "text": "ALARM: web-2 CPU high\nCPUUtilization 95 % (threshold > 80 % for 10 minutes) at 2026-12-02 11:30 UTC",
    "buttons": [{"title": "Show metric chart", "payload": CHART}, {"title": "Acknowledge", "payload": ACK}],
    "custom": {"fields": FIELDS},
}
PROGRESS = {"text": "Upload 40% done"}


def late(channel: DiscordInput | SlackInput) -> OutputChannel:
    return channel.get_output_channel()


async def until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait for a condition nothing notifies about (the transport's own task count), up to ``timeout`` s."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


# --- Slack ---


def posts(fake: FakeSlack) -> list[Call]:
    return fake.called("chat.postMessage")


async def test_slack_alert_goes_into_the_channel_coloured_with_anyones_buttons(slack: SlackHarness) -> None:
    await late(slack.channel).send_response(SLACK_OPS, dict(ALERT))  # nobody ever wrote there: no last-seen lookup
    [post] = posts(slack.fake)
    assert post.args["channel"] == SLACK_CHANNEL and "thread_ts" not in post.args
    assert post.args["text"] == ALERT["text"]  # the notification and the screen reader's text: the whole alert
    assert post.args["blocks"] == [{"type": "section", "text": {"type": "mrkdwn", "text": f"*{FIELDS['title']}*"}}]
    [attachment] = post.args["attachments"]
    assert attachment["color"] == COLOUR_HEX["red"] and attachment["fallback"] == ALERT["text"]
    fields, buttons = attachment["blocks"]
    assert fields["fields"] == [
        {"type": "mrkdwn", "text": f"*{item['label']}*\n{item['value']}".replace(">", "&gt;")} for item in FIELDS["items"]]
    assert buttons["type"] == "actions" and buttons["block_id"] == "cloudbutler_buttons:*"
    assert [(e["text"]["text"], e["value"]) for e in buttons["elements"]] == [
        ("Show metric chart", CHART), ("Acknowledge", ACK)]
    assert post.response["ok"] is True


async def test_slack_anyone_in_the_channel_presses_an_alerts_button_as_themselves(
    slack: SlackHarness, agent: Agent
) -> None:
    await late(slack.channel).send_response(f"slack:{TEAM}:%23{SLACK_CHANNEL}", dict(ALERT))  # as Rasa names it
    [alert] = posts(slack.fake)
    await slack.fake.send_envelope("interactive", slack.click(alert, 1, user=SLACK_BOB))
    await agent.wait_handled(1)
    pressed = slack.click(alert, 0)
    await slack.fake.send_envelope("interactive", pressed)
    await agent.wait_handled(2)
    assert [(m.text, m.sender_id) for m in agent.received] == [
        (ACK, f"slack:{TEAM}:{SLACK_BOB}"), (CHART, f"slack:{TEAM}:{SLACK_ALICE}")]
    assert agent.received[0].metadata["user_id"] == SLACK_BOB and agent.received[0].metadata["channel_id"] == SLACK_CHANNEL
    # Answered in the channel, on each presser's behalf; nobody was refused and the buttons stay for the others.
    answers = posts(slack.fake)[1:]
    assert [(a.args["channel"], a.args["text"]) for a in answers] == [
        (SLACK_CHANNEL, f"echo: {ACK}"), (SLACK_CHANNEL, f"echo: {CHART}")]
    assert slack.fake.called("chat.postEphemeral") == [] and slack.fake.called("chat.update") == []
    # The same press delivered again (a Socket Mode redelivery) counts once; a new press counts again.
    again = await slack.fake.send_envelope("interactive", pressed)
    await slack.fake.send_envelope("interactive", slack.click(alert, 1, user=SLACK_BOB))
    await agent.wait_handled(3)
    await until(lambda: again in slack.fake.acks and slack.channel.transport is not None
                and slack.channel.transport.pending == 0)
    assert [m.text for m in agent.received] == [ACK, CHART, ACK]


async def test_slack_owner_buttons_in_a_coloured_message_are_replaced_inside_the_attachment(
    slack: SlackHarness, agent: Agent
) -> None:
    await slack.http(slack.mention("hello"))
    await agent.wait_handled(1)
    await late(slack.channel).send_response(f"slack:{TEAM}:{SLACK_ALICE}", dict(ALERT))  # a user's, not a channel's
    alert = posts(slack.fake)[-1]
    [attachment] = alert.args["attachments"]
    assert attachment["blocks"][-1]["block_id"] == f"cloudbutler_buttons:{SLACK_ALICE}"
    await slack.fake.send_envelope("interactive", slack.click(alert, 1))
    [update] = await slack.fake.wait_for(lambda: slack.fake.called("chat.update"))
    [chosen] = update.args["attachments"]
    assert chosen["color"] == COLOUR_HEX["red"] and chosen["blocks"][0] == attachment["blocks"][0]
    assert chosen["blocks"][-1]["type"] == "context" and "Acknowledge" in chosen["blocks"][-1]["elements"][0]["text"]
    await agent.wait_handled(2)
    assert agent.received[1].text == ACK


async def test_slack_alert_raises_when_slack_refuses_or_cannot_be_reached(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    await slack.http(slack.mention("hello"))
    await slack.fake.wait_for(lambda: posts(slack.fake))
    slack.fake.missing_channels.add(SLACK_CHANNEL)  # the bot was removed from the channel
    with pytest.raises(LateDeliveryFailed, match="SlackApiError"):
        await late(slack.channel).send_response(SLACK_OPS, dict(ALERT))
    assert posts(slack.fake)[-1].response == {"ok": False, "error": "channel_not_found"}
    # An ordinary late message there keeps today's rule: logged, dropped, not raised.
    await late(slack.channel).send_response(f"slack:{TEAM}:{SLACK_ALICE}", dict(PROGRESS))
    assert [r.levelno for r in caplog.records if "could not post" in r.getMessage()] == [logging.WARNING] * 2
    slack.fake.missing_channels.clear()
    assert slack.channel.transport is not None
    slack.channel.transport.client.base_url = "http://127.0.0.1:9/api/"  # Slack unreachable (discard port)
    count = len(slack.fake.calls)
    with pytest.raises(LateDeliveryFailed):
        await late(slack.channel).send_response(SLACK_OPS, dict(ALERT))
    await late(slack.channel).send_response(f"slack:{TEAM}:{SLACK_ALICE}", dict(PROGRESS))
    assert len(slack.fake.calls) == count


async def test_slack_alert_raises_while_the_connector_is_stopped(slack: SlackHarness) -> None:
    assert slack.channel.transport is not None
    await slack.channel.transport.stop()
    with pytest.raises(LateDeliveryFailed, match="not connected"):
        await late(slack.channel).send_response(SLACK_OPS, dict(ALERT))
    with pytest.raises(LateDeliveryFailed, match="not a slack channel"):
        await late(slack.channel).send_response(DISCORD_OPS, dict(ALERT))
    assert posts(slack.fake) == []


# --- Discord ---


async def test_discord_alert_goes_into_the_channel_as_a_coloured_embed_with_anyones_buttons(
    discord: DiscordHarness,
) -> None:
    await late(discord.channel).send_response(DISCORD_OPS, dict(ALERT))
    [post] = discord.fake.posted()
    assert post.path.endswith(f"/channels/{CHANNEL}/messages") and post.json["content"] is None
    [embed] = post.json["embeds"]
    assert embed["color"] == int(COLOUR_HEX["red"][1:], 16) and embed["title"] == FIELDS["title"]
    assert [(f["name"], f["value"]) for f in embed["fields"]] == [(i["label"], i["value"]) for i in FIELDS["items"]]
    [row] = post.json["components"]
    assert [(b["label"], b["custom_id"]) for b in row["components"]] == [
        ("Show metric chart", f"cb:*:0:{CHART}"), ("Acknowledge", f"cb:*:1:{ACK}")]


async def test_discord_anyone_in_the_channel_presses_an_alerts_button_as_themselves(
    discord: DiscordHarness, agent: Agent
) -> None:
    await late(discord.channel).send_response(f"discord:{GUILD}:%23{CHANNEL}", dict(ALERT))
    [alert] = discord.fake.posted(CHANNEL)
    bob = await discord.click(alert.json, 1, user=BOB, name="bob")
    await agent.wait_handled(1)
    alice = await discord.click(alert.json, 0)
    await agent.wait_handled(2)
    assert [(m.text, m.sender_id) for m in agent.received] == [
        (ACK, f"discord:{GUILD}:{BOB}"), (CHART, f"discord:{GUILD}:{ALICE}")]
    assert agent.received[0].metadata["user_id"] == BOB
    # Each press is acknowledged without changing the buttons (type 6: deferred update), then answered there.
    for press in (bob, alice):
        [ack] = discord.fake.calls("POST", f"/interactions/{press}/")
        assert ack.json["type"] == 6
    answers = await discord.fake.wait_for(lambda: len(discord.fake.posted(CHANNEL)) == 3 and discord.fake.posted(CHANNEL))
    assert [a.json["content"] for a in answers[1:]] == [f"echo: {ACK}", f"echo: {CHART}"]
    assert discord.fake.calls("PATCH", "/messages/") == []


async def test_discord_anyones_button_too_long_for_its_id_is_answered_by_the_live_view(
    discord: DiscordHarness, agent: Agent
) -> None:
    long = "/acknowledge_alert" + '{"alert":"' + "x" * 100 + '"}'  # beyond the 100 characters of a custom_id
    await late(discord.channel).send_response(DISCORD_OPS, {"text": "alert", "buttons": [{"title": "Ack", "payload": long}]})
    [alert] = discord.fake.posted(CHANNEL)
    assert not alert.json["components"][0]["components"][0]["custom_id"].startswith("cb:")
    first = await discord.click(alert.json, 0, user=BOB, name="bob")
    await agent.wait_handled(1)
    second = await discord.click(alert.json, 0)
    await agent.wait_handled(2)
    assert [(m.text, m.sender_id) for m in agent.received] == [
        (long, f"discord:{GUILD}:{BOB}"), (long, f"discord:{GUILD}:{ALICE}")]
    assert [c.json["type"] for p in (first, second) for c in discord.fake.calls("POST", f"/interactions/{p}/")] == [6, 6]


async def test_discord_alert_raises_when_discord_refuses_but_a_late_message_is_dropped(
    discord: DiscordHarness, caplog: pytest.LogCaptureFixture
) -> None:
    await discord.say("hello")
    await discord.fake.wait_for(lambda: discord.fake.posted(CHANNEL))
    discord.fake.forbidden_channels.add(CHANNEL)  # the bot lost access
    with pytest.raises(LateDeliveryFailed, match="Forbidden"):
        await late(discord.channel).send_response(DISCORD_OPS, dict(ALERT))
    await late(discord.channel).send_response(f"discord:{GUILD}:{ALICE}", dict(PROGRESS))
    assert len(discord.fake.posted(CHANNEL)) == 3  # the hello, and both tried once
    assert [r.levelno for r in caplog.records if "could not post" in r.getMessage()] == [logging.WARNING] * 2
    with pytest.raises(LateDeliveryFailed, match="not a discord channel"):
        await late(discord.channel).send_response(SLACK_OPS, dict(ALERT))


async def test_discord_alert_raises_while_the_gateway_is_not_connected(
    discord_fake: FakeDiscord, discord_settings: DiscordSettings
) -> None:
    channel = DiscordInput(discord_settings)  # configured, but the server (and so the gateway) never started
    with pytest.raises(LateDeliveryFailed, match="not connected"):
        await late(channel).send_response(DISCORD_OPS, dict(ALERT))
    assert discord_fake.posted() == []


# --- through Rasa's own trigger_intent route, as the alert consumer posts ---


class LateAgent(Agent):
    """What Rasa's ``trigger_intent`` route asks of ``app.ctx.agent``, doing what Rasa does for
    ``EXTERNAL_late_message``: ``action_late_message`` says the message entity, and the processor hands it to the
    output channel (``_send_bot_messages``: ``send_response(tracker.sender_id, ...)``), outside any try."""

    def __init__(self) -> None:
        super().__init__()
        self.lock_store = InMemoryLockStore()
        self.domain = SimpleNamespace(intents=[LATE_INTENT])
        self.processor = self
        self.conversations: list[str] = []

    def is_ready(self) -> bool:
        return True

    async def fetch_tracker_and_update_session(self, conversation_id: str) -> DialogueStateTracker:
        self.conversations.append(conversation_id)
        return DialogueStateTracker(conversation_id, slots=[])

    async def trigger_intent(
        self, *, intent_name: str, entities: dict[str, Any], output_channel: OutputChannel,
        tracker: DialogueStateTracker,
    ) -> None:
        reply = dict(entities[LATE_ENTITY])
        said = {"text": reply.get("text"), "buttons": reply.get("buttons"), "custom": reply.get("json_message")}
        await output_channel.send_response(tracker.sender_id, said)


@asynccontextmanager
async def rasa_api(channels: list[InputChannel], agent: LateAgent, token: str) -> AsyncIterator[RunningServer]:
    """Rasa's HTTP API (``rasa.server.create_app``) with the channels registered as ``rasa run`` does."""
    Sanic.test_mode = True
    app = create_app(agent=agent, auth_token=token)  # type: ignore[arg-type]
    app.config.ACCESS_LOG = False
    register(channels, app, route="/webhooks/")
    sock = free_socket()
    server = await app.create_server(sock=sock, return_asyncio_server=True)
    assert server is not None
    await server.startup()
    await server.before_start()
    await server.after_start()
    try:
        yield RunningServer(app=app, url=f"http://127.0.0.1:{sock.getsockname()[1]}")
    finally:
        await server.before_stop()
        await server.close()  # type: ignore[func-returns-value]
        await server.after_stop()
        sock.close()


ALERT_REPLY: dict[str, Any] = {"text": ALERT["text"], "buttons": ALERT["buttons"], "json_message": {"fields": FIELDS}}


async def test_rasa_answers_the_poster_5xx_when_the_channel_cannot_be_posted_to(
    slack_fake: FakeSlack, slack_settings: SlackSettings
) -> None:
    agent, token = LateAgent(), "rasa-secret"
    channel = SlackInput(slack_settings)
    async with rasa_api([channel], agent, token) as rasa:
        await slack_fake.wait_socket()
        poster = RasaPoster(rasa.url, token, output_channel=output_channel_for(SLACK_OPS) or "")
        await poster(SLACK_OPS, ALERT_REPLY)  # type: ignore[arg-type]
        # Rasa keys the conversation by the raw path: the "#" arrives as "%23", and still names the channel.
        assert agent.conversations == [f"slack:{TEAM}:%23{SLACK_CHANNEL}"]
        [post] = posts(slack_fake)
        assert post.args["channel"] == SLACK_CHANNEL and post.args["attachments"][0]["color"] == COLOUR_HEX["red"]

        slack_fake.missing_channels.add(SLACK_CHANNEL)
        with pytest.raises(PostFailed) as failed:
            await poster(SLACK_OPS, ALERT_REPLY)  # type: ignore[arg-type]
        assert failed.value.status == 500
        # A late message to a user keeps being dropped quietly: the job poster gets its 200.
        await RasaPoster(rasa.url, token, output_channel="slack")(f"slack:{TEAM}:{SLACK_BOB}", {"text": "done"})
        assert len(posts(slack_fake)) == 2
