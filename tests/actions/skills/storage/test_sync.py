"""The folder sync against moto: the plan, the question, new and changed files only, a dry run, an empty outbox,
background runs with progress in files - and one named file of the outbox is an upload of it, never a sync."""
from __future__ import annotations

from pathlib import Path

import pytest

from actions.aws.clients import ClientFactory
from actions.core import wording
from actions.core.confirmation import change_of
from actions.skills.storage.sync import ActionSyncFolder
from actions.skills.storage.transfers import ActionUploadFile
from tests.actions.harness import run_action
from tests.actions.skills.storage.support import (
    Posts,
    StorageEnv,
    ask,
    asked_nothing,
    make_env,
    only_text,
    pending_of,
)

BUCKET = "transfer-bucket"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, aws: ClientFactory) -> StorageEnv:
    made = make_env(tmp_path, monkeypatch, aws)
    made.s3.create_bucket(Bucket=BUCKET)
    return made


def body(env: StorageEnv, key: str) -> bytes:
    return bytes(env.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())


def keys(env: StorageEnv) -> list[str]:
    return [o["Key"] for o in env.s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


async def test_dry_run_reports_and_changes_nothing(env: StorageEnv) -> None:
    (env.outbox / "a.txt").write_bytes(b"aaa")
    (env.outbox / "b.txt").write_bytes(b"bb")
    events, sent = await run_action(env.action(ActionSyncFolder), ask("what would sync do for transfer-bucket",
                                                                      "sync_folder", bucket=BUCKET))
    assert asked_nothing(events)
    assert only_text(sent) == (
        "Syncing the outbox to s3://transfer-bucket/: 2 new (5 B), 0 changed (0 B), 0 unchanged.\n"
        "Dry run: nothing was uploaded. Say \"sync my outbox to transfer-bucket\" to do it."
    )
    assert keys(env) == [] and env.audit_lines() == []


async def test_sync_shows_the_plan_asks_then_uploads_new_and_changed_only(env: StorageEnv) -> None:
    (env.outbox / "a.txt").write_bytes(b"aaa")
    (env.outbox / "b.txt").write_bytes(b"bb")
    env.s3.put_object(Bucket=BUCKET, Key="a.txt", Body=b"aaa")  # unchanged
    env.s3.put_object(Bucket=BUCKET, Key="remote-only.txt", Body=b"r")
    events, sent = await run_action(env.action(ActionSyncFolder), ask("sync my outbox to transfer-bucket",
                                                                      "sync_folder", bucket=BUCKET))
    assert sent[0]["text"] == (
        "Syncing the outbox to s3://transfer-bucket/: 1 new (2 B), 0 changed (0 B), 1 unchanged.\n"
        "Sync never deletes: 1 object in the bucket without a local file will stay.\n"
        "Upload 1 file (2 B)?"
    )
    pending = pending_of(events)
    assert "style" not in sent[0]["buttons"][0]  # only a new file: nothing is replaced
    assert change_of(pending) == {"kind": "sync_folder", "bucket": BUCKET, "prefix": ""}
    assert sorted(keys(env)) == ["a.txt", "remote-only.txt"]

    _, sent = await env.say_yes(pending)
    assert only_text(sent) == "Synced the outbox to s3://transfer-bucket/: uploaded 1 file (2 B); 1 already up to date."
    assert body(env, "b.txt") == b"bb"
    [line] = env.audit_lines()
    assert (line["action"], line["result"]) == ("sync_folder", "ok")
    assert line["parameters"]["uploaded"] == 1 and line["parameters"]["uploaded_bytes"] == 2


    (env.outbox / "b.txt").write_bytes(b"changed")
    events, sent = await run_action(env.action(ActionSyncFolder), ask("sync", "sync_folder", bucket=BUCKET))
    assert "0 new (0 B), 1 changed (7 B), 1 unchanged" in sent[0]["text"]
    assert sent[0]["buttons"][0]["style"] == "danger"  # a changed file replaces its object


async def test_sync_with_nothing_new(env: StorageEnv) -> None:
    (env.outbox / "a.txt").write_bytes(b"aaa")
    env.s3.put_object(Bucket=BUCKET, Key="a.txt", Body=b"aaa")
    events, sent = await run_action(env.action(ActionSyncFolder), ask("sync", "sync_folder", bucket=BUCKET))
    assert asked_nothing(events)
    assert only_text(sent) == "Everything in the outbox is already in s3://transfer-bucket/ - nothing to upload."


async def test_sync_no_uploads_nothing_and_a_missing_bucket_is_explained(env: StorageEnv) -> None:
    (env.outbox / "a.txt").write_bytes(b"aaa")
    events, _ = await run_action(env.action(ActionSyncFolder), ask("sync", "sync_folder", bucket=BUCKET))
    await env.say_no(pending_of(events))
    assert keys(env) == []
    _, sent = await run_action(env.action(ActionSyncFolder), ask("sync", "sync_folder", bucket="ghost-bucket"))
    assert only_text(sent).startswith("There is no bucket called ghost-bucket")
    _, sent = await run_action(env.action(ActionSyncFolder), ask("sync outbox", "sync_folder"))
    assert only_text(sent) == wording.NEED_BUCKET.format(example="sync my outbox to bucket my-project-bucket")


async def test_big_sync_runs_in_the_background_and_audits_once(env: StorageEnv) -> None:
    for n in range(3):
        (env.outbox / f"f{n}.txt").write_bytes(b"x" * 100)
    posts = Posts()
    handler = env.action(ActionSyncFolder)
    handler.background_files = 2
    handler.jobs = env.runner(posts)
    _, sent = await env.say_yes({"kind": "sync_folder", "bucket": BUCKET, "prefix": "backup/"}, handler=handler)
    assert only_text(sent) == (
        "Syncing 3 files (300 B) to s3://transfer-bucket/backup/ - I'll post progress here."
        ' Say "stop" to stop it.'
    )
    await handler.jobs.wait()
    assert posts.texts[-1] == (
        "Synced the outbox to s3://transfer-bucket/backup/: uploaded 3 files (300 B); 0 already up to date."
    )
    assert sorted(keys(env)) == ["backup/f0.txt", "backup/f1.txt", "backup/f2.txt"]
    assert len(env.audit_lines()) == 1

    assert posts.counts and all(c["unit"] == "files" and c["total"] == 3 and 0 <= c["done"] < 3 for c in posts.counts)
    assert all(t.startswith("Syncing to s3://transfer-bucket/backup/: ") and " of 3 files done (" in t
               for t in posts.texts[:-1])


async def test_one_named_file_of_the_outbox_is_an_upload_of_it_asking_before_replacing(env: StorageEnv) -> None:
    (env.outbox / "notes.txt").write_bytes(b"new notes")
    (env.outbox / "other.txt").write_bytes(b"not this one")
    env.s3.put_object(Bucket=BUCKET, Key="notes.txt", Body=b"old")
    events, sent = await run_action(env.action(ActionSyncFolder), ask(
        f"push notes.txt to {BUCKET} again", "sync_folder", bucket=BUCKET, file="notes.txt"))
    text = only_text(sent)
    assert text.startswith(f"Upload to {BUCKET}?\n- notes.txt (9 B) -> s3://{BUCKET}/notes.txt - REPLACES the existing "
                           "object (3 B, last modified ")
    assert sent[0]["buttons"][0]["title"] == "Yes, upload and replace"
    assert sent[0]["buttons"][0]["style"] == "danger"  # it replaces data: the yes looks it
    pending = pending_of(events)
    assert change_of(pending)["kind"] == "upload_file" and len(change_of(pending)["files"]) == 1
    _, sent = await env.say_yes(pending)
    assert only_text(sent) == f"Uploaded notes.txt (9 B) to s3://{BUCKET}/notes.txt, replacing the previous object."
    assert sorted(keys(env)) == ["notes.txt"] and body(env, "notes.txt") == b"new notes"
    assert [line["action"] for line in env.audit_lines()] == ["upload_file"]


async def test_an_empty_outbox_has_nothing_to_sync(env: StorageEnv) -> None:
    events, sent = await run_action(env.action(ActionSyncFolder), ask("sync my outbox", "sync_folder", bucket=BUCKET))
    assert asked_nothing(events)
    assert only_text(sent) == (
        f"The outbox folder ({env.outbox}) has no files, so there is nothing to sync. Nothing was changed."
    )


async def test_upload_it_again_uploads_the_file_the_conversation_talks_about(env: StorageEnv) -> None:
    (env.outbox / "notes.txt").write_bytes(b"new notes")
    env.s3.put_object(Bucket=BUCKET, Key="notes.txt", Body=b"old")
    talked = {"bucket": BUCKET, "object": {"bucket": BUCKET, "key": "notes.txt"}}
    events, sent = await run_action(env.action(ActionUploadFile), ask(
        "upload it again", "upload_file", slots={"context": talked}, file="it"))
    assert only_text(sent).startswith(
        f"Upload to {BUCKET}?\n- notes.txt (9 B) -> s3://{BUCKET}/notes.txt - REPLACES the existing object (3 B,")
    assert change_of(pending_of(events))["files"][0]["key"] == "notes.txt"


async def test_upload_it_again_without_the_file_in_the_outbox_says_what_is_there(env: StorageEnv) -> None:
    (env.outbox / "other.txt").write_bytes(b"x")
    talked = {"bucket": BUCKET, "object": {"bucket": BUCKET, "key": "reports/notes.txt"}}
    events, sent = await run_action(env.action(ActionUploadFile), ask(
        "upload it again", "upload_file", slots={"context": talked}))
    assert asked_nothing(events)
    assert only_text(sent) == f"I can't find notes.txt in the outbox folder ({env.outbox}). Files in the outbox: other.txt."
