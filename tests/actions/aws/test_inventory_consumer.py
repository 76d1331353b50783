"""The inventory consumer against the moto server: a CSV put into an inventory bucket reaches the table through the
bucket's notification and the queue; a file that cannot be parsed is dead-lettered and does not hold up the next; a
failed load is left for redelivery; the bucket's other notification targets survive the wiring."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from actions.aws.clients import ClientFactory
from actions.aws.inventory.consumer import InventoryConsumer, build_inventory_consumer
from actions.aws.inventory.store import InventoryStore
from actions.aws.inventory.wiring import CONFIGURATION_ID, MAX_RECEIVE_COUNT, overlapping, queue_names, with_ours
from tests.actions.sizes import receive_all, wait_for

BUCKET = "cb-inventory-drops"
PREFIX = "test-"
ENV = {"CLOUDBUTLER_INVENTORY_BUCKETS": f" {BUCKET} ", "CLOUDBUTLER_TABLE_PREFIX": PREFIX,
       "CLOUDBUTLER_INVENTORY_TOPIC": "test-inventory-alerts"}
GOOD = "store,item,count\nBerlin,Echo Dot (5th Gen),12\nBerlin,Kindle Paperwhite,0\n"


@pytest.fixture
def s3(aws: ClientFactory) -> Any:
    client = aws.client("s3")
    client.create_bucket(Bucket=BUCKET)
    return client


@pytest.fixture
def sqs(aws: ClientFactory) -> Any:
    return aws.client("sqs")


@pytest.fixture
def store(aws: ClientFactory) -> InventoryStore:
    return InventoryStore(aws.client("dynamodb"), prefix=PREFIX)


def _consumer(aws: ClientFactory, **options: Any) -> InventoryConsumer:
    consumer = build_inventory_consumer(ENV, factory=aws)
    assert consumer is not None
    consumer.wait_seconds = 0
    for name, value in options.items():
        setattr(consumer, name, value)
    return consumer


def _depth(sqs: Any, url: str) -> tuple[int, int]:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]), int(attributes["ApproximateNumberOfMessagesNotVisible"])


def _count(store: InventoryStore, item: str) -> int | None:
    found = store.get("berlin", item)
    return None if found is None else found.count


def test_no_inventory_buckets_means_no_consumer(aws: ClientFactory) -> None:
    assert build_inventory_consumer({"CLOUDBUTLER_INVENTORY_BUCKETS": " , "}, factory=aws) is None
    assert build_inventory_consumer({}, factory=aws) is None


def test_queue_has_a_dead_letter_queue_and_lets_only_this_accounts_s3_send(aws: ClientFactory, s3: Any,
                                                                            sqs: Any) -> None:
    consumer = _consumer(aws)
    name, dead_name = queue_names(PREFIX)
    assert consumer.queue_url.endswith("/" + name)
    assert consumer.dead_letter_url.endswith("/" + dead_name)
    attributes = sqs.get_queue_attributes(QueueUrl=consumer.queue_url, AttributeNames=["All"])["Attributes"]
    redrive = json.loads(attributes["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"].endswith(":" + dead_name)
    assert int(redrive["maxReceiveCount"]) == MAX_RECEIVE_COUNT
    statement = json.loads(attributes["Policy"])["Statement"][0]
    assert statement["Principal"] == {"Service": "s3.amazonaws.com"}
    assert statement["Action"] == "sqs:SendMessage"
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": attributes["QueueArn"].split(":")[4]}}


def test_a_csv_put_into_the_bucket_reaches_the_table_through_the_queue(aws: ClientFactory, s3: Any, sqs: Any,
                                                                      store: InventoryStore) -> None:
    consumer = _consumer(aws)
    s3.put_object(Bucket=BUCKET, Key="drops/berlin.csv", Body=GOOD.encode())
    s3.put_object(Bucket=BUCKET, Key="notes.txt", Body=b"not inventory")  # not a .csv: no event at all

    def loaded() -> bool:
        consumer.poll_once()
        return _count(store, "kindle paperwhite") is not None

    wait_for(loaded, message="the file's rows in the table")
    assert (_count(store, "echo dot (5th gen)"), _count(store, "kindle paperwhite")) == (12, 0)
    stock = store.get("berlin", "echo dot (5th gen)")
    assert stock is not None and (stock.item, stock.source_key) == ("Echo Dot (5th Gen)", "drops/berlin.csv")
    consumer.poll_once()
    assert _depth(sqs, consumer.queue_url) == (0, 0)  # every message settled (S3's test event too)
    assert receive_all(sqs, consumer.dead_letter_url) == []


def test_an_unparseable_file_is_dead_lettered_and_does_not_block_the_next(
        aws: ClientFactory, s3: Any, sqs: Any, store: InventoryStore, caplog: pytest.LogCaptureFixture) -> None:
    consumer = _consumer(aws)
    s3.put_object(Bucket=BUCKET, Key="broken.csv", Body=b"name;qty\nEcho Dot;3\n")
    s3.put_object(Bucket=BUCKET, Key="berlin.csv", Body=GOOD.encode())
    sqs.send_message(QueueUrl=consumer.queue_url, MessageBody="{not json")
    with caplog.at_level("WARNING"):
        wait_for(lambda: consumer.poll_once() is not None and _count(store, "echo dot (5th gen)") == 12
                 and _depth(sqs, consumer.queue_url) == (0, 0), message="good file loaded, queue empty")
    dead = receive_all(sqs, consumer.dead_letter_url)
    reasons = sorted(d["messageAttributes"]["reason"]["StringValue"] for d in dead)
    assert reasons == ["body is not JSON", "no header with store, item and count (missing store, item, count; "
                       "first row: name;qty)"]
    assert caplog.text.count("moved to the dead-letter queue") == 2
    assert "{not json" not in caplog.text  # the log names the message, never its body


def test_a_failed_load_is_left_for_redelivery_and_loads_later(aws: ClientFactory, s3: Any, sqs: Any,
                                                              store: InventoryStore) -> None:
    consumer = _consumer(aws, retry_seconds=0)
    consumer.poll_once()  # S3's test event of the wiring
    dynamodb = aws.client("dynamodb")
    dynamodb.delete_table(TableName=store.table)
    s3.put_object(Bucket=BUCKET, Key="berlin.csv", Body=GOOD.encode())
    result = consumer.poll_once()
    assert (result.failed, result.dead_lettered, result.loaded) == (1, 0, [])
    assert sum(_depth(sqs, consumer.queue_url)) == 1  # still queued
    store.ensure_table()
    wait_for(lambda: consumer.poll_once() is not None and _count(store, "echo dot (5th gen)") == 12,
             message="the redelivered message loaded")
    assert _depth(sqs, consumer.queue_url) == (0, 0)
    assert receive_all(sqs, consumer.dead_letter_url) == []


def test_existing_notification_targets_survive_and_wiring_twice_keeps_one_of_ours(aws: ClientFactory, s3: Any,
                                                                                 sqs: Any) -> None:
    sns = aws.client("sns")
    topic = sns.create_topic(Name="deletions")["TopicArn"]
    other = sqs.create_queue(QueueName="json-drops")["QueueUrl"]
    other_arn = sqs.get_queue_attributes(QueueUrl=other, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    existing = {
        "TopicConfigurations": [{"Id": "audit-deletes", "TopicArn": topic, "Events": ["s3:ObjectRemoved:*"]}],
        "QueueConfigurations": [{"Id": "json-feed", "QueueArn": other_arn, "Events": ["s3:ObjectCreated:*"],
                                 "Filter": {"Key": {"FilterRules": [{"Name": "suffix", "Value": ".json"}]}}}],
    }
    s3.put_bucket_notification_configuration(Bucket=BUCKET, NotificationConfiguration=existing)
    _consumer(aws)
    consumer = _consumer(aws)  # a restart wires again
    config = s3.get_bucket_notification_configuration(Bucket=BUCKET)
    assert [t["Id"] for t in config["TopicConfigurations"]] == ["audit-deletes"]
    assert config["TopicConfigurations"][0]["TopicArn"] == topic
    queues = {q["Id"]: q for q in config["QueueConfigurations"]}
    assert sorted(queues) == sorted(["json-feed", CONFIGURATION_ID])
    assert queues["json-feed"]["QueueArn"] == other_arn
    ours = queues[CONFIGURATION_ID]
    assert ours["Events"] == ["s3:ObjectCreated:*"]
    assert [(r["Name"].lower(), r["Value"]) for r in ours["Filter"]["Key"]["FilterRules"]] == [("suffix", ".csv")]
    assert ours["QueueArn"].endswith(":" + queue_names(PREFIX)[0])
    # and both routes work: the .json file to the other queue, the .csv file to ours
    s3.put_object(Bucket=BUCKET, Key="feed.json", Body=b"{}")
    s3.put_object(Bucket=BUCKET, Key="berlin.csv", Body=GOOD.encode())
    feed = [json.loads(m["body"]) for m in receive_all(sqs, other)]
    assert [r["s3"]["object"]["key"] for m in feed for r in m.get("Records", [])] == ["feed.json"]
    wait_for(lambda: bool(consumer.poll_once().loaded), message="the .csv event in our queue")


def test_a_bucket_whose_csv_events_go_elsewhere_is_left_alone(aws: ClientFactory, s3: Any, sqs: Any,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    other = sqs.create_queue(QueueName="everything")["QueueUrl"]
    other_arn = sqs.get_queue_attributes(QueueUrl=other, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    existing = {"QueueConfigurations": [{"Id": "all-created", "QueueArn": other_arn,
                                         "Events": ["s3:ObjectCreated:Put"]}]}
    s3.put_bucket_notification_configuration(Bucket=BUCKET, NotificationConfiguration=existing)
    with caplog.at_level("ERROR"):
        consumer = build_inventory_consumer(ENV, factory=aws)
    assert consumer is not None  # the queue is there for buckets wired by hand (or through SNS)
    config = s3.get_bucket_notification_configuration(Bucket=BUCKET)
    assert [q["Id"] for q in config["QueueConfigurations"]] == ["all-created"]
    assert f"inventory bucket {BUCKET} not wired" in caplog.text and other_arn in caplog.text


def test_run_loads_until_stopped(aws: ClientFactory, s3: Any, store: InventoryStore) -> None:
    consumer = _consumer(aws, wait_seconds=1)
    thread = threading.Thread(target=consumer.run, daemon=True)
    thread.start()
    try:
        s3.put_object(Bucket=BUCKET, Key="berlin.csv", Body=GOOD.encode())
        wait_for(lambda: _count(store, "echo dot (5th gen)") == 12, message="loaded by the running consumer")
    finally:
        consumer.stop()
        thread.join(timeout=10)
    assert not thread.is_alive()


def test_run_backs_off_while_the_queue_is_gone_and_stops_at_once(aws: ClientFactory, s3: Any, sqs: Any,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    consumer = _consumer(aws)
    sqs.delete_queue(QueueUrl=consumer.queue_url)
    thread = threading.Thread(target=consumer.run, daemon=True)
    with caplog.at_level("WARNING"):
        thread.start()
        wait_for(lambda: "inventory queue unavailable" in caplog.text, message="the back-off log line")
        consumer.stop()
        thread.join(timeout=10)
    assert not thread.is_alive()
    assert "retrying in 1 s" in caplog.text


def test_only_the_wait_on_sqs_may_be_interrupted(aws: ClientFactory, s3: Any) -> None:
    consumer = _consumer(aws)
    seen: dict[str, list[bool]] = {"ReceiveMessage": [], "DeleteMessage": [], "GetObject": []}

    def record(model: Any, **_: Any) -> None:
        seen[model.name].append(consumer.interruptible)

    for client, operation in ((consumer.sqs, "sqs.ReceiveMessage"), (consumer.sqs, "sqs.DeleteMessage"),
                              (consumer.loader.s3, "s3.GetObject")):
        client.meta.events.register(f"before-call.{operation}", record)
    s3.put_object(Bucket=BUCKET, Key="berlin.csv", Body=GOOD.encode())
    wait_for(lambda: bool(consumer.poll_once().loaded), message="the file loaded")
    assert set(seen["ReceiveMessage"]) == {True}
    assert seen["GetObject"] and set(seen["GetObject"]) == {False}  # loading a file is never cut short
    assert seen["DeleteMessage"] and set(seen["DeleteMessage"]) == {False}
    assert consumer.interruptible is False


def _entry(events: list[str], **rules: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"Id": "theirs", "QueueArn": "arn:aws:sqs:us-east-1:123456789012:theirs", "Events": events}
    if rules:
        entry["Filter"] = {"Key": {"FilterRules": [{"Name": name.title(), "Value": v} for name, v in rules.items()]}}
    return entry


@pytest.mark.parametrize(("entry", "clashes"), [
    (_entry(["s3:ObjectCreated:*"]), True),
    (_entry(["s3:ObjectCreated:Put"], prefix="incoming/"), True),  # a prefix does not keep .csv keys apart
    (_entry(["s3:ObjectCreated:*"], suffix=".csv"), True),
    (_entry(["s3:ObjectCreated:*"], suffix="berlin.csv"), True),
    (_entry(["s3:ObjectCreated:*"], suffix="csv"), True),
    (_entry(["s3:ObjectCreated:*"], suffix=".json"), False),
    (_entry(["s3:ObjectRemoved:*"]), False),
    (_entry(["s3:ObjectRestore:Completed"]), False),
])
def test_which_targets_s3_would_not_let_ours_sit_beside(entry: dict[str, Any], clashes: bool) -> None:
    assert bool(overlapping({"QueueConfigurations": [entry]})) is clashes
    # ours never clashes with itself: wiring again replaces it
    assert overlapping(with_ours({}, "arn:aws:sqs:us-east-1:123456789012:ours")) == []
    assert overlapping({"EventBridgeConfiguration": {}}) == []
