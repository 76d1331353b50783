"""Our vocabulary rendered for Slack (Block Kit), as pure data."""
from __future__ import annotations

from pathlib import Path

from connectors.core.messages import ConnectorMessages
from connectors.slack.render import buttons_block, chosen_blocks, escape, fields_blocks, owner_of, text_blocks
from connectors.slack.render import render as render_slack
from connectors.vocabulary import table_as_text
from tests.connectors.replies import CHART, YES_NO, many_fields
from tests.fakes.rasa_stub import TABLE


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


def test_slack_render_media(media_dir: Path) -> None:
    local = render_slack({"text": "chart", "image": CHART}, media_dir=media_dir, owner="U1")
    assert local.uploads == [media_dir / "chart.png"] and len(local.messages[0]) == 1
    remote = render_slack({"text": "chart", "image": "https://example.com/c.png"}, media_dir=media_dir, owner="U1")
    assert remote.messages[0][-1] == {"type": "image", "image_url": "https://example.com/c.png", "alt_text": "chart"}
    only_image = render_slack({"image": CHART}, media_dir=media_dir, owner="U1")
    assert only_image.messages == [] and only_image.uploads == [media_dir / "chart.png"]


def test_slack_render_splits_past_fifty_blocks(media_dir: Path) -> None:
    reply = render_slack({"text": "x", "custom": {"fields": many_fields(600)}}, media_dir=media_dir, owner="U1")
    assert [len(m) for m in reply.messages] == [50, 11] and reply.text == "x"


def test_slack_table_only_fallback_text(media_dir: Path) -> None:
    reply = render_slack({"custom": {"table": TABLE}}, media_dir=media_dir, owner="U1")
    assert reply.text == table_as_text(TABLE)
    assert reply.messages == [[{"type": "section", "text": {"type": "mrkdwn",
                                                             "text": f"```\n{table_as_text(TABLE)}\n```"}}]]
