"""The size tracker loop: in process (what it deletes, dead-letters and leaves for redelivery; periodic snapshots)
and as ``python -m actions.tracker`` against the test's moto server (consumes events, stops on SIGTERM at once,
and a restart in the middle of a stream of changes loses and double-counts nothing)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from actions.aws.clients import ClientFactory
from actions.aws.size_tracking import SizeSample, SizeTracker
from actions.tracker import Consumer
from tests.actions.sizes import drop_all, event_record, figures, listed, make_tracker, receive_all, wait_for

BUCKET = "cb-tracker-bucket"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def s3(aws: ClientFactory) -> Any:
    client = aws.client("s3")
    client.create_bucket(Bucket=BUCKET)
    return client


@pytest.fixture
def sqs(aws: ClientFactory) -> Any:
    return aws.client("sqs")


@pytest.fixture
def tracker(aws: ClientFactory, s3: Any, sqs: Any) -> SizeTracker:
    tracker = make_tracker(aws)
    tracker.track(BUCKET)
    drop_all(sqs, tracker.ensure_queue())  # S3's test event
    return tracker


def _consumer(tracker: SizeTracker, **options: Any) -> Consumer:
    return Consumer(tracker, queue_url=tracker.ensure_queue(), wait_seconds=0, **options)


def _depth(sqs: Any, url: str) -> tuple[int, int]:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]), int(attributes["ApproximateNumberOfMessagesNotVisible"])


def test_bad_messages_go_to_the_dead_letter_queue_and_never_block_good_ones(
        tracker: SizeTracker, s3: Any, sqs: Any, caplog: pytest.LogCaptureFixture) -> None:
    url = tracker.ensure_queue()
    sqs.send_message(QueueUrl=url, MessageBody="{garbage")
    sqs.send_message(QueueUrl=url, MessageBody=event_record("someone-elses-bucket", "k", size=1,
                                                            sequencer="01")["body"])
    s3.put_object(Bucket=BUCKET, Key="a", Body=b"x" * 10)
    s3.put_object(Bucket=BUCKET, Key="b", Body=b"x" * 5)
    consumer = _consumer(tracker)
    with caplog.at_level("WARNING"):
        for _ in range(5):  # S3 and SQS deliver in any order; a few receives get them all
            consumer.poll_once()
            if _depth(sqs, url) == (0, 0):
                break
    assert figures(tracker, BUCKET)[:2] == (15, 2)
    assert _depth(sqs, url) == (0, 0)  # every message settled: applied ones and rejected ones deleted
    dead = receive_all(sqs, tracker.dead_letter_url)
    assert sorted(d["messageAttributes"]["reason"]["StringValue"] for d in dead) == [
        "body is not JSON", "bucket not tracked: someone-elses-bucket"]
    assert "{garbage" not in caplog.text  # the log names the message, never its body
    assert caplog.text.count("moved to the dead-letter queue") == 2


def test_what_could_not_be_stored_is_left_for_redelivery(tracker: SizeTracker, s3: Any, sqs: Any,
                                                         aws: ClientFactory) -> None:
    url = tracker.ensure_queue()
    s3.put_object(Bucket=BUCKET, Key="a", Body=b"x" * 10)
    aws.client("dynamodb").delete_table(TableName="cloudbutler-size-objects")
    result = _consumer(tracker).poll_once()
    assert len(result.failed) == 1
    assert _depth(sqs, url) == (0, 1)  # received, not deleted: it comes back after the visibility timeout
    assert receive_all(sqs, tracker.dead_letter_url) == []


def test_due_snapshots_correct_drift(aws: ClientFactory, s3: Any, sqs: Any) -> None:
    clock = [1_716_999_960.0]
    tracker = make_tracker(aws, clock=lambda: clock[0])
    tracker.track(BUCKET)
    s3.put_object(Bucket=BUCKET, Key="lost", Body=b"x" * 10)
    drop_all(sqs, tracker.ensure_queue())  # its event never arrives
    consumer = _consumer(tracker, snapshot_seconds=3600)
    assert consumer.snapshot_due(force=True) == []  # tracking snapshotted it a moment ago
    clock[0] += 3600
    assert consumer.snapshot_due(force=True) == [BUCKET]
    assert figures(tracker, BUCKET) == listed(s3, BUCKET) == (10, 1, {"STANDARD": (10, 1)})
    assert _consumer(tracker, snapshot_seconds=0).snapshot_due(force=True) == []  # 0: never


class Calls:
    """How many times a client made each operation."""

    def __init__(self, *clients: Any) -> None:
        self.counts: dict[str, int] = {}
        for client in clients:
            client.meta.events.register("after-call", self)

    def __call__(self, model: Any, **_: Any) -> None:
        self.counts[model.name] = self.counts.get(model.name, 0) + 1


def test_a_busy_queue_is_applied_forty_messages_at_a_time(tracker: SizeTracker, s3: Any) -> None:
    """45 new objects: four full receives gathered, their rows and totals read once and written in one
    transaction, deleted ten at a time; the next poll takes the other five."""
    for i in range(45):
        s3.put_object(Bucket=BUCKET, Key=f"batch/{i:02d}.bin", Body=b"x" * (i + 1))
    consumer = _consumer(tracker)
    calls = Calls(tracker.sqs, tracker.dynamodb)
    first = consumer.poll_once()
    assert (first.applied, first.duplicates, first.failed, first.rejected) == (40, 0, [], [])
    assert calls.counts == {"ReceiveMessage": 4, "BatchGetItem": 1, "TransactWriteItems": 1,
                            "DeleteMessageBatch": 4}
    second = consumer.poll_once()
    assert second.applied == 5 and calls.counts["ReceiveMessage"] == 5  # a receive of five: nothing more gathered
    assert consumer.poll_once().applied == 0
    assert figures(tracker, BUCKET) == listed(s3, BUCKET) == (45 * 46 // 2, 45, {"STANDARD": (45 * 46 // 2, 45)})


def test_the_loop_rolls_up_closed_days(aws: ClientFactory, s3: Any, sqs: Any) -> None:
    day = 86400
    clock = [1_716_999_960.0]  # 2024-05-29 16:26 UTC
    tracker = make_tracker(aws, clock=lambda: clock[0])
    tracker.track(BUCKET)
    tracker.write_samples(BUCKET, [SizeSample(int(clock[0]) - n * 3600, 10 * n, 1) for n in range(1, 73)], "seed")
    consumer = _consumer(tracker, snapshot_seconds=0)
    midnight = int(clock[0]) // day * day
    assert consumer.rollups_due() == 3  # the three days before today (the first sample's day included)
    assert tracker.rollups.latest_day(BUCKET) == midnight - day
    assert consumer.rollups_due() == 0  # not due again for ten minutes
    (yesterday,) = tracker.rollups.days(BUCKET, midnight - day, midnight - day)
    # an hourly sample at 26 past: 24 hours, the last at 23:26 (17 hours before now)
    assert len(yesterday.levels) == 24 and yesterday.levels[-1][:3] == (int(clock[0]) - 17 * 3600, 170, 1)


class TrackerProcess:
    """``python -m actions.tracker`` against the test's moto server."""

    def __init__(self, endpoint: str, log: Path, extra_env: dict[str, str] | None = None) -> None:
        env = {**os.environ, "AWS_ENDPOINT_URL": endpoint, "CLOUDBUTLER_SNAPSHOT_SECONDS": "0",
               "PYTHONPATH": str(ROOT), **(extra_env or {})}
        self.log = log.open("a")
        self.process = subprocess.Popen([sys.executable, "-m", "actions.tracker"], cwd=ROOT, env=env,
                                        stdout=subprocess.PIPE, stderr=self.log, text=True)
        self.ready = threading.Event()
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        if not self.ready.wait(30):
            self.process.kill()
            raise AssertionError(f"the tracker never said it was ready: {self.lines}")

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip())
            if line.startswith("TRACKER READY queue="):
                self.ready.set()

    def stop(self, sig: int = signal.SIGTERM) -> tuple[int, float]:
        started = time.monotonic()
        self.process.send_signal(sig)
        code = self.process.wait(timeout=10)
        self.log.close()
        return code, time.monotonic() - started


@pytest.fixture
def processes() -> Iterator[list[TrackerProcess]]:
    started: list[TrackerProcess] = []
    yield started
    for process in started:
        if process.process.poll() is None:
            process.process.kill()
            process.process.wait()


def _start(processes: list[TrackerProcess], endpoint: str, tmp_path: Path,
           extra_env: dict[str, str] | None = None) -> TrackerProcess:
    process = TrackerProcess(endpoint, tmp_path / "tracker.log", extra_env)
    processes.append(process)
    return process


def _settled(tracker: SizeTracker, s3: Any, sqs: Any) -> bool:
    return _depth(sqs, tracker.ensure_queue()) == (0, 0) and figures(tracker, BUCKET) == listed(s3, BUCKET)


def test_the_tracker_process_consumes_events_and_stops_on_sigterm(
        tracker: SizeTracker, s3: Any, sqs: Any, moto_endpoint: str, tmp_path: Path,
        processes: list[TrackerProcess]) -> None:
    process = _start(processes, moto_endpoint, tmp_path)
    assert process.lines[-1].startswith(f"TRACKER READY queue={tracker.ensure_queue()} alerts=http")
    s3.put_object(Bucket=BUCKET, Key="report.pdf", Body=b"x" * 1000)
    s3.put_object(Bucket=BUCKET, Key="notes.txt", Body=b"x" * 20)
    wait_for(lambda: figures(tracker, BUCKET)[:2] == (1020, 2), message="both uploads counted")
    s3.delete_object(Bucket=BUCKET, Key="report.pdf")
    wait_for(lambda: figures(tracker, BUCKET)[:2] == (20, 1), message="the deletion counted")
    code, took = process.stop()  # while it waits on the queue
    assert code == 0
    assert took < 7  # well within the 10 s long poll: the stop interrupts the wait


def _churn(s3: Any, count: int) -> None:
    """Uploads, overwrites and deletions, as a busy bucket has them."""
    for i in range(count):
        s3.put_object(Bucket=BUCKET, Key=f"f{i % 37}", Body=b"x" * (i % 97 + 1))
        if i % 5 == 4:
            s3.delete_object(Bucket=BUCKET, Key=f"f{(i * 7) % 37}")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_a_restart_mid_stream_loses_and_double_counts_nothing(
        tracker: SizeTracker, s3: Any, sqs: Any, moto_endpoint: str, tmp_path: Path,
        processes: list[TrackerProcess], sig: int) -> None:
    url = tracker.ensure_queue()
    # A killed consumer's messages come back after the visibility timeout: keep it short here.
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "2"})
    first = _start(processes, moto_endpoint, tmp_path)
    writer = threading.Thread(target=_churn, args=(s3, 240))
    writer.start()
    wait_for(lambda: figures(tracker, BUCKET)[1] >= 10, message="the first events consumed")
    code, _ = first.stop(sig)
    assert code == (0 if sig == signal.SIGTERM else -signal.SIGKILL)
    _start(processes, moto_endpoint, tmp_path)
    writer.join()
    wait_for(lambda: _settled(tracker, s3, sqs), timeout=60, message="tracked size == listed size")
    assert figures(tracker, BUCKET) == listed(s3, BUCKET)
    assert receive_all(sqs, tracker.dead_letter_url) == []
