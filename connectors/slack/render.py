"""Our response vocabulary -> Slack Block Kit: sections for text (labelled links as ``<url|label>``), section fields
for labelled fields, tables as monospace code blocks beside the text, progress as a text bar, an actions block of
buttons (tagged with their owner, or as anyone's; the yes of a destructive change red), uploads for media files.
Coloured fields (an alert) go into a message attachment, whose colour bar Slack draws beside them: the fields' title
stays above it, everything else of the message (fields, media, buttons) inside it."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from connectors.core.messages import ConnectorMessages
from connectors.core.output import (
    COLOUR_HEX,
    buttons_of,
    is_danger,
    links_of,
    media_file_for,
    progress_bar,
    progress_of,
    readable_text,
    text_around_table,
    vocabulary_part,
    with_links,
)
from connectors.core.text import clip, split_text
from connectors.vocabulary import (
    BotMessage,
    Button,
    FieldsBlock,
    Link,
    TableBlock,
    as_plain_text,
    colour_of,
    fields_of,
    table_as_text,
    table_of,
)

BUTTONS_BLOCK = "cloudbutler_buttons"
BUTTON_ACTION = "cloudbutler_button_"
ANYONE = "*"  # the owner of buttons anyone in the channel may press (no Slack user id is "*")
MAX_SECTION_TEXT = 3000
MAX_FIELD_TEXT = 2000
MAX_FIELDS_PER_SECTION = 10
MAX_BLOCKS = 50
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_BUTTONS = 25
MAX_FALLBACK_TEXT = 4000


@dataclass(kw_only=True)
class SlackReply:
    """One ``chat.postMessage`` per entry of ``messages`` (Slack allows 50 blocks each), ``attachments`` on the
    last one, then uploads."""

    text: str = ""
    messages: list[list[dict[str, Any]]] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    uploads: list[Path] = field(default_factory=list)


def escape(text: str) -> str:
    """Slack's three control characters in mrkdwn text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def text_blocks(text: str, links: list[Link] | None = None) -> list[dict[str, Any]]:
    # Escape first so the escaped sections, not the raw text, respect Slack's limit.
    shown = with_links(text, links, link=slack_link, plain=escape) if links else escape(text)
    return [{"type": "section", "text": _mrkdwn(chunk)} for chunk in split_text(shown, MAX_SECTION_TEXT)]


def slack_link(link: Link) -> str:
    """``<url|label>``: Slack shows the label; the url is one ``links_of`` let through (no ``<``, ``>``, ``|``)."""
    return f"<{escape(link['url'])}|{escape(link['label'].replace('|', '/'))}>"


def table_blocks(table: TableBlock) -> list[dict[str, Any]]:
    """The table (totals ruled off) in monospace: code blocks of at most one section each."""
    limit = MAX_SECTION_TEXT - len("```\n\n```")
    return [{"type": "section", "text": _mrkdwn(f"```\n{chunk}\n```")}
            for chunk in split_text(escape(table_as_text(table)), limit)]


def fields_blocks(block: FieldsBlock) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    if block.get("title"):
        blocks.append({"type": "section", "text": _mrkdwn(f"*{escape(clip(block['title'], 2900))}*")})
    items = block.get("items", [])
    for start in range(0, len(items), MAX_FIELDS_PER_SECTION):
        blocks.append(
            {
                "type": "section",
                "fields": [
                    _mrkdwn(clip(f"*{escape(str(item['label']))}*\n{escape(str(item['value']))}", MAX_FIELD_TEXT))
                    for item in items[start : start + MAX_FIELDS_PER_SECTION]
                ],
            }
        )
    return blocks


def buttons_block(buttons: list[Button], *, owner: str) -> dict[str, Any]:
    danger = any(is_danger(button) for button in buttons)
    return {
        "type": "actions",
        # The owner rides along in the block id: a click tells us whether the clicker asked the question.
        "block_id": f"{BUTTONS_BLOCK}:{owner}",
        "elements": [
            {
                "type": "button",
                "action_id": f"{BUTTON_ACTION}{index}",
                "text": {"type": "plain_text", "text": clip(button["title"], MAX_BUTTON_TEXT), "emoji": True},
                "value": button["payload"][:MAX_BUTTON_VALUE],
                **_style(button, index, danger=danger),
            }
            for index, button in enumerate(buttons[:MAX_BUTTONS])
        ],
    }


def _style(button: Button, index: int, *, danger: bool) -> dict[str, str]:
    # Beside a destructive yes (red) every other button keeps Slack's default look: Cancel is the quiet way out.
    if danger:
        return {"style": "danger"} if is_danger(button) else {}
    return {"style": "primary"} if index == 0 else {}


def owner_of(block_id: str) -> str | None:
    """The user whose buttons these are, ``ANYONE`` for anyone's; None for blocks that are not our buttons."""
    prefix, sep, owner = block_id.partition(":")
    return owner if prefix == BUTTONS_BLOCK and sep and owner else None


def chosen_blocks(blocks: list[dict[str, Any]], *, title: str) -> list[dict[str, Any]]:
    """The message after a click: our buttons replaced by a note of the choice, so nothing can be clicked twice."""
    note = {"type": "context", "elements": [_mrkdwn(escape(ConnectorMessages.CHOSEN.format(title=title)))]}
    return [note if owner_of(str(b.get("block_id") or "")) else b for b in blocks]


def chosen_attachments(attachments: list[dict[str, Any]], *, title: str) -> list[dict[str, Any]]:
    """``chosen_blocks`` inside each attachment (coloured messages keep their buttons there), colour kept."""
    kept = ("color", "fallback", "blocks")
    return [{**{key: a[key] for key in kept if key in a}, "blocks": chosen_blocks(list(a.get("blocks") or []), title=title)}
            for a in attachments]


def body_blocks(bot: BotMessage) -> list[dict[str, Any]]:
    """Labelled fields instead of the text they restate; else the text, with its progress bar and its table in the
    place of the lines the table restates."""
    fields = fields_of(bot)
    if fields:
        return fields_blocks(fields)
    text, table, links = bot.get("text") or "", table_of(bot), links_of(bot)
    if not text:
        return text_blocks(readable_text(bot))
    before, after = text_around_table(text, table) if table else (text, "")
    below = [link for link in links if link["url"] in after]  # a link the text lacks follows the first part
    blocks = text_blocks(before, [link for link in links if link not in below])
    progress = progress_of(bot)
    if progress:
        blocks.append({"type": "context", "elements": [_mrkdwn(escape(progress_bar(progress)))]})
    if table:
        blocks += table_blocks(table)
    return blocks + text_blocks(after, below)


def render(message: Mapping[str, Any], *, media_dir: Path, owner: str) -> SlackReply:
    bot = vocabulary_part(message)
    blocks = body_blocks(bot)
    buttons = buttons_of(message)
    reply = SlackReply(text=clip(as_plain_text(bot) if not bot.get("text") else bot["text"], MAX_FALLBACK_TEXT))
    for key in ("image", "attachment"):
        url = message.get(key)
        if not url:
            continue
        local = media_file_for(str(url), media_dir)
        if local:
            reply.uploads.append(local)
        elif key == "image":
            blocks.append({"type": "image", "image_url": str(url), "alt_text": clip(reply.text or "image", 2000)})
        else:
            blocks += text_blocks(str(url))
    if buttons:
        blocks.append(buttons_block(buttons, owner=owner))
    fields = fields_of(bot)
    colour = colour_of(fields) if fields else None
    if colour is not None and len(blocks) <= MAX_BLOCKS:
        head = blocks[:1] if fields and fields.get("title") else text_blocks(clip(reply.text.split("\n", 1)[0], 2900))
        inside = blocks[1:] if fields and fields.get("title") else blocks
        reply.messages = [head]
        reply.attachments = [{"color": COLOUR_HEX[colour], "fallback": reply.text, "blocks": inside}]
        return reply
    reply.messages = [blocks[i : i + MAX_BLOCKS] for i in range(0, len(blocks), MAX_BLOCKS)]
    return reply
