"""Our vocabulary rendered for Discord (message pieces, embeds, files), as pure data."""
from __future__ import annotations

from pathlib import Path

import discord

from connectors.core.messages import ConnectorMessages
from connectors.core.output import COLOUR_HEX
from connectors.discord.render import CHOICE_ID, button_style, choice_custom_id, fields_embeds, owner_in, table_block
from connectors.discord.render import render as render_discord
from connectors.vocabulary import Button, table_as_text
from tests.connectors.replies import CHART, YES_NO, many_fields
from tests.fakes.rasa_stub import FIELDS, LINK_REPLY, PRESIGNED, PROGRESS_REPLY, TABLE, USAGE_REPLY, USAGE_TABLE


def test_discord_text_with_rasa_extras(media_dir: Path) -> None:
    reply = render_discord({"text": "hello", "timestamp": 1.0, "utter_action": "utter_greet"}, media_dir=media_dir)
    assert (reply.chunks, reply.embeds, reply.buttons, reply.files) == (["hello"], [], [], [])


def test_discord_fields_become_one_embed_instead_of_text(media_dir: Path) -> None:
    reply = render_discord({"text": "same as fields", "custom": {"fields": FIELDS}}, media_dir=media_dir)
    assert reply.chunks == []
    [embed] = reply.embeds
    assert embed.to_dict() == {
        "type": "rich", "flags": 0, "title": "Server i-0abc",
        "fields": [{"name": i["label"], "value": i["value"], "inline": True} for i in FIELDS["items"]],
    }


def test_discord_fields_page_at_25_and_degrade_past_ten_embeds(media_dir: Path) -> None:
    embeds = fields_embeds(many_fields(30))
    assert [len(e.fields) for e in embeds] == [25, 5] and embeds[0].title == "Many" and embeds[1].title is None
    assert fields_embeds(many_fields(251)) == []
    reply = render_discord({"text": "summary", "custom": {"fields": many_fields(251)}}, media_dir=media_dir)
    assert reply.embeds == [] and reply.chunks == ["summary"]


def test_discord_field_limits_are_respected() -> None:
    [embed] = fields_embeds({"items": [{"label": "L" * 300, "value": "V" * 2000}, {"label": "", "value": ""}]})
    first, empty = embed.fields
    assert len(first.name or "") == 256 and (first.name or "").endswith("\u2026")
    assert len(first.value or "") == 1024
    assert (empty.name, empty.value) == ("\u200b", "\u200b")


def test_discord_buttons_and_quick_replies(media_dir: Path) -> None:
    assert render_discord({"text": "ok?", "buttons": YES_NO}, media_dir=media_dir).buttons == YES_NO
    assert render_discord({"text": "ok?", "quick_replies": YES_NO}, media_dir=media_dir).buttons == YES_NO


def test_discord_media_local_as_file_remote_as_link(media_dir: Path) -> None:
    local = render_discord({"text": "chart", "image": CHART}, media_dir=media_dir)
    assert local.files == [media_dir / "chart.png"] and local.chunks == ["chart"]
    remote = render_discord({"text": "see", "attachment": "https://example.com/r.pdf"}, media_dir=media_dir)
    assert remote.files == [] and remote.chunks == ["see", "https://example.com/r.pdf"]


def test_discord_table_only_degrades_to_monospace(media_dir: Path) -> None:
    reply = render_discord({"custom": {"table": TABLE}}, media_dir=media_dir)
    assert reply.chunks == [f"```\n{table_as_text(TABLE)}\n```"] and reply.embeds == []


def test_discord_destructive_yes_is_red_and_cancel_grey() -> None:
    danger: list[Button] = [{"title": "Yes, delete", "payload": "/affirm", "style": "danger"},
                            {"title": "No, cancel", "payload": "/deny"}]
    assert [button_style(b, i, danger=True) for i, b in enumerate(danger)] == [
        discord.ButtonStyle.danger, discord.ButtonStyle.secondary]
    assert [button_style(b, i, danger=False) for i, b in enumerate(YES_NO)] == [
        discord.ButtonStyle.primary, discord.ButtonStyle.secondary]


def test_discord_shows_the_text_with_its_table(media_dir: Path) -> None:
    reply = render_discord(USAGE_REPLY, media_dir=media_dir)
    assert reply.chunks == [f"```\n{table_as_text(USAGE_TABLE)}\n```", "Sizes from CloudWatch, as of yesterday."]


def test_discord_a_table_too_long_is_cut_with_a_note_after_the_whole_text(media_dir: Path) -> None:
    rows = [[f"key-{i:04d}.csv", f"{i} KB"] for i in range(300)]
    text = "Largest files:\n" + "\n".join(f"{name} ({size})" for name, size in rows)
    reply = render_discord({"text": text, "custom": {"table": {"columns": ["Key", "Size"], "rows": rows}}},
                           media_dir=media_dir)
    *pieces, block = reply.chunks
    assert "\n".join(pieces) == text  # the text is complete: nothing the cut table misses is lost
    assert len(block) <= 2000 and block.startswith("```\nKey")
    shown = block.split("```")[1].strip("\n").split("\n")
    assert block.endswith(ConnectorMessages.TABLE_CUT.format(count=f"{301 - len(shown):,}"))


def test_discord_table_cells_cannot_end_the_code_block() -> None:
    block, cut = table_block({"columns": ["a"], "rows": [["```@everyone"]]})
    assert block.count("```") == 2 and not cut


def test_discord_progress_and_links(media_dir: Path) -> None:
    assert render_discord(PROGRESS_REPLY, media_dir=media_dir).chunks == [
        f"{PROGRESS_REPLY['text']}\n▓▓▓▓░░░░░░ 4/10 files"]
    assert render_discord(LINK_REPLY, media_dir=media_dir).chunks == [
        f"Saved report.pdf. Link: [Download (expires in 1 h)](<{PRESIGNED}>)"]
    odd = {"text": "get https://a.example/f(1)", "custom": {"links": [
        {"url": "https://a.example/f(1)", "label": "[x](https://evil.example)"}]}}
    assert render_discord(odd, media_dir=media_dir).chunks == [
        "get [(x)(https://evil.example)](<https://a.example/f%281%29>)"]


def test_discord_coloured_fields_colour_every_embed(media_dir: Path) -> None:
    many = many_fields(30)
    many["colour"] = "blue"
    reply = render_discord({"text": "x", "custom": {"fields": many}}, media_dir=media_dir)
    assert [e.colour for e in reply.embeds] == [discord.Colour(int(COLOUR_HEX["blue"][1:], 16))] * 2
    plain = render_discord({"text": "x", "custom": {"fields": {**FIELDS, "colour": "pink"}}}, media_dir=media_dir)
    assert [e.colour for e in plain.embeds] == [None]


def test_discord_anyones_buttons_carry_a_star_for_their_owner() -> None:
    assert choice_custom_id(None, 1, "/acknowledge_alert") == "cb:*:1:/acknowledge_alert"
    match = CHOICE_ID.fullmatch("cb:*:1:/acknowledge_alert")
    assert match is not None and owner_in(match) is None and match["payload"] == "/acknowledge_alert"
    owned = CHOICE_ID.fullmatch(str(choice_custom_id(42, 0, "/affirm")))
    assert owned is not None and owner_in(owned) == 42
    assert CHOICE_ID.fullmatch("cb:**:1:/x") is None and CHOICE_ID.fullmatch("cb:a1:1:/x") is None
