"""Our vocabulary rendered for Slack (Block Kit), as pure data."""
from __future__ import annotations

from pathlib import Path

from connectors.core.messages import ConnectorMessages
from connectors.core.output import COLOUR_HEX
from connectors.slack.render import buttons_block, chosen_blocks, escape, fields_blocks, owner_of, text_blocks
from connectors.slack.render import render as render_slack
from connectors.vocabulary import table_as_text
from tests.connectors.replies import CHART, YES_NO, many_fields
from tests.fakes.rasa_stub import (
    DANGER_REPLY,
    LINK_REPLY,
    PRESIGNED,
    PROGRESS_REPLY,
    TABLE,
    USAGE_REPLY,
    USAGE_TABLE,
)


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


def test_slack_shows_the_text_with_its_table_and_totals(media_dir: Path) -> None:
    reply = render_slack(USAGE_REPLY, media_dir=media_dir, owner="U1")
    [blocks] = reply.messages
    assert [b["text"]["text"] for b in blocks] == [
        f"```\n{table_as_text(USAGE_TABLE)}\n```",  # the title and the restated lines are in the table
        "Sizes from CloudWatch, as of yesterday.",
    ]
    assert table_as_text(USAGE_TABLE).endswith("--------  -------  -------\nTotal     4        21.2 GB")
    assert reply.text == USAGE_REPLY["text"]  # the notification says it all


def test_slack_table_beside_text_is_escaped_and_split_into_code_blocks(media_dir: Path) -> None:
    table = {"columns": ["Key"], "rows": [[f"<b>{i:04d}</b>" + "x" * 60] for i in range(100)]}
    reply = render_slack({"text": "Large folder & more", "custom": {"table": table}}, media_dir=media_dir, owner="U1")
    [blocks] = reply.messages
    texts = [b["text"]["text"] for b in blocks]
    assert texts[0] == "Large folder &amp; more" and len(texts) > 3
    assert all(t.startswith("```\n") and t.endswith("\n```") and len(t) <= 3000 for t in texts[1:])
    assert "<b>" not in "".join(texts) and "&lt;b&gt;0099&lt;/b&gt;" in texts[-1]


def test_slack_destructive_yes_is_danger_and_cancel_default() -> None:
    block = buttons_block(DANGER_REPLY["buttons"], owner="U1")
    assert [(b["text"]["text"], b.get("style")) for b in block["elements"]] == [
        ("Yes, delete old-logs", "danger"), ("No, cancel", None)]
    assert [b.get("style") for b in buttons_block(YES_NO, owner="U1")["elements"]] == ["primary", None]


def test_slack_progress_is_a_text_bar(media_dir: Path) -> None:
    [blocks] = render_slack(PROGRESS_REPLY, media_dir=media_dir, owner="U1").messages
    assert blocks == [
        {"type": "section", "text": {"type": "mrkdwn", "text": PROGRESS_REPLY["text"]}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "▓▓▓▓░░░░░░ 4/10 files"}]},
    ]


def test_slack_links_show_their_label(media_dir: Path) -> None:
    [blocks] = render_slack(LINK_REPLY, media_dir=media_dir, owner="U1").messages
    assert blocks == [{"type": "section", "text": {"type": "mrkdwn", "text": (
        f"Saved report.pdf. Link: <{PRESIGNED.replace('&', '&amp;')}|Download (expires in 1 h)>")}}]
    hostile = {"text": "see javascript:alert(1) <!channel>", "custom": {"links": [
        {"url": "javascript:alert(1)", "label": "x"}, {"url": "https://a.example/|<!channel>", "label": "y"}]}}
    [blocks] = render_slack(hostile, media_dir=media_dir, owner="U1").messages
    assert blocks[0]["text"]["text"] == "see javascript:alert(1) &lt;!channel&gt;"
    odd_label = {"text": "get https://a.example/f", "custom": {"links": [
        {"url": "https://a.example/f", "label": "<!here> | now"}]}}
    [blocks] = render_slack(odd_label, media_dir=media_dir, owner="U1").messages
    assert blocks[0]["text"]["text"] == "get <https://a.example/f|&lt;!here&gt; / now>"


def test_slack_coloured_fields_go_into_an_attachment_with_everything_but_their_title(media_dir: Path) -> None:
    fields = {"title": "OK: web-2 CPU", "colour": "green", "items": [{"label": "CPU", "value": "12 %"}]}
    message = {"text": "OK: web-2 CPU back to 12 %", "custom": {"fields": fields}, "buttons": YES_NO,
               "image": CHART}
    reply = render_slack(message, media_dir=media_dir, owner="*")
    assert reply.messages == [[{"type": "section", "text": {"type": "mrkdwn", "text": "*OK: web-2 CPU*"}}]]
    [attachment] = reply.attachments
    assert attachment["color"] == COLOUR_HEX["green"] and attachment["fallback"] == message["text"]
    assert [b["type"] for b in attachment["blocks"]] == ["section", "actions"]  # the chart is uploaded after it
    assert attachment["blocks"][-1]["block_id"] == "cloudbutler_buttons:*" and owner_of("cloudbutler_buttons:*") == "*"
    assert [p.name for p in reply.uploads] == ["chart.png"]


def test_slack_coloured_fields_without_a_title_lead_with_the_texts_first_line(media_dir: Path) -> None:
    fields = {"colour": "amber", "items": [{"label": "Stock", "value": "0"}]}
    reply = render_slack({"text": "Out of stock: widgets\nStore: Leeds", "custom": {"fields": fields}},
                         media_dir=media_dir, owner="U1")
    assert reply.messages == [[{"type": "section", "text": {"type": "mrkdwn", "text": "Out of stock: widgets"}}]]
    assert reply.attachments[0]["color"] == COLOUR_HEX["amber"] and len(reply.attachments[0]["blocks"]) == 1


def test_slack_an_unknown_colour_is_drawn_without_one(media_dir: Path) -> None:
    for colour in ("purple", "", None, 3):
        fields = {"title": "T", "colour": colour, "items": [{"label": "a", "value": "b"}]}
        reply = render_slack({"text": "T", "custom": {"fields": fields}}, media_dir=media_dir, owner="U1")
        assert reply.attachments == [] and len(reply.messages[0]) == 2
