"""Answers for the skills: item names matched loosely with a did-you-mean (pure), and stock, an item across stores
and what is out of stock (for how long) read from the table the loader fills."""

from __future__ import annotations

import pytest

from actions.aws.inventory.queries import InventoryQueries, ItemMatch, match_item, out_for
from tests.actions.aws.inventory.conftest import T0, Inventory, later

NAMES = ["Echo Dot (5th Gen)", "Echo Show 8", "Echo Studio", "Kindle Paperwhite", "Fire TV Stick 4K"]


@pytest.mark.parametrize(("query", "name"), [
    ("echo dot", "Echo Dot (5th Gen)"),
    ("echo dots", "Echo Dot (5th Gen)"),
    ("ECHO DOT (5TH GEN)", "Echo Dot (5th Gen)"),
    ("kindle", "Kindle Paperwhite"),
    ("paperwite kindle", "Kindle Paperwhite"),
    ("fire stick", "Fire TV Stick 4K"),
])
def test_a_loose_name_finds_the_item(query: str, name: str) -> None:
    assert match_item(query, NAMES).name == name


def test_an_exact_name_is_exact() -> None:
    assert match_item("echo  show 8", NAMES) == ItemMatch(name="Echo Show 8", exact=True)


def test_an_ambiguous_or_unknown_name_offers_what_it_might_mean() -> None:
    assert match_item("echo", NAMES) == ItemMatch(name=None, suggestions=["Echo Show 8", "Echo Studio",
                                                                         "Echo Dot (5th Gen)"])
    assert match_item("ecko dot", NAMES) == ItemMatch(name=None, suggestions=["Echo Dot (5th Gen)"])
    assert match_item("banana", NAMES) == ItemMatch(name=None)
    assert match_item("anything", []) == ItemMatch(name=None)


def test_out_for() -> None:
    assert out_for(100, 160.5) == 60
    assert out_for(None, 160) == 0
    assert out_for(200, 160) == 0


@pytest.fixture
def filled(inventory: Inventory) -> Inventory:
    text = ("store,item,count\n"
            "Berlin,Echo Dot (5th Gen),5\nBerlin,Kindle Paperwhite,0\nBerlin,Echo Show 8,2\n"
            "Paris,Echo Dot (5th Gen),0\nParis,Fire TV Stick 4K,9\n")
    inventory.loader.handle([inventory.put("all.csv", text, at=later(0))])
    inventory.loader.handle([inventory.put("paris.csv", "store,item,count\nParis,Fire TV Stick 4K,0\n",
                                           at=later(30))])
    return inventory


def test_stock_of_one_item_in_one_store(filled: Inventory) -> None:
    queries = InventoryQueries(filled.store)
    exact = queries.stock("berlin", "echo dot (5th gen)")
    assert exact.stock is not None and (exact.stock.store, exact.stock.item, exact.stock.count) == (
        "Berlin", "Echo Dot (5th Gen)", 5)
    loose = queries.stock("Berlin", "echo dots")
    assert loose.stock is not None and loose.stock.count == 5 and loose.match.name == "Echo Dot (5th Gen)"
    assert not loose.match.exact
    unknown = queries.stock("Berlin", "fire stick")  # Paris has it, Berlin does not
    assert unknown.stock is None and unknown.match.name is None


def test_an_item_across_stores(filled: Inventory) -> None:
    answer = InventoryQueries(filled.store).item_across_stores("echo dot")
    assert [(s.store, s.count) for s in answer.stocks] == [("Berlin", 5), ("Paris", 0)]
    assert answer.match.name == "Echo Dot (5th Gen)"
    assert InventoryQueries(filled.store).item_across_stores("walkman").stocks == []


def test_out_of_stock_with_how_long(filled: Inventory) -> None:
    queries = InventoryQueries(filled.store, clock=lambda: T0.timestamp() + 3600)
    everywhere = queries.out_of_stock()
    assert [(o.stock.store, o.stock.item, o.seconds) for o in everywhere] == [
        ("Berlin", "Kindle Paperwhite", 3600), ("Paris", "Echo Dot (5th Gen)", 3600),
        ("Paris", "Fire TV Stick 4K", 1800)]
    assert [o.stock.item for o in queries.out_of_stock("PARIS")] == ["Echo Dot (5th Gen)", "Fire TV Stick 4K"]
    assert queries.out_of_stock("Rome") == []
