"""What storage replies carry besides their words, against moto: a download's link as a labelled link (its url once
in the text), the whole reply of a background download, progress counts of multi-file uploads, the link label's
lifetime; bucket usage per class with totals and its versions in one sentence."""
from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from actions.aws.clients import ClientFactory
from actions.aws.usage import BucketUsage, ClassUsage, Versions
from actions.skills.storage import wording as say
from actions.skills.storage.buckets import ActionBucketUsage, usage_reply, versions_text
from actions.skills.storage.transfers import ActionDownloadFile, ActionUploadFile, files_done
from tests.actions.harness import run_action
from tests.actions.skills.storage.support import Posts, StorageEnv, ask, make_env, pending_of

BUCKET = "replies-bucket"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, aws: ClientFactory) -> StorageEnv:
    made = make_env(tmp_path, monkeypatch, aws)
    made.s3.create_bucket(Bucket=BUCKET)
    return made


@pytest.mark.parametrize(("seconds", "label"), [
    (60, "Download (expires in 1 min)"),
    (900, "Download (expires in 15 min)"),
    (3600, "Download (expires in 1 h)"),
    (5400, "Download (expires in 1.5 h)"),
    (86400, "Download (expires in 24 h)"),
    (7 * 86400, "Download (expires in 7 days)"),
])
def test_the_link_label_says_the_links_lifetime(seconds: int, label: str) -> None:
    assert say.link_label(seconds) == label


def test_files_done_counts_whole_files_of_the_bytes_done() -> None:
    sizes = [100, 0, 50, 200]
    assert [files_done(sizes, done) for done in (0, 99, 100, 149, 150, 349, 350)] == [0, 0, 2, 2, 3, 3, 4]


async def test_a_download_carries_its_link_once_in_the_text_and_as_a_labelled_link(env: StorageEnv) -> None:
    env.s3.put_object(Bucket=BUCKET, Key="reports/q1.pdf", Body=b"%PDF q1")
    _, sent = await run_action(env.action(ActionDownloadFile), ask(
        f"download reports/q1.pdf from {BUCKET}", "download_file", file="reports/q1.pdf", bucket=BUCKET))
    [message] = sent
    [link] = message["custom"]["links"]
    assert link["label"] == "Download (expires in 1 h)"
    assert message["text"].count(link["url"]) == 1
    assert requests.get(link["url"], timeout=10).content == b"%PDF q1"


async def test_a_background_download_posts_its_whole_reply_with_counted_progress(env: StorageEnv) -> None:
    env.s3.put_object(Bucket=BUCKET, Key="big.bin", Body=b"q" * 2048)
    posts = Posts()
    action = env.action(ActionDownloadFile)
    action.background_bytes = 1024
    action.jobs = env.runner(posts)
    await run_action(action, ask(f"download big.bin from {BUCKET}", "download_file", file="big.bin", bucket=BUCKET))
    await action.jobs.wait()
    _, final = posts.messages[-1]
    [link] = final["json_message"]["links"]
    assert final["text"].count(link["url"]) == 1 and link["label"] == "Download (expires in 1 h)"
    assert final["attachment"].startswith("/media/")
    assert all(c["unit"] == "bytes" and c["total"] == 2048 for c in posts.counts)


async def test_a_background_upload_of_several_files_counts_files(env: StorageEnv) -> None:
    folder = "web-20250101T120000-0123abcd"
    (env.inbox / folder).mkdir()
    for name in ("a.bin", "b.bin", "c.bin"):
        (env.inbox / folder / name).write_bytes(b"z" * 1024)
    metadata = {"attachments": [{"name": name, "path": f"{folder}/{name}", "size": 1024,
                                 "content_type": "application/octet-stream"} for name in ("a.bin", "b.bin", "c.bin")]}
    events, sent = await run_action(env.action(ActionUploadFile), ask(
        f"upload these to {BUCKET}", "upload_file", metadata=metadata, bucket=BUCKET))
    assert sent[0]["text"].startswith(f"Upload to {BUCKET}?\n- a.bin (1 KB) -> s3://{BUCKET}/a.bin")
    posts = Posts()
    handler = env.action(ActionUploadFile)
    handler.background_bytes = 1024
    handler.jobs = env.runner(posts)
    await env.say_yes(pending_of(events), handler=handler)
    await handler.jobs.wait()
    assert posts.texts[-1].splitlines() == [f"Uploaded {n} (1 KB) to s3://{BUCKET}/{n}." for n in ("a.bin", "b.bin",
                                                                                                   "c.bin")]
    assert posts.counts and all(c["unit"] == "files" and c["total"] == 3 and c["done"] < 3 for c in posts.counts)


# --- bucket usage ----------------------------------------------------------------------------------------------------
async def test_usage_of_a_versioned_bucket_counts_versions_and_markers_apart(env: StorageEnv) -> None:
    env.s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    env.s3.put_object(Bucket=BUCKET, Key="a.txt", Body=b"x" * 1024)
    env.s3.put_object(Bucket=BUCKET, Key="a.txt", Body=b"y" * 2048)
    env.s3.put_object(Bucket=BUCKET, Key="b.txt", Body=b"z" * 1024, StorageClass="STANDARD_IA")
    env.s3.delete_object(Bucket=BUCKET, Key="b.txt")
    env.s3.put_object(Bucket=BUCKET, Key="c.txt", Body=b"c" * 1024, StorageClass="GLACIER")
    _, sent = await run_action(env.action(ActionBucketUsage), ask(f"how big is {BUCKET}", "bucket_usage",
                                                                  bucket=BUCKET))
    [message] = sent
    assert message["text"] == "\n".join([
        "replies-bucket stores 3 KB in 2 objects.",
        "- STANDARD: 1 object, 2 KB",
        "- GLACIER: 1 object, 1 KB",
        "Total: 2 objects, 3 KB",
        "Versioning is on: besides the current objects above, replies-bucket keeps 2 older versions (2 KB, billed "
        "like any data) and 1 delete marker (markers hold no data; each hides a deleted object).",
        "Counted from a listing of the bucket just now.",
    ])
    table = message["custom"]["table"]
    assert table["columns"] == ["Storage class", "Objects", "Size"]
    assert table["rows"] == [["STANDARD", "1", "2 KB"], ["GLACIER", "1", "1 KB"]]
    assert table["totals"] == ["Total", "2", "3 KB"]


def cloudwatch_usage(**changes: Any) -> BucketUsage:
    usage = BucketUsage(
        bucket="big-bucket", source="cloudwatch", as_of=datetime(2026, 11, 30, tzinfo=UTC), total_bytes=3 * 1024**3,
        object_count=1_200_000, by_class=(ClassUsage("STANDARD", 2 * 1024**3, None),
                                          ClassUsage("GLACIER", 1024**3, None)),
    )
    return dataclasses.replace(usage, **changes)


def test_usage_from_cloudwatch_totals_what_it_knows_and_says_what_it_does_not() -> None:
    reply = usage_reply(cloudwatch_usage())
    assert reply["text"] == "\n".join([
        "big-bucket stores 3 GB in 1,200,000 objects.",
        "- STANDARD: 2 GB",
        "- GLACIER: 1 GB",
        "Total: 1,200,000 objects, 3 GB",
        "From CloudWatch's daily storage metrics, as of 2026-11-30; they count objects for all classes together, "
        "and their sizes include older versions.",
    ])
    table = reply["json_message"]["table"]
    assert table["rows"] == [["STANDARD", "-", "2 GB"], ["GLACIER", "-", "1 GB"]]
    assert table["totals"] == ["Total", "1,200,000", "3 GB"]


def test_versions_in_a_sentence_suspended_none_and_lower_bounds() -> None:
    none = cloudwatch_usage(versions=Versions(status="Enabled", old_versions=0, old_bytes=0, delete_markers=0))
    assert versions_text(none) == "Versioning is on, but there are no older versions or delete markers yet."
    many = cloudwatch_usage(versions=Versions(status="Suspended", old_versions=10_000, old_bytes=5 * 1024**2,
                                              delete_markers=12, exact=False))
    assert versions_text(many) == (
        "Versioning is suspended: besides the current objects above, big-bucket keeps at least 10,000 older "
        "versions (at least 5 MB, billed like any data) and at least 12 delete markers (markers hold no data; "
        "each hides a deleted object)."
    )
    markers = cloudwatch_usage(versions=Versions(status="Enabled", old_versions=0, old_bytes=0, delete_markers=1))
    assert versions_text(markers) == (
        "Versioning is on: besides the current objects above, big-bucket keeps 1 delete marker (markers hold no "
        "data; each hides a deleted object)."
    )
    assert versions_text(cloudwatch_usage()) is None
