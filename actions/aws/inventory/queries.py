"""Answers over the inventory table for the skills: one item in one store, an item across stores, what is out of
stock (and for how long), with item names matched loosely ("echo dots" finds "Echo Dot (5th Gen)") and a
did-you-mean list when a name matches nothing or several things equally well. Matching is a pure function."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from actions.aws.inventory.store import InventoryStore, Stock, name_key

MATCH = 0.72  # score a name needs to be taken for the one asked about
SUGGEST = 0.45  # score a name needs to be offered as "did you mean"
AMBIGUOUS = 0.04  # two names closer than this are both offered instead of one picked
SUGGESTIONS = 3
_WORD = re.compile(r"[^\W_]+")
_STORE_WORDS = re.compile(r"^(?:the|our)\s+|\s+(?:store|shop|branch|location)$")


@dataclass(frozen=True)
class ItemMatch:
    name: str | None  # the item taken (None: nothing close enough, or several equally close)
    suggestions: list[str] = field(default_factory=list)  # did you mean, best first (without ``name``)
    exact: bool = False


def words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def _word_matches(asked: str, known: str) -> bool:
    if asked == known:
        return True
    if min(len(asked), len(known)) >= 3 and (asked.startswith(known) or known.startswith(asked)):
        return True  # "dots" / "dot", "gen" / "generation"
    return len(asked) >= 4 and SequenceMatcher(None, asked, known).ratio() >= 0.8  # typos


def score(query: str, name: str) -> float:
    """0..1: mostly the share of the query's words the name has (loosely), partly how alike the whole texts are."""
    asked, known = words(query), words(name)
    if not asked or not known:
        return 0.0
    covered = sum(any(_word_matches(word, other) for other in known) for word in asked) / len(asked)
    alike = SequenceMatcher(None, " ".join(asked), " ".join(known)).ratio()
    return 0.75 * covered + 0.25 * alike


def match_item(query: str, names: Iterable[str]) -> ItemMatch:
    """The item ``query`` means among ``names`` (as written), or what it might mean."""
    unique = sorted(set(names))
    wanted = name_key(query)
    for name in unique:
        if name_key(name) == wanted:
            return ItemMatch(name=name, exact=True)
    ranked = sorted(((score(query, name), name) for name in unique), key=lambda pair: (-pair[0], pair[1]))
    close = [(value, name) for value, name in ranked if value >= SUGGEST][:SUGGESTIONS + 1]
    if close and close[0][0] >= MATCH and (len(close) == 1 or close[0][0] - close[1][0] >= AMBIGUOUS):
        return ItemMatch(name=close[0][1], suggestions=[name for _, name in close[1:SUGGESTIONS + 1]])
    return ItemMatch(name=None, suggestions=[name for _, name in close[:SUGGESTIONS]])


def out_for(out_since: int | None, now: float) -> int:
    """Seconds an item has been out of stock (0 if unknown or in the future)."""
    return max(0, int(now) - out_since) if out_since is not None else 0


@dataclass(frozen=True)
class StockAnswer:
    store: str  # as asked
    stock: Stock | None  # None: the store has no such item (see ``match``)
    match: ItemMatch


@dataclass(frozen=True)
class AcrossAnswer:
    stocks: list[Stock]  # every store that lists the item, most in stock first
    match: ItemMatch


@dataclass(frozen=True)
class OutOfStock:
    stock: Stock
    seconds: int  # how long it has been out


class InventoryQueries:
    def __init__(self, store: InventoryStore, *, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock

    def stock(self, store: str, item: str) -> StockAnswer:
        found = self.store.get(name_key(store), name_key(item))
        if found is not None:
            return StockAnswer(store=store, stock=found, match=ItemMatch(name=found.item, exact=True))
        match = match_item(item, self.store.item_names(name_key(store)))
        stock = self.store.get(name_key(store), name_key(match.name)) if match.name else None
        return StockAnswer(store=store, stock=stock, match=match)

    def item_across_stores(self, item: str) -> AcrossAnswer:
        stocks = list(self.store.across_stores(name_key(item)))
        match = ItemMatch(name=stocks[0].item, exact=True) if stocks else match_item(item, self.store.item_names())
        if not stocks and match.name:
            stocks = list(self.store.across_stores(name_key(match.name)))
        return AcrossAnswer(stocks=sorted(stocks, key=lambda s: (-s.count, s.store)), match=match)

    def stores(self) -> list[str]:
        """The names of every store, in the order of their keys."""
        return list(self.store.store_names().values())

    def find_store(self, asked: str) -> tuple[str, str] | None:
        """The key and name of the store ``asked`` names ("Berlin", "the berlin store", "Berlin shop"); None if no
        store of that name has stock rows."""
        wanted = name_key(asked)
        stripped = _STORE_WORDS.sub("", wanted).strip()
        for key in dict.fromkeys([wanted, stripped]):
            name = self.store.store_name(key) if key else None
            if name is not None:
                return key, name
        return None

    def in_store(self, store_key: str) -> list[Stock]:
        """Every item of one store, in the order of their keys."""
        return list(self.store.in_store(store_key))

    def out_of_stock(self, store: str | None = None) -> list[OutOfStock]:
        """What is at 0, in one store or everywhere, out longest first."""
        now = self.clock()
        found = [OutOfStock(stock=stock, seconds=out_for(stock.out_since, now))
                 for stock in self.store.out_of_stock(name_key(store) if store else None)]
        return sorted(found, key=lambda out: (-out.seconds, out.stock.store, out.stock.item))
