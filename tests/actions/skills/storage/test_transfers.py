"""Upload and download (with restore offer) against moto: confirmations, path safety, no-overwrite rules,
presigned links and attachments, background jobs, audit lines."""
from __future__ import annotations

import json
import os
import re
import shutil
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from actions.aws.clients import ClientFactory
from actions.core import wording
from actions.core.confirmation import change_of
from actions.skills import conversation
from actions.skills.conversation import ActionCancel
from actions.skills.storage import wording as say
from actions.skills.storage.objects import ActionRestoreObject
from actions.skills.storage.sync import ActionSyncFolder
from actions.skills.storage.transfers import ActionDownloadFile, ActionUploadFile
from tests.actions.harness import answer_to, run_action, talked_about, tracker_for, yes_payload
from tests.actions.skills.storage.support import (
    SENDER,
    Posts,
    StorageEnv,
    ask,
    fail_with,
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


# --- upload ----------------------------------------------------------------------------------------------------------
async def test_upload_asks_then_uploads_and_audits_once(env: StorageEnv) -> None:
    (env.outbox / "report.pdf").write_bytes(b"%PDF-1.7 hello")
    events, sent = await run_action(env.action(ActionUploadFile), ask("upload report.pdf to b", "upload_file",
                                                                      file="report.pdf", bucket=BUCKET))
    assert sent[0]["text"] == "Upload to transfer-bucket?\n- report.pdf (14 B) -> s3://transfer-bucket/report.pdf"
    pending = pending_of(events)
    assert sent[0]["buttons"][0] == {"title": "Yes, upload", "payload": yes_payload(pending)}
    # The slot (kept in the tracker) names the file inside its folder, never a server path.
    assert change_of(pending) == {"kind": "upload_file", "bucket": BUCKET, "files": [{
        "source": "report.pdf", "name": "report.pdf", "key": "report.pdf", "size": 14, "replace": False,
        "attached": False}]}
    assert keys(env) == []

    _, sent = await env.say_yes(pending)
    assert only_text(sent) == "Uploaded report.pdf (14 B) to s3://transfer-bucket/report.pdf."
    assert body(env, "report.pdf") == b"%PDF-1.7 hello"
    [line] = env.audit_lines()
    assert (line["action"], line["result"]) == ("upload_file", "ok")
    assert line["parameters"] == {"bucket": BUCKET, "key": "report.pdf", "file": "report.pdf", "replace": False,
                                  "size": 14}


async def test_upload_no_uploads_nothing(env: StorageEnv) -> None:
    (env.outbox / "report.pdf").write_bytes(b"x")
    events, _ = await run_action(env.action(ActionUploadFile), ask("upload", "upload_file", file="report.pdf",
                                                                   bucket=BUCKET))
    await env.say_no(pending_of(events))
    assert keys(env) == [] and env.audit_lines() == []


async def test_key_is_the_file_name_even_from_a_sub_folder(env: StorageEnv) -> None:
    (env.outbox / "reports" / "2024").mkdir(parents=True)
    (env.outbox / "reports" / "2024" / "q1.pdf").write_bytes(b"q1")
    events, _ = await run_action(env.action(ActionUploadFile), ask("upload", "upload_file",
                                                                   file="reports/2024/q1.pdf", bucket=BUCKET))
    assert pending_of(events)["files"][0]["key"] == "q1.pdf"


async def test_existing_key_is_only_replaced_after_saying_so(env: StorageEnv) -> None:
    env.s3.put_object(Bucket=BUCKET, Key="report.pdf", Body=b"old version")
    (env.outbox / "report.pdf").write_bytes(b"new")
    events, sent = await run_action(env.action(ActionUploadFile), ask("upload", "upload_file", file="report.pdf",
                                                                      bucket=BUCKET))
    assert re.fullmatch(
        r"Upload to transfer-bucket\?\n- report\.pdf \(3 B\) -> s3://transfer-bucket/report\.pdf - REPLACES the "
        r"existing object \(11 B, last modified \d{4}-\d\d-\d\d \d\d:\d\d UTC\)",
        sent[0]["text"],
    )
    assert sent[0]["buttons"][0]["title"] == "Yes, upload and replace"
    pending = pending_of(events)
    assert pending["files"][0]["replace"] is True
    assert body(env, "report.pdf") == b"old version"
    _, sent = await env.say_yes(pending)
    assert only_text(sent) == "Uploaded report.pdf (3 B) to s3://transfer-bucket/report.pdf, replacing the previous object."
    assert body(env, "report.pdf") == b"new"


async def test_a_key_that_appeared_after_the_question_is_not_overwritten(env: StorageEnv) -> None:
    (env.outbox / "report.pdf").write_bytes(b"mine")
    events, _ = await run_action(env.action(ActionUploadFile), ask("upload", "upload_file", file="report.pdf",
                                                                   bucket=BUCKET))
    env.s3.put_object(Bucket=BUCKET, Key="report.pdf", Body=b"someone else's")
    _, sent = await env.say_yes(pending_of(events))
    assert only_text(sent).startswith("Could not upload report.pdf: s3://transfer-bucket/report.pdf already exists")
    assert body(env, "report.pdf") == b"someone else's"
    [line] = env.audit_lines()
    assert (line["result"], line["detail"]) == ("error", "object_exists")


@pytest.mark.parametrize(
    "name,expected",
    [
        ("../secret.txt", "I only use files inside my outbox folder, so \"../secret.txt\" (it contains ..) is refused."),
        ("/etc/passwd", "I only use files inside my outbox folder, so \"/etc/passwd\" (an absolute path) is refused."),
        ("link.txt", "\"link.txt\" leads outside my outbox folder (through a link), so I refused it."),
    ],
)
async def test_paths_leading_out_of_the_outbox_are_refused(env: StorageEnv, name: str, expected: str) -> None:
    secret = env.root / "secret.txt"
    secret.write_bytes(b"do not upload")
    os.symlink(secret, env.outbox / "link.txt")
    events, sent = await run_action(env.action(ActionUploadFile), ask(f"upload {name}", "upload_file", file=name,
                                                                      bucket=BUCKET))
    assert events == [talked_about(bucket=BUCKET, skill="action_upload_file")]
    assert only_text(sent) == f"{expected} Nothing was changed."
    assert keys(env) == [] and env.audit_lines() == []


async def test_a_tampered_pending_source_is_refused_at_upload_time(env: StorageEnv) -> None:
    secret = env.root / "secret.txt"
    secret.write_bytes(b"do not upload")
    pending = {"kind": "upload_file", "bucket": BUCKET, "files": [
        {"source": str(secret), "name": "secret.txt", "key": "secret.txt", "size": 13, "replace": False}]}
    _, sent = await env.say_yes(pending)
    assert "leads outside my outbox folder" in only_text(sent)
    assert keys(env) == []


async def test_missing_file_lists_what_the_outbox_has(env: StorageEnv) -> None:
    (env.outbox / "a.txt").write_bytes(b"a")
    (env.outbox / "b.csv").write_bytes(b"b")
    _, sent = await run_action(env.action(ActionUploadFile), ask("upload", "upload_file", file="c.txt", bucket=BUCKET))
    assert only_text(sent) == (
        f"I can't find c.txt in the outbox folder ({env.outbox}). Files in the outbox: a.txt, b.csv."
    )


async def test_upload_without_file_or_bucket_explains_what_to_type(env: StorageEnv) -> None:
    _, sent = await run_action(env.action(ActionUploadFile), ask("upload a file", "upload_file"))
    assert only_text(sent) == say.NEED_UPLOAD_FILE.format(folder=env.outbox) + " " + say.OUTBOX_EMPTY
    (env.outbox / "a.txt").write_bytes(b"a")
    _, sent = await run_action(env.action(ActionUploadFile), ask("upload a.txt", "upload_file", file="a.txt"))
    assert only_text(sent) == say.UPLOAD_NEED_BUCKET.format(name="a.txt")


async def test_upload_to_missing_bucket(env: StorageEnv) -> None:
    (env.outbox / "a.txt").write_bytes(b"a")
    _, sent = await run_action(env.action(ActionUploadFile), ask("upload", "upload_file", file="a.txt",
                                                                 bucket="ghost-bucket"))
    assert only_text(sent).startswith("There is no bucket called ghost-bucket")


ATTACHED = "web-20250101T120000-0123abcd"


def attach(env: StorageEnv, name: str = "photo.png", data: bytes = b"\x89PNG data", *,
           folder: str = ATTACHED) -> dict[str, Any]:
    """What a connector puts in the message metadata after saving an attachment: a path relative to the inbox."""
    (env.inbox / folder).mkdir(exist_ok=True)
    (env.inbox / folder / name).write_bytes(data)
    return {"attachments": [{"name": name, "path": f"{folder}/{name}", "size": len(data),
                             "content_type": "image/png"}]}


async def test_chat_attachments_upload_from_the_inbox_which_forgets_them(env: StorageEnv) -> None:
    other = attach(env, "other.png", folder="web-20250101T120000-0123abce")  # someone else's, waiting for a yes
    events, sent = await run_action(env.action(ActionUploadFile), ask("upload this to b", "upload_file",
                                                                      metadata=attach(env), bucket=BUCKET))
    assert sent[0]["text"] == "Upload to transfer-bucket?\n- photo.png (9 B) -> s3://transfer-bucket/photo.png"
    assert pending_of(events)["files"] == [{"source": f"{ATTACHED}/photo.png", "name": "photo.png",
                                            "key": "photo.png", "size": 9, "replace": False, "attached": True}]
    assert (env.inbox / ATTACHED).is_dir()  # kept until the answer
    await env.say_yes(pending_of(events))
    assert body(env, "photo.png") == b"\x89PNG data"
    assert env.s3.head_object(Bucket=BUCKET, Key="photo.png")["ContentType"] == "image/png"
    assert sorted(p.name for p in env.inbox.iterdir()) == [other["attachments"][0]["path"].split("/")[0]]


async def test_a_failed_attachment_upload_forgets_it_too(env: StorageEnv) -> None:
    events, _ = await run_action(env.action(ActionUploadFile), ask("upload this to b", "upload_file",
                                                                   metadata=attach(env), bucket=BUCKET))
    fail_with(env.s3, "PutObject", "AccessDenied")
    _, sent = await env.say_yes(pending_of(events))
    assert only_text(sent).startswith("Could not upload photo.png:")
    assert keys(env) == [] and list(env.inbox.iterdir()) == []


async def test_a_background_attachment_upload_forgets_it_when_done(env: StorageEnv) -> None:
    events, _ = await run_action(env.action(ActionUploadFile), ask("upload this to b", "upload_file",
                                                                   metadata=attach(env, data=b"z" * 4096),
                                                                   bucket=BUCKET))
    posts = Posts()
    handler = env.action(ActionUploadFile)
    handler.background_bytes = 1024
    handler.jobs = env.runner(posts)
    await env.say_yes(pending_of(events), handler=handler)
    await handler.jobs.wait()
    assert posts.sent[-1] == (SENDER, "Uploaded photo.png (4 KB) to s3://transfer-bucket/photo.png.")
    assert list(env.inbox.iterdir()) == []


async def test_an_attachment_without_a_bucket_asks_to_send_it_again(env: StorageEnv) -> None:
    events, sent = await run_action(env.action(ActionUploadFile), ask("upload photo.png", "upload_file",
                                                                      metadata=attach(env), file="photo.png"))
    assert events == []
    assert only_text(sent) == say.UPLOAD_NEED_BUCKET_ATTACHED.format(name="photo.png")
    assert list(env.inbox.iterdir()) == []  # it will be sent again: this copy is of no further use


async def test_an_attachment_for_a_missing_bucket_is_forgotten(env: StorageEnv) -> None:
    _, sent = await run_action(env.action(ActionUploadFile), ask("upload this", "upload_file", metadata=attach(env),
                                                                 bucket="ghost-bucket"))
    assert only_text(sent).startswith("There is no bucket called ghost-bucket")
    assert list(env.inbox.iterdir()) == []


async def test_a_yes_after_the_attachment_expired_says_so(env: StorageEnv) -> None:
    events, _ = await run_action(env.action(ActionUploadFile), ask("upload this to b", "upload_file",
                                                                   metadata=attach(env), bucket=BUCKET))
    shutil.rmtree(env.inbox / ATTACHED)  # swept: older than CLOUDBUTLER_INBOX_TTL_MINUTES
    _, sent = await env.say_yes(pending_of(events))
    assert only_text(sent) == say.ATTACHMENT_GONE.format(name="photo.png")
    assert keys(env) == [] and env.audit_lines() == []


async def test_no_slot_keeps_a_server_path_or_a_signed_link(env: StorageEnv) -> None:
    """Slots live in the tracker store: server paths and presigned links may be said, never kept."""
    (env.outbox / "a.txt").write_bytes(b"a")
    env.s3.put_object(Bucket=BUCKET, Key="q1.pdf", Body=b"q1")
    runs = [
        (ActionUploadFile, ask("upload a.txt to b", "upload_file", file="a.txt", bucket=BUCKET)),
        (ActionUploadFile, ask("upload this to b", "upload_file", metadata=attach(env), bucket=BUCKET)),
        (ActionSyncFolder, ask("sync my outbox to b", "sync_folder", bucket=BUCKET)),
        (ActionDownloadFile, ask("download q1.pdf", "download_file", file="q1.pdf", bucket=BUCKET)),
    ]
    for cls, tracker in runs:
        events, sent = await run_action(env.action(cls), tracker)
        kept = json.dumps(events)
        assert str(env.root) not in kept and str(env.root.resolve()) not in kept and "Signature" not in kept, kept
    assert "Signature" in only_text(sent)  # the download's link is said


async def test_a_pending_upload_never_leaves_its_folder(env: StorageEnv) -> None:
    """The slot is ours, but a tampered or stale one must not reach outside the outbox or the inbox."""
    (env.root / "secret.txt").write_bytes(b"secret")
    for source, attached in (("../secret.txt", False), (str(env.root / "secret.txt"), True), ("../secret.txt", True)):
        pending = {"kind": "upload_file", "bucket": BUCKET, "files": [
            {"source": source, "name": "secret.txt", "key": "secret.txt", "size": 6, "replace": False,
             "attached": attached}]}
        _, sent = await env.say_yes(pending)
        assert "refused" in only_text(sent)
    assert keys(env) == [] and (env.root / "secret.txt").exists()


async def test_an_attachment_outside_the_inbox_is_refused(env: StorageEnv) -> None:
    outside = env.root / "elsewhere.txt"
    outside.write_bytes(b"no")
    for path in (str(outside), "../elsewhere.txt", f"{ATTACHED}/../../elsewhere.txt"):
        metadata = {"attachments": [{"name": "elsewhere.txt", "path": path}]}
        events, sent = await run_action(env.action(ActionUploadFile), ask("upload this", "upload_file",
                                                                          metadata=metadata, bucket=BUCKET))
        assert events == [talked_about(bucket=BUCKET, skill="action_upload_file")]
        assert only_text(sent) == (
            "\"elsewhere.txt\" leads outside my inbox folder (through a link), so I refused it. Nothing was changed."
        )
    assert outside.read_bytes() == b"no"


async def test_big_upload_replies_at_once_and_reports_from_the_background(env: StorageEnv) -> None:
    (env.outbox / "big.bin").write_bytes(b"z" * 4096)
    events, _ = await run_action(env.action(ActionUploadFile), ask("upload", "upload_file", file="big.bin",
                                                                   bucket=BUCKET))
    posts = Posts()
    handler = env.action(ActionUploadFile)
    handler.background_bytes = 1024
    handler.jobs = env.runner(posts)
    _, sent = await env.say_yes(pending_of(events), handler=handler)
    assert only_text(sent) == (
        "Uploading big.bin (4 KB) to transfer-bucket - I'll post progress here."
        ' Say "stop" to stop it.'
    )
    await handler.jobs.wait()
    assert posts.sent[-1] == (SENDER, "Uploaded big.bin (4 KB) to s3://transfer-bucket/big.bin.")
    assert body(env, "big.bin") == b"z" * 4096
    assert [(x["action"], x["result"]) for x in env.audit_lines()] == [("upload_file", "ok")]


async def test_stop_ends_a_background_upload_and_keeps_no_part_of_it(env: StorageEnv) -> None:
    (env.outbox / "big.bin").write_bytes(os.urandom(20 * 1024 * 1024))  # two 16 MB parts
    events, _ = await run_action(env.action(ActionUploadFile), ask("upload", "upload_file", file="big.bin",
                                                                   bucket=BUCKET))
    said_stop = threading.Event()

    def first_part_waits_for_stop(**_: Any) -> None:
        said_stop.wait(10)

    env.s3.meta.events.register("before-call.s3.UploadPart", first_part_waits_for_stop)
    try:
        posts = Posts()
        handler = env.action(ActionUploadFile)
        handler.background_bytes = 1024
        handler.jobs = env.runner(posts)
        await env.say_yes(pending_of(events), handler=handler)

        _, sent = await run_action(ActionCancel(), tracker_for("stop the upload", intent="deny", sender_id=SENDER))
        assert only_text(sent) == conversation.STOPPING.format(what="the upload of big.bin")
        said_stop.set()
        await handler.jobs.wait()
    finally:
        said_stop.set()
        env.s3.meta.events.unregister("before-call.s3.UploadPart", first_part_waits_for_stop)
    assert posts.sent[-1] == (SENDER, wording.STOPPED.format(what="the upload of big.bin"))
    assert keys(env) == []
    assert not env.s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads")
    [line] = env.audit_lines()
    assert (line["action"], line["result"], line["detail"]) == ("upload_file", "aborted", "stopped")

    # Nothing is running any more: "stop" says so and changes nothing.
    _, sent = await run_action(ActionCancel(), tracker_for("stop", intent="deny", sender_id=SENDER))
    assert only_text(sent) == conversation.NOTHING_TO_CANCEL


# --- download --------------------------------------------------------------------------------------------------------
async def test_download_saves_links_and_attaches_small_files(env: StorageEnv) -> None:
    env.s3.put_object(Bucket=BUCKET, Key="reports/q1.pdf", Body=b"%PDF q1")
    events, sent = await run_action(env.action(ActionDownloadFile), ask("download", "download_file",
                                                                        file="reports/q1.pdf", bucket=BUCKET))
    assert events == [talked_about(bucket=BUCKET, key="reports/q1.pdf", skill="action_download_file")]
    saved = env.downloads / "q1.pdf"
    assert saved.read_bytes() == b"%PDF q1"
    lines = only_text(sent).splitlines()
    assert lines[0] == f"Downloaded s3://transfer-bucket/reports/q1.pdf (7 B) to {saved.resolve()}."
    match = re.fullmatch(r"Download link, valid for 60 minutes \(until \d{4}-\d\d-\d\d \d\d:\d\d UTC\): (\S+)",
                         lines[1])
    assert match
    query = parse_qs(urlsplit(match.group(1)).query)
    # SigV2 links carry the moment they expire, SigV4 links the lifetime; either way one hour from now.
    lifetime = int(query["X-Amz-Expires"][0]) if "X-Amz-Expires" in query else int(query["Expires"][0]) - time.time()
    assert 3590 <= lifetime <= 3600
    assert requests.get(match.group(1), timeout=10).content == b"%PDF q1"
    assert lines[2] == say.DOWNLOAD_ATTACHED
    attachment = sent[0]["attachment"]
    assert attachment.startswith("/media/")  # the one media URL form (common.media), whatever the channel
    media_file = env.media / attachment.removeprefix("/media/")
    assert re.fullmatch(r"[0-9a-f]{16}-q1\.pdf", media_file.name)
    assert media_file.read_bytes() == b"%PDF q1"
    assert env.audit_lines() == []  # reading changes nothing in AWS


async def test_a_key_whose_name_is_too_long_for_a_local_file_gets_a_plain_answer(env: StorageEnv) -> None:
    long_name = "g" * 300 + ".pdf"
    env.s3.put_object(Bucket=BUCKET, Key=f"reports/{long_name}", Body=b"%PDF")
    events, sent = await run_action(env.action(ActionDownloadFile), ask("download", "download_file",
                                                                        file=f"reports/{long_name}", bucket=BUCKET))
    assert events == [talked_about(bucket=BUCKET, key=f"reports/{long_name}", skill="action_download_file")]
    assert only_text(sent) == say.unsafe_path({"reason": "name_too_long", "path": "g" * 57 + "..."},
                                              folder="downloads")
    assert "longer than the 255 bytes" in only_text(sent)
    assert not env.downloads.exists() or list(env.downloads.iterdir()) == []
    assert not env.media.exists() or list(env.media.iterdir()) == []

    _, sent = await run_action(env.action(ActionUploadFile), ask("upload", "upload_file", file=long_name,
                                                                 bucket=BUCKET))
    assert only_text(sent) == say.unsafe_path({"reason": "name_too_long", "path": "g" * 57 + "..."})
    assert keys(env) == [f"reports/{long_name}"]


async def test_download_never_overwrites_a_local_file(env: StorageEnv) -> None:
    env.s3.put_object(Bucket=BUCKET, Key="notes.txt", Body=b"from s3")
    env.downloads.mkdir()
    (env.downloads / "notes.txt").write_bytes(b"local work")
    _, sent = await run_action(env.action(ActionDownloadFile), ask("download", "download_file", file="notes.txt",
                                                                   bucket=BUCKET))
    assert (env.downloads / "notes.txt").read_bytes() == b"local work"
    assert (env.downloads / "notes (1).txt").read_bytes() == b"from s3"
    assert "notes.txt already existed in the downloads folder, so I saved it as notes (1).txt instead." in sent[0]["text"]


async def test_large_download_is_not_attached(env: StorageEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("actions.skills.storage.transfers.ATTACH_MAX_BYTES", 4)
    env.s3.put_object(Bucket=BUCKET, Key="big.bin", Body=b"12345")
    _, sent = await run_action(env.action(ActionDownloadFile), ask("download", "download_file", file="big.bin",
                                                                   bucket=BUCKET))
    assert "attachment" not in sent[0] or not sent[0]["attachment"]
    assert not env.media.exists()


async def test_big_download_runs_in_the_background(env: StorageEnv) -> None:
    env.s3.put_object(Bucket=BUCKET, Key="big.bin", Body=b"q" * 2048)
    posts = Posts()
    action = env.action(ActionDownloadFile)
    action.background_bytes = 1024
    action.jobs = env.runner(posts)
    _, sent = await run_action(action, ask("download", "download_file", file="big.bin", bucket=BUCKET))
    assert only_text(sent) == (
        "Downloading s3://transfer-bucket/big.bin (2 KB) - I'll post progress here."
        ' Say "stop" to stop it.'
    )
    await action.jobs.wait()
    final = posts.texts[-1]
    assert final.startswith(f"Downloaded s3://transfer-bucket/big.bin (2 KB) to {(env.downloads / 'big.bin').resolve()}.")
    assert "Download link, valid for 60 minutes" in final
    assert (env.downloads / "big.bin").read_bytes() == b"q" * 2048


async def test_archived_object_offers_a_restore_which_is_confirmed_and_audited(env: StorageEnv) -> None:
    env.s3.put_object(Bucket=BUCKET, Key="old.tar.gz", Body=b"cold", StorageClass="GLACIER")
    events, sent = await run_action(env.action(ActionDownloadFile), ask("download", "download_file",
                                                                        file="old.tar.gz", bucket=BUCKET))
    assert sent[0]["text"] == (
        "s3://transfer-bucket/old.tar.gz is stored in GLACIER, an archive class: it must be restored before it can "
        "be downloaded. A Standard restore takes about 3-5 hours and keeps a readable copy for 7 days (retrieval is "
        "billed). Start the restore? Faster or cheaper: Bulk (5-12 hours, cheapest), Expedited (1-5 minutes, "
        "costliest)."
    )
    pending = pending_of(events)
    assert sent[0]["buttons"] == [
        {"title": "Yes, restore it", "payload": yes_payload(pending)},
        {"title": "Bulk restore (5-12 hours)", "payload": yes_payload(pending, tier="Bulk")},
        {"title": "Expedited restore (1-5 minutes)", "payload": yes_payload(pending, tier="Expedited")},
        {"title": "No, cancel", "payload": "/deny"},
    ]
    assert change_of(pending) == {"kind": "restore_object", "bucket": BUCKET, "key": "old.tar.gz", "days": 7,
                       "tier": "Standard", "tiers": ["Standard", "Bulk", "Expedited"], "storage_class": "GLACIER"}
    assert not env.downloads.exists()
    assert "Restore" not in env.s3.head_object(Bucket=BUCKET, Key="old.tar.gz")

    _, sent = await env.say_yes(pending)
    assert only_text(sent) == (
        "Restore of s3://transfer-bucket/old.tar.gz started (Standard, usually about 3-5 hours); the copy stays "
        "readable for 7 days. Ask me to download it again once it is ready."
    )
    assert "Restore" in env.s3.head_object(Bucket=BUCKET, Key="old.tar.gz")
    [line] = env.audit_lines()
    assert (line["action"], line["result"], line["parameters"]["status"]) == ("restore_object", "ok", "started")


async def test_a_tier_button_restores_with_that_tier_and_deep_archive_offers_no_expedited(env: StorageEnv) -> None:
    env.s3.put_object(Bucket=BUCKET, Key="tape.tar", Body=b"frozen", StorageClass="DEEP_ARCHIVE")
    events, sent = await run_action(env.action(ActionRestoreObject), ask("restore", "download_file", file="tape.tar",
                                                                         bucket=BUCKET))
    assert only_text(sent).endswith("Faster or cheaper: Bulk (48 hours, cheapest).")
    pending = pending_of(events)
    assert [b["payload"] for b in sent[0]["buttons"]] == [yes_payload(pending), yes_payload(pending, tier="Bulk"),
                                                         "/deny"]

    # "Expedited" is not on offer for Deep Archive: an entity naming it (typed, or a stale button) changes nothing.
    restores: list[str] = []

    def tier_of(params: dict[str, Any], **_: Any) -> None:
        restores.append(params["RestoreRequest"]["GlacierJobParameters"]["Tier"])

    env.s3.meta.events.register("provide-client-params.s3.RestoreObject", tier_of)
    try:
        confirm = env.confirm()
        _, sent = await run_action(confirm, answer_to(pending, '/affirm{"tier": "Expedited"}',
                                                      entities=[{"entity": "tier", "value": "Expedited"}],
                                                      sender_id=SENDER))
        assert restores == ["Standard"]
        env.s3.put_object(Bucket=BUCKET, Key="tape2.tar", Body=b"frozen", StorageClass="DEEP_ARCHIVE")
        bulk = yes_payload(pending, tier="Bulk")  # the button, clicked after other messages: its token counts
        _, sent = await run_action(confirm, answer_to(
            {**pending, "key": "tape2.tar"}, bulk, between=[{"event": "bot", "text": "Restore of tape.tar started"}],
            entities=[{"entity": "tier", "value": "Bulk"}, {"entity": "confirm", "value": pending["question"]["token"]}],
            sender_id=SENDER))
    finally:
        env.s3.meta.events.unregister("provide-client-params.s3.RestoreObject", tier_of)
    assert restores == ["Standard", "Bulk"]
    assert only_text(sent) == (
        "Restore of s3://transfer-bucket/tape2.tar started (Bulk, usually about 48 hours); the copy stays "
        "readable for 7 days. Ask me to download it again once it is ready."
    )
    assert [line["parameters"]["tier"] for line in env.audit_lines()] == ["Standard", "Bulk"]


async def test_restore_no_and_restore_of_a_plain_object(env: StorageEnv) -> None:
    env.s3.put_object(Bucket=BUCKET, Key="old.tar.gz", Body=b"cold", StorageClass="DEEP_ARCHIVE")
    await env.say_no({"kind": "restore_object", "bucket": BUCKET, "key": "old.tar.gz", "days": 7, "tier": "Standard"})
    assert "Restore" not in env.s3.head_object(Bucket=BUCKET, Key="old.tar.gz")
    env.s3.put_object(Bucket=BUCKET, Key="warm.txt", Body=b"warm")
    _, sent = await run_action(env.action(ActionRestoreObject), ask("restore", "download_file", file="warm.txt",
                                                                    bucket=BUCKET))
    assert only_text(sent) == (
        "s3://transfer-bucket/warm.txt is in STANDARD and can be downloaded directly - no restore needed."
    )


async def test_download_needs_both_names_and_explains_a_missing_key(env: StorageEnv) -> None:
    _, sent = await run_action(env.action(ActionDownloadFile), ask("download a file", "download_file"))
    assert only_text(sent) == say.DOWNLOAD_NEED
    _, sent = await run_action(env.action(ActionDownloadFile), ask("download", "download_file", file="x.txt",
                                                                   bucket=BUCKET))
    assert only_text(sent).startswith("There is no object x.txt in bucket transfer-bucket.")
    assert not env.downloads.exists()
