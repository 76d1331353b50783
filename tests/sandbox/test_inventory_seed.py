"""The sandbox's store inventory: the seed wires the inventory bucket and puts the store files; the tracker's
inventory consumer, built later (as the tracker process starts after the seed), loads every row through the queue."""
from __future__ import annotations

from typing import Any

import pytest

from actions.aws.clients import AwsSettings, ClientFactory
from actions.aws.inventory.consumer import InventoryConsumer, build_inventory_consumer
from actions.aws.inventory.store import InventoryStore, name_key
from actions.aws.inventory.wiring import CONFIGURATION_ID
from sandbox import Sandbox
from sandbox.demo_data import INVENTORY_BUCKET
from sandbox.inventory import ITEMS, STORE_FILES, seed_inventory
from tests.actions.sizes import wait_for

PREFIX = "seedtest-"


def _consumer(factory: ClientFactory, env: dict[str, str]) -> InventoryConsumer:
    consumer = build_inventory_consumer(env, factory=factory)
    assert consumer is not None
    consumer.wait_seconds = 0
    return consumer


def _load_all(consumer: InventoryConsumer, store: InventoryStore) -> dict[tuple[str, str], int]:
    expected = len(STORE_FILES) * len(ITEMS)

    def rows() -> dict[tuple[str, str], int]:
        return {(s.store, s.item): s.count for key in store.stores() for s in store.in_store(key)}

    wait_for(lambda: consumer.poll_once() is not None and len(rows()) == expected, message="every seeded row")
    return rows()


def _seeded() -> dict[tuple[str, str], int]:
    return {(f.store, item): count for f in STORE_FILES for item, count in zip(ITEMS, f.counts, strict=True)}


def test_the_seed_is_believable_and_berlin_has_sold_out_of_something() -> None:
    assert [f.store for f in STORE_FILES] == ["Berlin", "Munich", "Hamburg", "Lisbon"]
    assert {"Echo Dot (5th Gen)", "Kindle Paperwhite", "Fire TV Stick 4K"} <= set(ITEMS)
    berlin = dict(zip(ITEMS, STORE_FILES[0].counts, strict=True))
    assert sorted(item for item, count in berlin.items() if count == 0) == [
        "Fire TV Stick 4K", "Kindle Paperwhite", "Ring Video Doorbell"]
    assert STORE_FILES[0].csv().splitlines()[:2] == [b"store,item,count", b"Berlin,Echo Dot (5th Gen),14"]
    assert b'Berlin,"Fire HD 10 Tablet, 32 GB",9' in STORE_FILES[0].csv()


def test_seeded_files_are_loaded_once_the_consumer_runs(aws: ClientFactory) -> None:
    s3, sqs = aws.client("s3"), aws.client("sqs")
    keys = seed_inventory(s3, sqs, region="us-east-1", prefix=PREFIX)
    assert keys == ("stores/berlin.csv", "stores/munich.csv", "stores/hamburg.csv", "stores/lisbon.csv")
    config = s3.get_bucket_notification_configuration(Bucket=INVENTORY_BUCKET)
    assert [q["Id"] for q in config["QueueConfigurations"]] == [CONFIGURATION_ID]
    # the tracker starts later: its consumer finds the events waiting in the queue
    consumer = _consumer(aws, {"CLOUDBUTLER_INVENTORY_BUCKETS": INVENTORY_BUCKET, "CLOUDBUTLER_TABLE_PREFIX": PREFIX})
    store = InventoryStore(aws.client("dynamodb"), prefix=PREFIX)
    assert _load_all(consumer, store) == _seeded()
    assert sorted(s.item for s in store.out_of_stock(name_key("Berlin"))) == [
        "Fire TV Stick 4K", "Kindle Paperwhite", "Ring Video Doorbell"]
    assert [s.item for s in store.out_of_stock(name_key("Lisbon"))] == ["Echo Show 8 (3rd Gen)"]
    assert s3.list_objects_v2(Bucket=INVENTORY_BUCKET)["KeyCount"] == 4


def test_seeding_again_puts_nothing(aws: ClientFactory) -> None:
    s3, sqs = aws.client("s3"), aws.client("sqs")
    seed_inventory(s3, sqs, region="us-east-1", prefix=PREFIX)
    etags = {o["Key"]: o["ETag"] for o in s3.list_objects_v2(Bucket=INVENTORY_BUCKET)["Contents"]}
    assert seed_inventory(s3, sqs, region="us-east-1", prefix=PREFIX) == ()
    assert {o["Key"]: o["ETag"] for o in s3.list_objects_v2(Bucket=INVENTORY_BUCKET)["Contents"]} == etags


@pytest.fixture(scope="module")
def sandbox() -> Any:
    with Sandbox(aws_port=0, imds_port=0, region="us-east-1", table_prefix=PREFIX) as running:
        yield running


def test_a_started_sandbox_has_stock_once_its_environment_builds_the_consumer(sandbox: Sandbox) -> None:
    assert sandbox.seeded is not None
    assert len(sandbox.seeded.inventory_files) == len(STORE_FILES)
    env = {**sandbox.env(), "CLOUDBUTLER_TABLE_PREFIX": PREFIX}
    factory = ClientFactory(AwsSettings.from_env(env))
    consumer = _consumer(factory, env)
    assert _load_all(consumer, InventoryStore(factory.client("dynamodb"), prefix=PREFIX)) == _seeded()
