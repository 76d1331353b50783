"""Slack events -> Rasa messages (pure parts): text, which events count, reply targets, clicks, malformed requests;
and the Slack settings from credentials."""
from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from connectors.slack.settings import DEFAULT_API_BASE_URL as SLACK_API
from connectors.slack.settings import SlackSettings
from connectors.slack.translate import (
    Click,
    Conversation,
    MalformedRequest,
    accepts,
    clean_text,
    parse_request,
    reply_target,
    team_of,
)
from tests.connectors.harness import payload

BOT = "U0BUTLER1"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<@U0BUTLER1> hello", "hello"),
        ("<@U0BUTLER1|cloudbutler>  list &lt;all&gt; &amp; more", "list <all> & more"),
        ("<@U0OTHER01> <@U0BUTLER1> hi", "<@U0OTHER01> hi"),
    ],
)
def test_slack_clean_text(text: str, expected: str) -> None:
    assert clean_text(text, BOT) == expected


@pytest.mark.parametrize(
    ("event", "accepted"),
    [
        ({"type": "app_mention", "user": "U1", "text": "hi"}, True),
        ({"type": "message", "channel_type": "im", "user": "U1"}, True),
        ({"type": "message", "channel_type": "im", "user": "U1", "subtype": "file_share"}, True),
        ({"type": "message", "channel_type": "channel", "user": "U1"}, False),
        ({"type": "message", "channel_type": "mpim", "user": "U1"}, False),
        ({"type": "message", "channel_type": "im", "user": "U1", "subtype": "message_changed"}, False),
        ({"type": "message", "channel_type": "im", "subtype": "bot_message", "bot_id": "B1"}, False),
        ({"type": "message", "channel_type": "im", "user": "U1", "bot_id": "B1"}, False),
        ({"type": "message", "channel_type": "im", "user": BOT}, False),
        ({"type": "app_mention", "user": BOT}, False),
        ({"type": "reaction_added", "user": "U1"}, False),
    ],
)
def test_slack_accepts(event: dict[str, str], accepted: bool) -> None:
    assert accepts(event, bot_user_id=BOT) is accepted


def test_slack_reply_target() -> None:
    event = {"channel": "C1", "ts": "2.0", "thread_ts": "1.0"}
    assert reply_target(event, reply_in_thread=True) == Conversation("C1", "1.0")
    assert reply_target(event, reply_in_thread=False) == Conversation("C1", None)
    assert reply_target({"channel": "C1", "ts": "2.0"}, reply_in_thread=True) == Conversation("C1", None)


def test_slack_team_of_variants() -> None:
    assert team_of({"team_id": "T1"}) == "T1"
    assert team_of({"team": {"id": "T2"}, "team_id": "T1"}) == "T2"
    assert team_of({"team": None, "user": {"team_id": "T3"}}) == "T3"
    assert team_of({}) == "-"


def test_slack_click_from_recorded_block_actions() -> None:
    body = payload("slack_block_actions.json")
    body["actions"][0].update(block_id="cloudbutler_buttons:U0ALICE01", value="/affirm",
                              text={"type": "plain_text", "text": "Yes"})
    click = Click.from_body(body)
    assert (click.team_id, click.user_id, click.user_name, click.channel) == ("T0CLOUD01", "U0ALICE01", "alice",
                                                                            "C0OPS0001")
    assert (click.payload, click.title, click.block_id) == ("/affirm", "Yes", "cloudbutler_buttons:U0ALICE01")
    incoming = click.incoming()
    assert incoming.text == "/affirm" and incoming.sender_id == "slack:T0CLOUD01:U0ALICE01"
    assert incoming.message_id == body["trigger_id"]
    assert incoming.metadata == {"platform": "slack", "workspace_id": "T0CLOUD01", "user_id": "U0ALICE01",
                                 "user_name": "alice", "channel_id": "C0OPS0001", "attachments": []}


def test_slack_recorded_payloads_are_well_formed() -> None:
    for name in ("slack_app_mention.json", "slack_message_im.json"):
        body = payload(name)
        assert parse_request(json.dumps(body), "application/json") == body
    click = payload("slack_block_actions.json")
    form = "payload=" + quote(json.dumps(click), safe="")
    assert parse_request(form, "application/x-www-form-urlencoded; charset=utf-8") == click
    assert parse_request('{"type": "app_rate_limited", "minute_rate_limited": 1}', "application/json")


def _with_event(**fields: object) -> str:
    body = payload("slack_message_im.json")
    body["event"].update(fields)
    return json.dumps(body)


def _with_file(**fields: object) -> str:
    body = payload("slack_message_im.json")
    body["event"]["files"][0].update(fields)
    return json.dumps(body)


@pytest.mark.parametrize(
    ("raw", "content_type", "problem"),
    [
        ("not json", "application/json", "not JSON"),
        ("", "application/json", "not JSON"),
        ("[1, 2]", "application/json", "not a JSON object"),
        ("null", "application/json", "not a JSON object"),
        ("payload=%7B", "application/x-www-form-urlencoded", "not JSON"),
        ("command=%2Fbutler", "application/x-www-form-urlencoded", "not JSON"),
        ('{"type": "url_verification", "challenge": 7}', "application/json", "challenge"),
        ('{"type": "event_callback"}', "application/json", "event object"),
        ('{"type": "event_callback", "event": {"user": "U1"}}', "application/json", "event object"),
        (_with_event(user=["U1"]), "application/json", "must be strings"),
        (_with_event(text={"rich": True}), "application/json", "must be strings"),
        (_with_event(files={"id": "F1"}), "application/json", "list of objects"),
        (_with_event(files=["F1"]), "application/json", "list of objects"),
        (_with_file(size="big"), "application/json", "whole number"),
        (_with_file(size=True), "application/json", "whole number"),
        (_with_file(url_private_download=["http://x"]), "application/json", "must be strings"),
        ('{"type": "block_actions"}', "application/json", "list of action objects"),
        ('{"type": "block_actions", "actions": []}', "application/json", "list of action objects"),
        ('{"type": "block_actions", "actions": ["a"]}', "application/json", "list of action objects"),
        ('{"type": "block_actions", "actions": [{}], "user": "U1"}', "application/json", "must be objects"),
        ('{"type": "block_actions", "actions": [{"text": "Yes"}]}', "application/json", "text must be an object"),
        ('{"type": "block_actions", "actions": [{}], "message": {"blocks": {}}}', "application/json", "blocks"),
    ],
)
def test_slack_malformed_requests_say_why(raw: str, content_type: str, problem: str) -> None:
    with pytest.raises(MalformedRequest, match=problem):
        parse_request(raw, content_type)


@pytest.mark.parametrize(
    ("bot", "app", "secret", "socket", "http"),
    [("", "xapp", "s", False, False), ("xoxb", "", "", False, False), ("xoxb", "xapp", "", True, False),
     ("xoxb", "", "s", False, True), ("xoxb", "xapp", "s", True, True)],
)
def test_slack_modes(bot: str, app: str, secret: str, socket: bool, http: bool) -> None:
    settings = SlackSettings.from_credentials({"bot_token": bot, "app_token": app, "signing_secret": secret}, {})
    assert (settings.socket_mode, settings.http_events, settings.enabled) == (socket, http, socket or http)


def test_slack_settings_urls_and_token_hosts() -> None:
    default = SlackSettings.from_credentials({"bot_token": "x", "reply_in_thread": ""}, {})
    assert default.api_base_url == SLACK_API and default.reply_in_thread is True
    local = SlackSettings.from_credentials(
        {"bot_token": "x", "api_base_url": "http://127.0.0.1:8/api", "reply_in_thread": "false"}, {})
    assert local.api_base_url == "http://127.0.0.1:8/api/" and local.reply_in_thread is False
    assert default.token_may_go_to("https://files.slack.com/files-pri/T1-F1/download/a.pdf")
    assert not default.token_may_go_to("https://files.slack.com.evil.example/a.pdf")
    assert not default.token_may_go_to("http://127.0.0.1:8/files-pri/a.pdf")
    assert local.token_may_go_to("http://127.0.0.1:8/files-pri/a.pdf")
    assert "xoxb" not in repr(SlackSettings(bot_token="xoxb-secret"))
