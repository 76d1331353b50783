"""Deleting everything under a prefix against moto: counted before asking (or "nothing there"), batched after a
yes, audited once, in the background with counted progress when large, stopped on request - never the bucket."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from actions.aws.clients import ClientFactory
from actions.core.confirmation import change_of
from actions.skills.storage import folders
from actions.skills.storage.folders import ActionDeletePrefix, folder_named
from actions.skills.storage.objects import ActionDeleteObject
from tests.actions.harness import run_action, yes_payload
from tests.actions.skills.storage.support import SENDER, Posts, StorageEnv, ask, make_env, only_text, pending_of

BUCKET = "folders-bucket"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, aws: ClientFactory) -> StorageEnv:
    made = make_env(tmp_path, monkeypatch, aws)
    made.s3.create_bucket(Bucket=BUCKET)
    for i in range(5):
        made.s3.put_object(Bucket=BUCKET, Key=f"logs/2023/{i}.log", Body=b"x" * 100)
    made.s3.put_object(Bucket=BUCKET, Key="logs/2024/keep.log", Body=b"keep")
    made.s3.put_object(Bucket=BUCKET, Key="logs/2023-summary.txt", Body=b"keep")
    return made


def asked_nothing(events: list[dict[str, Any]]) -> bool:
    return not [e for e in events if e.get("event") == "slot" and e.get("name") == "pending"]


def keys(env: StorageEnv, bucket: str = BUCKET) -> list[str]:
    return sorted(o["Key"] for o in env.s3.list_objects_v2(Bucket=bucket).get("Contents", []))


@pytest.mark.parametrize(("text", "prefix", "key", "expected"), [
    ("delete everything under logs/2023/ in b", "logs/2023/", None, "logs/2023/"),
    ("delete everything under logs/2023 in b", "logs/2023", None, "logs/2023/"),
    ("rm -r logs/2023/ in b", "", None, "logs/2023/"),
    ("wipe the folder logs/ from b", "", "logs/", "logs/"),
    ("delete notes.txt from b", "", "notes.txt", None),
    ("delete reports/q1.pdf from b", "reports/", "reports/q1.pdf", None),
    ("rm -r s3://b/", "", None, None),  # the whole bucket is never a folder to delete
    ("delete / in b", "/", None, None),
    ("delete something from b", "", None, None),
])
def test_folder_named(text: str, prefix: str, key: str | None, expected: str | None) -> None:
    assert folder_named(text, prefix, key) == expected


async def test_asks_with_count_and_size_then_deletes_only_under_the_prefix(env: StorageEnv) -> None:
    # The tokenizer hands over "logs/2023" for "logs/2023/"; the question names the folder with its slash.
    events, sent = await run_action(env.action(ActionDeleteObject), ask(
        f"delete everything under logs/2023/ in {BUCKET}", "delete_object", bucket=BUCKET, prefix="logs/2023"))
    assert sent[0]["text"] == (
        "Delete everything under logs/2023/ in bucket folders-bucket: 5 objects (500 B)? The bucket and everything "
        "outside logs/2023/ stay. This cannot be undone."
    )
    pending = pending_of(events)
    assert change_of(pending) == {"kind": "delete_prefix", "bucket": BUCKET, "prefix": "logs/2023/", "count": 5,
                                  "bytes": 500}
    assert sent[0]["buttons"][0] == {"title": "Yes, delete 5 objects", "payload": yes_payload(pending),
                                  "style": "danger"}
    assert len(keys(env)) == 7  # nothing yet

    _, sent = await env.say_yes(pending)
    assert only_text(sent) == (
        "Deleted 5 objects (500 B) under logs/2023/ in folders-bucket. The bucket and everything else in it are "
        "untouched."
    )
    assert keys(env) == ["logs/2023-summary.txt", "logs/2024/keep.log"]
    assert BUCKET in [b["Name"] for b in env.s3.list_buckets()["Buckets"]]
    [line] = env.audit_lines()
    assert (line["action"], line["result"], line["parameters"]) == ("delete_prefix", "ok", {
        "bucket": BUCKET, "prefix": "logs/2023/", "count": 5, "deleted": 5, "failed": 0, "stopped": False})


async def test_rm_r_with_an_s3_url(env: StorageEnv) -> None:
    events, sent = await run_action(env.action(ActionDeleteObject), ask(
        f"rm -r s3://{BUCKET}/logs/2023/", "delete_object"))
    assert sent[0]["text"].startswith("Delete everything under logs/2023/ in bucket folders-bucket: 5 objects")
    assert change_of(pending_of(events))["prefix"] == "logs/2023/"


async def test_nothing_under_the_prefix_means_nothing_to_ask(env: StorageEnv) -> None:
    events, sent = await run_action(env.action(ActionDeleteObject), ask(
        f"delete everything under tmp/ in {BUCKET}", "delete_object", bucket=BUCKET, prefix="tmp/"))
    assert asked_nothing(events)
    assert only_text(sent) == (
        "There are no objects under tmp/ in folders-bucket, so there is nothing to delete. Say \"list files in "
        "folders-bucket\" to see what it holds."
    )


async def test_a_prefix_without_a_bucket_asks_for_it_and_a_missing_bucket_is_said(env: StorageEnv) -> None:
    events, sent = await run_action(env.action(ActionDeleteObject), ask(
        "delete everything under logs/", "delete_object", prefix="logs/"))
    assert asked_nothing(events) and only_text(sent).startswith("Which bucket is logs/ in?")
    events, sent = await run_action(env.action(ActionDeleteObject), ask(
        "delete everything under logs/ in ghost-bucket-9", "delete_object", bucket="ghost-bucket-9", prefix="logs/"))
    assert asked_nothing(events) and only_text(sent).startswith("There is no bucket called ghost-bucket-9")


async def test_no_keeps_everything(env: StorageEnv) -> None:
    events, _ = await run_action(env.action(ActionDeleteObject), ask(
        "delete everything under logs/2023/", "delete_object", bucket=BUCKET, prefix="logs/2023/"))
    await env.say_no(pending_of(events))
    assert len(keys(env)) == 7 and env.audit_lines() == []


async def test_versioned_bucket_says_markers_and_how_many_versions_remain(env: StorageEnv) -> None:
    env.s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    env.s3.put_object(Bucket=BUCKET, Key="logs/2023/0.log", Body=b"y" * 100)  # 0.log now has an older version
    events, sent = await run_action(env.action(ActionDeleteObject), ask(
        "delete everything under logs/2023/", "delete_object", bucket=BUCKET, prefix="logs/2023/"))
    assert sent[0]["text"] == (
        "Delete everything under logs/2023/ in bucket folders-bucket: 5 objects (500 B)? The bucket and everything "
        "outside logs/2023/ stay. folders-bucket is versioned, so S3 adds a delete marker for each object: their "
        "data stays as older versions (still billed) - 6 older versions under logs/2023/ afterwards. I won't "
        "delete any versions."
    )
    _, sent = await env.say_yes(pending_of(events))
    assert only_text(sent) == (
        "Deleted 5 objects under logs/2023/ in folders-bucket: S3 added a delete marker for each and keeps 6 older "
        "versions there (they can be restored, and are still billed). The bucket and everything else in it are "
        "untouched."
    )
    versions = env.s3.list_object_versions(Bucket=BUCKET, Prefix="logs/2023/")
    assert len(versions["Versions"]) == 6 and len(versions["DeleteMarkers"]) == 5
    assert keys(env) == ["logs/2023-summary.txt", "logs/2024/keep.log"]


def background_handler(env: StorageEnv, posts: Posts) -> ActionDeletePrefix:
    handler = env.action(ActionDeletePrefix)
    handler.background_objects = 2
    handler.batch = 2
    handler.jobs = env.runner(posts)
    return handler


async def test_a_large_prefix_is_deleted_in_the_background_with_counted_progress(env: StorageEnv) -> None:
    posts = Posts()
    handler = background_handler(env, posts)
    pending = {"kind": "delete_prefix", "bucket": BUCKET, "prefix": "logs/2023/", "count": 5, "bytes": 500}
    _, sent = await env.say_yes(pending, handler=handler)
    assert only_text(sent) == (
        "Deleting 5 objects (500 B) under logs/2023/ in folders-bucket - this takes a while; I'll post progress "
        "here. Say \"stop\" to stop it."
    )
    await handler.jobs.wait()
    assert posts.texts[-1].startswith("Deleted 5 objects (500 B) under logs/2023/ in folders-bucket.")
    progress = posts.texts[:-1]
    assert progress and all(t.startswith("Deleting under logs/2023/ in folders-bucket: ") for t in progress)
    assert posts.counts and all(c["total"] == 5 and c["unit"] == "objects" and c["done"] in (2, 4)
                                for c in posts.counts)
    assert keys(env) == ["logs/2023-summary.txt", "logs/2024/keep.log"]
    [line] = env.audit_lines()
    assert (line["result"], line["parameters"]["deleted"]) == ("ok", 5)


async def test_stop_ends_the_deletion_and_says_how_many_were_deleted(env: StorageEnv) -> None:
    posts = Posts()
    handler = background_handler(env, posts)
    pending = {"kind": "delete_prefix", "bucket": BUCKET, "prefix": "logs/2023/", "count": 5, "bytes": 500}
    await env.say_yes(pending, handler=handler)
    # Asked before the job's thread has run: it stops at its first report, after the first batch of 2.
    assert handler.jobs.stop(SENDER) == ["deleting under logs/2023/ in folders-bucket"]
    await handler.jobs.wait()
    assert posts.texts[-1] == (
        "Stopped deleting under logs/2023/ in folders-bucket as you asked, after deleting 2 objects (that cannot be "
        "undone); the rest are still there."
    )
    assert len([k for k in keys(env) if k.startswith("logs/2023/")]) == 3
    [line] = env.audit_lines()
    assert (line["result"], line["parameters"]["deleted"], line["parameters"]["stopped"]) == ("ok", 2, True)


async def test_a_prefix_emptied_meanwhile_is_said_on_yes(env: StorageEnv) -> None:
    pending = {"kind": "delete_prefix", "bucket": BUCKET, "prefix": "gone/", "count": 3, "bytes": 30}
    _, sent = await env.say_yes(pending)
    assert only_text(sent) == "Everything under gone/ in folders-bucket is already gone - nothing to delete."
    assert env.audit_lines() == []


def _refuse_one_key(s3: Any, key: str) -> None:
    def keep(params: dict[str, Any], **_: Any) -> None:
        params["Delete"]["Objects"] = [o for o in params["Delete"]["Objects"] if o["Key"] != key]

    def refuse(parsed: dict[str, Any], model: Any, **_: Any) -> None:
        parsed.setdefault("Errors", []).append({"Key": key, "Code": "AccessDenied"})

    s3.meta.events.register("before-parameter-build.s3.DeleteObjects", keep)
    s3.meta.events.register("after-call.s3.DeleteObjects", refuse)


async def test_partial_failures_are_reported_and_audited(env: StorageEnv) -> None:
    _refuse_one_key(env.s3, "logs/2023/0.log")
    pending = {"kind": "delete_prefix", "bucket": BUCKET, "prefix": "logs/2023/", "count": 5, "bytes": 500}
    _, sent = await env.say_yes(pending)
    assert only_text(sent) == (
        "Deleted 4 objects under logs/2023/ in folders-bucket, but 1 object could not be deleted (first: "
        "logs/2023/0.log, AccessDenied). Object Lock, a legal hold or the bucket's policy may protect them."
    )
    [line] = env.audit_lines()
    assert (line["result"], line["detail"], line["parameters"]["failed"]) == ("error", "AccessDenied", 1)


async def test_a_prefix_too_big_to_count_before_asking_says_at_least_and_is_counted_in_the_background(
    env: StorageEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(folders, "COUNT_LIMIT", 2)
    monkeypatch.setattr(ActionDeletePrefix, "batch", 2)
    events, sent = await run_action(env.action(ActionDeleteObject), ask(
        "delete everything under logs/2023/", "delete_object", bucket=BUCKET, prefix="logs/2023/"))
    assert sent[0]["text"].startswith(
        "Delete everything under logs/2023/ in bucket folders-bucket: at least 2 objects (at least 200 B)?")
    assert sent[0]["buttons"][0]["title"] == "Yes, delete at least 2 objects"
    posts = Posts()
    handler = env.action(ActionDeletePrefix)
    handler.jobs = env.runner(posts)
    _, sent = await env.say_yes(pending_of(events), handler=handler)
    assert only_text(sent).startswith("Deleting at least 2 objects (at least 200 B) under logs/2023/")
    await handler.jobs.wait()
    assert posts.texts[-1].startswith("Deleted 5 objects (500 B) under logs/2023/ in folders-bucket.")
    assert all(c["total"] == 5 for c in posts.counts)  # counted in full before deleting: the bar has its end
    [line] = env.audit_lines()
    assert (line["parameters"]["count"], line["parameters"]["deleted"]) == (5, 5)


async def test_a_folder_named_without_its_slash_is_a_folder_when_no_object_has_that_name(env: StorageEnv) -> None:
    events, sent = await run_action(env.action(ActionDeleteObject), ask(
        f"delete logs/2023 from {BUCKET}", "delete_object", bucket=BUCKET, file="logs/2023"))
    assert sent[0]["text"].startswith("Delete everything under logs/2023/ in bucket folders-bucket: 5 objects (500 B)?")
    assert change_of(pending_of(events))["kind"] == "delete_prefix"
    events, sent = await run_action(env.action(ActionDeleteObject), ask(
        f"delete logs/2025 from {BUCKET}", "delete_object", bucket=BUCKET, file="logs/2025"))
    assert asked_nothing(events) and only_text(sent).startswith("There is no object logs/2025 in bucket folders-bucket")
