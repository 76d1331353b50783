"""Every user-facing word of the inventory skills: one item's stock, an item across stores, a store's inventory,
what is out of stock (and for how long), "did you mean", unknown stores, and the failures of these skills
(registered with ``actions.core.errors``). Tables carry the same figures as the text, which is complete without them."""
from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from actions.aws.inventory.queries import OutOfStock
from actions.aws.inventory.store import Stock
from actions.core import errors
from actions.core.formatting import and_join, duration, plural
from actions.skills.trends.wording import moment

SHOWN = 50  # lines a list shows before "and N more" (the table shows as many)

NEED_ITEM = ("Which item? Name one and a store, e.g. \"how many echo dots does Berlin have?\", or just the item for "
             "every store (\"echo dot stock across stores\").")
NO_DATA = ("I have no inventory yet: no store file has been loaded. Drop a store,item,count CSV file into {where} (or "
           "upload one here) and ask again in a few seconds.")
UNKNOWN_STORE = "I have no inventory for a store called \"{store}\". The stores I know: {stores}."
UNKNOWN_ITEM = "I don't know an item called \"{item}\" {where}."
DID_YOU_MEAN = "Did you mean {names}?"
TAKEN_AS = "I took \"{asked}\" to mean {name}."
ALSO_CLOSE = "Not the one? Also close: {names}."
SEE_STORE = "Ask \"what's the inventory in {store}?\" to see everything it stocks."
NOTHING_OUT_STORE = "Nothing is out of stock in {store}."
NOTHING_OUT_ANYWHERE = "Nothing is out of stock in any store ({stores})."
EMPTY_STORE = "{store} has no items in its files."

STOCK_COLUMNS = ["Store", "In stock", "Updated"]
STORE_COLUMNS = ["Item", "In stock"]
OUT_COLUMNS_STORE = ["Item", "Out for", "Since"]
OUT_COLUMNS_ALL = ["Store", "Item", "Out for", "Since"]


def _at(epoch: int) -> str:
    return moment(datetime.fromtimestamp(epoch, UTC)) + " UTC"


def quoted(names: Sequence[str]) -> list[str]:
    return [f"\"{name}\"" for name in names]


def or_join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " or " + parts[-1]


def ask_buttons(intent: str, names: Sequence[str], store: str | None) -> list[dict[str, str]]:
    """One button per suggested item: the same question about that item (and store)."""
    buttons = []
    for name in names:
        entities = {"item": name} | ({"store": store} if store else {})
        buttons.append({"title": name, "payload": f"/{intent}" + json.dumps(entities, separators=(",", ":"),
                                                                            ensure_ascii=False)})
    return buttons


def where(store: str | None) -> str:
    return f"in {store}" if store else "in any store"


def unknown_item(item: str, store: str | None, suggestions: Sequence[str]) -> str:
    lines = [UNKNOWN_ITEM.format(item=item, where=where(store))]
    if suggestions:
        lines.append(DID_YOU_MEAN.format(names=or_join(list(suggestions))))
    elif store:
        lines.append(SEE_STORE.format(store=store))
    return " ".join(lines)


def match_note(asked: str, name: str, exact: bool, suggestions: Sequence[str]) -> list[str]:
    """What a loose name was taken to mean (nothing for an exact one)."""
    if exact:
        return []
    lines = [TAKEN_AS.format(asked=asked, name=name)]
    if suggestions:
        lines.append(ALSO_CLOSE.format(names=and_join(list(suggestions))))
    return lines


def out_text(seconds: int, since: int | None) -> str:
    if since is None:
        return "out of stock"
    return f"out of stock for {duration(seconds)} (since {_at(since)})"


def stock_line(stock: Stock, seconds: int) -> str:
    """"Echo Dot (5th Gen) in Berlin: 14 in stock (updated 2 Dec 11:40 UTC)." or "...: out of stock for 3 hours
    (since 2 Dec 08:40 UTC).\""""
    if stock.count == 0:
        return f"{stock.item} in {stock.store}: {out_text(seconds, stock.out_since)}."
    return f"{stock.item} in {stock.store}: {stock.count:,} in stock (updated {_at(stock.updated_at)})."


def _count_cell(stock: Stock, seconds: int) -> str:
    return f"0 (out for {duration(seconds)})" if stock.count == 0 and stock.out_since is not None else f"{stock.count:,}"


def across_lines(item: str, stocks: Sequence[tuple[Stock, int]]) -> list[str]:
    """The item in every store that lists it (most in stock first), in words."""
    total = sum(stock.count for stock, _ in stocks)
    out = sum(1 for stock, _ in stocks if stock.count == 0)
    head = f"{item} in {plural(len(stocks), 'store')}: {total:,} in stock in all"
    head += f", out of stock in {out}:" if out else ":"
    lines = [head]
    for stock, seconds in stocks[:SHOWN]:
        lines.append(f"- {stock.store}: {stock.count:,}" if stock.count else
                     f"- {stock.store}: {out_text(seconds, stock.out_since)}")
    if len(stocks) > SHOWN:
        lines.append(f"... and {plural(len(stocks) - SHOWN, 'more store')}.")
    return lines


def across_table(item: str, stocks: Sequence[tuple[Stock, int]]) -> dict[str, Any]:
    return {"table": {"title": f"{item} by store", "columns": list(STOCK_COLUMNS),
                      "rows": [[stock.store, _count_cell(stock, seconds), _at(stock.updated_at)]
                               for stock, seconds in stocks]}}


def store_lines(store: str, stocks: Sequence[tuple[Stock, int]]) -> list[str]:
    """A store's whole inventory, in words."""
    out = sum(1 for stock, _ in stocks if stock.count == 0)
    head = f"{store} stocks {plural(len(stocks), 'item')}"
    lines = [head + (f", {out} of them out of stock:" if out else ":")]
    for stock, seconds in stocks[:SHOWN]:
        lines.append(f"- {stock.item}: {stock.count:,}" if stock.count else
                     f"- {stock.item}: {out_text(seconds, stock.out_since)}")
    if len(stocks) > SHOWN:
        lines.append(f"... and {plural(len(stocks) - SHOWN, 'more item')} (the table lists them all).")
    return lines


def store_table(store: str, stocks: Sequence[tuple[Stock, int]]) -> dict[str, Any]:
    return {"table": {"title": f"Inventory of {store}", "columns": list(STORE_COLUMNS),
                      "rows": [[stock.item, _count_cell(stock, seconds)] for stock, seconds in stocks]}}


def out_lines(store: str | None, found: Sequence[OutOfStock], *, head: str = "Out of stock in {where} ({items}), "
              "longest first:") -> list[str]:
    """What is out of stock, longest first: in one store, or everywhere (with the store)."""
    stores = len({out.stock.store for out in found})
    lines = [head.format(where=store or plural(stores, "store"), items=plural(len(found), "item"))]
    for out in found[:SHOWN]:
        name = out.stock.item if store else f"{out.stock.item} in {out.stock.store}"
        lines.append(f"- {name}: {out_text(out.seconds, out.stock.out_since)}")
    if len(found) > SHOWN:
        lines.append(f"... and {plural(len(found) - SHOWN, 'more item')} (the table lists them all).")
    return lines


def ran_out_lines(store: str | None, period: str, found: Sequence[OutOfStock]) -> list[str]:
    """What ran out within a period and is still out ("what ran out today?")."""
    return out_lines(store, found, head="Ran out " + period + " in {where} and still out ({items}), longest first:")


def nothing_ran_out(store: str | None, period: str, still_out: int) -> str:
    where = f" in {store}" if store else ""
    if not still_out:
        return f"Nothing ran out{where} {period}, and nothing is out of stock{where}."
    return (f"Nothing ran out{where} {period}; {plural(still_out, 'item')} {'has' if still_out == 1 else 'have'} been "
            f"out longer - ask \"what's out of stock{where}?\" for {'it' if still_out == 1 else 'them'}.")


def out_table(store: str | None, found: Sequence[OutOfStock]) -> dict[str, Any]:
    def since(out: OutOfStock) -> str:
        return _at(out.stock.out_since) if out.stock.out_since is not None else "-"

    if store:
        return {"table": {"title": f"Out of stock in {store}", "columns": list(OUT_COLUMNS_STORE),
                          "rows": [[o.stock.item, duration(o.seconds), since(o)] for o in found]}}
    return {"table": {"title": "Out of stock in every store", "columns": list(OUT_COLUMNS_ALL),
                      "rows": [[o.stock.store, o.stock.item, duration(o.seconds), since(o)] for o in found]}}


def nothing_out(store: str | None, stores: Sequence[str]) -> str:
    if store:
        return NOTHING_OUT_STORE.format(store=store)
    return NOTHING_OUT_ANYWHERE.format(stores=and_join(list(stores)))


def unknown_store(store: str, stores: Sequence[str]) -> str:
    return UNKNOWN_STORE.format(store=store, stores=and_join(list(stores)))


# --- failures --------------------------------------------------------------------------------------------------------
ERRORS: dict[str, Any] = {
    "inventory_no_data": lambda d: NO_DATA.format(where=d.get("where") or "the inventory bucket"),
}
errors.register(ERRORS)
