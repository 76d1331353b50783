"""slack-bolt (Socket Mode and Events API) against the fake Slack, through a Rasa server's channel registration."""
from __future__ import annotations

import dataclasses
import html
import logging
import time
from pathlib import Path

import aiohttp
import pytest
from slack_sdk.signature import SignatureVerifier

from connectors.core.inbox import Inbox
from connectors.core.messages import ConnectorMessages
from connectors.slack import SlackInput
from connectors.slack.settings import SlackSettings
from connectors.vocabulary import table_as_text
from tests.connectors.harness import SIGNING_SECRET, SLACK_ALICE, SLACK_BOB, Agent, SlackHarness, payload
from tests.fakes.rasa_stub import DANGER_REPLY, FIELDS, PRESIGNED, TABLE, ScriptedAgent, rasa_server, script
from tests.fakes.slack_fake import FakeSlack, post_event

TEAM = "T0CLOUD01"
CHANNEL = "C0OPS0001"
DM = "D0ALICEDM"


async def test_mention_over_http_gets_reply(slack: SlackHarness, agent: ScriptedAgent) -> None:
    body = slack.mention("hello there")
    status, _, _ = await slack.http(body)
    assert status == 200
    [post] = await slack.fake.wait_for(lambda: slack.fake.called("chat.postMessage"))
    assert post.args["channel"] == CHANNEL and post.args["text"] == "hello"
    assert post.args["blocks"] == [{"type": "section", "text": {"type": "mrkdwn", "text": "hello"}}]
    assert "thread_ts" not in post.args
    assert post.token == "xoxb-test-bot-token"
    [received] = agent.received
    assert received.text == "hello there"
    assert received.sender_id == f"slack:{TEAM}:{SLACK_ALICE}"
    assert received.message_id == body["event_id"]
    assert received.input_channel == "slack"
    assert received.metadata == {
        "platform": "slack", "workspace_id": TEAM, "user_id": SLACK_ALICE, "user_name": "Alice",
        "channel_id": CHANNEL, "attachments": [],
    }


async def test_mention_over_socket_mode_is_acked_and_answered(slack: SlackHarness, agent: ScriptedAgent) -> None:
    envelope = await slack.fake.send_envelope("events_api", slack.mention("hello socket"))
    await slack.fake.wait_for(lambda: envelope in slack.fake.acks)
    [post] = await slack.fake.wait_for(lambda: slack.fake.called("chat.postMessage"))
    assert post.args["text"] == "hello"
    assert agent.texts() == ["hello socket"]
    [connect] = slack.fake.called("apps.connections.open")
    assert connect.token == "xapp-test-app-token"


async def test_reply_goes_into_the_thread_of_the_request(slack: SlackHarness) -> None:
    await slack.http(slack.mention("hello in thread", thread_ts="1714564000.000001"))
    [post] = await slack.fake.wait_for(lambda: slack.fake.called("chat.postMessage"))
    assert post.args["thread_ts"] == "1714564000.000001"


async def test_thread_replies_can_be_turned_off(
    slack_fake: FakeSlack, slack_settings: SlackSettings, agent: ScriptedAgent
) -> None:
    channel = SlackInput(dataclasses.replace(slack_settings, reply_in_thread=False, app_token=""))
    async with rasa_server([channel], agent) as server:
        harness = SlackHarness(slack_fake, channel, server)
        await harness.http(harness.mention("hello in thread", thread_ts="1714564000.000001"))
        [post] = await slack_fake.wait_for(lambda: slack_fake.called("chat.postMessage"))
    assert "thread_ts" not in post.args
    assert slack_fake.socket_connections == 0  # no app token: Events API only


async def test_server_status_renders_section_fields(slack: SlackHarness) -> None:
    await slack.http(slack.mention("server status"))
    [post] = await slack.fake.wait_for(lambda: slack.fake.called("chat.postMessage"))
    assert post.args["text"] == "Region: eu-central-1, CPU 12.5 %"
    assert post.args["blocks"] == [
        {"type": "section", "text": {"type": "mrkdwn", "text": "*Server i-0abc*"}},
        {"type": "section", "fields": [
            {"type": "mrkdwn", "text": f"*{item['label']}*\n{item['value']}"} for item in FIELDS["items"]]},
    ]


async def test_confirmation_round_trip_by_button(slack: SlackHarness, agent: ScriptedAgent) -> None:
    await slack.http(slack.mention("create bucket demo"))
    [question] = await slack.fake.wait_for(lambda: slack.fake.called("chat.postMessage"))
    actions = question.args["blocks"][-1]
    assert actions["type"] == "actions" and actions["block_id"] == f"cloudbutler_buttons:{SLACK_ALICE}"
    assert [(b["text"]["text"], b["value"]) for b in actions["elements"]] == [("Yes", "/affirm"), ("No", "/deny")]

    # Bob clicks Alice's button: he alone is told it is not his; nothing reaches the bot.
    status, _, _ = await slack.http(slack.click(question, 0, user=SLACK_BOB), form=True)
    assert status == 200
    [refusal] = await slack.fake.wait_for(lambda: slack.fake.called("chat.postEphemeral"))
    assert refusal.args["user"] == SLACK_BOB and refusal.args["text"] == ConnectorMessages.NOT_YOURS
    assert not slack.fake.called("chat.update")

    # Alice clicks "Yes" (over Socket Mode this time): the buttons are replaced, the bot hears /affirm.
    envelope = await slack.fake.send_envelope("interactive", slack.click(question, 0))
    [update] = await slack.fake.wait_for(lambda: slack.fake.called("chat.update"))
    assert envelope in slack.fake.acks
    assert update.args["ts"] == question.response["ts"] and update.args["channel"] == CHANNEL
    assert update.args["blocks"] == [
        question.args["blocks"][0],
        {"type": "context", "elements": [{"type": "mrkdwn", "text": ConnectorMessages.CHOSEN.format(title="Yes")}]},
    ]
    await slack.fake.wait_for(lambda: len(slack.fake.called("chat.postMessage")) == 2)
    assert agent.texts() == ["create bucket demo", "/affirm"]
    assert agent.received[1].sender_id == agent.received[0].sender_id == f"slack:{TEAM}:{SLACK_ALICE}"
    assert slack.fake.called("chat.postMessage")[1].args["text"] == "Bucket demo created."

    # A second click on the same message (double click before the update landed) runs nothing.
    await slack.http(slack.click(question, 1), form=True)
    await slack.http(slack.mention("hello"))
    await slack.fake.wait_for(lambda: len(slack.fake.called("chat.postMessage")) == 3)
    assert agent.texts() == ["create bucket demo", "/affirm", "hello"]
    assert len(slack.fake.called("chat.update")) == 1


async def test_shared_file_is_downloaded_into_inbox(slack: SlackHarness, agent: ScriptedAgent, inbox: Inbox) -> None:
    data = b"%PDF-1.7\n" + bytes(range(256)) * 500
    slack.fake.files["report.pdf"] = data
    [file] = payload("slack_message_im.json")["event"]["files"]
    file.update(size=len(data), url_private_download=slack.fake.file_url("report.pdf"))
    await slack.http(slack.direct("upload this to my-project-bucket", files=[file]))
    [post] = await slack.fake.wait_for(lambda: slack.fake.called("chat.postMessage"))
    assert post.args["channel"] == DM and post.args["text"] == "received: Q2 report (final).pdf"
    [received] = agent.received
    [meta] = received.metadata["attachments"]
    folder = meta["path"].split("/")[0]
    assert meta == {"name": "Q2 report (final).pdf", "path": f"{folder}/Q2 report (final).pdf", "size": len(data),
                    "content_type": "application/pdf"}
    assert (inbox.root / meta["path"]).read_bytes() == data
    assert folder.startswith("slack-")
    assert slack.fake.file_downloads == ["Bearer xoxb-test-bot-token"]
    assert received.sender_id == f"slack:{TEAM}:{SLACK_ALICE}" and received.metadata["channel_id"] == DM


async def test_file_on_foreign_host_never_gets_the_token(slack: SlackHarness, agent: ScriptedAgent) -> None:
    [file] = payload("slack_message_im.json")["event"]["files"]
    file.update(size=10, url_private_download="http://evil.example/steal")
    await slack.http(slack.direct("upload this", files=[file]))
    await agent.wait_received(1)
    assert agent.received[0].metadata["attachments"] == []
    assert agent.received[0].metadata["attachments_rejected"] == [
        {"name": "../Q2 report (final).pdf", "size": 10, "reason": "unavailable"}]
    assert slack.fake.file_downloads == []


async def test_image_is_uploaded_with_files_upload_v2(slack: SlackHarness, media_dir: Path) -> None:
    await slack.http(slack.mention("show the chart"))
    [complete] = await slack.fake.wait_for(lambda: slack.fake.called("files.completeUploadExternal"))
    [get_url] = slack.fake.called("files.getUploadURLExternal")
    png = (media_dir / "chart.png").read_bytes()
    assert get_url.args["filename"] == "chart.png" and int(get_url.args["length"]) == len(png)
    assert slack.fake.uploads == {get_url.response["file_id"]: png}
    assert complete.args["channel_id"] == CHANNEL
    assert complete.args["files"] == [{"id": get_url.response["file_id"], "title": "chart.png"}]
    [post] = slack.fake.called("chat.postMessage")
    assert post.args["text"] == "Bucket size over time"


async def test_http_retry_is_answered_once(slack: SlackHarness, agent: Agent) -> None:
    body = slack.mention("hello once")
    first = await slack.http(body)
    retry = await slack.http(body, retry_num=1)
    again = await slack.fake.send_envelope("events_api", body, retry_attempt=2)  # same event, other transport
    await slack.fake.wait_for(lambda: again in slack.fake.acks)
    assert first[0] == retry[0] == 200
    await slack.http(slack.mention("hello next"))
    # Repeats are dropped when they arrive, before they are acknowledged: by now nothing else can come.
    await agent.wait_handled(2)
    assert len(slack.fake.called("chat.postMessage")) == 2
    assert agent.texts() == ["hello once", "hello next"]


async def test_socket_mode_redelivery_is_answered_once(slack: SlackHarness, agent: Agent) -> None:
    body = slack.mention("hello once")
    first = await slack.fake.send_envelope("events_api", body)
    redelivered = await slack.fake.send_envelope("events_api", body, retry_attempt=1)
    await slack.fake.wait_for(lambda: first in slack.fake.acks and redelivered in slack.fake.acks)
    await slack.fake.send_envelope("events_api", slack.mention("hello next"))
    await agent.wait_handled(2)  # the redelivery was dropped before it was acknowledged
    assert len(slack.fake.called("chat.postMessage")) == 2
    assert agent.texts() == ["hello once", "hello next"]


async def test_bad_signature_gets_401_and_reaches_nothing(slack: SlackHarness, agent: ScriptedAgent) -> None:
    body = slack.mention("hello")
    forged = await slack.http(body, signature="v0=" + "0" * 64)
    stale = await slack.http(body, timestamp=int(time.time()) - 600)
    garbage = await slack.http(body, signature="v0=abc", timestamp="yesterday")  # type: ignore[arg-type]
    wrong_secret = await post_event(slack.events_url, body, signing_secret="not-the-secret")
    # Refused before Bolt saw them: a 401 leaves no work behind to wait for.
    assert [r[0] for r in (forged, stale, garbage, wrong_secret)] == [401, 401, 401, 401]
    assert agent.received == []
    assert [c.method for c in slack.fake.calls if c.method != "apps.connections.open"] == []


async def test_ack_comes_before_a_slow_action(slack: SlackHarness, agent: ScriptedAgent) -> None:
    agent.slow_delay = 3.5
    status, _, seconds = await slack.http(slack.mention("slow job"))
    assert status == 200 and seconds < 1.0
    envelope = await slack.fake.send_envelope("events_api", slack.mention("slow job too"))
    await slack.fake.wait_for(lambda: envelope in slack.fake.acks, timeout=1.0)
    assert not slack.fake.called("chat.postMessage")
    posts = await slack.fake.wait_for(lambda: len(slack.fake.called("chat.postMessage")) == 2, timeout=10)
    assert posts and [p.args["text"] for p in slack.fake.called("chat.postMessage")] == ["done slowly"] * 2


async def test_bot_and_other_messages_are_ignored(slack: SlackHarness, agent: Agent) -> None:
    await slack.http(slack.direct("hello from a bot", bot_id="B0OTHER01"))
    await slack.http(slack.direct("hello from myself", user="U0BUTLER1"))
    await slack.http(slack.direct("hello edited", subtype="message_changed"))
    await slack.http(slack.direct("hello in a channel", channel_type="channel", channel=CHANNEL))
    await slack.http(slack.direct("hello for real"))
    # Each event's task starts in order of arrival, and an ignored one ends before it awaits anything.
    await agent.wait_handled(1)
    assert agent.texts() == ["hello for real"]


async def test_two_users_in_one_channel_keep_separate_conversations(
    slack: SlackHarness, agent: ScriptedAgent
) -> None:
    await slack.http(slack.mention("hello from alice"))
    await slack.http(slack.mention("hello from bob", user=SLACK_BOB))
    await slack.fake.wait_for(lambda: len(slack.fake.called("chat.postMessage")) == 2)
    by_text = {m.text: m for m in agent.received}
    assert by_text["hello from alice"].sender_id == f"slack:{TEAM}:{SLACK_ALICE}"
    assert by_text["hello from bob"].sender_id == f"slack:{TEAM}:{SLACK_BOB}"
    assert by_text["hello from bob"].metadata["user_name"] == "Bob"


async def test_table_degrades_to_monospace_text(slack: SlackHarness) -> None:
    await slack.http(slack.mention("table of buckets"))
    [post] = await slack.fake.wait_for(lambda: slack.fake.called("chat.postMessage"))
    assert post.args["blocks"] == [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"```\n{table_as_text(TABLE)}\n```"}}]
    assert post.args["text"] == table_as_text(TABLE)


async def test_long_reply_is_split_into_sections_at_line_boundaries(slack: SlackHarness) -> None:
    await slack.http(slack.mention("long report"))
    [post] = await slack.fake.wait_for(lambda: slack.fake.called("chat.postMessage"))
    sections = [b["text"]["text"] for b in post.args["blocks"]]
    assert all(len(s) <= 3000 for s in sections) and len(sections) == 2
    assert html.unescape("\n".join(sections)) == script("long", {})[0]["text"]


async def test_url_verification_challenge_is_answered(slack: SlackHarness, agent: ScriptedAgent) -> None:
    status, text, _ = await slack.http({"token": "x", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
                                        "type": "url_verification"})
    assert status == 200 and "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in text
    assert agent.received == []


async def test_socket_mode_reconnects_after_the_server_closes(slack: SlackHarness, agent: ScriptedAgent) -> None:
    await slack.fake.close_socket()
    await slack.fake.wait_for(lambda: slack.fake.socket_connections == 2, timeout=10)
    await slack.fake.wait_socket()
    envelope = await slack.fake.send_envelope("events_api", slack.mention("hello again"))
    await slack.fake.wait_for(lambda: envelope in slack.fake.acks)
    [post] = await slack.fake.wait_for(lambda: slack.fake.called("chat.postMessage"))
    assert post.args["text"] == "hello" and agent.texts() == ["hello again"]
    assert len(slack.fake.called("apps.connections.open")) == 2  # a fresh URL for the new connection


async def post_raw(url: str, data: str, *, content_type: str = "application/json") -> tuple[int, str]:
    """A correctly signed POST of any body: what a buggy or compromised Slack-side sender could deliver."""
    stamp = str(int(time.time()))
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=stamp, body=data) or "",
    }
    async with aiohttp.ClientSession() as session, session.post(url, data=data.encode(), headers=headers) as response:
        return response.status, await response.text()


async def test_signed_but_malformed_bodies_get_400_with_a_sentence(slack: SlackHarness, agent: ScriptedAgent) -> None:
    form = "application/x-www-form-urlencoded"
    bodies = [
        ("not json", "application/json"),
        ("[1, 2, 3]", "application/json"),
        ('"just a string"', "application/json"),
        ("", "application/json"),
        ('{"type": "event_callback"}', "application/json"),
        ('{"type": "event_callback", "event": "app_mention"}', "application/json"),
        ('{"type": "event_callback", "event": {"type": "app_mention", "user": ["U0ALICE01"], "text": 7}}',
         "application/json"),
        ('{"type": "url_verification"}', "application/json"),
        ("payload=not%20json", form),
        ("payload=%5B1%2C2%5D", form),
        ('payload={"type": "block_actions"}', form),
        ('payload={"type": "block_actions", "actions": "none"}', form),
        ("nothing=here", form),
    ]
    for data, content_type in bodies:
        status, text = await post_raw(slack.events_url, data, content_type=content_type)
        assert status == 400, (data, status, text)
        assert text[:1].isupper() and text.endswith(".") and text.count(". ") == 0, text  # one sentence
    assert agent.received == []  # refused before Bolt: nothing was left running
    # Still serving: a well-formed event afterwards is answered, and it is the only one the bot heard.
    status, _, _ = await slack.http(slack.mention("hello after garbage"))
    assert status == 200
    await agent.wait_handled(1)
    assert agent.texts() == ["hello after garbage"]


async def test_malformed_socket_mode_event_is_acked_and_dropped(
    slack: SlackHarness, agent: ScriptedAgent, caplog: pytest.LogCaptureFixture
) -> None:
    body = slack.mention("hello")
    body["event"]["user"] = ["U0ALICE01"]
    envelope = await slack.fake.send_envelope("events_api", body)
    await slack.fake.wait_for(lambda: envelope in slack.fake.acks)
    await slack.http(slack.mention("hello after"))
    await agent.wait_received(1)
    assert agent.texts() == ["hello after"]
    assert [r.message for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert any("dropped a malformed payload" in r.message for r in caplog.records)


async def test_a_destructive_confirmation_a_link_and_progress_reach_slack_readable(slack: SlackHarness) -> None:
    await slack.http(slack.mention("delete bucket old-logs"))
    [question] = await slack.fake.wait_for(lambda: slack.fake.called("chat.postMessage"))
    assert question.args["text"] == DANGER_REPLY["text"]
    actions = question.args["blocks"][-1]
    assert [(b["text"]["text"], b.get("style")) for b in actions["elements"]] == [
        ("Yes, delete old-logs", "danger"), ("No, cancel", None)]
    await slack.http(slack.mention("download report.pdf"))
    await slack.http(slack.mention("show progress"))
    posts = await slack.fake.wait_for(lambda: len(slack.fake.called("chat.postMessage")) == 3 and
                                      slack.fake.called("chat.postMessage"))
    link, progress = posts[1].args["blocks"], posts[2].args["blocks"]
    assert link[0]["text"]["text"].endswith(f"<{PRESIGNED.replace('&', '&amp;')}|Download (expires in 1 h)>")
    assert progress[-1] == {"type": "context", "elements": [{"type": "mrkdwn", "text": "▓▓▓▓░░░░░░ 4/10 files"}]}
