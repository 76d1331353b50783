"""Stock answers over the inventory table the loader fills: ``action_inventory_query`` (an item in one store, an item
across stores, or a store's whole inventory) and ``action_out_of_stock`` (in one store or everywhere, longest out
first). Item names are matched loosely with a "did you mean"; an unknown store gets the list of known ones. "and in
munich?" (``action_same_for``) asks the same about another store, keeping the item of the request before."""
from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.aws.errors import BOTO_ERRORS, CloudButlerError, from_boto
from actions.aws.inventory.queries import MATCH, InventoryQueries, out_for, score
from actions.aws.inventory.store import InventoryStore
from actions.aws.size_tables import DEFAULT_PREFIX
from actions.core import context
from actions.core.base import Skill, SkillAction
from actions.core.formatting import and_join
from actions.core.late import Reply
from actions.core.periods import Period, find_period, parse_period
from actions.skills.inventory import wording as say

T = TypeVar("T")


class Answer(Reply, total=False):
    """A reply of these skills: the vocabulary's parts, and "did you mean" buttons."""

    buttons: list[dict[str, str]]


@dataclass(frozen=True)
class InventorySettings:
    table_prefix: str = DEFAULT_PREFIX
    buckets: tuple[str, ...] = ()  # where store files are dropped (for the "no inventory yet" reply)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> InventorySettings:
        env = os.environ if env is None else env
        buckets = tuple(b.strip() for b in env.get("CLOUDBUTLER_INVENTORY_BUCKETS", "").split(",") if b.strip())
        return cls(table_prefix=env.get("CLOUDBUTLER_TABLE_PREFIX") or DEFAULT_PREFIX, buckets=buckets)


class NoInventory(CloudButlerError):
    def __init__(self, buckets: tuple[str, ...]) -> None:
        super().__init__("inventory_no_data", where=and_join([f"s3://{b}/" for b in buckets]) if buckets else "")


def also_close(asked: str, suggestions: list[str]) -> list[str]:
    """The runners-up of a loose name worth offering beside the item taken (as close as a match would need)."""
    return [name for name in suggestions if score(asked, name) >= MATCH]


class InventoryAction(SkillAction):
    """Base of the inventory skills (abstract: ``act`` is the skill's)."""

    target = "store"  # "and in munich?" hands the store over; the item comes from the request before
    intent: ClassVar[str]
    # Tests assign their own (a frozen moment): how long an item has been out is read against it.
    clock: Callable[[], float] = staticmethod(time.time)

    @functools.cached_property
    def settings(self) -> InventorySettings:
        return InventorySettings.from_env()

    def queries(self) -> InventoryQueries:
        store = InventoryStore(self.clients.client("dynamodb"), prefix=self.settings.table_prefix)
        return InventoryQueries(store, clock=self.clock)

    def asked(self, tracker: Tracker, name: str) -> str | None:
        """The entity in this message; after "same for x" / "and in x?", the one of the request it repeats (back
        over a run of such follow-ups) when this message names none."""
        value = self.entity(tracker, name)
        if value or ((tracker.latest_message or {}).get("intent") or {}).get("name") != "same_for":
            return value
        users = [event for event in tracker.events if event.get("event") == "user"]
        for event in reversed(users[:-1]):
            parse = event.get("parse_data") or {}
            found = next((str(e["value"]).strip() for e in parse.get("entities") or []
                          if e.get("entity") == name and str(e.get("value") or "").strip()), None)
            if found or ((parse.get("intent") or {}).get("name")) != "same_for":
                return found
        return None

    def read(self, call: Callable[..., T], *args: Any) -> T:
        """Blocking: one read of the table; no table yet means no inventory yet."""
        try:
            return call(*args)
        except BOTO_ERRORS as exc:
            if (getattr(exc, "response", None) or {}).get("Error", {}).get("Code") == "ResourceNotFoundException":
                raise NoInventory(self.settings.buckets) from exc
            raise from_boto(exc) from exc

    def store_of(self, queries: InventoryQueries, asked: str) -> tuple[str, str] | Answer:
        """Blocking: the key and name of the store asked about, or the reply naming the stores there are."""
        found = self.read(queries.find_store, asked)
        if found is not None:
            return found
        stores = self.read(queries.stores)
        if not stores:
            raise NoInventory(self.settings.buckets)
        return {"text": say.unknown_store(asked, stores)}

    def stock_replies(self, queries: InventoryQueries, store: str | None, item: str) -> list[Answer]:
        """Blocking: an item in one store, or across stores when no store is named."""
        if store is not None:
            found = self.store_of(queries, store)
            if not isinstance(found, tuple):
                return [found]
            key, name = found
            answer = self.read(queries.stock, key, item)
            if answer.stock is None:
                return [self.unknown_item(item, name, answer.match.suggestions)]
            seconds = out_for(answer.stock.out_since, self.clock())
            others = [] if answer.match.exact else also_close(item, answer.match.suggestions)
            lines = say.match_note(item, answer.stock.item, answer.match.exact, others)
            reply: Answer = {"text": "\n".join([*lines, say.stock_line(answer.stock, seconds)])}
            if others:
                reply["buttons"] = say.ask_buttons(self.intent, others, name)
            return [reply]
        across = self.read(queries.item_across_stores, item)
        if not across.stocks:
            if not self.read(queries.stores):
                raise NoInventory(self.settings.buckets)
            return [self.unknown_item(item, None, across.match.suggestions)]
        now = self.clock()
        stocks = [(stock, out_for(stock.out_since, now)) for stock in across.stocks]
        others = [] if across.match.exact else also_close(item, across.match.suggestions)
        lines = say.match_note(item, stocks[0][0].item, across.match.exact, others)
        reply = {"text": "\n".join([*lines, *say.across_lines(stocks[0][0].item, stocks)]),
                 "json_message": say.across_table(stocks[0][0].item, stocks)}
        if others:
            reply["buttons"] = say.ask_buttons(self.intent, others, None)
        return [reply]

    def unknown_item(self, item: str, store: str | None, suggestions: list[str]) -> Answer:
        reply: Answer = {"text": say.unknown_item(item, store, suggestions)}
        if suggestions:
            reply["buttons"] = say.ask_buttons(self.intent, suggestions, store)
        return reply

    async def reply(self, dispatcher: CollectingDispatcher, call: Callable[..., list[Answer]], *args: Any) -> None:
        for reply in await self.blocking(call, *args):
            dispatcher.utter_message(**reply)


class ActionInventoryQuery(InventoryAction):
    action_name = "action_inventory_query"
    intent = "inventory_query"
    skill = Skill(title="Store stock: an item in one store or across stores, or a store's whole inventory",
                  example="how many echo dots does Berlin have?", order=60)

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        item, store = self.asked(tracker, "item"), self.asked(tracker, "store")
        context.mention(skill=self.action_name)  # "and in munich?" asks this again
        if item is None and store is None:
            dispatcher.utter_message(text=say.NEED_ITEM)
            return []
        if item is None:
            await self.reply(dispatcher, self._store_inventory, self.queries(), store)
        else:
            await self.reply(dispatcher, self.stock_replies, self.queries(), store, item)
        return []

    def _store_inventory(self, queries: InventoryQueries, store: str) -> list[Answer]:
        found = self.store_of(queries, store)
        if not isinstance(found, tuple):
            return [found]
        key, name = found
        now = self.clock()
        stocks = [(stock, out_for(stock.out_since, now)) for stock in self.read(queries.in_store, key)]
        if not stocks:
            return [{"text": say.EMPTY_STORE.format(store=name)}]
        return [{"text": "\n".join(say.store_lines(name, stocks)), "json_message": say.store_table(name, stocks)}]


class ActionOutOfStock(InventoryAction):
    action_name = "action_out_of_stock"
    intent = "out_of_stock"
    skill = Skill(title="What is out of stock, in one store or every store, and for how long",
                  example="what's out of stock in berlin?", order=61)

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        item, store = self.asked(tracker, "item"), self.asked(tracker, "store")
        context.mention(skill=self.action_name)
        if item is not None:  # "is the kindle sold out in berlin?": that item's stock says it
            await self.reply(dispatcher, self.stock_replies, self.queries(), store, item)
        else:
            await self.reply(dispatcher, self._out_of_stock, self.queries(), store, self.period_of(tracker))
        return []

    def period_of(self, tracker: Tracker) -> Period | None:
        """"what ran out today?": the period the message names (its entity, else its words); None for none."""
        now = datetime.fromtimestamp(self.clock(), UTC)
        words = self.entity(tracker, "period")
        if words:
            return parse_period(words, now)
        found = find_period(self.text_of(tracker), now)
        return found[1] if found else None

    def _out_of_stock(self, queries: InventoryQueries, store: str | None, period: Period | None) -> list[Answer]:
        name = None
        if store is not None:
            found = self.store_of(queries, store)
            if not isinstance(found, tuple):
                return [found]
            store, name = found
        out = self.read(queries.out_of_stock, store)
        if period is not None:
            start, end = period.start.timestamp(), period.end.timestamp()
            within = [o for o in out if o.stock.out_since is not None and start <= o.stock.out_since < end]
            if within:
                return [{"text": "\n".join(say.ran_out_lines(name, period.label, within)),
                         "json_message": say.out_table(name, within)}]
            if out or name:
                return [{"text": say.nothing_ran_out(name, period.label, len(out))}]
        if out:
            return [{"text": "\n".join(say.out_lines(name, out)), "json_message": say.out_table(name, out)}]
        stores = [] if name else self.read(queries.stores)
        if not name and not stores:
            raise NoInventory(self.settings.buckets)
        return [{"text": say.nothing_out(name, stores)}]
