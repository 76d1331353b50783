"""The S3 event handler against moto: objects put and deleted straight to S3 change the tracked size once their
messages are handled; duplicates, reordering and concurrent consumers never count twice; what is not a usable S3
event is rejected with a reason, what could not be stored is left for redelivery."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from actions.aws import size_events
from actions.aws.clients import ClientFactory
from actions.aws.size_events import handle, lambda_handler, order_of, parse
from actions.aws.size_tracking import SizeSample, SizeTracker
from tests.actions.sizes import drop_all, event_record, figures, listed, make_tracker, receive_all, s3_records

BUCKET = "cb-events-bucket"
NOW = 1_716_999_960  # on a minute


@pytest.fixture
def s3(aws: ClientFactory) -> Any:
    client = aws.client("s3")
    client.create_bucket(Bucket=BUCKET)
    return client


@pytest.fixture
def tracker(aws: ClientFactory, s3: Any) -> SizeTracker:
    clock = [float(NOW)]
    tracker = make_tracker(aws, clock=lambda: clock[0])
    tracker.track(BUCKET)
    drop_all(aws.client("sqs"), tracker.ensure_queue())  # S3's test event
    return tracker


@pytest.fixture
def sqs(aws: ClientFactory) -> Any:
    return aws.client("sqs")


def _messages(tracker: SizeTracker, sqs: Any) -> list[dict[str, Any]]:
    return s3_records(receive_all(sqs, tracker.ensure_queue()))


def test_puts_and_deletes_change_the_tracked_size(tracker: SizeTracker, s3: Any, sqs: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key="report.pdf", Body=b"x" * 1000)
    s3.put_object(Bucket=BUCKET, Key="photos/a b+c.jpg", Body=b"x" * 300)  # sent URL-encoded
    s3.put_object(Bucket=BUCKET, Key="notes.txt", Body=b"x" * 20)
    result = handle(_messages(tracker, sqs), tracker)
    assert (result.applied, result.duplicates, result.rejected, result.failed) == (3, 0, [], [])
    assert figures(tracker, BUCKET) == (1320, 3, {"STANDARD": (1320, 3)})

    s3.put_object(Bucket=BUCKET, Key="report.pdf", Body=b"x" * 400)  # replaced by a smaller one
    s3.delete_object(Bucket=BUCKET, Key="photos/a b+c.jpg")
    s3.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": "notes.txt"}]})
    assert handle(_messages(tracker, sqs), tracker).applied == 3
    assert figures(tracker, BUCKET) == (400, 1, {"STANDARD": (400, 1)}) == listed(s3, BUCKET)


def test_a_message_delivered_twice_counts_once(tracker: SizeTracker, s3: Any, sqs: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key="a", Body=b"x" * 10)
    s3.put_object(Bucket=BUCKET, Key="b", Body=b"x" * 20)
    s3.delete_object(Bucket=BUCKET, Key="a")
    records = _messages(tracker, sqs)
    first = handle(records, tracker)
    again = handle(records + records, tracker)
    assert (first.applied, first.duplicates) == (3, 0)
    assert (again.applied, again.duplicates) == (0, 6)
    assert figures(tracker, BUCKET) == (20, 1, {"STANDARD": (20, 1)}) == listed(s3, BUCKET)


def test_events_out_of_order_end_in_the_latest_state(tracker: SizeTracker, s3: Any, sqs: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key="a", Body=b"x" * 10)
    s3.put_object(Bucket=BUCKET, Key="a", Body=b"x" * 30)
    s3.delete_object(Bucket=BUCKET, Key="a")
    s3.put_object(Bucket=BUCKET, Key="b", Body=b"x" * 5)
    s3.put_object(Bucket=BUCKET, Key="b", Body=b"x" * 7)
    records = _messages(tracker, sqs)
    assert len(records) == 5
    for record in reversed(records):  # newest first: each older one after it is stale
        handle([record], tracker)
    assert figures(tracker, BUCKET) == (7, 1, {"STANDARD": (7, 1)}) == listed(s3, BUCKET)
    assert handle(records, tracker).duplicates == 5


def test_removals_without_a_size_use_the_size_recorded_for_the_key(tracker: SizeTracker) -> None:
    # Real S3: a sequencer on every event, no size (nor eTag) on removals; sequencers of one key compare as hex.
    put = event_record(BUCKET, "logs%2F2024.gz", size=900, sequencer="9F")
    bigger = event_record(BUCKET, "logs%2F2024.gz", size=1200, sequencer="0A0")
    removed = event_record(BUCKET, "logs%2F2024.gz", kind="ObjectRemoved:Delete", sequencer="0A1")
    assert handle([put, bigger], tracker).applied == 2
    assert figures(tracker, BUCKET)[:2] == (1200, 1)
    result = handle([removed, put], tracker)  # the old put arrives again, after the removal
    assert (result.applied, result.duplicates) == (1, 1)
    assert figures(tracker, BUCKET)[:2] == (0, 0)
    assert tracker.store.row(BUCKET, "logs/2024.gz") is not None  # a tombstone keeps the put from coming back


def test_the_removal_of_a_key_never_counted_changes_nothing(tracker: SizeTracker) -> None:
    removed = event_record(BUCKET, "unknown", kind="ObjectRemoved:Delete", sequencer="05")
    late_put = event_record(BUCKET, "unknown", size=50, sequencer="04")
    assert handle([removed, late_put], tracker).applied == 1
    assert figures(tracker, BUCKET)[:2] == (0, 0)


def test_created_objects_count_as_standard_until_a_snapshot_lists_their_class(tracker: SizeTracker, s3: Any,
                                                                             sqs: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key="cold", Body=b"x" * 10, StorageClass="GLACIER")
    handle(_messages(tracker, sqs), tracker)
    assert figures(tracker, BUCKET)[2] == {"STANDARD": (10, 1)}
    assert tracker.snapshot(BUCKET).classes == {"GLACIER": (10, 1)}
    s3.delete_object(Bucket=BUCKET, Key="cold")
    handle(_messages(tracker, sqs), tracker)
    assert figures(tracker, BUCKET) == (0, 0, {})


def test_what_is_not_a_usable_s3_event_is_rejected_and_the_rest_applied(tracker: SizeTracker, s3: Any,
                                                                       sqs: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key="good", Body=b"x" * 10)
    good = _messages(tracker, sqs)
    bad = [
        {"messageId": "1", "body": "{not json"},
        {"messageId": "2", "body": json.dumps({"hello": "world"})},
        {"messageId": "3", "body": json.dumps({"Records": [{"eventSource": "aws:sqs"}]})},
        {"messageId": "4", "body": json.dumps({"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
                                                            "eventTime": "t", "s3": {"bucket": {"name": BUCKET},
                                                                                     "object": {"key": "k"}}}]})},
        event_record("someone-elses-bucket", "k", size=1, sequencer="01", message_id="5"),
        event_record(BUCKET, "k", size=1, sequencer="not-hex", message_id="6"),
        {"messageId": "7"},
    ]
    result = handle(bad[:4] + good + bad[4:], tracker)
    assert result.applied == 1
    assert sorted((record["messageId"], reason) for record, reason in result.rejected) == [
        ("1", "body is not JSON"),
        ("2", "not an S3 event"),
        ("3", "not an S3 event"),
        ("4", "S3 record without bucket, key or size"),
        ("5", "bucket not tracked: someone-elses-bucket"),
        ("6", "malformed S3 record"),
        ("7", "no body"),
    ]
    assert figures(tracker, BUCKET)[:2] == (10, 1)


def test_test_events_and_other_event_types_are_acknowledged_and_ignored(tracker: SizeTracker) -> None:
    test_event = {"messageId": "t", "body": json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent",
                                                        "Bucket": BUCKET})}
    restore = event_record(BUCKET, "k", kind="ObjectRestore:Completed", size=5, sequencer="01")
    result = handle([test_event, restore], tracker)
    assert (result.ignored, result.applied, result.rejected, result.failed) == (2, 0, [], [])


def test_events_through_sns_are_unwrapped(tracker: SizeTracker) -> None:
    inner = event_record(BUCKET, "k", size=5, sequencer="01")
    wrapped = {"messageId": "n", "body": json.dumps({"Type": "Notification", "Message": inner["body"]})}
    assert handle([wrapped], tracker).applied == 1


def test_storage_failures_leave_the_message_for_redelivery(tracker: SizeTracker, aws: ClientFactory) -> None:
    aws.client("dynamodb").delete_table(TableName="cloudbutler-size-objects")
    record = event_record(BUCKET, "k", size=5, sequencer="01")
    result = handle([record], tracker)
    assert result.failed == [record]
    assert (result.applied, result.rejected) == (0, [])


def test_concurrent_consumers_of_the_same_messages_count_each_once(tracker: SizeTracker) -> None:
    records = [event_record(BUCKET, f"k{i % 5}", size=i + 1, sequencer=f"{i:04X}", message_id=str(i))
               for i in range(20)]
    results: list[Any] = []
    threads = [threading.Thread(target=lambda: results.append(handle(records, tracker))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(not r.failed and not r.rejected for r in results)
    # k0..k4 end with the sizes of events 15..19
    assert figures(tracker, BUCKET)[:2] == (16 + 17 + 18 + 19 + 20, 5)


def test_one_sample_per_touched_bucket_on_the_minute(tracker: SizeTracker, s3: Any, sqs: Any,
                                                    aws: ClientFactory) -> None:
    s3.put_object(Bucket=BUCKET, Key="a", Body=b"x" * 10)
    s3.put_object(Bucket=BUCKET, Key="b", Body=b"x" * 20)
    handle(_messages(tracker, sqs), tracker)
    samples = list(tracker.history(BUCKET, NOW - 1, NOW + 3600))
    assert samples == [SizeSample(ts=NOW, bytes=30, objects=2, classes={"STANDARD": (30, 2)})]
    item = aws.client("dynamodb").get_item(TableName="cloudbutler-size-samples",
                                           Key={"bucket": {"S": BUCKET}, "ts": {"N": str(NOW)}})["Item"]
    assert item["source"] == {"S": "event"}


def test_ordering_keys() -> None:
    def entry(**obj: Any) -> dict[str, Any]:
        return {"eventTime": "2024-05-01T10:00:00.123Z", "s3": {"object": obj}}

    assert order_of(entry(sequencer="5f1a"), True) == "s:" + "0" * 28 + "5F1A"
    assert order_of(entry(sequencer="0A0"), True) > order_of(entry(sequencer="9F"), True)
    assert order_of(entry(eTag="abc"), True) == "t:2024-05-01T10:00:00.123Z:abc:c"
    assert order_of(entry(eTag="abc"), False) > order_of(entry(eTag="abc"), True)  # a removal after its put


def test_parse_names_the_object_changes() -> None:
    record = event_record(BUCKET, "a+b%2Bc.txt", size=3, sequencer="01")
    changes = parse(record)
    assert changes is not None and [(c.bucket, c.key, c.created, c.size) for c in changes] == [
        (BUCKET, "a b+c.txt", True, 3)]


def test_the_lambda_entry_point_reports_failures_and_dead_letters_the_rest(
        tracker: SizeTracker, moto_endpoint: str, monkeypatch: pytest.MonkeyPatch, sqs: Any) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    size_events._lambda_tracker.cache_clear()
    good = event_record(BUCKET, "k", size=5, sequencer="01", message_id="good")
    foreign = event_record("someone-elses-bucket", "k", size=1, sequencer="01", message_id="foreign")
    try:
        response = lambda_handler({"Records": [good, foreign]}, None)
    finally:
        size_events._lambda_tracker.cache_clear()
    assert response == {"batchItemFailures": []}
    assert figures(tracker, BUCKET)[:2] == (5, 1)
    dead = receive_all(sqs, tracker.dead_letter_url)
    assert [(d["body"], d["messageAttributes"]["reason"]["StringValue"]) for d in dead] == [
        (foreign["body"], "bucket not tracked: someone-elses-bucket")]


def test_a_batch_is_read_in_one_request_and_written_in_one_transaction(tracker: SizeTracker, s3: Any,
                                                                      sqs: Any) -> None:
    for i in range(10):
        s3.put_object(Bucket=BUCKET, Key=f"k{i}", Body=b"x" * (i + 1))
    records = _messages(tracker, sqs)
    calls: list[str] = []
    dynamodb = tracker.dynamodb
    dynamodb.meta.events.register("before-call.dynamodb", lambda model, **_: calls.append(model.name),
                                  unique_id="count-calls")
    try:
        assert handle(records, tracker).applied == 10
    finally:
        dynamodb.meta.events.unregister("before-call.dynamodb", unique_id="count-calls")
    # the rows with the totals, then the changes, the new totals and the sample they make in one transaction
    assert calls == ["BatchGetItem", "TransactWriteItems"]
    assert figures(tracker, BUCKET)[:2] == (55, 10)
    latest = list(tracker.history(BUCKET, 0, tracker.now() + 60))[-1]
    assert (latest.bytes, latest.objects) == (55, 10)


def test_totals_changed_after_the_read_fall_back_and_the_sample_is_the_stored_totals(
        tracker: SizeTracker, monkeypatch: pytest.MonkeyPatch) -> None:
    handle([event_record(BUCKET, "a", size=10, sequencer="01")], tracker)
    read = tracker.store.rows_and_totals

    def read_then_another_write(keys: Any, buckets: Any) -> Any:
        found = read(keys, buckets)
        # another consumer changes a different key (and so the totals) between this read and the transaction
        monkeypatch.setattr(tracker.store, "rows_and_totals", read)
        assert handle([event_record(BUCKET, "b", size=20, sequencer="02")], tracker).applied == 1
        return found

    monkeypatch.setattr(tracker.store, "rows_and_totals", read_then_another_write)
    result = handle([event_record(BUCKET, "c", size=40, sequencer="03")], tracker)
    assert (result.applied, result.failed, result.rejected) == (1, [], [])
    assert figures(tracker, BUCKET)[:2] == (70, 3)
    latest = list(tracker.history(BUCKET, 0, tracker.now() + 60))[-1]
    assert (latest.bytes, latest.objects, latest.classes) == (70, 3, {"STANDARD": (70, 3)})
