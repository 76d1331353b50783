"""Object skills against moto: the listing summary, deleting an object (plain and versioned), errors in plain words."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from actions.aws.clients import ClientFactory
from actions.aws.errors import AwsCallFailed
from actions.core import errors, wording
from actions.core.confirmation import change_of
from actions.skills.storage import wording as say
from actions.skills.storage.objects import ActionDeleteObject, ActionListObjects
from tests.actions.harness import run_action, talked_about, yes_payload
from tests.actions.skills.storage.support import StorageEnv, ask, fail_with, make_env, only_text, pending_of
from tests.fakes.moto_s3 import set_last_modified

BUCKET = "objects-bucket"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, aws: ClientFactory) -> StorageEnv:
    made = make_env(tmp_path, monkeypatch, aws)
    made.s3.create_bucket(Bucket=BUCKET)
    return made


async def test_list_objects_summarises_count_size_classes_largest_newest(env: StorageEnv) -> None:
    env.s3.put_object(Bucket=BUCKET, Key="reports/big.pdf", Body=b"x" * 3072)
    env.s3.put_object(Bucket=BUCKET, Key="reports/small.txt", Body=b"x" * 10)
    env.s3.put_object(Bucket=BUCKET, Key="reports/cold.bin", Body=b"x" * 1024, StorageClass="GLACIER")
    env.s3.put_object(Bucket=BUCKET, Key="other/skip.txt", Body=b"x")
    set_last_modified(BUCKET, "reports/big.pdf", dt.datetime(2024, 1, 2, 3, 4, tzinfo=dt.UTC))
    set_last_modified(BUCKET, "reports/cold.bin", dt.datetime(2024, 2, 1, 0, 0, tzinfo=dt.UTC))
    set_last_modified(BUCKET, "reports/small.txt", dt.datetime(2024, 3, 1, 12, 30, tzinfo=dt.UTC))
    # The tokenizer hands over "reports" for "reports/"; the slash the user typed is put back.
    _, sent = await run_action(
        env.action(ActionListObjects), ask(f"show files under reports/ in {BUCKET}", "list_objects", bucket=BUCKET,
                                           prefix="reports")
    )
    assert only_text(sent) == "\n".join([
        "objects-bucket under reports/: 3 objects, 4 KB in total",
        "Storage classes: STANDARD 2 objects (3 KB), GLACIER 1 object (1 KB)",
        "Largest: reports/big.pdf (3 KB), reports/cold.bin (1 KB), reports/small.txt (10 B)",
        "Newest: reports/small.txt (2024-03-01 12:30 UTC), reports/cold.bin (2024-02-01 00:00 UTC), "
        "reports/big.pdf (2024-01-02 03:04 UTC)",
    ])
    fields = sent[0]["custom"]["fields"]
    assert fields["title"] == "objects-bucket under reports/: 3 objects, 4 KB in total"
    assert [i["label"] for i in fields["items"]] == ["Storage classes", "Largest", "Newest"]


async def test_list_objects_of_an_empty_bucket(env: StorageEnv) -> None:
    _, sent = await run_action(env.action(ActionListObjects), ask("ls", "list_objects", bucket=BUCKET))
    assert only_text(sent) == "objects-bucket has no objects."


async def test_list_objects_needs_a_bucket_and_explains_a_missing_one(env: StorageEnv) -> None:
    _, sent = await run_action(env.action(ActionListObjects), ask("list objects", "list_objects"))
    assert only_text(sent) == wording.NEED_BUCKET.format(example="list files in my-project-bucket")
    _, sent = await run_action(env.action(ActionListObjects), ask("ls", "list_objects", bucket="ghost-bucket"))
    assert only_text(sent).startswith("There is no bucket called ghost-bucket")


async def test_delete_object_asks_then_deletes_and_audits_once(env: StorageEnv) -> None:
    env.s3.put_object(Bucket=BUCKET, Key="notes.txt", Body=b"hello")
    set_last_modified(BUCKET, "notes.txt", dt.datetime(2024, 5, 6, 7, 8, tzinfo=dt.UTC))
    events, sent = await run_action(env.action(ActionDeleteObject), ask("delete notes.txt from b", "delete_object",
                                                                        bucket=BUCKET, file="notes.txt"))
    assert sent[0]["text"] == (
        "Delete s3://objects-bucket/notes.txt (5 B, last modified 2024-05-06 07:08 UTC)? This cannot be undone."
    )
    pending = pending_of(events)
    assert sent[0]["buttons"][0] == {"title": "Yes, delete it", "payload": yes_payload(pending),
                                  "style": "danger"}
    assert change_of(pending) == {"kind": "delete_object", "bucket": BUCKET, "key": "notes.txt", "versioned": False}
    assert env.s3.list_objects_v2(Bucket=BUCKET)["KeyCount"] == 1

    _, sent = await env.say_yes(pending)
    assert only_text(sent) == "Deleted s3://objects-bucket/notes.txt."
    assert env.s3.list_objects_v2(Bucket=BUCKET)["KeyCount"] == 0
    [line] = env.audit_lines()
    assert (line["action"], line["result"], line["parameters"]) == (
        "delete_object", "ok", {"bucket": BUCKET, "key": "notes.txt", "delete_marker": False})


async def test_delete_object_no_keeps_it(env: StorageEnv) -> None:
    env.s3.put_object(Bucket=BUCKET, Key="notes.txt", Body=b"hello")
    events, _ = await run_action(env.action(ActionDeleteObject), ask("delete", "delete_object", bucket=BUCKET,
                                                                     file="notes.txt"))
    await env.say_no(pending_of(events))
    assert env.s3.list_objects_v2(Bucket=BUCKET)["KeyCount"] == 1
    assert env.audit_lines() == []


async def test_versioned_delete_says_a_marker_is_added_and_keeps_the_version(env: StorageEnv) -> None:
    env.s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    env.s3.put_object(Bucket=BUCKET, Key="notes.txt", Body=b"hello")
    events, sent = await run_action(env.action(ActionDeleteObject), ask("delete", "delete_object", bucket=BUCKET,
                                                                        file="notes.txt"))
    assert "objects-bucket is versioned, so S3 adds a delete marker" in sent[0]["text"]
    pending = pending_of(events)
    assert pending["versioned"] is True
    _, sent = await env.say_yes(pending)
    assert only_text(sent) == (
        "Deleted s3://objects-bucket/notes.txt: S3 added a delete marker and kept the previous version "
        "(it can be restored)."
    )
    versions = env.s3.list_object_versions(Bucket=BUCKET)
    assert len(versions["Versions"]) == 1 and len(versions["DeleteMarkers"]) == 1
    [line] = env.audit_lines()
    assert line["parameters"]["delete_marker"] is True


async def test_delete_object_missing_key_and_missing_names(env: StorageEnv) -> None:
    events, sent = await run_action(env.action(ActionDeleteObject), ask("delete", "delete_object", bucket=BUCKET,
                                                                        file="nope.txt"))
    assert events == [talked_about(bucket=BUCKET, key="nope.txt", skill="action_delete_object")]
    assert only_text(sent) == (
        "There is no object nope.txt in bucket objects-bucket. Say \"list files in objects-bucket\" to see what is "
        "there (names are case-sensitive)."
    )
    _, sent = await run_action(env.action(ActionDeleteObject), ask("delete a file", "delete_object"))
    assert only_text(sent) == say.DELETE_OBJECT_NEED


async def test_an_object_deleted_before_the_yes_is_reported_and_audited(env: StorageEnv) -> None:
    _, sent = await env.say_yes({"kind": "delete_object", "bucket": BUCKET, "key": "gone.txt", "versioned": False})
    assert only_text(sent).startswith("There is no object gone.txt in bucket objects-bucket.")
    [line] = env.audit_lines()
    assert (line["result"], line["detail"]) == ("error", "NoSuchKey")


@pytest.mark.parametrize(
    "error,expected",
    [
        (AwsCallFailed("AccessDenied", bucket="b1", key="k"),
         "AWS denied access to s3://b1/k. Check that my IAM role or user allows this S3 action on it and that the "
         "bucket policy doesn't block it."),
        (AwsCallFailed("Throttling", bucket="b1"),
         "AWS is throttling S3 requests for b1 right now, so this didn't go through. Wait a few seconds and try "
         "again."),
        (AwsCallFailed("NetworkError", bucket="b1"),
         "I couldn't reach S3 (network error or timeout) while working on b1. Check my connection to AWS and try "
         "again in a moment."),
        (AwsCallFailed("NoSuchKey", bucket="b1", key="a/b.txt"),
         "There is no object a/b.txt in bucket b1. Say \"list files in b1\" to see what is there (names are "
         "case-sensitive)."),
        (AwsCallFailed("AccessDenied"), errors.AWS_ERRORS["AccessDenied"]),
        (AwsCallFailed("Throttling"), errors.AWS_ERRORS["Throttling"]),
    ],
)
def test_aws_failures_become_specific_replies(error: AwsCallFailed, expected: str) -> None:
    assert errors.error_text(error) == expected


async def test_access_denied_reaches_the_chat_as_advice_not_a_trace(env: StorageEnv) -> None:
    fail_with(env.s3, "ListObjectsV2", "AccessDenied")
    _, sent = await run_action(env.action(ActionListObjects), ask("ls", "list_objects", bucket=BUCKET))
    assert only_text(sent) == (
        "AWS denied access to s3://objects-bucket/. Check that my IAM role or user allows this S3 action on it and "
        "that the bucket policy doesn't block it."
    )


async def test_throttling_while_deleting_is_explained_and_audited(env: StorageEnv) -> None:
    env.s3.put_object(Bucket=BUCKET, Key="notes.txt", Body=b"hello")
    fail_with(env.s3, "DeleteObject", "SlowDown", status=503)
    _, sent = await env.say_yes({"kind": "delete_object", "bucket": BUCKET, "key": "notes.txt", "versioned": False})
    assert only_text(sent).startswith("AWS is throttling S3 requests for objects-bucket right now")
    [line] = env.audit_lines()
    assert (line["result"], line["detail"]) == ("error", "Throttling")
