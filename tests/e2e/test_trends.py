"""End-to-end trends through the REST channel on the sandbox: a demo bucket's growth this month ending at what it
holds, the tracked buckets ranked, web-2's CPU this week, "and web-1?", and a new bucket tracked after "yes" whose
tracked size follows an upload and a deletion made through CloudButler within seconds (S3 events -> SQS -> the size
tracker the launcher runs -> DynamoDB)."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from actions.aws.size_tracking import SizeTracker
from actions.core.formatting import format_bytes, plural
from launcher.stack import Stack
from tests.e2e.assistant import Conversation, wait_until

pytestmark = pytest.mark.e2e

PNG = b"\x89PNG\r\n\x1a\n"


def client(stack: Stack, service: str) -> Any:
    return boto3.client(service, endpoint_url=stack.aws_endpoint, region_name="us-east-1",
                        aws_access_key_id="x", aws_secret_access_key="x")


def text_of(replies: list[dict[str, Any]]) -> str:
    return "\n".join(r.get("text", "") for r in replies if r.get("text"))


def listed(stack: Stack, bucket: str) -> tuple[int, int]:
    """(bytes, objects) as a listing of the bucket shows them now."""
    pages = client(stack, "s3").get_paginator("list_objects_v2").paginate(Bucket=bucket)
    sizes = [item["Size"] for page in pages for item in page.get("Contents", [])]
    return sum(sizes), len(sizes)


def served_chart(stack: Stack, replies: list[dict[str, Any]], suffix: str) -> bytes:
    """The reply's chart as the web chat serves it (and as the media folder holds it)."""
    image = next(r["image"] for r in replies if r.get("image"))
    assert image.startswith("/media/") and image.endswith(suffix), image
    name = image.removeprefix("/media/")
    png = (Path(stack.env["CLOUDBUTLER_MEDIA_DIR"]) / name).read_bytes()
    served = requests.get(f"{stack.rasa_url}/webhooks/webchat/media/{name}", timeout=10)
    assert (served.status_code, served.content) == (200, png)
    assert png[:8] == PNG
    return png


def test_how_the_media_library_grew_this_month(chat: Conversation, stack: Stack) -> None:
    size, count = listed(stack, "media-library-prod")
    replies = chat.say("how has media-library-prod grown this month?")
    summary = replies[0]["text"].splitlines()
    # The sandbox's history ends at what the bucket holds: the figure now is the listed one.
    assert re.fullmatch(
        r"media-library-prod (grew by .+|shrank by .+|stayed at \S+ \S+) this month \(1 \w{3} - .+ UTC\)[:,] .+",
        summary[0]), summary
    assert f" {format_bytes(size)}" in summary[0] and summary[0].endswith(f" {plural(count, 'object')} now."), summary
    served_chart(stack, replies, "-size-media-library-prod.png")
    table = next(r["custom"]["table"] for r in replies if r.get("custom"))
    assert (table["title"], table["columns"]) == ("media-library-prod by storage class",
                                                  ["Storage class", "Then", "Now", "Change"])
    assert {row[0] for row in table["rows"]} >= {"Standard"}

    # "and how has it grown since Monday?" is about the same bucket.
    follow = text_of(chat.say("and how has it grown since Monday?"))
    assert follow.startswith("media-library-prod "), follow
    assert " since Monday (" in follow.splitlines()[0] or "figures" in follow.splitlines()[0]


def test_which_buckets_grew_most_this_week(chat: Conversation, stack: Stack) -> None:
    replies = chat.say("which buckets grew most this week?")
    lines = text_of(replies).splitlines()
    assert lines[0].startswith("Tracked buckets by growth this week ("), lines
    ranked = [line.split(":", 1)[0].split(". ", 1)[1] for line in lines[1:] if re.match(r"\d+\. ", line)]
    assert {"media-library-prod", "acme-invoices", "app-logs.eu-west-1", "backups-archive"} <= set(ranked)
    table = next(r["custom"]["table"] for r in replies if r.get("custom"))
    assert table["columns"] == ["Bucket", "Now", "Change", "%", "Per day"]
    assert [row[0] for row in table["rows"]] == ranked
    served_chart(stack, replies, "-bucket-growth.png")


def test_web_2_cpu_this_week_and_then_web_1(chat: Conversation, stack: Stack) -> None:
    replies = chat.say("show web-2 cpu this week")
    lines = text_of(replies).splitlines()
    assert re.fullmatch(r"web-2 \(i-[0-9a-f]+\) this week, .+ UTC:", lines[0]), lines
    assert re.fullmatch(r"- CPU: min [\d.]+%, avg [\d.]+%, max [\d.]+%, p95 [\d.]+%", lines[1]), lines
    assert re.fullmatch(r"Each point is the average over .+\.", lines[-1]), lines
    table = next(r["custom"]["table"] for r in replies if r.get("custom"))
    assert table["columns"] == ["Metric", "Min", "Avg", "Max", "p95"]
    assert [row[0] for row in table["rows"]] == ["CPU"]
    served_chart(stack, replies, "-metrics-web-2.png")

    # The follow-up keeps the metric and the period.
    lines = text_of(chat.say("and web-1?")).splitlines()
    assert re.fullmatch(r"web-1 \(i-[0-9a-f]+\) this week, .+ UTC:", lines[0]), lines
    assert lines[1].startswith("- CPU: min "), lines


def test_memory_needs_the_cloudwatch_agent(chat: Conversation) -> None:
    assert chat.say_text("graph the memory of web-2 this week") == (
        "I can't chart memory for web-2: EC2 doesn't measure inside an instance - only the CloudWatch agent "
        "publishes memory and disk figures. Install the agent on web-2 to get them, or ask me for its CPU or "
        "network.")


def test_a_new_bucket_tracked_after_yes_follows_uploads_and_deletions(chat: Conversation, stack: Stack) -> None:
    bucket = "invoices-2026"
    s3 = client(stack, "s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="2026/01/inv-0000.pdf", Body=b"%PDF-1.7 first\n")  # 15 B

    # Not tracked yet: the trend says so and offers to start.
    replies = chat.say(f"how has {bucket} grown today?")
    assert replies[0]["text"].startswith(f"I'm not tracking the size of {bucket} yet")
    assert replies[0]["buttons"] == [{"title": f"Start tracking {bucket}",
                                      "payload": '/track_bucket{"bucket":"invoices-2026"}'}]

    question = chat.say_text(f"start tracking {bucket}")
    assert question.startswith(f"Start tracking the size of {bucket}? I would:\n- add an event notification to "
                               f"{bucket} that sends object created and removed events to the SQS queue "), question
    assert s3.get_bucket_notification_configuration(Bucket=bucket).get("QueueConfigurations") is None
    assert chat.say_text("yes") == (
        f"Now tracking {bucket}: 15 B in 1 object right now. Uploads and deletions change the figure within seconds; "
        f"ask \"how has {bucket} grown this week?\" any time.")

    sizes = SizeTracker(dynamodb=client(stack, "dynamodb"), s3=s3, sqs=client(stack, "sqs"))

    def tracked() -> tuple[int, int]:
        live = sizes.tracked_bucket(bucket)
        assert live is not None
        return live.bytes, live.objects

    # An upload through CloudButler: the tracked size follows within seconds, from the S3 event alone.
    outbox = Path(stack.env["CLOUDBUTLER_UPLOAD_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    (outbox / "invoice-0001.pdf").write_bytes(b"i" * 2048)
    assert chat.say_text(f"upload invoice-0001.pdf to {bucket}").startswith(f"Upload to {bucket}?")
    assert chat.say_text("yes") == f"Uploaded invoice-0001.pdf (2 KB) to s3://{bucket}/invoice-0001.pdf."
    wait_until(lambda: tracked() == (2048 + 15, 2), 10, "the upload to reach the tracked size")
    assert listed(stack, bucket) == tracked()
    # (Samples are kept per minute: when tracking began in the same minute as the upload, today starts at 2 KB.)
    growth = text_of(chat.say(f"how has {bucket} grown today?")).splitlines()[0]
    assert re.fullmatch(rf"{bucket} (grew by 2 KB \(\+13653\.3%\) today \(.+\): from 15 B to 2 KB|stayed at 2 KB "
                        r"today \(.+\)), 2 objects now\.", growth), growth

    # A deletion through CloudButler: the size goes back down.
    assert chat.say_text(f"delete invoice-0001.pdf from {bucket}").startswith(f"Delete s3://{bucket}/invoice-0001.pdf")
    assert chat.say_text("yes") == f"Deleted s3://{bucket}/invoice-0001.pdf."
    wait_until(lambda: tracked() == (15, 1), 10, "the deletion to reach the tracked size")

    # Stop tracking: asks, removes only CloudButler's notification, keeps the history.
    question = chat.say_text(f"stop tracking {bucket}")
    assert question.startswith(f"Stop tracking the size of {bucket}? I would remove only my event notification"), question
    assert chat.say_text("yes") == f"I've stopped tracking {bucket}. Its history up to now is kept."
    assert s3.get_bucket_notification_configuration(Bucket=bucket).get("QueueConfigurations") is None
    assert sizes.tracked_bucket(bucket) is None
