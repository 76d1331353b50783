"""The response vocabulary every connector renders, and its plain-text degradation.

A bot message, as Rasa hands it to ``OutputChannel.send_response``, may carry:
  text        always present for our replies: the complete, readable answer (plain-text channels show only this)
  buttons     [{"title": str, "payload": str, "style"?: "danger"}] - payloads are intents like "/affirm" sent back
              as a user message; "danger" marks the yes of a destructive change
  image       URL of a picture (charts are published under ``/media/<name>``, see ``common.media``)
  attachment  URL of a file for the user
  custom      structured detail of ``text``, which never says more than ``text`` does:
              {"fields": FieldsBlock}: labelled values, shown *instead of* the text where rendered natively; an
                optional "colour" (red, green, amber, blue or grey: an alert's state) is drawn as the platform does
                it - a Slack attachment's colour bar, a Discord embed's colour, a coloured edge of the web chat's
                card - and never carries meaning the text and fields do not also say;
              {"table": TableBlock}: shown *with* the text (less the lines the table restates);
              {"progress": ProgressBlock}: a job's progress, drawn as a bar beside the text;
              {"links": [Link]}: each url, which appears in the text, shown as a link with its label.
"""
from __future__ import annotations

from typing import Any, List, TypedDict, cast

# Importable from here until the action server takes it from ``common.media``, where it is defined.
from common.media import MEDIA_ROUTE as MEDIA_ROUTE


class Field(TypedDict):
    label: str
    value: str


class FieldsBlock(TypedDict, total=False):
    title: str
    items: List[Field]
    colour: str  # one of COLOURS


COLOURS = ("red", "green", "amber", "blue", "grey")


class TableBlock(TypedDict, total=False):
    title: str
    columns: List[str]
    rows: List[List[str]]
    totals: List[str]  # a last row, where the columns sum


class ProgressBlock(TypedDict):
    done: int
    total: int  # 0 when not known yet
    unit: str  # "files", "objects" or "bytes"


class Link(TypedDict):
    url: str
    label: str


class _Button(TypedDict):
    title: str
    payload: str


class Button(_Button, total=False):
    style: str  # "danger": the yes of a destructive change


class BotMessage(TypedDict, total=False):
    text: str
    buttons: List[Button]
    image: str
    attachment: str
    custom: dict[str, Any]


def fields_of(message: BotMessage) -> FieldsBlock | None:
    custom = message.get("custom") or {}
    block = custom.get("fields") if isinstance(custom, dict) else None
    return cast(FieldsBlock, block) if isinstance(block, dict) and block.get("items") else None


def colour_of(block: FieldsBlock) -> str | None:
    """The block's colour when it is one of ``COLOURS``; anything else is drawn without one."""
    colour = block.get("colour")
    return colour if isinstance(colour, str) and colour in COLOURS else None


def table_of(message: BotMessage) -> TableBlock | None:
    custom = message.get("custom") or {}
    block = custom.get("table") if isinstance(custom, dict) else None
    return cast(TableBlock, block) if isinstance(block, dict) and block.get("columns") else None


def fields_as_text(block: FieldsBlock) -> str:
    lines = [block["title"]] if block.get("title") else []
    lines += [f"{item['label']}: {item['value']}" for item in block.get("items", [])]
    return "\n".join(lines)


def table_as_text(block: TableBlock) -> str:
    columns = block.get("columns", [])
    rows = block.get("rows", [])
    everything = rows + ([block["totals"]] if block.get("totals") else [])
    widths = [max([len(str(c))] + [len(str(r[i])) for r in everything if i < len(r)]) for i, c in enumerate(columns)]
    lines = [block["title"]] if block.get("title") else []
    lines.append("  ".join(str(c).ljust(w) for c, w in zip(columns, widths, strict=False)))
    lines += ["  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=False)) for row in rows]
    totals = block.get("totals")
    if totals:
        lines.append("  ".join("-" * w for w in widths))
        lines.append("  ".join(str(v).ljust(w) for v, w in zip(totals, widths, strict=False)))
    return "\n".join(line.rstrip() for line in lines)


def as_plain_text(message: BotMessage) -> str:
    """What a channel that renders nothing but text shows for ``message``."""
    parts: list[str] = []
    if message.get("text"):
        parts.append(message["text"])
    else:
        fields = fields_of(message)
        table = table_of(message)
        if fields:
            parts.append(fields_as_text(fields))
        if table:
            parts.append(table_as_text(table))
    if message.get("buttons"):
        parts.append(" / ".join(f"[{b['title']}]" for b in message["buttons"]))
    for key in ("image", "attachment"):
        if message.get(key):
            parts.append(str(message[key]))
    return "\n".join(parts)
