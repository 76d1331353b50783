"""End-to-end inventory on the sandbox through the REST channel: the seeded store files are loaded by the tracker's
inventory consumer (S3 event -> queue -> loader -> table); a CSV put straight into the sandbox's inventory bucket,
as `aws s3 cp` would, is in the answers within seconds; loose item names and "and in munich?" work with real text."""
from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import boto3
import pytest

from actions.aws.inventory.store import InventoryStore
from actions.aws.size_tables import DEFAULT_PREFIX
from launcher.stack import Stack
from sandbox.demo_data import INVENTORY_BUCKET
from sandbox.inventory import STORE_FILES
from tests.e2e.assistant import Conversation

pytestmark = pytest.mark.e2e

LOAD_SECONDS = 30.0


def client(stack: Stack, service: str) -> Any:
    return boto3.client(service, endpoint_url=stack.aws_endpoint, region_name="us-east-1",
                        aws_access_key_id="x", aws_secret_access_key="x")


def inventory(stack: Stack) -> InventoryStore:
    prefix = stack.env.get("CLOUDBUTLER_TABLE_PREFIX") or DEFAULT_PREFIX
    return InventoryStore(client(stack, "dynamodb"), prefix=prefix)


def wait_for_row(stack: Stack, store: str, item: str, count: int) -> None:
    """Until the tracker has loaded the row (the table is what the skills read)."""
    table = inventory(stack)
    deadline = time.monotonic() + LOAD_SECONDS
    while time.monotonic() < deadline:
        try:
            found = table.get(store.casefold(), item.casefold())
        except table.dynamodb.exceptions.ResourceNotFoundException:
            found = None
        if found is not None and found.count == count:
            return
        time.sleep(0.2)
    pytest.fail(f"{item} at {count} in {store} not loaded within {LOAD_SECONDS:.0f} s - is the tracker's inventory "
                "consumer running (CLOUDBUTLER_INVENTORY_BUCKETS)?")


@pytest.fixture(scope="module")
def seeded(stack: Stack) -> Stack:
    """The last seeded row is in the table: the sandbox's store files went the whole way."""
    last = STORE_FILES[-1]
    wait_for_row(stack, last.store, "eero 6+ Mesh Wi-Fi Router", last.counts[-1])
    return stack


def test_how_many_echo_dots_does_berlin_have(chat: Conversation, seeded: Stack) -> None:
    lines = chat.say_text("how many echo dots does Berlin have?").splitlines()
    assert lines[0] == "I took \"echo dots\" to mean Echo Dot (5th Gen).", lines
    assert lines[-1].startswith("Echo Dot (5th Gen) in Berlin: 14 in stock (updated "), lines
    follow = chat.say_text("and in munich?").splitlines()
    assert follow[-1].startswith("Echo Dot (5th Gen) in Munich: 32 in stock (updated "), follow


def test_across_stores_and_a_loose_plural(chat: Conversation, seeded: Stack) -> None:
    lines = chat.say_text("echo dot stock across stores").splitlines()
    assert "Echo Dot (5th Gen) in 4 stores: 73 in stock in all:" in lines, lines
    assert lines[-4:] == ["- Munich: 32", "- Lisbon: 18", "- Berlin: 14", "- Hamburg: 9"], lines
    lines = chat.say_text("do we have kindles in munich").splitlines()
    assert lines[-1].startswith("Kindle "), lines
    assert " in Munich: " in lines[-1], lines


def test_a_csv_put_into_the_bucket_is_out_of_stock_within_seconds(chat: Conversation, seeded: Stack) -> None:
    item = f"Echo Buds {uuid.uuid4().hex[:4].upper()}"  # an item of this run only
    body = f"store,item,count\r\nBerlin,{item},0\r\nBerlin,Echo Dot (5th Gen),14\r\n"
    client(seeded, "s3").put_object(Bucket=INVENTORY_BUCKET, Key=f"drops/berlin-{item[-4:]}.csv", Body=body.encode())
    wait_for_row(seeded, "Berlin", item, 0)
    reply = chat.say("what's out of stock in berlin?")
    text = "\n".join(r.get("text", "") for r in reply if r.get("text"))
    lines = text.splitlines()
    assert lines[0].startswith("Out of stock in Berlin ("), lines
    assert any(line.startswith(f"- {item}: out of stock for ") for line in lines), lines
    for seeded_out in ("Fire TV Stick 4K", "Kindle Paperwhite", "Ring Video Doorbell"):
        assert any(line.startswith(f"- {seeded_out}: out of stock for ") for line in lines), lines
    table = next(r["custom"]["table"] for r in reply if r.get("custom"))
    assert table["title"] == "Out of stock in Berlin"
    assert item in [row[0] for row in table["rows"]]


def test_anything_sold_out_lists_every_store(chat: Conversation, seeded: Stack) -> None:
    lines = chat.say_text("anything sold out?").splitlines()
    assert lines[0].startswith("Out of stock in "), lines
    assert "- Echo Show 8 (3rd Gen) in Lisbon: out of stock for " in "\n".join(lines), lines


def test_a_store_file_uploaded_through_the_chat_is_loaded(chat: Conversation, seeded: Stack) -> None:
    outbox = Path(seeded.env["CLOUDBUTLER_UPLOAD_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    (outbox / "hamburg-count.csv").write_bytes(b"store,item,count\nHamburg,Kindle Scribe,0\n")
    assert chat.say_text(f"upload hamburg-count.csv to {INVENTORY_BUCKET}") == (
        f"Upload to {INVENTORY_BUCKET}?\n- hamburg-count.csv (41 B) -> s3://{INVENTORY_BUCKET}/hamburg-count.csv")
    assert chat.say_text("yes") == f"Uploaded hamburg-count.csv (41 B) to s3://{INVENTORY_BUCKET}/hamburg-count.csv."
    wait_for_row(seeded, "Hamburg", "Kindle Scribe", 0)
    lines = chat.say_text("what's out of stock in hamburg?").splitlines()
    assert lines[0] == "Out of stock in Hamburg (1 item), longest first:", lines
    assert len(lines) == 2 and lines[1].startswith("- Kindle Scribe: out of stock for "), lines
    assert lines[1].endswith(" UTC)"), lines
