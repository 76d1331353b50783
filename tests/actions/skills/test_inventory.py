"""Inventory skills against moto, over store files loaded by the real loader, with a frozen clock (Wednesday 3
December 2025, 12:00 UTC): an item in a store (loose names taken, "did you mean" with buttons), an item across
stores, a store's inventory, what is out of stock and for how long (text and table), unknown stores, no inventory
yet, and the follow-ups "and in munich?" / "and lisbon?"."""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from actions.aws.clients import ClientFactory
from actions.aws.inventory.alerts import StockAlerts
from actions.aws.inventory.loader import InventoryLoader
from actions.aws.inventory.store import InventoryStore
from actions.core.audit import AuditLog
from actions.core.base import implemented_skills
from actions.skills.conversation import ActionSameFor
from actions.skills.inventory.query import ActionInventoryQuery, ActionOutOfStock, InventoryAction, InventorySettings
from tests.actions.harness import Conversation, run_action, talked_about, tracker_for

PREFIX = "skilltest-"
BUCKET = "inventory-drops"
NOW = datetime(2025, 12, 3, 12, 0, tzinfo=UTC)
BERLIN_AT = NOW - timedelta(days=2, hours=3)  # Mon 1 Dec 09:00
LISBON_AT = NOW - timedelta(hours=5, minutes=30)  # Wed 3 Dec 06:30
FILES = {
    "berlin.csv": (BERLIN_AT, "store,item,count\nBerlin,Echo Dot (5th Gen),14\nBerlin,Kindle Paperwhite,0\n"
                              "Berlin,Kindle Scribe,3\nBerlin,Fire TV Stick 4K,0\nBerlin,Echo Pop,21\n"),
    "munich.csv": (BERLIN_AT + timedelta(minutes=5), "store,item,count\nMunich,Echo Dot (5th Gen),32\n"
                                                     "Munich,Kindle Paperwhite,7\nMunich,Fire TV Stick 4K,15\n"),
    "lisbon.csv": (LISBON_AT, "store,item,count\nLisbon,Echo Dot (5th Gen),0\nLisbon,Fire TV Stick 4K,2\n"),
}
SKILL = "action_inventory_query"
OUT = "action_out_of_stock"


def ents(**values: str) -> list[dict[str, Any]]:
    return [{"entity": name, "value": value} for name, value in values.items()]


def s3_record(key: str, etag: str, at: datetime) -> dict[str, Any]:
    return {"eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1", "eventName": "ObjectCreated:Put",
            "eventTime": at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "s3": {"bucket": {"name": BUCKET}, "object": {"key": key, "size": 1, "eTag": etag}}}


def a_minute_after(at: datetime) -> Callable[[], float]:
    return lambda: at.timestamp() + 60


@pytest.fixture
def stocked(aws: ClientFactory, tmp_path: Path) -> InventoryStore:
    """The three store files, loaded the way the consumer loads them (each a minute after its event)."""
    s3 = aws.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    store = InventoryStore(aws.client("dynamodb"), prefix=PREFIX)
    store.ensure_table()
    for key, (at, text) in FILES.items():
        etag = s3.put_object(Bucket=BUCKET, Key=key, Body=text.encode())["ETag"].strip('"')
        loader = InventoryLoader(s3=s3, store=store, alerts=StockAlerts(aws.client("sns"), topic="skilltest-alerts"),
                                 audit=AuditLog(tmp_path / "audit.jsonl"), clock=a_minute_after(at))
        loader.handle([s3_record(key, etag, at)])
    return store


def skill(cls: type[InventoryAction], aws: ClientFactory) -> Any:
    action = cls()
    action.clients = aws
    action.clock = lambda: NOW.timestamp()
    action.settings = InventorySettings(table_prefix=PREFIX, buckets=(BUCKET,))
    return action


async def ask(cls: type[InventoryAction], aws: ClientFactory, text: str, intent: str,
              **entities: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    return await run_action(skill(cls, aws), tracker_for(text, intent=intent, entities=ents(**entities)))


def context_of(skill_name: str) -> list[dict[str, Any]]:
    return [talked_about(skill=skill_name)]


def table(reply: dict[str, Any]) -> dict[str, Any]:
    return dict(reply["custom"]["table"])


# --- an item in a store --------------------------------------------------------------------------------------------
async def test_a_loose_item_name_in_a_store_is_taken_and_said(aws: ClientFactory, stocked: InventoryStore) -> None:
    events, sent = await ask(ActionInventoryQuery, aws, "how many echo dots does Berlin have?", "inventory_query",
                             item="echo dots", store="Berlin")
    assert events == context_of(SKILL)
    assert sent == [{**sent[0], "text": "I took \"echo dots\" to mean Echo Dot (5th Gen).\n"
                                      "Echo Dot (5th Gen) in Berlin: 14 in stock (updated 1 Dec 09:01 UTC)."}]
    assert not sent[0].get("buttons")  # Echo Pop shares a word, not enough to be offered


async def test_an_item_at_zero_says_how_long_it_has_been_out(aws: ClientFactory, stocked: InventoryStore) -> None:
    _, sent = await ask(ActionInventoryQuery, aws, "kindle paperwhite in the berlin store", "inventory_query",
                        item="Kindle Paperwhite", store="the Berlin store")
    assert [m["text"] for m in sent] == [
        "Kindle Paperwhite in Berlin: out of stock for 2 days 3 hours (since 1 Dec 09:00 UTC)."]


async def test_an_item_two_names_fit_offers_the_other_as_a_button(aws: ClientFactory, stocked: InventoryStore) -> None:
    _, sent = await ask(ActionInventoryQuery, aws, "do we have kindles in berlin", "inventory_query",
                        item="kindles", store="berlin")
    assert sent[0]["text"] == ("I took \"kindles\" to mean Kindle Scribe.\nNot the one? Also close: Kindle Paperwhite.\n"
                               "Kindle Scribe in Berlin: 3 in stock (updated 1 Dec 09:01 UTC).")
    assert sent[0]["buttons"] == [{"title": "Kindle Paperwhite",
                                   "payload": '/inventory_query{"item":"Kindle Paperwhite","store":"Berlin"}'}]


async def test_kindles_in_munich(aws: ClientFactory, stocked: InventoryStore) -> None:
    _, sent = await ask(ActionInventoryQuery, aws, "do we have kindles in munich", "inventory_query",
                        item="kindles", store="munich")
    assert [m["text"] for m in sent] == ["I took \"kindles\" to mean Kindle Paperwhite.\n"
                                         "Kindle Paperwhite in Munich: 7 in stock (updated 1 Dec 09:06 UTC)."]


async def test_an_unknown_item_in_a_store(aws: ClientFactory, stocked: InventoryStore) -> None:
    _, sent = await ask(ActionInventoryQuery, aws, "bananas in berlin", "inventory_query", item="bananas",
                        store="Berlin")
    assert [m["text"] for m in sent] == [
        "I don't know an item called \"bananas\" in Berlin. Ask \"what's the inventory in Berlin?\" to see "
        "everything it stocks."]


async def test_an_unknown_store_lists_the_known_ones(aws: ClientFactory, stocked: InventoryStore) -> None:
    events, sent = await ask(ActionInventoryQuery, aws, "echo dots in paris?", "inventory_query", item="echo dots",
                             store="Paris")
    assert events == context_of(SKILL)
    assert sent == [{**sent[0], "text": "I have no inventory for a store called \"Paris\". The stores I know: Berlin, "
                                      "Lisbon and Munich."}]


# --- an item across stores -----------------------------------------------------------------------------------------
async def test_an_item_across_stores_most_first_with_the_stores_out(aws: ClientFactory,
                                                                   stocked: InventoryStore) -> None:
    _, sent = await ask(ActionInventoryQuery, aws, "echo dot stock across stores", "inventory_query",
                        item="echo dot")
    assert len(sent) == 1
    assert sent[0]["text"] == (
        "I took \"echo dot\" to mean Echo Dot (5th Gen).\n"
        "Echo Dot (5th Gen) in 3 stores: 46 in stock in all, out of stock in 1:\n"
        "- Munich: 32\n- Berlin: 14\n- Lisbon: out of stock for 5 hours 30 minutes (since 3 Dec 06:30 UTC)")
    assert table(sent[0]) == {"title": "Echo Dot (5th Gen) by store", "columns": ["Store", "In stock", "Updated"],
                              "rows": [["Munich", "32", "1 Dec 09:06 UTC"], ["Berlin", "14", "1 Dec 09:01 UTC"],
                                       ["Lisbon", "0 (out for 5 hours 30 minutes)", "3 Dec 06:31 UTC"]]}


async def test_a_misspelt_item_nowhere_asks_did_you_mean(aws: ClientFactory, stocked: InventoryStore) -> None:
    _, sent = await ask(ActionInventoryQuery, aws, "ecko dot stock", "inventory_query", item="ecko dot")
    assert sent == [{**sent[0], "text": "I don't know an item called \"ecko dot\" in any store. Did you mean Echo Dot "
                                      "(5th Gen)?",
                     "buttons": [{"title": "Echo Dot (5th Gen)",
                                  "payload": '/inventory_query{"item":"Echo Dot (5th Gen)"}'}]}]
    _, sent = await ask(ActionInventoryQuery, aws, "bananas anywhere?", "inventory_query", item="bananas")
    assert [m["text"] for m in sent] == ["I don't know an item called \"bananas\" in any store."]


# --- a store's inventory ---------------------------------------------------------------------------------------------
async def test_a_store_without_an_item_lists_its_inventory(aws: ClientFactory, stocked: InventoryStore) -> None:
    _, sent = await ask(ActionInventoryQuery, aws, "what's the inventory in berlin", "inventory_query", store="berlin")
    assert sent[0]["text"] == (
        "Berlin stocks 5 items, 2 of them out of stock:\n- Echo Dot (5th Gen): 14\n- Echo Pop: 21\n"
        "- Fire TV Stick 4K: out of stock for 2 days 3 hours (since 1 Dec 09:00 UTC)\n"
        "- Kindle Paperwhite: out of stock for 2 days 3 hours (since 1 Dec 09:00 UTC)\n- Kindle Scribe: 3")
    assert table(sent[0]) == {"title": "Inventory of Berlin", "columns": ["Item", "In stock"], "rows": [
        ["Echo Dot (5th Gen)", "14"], ["Echo Pop", "21"], ["Fire TV Stick 4K", "0 (out for 2 days 3 hours)"],
        ["Kindle Paperwhite", "0 (out for 2 days 3 hours)"], ["Kindle Scribe", "3"]]}


async def test_neither_item_nor_store_says_what_to_ask(aws: ClientFactory, stocked: InventoryStore) -> None:
    _, sent = await ask(ActionInventoryQuery, aws, "how many do we have", "inventory_query")
    assert [m["text"] for m in sent] == [
        "Which item? Name one and a store, e.g. \"how many echo dots does Berlin have?\", or just the item for every "
        "store (\"echo dot stock across stores\")."]


# --- out of stock ------------------------------------------------------------------------------------------------------
async def test_out_of_stock_in_a_store(aws: ClientFactory, stocked: InventoryStore) -> None:
    events, sent = await ask(ActionOutOfStock, aws, "what's out of stock in berlin?", "out_of_stock", store="berlin")
    assert events == context_of(OUT)
    assert len(sent) == 1
    assert sent[0]["text"] == (
        "Out of stock in Berlin (2 items), longest first:\n"
        "- Fire TV Stick 4K: out of stock for 2 days 3 hours (since 1 Dec 09:00 UTC)\n"
        "- Kindle Paperwhite: out of stock for 2 days 3 hours (since 1 Dec 09:00 UTC)")
    assert table(sent[0]) == {"title": "Out of stock in Berlin", "columns": ["Item", "Out for", "Since"], "rows": [
        ["Fire TV Stick 4K", "2 days 3 hours", "1 Dec 09:00 UTC"],
        ["Kindle Paperwhite", "2 days 3 hours", "1 Dec 09:00 UTC"]]}


async def test_out_of_stock_everywhere_longest_first(aws: ClientFactory, stocked: InventoryStore) -> None:
    _, sent = await ask(ActionOutOfStock, aws, "anything sold out?", "out_of_stock")
    assert sent[0]["text"] == (
        "Out of stock in 2 stores (3 items), longest first:\n"
        "- Fire TV Stick 4K in Berlin: out of stock for 2 days 3 hours (since 1 Dec 09:00 UTC)\n"
        "- Kindle Paperwhite in Berlin: out of stock for 2 days 3 hours (since 1 Dec 09:00 UTC)\n"
        "- Echo Dot (5th Gen) in Lisbon: out of stock for 5 hours 30 minutes (since 3 Dec 06:30 UTC)")
    assert table(sent[0]) == {"title": "Out of stock in every store", "columns": ["Store", "Item", "Out for", "Since"],
                              "rows": [["Berlin", "Fire TV Stick 4K", "2 days 3 hours", "1 Dec 09:00 UTC"],
                                       ["Berlin", "Kindle Paperwhite", "2 days 3 hours", "1 Dec 09:00 UTC"],
                                       ["Lisbon", "Echo Dot (5th Gen)", "5 hours 30 minutes", "3 Dec 06:30 UTC"]]}


async def test_nothing_out_and_an_unknown_store(aws: ClientFactory, stocked: InventoryStore) -> None:
    _, sent = await ask(ActionOutOfStock, aws, "anything sold out in munich?", "out_of_stock", store="Munich")
    assert [m["text"] for m in sent] == ["Nothing is out of stock in Munich."]
    _, sent = await ask(ActionOutOfStock, aws, "what's out of stock in rome?", "out_of_stock", store="Rome")
    assert [m["text"] for m in sent] == [
        "I have no inventory for a store called \"Rome\". The stores I know: Berlin, Lisbon and Munich."]


async def test_a_restock_leaves_the_list(aws: ClientFactory, stocked: InventoryStore, tmp_path: Path) -> None:
    s3 = aws.client("s3")
    text = "store,item,count\nLisbon,Echo Dot (5th Gen),5\n"
    etag = s3.put_object(Bucket=BUCKET, Key="lisbon-2.csv", Body=text.encode())["ETag"].strip('"')
    InventoryLoader(s3=s3, store=stocked, alerts=StockAlerts(aws.client("sns"), topic="skilltest-alerts"),
                    audit=AuditLog(tmp_path / "audit.jsonl")).handle([s3_record("lisbon-2.csv", etag, NOW)])
    _, sent = await ask(ActionOutOfStock, aws, "what's out of stock in lisbon", "out_of_stock", store="lisbon")
    assert [m["text"] for m in sent] == ["Nothing is out of stock in Lisbon."]


async def test_what_ran_out_today(aws: ClientFactory, stocked: InventoryStore) -> None:
    _, sent = await ask(ActionOutOfStock, aws, "what ran out today?", "out_of_stock")
    assert sent[0]["text"] == (
        "Ran out today in 1 store and still out (1 item), longest first:\n"
        "- Echo Dot (5th Gen) in Lisbon: out of stock for 5 hours 30 minutes (since 3 Dec 06:30 UTC)")
    assert table(sent[0])["rows"] == [["Lisbon", "Echo Dot (5th Gen)", "5 hours 30 minutes", "3 Dec 06:30 UTC"]]
    _, sent = await ask(ActionOutOfStock, aws, "anything gone out of stock today in berlin", "out_of_stock",
                        store="berlin")
    assert [m["text"] for m in sent] == ["Nothing ran out in Berlin today; 2 items have been out longer - ask "
                                         "\"what's out of stock in Berlin?\" for them."]
    _, sent = await ask(ActionOutOfStock, aws, "what went out of stock in munich", "out_of_stock", store="Munich",
                        period="yesterday")
    assert [m["text"] for m in sent] == ["Nothing ran out in Munich yesterday, and nothing is out of stock in Munich."]
    _, sent = await ask(ActionOutOfStock, aws, "what ran out on monday in berlin", "out_of_stock", store="Berlin")
    assert sent[0]["text"].splitlines()[0] == "Ran out on Monday in Berlin and still out (2 items), longest first:"


async def test_is_an_item_sold_out_answers_with_its_stock(aws: ClientFactory, stocked: InventoryStore) -> None:
    _, sent = await ask(ActionOutOfStock, aws, "is the fire tv stick sold out in lisbon?", "out_of_stock",
                        item="fire tv stick", store="Lisbon")
    assert [m["text"] for m in sent] == ["I took \"fire tv stick\" to mean Fire TV Stick 4K.\n"
                                         "Fire TV Stick 4K in Lisbon: 2 in stock (updated 3 Dec 06:31 UTC)."]


async def test_no_inventory_yet_says_where_files_go(aws: ClientFactory) -> None:
    _, sent = await ask(ActionOutOfStock, aws, "anything sold out?", "out_of_stock")
    expected = ("I have no inventory yet: no store file has been loaded. Drop a store,item,count CSV file into "
                "s3://inventory-drops/ (or upload one here) and ask again in a few seconds.")
    assert [m["text"] for m in sent] == [expected]
    InventoryStore(aws.client("dynamodb"), prefix=PREFIX).ensure_table()  # a table, still empty
    _, sent = await ask(ActionInventoryQuery, aws, "echo dot stock", "inventory_query", item="echo dot")
    assert [m["text"] for m in sent] == [expected]


# --- follow-ups --------------------------------------------------------------------------------------------------------
def same_for(aws: ClientFactory, monkeypatch: pytest.MonkeyPatch) -> ActionSameFor:
    monkeypatch.setenv("CLOUDBUTLER_TABLE_PREFIX", PREFIX)  # the skill "same for" makes reads its settings
    monkeypatch.setattr(InventoryAction, "clock", staticmethod(lambda: NOW.timestamp()))
    action = ActionSameFor()
    action.clients = aws
    return action


async def test_and_in_munich_asks_about_the_same_item(aws: ClientFactory, stocked: InventoryStore,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    chat = Conversation()
    follow = same_for(aws, monkeypatch)
    await chat.turn(skill(ActionInventoryQuery, aws), "how many echo dots does Berlin have?", "inventory_query",
                    ents(item="echo dots", store="Berlin"))
    events, sent = await chat.turn(follow, "and in munich?", "same_for", ents(store="munich"))
    assert events == []  # the context already names this skill
    assert [m["text"] for m in sent] == ["I took \"echo dots\" to mean Echo Dot (5th Gen).\n"
                                         "Echo Dot (5th Gen) in Munich: 32 in stock (updated 1 Dec 09:06 UTC)."]
    _, sent = await chat.turn(follow, "and lisbon?", "same_for", ents(store="Lisbon"))  # a second follow-up
    assert [m["text"] for m in sent] == [
        "I took \"echo dots\" to mean Echo Dot (5th Gen).\n"
        "Echo Dot (5th Gen) in Lisbon: out of stock for 5 hours 30 minutes (since 3 Dec 06:30 UTC)."]


async def test_and_lisbon_after_out_of_stock(aws: ClientFactory, stocked: InventoryStore,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    chat = Conversation()
    await chat.turn(skill(ActionOutOfStock, aws), "what's out of stock in berlin?", "out_of_stock",
                    ents(store="berlin"))
    _, sent = await chat.turn(same_for(aws, monkeypatch), "and lisbon?", "same_for", ents(store="lisbon"))
    assert [m["text"] for m in sent] == [
        "Out of stock in Lisbon (1 item), longest first:\n"
        "- Echo Dot (5th Gen): out of stock for 5 hours 30 minutes (since 3 Dec 06:30 UTC)"]


def test_both_skills_are_in_help() -> None:
    skills = {s.example: s.title for s in implemented_skills()}
    assert skills["how many echo dots does Berlin have?"] == (
        "Store stock: an item in one store or across stores, or a store's whole inventory")
    assert skills["what's out of stock in berlin?"] == "What is out of stock, in one store or every store, and for how long"
