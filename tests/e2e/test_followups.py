"""End-to-end follow-ups through the REST channel: "it", "actually delete it", "same for x", "and web-2?" and "is it
restored yet?" mean what the conversation last talked about (the context slot), on the sandbox's demo account."""
from __future__ import annotations

from typing import Any

import boto3
import pytest

from actions.skills.storage import wording as say
from launcher.stack import Stack
from tests.e2e.assistant import Conversation

pytestmark = pytest.mark.e2e

MEDIA = "media-library-prod"  # demo buckets seeded by the sandbox
BACKUPS = "backups-archive"
INVOICES = "acme-invoices"
TOUR = "videos/archive/product-tour-v1.mp4"  # GLACIER in the demo data


def s3_of(stack: Stack) -> Any:
    return boto3.client("s3", endpoint_url=stack.aws_endpoint, region_name="us-east-1",
                        aws_access_key_id="x", aws_secret_access_key="x")


def test_how_big_is_it_after_listing_a_bucket(chat: Conversation, stack: Stack) -> None:
    listing = chat.say_text(f"list files in {MEDIA}")
    assert listing.startswith(MEDIA)
    followup = chat.say_text("and how big is it?")
    # Exactly what naming the bucket says, in a conversation of its own.
    assert followup == Conversation(stack).say_text(f"how big is {MEDIA}")
    assert followup.startswith(MEDIA)


def test_same_for_another_bucket_and_another_instance(chat: Conversation, stack: Stack) -> None:
    usage = chat.say_text(f"how big is {INVOICES}")
    assert usage.startswith(INVOICES)
    other = chat.say_text(f"same for {BACKUPS}")
    assert other == Conversation(stack).say_text(f"how big is {BACKUPS}")
    assert other.startswith(BACKUPS)

    assert chat.say_text("how is web-1 doing?").startswith("web-1 (")
    assert chat.say_text("and web-2?").startswith("web-2 (")


def test_actually_delete_it_right_after_creating_a_bucket(chat: Conversation, stack: Stack) -> None:
    bucket = f"followup-{chat.name[5:]}"
    question = chat.say_text(f"create bucket {bucket}")
    assert bucket in question
    assert chat.say_text("yes") == say.CREATED.format(bucket=bucket, region="us-east-1")
    replies = chat.say("actually delete it")
    assert "\n".join(r.get("text", "") for r in replies) == say.CONFIRM_DELETE_EMPTY_BUCKET.format(
        bucket=bucket, region="us-east-1")
    assert replies[0]["buttons"][0]["payload"].startswith("/affirm")
    assert chat.say_text("yes") == say.BUCKET_DELETED.format(bucket=bucket)
    assert bucket not in [b["Name"] for b in s3_of(stack).list_buckets()["Buckets"]]
    # The deleted bucket is no longer "it": nothing is proposed.
    again = chat.say("delete it")
    assert bucket not in "\n".join(r.get("text", "") for r in again)
    assert not any(r.get("buttons") for r in again)


def test_a_path_is_no_bucket_and_is_it_restored_yet_follows_the_restore(chat: Conversation, stack: Stack) -> None:
    url = f"s3://{MEDIA}/{TOUR}"
    offer = chat.say_text(f"fetch {TOUR} from {MEDIA}")
    assert offer.startswith(f"{url} is stored in GLACIER")
    started = chat.say_text("yes")
    assert started.startswith(f"Restore of {url} started")
    answer = chat.say_text("is it restored yet?")
    restore = s3_of(stack).head_object(Bucket=MEDIA, Key=TOUR).get("Restore", "")
    if 'ongoing-request="true"' in restore:
        assert answer.startswith(f"{url} is archived in GLACIER and a restore is already in progress")
    else:  # moto finishes a restore at once: the answer is the download itself
        assert answer.startswith(f"Downloaded {url} (2.5 MB)")
