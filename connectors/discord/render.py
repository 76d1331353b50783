"""Our response vocabulary -> Discord: message text in 2,000-character pieces (labelled links as
``[label](url)``), embeds for labelled fields (in the fields' colour, if any), tables as a code block beside the
text, progress as a text bar, a button view for choices (the yes of a destructive change red, Cancel grey) - its
owner's, or anyone's in a channel recipient's message - and media files as attachments."""
from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import discord

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
    colour_of,
    fields_of,
    table_as_text,
    table_of,
)

logger = logging.getLogger(__name__)

MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_EMBED_FIELDS = 25
MAX_FIELD_NAME = 256
MAX_FIELD_VALUE = 1024
MAX_TITLE = 256
MAX_BUTTON_LABEL = 80
MAX_BUTTONS = 25

MAX_CUSTOM_ID = 100

ChoiceHandler = Callable[[discord.Interaction, str], Awaitable[None]]
# (interaction, owner id or None for anyone, button index, payload) for a click on buttons no view of this process
# knows.
RestoredChoiceHandler = Callable[[discord.Interaction, int | None, int, str], Awaitable[None]]

ANYONE = "*"  # the owner part of buttons anyone may press (a channel recipient's message: an alert)
# A button's custom_id carries its owner, position and payload, so a click still means something after a
# restart, when the view that sent it is gone (Discord keeps showing the buttons).
CHOICE_ID = re.compile(r"cb:(?P<owner>[0-9]{1,20}|\*):(?P<index>[0-9]{1,2}):(?P<payload>.+)", re.DOTALL)


def choice_custom_id(owner_id: int | None, index: int, payload: str) -> str | None:
    """The restart-proof custom_id (owner None: anyone's), or None when the payload is too long for Discord's 100
    characters."""
    custom_id = f"cb:{ANYONE if owner_id is None else owner_id}:{index}:{payload}"
    return custom_id if len(custom_id) <= MAX_CUSTOM_ID else None


def owner_in(match: re.Match[str]) -> int | None:
    """The owner a ``CHOICE_ID`` names; None: anyone."""
    return None if match["owner"] == ANYONE else int(match["owner"])


@dataclass(kw_only=True)
class DiscordReply:
    """What one bot message becomes: text pieces, then embeds/buttons/files on the last piece."""

    chunks: list[str] = field(default_factory=list)
    embeds: list[discord.Embed] = field(default_factory=list)
    buttons: list[Button] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)


def fields_embeds(block: FieldsBlock) -> list[discord.Embed]:
    """Labelled fields as embeds (25 fields each) in the block's colour; empty when there are too many to show
    natively."""
    items = block.get("items", [])
    pages = [items[i : i + MAX_EMBED_FIELDS] for i in range(0, len(items), MAX_EMBED_FIELDS)]
    if len(pages) > MAX_EMBEDS:
        return []
    embeds = []
    colour = colour_of(block)
    shade = discord.Colour(int(COLOUR_HEX[colour].lstrip("#"), 16)) if colour else None
    for index, page in enumerate(pages):
        embed = discord.Embed(title=clip(block["title"], MAX_TITLE) if block.get("title") and index == 0 else None,
                              colour=shade)
        for item in page:
            embed.add_field(
                name=clip(str(item["label"]) or "\u200b", MAX_FIELD_NAME),
                value=clip(str(item["value"]) or "\u200b", MAX_FIELD_VALUE),
                inline=True,
            )
        embeds.append(embed)
    return embeds


def discord_link(link: Link) -> str:
    """``[label](url)``: brackets out of the label, parentheses encoded in the url, so neither ends the link early;
    the ``<url>`` form keeps Discord from adding a preview of the file."""
    label = link["label"].replace("[", "(").replace("]", ")")
    url = link["url"].replace("(", "%28").replace(")", "%29")
    return f"[{label}](<{url}>)"


def table_block(table: TableBlock, limit: int = MAX_CONTENT) -> tuple[str, bool]:
    """The table (totals ruled off) as one code block of at most ``limit`` characters, and whether rows were cut
    to fit (then a note says how many); backticks in cells cannot end the block."""
    lines = table_as_text(table).replace("`", "\u02cb").split("\n")
    fence = "```\n{}\n```"
    if len(fence.format("\n".join(lines))) <= limit:
        return fence.format("\n".join(lines)), False
    kept = lines[:]
    while kept:
        kept.pop()
        note = ConnectorMessages.TABLE_CUT.format(count=f"{len(lines) - len(kept):,}")
        shown = fence.format("\n".join(kept)) + "\n" + note
        if len(shown) <= limit:
            return shown, True
    return clip(ConnectorMessages.TABLE_CUT.format(count=f"{len(lines):,}"), limit), True


def text_chunks(bot: BotMessage) -> list[str]:
    """The text with its progress bar and its table, in 2,000-character messages. The table takes the place of the
    lines it restates - unless it is too long to show whole: then the whole text comes before it."""
    text, table, links = bot.get("text") or "", table_of(bot), links_of(bot)
    if not text:
        return split_text(readable_text(bot), MAX_CONTENT)
    block, cut = table_block(table) if table else ("", False)
    before, after = text_around_table(text, table) if table and not cut else (text, "")
    below = [link for link in links if link["url"] in after]
    shown = [with_links(before, [link for link in links if link not in below], link=discord_link, plain=str)]
    progress = progress_of(bot)
    if progress:
        shown.append(progress_bar(progress))
    chunks = split_text("\n".join(part for part in shown if part), MAX_CONTENT)
    if block:
        chunks.append(block)
    return chunks + split_text(with_links(after, below, link=discord_link, plain=str), MAX_CONTENT)


def render(message: Mapping[str, Any], *, media_dir: Path) -> DiscordReply:
    bot = vocabulary_part(message)
    reply = DiscordReply()
    fields = fields_of(bot)
    embeds = fields_embeds(fields) if fields else []
    if embeds:
        reply.embeds = embeds  # shown instead of the text, which says the same (see vocabulary)
    else:
        reply.chunks = text_chunks(bot)
    reply.buttons = buttons_of(message)[:MAX_BUTTONS]
    links: list[str] = []
    for key in ("image", "attachment"):
        url = message.get(key)
        if not url:
            continue
        local = media_file_for(str(url), media_dir)
        if local:
            reply.files.append(local)
        else:
            links.append(str(url))  # Discord unfurls public URLs itself
    if links:
        reply.chunks += split_text("\n".join(links), MAX_CONTENT)
    return reply


def button_style(choice: Button, index: int, *, danger: bool) -> discord.ButtonStyle:
    """Red for the yes of a destructive change and grey beside it (Cancel); else the first choice stands out."""
    if danger:
        return discord.ButtonStyle.danger if is_danger(choice) else discord.ButtonStyle.secondary
    return discord.ButtonStyle.primary if index == 0 else discord.ButtonStyle.secondary


class ChoiceButton(discord.ui.Button["ChoiceView"]):
    def __init__(self, *, index: int, choice: Button, owner_id: int | None, danger: bool = False) -> None:
        style = button_style(choice, index, danger=danger)
        custom_id = choice_custom_id(owner_id, index, choice["payload"])
        super().__init__(label=clip(choice["title"], MAX_BUTTON_LABEL), style=style, custom_id=custom_id)
        self.index = index
        self.payload = choice["payload"]

    async def callback(self, interaction: discord.Interaction) -> None:
        if self.view is not None:
            await self.view.choose(self, interaction)


class ChoiceView(discord.ui.View):
    """Buttons only their owner may click, each at most once: the first click disables them all. Without an owner
    (``owner_id`` None: a channel recipient's message) anyone may press them, each press is that user's own choice,
    and they stay for the others."""

    def __init__(
        self, *, buttons: list[Button], owner_id: int | None, on_choice: ChoiceHandler, timeout: float | None
    ) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id
        self.message: discord.Message | None = None
        self._on_choice = on_choice
        self._chosen: int | None = None
        danger = any(is_danger(choice) for choice in buttons)
        for index, choice in enumerate(buttons):
            self.add_item(ChoiceButton(index=index, choice=choice, owner_id=owner_id, danger=danger))

    @property
    def chosen(self) -> int | None:
        return self._chosen

    @property
    def restart_proof(self) -> bool:
        """Every button carries its meaning in its custom_id (``CHOICE_ID``), so ``restored_choice`` can answer it."""
        return all(isinstance(item, ChoiceButton) and CHOICE_ID.fullmatch(item.custom_id or "")
                   for item in self.children)

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if self.owner_id is not None and interaction.user.id != self.owner_id:
            await interaction.response.send_message(ConnectorMessages.NOT_YOURS, ephemeral=True)
            return False
        return True

    async def choose(self, button: ChoiceButton, interaction: discord.Interaction) -> None:
        if self.owner_id is None:
            await pressed_by_anyone(interaction)
            await self._on_choice(interaction, button.payload)
            return
        if self._chosen is not None:  # a second click raced the first before the edit landed
            await interaction.response.defer()
            return
        self._chosen = button.index  # set before any await so a concurrent click sees it
        self._disable(chosen=button.index)
        self.stop()
        try:
            await interaction.response.edit_message(view=self)
        except discord.HTTPException:  # the choice still counts; only the greyed-out buttons are missing
            logger.warning("discord: could not disable the buttons of message %s", getattr(self.message, "id", "?"))
        await self._on_choice(interaction, button.payload)

    async def on_timeout(self) -> None:
        self._disable(chosen=None)
        if self.message is not None:
            try:
                await self.message.edit(view=self)
            except discord.HTTPException:
                logger.info("discord: could not disable expired buttons on message %s", self.message.id)

    def _disable(self, *, chosen: int | None) -> None:
        for item in self.children:
            if isinstance(item, ChoiceButton):
                item.disabled = True
                if item.index == chosen:
                    item.style = discord.ButtonStyle.success
                elif chosen is not None:
                    item.style = discord.ButtonStyle.secondary


async def pressed_by_anyone(interaction: discord.Interaction) -> None:
    """Acknowledge a press on anyone's buttons without changing them (the others may still press them)."""
    try:
        await interaction.response.defer()
    except discord.HTTPException:  # the press still counts
        logger.warning("discord: could not acknowledge a press on message %s", getattr(interaction.message, "id", "?"))


def restored_choice(handler: RestoredChoiceHandler) -> type[discord.ui.DynamicItem[discord.ui.Button[Any]]]:
    """The item class discord.py builds for a click on our buttons whatever sent them (``Client.add_dynamic_items``);
    ``handler`` decides whether a live view of this process already answers it."""

    class RestoredChoice(discord.ui.DynamicItem[discord.ui.Button[Any]], template=CHOICE_ID):
        def __init__(self, item: discord.ui.Button[Any], match: re.Match[str]) -> None:
            super().__init__(item)
            self.owner_id, self.index, self.payload = owner_in(match), int(match["index"]), match["payload"]

        @classmethod
        async def from_custom_id(
            cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
        ) -> RestoredChoice:
            assert isinstance(item, discord.ui.Button)
            return cls(item, match)

        async def callback(self, interaction: discord.Interaction) -> None:
            await handler(interaction, self.owner_id, self.index, self.payload)

    return RestoredChoice


def disabled_copy(message: discord.Message, *, chosen: int | None) -> discord.ui.View:
    """The message's buttons, all disabled, the chosen one green: what a live ``ChoiceView`` shows after a click."""
    view = discord.ui.View.from_message(message, timeout=None)
    for item in view.children:
        if isinstance(item, discord.ui.Button):
            item.disabled = True
            if chosen is None:
                continue
            match = CHOICE_ID.fullmatch(item.custom_id or "")
            is_chosen = match is not None and int(match["index"]) == chosen
            item.style = discord.ButtonStyle.success if is_chosen else discord.ButtonStyle.secondary
    view.stop()  # nothing to listen for: discord.py keeps no copy of it
    return view
