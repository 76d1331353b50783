"""The inventory loader against moto: files load once, late older files lose, bad rows are reported, and every
item that runs out (or comes back) is announced exactly once - also when loads race or SQS delivers twice."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from actions.aws.inventory import loader as loader_module
from actions.aws.inventory.errors import DeadLetter, UnparseableFile
from actions.aws.inventory.loader import InventoryLoader, lambda_handler, parse_record
from tests.actions.aws.inventory.conftest import BUCKET, Inventory, later, s3_record


def csv(rows: list[tuple[str, str, int]], header: str = "store,item,count") -> str:
    return header + "\n" + "".join(f"{store},{item},{count}\n" for store, item, count in rows)


def counts(inventory: Inventory, store: str) -> dict[str, int]:
    return {stock.item: stock.count for stock in inventory.store.in_store(store.casefold())}


def test_a_file_loads_and_an_item_at_zero_alerts_once(inventory: Inventory) -> None:
    record = inventory.put("stores/berlin.csv", csv([("Berlin", "Echo Dot", 5), ("Berlin", "Kindle", 0)]))
    result = inventory.loader.handle([record])
    (loaded,) = result.files
    assert (loaded.loaded, loaded.unchanged, loaded.bad_rows, loaded.transitions) == (2, 0, 0, 1)
    assert counts(inventory, "Berlin") == {"Echo Dot": 5, "Kindle": 0}
    stock = inventory.store.get("berlin", "kindle")
    assert stock is not None and stock.out_since == int(later(0).timestamp()) and stock.source_key == "stores/berlin.csv"
    (alert,) = inventory.alerts()
    assert alert["kind"] == "stock_out" and alert["subject"] == "Out of stock: Kindle in Berlin"
    assert alert["body"] == {"kind": "stock_out", "store": "Berlin", "item": "Kindle", "count": 0, "previous": None,
                             "source": {"bucket": BUCKET, "key": "stores/berlin.csv", "version": "",
                                        "etag": record["s3"]["object"]["eTag"]},
                             "at": "2026-12-01T09:00:00.000Z"}


def test_reprocessing_the_same_file_changes_nothing_and_alerts_nothing(inventory: Inventory) -> None:
    rows = [("Berlin", f"Item {n}", n % 4) for n in range(230)]  # three chunks, some at 0
    record = inventory.put("berlin.csv", csv(rows))
    first = inventory.loader.handle([record]).files[0]
    assert (first.loaded, first.transitions) == (230, 58)
    assert len(inventory.alerts()) == 58
    stored = {stock.item: stock for stock in inventory.store.in_store("berlin")}
    again = inventory.loader.handle([record, record]).files
    assert [(f.loaded, f.unchanged, f.transitions) for f in again] == [(0, 230, 0), (0, 230, 0)]
    assert inventory.alerts() == []
    assert {stock.item: stock for stock in inventory.store.in_store("berlin")} == stored


def test_a_newer_file_wins_and_an_older_one_arriving_late_is_ignored(inventory: Inventory) -> None:
    old = inventory.put("berlin-0900.csv", csv([("Berlin", "Echo", 5), ("Berlin", "Kindle", 3)]), at=later(0))
    new = inventory.put("berlin-0910.csv", csv([("Berlin", "Echo", 0), ("Berlin", "Kindle", 4)]), at=later(10))
    assert inventory.loader.handle([new]).files[0].loaded == 2
    assert [a["body"]["item"] for a in inventory.alerts()] == ["Echo"]
    late = inventory.loader.handle([old]).files[0]
    assert (late.loaded, late.unchanged, late.transitions) == (0, 2, 0)
    assert counts(inventory, "berlin") == {"Echo": 0, "Kindle": 4}
    assert inventory.alerts() == []


def test_a_restock_publishes_resolved_and_a_second_run_out_alerts_again(inventory: Inventory) -> None:
    inventory.loader.handle([inventory.put("a.csv", csv([("Berlin", "Echo", 0)]), at=later(0))])
    inventory.loader.handle([inventory.put("b.csv", csv([("Berlin", "Echo", 0)]), at=later(1))])  # still out
    inventory.loader.handle([inventory.put("c.csv", csv([("berlin", "ECHO", 7)]), at=later(2))])
    inventory.loader.handle([inventory.put("d.csv", csv([("Berlin", "Echo", 0)]), at=later(3))])
    alerts = inventory.alerts()
    assert [(a["kind"], a["body"]["count"], a["body"]["previous"]) for a in alerts] == [
        ("stock_out", 0, None), ("stock_resolved", 7, 0), ("stock_out", 0, 7)]
    assert alerts[1]["subject"] == "Back in stock: ECHO in berlin (7)"
    stock = inventory.store.get("berlin", "echo")
    assert stock is not None and stock.out_since == int(later(3).timestamp())


def test_staying_out_keeps_the_time_it_went_out(inventory: Inventory) -> None:
    inventory.loader.handle([inventory.put("a.csv", csv([("Berlin", "Echo", 0)]), at=later(0))])
    inventory.loader.handle([inventory.put("b.csv", csv([("Berlin", "Echo", 0), ("Berlin", "x", 1)] * 3),
                                           at=later(5))])
    stock = inventory.store.get("berlin", "echo")
    assert stock is not None and stock.out_since == int(later(0).timestamp())


def test_restocks_among_unread_writes_are_each_announced_once(inventory: Inventory) -> None:
    items = [f"Item {n:03d}" for n in range(150)]
    inventory.loader.handle([inventory.put("a.csv", csv([("Paris", item, 0 if n % 50 == 3 else 2)
                                                          for n, item in enumerate(items)]), at=later(0))])
    assert len(inventory.alerts()) == 3
    second = inventory.loader.handle([inventory.put("b.csv", csv([("Paris", item, 9) for item in items]),
                                                    at=later(1))]).files[0]
    assert (second.loaded, second.unchanged, second.transitions) == (150, 0, 3)
    assert sorted(a["body"]["item"] for a in inventory.alerts() if a["kind"] == "stock_resolved") == [
        "Item 003", "Item 053", "Item 103"]
    assert set(counts(inventory, "paris").values()) == {9}


def test_rows_of_the_same_item_in_one_file_the_last_wins(inventory: Inventory) -> None:
    rows = [("Rome", "Echo", 3), ("Rome", "Kindle", 1), ("Rome", "echo ", 8)]
    inventory.loader.handle([inventory.put("rome.csv", csv(rows))])
    assert counts(inventory, "rome") == {"echo": 8, "Kindle": 1}


@pytest.fixture
def atomic_dynamodb(monkeypatch: pytest.MonkeyPatch) -> None:
    """DynamoDB applies each request atomically (a condition and its write, a whole transaction); moto's server
    handles requests on threads without a lock, so two could interleave inside it. One request at a time - the
    loads still race between their requests, which is what is tested."""
    from moto.dynamodb.responses import DynamoHandler

    lock = threading.Lock()
    original = DynamoHandler.call_action

    def call_action(self: Any) -> Any:
        with lock:
            return original(self)

    monkeypatch.setattr(DynamoHandler, "call_action", call_action)


@pytest.mark.parametrize(("start", "end", "kind"), [(5, 0, "stock_out"), (0, 6, "stock_resolved")])
@pytest.mark.usefixtures("atomic_dynamodb")
def test_racing_loads_announce_each_transition_exactly_once(inventory: Inventory, start: int, end: int,
                                                            kind: str) -> None:
    items = [f"Item {n:03d}" for n in range(120)]
    inventory.loader.handle([inventory.put("base.csv", csv([("Oslo", item, start) for item in items]))])
    inventory.alerts()
    records = [inventory.put(f"race-{n}.csv", csv([("Oslo", item, end) for item in items]), at=later(n + 1))
               for n in range(2)]
    records.append(records[0])  # the same file twice at once, as two consumers of one redelivered message
    barrier = threading.Barrier(len(records))
    results: list[Any] = []

    errors: list[BaseException] = []

    def load(record: dict[str, Any]) -> None:
        barrier.wait()
        try:
            results.append(inventory.loader.handle([record]).files[0])
        except BaseException as exc:  # noqa: BLE001 - shown by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=load, args=(record,)) for record in records]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    alerts = inventory.alerts()
    assert sorted(a["body"]["item"] for a in alerts) == items  # one each
    assert {a["kind"] for a in alerts} == {kind}
    assert sum(result.transitions for result in results) == len(items)
    assert set(counts(inventory, "oslo").values()) == {end}
    assert {stock.source_key for stock in inventory.store.in_store("oslo")} == {"race-1.csv"}  # the newest


def test_bad_rows_are_published_and_audited_and_good_rows_load(inventory: Inventory) -> None:
    text = "store,item,count\nBerlin,Echo,5\nBerlin,Kindle,-1\nBerlin,,2\nBerlin,Show,x\n"
    record = inventory.put("bad.csv", text)
    result = inventory.loader.handle([record, record]).files[0]  # reported once
    assert (result.loaded, result.bad_rows) == (1, 3)
    (alert,) = inventory.alerts()
    assert alert["kind"] == "stock_bad_rows" and alert["subject"] == "Inventory file bad.csv: 3 bad rows"
    assert alert["body"]["rows"] == [{"row": 3, "reason": "negative count: -1"}, {"row": 4, "reason": "missing item"},
                                     {"row": 5, "reason": "count is not a whole number: 'x'"}]
    assert (alert["body"]["bad_rows"], alert["body"]["loaded_rows"], alert["body"]["more"]) == (3, 1, 0)
    (entry,) = inventory.audit.read()
    assert (entry["action"], entry["result"], entry["sender"]) == ("inventory_bad_rows", "error",
                                                                   "system:inventory:loader")
    assert entry["parameters"]["key"] == "bad.csv" and entry["parameters"]["bad_rows"] == 3
    assert entry["parameters"]["rows"][0] == {"row": 3, "reason": "negative count: -1"}
    assert inventory.store.stores() == ["berlin"]


def test_a_file_overwritten_or_removed_since_its_event_is_skipped(inventory: Inventory) -> None:
    first = inventory.put("x.csv", csv([("Berlin", "Echo", 1)]))
    inventory.put("x.csv", csv([("Berlin", "Echo", 2)]), at=later(1))
    assert inventory.loader.handle([first]).files[0].skipped == "superseded"
    gone = inventory.put("y.csv", csv([("Berlin", "Echo", 1)]))
    inventory.s3.delete_object(Bucket=BUCKET, Key="y.csv")
    assert inventory.loader.handle([gone]).files[0].skipped == "gone"
    assert counts(inventory, "berlin") == {}


def test_sqs_delivers_twice_one_alert(inventory: Inventory) -> None:
    sqs, s3 = inventory.sqs, inventory.s3
    url = sqs.create_queue(QueueName="test-inventory-events")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    s3.put_bucket_notification_configuration(Bucket=BUCKET, NotificationConfiguration={
        "QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]})
    s3.put_object(Bucket=BUCKET, Key="drop/berlin stock.csv", Body=csv([("Berlin", "Echo", 0)]).encode())
    bodies = [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]]
    events = [body for body in bodies if "s3:TestEvent" not in body]
    assert len(events) == 1
    for body in bodies:  # S3's test event first: ignored
        inventory.loader.handle_message(body)
    again = inventory.loader.handle_message(events[0])
    assert (again.files[0].loaded, again.files[0].unchanged, again.files[0].key) == (0, 1, "drop/berlin stock.csv")
    assert [a["kind"] for a in inventory.alerts()] == ["stock_out"]


def test_what_no_retry_can_use_is_dead_lettered(inventory: Inventory) -> None:
    loader = inventory.loader
    for body, reason in [("{not json", "body is not JSON"), ("[1]", "not an S3 event"),
                         (json.dumps({"Records": []}), "not an S3 event"),
                         (json.dumps({"Records": [{"eventSource": "aws:sqs"}]}), "foreign"),
                         (json.dumps({"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put"}]}),
                          "malformed"),
                         (json.dumps({"Records": [s3_record("a.csv", etag="e", bucket="someone-else")]}), "foreign")]:
        with pytest.raises(DeadLetter) as raised:
            loader.handle_message(body)
        assert reason in raised.value.reason, body
    record = inventory.put("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(UnparseableFile):
        loader.handle_message(json.dumps({"Records": [record]}))
    headless = inventory.put("headless.csv", csv([("Berlin", "Echo", 1)], header="Berlin,Kindle,2"))
    envelope = {"Type": "Notification", "Message": json.dumps({"Records": [headless]})}  # S3 -> SNS -> SQS
    with pytest.raises(UnparseableFile, match="no header"):
        loader.handle_message(json.dumps(envelope))
    assert counts(inventory, "berlin") == {}


def test_test_events_and_other_event_types_are_ignored(inventory: Inventory) -> None:
    assert inventory.loader.handle_message(json.dumps({"Event": "s3:TestEvent", "Bucket": BUCKET})).ignored == 1
    removed = s3_record("a.csv", etag="e", name="ObjectRemoved:Delete")
    assert parse_record(removed) is None
    assert inventory.loader.handle_message(json.dumps({"Records": [removed]})).ignored == 1


def test_lambda_handler_over_sqs_reports_what_to_deliver_again(inventory: Inventory,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loader_module, "_lambda_loader", lambda: inventory.loader)
    good = inventory.put("ok.csv", csv([("Berlin", "Echo", 0)]))
    event = {"Records": [
        {"messageId": "m1", "eventSource": "aws:sqs", "body": json.dumps({"Records": [good]})},
        {"messageId": "m2", "eventSource": "aws:sqs", "body": "nonsense"}]}
    assert lambda_handler(event, None) == {"batchItemFailures": [{"itemIdentifier": "m2"}]}
    assert lambda_handler({"Records": [good]}, None) == {}  # S3 trigger: the same file again, unchanged
    assert [a["kind"] for a in inventory.alerts()] == ["stock_out"]


def test_loader_is_configured_from_the_environment(aws: Any, tmp_path: Any) -> None:
    made = loader_module.loader_from_env({"CLOUDBUTLER_TABLE_PREFIX": "env-", "CLOUDBUTLER_INVENTORY_TOPIC": "t1",
                                          "CLOUDBUTLER_INVENTORY_BUCKETS": "a, b"}, aws)
    assert isinstance(made, InventoryLoader)
    assert (made.store.table, made.alerts.topic, made.buckets) == ("env-inventory", "t1", frozenset({"a", "b"}))
