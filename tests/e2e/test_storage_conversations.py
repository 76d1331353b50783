"""End-to-end storage conversations through the REST channel with real user text: a bucket's whole life, from the
form that asks for its name to the double confirmation that deletes it, checked against S3 and the audit log."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from launcher.stack import Stack
from tests.e2e.assistant import Conversation

pytestmark = pytest.mark.e2e

BUCKET = "team-reports-e2e"


def s3_of(stack: Stack) -> Any:
    return boto3.client("s3", endpoint_url=stack.aws_endpoint, region_name="us-east-1",
                        aws_access_key_id="x", aws_secret_access_key="x")


def buckets(stack: Stack) -> list[str]:
    return [b["Name"] for b in s3_of(stack).list_buckets()["Buckets"]]


def text_of(replies: list[dict[str, Any]]) -> str:
    return "\n".join(r.get("text", "") for r in replies if r.get("text"))


def audit_of(stack: Stack, sender: str) -> list[tuple[str, str, dict[str, Any]]]:
    path = Path(stack.env["CLOUDBUTLER_AUDIT_LOG"])
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []
    return [(x["action"], x["result"], x["parameters"]) for x in outcomes(lines, sender)]


def outcomes(lines: list[dict[str, Any]], sender: str) -> list[dict[str, Any]]:
    """The sender's outcome lines, each checked to follow its "attempted" line (same id)."""
    mine = [x for x in lines if x["sender"] == sender]
    attempted = {x["id"] for x in mine if x["result"] == "attempted"}
    done = [x for x in mine if x["result"] != "attempted"]
    assert all(x["id"] in attempted for x in done), mine
    return done


def test_a_bucket_from_creation_to_deletion(chat: Conversation, stack: Stack) -> None:
    # The form asks for the missing name, refuses a bad one naming the rule, then asks before creating.
    assert "What should the new bucket be called?" in chat.say_text("create a bucket")
    refused = chat.say_text("Bad_Bucket!")
    assert "\"Bad_Bucket\" contains characters S3 doesn't allow" in refused
    assert "What should the new bucket be called?" in refused
    replies = chat.say(BUCKET)
    assert text_of(replies) == (
        f"Create bucket {BUCKET} in us-east-1? It gets default encryption (SSE-S3) and Block Public Access on all "
        "four settings."
    )
    yes, no = replies[0]["buttons"]
    assert yes["payload"].startswith('/affirm{"confirm":"') and no["payload"] == "/deny"
    assert BUCKET not in buckets(stack)
    assert chat.say_text("yes") == (
        f"Created bucket {BUCKET} in us-east-1 with default encryption (SSE-S3) and all public access blocked."
    )
    assert BUCKET in buckets(stack)
    assert f"- {BUCKET} (us-east-1, created " in chat.say_text("list my buckets")

    # Two files from the stack's outbox, each after a yes.
    outbox = Path(stack.env["CLOUDBUTLER_UPLOAD_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    (outbox / "notes.txt").write_bytes(b"meeting notes\n")
    (outbox / "summary.csv").write_bytes(b"store,item,count\nberlin,echo,3\n")
    for name, size in (("notes.txt", "14 B"), ("summary.csv", "31 B")):
        question = chat.say_text(f"upload {name} to {BUCKET}")
        assert question == f"Upload to {BUCKET}?\n- {name} ({size}) -> s3://{BUCKET}/{name}"
        assert chat.say_text("yes") == f"Uploaded {name} ({size}) to s3://{BUCKET}/{name}."
    assert s3_of(stack).get_object(Bucket=BUCKET, Key="notes.txt")["Body"].read() == b"meeting notes\n"

    listing = chat.say_text(f"list files in {BUCKET}")
    assert listing.startswith(f"{BUCKET}: 2 objects, 45 B in total")
    assert "Largest: summary.csv (31 B), notes.txt (14 B)" in listing

    # Download: a local copy that never overwrites, a presigned link that works, and the file as an attachment.
    replies = chat.say(f"download notes.txt from {BUCKET}")
    downloaded = Path(stack.env["CLOUDBUTLER_DOWNLOAD_DIR"]) / "notes.txt"
    assert downloaded.read_bytes() == b"meeting notes\n"
    text = text_of(replies)
    assert text.startswith(f"Downloaded s3://{BUCKET}/notes.txt (14 B) to ")
    link = text.split("): ", 1)[1].split()[0]
    assert requests.get(link, timeout=10).content == b"meeting notes\n"
    attachment = next(r["attachment"] for r in replies if r.get("attachment"))
    media = Path(stack.env["CLOUDBUTLER_MEDIA_DIR"]) / attachment.rsplit("/", 1)[-1]
    assert media.read_bytes() == b"meeting notes\n"

    # Deleting an object asks first.
    assert chat.say_text(f"delete notes.txt from {BUCKET}").startswith(f"Delete s3://{BUCKET}/notes.txt (14 B,")
    assert chat.say_text("yes") == f"Deleted s3://{BUCKET}/notes.txt."

    # A bucket that still holds data: "yes" twice never empties it, only the second question's own button does.
    assert chat.say_text(f"delete bucket {BUCKET}") == (
        f"Delete bucket {BUCKET} (us-east-1)? It holds 1 object. I will ask once more before deleting any of them."
    )
    [second] = chat.say("yes")
    assert second["text"].startswith(f"{BUCKET} is not empty: it holds 1 object.")
    empty = second["buttons"][0]
    assert empty["title"] == f"Empty and delete {BUCKET}"
    assert chat.say_text("yes").startswith("A typed yes can't confirm this step, so I haven't changed anything.")
    assert BUCKET in buckets(stack) and s3_of(stack).list_objects_v2(Bucket=BUCKET)["KeyCount"] == 1
    assert chat.say_text(empty["payload"]) == f"Emptied {BUCKET} (deleted 1 object) and deleted the bucket."
    assert BUCKET not in buckets(stack)

    assert [(action, result) for action, result, _ in audit_of(stack, chat.sender)] == [
        ("create_bucket", "ok"),
        ("upload_file", "ok"),
        ("upload_file", "ok"),
        ("delete_object", "ok"),
        ("empty_bucket", "ok"),
        ("delete_bucket", "ok"),
    ]
    assert audit_of(stack, chat.sender)[0][2] == {"bucket": BUCKET, "region": "us-east-1"}


def test_named_bucket_goes_straight_to_the_question_and_no_changes_nothing(chat: Conversation, stack: Stack) -> None:
    question = chat.say_text("create S3 bucket quarterly-exports-e2e")
    assert question.startswith("Create bucket quarterly-exports-e2e in us-east-1?")
    assert chat.say_text("no") == "Okay, I cancelled that - nothing was changed."
    assert "quarterly-exports-e2e" not in buckets(stack)
    assert audit_of(stack, chat.sender) == []


def test_a_late_yes_asks_again_and_a_button_counts_once(chat: Conversation, stack: Stack) -> None:
    [question] = chat.say("create S3 bucket late-yes-e2e")
    assert question["text"].startswith("Create bucket late-yes-e2e in us-east-1?")
    chat.say("list my buckets")
    # The question was not the last thing said: "ok" answers nothing, and the question comes again.
    again = chat.say("ok")
    assert again[0]["text"].startswith("A yes only answers my last question")
    assert again[1]["text"] == question["text"]
    assert "late-yes-e2e" not in buckets(stack)
    # The first question's button is for an earlier question; the one shown with it now works, once.
    earlier = chat.say(question["buttons"][0]["payload"])
    assert earlier[0]["text"].startswith("That button was for an earlier question")
    latest = earlier[1]["buttons"][0]
    assert chat.say_text(latest["payload"]).startswith("Created bucket late-yes-e2e in us-east-1")
    assert "nothing waiting for your confirmation" in chat.say_text(latest["payload"])
    assert [(action, result) for action, result, _ in audit_of(stack, chat.sender) if result != "attempted"] == [
        ("create_bucket", "ok")]


def test_cancel_while_the_form_asks_for_a_name(chat: Conversation, stack: Stack) -> None:
    assert "What should the new bucket be called?" in chat.say_text("create a bucket")
    assert chat.say_text("cancel") == "Okay, no bucket was created."
    # The conversation goes on normally afterwards.
    assert "nothing waiting for your confirmation" in chat.say_text("yes")


def test_another_request_while_the_form_asks_for_a_name_leaves_the_form(chat: Conversation, stack: Stack) -> None:
    assert "What should the new bucket be called?" in chat.say_text("create a bucket")
    # Handled as what it is, not taken for a bucket name - and the form is over.
    listed = chat.say_text("list my buckets")
    assert listed.startswith("Your S3 buckets") and "What should the new bucket be called?" not in listed
    assert "list my buckets" not in buckets(stack)
    assert "Here is what I can do" in chat.say_text("help")
    # A bare name now is no answer to a question nobody asks any more.
    assert not chat.say_text("ghost-bucket-e2e").startswith("Create bucket ghost-bucket-e2e")
    # Asking again starts afresh, and a name-like answer is still an answer.
    assert "What should the new bucket be called?" in chat.say_text("create a bucket")
    assert chat.say_text("form-answer-e2e").startswith("Create bucket form-answer-e2e in us-east-1?")
    chat.say_text("no")
    assert "form-answer-e2e" not in buckets(stack)


def test_missing_names_and_path_escapes_get_explanations(chat: Conversation, stack: Stack) -> None:
    assert chat.say_text("delete a file") == (
        "Which file from which bucket? Say e.g. \"delete report.pdf from my-project-bucket\"."
    )
    text = chat.say_text("download report.pdf from media-library-prod")
    assert "There is no object report.pdf in bucket media-library-prod" in text


def test_sync_dry_run_changes_nothing(chat: Conversation, stack: Stack) -> None:
    s3 = s3_of(stack)
    s3.create_bucket(Bucket="sync-target-e2e")
    outbox = Path(stack.env["CLOUDBUTLER_UPLOAD_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    (outbox / "sync-me.txt").write_bytes(b"sync")
    text = chat.say_text("what would sync do for sync-target-e2e")
    assert "Dry run: nothing was uploaded." in text
    assert s3.list_objects_v2(Bucket="sync-target-e2e")["KeyCount"] == 0


def test_an_archived_file_is_restored_with_the_tier_its_button_names(chat: Conversation, stack: Stack) -> None:
    s3 = s3_of(stack)
    s3.create_bucket(Bucket="restore-e2e")
    s3.put_object(Bucket="restore-e2e", Key="cold/archive.tar", Body=b"frozen", StorageClass="GLACIER")
    [offer] = chat.say("download cold/archive.tar from restore-e2e")
    assert offer["text"].startswith("s3://restore-e2e/cold/archive.tar is stored in GLACIER, an archive class")
    bulk = next(b for b in offer["buttons"] if b["title"].startswith("Bulk"))
    assert chat.say_text(bulk["payload"]) == (
        "Restore of s3://restore-e2e/cold/archive.tar started (Bulk, usually about 5-12 hours); the copy stays "
        "readable for 7 days. Ask me to download it again once it is ready."
    )
    assert "Restore" in s3.head_object(Bucket="restore-e2e", Key="cold/archive.tar")  # moto restores at once
    [(action, result, parameters)] = audit_of(stack, chat.sender)
    assert (action, result, parameters["tier"]) == ("restore_object", "ok", "Bulk")


def keys_of(stack: Stack, bucket: str) -> list[str]:
    return sorted(o["Key"] for o in s3_of(stack).list_objects_v2(Bucket=bucket).get("Contents", []))


def test_delete_everything_under_a_prefix_keeps_the_bucket_and_the_rest(chat: Conversation, stack: Stack) -> None:
    s3 = s3_of(stack)
    s3.create_bucket(Bucket="prefix-delete-e2e")
    for n in range(3):
        s3.put_object(Bucket="prefix-delete-e2e", Key=f"logs/2023/day-{n}.log", Body=b"x" * 100)
    s3.put_object(Bucket="prefix-delete-e2e", Key="logs/2024/keep.log", Body=b"keep")
    s3.put_object(Bucket="prefix-delete-e2e", Key="readme.txt", Body=b"keep")
    [question] = chat.say("delete everything under logs/2023/ in prefix-delete-e2e")
    assert question["text"] == (
        "Delete everything under logs/2023/ in bucket prefix-delete-e2e: 3 objects (300 B)? The bucket and "
        "everything outside logs/2023/ stay. This cannot be undone."
    )
    assert question["buttons"][0]["title"] == "Yes, delete 3 objects"
    assert len(keys_of(stack, "prefix-delete-e2e")) == 5  # nothing before the yes
    assert chat.say_text("yes") == (
        "Deleted 3 objects (300 B) under logs/2023/ in prefix-delete-e2e. The bucket and everything else in it are "
        "untouched."
    )
    assert keys_of(stack, "prefix-delete-e2e") == ["logs/2024/keep.log", "readme.txt"]
    assert "prefix-delete-e2e" in buckets(stack)
    assert audit_of(stack, chat.sender) == [("delete_prefix", "ok", {
        "bucket": "prefix-delete-e2e", "prefix": "logs/2023/", "count": 3, "deleted": 3, "failed": 0,
        "stopped": False})]
    # Nothing left there: nothing to ask.
    assert chat.say_text("delete everything under logs/2023/ in prefix-delete-e2e").startswith(
        "There are no objects under logs/2023/ in prefix-delete-e2e, so there is nothing to delete.")
    # The shell way says the same; "no" keeps everything.
    assert chat.say_text("rm -r s3://prefix-delete-e2e/logs/2024/").startswith(
        "Delete everything under logs/2024/ in bucket prefix-delete-e2e: 1 object (4 B)?")
    assert chat.say_text("no") == "Okay, I cancelled that - nothing was changed."
    assert keys_of(stack, "prefix-delete-e2e") == ["logs/2024/keep.log", "readme.txt"]


def test_upload_again_asks_before_replacing_and_is_never_a_sync(chat: Conversation, stack: Stack) -> None:
    s3 = s3_of(stack)
    s3.create_bucket(Bucket="upload-again-e2e")
    outbox = Path(stack.env["CLOUDBUTLER_UPLOAD_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    (outbox / "again-notes.txt").write_bytes(b"first draft\n")
    (outbox / "again-other.txt").write_bytes(b"must not be synced\n")
    assert chat.say_text("upload again-notes.txt to upload-again-e2e") == (
        "Upload to upload-again-e2e?\n- again-notes.txt (12 B) -> s3://upload-again-e2e/again-notes.txt")
    assert chat.say_text("yes") == "Uploaded again-notes.txt (12 B) to s3://upload-again-e2e/again-notes.txt."
    (outbox / "again-notes.txt").write_bytes(b"second draft, longer\n")
    question = chat.say_text("push again-notes.txt to upload-again-e2e again")
    assert question.startswith(
        "Upload to upload-again-e2e?\n- again-notes.txt (21 B) -> s3://upload-again-e2e/again-notes.txt - REPLACES "
        "the existing object (12 B, last modified ")
    assert s3.get_object(Bucket="upload-again-e2e", Key="again-notes.txt")["Body"].read() == b"first draft\n"
    assert chat.say_text("yes") == (
        "Uploaded again-notes.txt (21 B) to s3://upload-again-e2e/again-notes.txt, replacing the previous object.")
    assert s3.get_object(Bucket="upload-again-e2e", Key="again-notes.txt")["Body"].read() == b"second draft, longer\n"
    assert keys_of(stack, "upload-again-e2e") == ["again-notes.txt"]  # nothing else of the outbox went up
    assert [(action, result) for action, result, _ in audit_of(stack, chat.sender)] == [
        ("upload_file", "ok"), ("upload_file", "ok")]


def test_usage_counts_each_class_totals_them_and_explains_versions(chat: Conversation, stack: Stack) -> None:
    s3 = s3_of(stack)
    s3.create_bucket(Bucket="usage-e2e")
    s3.put_bucket_versioning(Bucket="usage-e2e", VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket="usage-e2e", Key="a.txt", Body=b"x" * 1024)
    s3.put_object(Bucket="usage-e2e", Key="a.txt", Body=b"y" * 2048)
    s3.put_object(Bucket="usage-e2e", Key="cold.bin", Body=b"c" * 1024, StorageClass="GLACIER")
    replies = chat.say("how big is usage-e2e")
    assert text_of(replies).splitlines() == [
        "usage-e2e stores 3 KB in 2 objects.", "- STANDARD: 1 object, 2 KB", "- GLACIER: 1 object, 1 KB",
        "Total: 2 objects, 3 KB",
        "Versioning is on: besides the current objects above, usage-e2e keeps 1 older version (1 KB, billed like "
        "any data).",
        "Counted from a listing of the bucket just now."]
    [table] = [r["custom"]["table"] for r in replies if r.get("custom")]  # REST sends the table on its own
    assert table["rows"] == [["STANDARD", "1", "2 KB"], ["GLACIER", "1", "1 KB"]]
    assert table["totals"] == ["Total", "2", "3 KB"]
