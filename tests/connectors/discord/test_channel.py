"""discord.py against the fake gateway and REST API, through a Rasa server's channel registration."""
from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from discord.utils import time_snowflake

from connectors.core.inbox import Inbox
from connectors.core.messages import ConnectorMessages
from connectors.discord import DiscordInput
from connectors.discord.render import choice_custom_id
from connectors.discord.settings import DiscordSettings
from connectors.vocabulary import table_as_text
from tests.connectors.harness import ALICE, BOB, Agent, DiscordHarness, DiscordUsers, payload
from tests.fakes.discord_fake import FakeDiscord
from tests.fakes.rasa_stub import (
    FIELDS,
    PRESIGNED,
    PROGRESS_REPLY,
    TABLE,
    USAGE_TABLE,
    ScriptedAgent,
    rasa_server,
    script,
)

GUILD = "800000000000000001"
CHANNEL = "700000000000000001"
DM_CHANNEL = "710000000000000001"
OTHER_CHANNEL = "700000000000000002"


async def test_mention_in_guild_gets_reply(discord: DiscordHarness, agent: ScriptedAgent) -> None:
    message_id = await discord.say("hello there")
    await discord.fake.wait_for(lambda: discord.fake.posted(CHANNEL))
    [received] = agent.received
    assert received.text == "hello there"
    assert received.sender_id == f"discord:{GUILD}:{ALICE}"
    assert received.message_id == message_id
    assert received.input_channel == "discord"
    assert received.metadata == {
        "platform": "discord", "workspace_id": GUILD, "user_id": ALICE, "user_name": "Alice",
        "channel_id": CHANNEL, "attachments": [],
    }
    [reply] = discord.fake.posted(CHANNEL)
    assert reply.json["content"] == "hello"
    assert discord.fake.calls("POST", f"/channels/{CHANNEL}/typing")


async def test_direct_message_identity_is_dm(discord: DiscordHarness, agent: ScriptedAgent) -> None:
    await discord.say("hello", dm=True)
    await discord.fake.wait_for(lambda: discord.fake.posted())
    [received] = agent.received
    assert received.sender_id == f"discord:dm:{ALICE}"
    assert received.metadata["workspace_id"] == "dm"
    assert received.metadata["channel_id"] == DM_CHANNEL
    assert [r.json["content"] for r in discord.fake.posted(DM_CHANNEL)] == ["hello"]


async def test_server_status_renders_embed_with_labelled_fields(discord: DiscordHarness) -> None:
    await discord.say("server status")
    [reply] = await discord.fake.wait_for(lambda: discord.fake.posted(CHANNEL))
    assert reply.json["content"] is None
    [embed] = reply.json["embeds"]
    assert embed["title"] == FIELDS["title"]
    assert [(f["name"], f["value"], f["inline"]) for f in embed["fields"]] == [
        (item["label"], item["value"], True) for item in FIELDS["items"]
    ]


async def test_confirmation_round_trip_by_button(discord: DiscordHarness, agent: ScriptedAgent) -> None:
    await discord.say("create bucket demo")
    [question] = await discord.fake.wait_for(lambda: discord.fake.posted(CHANNEL))
    buttons = question.json["components"][0]["components"]
    assert question.json["content"] == "Create bucket demo?"
    assert [(b["label"], b.get("disabled", False)) for b in buttons] == [("Yes", False), ("No", False)]

    # Someone else clicks: an ephemeral "not yours", nothing reaches the bot.
    intruder = await discord.click(question.json, 0, user=BOB, name="bob")
    [refusal] = await discord.fake.wait_for(lambda: discord.fake.calls("POST", f"/interactions/{intruder}/"))
    assert refusal.json["type"] == 4 and refusal.json["data"]["flags"] == 64
    assert refusal.json["data"]["content"] == ConnectorMessages.NOT_YOURS

    # The owner clicks "Yes": buttons disabled in the same response, the bot hears /affirm from the same sender.
    click = await discord.click(question.json, 0)
    [update] = await discord.fake.wait_for(lambda: discord.fake.calls("POST", f"/interactions/{click}/"))
    assert update.json["type"] == 7
    disabled = update.json["data"]["components"][0]["components"]
    assert [(b["label"], b["disabled"]) for b in disabled] == [("Yes", True), ("No", True)]
    await agent.wait_received(2)
    assert agent.texts() == ["create bucket demo", "/affirm"]
    assert agent.received[1].sender_id == agent.received[0].sender_id == f"discord:{GUILD}:{ALICE}"
    await discord.fake.wait_for(lambda: len(discord.fake.posted(CHANNEL)) == 2)
    assert discord.fake.posted(CHANNEL)[1].json["content"] == "Bucket demo created."

    # A second click (double click, or a replayed event) runs nothing.
    again = await discord.click(question.json, 0)
    await discord.say("hello")
    await discord.fake.wait_for(lambda: len(discord.fake.posted(CHANNEL)) == 3)
    assert agent.texts() == ["create bucket demo", "/affirm", "hello"]
    assert not discord.fake.calls("POST", f"/interactions/{again}/")


def sent_before_a_restart(*, age: timedelta, owner: str = ALICE) -> dict[str, Any]:
    """A confirmation the bot posted in an earlier run: Discord still shows its buttons, no view knows them."""
    buttons = [
        {"type": 2, "style": style, "label": label, "custom_id": f"cb:{owner}:{index}:{payload}"}
        for index, (label, payload, style) in enumerate((("Yes", "/affirm", 1), ("No", "/deny", 2)))
    ]
    posted_at = datetime.now(UTC) - age
    return {"id": str(time_snowflake(posted_at)), "components": [{"type": 1, "components": buttons}]}


async def test_buttons_sent_before_a_restart_still_work_once_and_only_for_their_owner(
    discord: DiscordHarness, agent: ScriptedAgent
) -> None:
    question = sent_before_a_restart(age=timedelta(minutes=2))

    intruder = await discord.click(question, 0, user=BOB, name="bob")
    [refusal] = await discord.fake.wait_for(lambda: discord.fake.calls("POST", f"/interactions/{intruder}/"))
    assert refusal.json["type"] == 4 and refusal.json["data"]["flags"] == 64
    assert refusal.json["data"]["content"] == ConnectorMessages.NOT_YOURS

    click = await discord.click(question, 0)
    [update] = await discord.fake.wait_for(lambda: discord.fake.calls("POST", f"/interactions/{click}/"))
    assert update.json["type"] == 7
    shown = update.json["data"]["components"][0]["components"]
    assert [(b["label"], b["disabled"], b["style"]) for b in shown] == [("Yes", True, 3), ("No", True, 2)]
    await agent.wait_received(1)
    assert agent.texts() == ["/affirm"]
    assert agent.received[0].sender_id == f"discord:{GUILD}:{ALICE}"
    [done] = await discord.fake.wait_for(lambda: discord.fake.posted(CHANNEL))
    assert done.json["content"] == "Bucket demo created."

    # Another click on the same message (before Discord showed the disabled buttons) runs nothing.
    again = await discord.click(question, 1)
    [deferred] = await discord.fake.wait_for(lambda: discord.fake.calls("POST", f"/interactions/{again}/"))
    assert deferred.json["type"] == 6
    await discord.say("hello")
    await discord.fake.wait_for(lambda: len(discord.fake.posted(CHANNEL)) == 2)
    assert agent.texts() == ["/affirm", "hello"]


async def test_expired_buttons_from_before_a_restart_are_disabled_and_run_nothing(
    discord: DiscordHarness, agent: ScriptedAgent
) -> None:
    question = sent_before_a_restart(age=timedelta(seconds=discord.channel.settings.button_timeout + 60))
    click = await discord.click(question, 0)
    [answer] = await discord.fake.wait_for(lambda: discord.fake.calls("POST", f"/interactions/{click}/"))
    assert answer.json["type"] == 4 and answer.json["data"]["flags"] == 64
    assert answer.json["data"]["content"] == ConnectorMessages.EXPIRED
    [edit] = await discord.fake.wait_for(lambda: discord.fake.calls("PATCH", f"/messages/{question['id']}"))
    assert [b["disabled"] for b in edit.json["components"][0]["components"]] == [True, True]
    await discord.say("hello")
    await discord.fake.wait_for(lambda: discord.fake.posted(CHANNEL))
    assert agent.texts() == ["hello"]


async def test_buttons_carry_owner_and_payload_when_they_fit(discord: DiscordHarness) -> None:
    await discord.say("create bucket demo")
    [question] = await discord.fake.wait_for(lambda: discord.fake.posted(CHANNEL))
    ids = [b["custom_id"] for b in question.json["components"][0]["components"]]
    assert ids == [f"cb:{ALICE}:0:/affirm", f"cb:{ALICE}:1:/deny"]
    assert choice_custom_id(int(ALICE), 0, "/" + "x" * 100) is None  # too long: a plain, per-run id


async def test_attachment_is_saved_to_inbox_and_passed_in_metadata(
    discord: DiscordHarness, agent: ScriptedAgent, inbox: Inbox
) -> None:
    data = bytes(range(256)) * 300
    discord.fake.attachments["report.pdf"] = data
    [attachment] = payload("discord_message_create_dm.json")["attachments"]
    attachment.update(size=len(data), url=discord.fake.attachment_url("report.pdf"))
    await discord.say("upload this to my-project-bucket", dm=True, attachments=[attachment])
    [reply] = await discord.fake.wait_for(lambda: discord.fake.posted(DM_CHANNEL))
    [received] = agent.received
    [meta] = received.metadata["attachments"]
    folder = meta["path"].split("/")[0]
    assert meta == {"name": "Q2 report (final).pdf", "path": f"{folder}/Q2 report (final).pdf", "size": len(data),
                    "content_type": "application/pdf"}
    assert (inbox.root / meta["path"]).read_bytes() == data
    assert folder.startswith("discord-")
    assert reply.json["content"] == "received: Q2 report (final).pdf"


async def test_attachment_over_the_limit_is_not_downloaded(
    discord: DiscordHarness, agent: ScriptedAgent, inbox: Inbox
) -> None:
    [attachment] = payload("discord_message_create_dm.json")["attachments"]
    attachment.update(size=inbox.max_bytes + 1, url=discord.fake.attachment_url("big.bin"))
    await discord.say("upload this", dm=True, attachments=[attachment])
    await discord.fake.wait_for(lambda: discord.fake.posted(DM_CHANNEL))
    [received] = agent.received
    assert received.metadata["attachments"] == []
    assert received.metadata["attachments_rejected"] == [
        {"name": "../Q2 report (final).pdf", "size": inbox.max_bytes + 1, "reason": "too_large"}
    ]
    assert not discord.fake.calls("GET", "/attachments/")


async def test_image_reply_is_uploaded_as_file(discord: DiscordHarness, media_dir: Path) -> None:
    await discord.say("show the chart")
    [reply] = await discord.fake.wait_for(lambda: discord.fake.posted(CHANNEL))
    assert reply.json["content"] == "Bucket size over time"
    assert reply.files == {"chart.png": (media_dir / "chart.png").read_bytes()}


async def test_long_reply_is_split_at_line_boundaries(discord: DiscordHarness, agent: Agent) -> None:
    await discord.say("long report")
    expected = script("long", {})[0]["text"]
    await agent.wait_handled(1)  # every piece posted
    pieces = [r.json["content"] for r in discord.fake.posted(CHANNEL)]
    assert [len(p.splitlines()) for p in pieces] == [21, 21, 18]  # 92-character lines, 21 fit in 2,000
    assert all(len(p) <= 2000 for p in pieces)
    assert "\n".join(pieces) == expected  # nothing lost, every cut at a line break


async def test_table_degrades_to_monospace_text(discord: DiscordHarness) -> None:
    await discord.say("table of buckets")
    [reply] = await discord.fake.wait_for(lambda: discord.fake.posted(CHANNEL))
    assert reply.json["content"] == f"```\n{table_as_text(TABLE)}\n```"
    assert not reply.json.get("embeds")


async def test_bot_and_unaddressed_messages_are_ignored(discord: DiscordHarness, agent: Agent) -> None:
    await discord.say("hello from another bot", user="600000000000000077", name="otherbot", bot=True)
    await discord.say("hello from myself", user=discord.fake.bot_id, name="cloudbutler", bot=True)
    await discord.say("hello without mention", mention=False)
    await discord.say("hello, now addressed")
    # Events are handled in the order they arrive, and an ignored one is dropped before its handler awaits
    # anything: once the last message is answered, the others have had their chance.
    await agent.wait_handled(1)
    assert agent.texts() == ["hello, now addressed"]
    assert len(discord.fake.posted(CHANNEL)) == 1


async def test_two_users_in_one_channel_keep_separate_conversations(
    discord: DiscordHarness, agent: ScriptedAgent
) -> None:
    await discord.say("hello from alice")
    await discord.say("hello from bob", user=BOB, name="bob")
    await discord.fake.wait_for(lambda: len(discord.fake.posted(CHANNEL)) == 2)
    by_text = {m.text: m for m in agent.received}
    assert by_text["hello from alice"].sender_id == f"discord:{GUILD}:{ALICE}"
    assert by_text["hello from bob"].sender_id == f"discord:{GUILD}:{BOB}"
    assert by_text["hello from bob"].metadata["user_name"] == "Bob"


async def test_gateway_drop_resumes_without_losing_or_repeating(discord: DiscordHarness, agent: Agent) -> None:
    await discord.say("hello before the drop")
    await discord.fake.wait_for(lambda: len(discord.fake.posted(CHANNEL)) == 1)
    await discord.fake.drop()
    await discord.say("hello during the drop")  # queued by the gateway, replayed on RESUME
    await discord.fake.wait_for(lambda: len(discord.fake.posted(CHANNEL)) == 2, timeout=10)
    [resume] = discord.fake.resumes
    assert resume["session_id"] == "session-1" and resume["token"] == "discord-test-token"
    assert discord.fake.identifies == 1  # resumed, not re-identified
    assert discord.fake.replayed == ["MESSAGE_CREATE"]  # only what the bot missed
    await discord.say("hello after the drop")
    await agent.wait_handled(3)
    assert agent.texts() == ["hello before the drop", "hello during the drop", "hello after the drop"]
    assert [r.json["content"] for r in discord.fake.posted(CHANNEL)] == ["hello"] * 3


async def test_replayed_message_is_answered_once(discord: DiscordHarness, agent: Agent) -> None:
    data = payload("discord_message_create_guild.json")
    await discord.fake.dispatch("MESSAGE_CREATE", data)
    await discord.fake.dispatch("MESSAGE_CREATE", data)
    await discord.say("hello again")
    await agent.wait_handled(2)  # the replay was dropped on arrival, before "hello again" was handled
    assert len(discord.fake.posted(CHANNEL)) == 2
    assert agent.texts() == ["hello there", "hello again"]


async def test_allow_list_limits_guild_channels(
    discord_fake: FakeDiscord, discord_settings: DiscordSettings, agent: Agent
) -> None:
    settings = dataclasses.replace(discord_settings, allowed_channels=frozenset({CHANNEL}))
    channel = DiscordInput(settings)
    async with rasa_server([channel], agent):
        assert channel.gateway is not None
        await channel.gateway.wait_until_ready(timeout=10)
        harness = DiscordUsers(discord_fake)
        await harness.say("hello elsewhere", channel_id=OTHER_CHANNEL)
        await harness.say("hello here")
        await harness.say("hello in private", dm=True)
        await agent.wait_handled(2)  # in order of arrival: the one elsewhere was dropped first
        assert len(discord_fake.posted()) == 2
    assert agent.texts() == ["hello here", "hello in private"]


async def test_a_destructive_confirmation_a_link_a_table_and_progress_reach_discord_readable(
    discord: DiscordHarness, agent: Agent
) -> None:
    await discord.say("delete bucket old-logs")
    [question] = await discord.fake.wait_for(lambda: discord.fake.posted(CHANNEL))
    buttons = question.json["components"][0]["components"]
    assert [(b["label"], b["style"]) for b in buttons] == [("Yes, delete old-logs", 4), ("No, cancel", 2)]  # red, grey
    for text in ("download report.pdf", "show progress", "usage of logs"):
        await discord.say(text)
    await agent.wait_handled(4)  # every piece posted
    posts = discord.fake.posted(CHANNEL)
    contents = sorted(post.json["content"] for post in posts[1:])  # each request is answered as it ends
    assert contents == sorted([
        f"Saved report.pdf. Link: [Download (expires in 1 h)](<{PRESIGNED}>)",
        f"{PROGRESS_REPLY['text']}\n▓▓▓▓░░░░░░ 4/10 files",
        f"```\n{table_as_text(USAGE_TABLE)}\n```",
        "Sizes from CloudWatch, as of yesterday.",
    ])
