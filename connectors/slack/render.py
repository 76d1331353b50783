"""Our response vocabulary -> Slack Block Kit: sections for text, section fields for labelled fields, an
actions block of buttons (tagged with their owner), uploads for media files. Tables degrade to monospace."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from connectors.core.messages import ConnectorMessages
from connectors.core.output import buttons_of, media_file_for, readable_text, vocabulary_part
from connectors.core.text import clip, split_text
from connectors.vocabulary import Button, FieldsBlock, as_plain_text, fields_of

BUTTONS_BLOCK = "cloudbutler_buttons"
BUTTON_ACTION = "cloudbutler_button_"
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
    """One ``chat.postMessage`` per entry of ``messages`` (Slack allows 50 blocks each), then uploads."""

    text: str = ""
    messages: list[list[dict[str, Any]]] = field(default_factory=list)
    uploads: list[Path] = field(default_factory=list)


def escape(text: str) -> str:
    """Slack's three control characters in mrkdwn text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def text_blocks(text: str) -> list[dict[str, Any]]:
    # Escape first so the escaped sections, not the raw text, respect Slack's limit.
    return [{"type": "section", "text": _mrkdwn(chunk)} for chunk in split_text(escape(text), MAX_SECTION_TEXT)]


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
                **({"style": "primary"} if index == 0 else {}),
            }
            for index, button in enumerate(buttons[:MAX_BUTTONS])
        ],
    }


def owner_of(block_id: str) -> str | None:
    prefix, sep, owner = block_id.partition(":")
    return owner if prefix == BUTTONS_BLOCK and sep and owner else None


def chosen_blocks(blocks: list[dict[str, Any]], *, title: str) -> list[dict[str, Any]]:
    """The message after a click: our buttons replaced by a note of the choice, so nothing can be clicked twice."""
    note = {"type": "context", "elements": [_mrkdwn(escape(ConnectorMessages.CHOSEN.format(title=title)))]}
    return [note if owner_of(str(b.get("block_id") or "")) else b for b in blocks]


def render(message: Mapping[str, Any], *, media_dir: Path, owner: str) -> SlackReply:
    bot = vocabulary_part(message)
    fields = fields_of(bot)
    blocks = fields_blocks(fields) if fields else text_blocks(readable_text(bot))
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
    reply.messages = [blocks[i : i + MAX_BLOCKS] for i in range(0, len(blocks), MAX_BLOCKS)]
    return reply
