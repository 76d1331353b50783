"""Late and proactive messages (``get_output_channel``): Rasa's ``trigger_intent?output_channel=latest`` and alerts
post to where the recipient last talked to the bot, with working buttons that belong to that recipient."""
from __future__ import annotations

import dataclasses
import json
import logging
from types import SimpleNamespace
from typing import Any

import pytest
from rasa.core.channels.channel import OutputChannel
from rasa.server import _get_output_channel
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from common.store import MemoryStore
from connectors.core.late import LateDeliveryFailed
from connectors.core.messages import ConnectorMessages
from connectors.discord import DiscordInput
from connectors.discord.settings import DiscordSettings
from connectors.slack import SlackInput
from connectors.slack.settings import SlackSettings
from tests.connectors.harness import ALICE, BOB, SLACK_ALICE, SLACK_BOB, DiscordHarness, SlackHarness
from tests.fakes.discord_fake import FakeDiscord
from tests.fakes.rasa_stub import FIELDS, RunningServer, ScriptedAgent, rasa_server
from tests.fakes.slack_fake import FakeSlack

GUILD = "800000000000000001"
CHANNEL = "700000000000000001"
OTHER_CHANNEL = "700000000000000002"
DM_CHANNEL = "710000000000000001"
ALICE_SENDER = f"discord:{GUILD}:{ALICE}"
TEAM = "T0CLOUD01"
SLACK_CHANNEL = "C0OPS0001"
SLACK_DM = "D0ALICEDM"
SLACK_ALICE_SENDER = f"slack:{TEAM}:{SLACK_ALICE}"
THREAD = "1714564000.000001"

PROGRESS = {"text": "Upload 40% done (80 MB of 200 MB)"}
RESULT = {"text": "Server i-0abc: Region eu-central-1", "custom": {"fields": FIELDS}}
QUESTION = {"text": "Apply the lifecycle policy now?",
            "buttons": [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]}


def late(channel: DiscordInput | SlackInput) -> OutputChannel:
    output = channel.get_output_channel()
    assert output is not None
    return output


def output_for_latest(server: RunningServer, sender_id: str, input_channel: str) -> OutputChannel:
    """What Rasa's HTTP API picks for ``?output_channel=latest`` once ``sender_id`` last wrote on ``input_channel``."""
    tracker = DialogueStateTracker.from_events(sender_id, [UserUttered("hello", input_channel=input_channel)])
    request = SimpleNamespace(args={"output_channel": "latest"}, app=server.app)
    return _get_output_channel(request, tracker)  # type: ignore[arg-type]


# --- Discord ---


async def test_discord_rasa_picks_the_late_output_for_latest(discord: DiscordHarness) -> None:
    await discord.say("hello there")
    await discord.fake.wait_for(lambda: discord.fake.posted(CHANNEL))
    output = output_for_latest(discord.server, ALICE_SENDER, "discord")
    assert output.name() == "discord"
    await output.send_response(ALICE_SENDER, dict(PROGRESS))
    posts = await discord.fake.wait_for(lambda: len(discord.fake.posted(CHANNEL)) == 2 and discord.fake.posted())
    assert [p.json["content"] for p in posts] == ["hello", PROGRESS["text"]]


async def test_discord_late_message_goes_where_the_user_last_talked(discord: DiscordHarness) -> None:
    await discord.say("hello here")
    await discord.say("hello over there", channel_id=OTHER_CHANNEL)
    await discord.fake.wait_for(lambda: discord.fake.posted(CHANNEL) and discord.fake.posted(OTHER_CHANNEL))
    await late(discord.channel).send_response(ALICE_SENDER, dict(RESULT))
    await discord.fake.wait_for(lambda: len(discord.fake.posted(OTHER_CHANNEL)) == 2)
    reply = discord.fake.posted(OTHER_CHANNEL)[1]
    assert reply.json["content"] is None
    [embed] = reply.json["embeds"]
    assert embed["title"] == FIELDS["title"]
    assert [(f["name"], f["value"]) for f in embed["fields"]] == [(i["label"], i["value"]) for i in FIELDS["items"]]
    assert len(discord.fake.posted(CHANNEL)) == 1


async def test_discord_dm_is_its_own_conversation(discord: DiscordHarness) -> None:
    await discord.say("hello in private", dm=True)
    await discord.say("hello in public")
    await discord.fake.wait_for(lambda: discord.fake.posted(DM_CHANNEL) and discord.fake.posted(CHANNEL))
    await late(discord.channel).send_response(f"discord:dm:{ALICE}", dict(PROGRESS))
    await discord.fake.wait_for(lambda: len(discord.fake.posted(DM_CHANNEL)) == 2)
    assert discord.fake.posted(DM_CHANNEL)[1].json["content"] == PROGRESS["text"]
    assert len(discord.fake.posted(CHANNEL)) == 1


async def test_discord_buttons_in_a_late_message_belong_to_its_recipient(
    discord: DiscordHarness, agent: ScriptedAgent
) -> None:
    await discord.say("hello from alice")
    await discord.say("hello from bob", user=BOB, name="bob")
    await discord.fake.wait_for(lambda: len(discord.fake.posted(CHANNEL)) == 2)
    await late(discord.channel).send_response(ALICE_SENDER, dict(QUESTION))
    await discord.fake.wait_for(lambda: len(discord.fake.posted(CHANNEL)) == 3)
    question = discord.fake.posted(CHANNEL)[2]
    assert question.json["content"] == QUESTION["text"]
    assert [b["label"] for b in question.json["components"][0]["components"]] == ["Yes", "No"]

    intruder = await discord.click(question.json, 0, user=BOB, name="bob")
    [refusal] = await discord.fake.wait_for(lambda: discord.fake.calls("POST", f"/interactions/{intruder}/"))
    assert refusal.json["data"]["content"] == ConnectorMessages.NOT_YOURS and refusal.json["data"]["flags"] == 64

    click = await discord.click(question.json, 0)
    [update] = await discord.fake.wait_for(lambda: discord.fake.calls("POST", f"/interactions/{click}/"))
    assert update.json["type"] == 7
    assert [b["disabled"] for b in update.json["data"]["components"][0]["components"]] == [True, True]
    await agent.wait_received(3)
    assert agent.received[2].text == "/affirm" and agent.received[2].sender_id == ALICE_SENDER
    await discord.fake.wait_for(lambda: len(discord.fake.posted(CHANNEL)) == 4)
    assert discord.fake.posted(CHANNEL)[3].json["content"] == "Bucket demo created."


async def test_discord_unknown_recipient_is_logged_and_dropped(
    discord: DiscordHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="connectors")
    await late(discord.channel).send_response("discord:dm:600000000000000099", dict(PROGRESS))  # decided here
    assert discord.fake.posted() == []
    [record] = [r for r in caplog.records if "600000000000000099" in r.getMessage()]
    assert record.levelno == logging.INFO and "dropped" in record.getMessage()


async def test_discord_failed_late_post_is_logged_not_raised(
    discord: DiscordHarness, caplog: pytest.LogCaptureFixture
) -> None:
    await discord.say("hello")
    await discord.fake.wait_for(lambda: discord.fake.posted(CHANNEL))
    discord.fake.forbidden_channels.add(CHANNEL)  # the bot lost access since
    await late(discord.channel).send_response(ALICE_SENDER, dict(PROGRESS))
    assert len(discord.fake.posted(CHANNEL)) == 2  # tried once, refused
    [record] = [r for r in caplog.records if "could not post" in r.getMessage()]
    assert record.levelno == logging.WARNING and "Forbidden" in record.getMessage()


async def test_discord_remembers_a_bounded_number_of_senders(
    discord_fake: FakeDiscord, discord_settings: DiscordSettings, agent: ScriptedAgent
) -> None:
    channel = DiscordInput(dataclasses.replace(discord_settings, last_seen_max_items=1))
    async with rasa_server([channel], agent) as server:
        assert channel.gateway is not None
        await channel.gateway.wait_until_ready(timeout=10)
        harness = DiscordHarness(discord_fake, channel, server)
        await harness.say("hello from alice")
        await agent.wait_received(1)
        await harness.say("hello from bob", user=BOB, name="bob")
        await discord_fake.wait_for(lambda: len(discord_fake.posted(CHANNEL)) == 2)
        await late(channel).send_response(ALICE_SENDER, {"text": "for alice"})
        await late(channel).send_response(f"discord:{GUILD}:{BOB}", {"text": "for bob"})
        await discord_fake.wait_for(lambda: len(discord_fake.posted(CHANNEL)) == 3)
    assert [p.json["content"] for p in discord_fake.posted(CHANNEL)] == ["hello", "hello", "for bob"]


async def test_discord_keeps_where_users_wrote_as_plain_ids_in_the_store_it_is_given(
    discord_fake: FakeDiscord, discord_settings: DiscordSettings, agent: ScriptedAgent
) -> None:
    shared = MemoryStore()  # what a Redis store would be for several server processes
    channel = DiscordInput(discord_settings, store=shared)
    async with rasa_server([channel], agent) as server:
        assert channel.gateway is not None
        await channel.gateway.wait_until_ready(timeout=10)
        await DiscordHarness(discord_fake, channel, server).say("hello there")
        await discord_fake.wait_for(lambda: discord_fake.posted(CHANNEL))
    place = shared.get("last_seen:discord", ALICE_SENDER)
    assert place == {"workspace_id": GUILD, "channel_id": CHANNEL, "user_id": ALICE}
    assert json.loads(json.dumps(place)) == place
    assert shared.add("dedupe:discord", f"message:{agent.received[0].message_id}", True) is False  # seen there too


async def test_disabled_connectors_drop_late_messages_and_refuse_alerts_to_channels(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Without an output channel Rasa would collect an alert and answer 200: the poster would think it was posted.
    async def handler(_: Any) -> None:
        return None

    caplog.set_level(logging.INFO, logger="connectors")
    discord = DiscordInput(DiscordSettings(token=""))
    slack = SlackInput(SlackSettings(bot_token=""))
    discord.blueprint(handler)
    slack.blueprint(handler)
    await late(slack).send_response(SLACK_ALICE_SENDER, dict(PROGRESS))
    await late(discord).send_response(ALICE_SENDER, dict(PROGRESS))
    assert len([r for r in caplog.records if "dropped" in r.getMessage()]) == 2
    with pytest.raises(LateDeliveryFailed, match="not connected"):
        await late(slack).send_response(f"slack:{TEAM}:#{SLACK_CHANNEL}", dict(PROGRESS))
    with pytest.raises(LateDeliveryFailed, match="not connected"):
        await late(discord).send_response(f"discord:{GUILD}:#{CHANNEL}", dict(PROGRESS))


# --- Slack ---


async def test_slack_rasa_picks_the_late_output_for_latest(slack: SlackHarness) -> None:
    await slack.http(slack.mention("hello there"))
    await slack.fake.wait_for(lambda: slack.fake.called("chat.postMessage"))
    output = output_for_latest(slack.server, SLACK_ALICE_SENDER, "slack")
    assert output.name() == "slack"
    await output.send_response(SLACK_ALICE_SENDER, dict(PROGRESS))
    [_, post] = await slack.fake.wait_for(lambda: len(slack.fake.called("chat.postMessage")) == 2
                                          and slack.fake.called("chat.postMessage"))
    assert post.args["channel"] == SLACK_CHANNEL and post.args["text"] == PROGRESS["text"]


async def test_slack_late_message_goes_into_the_thread_of_the_last_message(slack: SlackHarness) -> None:
    await slack.fake.send_envelope("events_api", slack.mention("hello in thread", thread_ts=THREAD))
    await slack.fake.wait_for(lambda: slack.fake.called("chat.postMessage"))
    assert slack.channel.last_seen.recall(SLACK_ALICE_SENDER) == {
        "workspace_id": TEAM, "channel_id": SLACK_CHANNEL, "thread_id": THREAD, "user_id": SLACK_ALICE}
    await late(slack.channel).send_response(SLACK_ALICE_SENDER, dict(RESULT))
    [_, post] = await slack.fake.wait_for(lambda: len(slack.fake.called("chat.postMessage")) == 2
                                          and slack.fake.called("chat.postMessage"))
    assert post.args["channel"] == SLACK_CHANNEL and post.args["thread_ts"] == THREAD
    assert post.args["text"] == RESULT["text"]
    assert post.args["blocks"] == [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{FIELDS['title']}*"}},
        {"type": "section", "fields": [
            {"type": "mrkdwn", "text": f"*{item['label']}*\n{item['value']}"} for item in FIELDS["items"]]},
    ]


async def test_slack_late_message_follows_the_user_to_the_dm(slack: SlackHarness) -> None:
    await slack.http(slack.mention("hello in the channel"))
    await slack.http(slack.direct("hello in private"))
    await slack.fake.wait_for(lambda: len(slack.fake.called("chat.postMessage")) == 2)
    await late(slack.channel).send_response(SLACK_ALICE_SENDER, dict(PROGRESS))
    await slack.fake.wait_for(lambda: len(slack.fake.called("chat.postMessage")) == 3)
    post = slack.fake.called("chat.postMessage")[2]
    assert post.args["channel"] == SLACK_DM and "thread_ts" not in post.args


async def test_slack_buttons_in_a_late_message_belong_to_its_recipient(
    slack: SlackHarness, agent: ScriptedAgent
) -> None:
    await slack.http(slack.mention("hello from alice"))
    await slack.http(slack.mention("hello from bob", user=SLACK_BOB))
    await slack.fake.wait_for(lambda: len(slack.fake.called("chat.postMessage")) == 2)
    await late(slack.channel).send_response(SLACK_ALICE_SENDER, dict(QUESTION))
    await slack.fake.wait_for(lambda: len(slack.fake.called("chat.postMessage")) == 3)
    question = slack.fake.called("chat.postMessage")[2]
    [actions] = [b for b in question.args["blocks"] if b["type"] == "actions"]
    assert actions["block_id"] == f"cloudbutler_buttons:{SLACK_ALICE}"
    assert [e["value"] for e in actions["elements"]] == ["/affirm", "/deny"]

    await slack.fake.send_envelope("interactive", slack.click(question, 0, user=SLACK_BOB))
    [refusal] = await slack.fake.wait_for(lambda: slack.fake.called("chat.postEphemeral"))
    assert refusal.args["user"] == SLACK_BOB and refusal.args["text"] == ConnectorMessages.NOT_YOURS

    await slack.fake.send_envelope("interactive", slack.click(question, 0))
    [update] = await slack.fake.wait_for(lambda: slack.fake.called("chat.update"))
    assert update.args["ts"] == question.response["ts"]
    assert update.args["blocks"][-1] == {
        "type": "context", "elements": [{"type": "mrkdwn", "text": ConnectorMessages.CHOSEN.format(title="Yes")}]}
    await agent.wait_received(3)
    assert agent.received[2].text == "/affirm" and agent.received[2].sender_id == SLACK_ALICE_SENDER
    await slack.fake.wait_for(lambda: len(slack.fake.called("chat.postMessage")) == 4)
    assert slack.fake.called("chat.postMessage")[3].args["text"] == "Bucket demo created."


async def test_slack_unknown_recipient_is_logged_and_dropped(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="connectors")
    await late(slack.channel).send_response(f"slack:{TEAM}:U0NOBODY1", dict(PROGRESS))  # decided here
    assert slack.fake.called("chat.postMessage") == []
    [record] = [r for r in caplog.records if "U0NOBODY1" in r.getMessage()]
    assert record.levelno == logging.INFO and "dropped" in record.getMessage()


async def test_slack_failed_late_post_is_logged_not_raised(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    await slack.http(slack.mention("hello"))
    await slack.fake.wait_for(lambda: slack.fake.called("chat.postMessage"))
    slack.fake.missing_channels.add(SLACK_CHANNEL)  # archived since
    await late(slack.channel).send_response(SLACK_ALICE_SENDER, dict(PROGRESS))
    [_, failed] = slack.fake.called("chat.postMessage")
    assert failed.response == {"ok": False, "error": "channel_not_found"}
    [record] = [r for r in caplog.records if "could not post" in r.getMessage()]
    assert record.levelno == logging.WARNING and "SlackApiError" in record.getMessage()


async def test_slack_remembers_a_bounded_number_of_senders(
    slack_fake: FakeSlack, slack_settings: SlackSettings, agent: ScriptedAgent
) -> None:
    channel = SlackInput(dataclasses.replace(slack_settings, last_seen_max_items=1, app_token=""))
    async with rasa_server([channel], agent) as server:
        harness = SlackHarness(slack_fake, channel, server)
        await harness.http(harness.mention("hello from alice"))
        await agent.wait_received(1)
        await harness.http(harness.mention("hello from bob", user=SLACK_BOB))
        await slack_fake.wait_for(lambda: len(slack_fake.called("chat.postMessage")) == 2)
        await late(channel).send_response(SLACK_ALICE_SENDER, {"text": "for alice"})
        await late(channel).send_response(f"slack:{TEAM}:{SLACK_BOB}", {"text": "for bob"})
    assert [c.args["text"] for c in slack_fake.called("chat.postMessage")] == ["hello", "hello", "for bob"]


def report(done: int, total: int = 10) -> dict[str, Any]:
    return {"text": f"Uploading: {done} of {total} files done.",
            "custom": {"progress": {"done": done, "total": total, "unit": "files"}}}


async def test_slack_a_jobs_progress_moves_in_one_message(slack: SlackHarness) -> None:
    await slack.http(slack.mention("hello there"))
    await slack.fake.wait_for(lambda: slack.fake.called("chat.postMessage"))
    output = output_for_latest(slack.server, SLACK_ALICE_SENDER, "slack")
    for done in (2, 5, 10):
        await output.send_response(SLACK_ALICE_SENDER, report(done))
    posts, updates = slack.fake.called("chat.postMessage"), slack.fake.called("chat.update")
    assert len(posts) == 2 and [u.args["ts"] for u in updates] == [posts[1].response["ts"]] * 2
    assert updates[-1].args["blocks"][-1]["elements"][0]["text"] == "▓▓▓▓▓▓▓▓▓▓ 10/10 files"
    assert updates[-1].args["text"] == "Uploading: 10 of 10 files done."
    # Anything said in between, or another job's count, starts a new progress message.
    await output.send_response(SLACK_ALICE_SENDER, {"text": "Uploaded 10 files."})
    await output.send_response(SLACK_ALICE_SENDER, report(1))
    await output.send_response(SLACK_ALICE_SENDER, report(1, total=3))
    await output.send_response(SLACK_ALICE_SENDER, report(0, total=3))  # fewer done: not the same job
    assert len(slack.fake.called("chat.postMessage")) == 6 and len(slack.fake.called("chat.update")) == 2


async def test_slack_progress_whose_message_is_gone_is_posted_anew(slack: SlackHarness) -> None:
    await slack.http(slack.mention("hello there"))
    await slack.fake.wait_for(lambda: slack.fake.called("chat.postMessage"))
    output = output_for_latest(slack.server, SLACK_ALICE_SENDER, "slack")
    await output.send_response(SLACK_ALICE_SENDER, report(2))
    first = slack.fake.called("chat.postMessage")[-1].response["ts"]
    slack.fake.deleted_messages.add(first)
    await output.send_response(SLACK_ALICE_SENDER, report(4))
    await output.send_response(SLACK_ALICE_SENDER, report(6))
    posts, updates = slack.fake.called("chat.postMessage"), slack.fake.called("chat.update")
    assert [p.args["text"] for p in posts[1:]] == ["Uploading: 2 of 10 files done.", "Uploading: 4 of 10 files done."]
    assert [(u.args["ts"], u.response["ok"]) for u in updates] == [(first, False), (posts[-1].response["ts"], True)]


async def test_discord_a_jobs_progress_moves_in_one_message(discord: DiscordHarness) -> None:
    await discord.say("hello there")
    await discord.fake.wait_for(lambda: discord.fake.posted(CHANNEL))
    output = output_for_latest(discord.server, ALICE_SENDER, "discord")
    for done in (2, 5, 10):
        await output.send_response(ALICE_SENDER, report(done))
    posts, edits = discord.fake.posted(CHANNEL), discord.fake.calls("PATCH", f"/channels/{CHANNEL}/messages/")
    assert len(posts) == 2 and [e.path.rsplit("/", 1)[-1] for e in edits] == [posts[1].json["id"]] * 2
    assert edits[-1].json["content"] == "Uploading: 10 of 10 files done.\n▓▓▓▓▓▓▓▓▓▓ 10/10 files"
    await output.send_response(ALICE_SENDER, {"text": "Uploaded 10 files."})
    await output.send_response(ALICE_SENDER, report(1))
    assert len(discord.fake.posted(CHANNEL)) == 4 and len(discord.fake.calls("PATCH", "/messages/")) == 2


async def test_discord_progress_whose_message_is_gone_is_posted_anew(discord: DiscordHarness) -> None:
    await discord.say("hello there")
    await discord.fake.wait_for(lambda: discord.fake.posted(CHANNEL))
    output = output_for_latest(discord.server, ALICE_SENDER, "discord")
    await output.send_response(ALICE_SENDER, report(2))
    first = discord.fake.posted(CHANNEL)[-1].json["id"]
    discord.fake.deleted_messages.add(first)
    await output.send_response(ALICE_SENDER, report(4))
    await output.send_response(ALICE_SENDER, report(6))
    posts = discord.fake.posted(CHANNEL)
    assert [p.json["content"].split("\n")[0] for p in posts[1:]] == [
        "Uploading: 2 of 10 files done.", "Uploading: 4 of 10 files done."]
    edits = discord.fake.calls("PATCH", "/messages/")
    assert [e.path.rsplit("/", 1)[-1] for e in edits] == [first, posts[-1].json["id"]]
