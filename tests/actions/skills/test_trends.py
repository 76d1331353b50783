"""Trend skills against moto with a frozen clock (Wednesday 19 November 2025, 15:30 UTC): a bucket's growth and the
account's ranking from tracked samples, with exact figures, tables and charts; a bucket not tracked offered for
tracking; tracking started and stopped after a yes (other notifications kept, audited); an instance's CPU and
network with min/avg/max/p95; follow-ups ("how has it grown?", "and web-1?")."""
from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import actions.skills.server_status  # noqa: F401 - registers the replies about instances, as the action server does
from actions.aws.clients import ClientFactory
from actions.aws.size_notifications import CONFIGURATION_ID
from actions.aws.size_tracking import SizeSample, SizeTracker
from actions.core.audit import AuditLog
from actions.core.base import implemented_skills
from actions.core.confirmation import change_of
from actions.skills.conversation import ActionConfirm, ActionSameFor
from actions.skills.trends import wording
from actions.skills.trends.base import TrendAction, TrendSettings
from actions.skills.trends.metrics import ActionInstanceMetrics, metrics_named
from actions.skills.trends.storage import ActionStorageTrend, ActionTrackBucket, wants_stop
from tests.actions.harness import Conversation, answer_to, run_action, talked_about, tracker_for, yes_payload
from tests.actions.skills.storage.support import audit_outcomes

NOW = datetime(2025, 11, 19, 15, 30, tzinfo=UTC)
T = int(NOW.timestamp())
DAY = 86400
KB = 1024
MB = 1024 * KB
GB = 1024 * MB
IMAGE_ID = "ami-04681a1dbd79675a5"  # in moto's built-in image list
PNG = b"\x89PNG\r\n\x1a\n"


def ents(**values: str) -> list[dict[str, Any]]:
    return [{"entity": name, "value": value} for name, value in values.items()]


def standard(size: int, objects: int = 1, glacier: int = 0) -> SizeSample:
    classes = {"STANDARD": (size, objects)} | ({"GLACIER": (glacier, 1)} if glacier else {})
    return SizeSample(ts=0, bytes=size + glacier, objects=objects + (1 if glacier else 0), classes=classes)


def at(ts: int, sample: SizeSample) -> SizeSample:
    return SizeSample(ts=ts, bytes=sample.bytes, objects=sample.objects, classes=sample.classes)


@pytest.fixture
def s3(aws: ClientFactory) -> Any:
    return aws.client("s3")


@pytest.fixture
def sizes(aws: ClientFactory) -> SizeTracker:
    return SizeTracker(dynamodb=aws.client("dynamodb"), s3=aws.client("s3"), sqs=aws.client("sqs"),
                       clock=lambda: float(T))


@pytest.fixture
def audit(tmp_path: Path) -> AuditLog:
    return AuditLog(tmp_path / "audit.jsonl")


def skill(cls: type[TrendAction], aws: ClientFactory, tmp_path: Path) -> Any:
    action = cls()
    action.clients = aws
    action.clock = lambda: NOW
    action.settings = TrendSettings(media_dir=tmp_path / "media")
    return action


def chart_of(reply: dict[str, Any], tmp_path: Path, name: str) -> bytes:
    image = str(reply["image"])
    assert image.startswith("/media/") and image.endswith(f"-{name}")
    return (tmp_path / "media" / image.removeprefix("/media/")).read_bytes()


@pytest.fixture
def media_library(s3: Any, sizes: SizeTracker) -> str:
    """Tracked since now (8 KB: 6 KB Standard, 2 KB Glacier) with 25 days of history before: 1 KB, 4 KB on Sunday
    9 Nov, 3 KB on Friday 14 Nov, 7 KB on Monday 17 Nov (1 KB of it archived)."""
    s3.create_bucket(Bucket="media-library-prod")
    s3.put_object(Bucket="media-library-prod", Key="video.bin", Body=b"v" * 6 * KB)
    s3.put_object(Bucket="media-library-prod", Key="old.bin", Body=b"o" * 2 * KB, StorageClass="GLACIER")
    sizes.track("media-library-prod")
    sizes.write_samples("media-library-prod", [
        at(T - 25 * DAY, standard(KB)), at(T - 10 * DAY, standard(4 * KB, 2)), at(T - 5 * DAY, standard(3 * KB)),
        at(T - 2 * DAY, standard(6 * KB, 1, glacier=KB)),
    ], "seed")
    return "media-library-prod"


# --- a bucket's trend ------------------------------------------------------------------------------------------------
async def test_how_a_bucket_grew_this_month(aws: ClientFactory, media_library: str, tmp_path: Path) -> None:
    action = skill(ActionStorageTrend, aws, tmp_path)
    events, sent = await run_action(action, tracker_for(
        "how has media-library-prod grown this month?", intent="storage_trend",
        entities=ents(bucket=media_library, period="this month")))
    assert events == [talked_about(bucket=media_library, skill="action_storage_trend")]
    summary, classes = sent
    # 1 KB at the start of the month, 8 KB now: +7 KB over 18 days 15.5 hours = 384 B a day.
    assert summary["text"].splitlines() == [
        "media-library-prod grew by 7 KB (+700.0%) this month (1 Nov - 19 Nov 15:30 UTC): from 1 KB to 8 KB, "
        "2 objects now.",
        "On average that is +384 B a day.",
        "It grew most on Mon 17 Nov (+4 KB).",
        "It shrank most on Fri 14 Nov (-1 KB).",
    ]
    assert chart_of(summary, tmp_path, "size-media-library-prod.png")[:8] == PNG
    assert classes["custom"]["table"] == {
        "title": "media-library-prod by storage class", "columns": ["Storage class", "Then", "Now", "Change"],
        "rows": [["Standard", "1 KB", "6 KB", "+5 KB"], ["Glacier Flexible Retrieval", "0 B", "2 KB", "+2 KB"]],
    }
    assert classes["text"].splitlines() == [
        "media-library-prod by storage class:",
        "- Standard: 1 KB then, 6 KB now (+5 KB)",
        "- Glacier Flexible Retrieval: 0 B then, 2 KB now (+2 KB)",
    ]


async def test_a_past_period_ends_with_its_last_sample(aws: ClientFactory, media_library: str, tmp_path: Path) -> None:
    _, sent = await run_action(skill(ActionStorageTrend, aws, tmp_path), tracker_for(
        "how did media-library-prod change last week", entities=ents(bucket=media_library, period="last week")))
    assert sent[0]["text"].splitlines() == [
        "media-library-prod shrank by 1 KB (-25.0%) last week (10 Nov - 17 Nov UTC): from 4 KB to 3 KB, "
        "1 object now.",
        "On average that is -146 B a day.",
        "It shrank most on Fri 14 Nov (-1 KB).",
    ]
    assert len(sent) == 1  # one storage class: no table


async def test_the_period_is_read_from_the_words_and_defaults_to_30_days(
    aws: ClientFactory, media_library: str, tmp_path: Path
) -> None:
    action = skill(ActionStorageTrend, aws, tmp_path)
    _, sent = await run_action(action, tracker_for("how much has media-library-prod grown since last Friday?",
                                                   entities=ents(bucket=media_library)))
    # Friday began at 4 KB (its 3 KB came at 15:30).
    assert sent[0]["text"].startswith("media-library-prod grew by 4 KB (+100.0%) since last Friday (14 Nov - ")
    _, sent = await run_action(action, tracker_for("size history of media-library-prod",
                                                   entities=ents(bucket=media_library)))
    assert sent[0]["text"].splitlines()[:3] == [
        "My figures for media-library-prod begin on 25 Oct 15:30 UTC, within this period.",
        "media-library-prod grew by 7 KB (+700.0%) over the last 30 days (25 Oct 15:30 - 19 Nov 15:30 UTC): from "
        "1 KB to 8 KB, 2 objects now.",
        "On average that is +286 B a day.",
    ]


async def test_how_has_it_grown_means_the_bucket_talked_about(
    aws: ClientFactory, media_library: str, tmp_path: Path
) -> None:
    events, sent = await run_action(skill(ActionStorageTrend, aws, tmp_path), tracker_for(
        "and how has it grown this week?", slots={"context": {"bucket": media_library}}))
    assert events == [talked_about(bucket=media_library, skill="action_storage_trend")]
    assert sent[0]["text"].startswith("media-library-prod grew by 5 KB (+166.7%) this week (17 Nov - 19 Nov 15:30")


async def test_a_bucket_not_tracked_is_offered_for_tracking(aws: ClientFactory, s3: Any, tmp_path: Path) -> None:
    s3.create_bucket(Bucket="acme-invoices")
    events, sent = await run_action(skill(ActionStorageTrend, aws, tmp_path), tracker_for(
        "how has acme-invoices grown this week", entities=ents(bucket="acme-invoices")))
    assert events == [talked_about(bucket="acme-invoices", skill="action_storage_trend")]
    assert [m["text"] for m in sent] == [
        "I'm not tracking the size of acme-invoices yet, so I have no history for it. Say \"start tracking "
        "acme-invoices\" and I'll record every change from then on (with S3's daily figures for the days before, "
        "where CloudWatch has them)."
    ]
    assert sent[0]["buttons"] == [{"title": "Start tracking acme-invoices",
                                   "payload": '/track_bucket{"bucket":"acme-invoices"}'}]


async def test_a_missing_bucket_and_an_unknown_period(aws: ClientFactory, media_library: str, tmp_path: Path) -> None:
    action = skill(ActionStorageTrend, aws, tmp_path)
    _, sent = await run_action(action, tracker_for("how has nope-bucket-7 grown", entities=ents(bucket="nope-bucket-7")))
    assert [m["text"] for m in sent] == [
        "There is no bucket called nope-bucket-7 in this account. Say \"list my buckets\" to see yours."]
    events, sent = await run_action(action, tracker_for(
        "how will media-library-prod grow next week", entities=ents(bucket=media_library, period="next week")))
    assert events == []
    assert [m["text"] for m in sent] == [
        "I can't tell which period \"next week\" means - I chart periods that have begun, e.g. \"today\", "
        "\"this week\", \"last 3 days\", \"since Monday\", \"in November\"."]


async def test_a_period_before_tracking_began_has_no_figures(
    aws: ClientFactory, s3: Any, sizes: SizeTracker, tmp_path: Path
) -> None:
    s3.create_bucket(Bucket="fresh-bucket")
    sizes.track("fresh-bucket")
    _, sent = await run_action(skill(ActionStorageTrend, aws, tmp_path), tracker_for(
        "how did fresh-bucket grow last month", entities=ents(bucket="fresh-bucket", period="last month")))
    assert [m["text"] for m in sent] == [
        "I have no size figures for fresh-bucket last month: I started tracking it on 19 Nov 15:30 UTC. Ask about a "
        "period since then, e.g. \"how has fresh-bucket grown today?\""]
    assert not (tmp_path / "media").exists()


async def test_tracking_that_began_within_the_period_says_so(
    aws: ClientFactory, s3: Any, sizes: SizeTracker, tmp_path: Path
) -> None:
    s3.create_bucket(Bucket="fresh-bucket")
    sizes.track("fresh-bucket")  # empty, at 15:30
    s3.put_object(Bucket="fresh-bucket", Key="first.bin", Body=b"f" * 2 * KB)
    later = NOW + timedelta(minutes=5)
    SizeTracker(dynamodb=aws.client("dynamodb"), s3=s3, sqs=aws.client("sqs"),
                clock=lambda: later.timestamp()).snapshot("fresh-bucket")
    action = skill(ActionStorageTrend, aws, tmp_path)
    action.clock = lambda: later
    _, sent = await run_action(action, tracker_for("how has fresh-bucket grown this week", entities=ents(
        bucket="fresh-bucket", period="this week")))
    assert sent[0]["text"].splitlines()[:2] == [
        "My figures for fresh-bucket begin on 19 Nov 15:30 UTC, within this period.",
        "fresh-bucket grew by 2 KB this week (19 Nov 15:30 - 19 Nov 15:35 UTC): from 0 B to 2 KB, 1 object now.",
    ]
    # Within a day of the period's start it goes without saying.
    _, sent = await run_action(action, tracker_for("how has fresh-bucket grown today", entities=ents(
        bucket="fresh-bucket", period="today")))
    assert sent[0]["text"].splitlines()[0] == (
        "fresh-bucket grew by 2 KB today (19 Nov 15:30 - 19 Nov 15:35 UTC): from 0 B to 2 KB, 1 object now.")


# --- the account's ranking -------------------------------------------------------------------------------------------
async def test_which_buckets_grew_most_this_week(
    aws: ClientFactory, s3: Any, sizes: SizeTracker, media_library: str, tmp_path: Path
) -> None:
    s3.create_bucket(Bucket="app-logs-prod")
    s3.put_object(Bucket="app-logs-prod", Key="today.log", Body=b"l" * 4 * KB)
    sizes.track("app-logs-prod")
    sizes.write_samples("app-logs-prod", [at(T - 8 * DAY, standard(10 * KB, 5)), at(T - DAY, standard(4 * KB))],
                        "seed")
    events, sent = await run_action(skill(ActionStorageTrend, aws, tmp_path), tracker_for(
        "which buckets grew most this week?", intent="storage_trend", entities=ents(period="this week")))
    assert events == [talked_about(skill="action_storage_trend")]
    [reply] = sent
    # This week began Monday 00:00: media-library-prod went 3 KB -> 8 KB, app-logs-prod 10 KB -> 4 KB.
    assert reply["text"].splitlines() == [
        "Tracked buckets by growth this week (17 Nov - 19 Nov 15:30 UTC), most first:",
        "1. media-library-prod: +5 KB (+166.7%), now 8 KB, +1.9 KB a day",
        "2. app-logs-prod: -6 KB (-60.0%), now 4 KB, -2.3 KB a day",
    ]
    assert reply["custom"]["table"] == {
        "title": "Bucket growth this week", "columns": ["Bucket", "Now", "Change", "%", "Per day"],
        "rows": [["media-library-prod", "8 KB", "+5 KB", "+166.7%", "+1.9 KB"],
                 ["app-logs-prod", "4 KB", "-6 KB", "-60.0%", "-2.3 KB"]],
    }
    assert chart_of(reply, tmp_path, "bucket-growth.png")[:8] == PNG


async def test_no_tracked_buckets_says_how_to_start(aws: ClientFactory, tmp_path: Path) -> None:
    _, sent = await run_action(skill(ActionStorageTrend, aws, tmp_path), tracker_for("is our storage growing"))
    assert [m["text"] for m in sent] == [wording.RANKING_NONE]


async def test_same_for_another_bucket_keeps_the_period(
    aws: ClientFactory, s3: Any, sizes: SizeTracker, media_library: str, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    s3.create_bucket(Bucket="app-logs-prod")
    sizes.track("app-logs-prod")
    sizes.write_samples("app-logs-prod", [at(T - 8 * DAY, standard(10 * KB, 5))], "seed")
    monkeypatch.setattr(TrendAction, "clock", staticmethod(lambda: NOW))
    monkeypatch.setenv("CLOUDBUTLER_MEDIA_DIR", str(tmp_path / "media"))
    chat = Conversation()
    await chat.turn(skill(ActionStorageTrend, aws, tmp_path), "how has media-library-prod grown this week?",
                    "storage_trend", ents(bucket=media_library, period="this week"))
    same_for = ActionSameFor()
    same_for.clients = aws
    events, sent = await chat.turn(same_for, "and app-logs-prod?", "same_for", ents(bucket="app-logs-prod"))
    assert events == [talked_about(bucket="app-logs-prod", skill="action_storage_trend")]
    assert sent[0]["text"].splitlines()[0] == (
        "app-logs-prod shrank by 10 KB (-100.0%) this week (17 Nov - 19 Nov 15:30 UTC): from 10 KB to 0 B, "
        "0 objects now.")


# --- tracking --------------------------------------------------------------------------------------------------------
def confirm(aws: ClientFactory, audit: AuditLog) -> ActionConfirm:
    action = ActionConfirm()
    action.clients = aws
    action.audit = audit
    return action


def restore_events(s3: Any, bucket: str) -> dict[str, Any]:
    """A queue of the bucket's own for restore events: a target tracking must keep."""
    config = {"QueueConfigurations": [{"Id": "restores", "QueueArn": "arn:aws:sqs:us-east-1:123456789012:restores",
                                       "Events": ["s3:ObjectRestore:Completed"]}]}
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=config)
    return config["QueueConfigurations"][0]


async def test_start_tracking_asks_then_tracks_keeping_other_notifications(
    aws: ClientFactory, s3: Any, audit: AuditLog, tmp_path: Path
) -> None:
    s3.create_bucket(Bucket="acme-invoices")
    s3.put_object(Bucket="acme-invoices", Key="2025/11/inv-1.pdf", Body=b"p" * 3 * KB)
    theirs = restore_events(s3, "acme-invoices")
    events, sent = await run_action(skill(ActionTrackBucket, aws, tmp_path), tracker_for(
        "start tracking acme-invoices", intent="track_bucket", entities=ents(bucket="acme-invoices")))
    slot, talked = events
    pending = slot["value"]
    assert talked == talked_about(bucket="acme-invoices", skill="action_track_bucket")
    assert sent[0]["text"] == "\n".join([
        "Start tracking the size of acme-invoices? I would:",
        "- add an event notification to acme-invoices that sends object created and removed events to the SQS queue "
        "cloudbutler-size-events (made if missing, with a dead-letter queue for messages that can't be read)",
        "- keep its 1 other notification target as they are: SQS queue restores",
        "- list the bucket once now for its current size, then record every change within seconds; S3's daily size "
        "figures in CloudWatch fill in the days before, where they exist",
        "The objects in the bucket are not touched.",
    ])
    assert sent[0]["buttons"] == [{"title": "Yes, track it", "payload": yes_payload(pending)},
                                  {"title": "No, cancel", "payload": "/deny"}]
    assert change_of(pending) == {"kind": "track_bucket", "bucket": "acme-invoices", "stop": False}
    assert s3.get_bucket_notification_configuration(Bucket="acme-invoices")["QueueConfigurations"] == [theirs]
    assert audit.read() == []

    events, sent = await run_action(confirm(aws, audit), answer_to(pending))
    assert [m["text"] for m in sent] == [
        "Now tracking acme-invoices: 3 KB in 1 object right now. Uploads and deletions change the figure within "
        "seconds; ask \"how has acme-invoices grown this week?\" any time."]
    assert events == [{"event": "slot", "timestamp": None, "name": "pending", "value": None},
                      talked_about(bucket="acme-invoices")]
    queues = s3.get_bucket_notification_configuration(Bucket="acme-invoices")["QueueConfigurations"]
    assert [q["Id"] for q in queues] == ["restores", CONFIGURATION_ID]
    assert queues[0] == theirs
    assert queues[1]["QueueArn"].endswith(":cloudbutler-size-events")
    assert sorted(queues[1]["Events"]) == ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"]
    [line] = audit_outcomes(audit)
    assert (line["action"], line["result"], line["parameters"]) == (
        "track_bucket", "ok", {"bucket": "acme-invoices", "bytes": 3 * KB, "objects": 1})


async def test_a_bucket_already_sending_created_events_elsewhere_cannot_be_tracked(
    aws: ClientFactory, s3: Any, tmp_path: Path
) -> None:
    s3.create_bucket(Bucket="busy-bucket")
    s3.put_bucket_notification_configuration(Bucket="busy-bucket", NotificationConfiguration={"QueueConfigurations": [
        {"Id": "etl", "QueueArn": "arn:aws:sqs:us-east-1:123456789012:etl-intake", "Events": ["s3:ObjectCreated:*"]}]})
    events, sent = await run_action(skill(ActionTrackBucket, aws, tmp_path), tracker_for(
        "track busy-bucket", entities=ents(bucket="busy-bucket")))
    assert events == [talked_about(bucket="busy-bucket", skill="action_track_bucket")]
    assert [m["text"] for m in sent] == [
        "I can't track busy-bucket: it already sends object created or removed events to SQS queue etl-intake, and "
        "S3 allows one destination per kind of event. Nothing was changed."]


async def test_a_tracked_bucket_is_not_asked_about_again(
    aws: ClientFactory, media_library: str, tmp_path: Path
) -> None:
    events, sent = await run_action(skill(ActionTrackBucket, aws, tmp_path), tracker_for(
        "start tracking media-library-prod", entities=ents(bucket=media_library)))
    assert [e["name"] for e in events] == ["context"]
    assert [m["text"] for m in sent] == [
        "I'm already tracking media-library-prod (since 19 Nov 15:30 UTC): 8 KB in 2 objects now. Ask \"how has "
        "media-library-prod grown this week?\""]


async def test_stop_tracking_asks_then_removes_only_ours_and_keeps_the_history(
    aws: ClientFactory, s3: Any, sizes: SizeTracker, media_library: str, audit: AuditLog, tmp_path: Path
) -> None:
    config = s3.get_bucket_notification_configuration(Bucket=media_library)
    config.pop("ResponseMetadata")
    theirs = {"Id": "restores", "QueueArn": "arn:aws:sqs:us-east-1:123456789012:restores",
              "Events": ["s3:ObjectRestore:Completed"]}
    config["QueueConfigurations"].insert(0, theirs)
    s3.put_bucket_notification_configuration(Bucket=media_library, NotificationConfiguration=config)

    events, sent = await run_action(skill(ActionTrackBucket, aws, tmp_path), tracker_for(
        "stop tracking media-library-prod", intent="track_bucket", entities=ents(bucket=media_library)))
    pending = events[0]["value"]
    assert change_of(pending) == {"kind": "track_bucket", "bucket": media_library, "stop": True}
    assert sent[0]["text"] == (
        "Stop tracking the size of media-library-prod? I would remove only my event notification from it (its 1 "
        "other notification target stay) and stop updating its figures. The history so far is kept.")
    assert [b["title"] for b in sent[0]["buttons"]] == ["Yes, stop tracking", "No, cancel"]

    _, sent = await run_action(confirm(aws, audit), answer_to(pending))
    assert [m["text"] for m in sent] == ["I've stopped tracking media-library-prod. Its history up to now is kept."]
    assert s3.get_bucket_notification_configuration(Bucket=media_library)["QueueConfigurations"] == [theirs]
    assert not sizes.is_tracked(media_library)
    assert [s.bytes for s in sizes.history(media_library, T - 30 * DAY, T + 1)][:2] == [KB, 4 * KB]
    [line] = audit_outcomes(audit)
    assert (line["action"], line["result"], line["parameters"]) == (
        "untrack_bucket", "ok", {"bucket": media_library, "was_tracked": True})


async def test_stop_tracking_what_is_not_tracked_or_not_there(aws: ClientFactory, s3: Any, tmp_path: Path) -> None:
    s3.create_bucket(Bucket="plain-bucket")
    action = skill(ActionTrackBucket, aws, tmp_path)
    events, sent = await run_action(action, tracker_for("untrack plain-bucket", entities=ents(bucket="plain-bucket")))
    assert [e["name"] for e in events] == ["context"]
    assert [m["text"] for m in sent] == [
        "I'm not tracking plain-bucket, so there is nothing to stop. Nothing was changed."]
    _, sent = await run_action(action, tracker_for("stop tracking gone-bucket", entities=ents(
        bucket="gone-bucket", operation="stop")))
    assert [m["text"] for m in sent] == [
        "There is no bucket called gone-bucket in this account. Say \"list my buckets\" to see yours."]


async def test_tracking_needs_a_bucket(aws: ClientFactory, tmp_path: Path) -> None:
    events, sent = await run_action(skill(ActionTrackBucket, aws, tmp_path), tracker_for("start tracking"))
    assert events == []
    assert [m["text"] for m in sent] == [
        "Which bucket? Tell me its name, e.g. \"start tracking my-project-bucket\"."]


@pytest.mark.parametrize("text,operation,stop", [
    ("stop tracking media-library-prod", None, True),
    ("untrack acme-invoices", None, True),
    ("please stop recording the size of x", None, True),
    ("no longer track x", None, True),
    ("don't track x anymore", None, True),
    ("remove x from the size tracker", None, True),
    ("track x", "stop", True),
    ("start tracking x", None, False),
    ("keep tracking x", None, False),
    ("track x until I say stop", None, False),
])
def test_what_asks_to_stop_tracking(text: str, operation: str | None, stop: bool) -> None:
    assert wants_stop(text, operation) is stop


# --- instance metrics ------------------------------------------------------------------------------------------------
def launch(aws: ClientFactory, name: str) -> str:
    tags = [{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": name}]}]
    launched = aws.client("ec2").run_instances(ImageId=IMAGE_ID, MinCount=1, MaxCount=1, InstanceType="t3.small",
                                               TagSpecifications=tags)
    return str(launched["Instances"][0]["InstanceId"])


def put_cpu(aws: ClientFactory, instance_id: str, readings: list[tuple[datetime, float]]) -> None:
    data = [{"MetricName": "CPUUtilization", "Dimensions": [{"Name": "InstanceId", "Value": instance_id}],
             "Timestamp": moment, "Value": value, "Unit": "Percent"} for moment, value in readings]
    for first in range(0, len(data), 500):
        aws.client("cloudwatch").put_metric_data(Namespace="AWS/EC2", MetricData=data[first:first + 500])


@pytest.fixture
def web_2(aws: ClientFactory) -> str:
    """web-2 this week: 20 % every 5 minutes since Monday 00:00, but 90 % at Tuesday 13:00 and 2 % at 03:00."""
    instance_id = launch(aws, "web-2")
    monday = datetime(2025, 11, 17, tzinfo=UTC)
    readings = []
    for step in range(762):  # up to 15:25 on Wednesday
        moment = monday + timedelta(minutes=5 * step)
        value = {datetime(2025, 11, 18, 13, tzinfo=UTC): 90.0, datetime(2025, 11, 18, 3, tzinfo=UTC): 2.0}
        readings.append((moment, value.get(moment, 20.0)))
    put_cpu(aws, instance_id, readings)
    return instance_id


async def test_cpu_of_an_instance_this_week(aws: ClientFactory, web_2: str, tmp_path: Path) -> None:
    action = skill(ActionInstanceMetrics, aws, tmp_path)
    events, sent = await run_action(action, tracker_for(
        "show web-2 cpu this week", intent="instance_metrics", entities=ents(instance="web-2", metric="cpu",
                                                                          period="this week")))
    assert events == [talked_about(instance="web-2", skill="action_instance_metrics")]
    [reply] = sent
    # 10-minute points (381 of them): two readings each; the spike's period averages 55 %, the dip's 11 %.
    title = f"web-2 ({web_2}) this week, 17 Nov - 19 Nov 15:30 UTC"
    assert reply["text"].splitlines() == [
        f"{title}:",
        "- CPU: min 2.0%, avg 20.1%, max 90.0%, p95 20.0%",
        "Each point is the average over 10 minutes.",
    ]
    assert reply["custom"]["table"] == {"title": title, "columns": ["Metric", "Min", "Avg", "Max", "p95"],
                                        "rows": [["CPU", "2.0%", "20.1%", "90.0%", "20.0%"]]}
    assert chart_of(reply, tmp_path, "metrics-web-2.png")[:8] == PNG


async def test_without_a_metric_cpu_and_network_and_what_has_no_data(
    aws: ClientFactory, web_2: str, tmp_path: Path
) -> None:
    _, sent = await run_action(skill(ActionInstanceMetrics, aws, tmp_path), tracker_for(
        "metrics for web-2 today", entities=ents(instance="web-2")))
    assert sent[0]["text"].splitlines() == [
        f"web-2 ({web_2}) today, 19 Nov - 19 Nov 15:30 UTC:",
        "- CPU: min 20.0%, avg 20.0%, max 20.0%, p95 20.0%",
        "CloudWatch has no incoming network and outgoing network figures for web-2 today - a stopped instance "
        "publishes none.",
        "Each point is the average over 5 minutes.",
    ]


async def test_memory_is_explained_and_nothing_charted(aws: ClientFactory, web_2: str, tmp_path: Path) -> None:
    _, sent = await run_action(skill(ActionInstanceMetrics, aws, tmp_path), tracker_for(
        "graph the memory of web-2 this week", entities=ents(instance="web-2", metric="memory")))
    assert [m["text"] for m in sent] == [
        "I can't chart memory for web-2: EC2 doesn't measure inside an instance - only the CloudWatch agent "
        "publishes memory and disk figures. Install the agent on web-2 to get them, or ask me for its CPU or "
        "network."]
    assert not (tmp_path / "media").exists()


async def test_an_instance_is_needed_and_must_exist(aws: ClientFactory, web_2: str, tmp_path: Path) -> None:
    action = skill(ActionInstanceMetrics, aws, tmp_path)
    events, sent = await run_action(action, tracker_for("show cpu this week"))
    assert (events, [m["text"] for m in sent]) == (
        [], ["Which instance? Tell me its name, e.g. \"show web-2 cpu this week\"."])
    _, sent = await run_action(action, tracker_for("show db-9 cpu", entities=ents(instance="db-9")))
    assert [m["text"] for m in sent] == ['I don\'t know an instance called "db-9". Known instances: web-2.']


async def test_and_web_1_keeps_the_metric_and_the_period(
    aws: ClientFactory, web_2: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    web_1 = launch(aws, "web-1")
    put_cpu(aws, web_1, [(datetime(2025, 11, 17, 1, tzinfo=UTC), 50.0)])
    monkeypatch.setattr(TrendAction, "clock", staticmethod(lambda: NOW))
    monkeypatch.setenv("CLOUDBUTLER_MEDIA_DIR", str(tmp_path / "media"))
    chat = Conversation()
    await chat.turn(skill(ActionInstanceMetrics, aws, tmp_path), "show web-2 cpu this week", "instance_metrics",
                    ents(instance="web-2", metric="cpu", period="this week"))
    same_for = ActionSameFor()
    same_for.clients = aws
    events, sent = await chat.turn(same_for, "and web-1?", "same_for", ents(instance="web-1"))
    assert events == [talked_about(instance="web-1", skill="action_instance_metrics")]
    assert sent[0]["text"].splitlines()[:2] == [
        f"web-1 ({web_1}) this week, 17 Nov - 19 Nov 15:30 UTC:", "- CPU: min 50.0%, avg 50.0%, max 50.0%, p95 50.0%"]


@pytest.mark.parametrize("values,text,keys", [
    (["cpu"], "", ("cpu",)),
    (["CPU"], "", ("cpu",)),
    (["network in"], "", ("network_in",)),
    (["network out", "cpu"], "", ("network_out", "cpu")),
    ([], "show the network of web-2", ("network_in", "network_out")),
    ([], "incoming traffic of web-1 today", ("network_in",)),
    ([], "how much RAM does batch-1 use", ("memory",)),
    (["disk"], "", ("disk",)),
    ([], "show web-2 this week", ()),
])
def test_which_metrics_a_message_asks_for(values: list[str], text: str, keys: tuple[str, ...]) -> None:
    assert metrics_named(values, text) == keys


def test_the_skills_are_listed_in_help() -> None:
    titles = [s.title for s in implemented_skills()]
    for cls in (ActionStorageTrend, ActionTrackBucket, ActionInstanceMetrics):
        assert cls.skill is not None and cls.skill.title in titles



def test_every_bucket_of_the_ranking_chart_spans_the_period_up_to_its_size_now() -> None:
    """A bucket that grew a little early on (10 MB -> 10.36 MB, then samples unchanged, then the live figures): its
    series reaches the end of the period at its size now, and its line is drawn over the whole period, below the
    top of its axes (an autoscaled top hid a line at its peak under the frame). No date offset text over anything."""
    from matplotlib.dates import num2date

    from actions.aws.size_tracking import TrackedBucket
    from actions.aws.storage_trend import summarise
    from actions.skills.trends import charts

    start, end, mb = T - 7 * DAY, T, 1024 * KB
    grown = 10 * mb + 364 * KB
    samples = [at(start - 3 * 3600, standard(10 * mb)), at(start + 2 * DAY, standard(grown)),
               at(start + 3 * DAY, standard(grown))]
    live = TrackedBucket(bucket="data-lake", since=start - DAY, bytes=grown, objects=1,
                         classes={"STANDARD": (grown, 1)})
    trends = [summarise("data-lake", samples, start, end, live),
              summarise("steady", [at(start - DAY, standard(2 * mb))], start, end,
                        TrackedBucket(bucket="steady", since=start - DAY, bytes=2 * mb, objects=1))]
    lake = trends[0]
    assert (lake.points[0].ts, lake.points[0].bytes) == (start, 10 * mb)
    assert (lake.points[-1].ts, lake.points[-1].bytes) == (end, grown)
    assert lake.change == 364 * KB

    figure = charts.ranking_figure(trends, "this week")
    figure.canvas.draw()
    panels = [a for a in figure.axes if a.lines]
    assert [a.get_title().split()[0] for a in panels] == ["data-lake", "steady"]
    period = (datetime.fromtimestamp(start, UTC), datetime.fromtimestamp(end, UTC))
    for axes, trend in zip(panels, trends, strict=True):
        [line] = axes.lines
        xs, ys = line.get_xdata(), line.get_ydata()
        assert (xs[0], xs[-1]) == period
        assert tuple(num2date(x, UTC) for x in axes.get_xlim()) == period
        size = 1024 * KB
        assert ys[-1] == pytest.approx(trend.bytes_end / size)
        bottom, top = axes.get_ylim()
        assert bottom == 0 and max(ys) <= 0.95 * top
        assert axes.xaxis.get_offset_text().get_text() == ""
    assert figure._suptitle.get_text() == "Bucket growth this week\n12 Nov 15:30 - 19 Nov 2025 15:30 UTC"


@pytest.mark.parametrize(("days", "labels"), [
    (1, ["18:00", "21:00", "19 Nov", "03:00", "06:00", "09:00", "12:00", "15:00"]),
    (7, ["13", "14", "15", "16", "17", "18", "19"]),
    (90, ["Sep", "15", "Oct", "15", "Nov", "15"]),
])
def test_the_size_chart_dates_its_axis_in_the_periods_own_steps(days: int, labels: list[str]) -> None:
    """The date ticks (worked out once per chart, not on every draw): hours with the date at midnight for a day,
    days for a week, months and mid-months for 90 days; the title in its place; a 480 x 300 PNG."""
    from PIL import Image

    from actions.aws.storage_trend import summarise
    from actions.skills.trends import charts

    samples = [at(T - days * DAY + i * 3600, standard(GB + i * MB)) for i in range(days * 24)]
    trend = summarise("b", samples, T - days * DAY, T)
    figure = charts.storage_figure(trend)
    figure.canvas.draw()
    [axes] = figure.axes
    low, high = axes.get_xlim()
    ticks = zip(axes.get_xticklabels(), axes.get_xticks(), strict=True)
    assert [label.get_text() for label, x in ticks if low <= x <= high] == labels
    assert axes.title.get_position() == (0.5, 1.0)
    assert Image.open(io.BytesIO(charts.storage_chart(trend))).size == (480, 300)


async def test_the_charts_warm_up_in_a_thread_at_the_action_servers_start() -> None:
    """The start-up hook returns at once; its thread draws a throwaway size chart (matplotlib imported, fonts read)."""
    from types import SimpleNamespace

    from PIL import Image

    from actions import endpoint
    from actions.skills.trends import charts

    assert charts.on_start in endpoint.start_hooks()
    app = SimpleNamespace(ctx=SimpleNamespace())
    await charts.on_start(app)
    png = await app.ctx.chart_warm_up
    assert png[:8] == PNG and Image.open(io.BytesIO(png)).size == (480, 300)
