"""Replies out: the output channel every connector's replies go through, and what renderers share - the
vocabulary part of a Rasa bot message, its readable text, its buttons, progress and links, and the local file
behind a media URL."""
from __future__ import annotations

import asyncio
import re
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any, ClassVar, cast
from urllib.parse import unquote, urlparse

from rasa.core.channels.channel import OutputChannel

from common.media import is_media_name, name_of
from common.store import Store
from connectors.vocabulary import (
    BotMessage,
    Button,
    Link,
    ProgressBlock,
    TableBlock,
    as_plain_text,
    table_as_text,
    table_of,
)

VOCABULARY_KEYS = ("text", "buttons", "image", "attachment", "custom")
DANGER = "danger"
PROGRESS_BAR_CELLS = 10
RESTATED_LINE_EXTRA = 16  # letters and digits a line may hold besides a table row's cells and still restate it
PROGRESS_EDIT_SECONDS = 3600.0  # a job's next report edits its last one for this long
# The vocabulary's colours (``connectors.vocabulary.COLOURS``) as Slack and Discord draw them; chat.css has the same.
COLOUR_HEX = {"red": "#D92D20", "green": "#12B76A", "amber": "#F79009", "blue": "#1570EF", "grey": "#98A2B3"}


class ChatOutput(OutputChannel, ABC):
    """Rasa's per-kind send methods all hand one whole bot message to ``send_response``, which renders it for
    the platform: a reply's text, buttons, media and fields stay together, as the vocabulary means them."""

    channel_name: ClassVar[str]

    @classmethod
    def name(cls) -> str:
        return cls.channel_name

    @abstractmethod
    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None: ...

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"image": image})

    async def send_attachment(self, recipient_id: str, attachment: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"attachment": attachment})

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.send_response(recipient_id, {"text": text, "buttons": buttons})

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"custom": json_message})


def vocabulary_part(message: Mapping[str, Any]) -> BotMessage:
    """The keys of a Rasa bot message that belong to our vocabulary (Rasa adds timestamp, utter_action...)."""
    return cast(BotMessage, {key: message[key] for key in VOCABULARY_KEYS if message.get(key)})


def readable_text(message: BotMessage) -> str:
    """The text to show when ``custom`` is not rendered natively: the message text (the complete answer),
    else a table in monospace, else the plain-text degradation of ``custom``. Buttons/media are not included."""
    if message.get("text"):
        return message["text"]
    table = table_of(message)
    if table:
        return f"```\n{table_as_text(table)}\n```"
    return as_plain_text(BotMessage(custom=message.get("custom") or {}))


def text_around_table(text: str, table: TableBlock) -> tuple[str, str]:
    """``text`` without the lines its ``table`` restates, for channels that draw the table with it: what comes
    before the first restated line (the table goes there) and what comes after. Restated: the table's title, and
    each line that holds every non-empty cell of one of its rows (or of its totals). What the text says besides (an
    apology, a hint, a source) stays, in its order; a text that restates nothing is all "before"."""
    given = table.get("rows")
    every = [*(given if isinstance(given, list) else []), table.get("totals")]
    rows = [[str(cell).strip() for cell in row if str(cell).strip()] for row in every if isinstance(row, list)]
    title = str(table.get("title") or "").strip().rstrip(":")
    before: list[str] = []
    after: list[str] | None = None
    for line in text.split("\n"):
        bare = line.strip()
        if bare and (bare.rstrip(":") == title or any(_restates(bare, row) for row in rows)):
            after = after if after is not None else []
            continue
        (before if after is None else after).append(line)
    return "\n".join(before).strip("\n"), "\n".join(after or []).strip("\n")


def _restates(line: str, row: list[str]) -> bool:
    """``line`` holds every cell of ``row`` and little else: a few glue words ("in", "objects", "e.g."), never a
    remark of its own (such as "2 older versions"), which the table would not show."""
    if not row or not all(cell in line for cell in row):
        return False
    for cell in sorted(row, key=len, reverse=True):
        line = line.replace(cell, " ")
    return sum(ch.isalnum() for ch in line) <= RESTATED_LINE_EXTRA


def text_beside_table(text: str, table: TableBlock) -> str:
    """``text_around_table`` in one piece, for channels that draw the table below the whole text."""
    return "\n".join(part for part in text_around_table(text, table) if part)


def _whole_number(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def progress_of(message: Mapping[str, Any]) -> ProgressBlock | None:
    """A job's progress (``custom.progress``), when it is whole numbers; ``total`` 0 means not known yet."""
    custom = message.get("custom")
    block = custom.get("progress") if isinstance(custom, Mapping) else None
    if not isinstance(block, Mapping):
        return None
    done, total = _whole_number(block.get("done")), _whole_number(block.get("total", 0))
    unit = block.get("unit")
    if done is None or total is None or not isinstance(unit, str):
        return None
    return ProgressBlock(done=done, total=total, unit=unit)


def _size(count: int) -> str:
    value, units = float(count), ["B", "KB", "MB", "GB", "TB"]
    while value >= 1024 and len(units) > 1:
        value, units = value / 1024, units[1:]
    return f"{int(value)} B" if units[0] == "B" else f"{value:.1f} {units[0]}"


def progress_amounts(progress: ProgressBlock) -> tuple[str, str | None]:
    """``done`` and ``total`` as people read them (sizes for bytes, thousands separated); None: no total yet."""
    amount = _size if progress["unit"] == "bytes" else (lambda n: f"{n:,}")
    return amount(progress["done"]), amount(progress["total"]) if progress["total"] else None


def progress_label(progress: ProgressBlock) -> str:
    """"3 of 10 files", "1.5 MB of 10.0 MB", or "3 files" while the total is not known."""
    done, total = progress_amounts(progress)
    unit = "" if progress["unit"] == "bytes" else f" {progress['unit']}"
    return f"{done}{unit}" if total is None else f"{done} of {total}{unit}"


def progress_bar(progress: ProgressBlock, cells: int = PROGRESS_BAR_CELLS) -> str:
    """The progress as text: ``▓▓▓▓░░░░░░ 4/10 files`` (no bar while the total is not known)."""
    done, total = progress_amounts(progress)
    unit = "" if progress["unit"] == "bytes" else f" {progress['unit']}"
    if total is None:
        return f"{done}{unit}"
    filled = min(cells, progress["done"] * cells // progress["total"])
    return f"{'▓' * filled}{'░' * (cells - filled)} {done}/{total}{unit}"


class ProgressMessages:
    """Where each conversation's latest progress message is, so that the next report of the same job (same unit and
    total, not fewer done) edits it - one bar that moves - while nothing else was said there since. In ``store``,
    so another server process can edit it too."""

    def __init__(self, store: Store, *, channel: str, ttl: float = PROGRESS_EDIT_SECONDS) -> None:
        self.store = store
        self.namespace = f"progress:{channel}"
        self.ttl = ttl

    def editable(self, place: str, progress: ProgressBlock | None) -> str | None:
        """The platform's id of the message to edit with ``progress`` at ``place``, if any."""
        last = self.store.get(self.namespace, place) if progress else None
        if not isinstance(last, Mapping) or progress is None:
            return None
        same = (last.get("unit"), last.get("total")) == (progress["unit"], progress["total"])
        moving = isinstance(last.get("done"), int) and last["done"] <= progress["done"]
        return str(last["message"]) if same and moving and last.get("message") else None

    def said(self, place: str, progress: ProgressBlock | None, message: str | None) -> None:
        """After a message at ``place``: a progress message (``message``: its id) may be edited by the next report;
        anything else ends that."""
        if progress is None or not message:
            self.store.delete(self.namespace, place)
            return
        self.store.put(self.namespace, place, {**progress, "message": message}, ttl=self.ttl)


def safe_link_url(value: object) -> str | None:
    """An http(s) URL without whitespace or markup characters, else None: nothing else becomes a link."""
    if not isinstance(value, str) or not re.fullmatch(r"https?://[^\s<>\"'`|]+", value, flags=re.IGNORECASE):
        return None
    return value


def links_of(message: Mapping[str, Any]) -> list[Link]:
    """``custom.links`` whose url is http(s) and whose label is text; the others are left as the text says them."""
    custom = message.get("custom")
    raw = custom.get("links") if isinstance(custom, Mapping) else None
    if not isinstance(raw, list):
        return []
    found = []
    for entry in raw:
        url = safe_link_url(entry.get("url")) if isinstance(entry, Mapping) else None
        label = entry.get("label") if isinstance(entry, Mapping) else None
        if url and isinstance(label, str) and label.strip():
            found.append(Link(url=url, label=" ".join(label.split())))
    return found


def with_links(text: str, links: list[Link], *, link: Callable[[Link], str], plain: Callable[[str], str]) -> str:
    """``text`` with each link's url replaced by ``link(link)``; the rest passed through ``plain`` (escaping).
    A link whose url the text does not hold follows the text on a line of its own."""
    pieces: list[tuple[str, Link | None]] = [(text, None)]
    for item in sorted(links, key=lambda entry: -len(entry["url"])):  # a url that is the start of another: longest
        split: list[tuple[str, Link | None]] = []
        for piece, done in pieces:
            if done is not None or item["url"] not in piece:
                split.append((piece, done))
                continue
            parts = piece.split(item["url"])
            for index, part in enumerate(parts):
                split.append((part, None))
                if index < len(parts) - 1:
                    split.append(("", item))
        pieces = split
    shown = {id(done) for _, done in pieces if done is not None}
    result = "".join(link(done) if done is not None else plain(piece) for piece, done in pieces)
    missing = [link(item) for item in links if id(item) not in shown]
    return "\n".join(part for part in [result, *missing] if part)


def _buttons(value: object) -> list[Button]:
    if not isinstance(value, list):
        return []
    found = []
    for b in value:
        if not isinstance(b, Mapping) or b.get("title") is None or b.get("payload") is None:
            continue
        button = Button(title=str(b["title"]), payload=str(b["payload"]))
        if b.get("style") == DANGER:
            button["style"] = DANGER
        found.append(button)
    return found


def is_danger(button: Mapping[str, Any]) -> bool:
    """The yes of a destructive change: drawn red; the buttons beside it neutral."""
    return button.get("style") == DANGER


def buttons_of(message: Mapping[str, Any]) -> list[Button]:
    """A message's buttons (Rasa's ``quick_replies`` count too); entries without a title and payload are dropped."""
    return _buttons(message.get("buttons")) or _buttons(message.get("quick_replies"))


def media_file(media_dir: Path, name: str) -> Path | None:
    """``media_dir/name`` if ``name`` is a media name and the file is there - not through a link out of the folder."""
    if not is_media_name(name):
        return None
    path = media_dir / name
    if path.resolve().parent != media_dir.resolve() or not path.is_file():
        return None
    return path


def media_file_for(url: str, media_dir: Path) -> Path | None:
    """The local file behind one of our media URLs (``/media/<name>``, also under a channel's prefix), if any."""
    name = name_of(unquote(urlparse(url).path))
    return None if name is None else media_file(media_dir, name)


def read_file(path: Path) -> Awaitable[bytes]:
    """File bytes read off the event loop (media files for uploads)."""
    return asyncio.to_thread(path.read_bytes)
