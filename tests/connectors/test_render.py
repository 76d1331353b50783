"""Our vocabulary rendered for Discord (message pieces, embeds, files) and Slack (Block Kit), as pure data."""
from __future__ import annotations

from pathlib import Path

import pytest

from connectors.core.messages import ConnectorMessages
from connectors.discord.render import fields_embeds
from connectors.discord.render import render as render_discord
from connectors.slack.render import buttons_block, chosen_blocks, escape, fields_blocks, owner_of, text_blocks
from connectors.slack.render import render as render_slack
from connectors.vocabulary import Button, FieldsBlock, table_as_text
from tests.fakes.rasa_stub import FIELDS, TABLE

CHART = "http://localhost:5005/webhooks/webchat/media/chart.png"
YES_NO: list[Button] = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]


@pytest.fixture
def media(tmp_path: Path) -> Path:
    (tmp_path / "chart.png").write_bytes(b"\x89PNG")
    return tmp_path


def many_fields(count: int) -> FieldsBlock:
    return {"title": "Many", "items": [{"label": f"k{i}", "value": f"v{i}"} for i in range(count)]}


# --- Discord ---


def test_discord_text_with_rasa_extras(media: Path) -> None:
    reply = render_discord({"text": "hello", "timestamp": 1.0, "utter_action": "utter_greet"}, media_dir=media)
    assert (reply.chunks, reply.embeds, reply.buttons, reply.files) == (["hello"], [], [], [])


def test_discord_fields_become_one_embed_instead_of_text(media: Path) -> None:
    reply = render_discord({"text": "same as fields", "custom": {"fields": FIELDS}}, media_dir=media)
    assert reply.chunks == []
    [embed] = reply.embeds
    assert embed.to_dict() == {
        "type": "rich", "flags": 0, "title": "Server i-0abc",
        "fields": [{"name": i["label"], "value": i["value"], "inline": True} for i in FIELDS["items"]],
    }


def test_discord_fields_page_at_25_and_degrade_past_ten_embeds(media: Path) -> None:
    embeds = fields_embeds(many_fields(30))
    assert [len(e.fields) for e in embeds] == [25, 5] and embeds[0].title == "Many" and embeds[1].title is None
    assert fields_embeds(many_fields(251)) == []
    reply = render_discord({"text": "summary", "custom": {"fields": many_fields(251)}}, media_dir=media)
    assert reply.embeds == [] and reply.chunks == ["summary"]


def test_discord_field_limits_are_respected() -> None:
    [embed] = fields_embeds({"items": [{"label": "L" * 300, "value": "V" * 2000}, {"label": "", "value": ""}]})
    first, empty = embed.fields
    assert len(first.name or "") == 256 and (first.name or "").endswith("\u2026")
    assert len(first.value or "") == 1024
    assert (empty.name, empty.value) == ("\u200b", "\u200b")


def test_discord_buttons_and_quick_replies(media: Path) -> None:
    assert render_discord({"text": "ok?", "buttons": YES_NO}, media_dir=media).buttons == YES_NO
    assert render_discord({"text": "ok?", "quick_replies": YES_NO}, media_dir=media).buttons == YES_NO


def test_discord_media_local_as_file_remote_as_link(media: Path) -> None:
    local = render_discord({"text": "chart", "image": CHART}, media_dir=media)
    assert local.files == [media / "chart.png"] and local.chunks == ["chart"]
    remote = render_discord({"text": "see", "attachment": "https://example.com/r.pdf"}, media_dir=media)
    assert remote.files == [] and remote.chunks == ["see", "https://example.com/r.pdf"]


def test_discord_table_only_degrades_to_monospace(media: Path) -> None:
    reply = render_discord({"custom": {"table": TABLE}}, media_dir=media)
    assert reply.chunks == [f"```\n{table_as_text(TABLE)}\n```"] and reply.embeds == []


# --- Slack ---


def test_slack_text_is_escaped() -> None:
    assert text_blocks("a < b & c > d") == [
        {"type": "section", "text": {"type": "mrkdwn", "text": "a &lt; b &amp; c &gt; d"}}]
    assert escape("<@U1>") == "&lt;@U1&gt;"


def test_slack_fields_ten_per_section() -> None:
    blocks = fields_blocks(many_fields(12))
    assert blocks[0] == {"type": "section", "text": {"type": "mrkdwn", "text": "*Many*"}}
    assert [len(b["fields"]) for b in blocks[1:]] == [10, 2]
    assert blocks[1]["fields"][0] == {"type": "mrkdwn", "text": "*k0*\nv0"}


def test_slack_buttons_carry_their_owner() -> None:
    block = buttons_block(YES_NO, owner="U0ALICE01")
    assert block == {
        "type": "actions", "block_id": "cloudbutler_buttons:U0ALICE01",
        "elements": [
            {"type": "button", "action_id": "cloudbutler_button_0", "style": "primary",
             "text": {"type": "plain_text", "text": "Yes", "emoji": True}, "value": "/affirm"},
            {"type": "button", "action_id": "cloudbutler_button_1",
             "text": {"type": "plain_text", "text": "No", "emoji": True}, "value": "/deny"},
        ],
    }
    assert owner_of(block["block_id"]) == "U0ALICE01"
    assert owner_of("cloudbutler_buttons:") is None and owner_of("someone_else:U1") is None and owner_of("") is None


def test_slack_chosen_blocks_replace_only_our_buttons() -> None:
    text = {"type": "section", "text": {"type": "mrkdwn", "text": "Create?"}}
    foreign = {"type": "actions", "block_id": "other", "elements": []}
    blocks = [text, buttons_block(YES_NO, owner="U1"), foreign]
    assert chosen_blocks(blocks, title="No <b>") == [
        text,
        {"type": "context", "elements": [
            {"type": "mrkdwn", "text": escape(ConnectorMessages.CHOSEN.format(title="No <b>"))}]},
        foreign,
    ]


def test_slack_render_media(media: Path) -> None:
    local = render_slack({"text": "chart", "image": CHART}, media_dir=media, owner="U1")
    assert local.uploads == [media / "chart.png"] and len(local.messages[0]) == 1
    remote = render_slack({"text": "chart", "image": "https://example.com/c.png"}, media_dir=media, owner="U1")
    assert remote.messages[0][-1] == {"type": "image", "image_url": "https://example.com/c.png", "alt_text": "chart"}
    only_image = render_slack({"image": CHART}, media_dir=media, owner="U1")
    assert only_image.messages == [] and only_image.uploads == [media / "chart.png"]


def test_slack_render_splits_past_fifty_blocks(media: Path) -> None:
    reply = render_slack({"text": "x", "custom": {"fields": many_fields(600)}}, media_dir=media, owner="U1")
    assert [len(m) for m in reply.messages] == [50, 11] and reply.text == "x"


def test_slack_table_only_fallback_text(media: Path) -> None:
    reply = render_slack({"custom": {"table": TABLE}}, media_dir=media, owner="U1")
    assert reply.text == table_as_text(TABLE)
    assert reply.messages == [[{"type": "section", "text": {"type": "mrkdwn",
                                                             "text": f"```\n{table_as_text(TABLE)}\n```"}}]]
