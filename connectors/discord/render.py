"""Our response vocabulary -> Discord: message text in 2,000-character pieces, embeds for labelled fields,
a button view for choices, media files as attachments. Tables degrade to monospace text."""
from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import discord

from connectors.core.messages import ConnectorMessages
from connectors.core.output import buttons_of, media_file_for, readable_text, vocabulary_part
from connectors.core.text import clip, split_text
from connectors.vocabulary import Button, FieldsBlock, fields_of

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
# (interaction, owner id, button index, payload) for a click on buttons no view of this process knows.
RestoredChoiceHandler = Callable[[discord.Interaction, int, int, str], Awaitable[None]]

# A button's custom_id carries its owner, position and payload, so a click still means something after a
# restart, when the view that sent it is gone (Discord keeps showing the buttons).
CHOICE_ID = re.compile(r"cb:(?P<owner>[0-9]{1,20}):(?P<index>[0-9]{1,2}):(?P<payload>.+)", re.DOTALL)


def choice_custom_id(owner_id: int, index: int, payload: str) -> str | None:
    """The restart-proof custom_id, or None when the payload is too long for Discord's 100 characters."""
    custom_id = f"cb:{owner_id}:{index}:{payload}"
    return custom_id if len(custom_id) <= MAX_CUSTOM_ID else None


@dataclass(kw_only=True)
class DiscordReply:
    """What one bot message becomes: text pieces, then embeds/buttons/files on the last piece."""

    chunks: list[str] = field(default_factory=list)
    embeds: list[discord.Embed] = field(default_factory=list)
    buttons: list[Button] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)


def fields_embeds(block: FieldsBlock) -> list[discord.Embed]:
    """Labelled fields as embeds (25 fields each); empty when there are too many to show natively."""
    items = block.get("items", [])
    pages = [items[i : i + MAX_EMBED_FIELDS] for i in range(0, len(items), MAX_EMBED_FIELDS)]
    if len(pages) > MAX_EMBEDS:
        return []
    embeds = []
    for index, page in enumerate(pages):
        embed = discord.Embed(title=clip(block["title"], MAX_TITLE) if block.get("title") and index == 0 else None)
        for item in page:
            embed.add_field(
                name=clip(str(item["label"]) or "\u200b", MAX_FIELD_NAME),
                value=clip(str(item["value"]) or "\u200b", MAX_FIELD_VALUE),
                inline=True,
            )
        embeds.append(embed)
    return embeds


def render(message: Mapping[str, Any], *, media_dir: Path) -> DiscordReply:
    bot = vocabulary_part(message)
    reply = DiscordReply()
    fields = fields_of(bot)
    embeds = fields_embeds(fields) if fields else []
    if embeds:
        reply.embeds = embeds  # shown instead of the text, which says the same (see vocabulary)
    else:
        reply.chunks = split_text(readable_text(bot), MAX_CONTENT)
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


class ChoiceButton(discord.ui.Button["ChoiceView"]):
    def __init__(self, *, index: int, choice: Button, owner_id: int) -> None:
        style = discord.ButtonStyle.primary if index == 0 else discord.ButtonStyle.secondary
        custom_id = choice_custom_id(owner_id, index, choice["payload"])
        super().__init__(label=clip(choice["title"], MAX_BUTTON_LABEL), style=style, custom_id=custom_id)
        self.index = index
        self.payload = choice["payload"]

    async def callback(self, interaction: discord.Interaction) -> None:
        if self.view is not None:
            await self.view.choose(self, interaction)


class ChoiceView(discord.ui.View):
    """Buttons only their owner may click, each at most once: the first click disables them all."""

    def __init__(
        self, *, buttons: list[Button], owner_id: int, on_choice: ChoiceHandler, timeout: float | None
    ) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id
        self.message: discord.Message | None = None
        self._on_choice = on_choice
        self._chosen: int | None = None
        for index, choice in enumerate(buttons):
            self.add_item(ChoiceButton(index=index, choice=choice, owner_id=owner_id))

    @property
    def chosen(self) -> int | None:
        return self._chosen

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id != self.owner_id:
            await interaction.response.send_message(ConnectorMessages.NOT_YOURS, ephemeral=True)
            return False
        return True

    async def choose(self, button: ChoiceButton, interaction: discord.Interaction) -> None:
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


def restored_choice(handler: RestoredChoiceHandler) -> type[discord.ui.DynamicItem[discord.ui.Button[Any]]]:
    """The item class discord.py builds for a click on our buttons whatever sent them (``Client.add_dynamic_items``);
    ``handler`` decides whether a live view of this process already answers it."""

    class RestoredChoice(discord.ui.DynamicItem[discord.ui.Button[Any]], template=CHOICE_ID):
        def __init__(self, item: discord.ui.Button[Any], match: re.Match[str]) -> None:
            super().__init__(item)
            self.owner_id, self.index, self.payload = int(match["owner"]), int(match["index"]), match["payload"]

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
