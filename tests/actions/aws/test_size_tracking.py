"""Size tracking set up against moto: tables and queue, the bucket's notification configuration merged (other targets
kept), snapshots that correct drift, CloudWatch backfill, and history read back in order, a page at a time."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from actions.aws import size_store
from actions.aws.clients import ClientFactory
from actions.aws.errors import CloudButlerError
from actions.aws.size_events import handle
from actions.aws.size_notifications import CONFIGURATION_ID, EVENTS
from actions.aws.size_tracking import NotificationOverlap, SizeSample, SizeTracker
from tests.actions.sizes import drop_all, event_record, figures, listed, make_tracker, receive_all, s3_records

BUCKET = "cb-size-bucket"
NOW = 1_716_999_960  # a fixed clock on a minute: 2024-05-29T16:26:00Z


@pytest.fixture
def s3(aws: ClientFactory) -> Any:
    client = aws.client("s3")
    client.create_bucket(Bucket=BUCKET)
    return client


@pytest.fixture
def tracker(aws: ClientFactory, s3: Any) -> SizeTracker:
    return make_tracker(aws, page_size=2)  # listings and row queries cross pages with a handful of objects


@pytest.fixture
def other_targets(aws: ClientFactory, s3: Any) -> dict[str, Any]:
    """A bucket that already notifies a topic, a Lambda function and another queue - of events we do not use."""
    sqs, sns = aws.client("sqs"), aws.client("sns")
    queue_url = sqs.create_queue(QueueName="audit-restores")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    config = {
        "TopicConfigurations": [{"Id": "tags-topic", "TopicArn": sns.create_topic(Name="tags")["TopicArn"],
                                 "Events": ["s3:ObjectTagging:*"]}],
        "QueueConfigurations": [{"Id": "restores", "QueueArn": queue_arn, "Events": ["s3:ObjectRestore:*"],
                                 "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "archive/"}]}}}],
        "LambdaFunctionConfigurations": [{
            "Id": "acl-fn", "LambdaFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:acl",
            "Events": ["s3:ObjectAcl:Put"]}],
    }
    s3.put_bucket_notification_configuration(Bucket=BUCKET, NotificationConfiguration=config)
    return config


def _config(s3: Any) -> dict[str, Any]:
    return {k: v for k, v in s3.get_bucket_notification_configuration(Bucket=BUCKET).items()
            if k != "ResponseMetadata"}


def test_tables_and_queue_are_made_once_with_dead_letter_queue_and_policy(tracker: SizeTracker,
                                                                         aws: ClientFactory) -> None:
    tracker.ensure_tables()
    tracker.ensure_tables()
    url = tracker.ensure_queue()
    assert tracker.ensure_queue() == url
    names = aws.client("dynamodb").list_tables()["TableNames"]
    assert sorted(names) == ["cloudbutler-size-objects", "cloudbutler-size-samples", "cloudbutler-size-tracked"]
    sqs = aws.client("sqs")
    assert url.endswith("/cloudbutler-size-events")
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    dead_arn = sqs.get_queue_attributes(QueueUrl=tracker.dead_letter_url,
                                        AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    assert dead_arn.endswith(":cloudbutler-size-events-dlq")
    assert json.loads(attributes["RedrivePolicy"]) == {"deadLetterTargetArn": dead_arn, "maxReceiveCount": 5}
    statement = json.loads(attributes["Policy"])["Statement"][0]
    assert statement["Principal"] == {"Service": "s3.amazonaws.com"}
    assert statement["Action"] == "sqs:SendMessage"
    assert statement["Resource"] == attributes["QueueArn"]
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}


def test_the_plan_names_every_target_kept(tracker: SizeTracker, other_targets: dict[str, Any]) -> None:
    plan = tracker.track_plan(BUCKET)
    assert plan.possible and not plan.tracked
    assert plan.queue_name == "cloudbutler-size-events"
    assert plan.events == EVENTS
    assert sorted((t.kind, t.id) for t in plan.kept) == [("lambda", "acl-fn"), ("queue", "restores"),
                                                          ("topic", "tags-topic")]


def test_tracking_merges_our_queue_and_keeps_every_other_target(tracker: SizeTracker, s3: Any,
                                                               other_targets: dict[str, Any]) -> None:
    tracker.track(BUCKET)
    tracker.track(BUCKET)  # again: still one configuration of ours
    config = _config(s3)
    ours = [c for c in config["QueueConfigurations"] if c["Id"] == CONFIGURATION_ID]
    assert len(ours) == 1 and sorted(ours[0]["Events"]) == sorted(EVENTS)
    assert ours[0]["QueueArn"].endswith(":cloudbutler-size-events")
    assert [c for c in config["QueueConfigurations"] if c["Id"] != CONFIGURATION_ID] == \
        other_targets["QueueConfigurations"]
    assert config["TopicConfigurations"] == other_targets["TopicConfigurations"]
    assert config["LambdaFunctionConfigurations"] == other_targets["LambdaFunctionConfigurations"]
    assert tracker.track_plan(BUCKET).tracked

    assert tracker.untrack(BUCKET) is True
    assert _config(s3) == other_targets  # only ours removed
    assert tracker.untrack(BUCKET) is False
    assert not tracker.is_tracked(BUCKET)


def test_tracking_refuses_a_bucket_that_sends_the_same_events_elsewhere(tracker: SizeTracker, s3: Any,
                                                                       aws: ClientFactory) -> None:
    topic = aws.client("sns").create_topic(Name="uploads")["TopicArn"]
    config = {"TopicConfigurations": [{"Id": "uploads", "TopicArn": topic, "Events": ["s3:ObjectCreated:Put"],
                                       "Filter": {"Key": {"FilterRules": [{"Name": "suffix", "Value": ".csv"}]}}}]}
    s3.put_bucket_notification_configuration(Bucket=BUCKET, NotificationConfiguration=config)
    plan = tracker.track_plan(BUCKET)
    assert not plan.possible and [t.arn for t in plan.overlapping] == [topic]
    with pytest.raises(NotificationOverlap) as caught:
        tracker.track(BUCKET)
    assert caught.value.code == "notification_overlap"
    assert caught.value.details == {"bucket": BUCKET, "targets": topic}
    assert _config(s3) == config
    assert not tracker.is_tracked(BUCKET)


def test_a_missing_bucket_is_named(tracker: SizeTracker) -> None:
    with pytest.raises(CloudButlerError) as caught:
        tracker.track_plan("no-such-bucket-here")
    assert caught.value.code == "NoSuchBucket"


def test_tracking_counts_what_is_there_per_class_and_writes_a_sample(aws: ClientFactory, s3: Any) -> None:
    tracker = make_tracker(aws, clock=lambda: NOW + 59, page_size=2)
    for key, size, klass in [("a", 100, "STANDARD"), ("b", 300, "GLACIER"), ("c", 50, "STANDARD"),
                             ("d", 7, "STANDARD_IA"), ("e", 1, "GLACIER")]:
        s3.put_object(Bucket=BUCKET, Key=key, Body=b"x" * size, StorageClass=klass)
    tracked = tracker.track(BUCKET)
    assert (tracked.since, tracked.bytes, tracked.objects, tracked.snapshot_at) == (NOW + 59, 458, 5, NOW + 59)
    assert tracked.classes == {"STANDARD": (150, 2), "GLACIER": (301, 2), "STANDARD_IA": (7, 1)}
    assert tracker.tracked() == [tracked]
    samples = list(tracker.history(BUCKET, NOW - 3600, NOW + 3600))
    assert samples == [SizeSample(ts=NOW + 59 - (NOW + 59) % 60, bytes=458, objects=5, classes=tracked.classes)]


def test_snapshot_corrects_drift_from_lost_events(tracker: SizeTracker, s3: Any, aws: ClientFactory) -> None:
    for key in ("keep", "gone", "moved", "grown"):
        s3.put_object(Bucket=BUCKET, Key=key, Body=b"x" * 10)
    tracker.track(BUCKET)
    sqs = aws.client("sqs")
    url = tracker.ensure_queue()
    drop_all(sqs, url)
    # Each of these events is lost: the tracked figures drift from the bucket.
    s3.delete_object(Bucket=BUCKET, Key="gone")
    s3.copy_object(Bucket=BUCKET, Key="moved", CopySource={"Bucket": BUCKET, "Key": "moved"},
                   StorageClass="GLACIER")
    s3.put_object(Bucket=BUCKET, Key="grown", Body=b"x" * 25)
    s3.put_object(Bucket=BUCKET, Key="new", Body=b"x" * 5)
    drop_all(sqs, url)
    assert figures(tracker, BUCKET)[:2] == (40, 4)
    tracked = tracker.snapshot(BUCKET)
    assert (tracked.bytes, tracked.objects, tracked.classes) == listed(s3, BUCKET)
    assert listed(s3, BUCKET) == (50, 4, {"STANDARD": (40, 3), "GLACIER": (10, 1)})
    assert tracker.snapshot(BUCKET).classes == tracked.classes  # a second snapshot finds nothing to correct


def test_snapshot_never_overwrites_an_event_handled_while_it_lists(tracker: SizeTracker, s3: Any,
                                                                  aws: ClientFactory,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    for key in ("a", "b", "c", "d", "e"):
        s3.put_object(Bucket=BUCKET, Key=key, Body=b"x" * 10)
    tracker.track(BUCKET)
    url = tracker.ensure_queue()
    drop_all(aws.client("sqs"), url)
    listings: list[str] = []

    def delete_c_meanwhile(params: dict[str, Any], **_: Any) -> None:
        # The second round has read the rows "c" and "d"; before it lists them, "c" is deleted and its event
        # handled. The listing then misses "c" - and the row the snapshot read still holds it.
        listings.append(params.get("StartAfter", ""))
        if params.get("StartAfter") == "b":
            s3.delete_object(Bucket=BUCKET, Key="c")
            assert handle(s3_records(receive_all(aws.client("sqs"), url)), tracker).applied == 1

    s3.meta.events.register("before-parameter-build.s3.ListObjectsV2", delete_c_meanwhile, unique_id="race")
    try:
        with caplog.at_level("INFO", logger="actions.aws.size_tracking"):
            tracked = tracker.snapshot(BUCKET)
    finally:
        s3.meta.events.unregister("before-parameter-build.s3.ListObjectsV2", unique_id="race")
    assert listings[:2] == ["", "b"]
    assert (tracked.bytes, tracked.objects) == listed(s3, BUCKET)[:2] == (40, 4)
    assert "4 listed, 0 corrected, 1 skipped" in caplog.text  # the event's write stood


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> int:
    """History queries of 100 samples a page, so a few hundred samples cross pages."""
    monkeypatch.setattr(size_store, "QUERY_PAGE", 100)
    return 100


def test_history_is_the_level_at_start_then_samples_in_range_ascending(tracker: SizeTracker, s3: Any,
                                                                       small_pages: int) -> None:
    tracker.track(BUCKET)
    day = 86400
    start = NOW - NOW % day
    samples = [SizeSample(ts=start - day + i * 600, bytes=i, objects=1, classes={"STANDARD": (i, 1)})
               for i in range(400)]  # about 2.8 days of them: 144 inside, over two pages
    tracker.write_samples(BUCKET, reversed(samples), "seed")
    end = start + day
    got = list(tracker.history(BUCKET, start, end))
    before = [s for s in samples if s.ts <= start][-1]
    inside = [s for s in samples if start < s.ts < end]
    assert got == [before, *inside]
    assert [s.ts for s in got] == sorted(s.ts for s in got)
    assert list(tracker.history(BUCKET, start - 10 * day, start - 9 * day)) == []
    assert list(tracker.history("never-tracked", start, end)) == []


def test_history_reads_page_by_page(tracker: SizeTracker, small_pages: int) -> None:
    tracker.ensure_tables()
    tracker.write_samples(BUCKET, (SizeSample(ts=NOW + 60 * i, bytes=i, objects=i) for i in range(250)), "seed")
    dynamodb = tracker.dynamodb
    calls: list[str] = []
    dynamodb.meta.events.register("before-call.dynamodb.Query", lambda **_: calls.append("Query"),
                                  unique_id="count-queries")
    try:
        history = tracker.history(BUCKET, NOW, NOW + 60 * 250)
        first = [next(history) for _ in range(5)]
        assert len(calls) == 2  # the level at start, then the first page only
        assert [s.ts for s in first] == [NOW + 60 * i for i in range(5)]
        assert sum(1 for _ in history) == 245
        assert len(calls) == 4  # three pages of at most 100
    finally:
        dynamodb.meta.events.unregister("before-call.dynamodb.Query", unique_id="count-queries")


def test_samples_are_one_a_minute(tracker: SizeTracker) -> None:
    tracker.ensure_tables()
    tracker.write_samples(BUCKET, [SizeSample(ts=NOW + 1, bytes=1, objects=1),
                                   SizeSample(ts=NOW + 30, bytes=2, objects=2)], "seed")
    assert list(tracker.history(BUCKET, NOW - 3600, NOW + 3600)) == [
        SizeSample(ts=NOW - NOW % 60, bytes=2, objects=2)]


def _put_metric(cloudwatch: Any, name: str, storage_type: str, value: float, when: datetime) -> None:
    cloudwatch.put_metric_data(Namespace="AWS/S3", MetricData=[{
        "MetricName": name, "Value": value, "Timestamp": when,
        "Unit": "Count" if name == "NumberOfObjects" else "Bytes",
        "Dimensions": [{"Name": "BucketName", "Value": BUCKET}, {"Name": "StorageType", "Value": storage_type}]}])


def test_tracking_backfills_daily_history_from_cloudwatch(aws: ClientFactory, s3: Any) -> None:
    now = datetime.now(UTC)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    cloudwatch = aws.client("cloudwatch")
    for days_ago, standard, glacier, count in [(3, 1000, 0, 10), (2, 1500, 200, 12), (1, 1800, 200, 14)]:
        when = midnight - timedelta(days=days_ago)
        _put_metric(cloudwatch, "BucketSizeBytes", "StandardStorage", standard, when)
        if glacier:
            _put_metric(cloudwatch, "BucketSizeBytes", "GlacierStorage", glacier, when)
            _put_metric(cloudwatch, "BucketSizeBytes", "GlacierObjectOverhead", 40, when)
        _put_metric(cloudwatch, "NumberOfObjects", "AllStorageTypes", count, when)
    s3.put_object(Bucket=BUCKET, Key="a", Body=b"x" * 5)
    tracker = make_tracker(aws)
    tracked = tracker.track(BUCKET)
    start = int((midnight - timedelta(days=10)).timestamp())
    history = list(tracker.history(BUCKET, start, tracked.since + 120))
    day = lambda n: int((midnight - timedelta(days=n)).timestamp())  # noqa: E731
    assert history[:3] == [
        SizeSample(ts=day(3), bytes=1000, objects=10, classes={"STANDARD": (1000, 0)}),
        SizeSample(ts=day(2), bytes=1740, objects=12, classes={"STANDARD": (1500, 0), "GLACIER": (240, 0)}),
        SizeSample(ts=day(1), bytes=2040, objects=14, classes={"STANDARD": (1800, 0), "GLACIER": (240, 0)}),
    ]
    assert (history[-1].bytes, history[-1].objects) == (5, 1)  # then the snapshot of now
    assert len(history) == 4


def test_retracking_counts_afresh(tracker: SizeTracker, s3: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key="a", Body=b"x" * 10)
    tracker.track(BUCKET)
    assert tracker.untrack(BUCKET)
    s3.put_object(Bucket=BUCKET, Key="b", Body=b"x" * 4)
    tracked = tracker.track(BUCKET)
    assert (tracked.bytes, tracked.objects) == (14, 2)


def test_nothing_is_tracked_before_the_tables_exist(tracker: SizeTracker) -> None:
    assert tracker.tracked() == []
    assert not tracker.is_tracked(BUCKET)
    assert tracker.untrack(BUCKET) is False


def test_a_snapshot_of_an_untracked_bucket_says_so(tracker: SizeTracker) -> None:
    tracker.ensure_tables()
    with pytest.raises(CloudButlerError) as caught:
        tracker.snapshot(BUCKET)
    assert caught.value.code == "not_tracked"


def test_events_of_a_bucket_no_longer_tracked_are_refused(tracker: SizeTracker, s3: Any) -> None:
    tracker.track(BUCKET)
    tracker.untrack(BUCKET)
    result = handle([event_record(BUCKET, "late", size=3, sequencer="01")], tracker)
    assert [reason for _, reason in result.rejected] == [f"bucket not tracked: {BUCKET}"]
