"""Recipient ids of alerts: channel recipients, web chat conversations, and the Rasa channel that reaches each."""
from __future__ import annotations

import pytest

from common.recipients import channel_recipient, output_channel_for, parse_channel_recipient, recipient_for
from connectors.core.identity import sender_id_for
from connectors.discord.channel import DiscordInput
from connectors.slack.channel import SlackInput
from connectors.webchat.channel import WebChatInput
from connectors.webchat.protocol import web_identity


def test_a_channel_recipient_round_trips() -> None:
    assert channel_recipient("slack", "T1", "C1") == "slack:T1:#C1"
    assert channel_recipient("discord", "G1", "123") == "discord:G1:#123"
    assert parse_channel_recipient("slack:T1:#C1") == ("slack", "T1", "C1")
    assert parse_channel_recipient("discord:G1:#123") == ("discord", "G1", "123")
    # Rasa keys the conversation by the raw URL path, where the mark is "%23".
    assert parse_channel_recipient("slack:T1:%23C1") == ("slack", "T1", "C1")
    # A Slack channel id never holds ':', but whatever follows the mark is the channel.
    assert parse_channel_recipient(channel_recipient("x", "w", "a:b")) == ("x", "w", "a:b")


@pytest.mark.parametrize("recipient", [
    "slack:T1:U1", "web:local:abc", "discord:dm:42", "slack:T1:#", "slack:T1:%23", "slack:T1:%2",
    "slack::#C1", ":T1:#C1", "slack:#C1", "", "#C1",
])
def test_anything_else_is_not_a_channel_recipient(recipient: str) -> None:
    assert parse_channel_recipient(recipient) is None


@pytest.mark.parametrize("args", [("", "T1", "C1"), ("slack", "", "C1"), ("slack", "T1", ""), ("sl:ack", "T1", "C1"),
                                  ("slack", "T:1", "C1")])
def test_a_channel_recipient_needs_all_three_parts(args: tuple[str, str, str]) -> None:
    with pytest.raises(ValueError):
        channel_recipient(*args)


def test_a_channel_recipient_is_never_a_users_sender_id() -> None:
    assert parse_channel_recipient(sender_id_for("slack", "T1", "U1")) is None
    assert channel_recipient("slack", "T1", "U1") != sender_id_for("slack", "T1", "U1")


def test_the_web_chat_conversation_is_its_own_recipient() -> None:
    identity = web_identity("sess-1", None)
    for platform in ("web", "webchat"):
        assert recipient_for(platform, identity.workspace, identity.channel_id, identity.sender_id) == "web:local:sess-1"
    assert recipient_for("slack", "T1", "C1", "slack:T1:U1") == "slack:T1:#C1"
    assert recipient_for("discord", "G1", "123", "discord:G1:9") == "discord:G1:#123"


def test_the_output_channel_is_the_connectors_channel_name() -> None:
    assert output_channel_for("slack:T1:#C1") == SlackInput.channel_name == "slack"
    assert output_channel_for("discord:G1:#123") == DiscordInput.channel_name == "discord"
    assert output_channel_for(web_identity("s", None).sender_id) == WebChatInput.channel_name == "webchat"
    assert output_channel_for("slack:T1:U1") == "slack"
    assert output_channel_for("rest:local:bench") is None
