"""The real assistant (``rasa run`` with the trained model, the action server, the sandbox) behind the Discord and
Slack connectors, with the protocol fakes standing in for Discord and Slack."""
from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import boto3
import pytest
import requests

from actions.core.late import RasaPoster
from launcher.stack import Stack
from tests.connectors.harness import SIGNING_SECRET, DiscordUsers, SlackUsers
from tests.e2e.assistant import api, connector_status, wait_until
from tests.fakes.background import BackgroundLoop
from tests.fakes.discord_fake import FakeDiscord, Recorded, snowflake
from tests.fakes.slack_fake import Call, FakeSlack

pytestmark = pytest.mark.e2e

GUILD = "800000000000000001"
CHANNEL = "700000000000000001"
SLACK_TEAM = "T0CLOUD01"
SLACK_CHANNEL = "C0OPS0001"
REPLY_SECONDS = 90.0  # the model answers in about a second; the shared 2-core machine can be slow
QUIET_SECONDS = 2.0  # how long "no reply" is watched for


# --- helpers -----------------------------------------------------------------------------------------------------


def user_events(stack: Stack, sender_id: str) -> list[dict[str, Any]]:
    tracker = requests.get(f"{stack.rasa_url}/conversations/{sender_id}/tracker", params=api(stack), timeout=10)
    tracker.raise_for_status()
    assert tracker.json()["sender_id"] == sender_id
    return [e for e in tracker.json()["events"] if e["event"] == "user"]


def trigger_intent(stack: Stack, sender_id: str, intent: str, entities: dict[str, Any]) -> dict[str, Any]:
    """What a background job does: ``trigger_intent`` with the conversation's latest channel as output."""
    response = requests.post(
        f"{stack.rasa_url}/conversations/{sender_id}/trigger_intent",
        params={"output_channel": "latest", **api(stack)}, json={"name": intent, "entities": entities}, timeout=60,
    )
    response.raise_for_status()
    return dict(response.json())


def sandbox_region(stack: Stack) -> str:
    base = (stack.imds_endpoint or "").rstrip("/")
    token = requests.put(f"{base}/latest/api/token", headers={"X-aws-ec2-metadata-token-ttl-seconds": "60"},
                         timeout=5).text
    identity = requests.get(f"{base}/latest/dynamic/instance-identity/document",
                            headers={"X-aws-ec2-metadata-token": token}, timeout=5).json()
    return str(identity["region"])


def model_actions(stack: Stack) -> set[str]:
    domain = requests.get(f"{stack.rasa_url}/domain", headers={"Accept": "application/json"}, params=api(stack),
                          timeout=10)
    domain.raise_for_status()
    return set(domain.json().get("actions", []))


def bucket_exists(stack: Stack, name: str) -> bool:
    s3 = boto3.client("s3", endpoint_url=stack.aws_endpoint, region_name="us-east-1",
                      aws_access_key_id="sandbox", aws_secret_access_key="sandbox")
    return name in {b["Name"] for b in s3.list_buckets()["Buckets"]}


class DiscordSide:
    """Discord users (synchronously, through the fakes' loop) and what the bot posted."""

    def __init__(self, loop: BackgroundLoop, fake: FakeDiscord) -> None:
        self.loop, self.fake, self.users = loop, fake, DiscordUsers(fake)

    def say(self, text: str, **kwargs: Any) -> None:
        self.loop.run(self.users.say(text, **kwargs))

    def click(self, posted: Recorded, index: int, *, user: str) -> str:
        return self.loop.run(self.users.click(posted.json, index, user=user))

    def post_after(self, channel: str, after: int, match: Callable[[Recorded], bool] = lambda _: True) -> Recorded:
        """The first post into ``channel`` after its first ``after`` posts that ``match`` accepts."""

        def found() -> Recorded | None:
            return next((p for p in self.fake.posted(channel)[after:] if match(p)), None)

        self.loop.run(self.fake.wait_for(lambda: found() is not None, REPLY_SECONDS), REPLY_SECONDS + 5)
        post = found()
        assert post is not None
        return post


class SlackSide:
    def __init__(self, loop: BackgroundLoop, fake: FakeSlack, stack: Stack, signing_secret: str) -> None:
        self.loop, self.fake = loop, fake
        self.users = SlackUsers(fake, stack.rasa_url, signing_secret=signing_secret)

    def socket(self, body: dict[str, Any]) -> None:
        envelope = self.loop.run(self.fake.send_envelope("events_api", body))
        self.loop.run(self.fake.wait_for(lambda: envelope in self.fake.acks, 10))

    def click(self, posted: Call, index: int, *, user: str) -> None:
        envelope = self.loop.run(self.fake.send_envelope("interactive", self.users.click(posted, index, user=user)))
        self.loop.run(self.fake.wait_for(lambda: envelope in self.fake.acks, 10))

    def posts(self) -> list[Call]:
        return self.fake.called("chat.postMessage")

    def post_after(self, after: int, match: Callable[[Call], bool]) -> Call:
        def found() -> Call | None:
            return next((c for c in self.posts()[after:] if match(c)), None)

        self.loop.run(self.fake.wait_for(lambda: found() is not None, REPLY_SECONDS), REPLY_SECONDS + 5)
        post = found()
        assert post is not None
        return post


def fresh_discord_user() -> str:
    return snowflake()


def fresh_slack_user() -> str:
    return f"U0E2E{uuid.uuid4().hex[:6].upper()}"


def in_channel(channel: str) -> Callable[[Call], bool]:
    return lambda call: call.args.get("channel") == channel


@pytest.fixture(scope="module")
def discord(stack: Stack, fakes_loop: BackgroundLoop, fake_discord: FakeDiscord) -> DiscordSide:
    wait_until(lambda: connector_status(stack, "discord").get("connected") is True, 60, "the Discord gateway")
    return DiscordSide(fakes_loop, fake_discord)


@pytest.fixture(scope="module")
def slack(stack: Stack, fakes_loop: BackgroundLoop, fake_slack: FakeSlack) -> SlackSide:
    wait_until(lambda: connector_status(stack, "slack").get("running") is True, 60, "the Slack connector")
    fakes_loop.run(fake_slack.wait_socket(60), 65)
    return SlackSide(fakes_loop, fake_slack, stack, SIGNING_SECRET)


# --- Discord -----------------------------------------------------------------------------------------------------


def test_both_connectors_run_beside_rest(stack: Stack, discord: DiscordSide, slack: SlackSide) -> None:
    assert connector_status(stack, "discord") == {"enabled": True, "connected": True}
    assert connector_status(stack, "slack") == {
        "enabled": True, "running": True, "socket_mode": True, "events_api": True}
    rest = requests.post(f"{stack.rasa_url}/webhooks/rest/webhook", json={"sender": "e2e-rest", "message": "hi"},
                         timeout=60)
    assert rest.ok and rest.json()


def test_discord_dm_hello_world(stack: Stack, discord: DiscordSide) -> None:
    user, dm = fresh_discord_user(), snowflake()
    discord.say("hello world", user=user, dm=True, channel_id=dm)
    reply = discord.post_after(dm, 0)
    assert "hello" in reply.json["content"].lower()
    [event] = user_events(stack, f"discord:dm:{user}")
    assert event["text"] == "hello world" and event["input_channel"] == "discord"


def test_discord_mention_server_status_is_an_embed_with_the_sandbox_region(
    stack: Stack, discord: DiscordSide
) -> None:
    before = len(discord.fake.posted(CHANNEL))
    discord.say("Tell me about my server!", user=fresh_discord_user())
    reply = discord.post_after(CHANNEL, before, lambda p: bool(p.json.get("embeds")))
    fields = {f["name"]: f["value"] for embed in reply.json["embeds"] for f in embed["fields"]}
    assert fields["Region"] == sandbox_region(stack)
    assert {"Region", "Availability zone"} <= set(fields)


def test_discord_two_users_in_one_channel_keep_separate_conversations(stack: Stack, discord: DiscordSide) -> None:
    alice, bob = fresh_discord_user(), fresh_discord_user()
    before = len(discord.fake.posted(CHANNEL))
    discord.say("hello world", user=alice, name="alice")
    discord.say("hello world", user=bob, name="bob")
    discord.post_after(CHANNEL, before + 1)
    for user in (alice, bob):
        [event] = user_events(stack, f"discord:{GUILD}:{user}")
        assert event["text"] == "hello world"
        assert event["metadata"]["user_id"] == user and event["metadata"]["channel_id"] == CHANNEL


def test_discord_bot_message_gets_no_reply(stack: Stack, discord: DiscordSide) -> None:
    robot, human = fresh_discord_user(), fresh_discord_user()
    before = len(discord.fake.posted(CHANNEL))
    discord.say("hello world", user=robot, name="otherbot", bot=True)
    discord.say("hello world", user=human)  # answered: so the bot's message, sent first, was seen and skipped
    discord.post_after(CHANNEL, before)
    time.sleep(QUIET_SECONDS)
    assert len(discord.fake.posted(CHANNEL)) == before + 1
    assert user_events(stack, f"discord:{GUILD}:{robot}") == []


def test_discord_job_update_reaches_the_users_channel(stack: Stack, discord: DiscordSide) -> None:
    require_in_model(stack, "action_late_message")
    user, dm = fresh_discord_user(), snowflake()
    discord.say("hello world", user=user, dm=True, channel_id=dm)
    discord.post_after(dm, 0)
    # The action server's own poster, as a background upload uses it.
    discord.loop.run(RasaPoster(stack.rasa_url, stack.api_token)(f"discord:dm:{user}",
                                                                   {"text": "Upload 50% done (100 MB of 200 MB)"}))
    late = discord.post_after(dm, 1)
    assert late.json["content"] == "Upload 50% done (100 MB of 200 MB)"


def test_discord_confirmation_round_trip_by_button(stack: Stack, discord: DiscordSide) -> None:
    require_in_model(stack, "action_create_bucket")
    user, bucket = fresh_discord_user(), f"cb-e2e-{uuid.uuid4().hex[:10]}"
    before = len(discord.fake.posted(CHANNEL))
    discord.say(f"create bucket {bucket}", user=user)
    reply = discord.post_after(CHANNEL, before, lambda p: bool(p.json.get("components") or p.json.get("content")))
    if not reply.json.get("components"):  # the form asked for the name the NLU did not pick out
        discord.say(bucket, user=user)
        reply = discord.post_after(CHANNEL, before + 1, lambda p: bool(p.json.get("components")))
    assert bucket in reply.json["content"]
    labels = [b["label"] for b in reply.json["components"][0]["components"]]
    assert labels[0].startswith("Yes")
    click = discord.click(reply, 0, user=user)
    [update] = discord.loop.run(discord.fake.wait_for(lambda: discord.fake.calls("POST", f"/interactions/{click}/")))
    assert [b["disabled"] for b in update.json["data"]["components"][0]["components"]] == [True] * len(labels)
    done = discord.post_after(CHANNEL, before, lambda p: "Created bucket" in (p.json.get("content") or ""))
    assert bucket in done.json["content"]
    assert bucket_exists(stack, bucket)


def require_in_model(stack: Stack, action: str) -> None:
    if action not in model_actions(stack):
        pytest.skip(f"the model in models/ has no {action} yet (train after the skill lands)")


# --- Slack -------------------------------------------------------------------------------------------------------


def test_slack_mention_hello_world_over_socket_mode(stack: Stack, slack: SlackSide) -> None:
    user = fresh_slack_user()
    before = len(slack.posts())
    slack.socket(slack.users.mention("hello world", user=user))
    reply = slack.post_after(before, in_channel(SLACK_CHANNEL))
    assert "hello" in reply.args["text"].lower()
    [event] = user_events(stack, f"slack:{SLACK_TEAM}:{user}")
    assert event["text"] == "hello world" and event["input_channel"] == "slack"


def test_slack_server_status_is_section_fields_with_the_sandbox_region(stack: Stack, slack: SlackSide) -> None:
    before = len(slack.posts())
    slack.socket(slack.users.mention("Tell me about my server!", user=fresh_slack_user()))
    reply = slack.post_after(before, lambda c: any("fields" in b for b in c.args.get("blocks") or []))
    fields = dict(
        field["text"].split("\n", 1)
        for block in reply.args["blocks"] if "fields" in block
        for field in block["fields"]
    )
    assert fields["*Region*"] == sandbox_region(stack)


def test_slack_direct_message_over_the_signed_events_api(stack: Stack, slack: SlackSide) -> None:
    user, dm = fresh_slack_user(), f"D0E2E{uuid.uuid4().hex[:6].upper()}"
    before = len(slack.posts())
    status, _, _ = slack.loop.run(slack.users.http(slack.users.direct("hello world", user=user, channel=dm)))
    assert status == 200
    reply = slack.post_after(before, in_channel(dm))
    assert "hello" in reply.args["text"].lower()
    forged, _, _ = slack.loop.run(slack.users.http(slack.users.direct("hello world", user=user, channel=dm),
                                                   signature="v0=" + "0" * 64))
    assert forged == 401


def test_slack_two_users_in_one_channel_keep_separate_conversations(stack: Stack, slack: SlackSide) -> None:
    alice, bob = fresh_slack_user(), fresh_slack_user()
    before = len(slack.posts())
    slack.socket(slack.users.mention("hello world", user=alice))
    slack.socket(slack.users.mention("hello world", user=bob))
    slack.post_after(before + 1, in_channel(SLACK_CHANNEL))
    for user in (alice, bob):
        [event] = user_events(stack, f"slack:{SLACK_TEAM}:{user}")
        assert event["text"] == "hello world"
        assert event["metadata"]["user_id"] == user and event["metadata"]["channel_id"] == SLACK_CHANNEL


def test_slack_bot_message_gets_no_reply(stack: Stack, slack: SlackSide) -> None:
    robot, human, dm = fresh_slack_user(), fresh_slack_user(), f"D0E2E{uuid.uuid4().hex[:6].upper()}"
    before = len(slack.posts())
    slack.socket(slack.users.direct("hello world", user=robot, channel=dm, bot_id="B0OTHER01"))
    slack.socket(slack.users.direct("hello world", user=human, channel=dm))
    slack.post_after(before, in_channel(dm))
    time.sleep(QUIET_SECONDS)
    assert len([c for c in slack.posts()[before:] if c.args.get("channel") == dm]) == 1
    assert user_events(stack, f"slack:{SLACK_TEAM}:{robot}") == []


def test_slack_job_update_reaches_the_users_thread(stack: Stack, slack: SlackSide) -> None:
    require_in_model(stack, "action_late_message")
    user, thread = fresh_slack_user(), f"{int(time.time())}.000200"
    before = len(slack.posts())
    slack.socket(slack.users.mention("hello world", user=user, thread_ts=thread))
    first = slack.post_after(before, in_channel(SLACK_CHANNEL))
    assert first.args["thread_ts"] == thread
    answer = trigger_intent(stack, f"slack:{SLACK_TEAM}:{user}", "EXTERNAL_late_message",
                            {"message": {"text": "Sync finished."}})
    assert "messages" not in answer  # sent through the connector, not collected into the HTTP answer
    late = slack.post_after(before + 1, in_channel(SLACK_CHANNEL))
    assert late.args["thread_ts"] == thread and late.args["text"] == "Sync finished."


def test_slack_confirmation_round_trip_by_button(stack: Stack, slack: SlackSide) -> None:
    require_in_model(stack, "action_create_bucket")
    user, bucket = fresh_slack_user(), f"cb-e2e-{uuid.uuid4().hex[:10]}"
    before = len(slack.posts())
    slack.socket(slack.users.mention(f"create bucket {bucket}", user=user))
    reply = slack.post_after(before, in_channel(SLACK_CHANNEL))
    if not any(b["type"] == "actions" for b in reply.args["blocks"]):  # asked for the name
        slack.socket(slack.users.mention(bucket, user=user))
        reply = slack.post_after(before + 1, lambda c: any(b["type"] == "actions" for b in c.args["blocks"]))
    assert bucket in reply.args["text"]
    updates = len(slack.fake.called("chat.update"))
    slack.click(reply, 0, user=user)
    slack.loop.run(slack.fake.wait_for(lambda: len(slack.fake.called("chat.update")) > updates, REPLY_SECONDS))
    update = slack.fake.called("chat.update")[updates]
    assert update.args["ts"] == reply.response["ts"]
    assert not any(b["type"] == "actions" for b in update.args["blocks"])  # no button left to click twice
    done = slack.post_after(before, lambda c: "Created bucket" in c.args.get("text", ""))
    assert bucket in done.args["text"]
    assert bucket_exists(stack, bucket)


# --- charts on both platforms: a forecast and a right-sizing answer -------------------------------------------


def test_discord_forecast_is_text_and_a_chart_file(stack: Stack, discord: DiscordSide) -> None:
    before = len(discord.fake.posted(CHANNEL))
    discord.say("forecast web-1 for tomorrow", user=fresh_discord_user())
    reply = discord.post_after(CHANNEL, before, lambda p: bool(p.files))
    [(name, png)] = reply.files.items()
    assert name.endswith("forecast-web-1.png") and png[:8] == b"\x89PNG\r\n\x1a\n"
    texts = " ".join(str(p.json.get("content") or "") for p in discord.fake.posted(CHANNEL)[before:])
    assert "web-1 (t3.micro) tomorrow: CPU should average about" in texts


def test_slack_rightsize_web_2_is_text_and_a_chart_upload(stack: Stack, slack: SlackSide) -> None:
    uploads = len(slack.fake.called("files.completeUploadExternal"))
    before = len(slack.posts())
    slack.socket(slack.users.mention("is web-2 the right size?", user=fresh_slack_user()))
    post = slack.post_after(before, lambda c: c.args.get("channel") == SLACK_CHANNEL
                            and "over-provisioned" in str(c.args.get("text")))
    assert str(post.args["text"]).startswith("web-2 (t3.medium) is over-provisioned")
    slack.loop.run(slack.fake.wait_for(
        lambda: len(slack.fake.called("files.completeUploadExternal")) > uploads, 60), 65)
    complete = slack.fake.called("files.completeUploadExternal")[-1]
    assert complete.args["files"][0]["title"].endswith("rightsize-web-2.png")
