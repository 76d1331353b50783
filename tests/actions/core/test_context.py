"""What a conversation last talked about: the context slot as a value, what one run adds to it, and conversations
with real skills against moto where "it", "the file", "is it restored yet?" and "same for x" use it."""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Iterator

import pytest

from actions.aws.clients import ClientFactory
from actions.aws.s3_names import InvalidBucketName, validate_bucket_name
from actions.core import context, errors, wording
from actions.core.base import known_buckets
from actions.core.context import Context, Turn
from actions.skills import conversation
from actions.skills.conversation import ActionConfirm, ActionSameFor
from actions.skills.server_status import ActionServerStatus
from actions.skills.storage import wording as say
from actions.skills.storage.buckets import ActionBucketUsage, ActionCreateBucket, ActionDeleteBucket
from actions.skills.storage.objects import ActionDeleteObject, ActionListObjects
from actions.skills.storage.transfers import ActionDownloadFile
from tests.actions.harness import Conversation, run_action, talked_about, tracker_for
from tests.actions.skills.storage.support import SENDER, Posts, StorageEnv, ents, make_env, only_text, pending_of

BUCKET = "context-bucket"
OTHER = "context-other-2"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, aws: ClientFactory) -> Iterator[StorageEnv]:
    made = make_env(tmp_path, monkeypatch, aws)
    for name in (BUCKET, OTHER):
        made.s3.create_bucket(Bucket=name)
    made.s3.put_object(Bucket=BUCKET, Key="notes.txt", Body=b"hello")
    made.s3.put_object(Bucket=OTHER, Key="big.bin", Body=b"x" * 2048)
    known_buckets().clear()  # one moto server serves every test: names cached by an earlier test are stale
    yield made
    known_buckets().clear()


# --- the slot as a value ---------------------------------------------------------------------------------------------
def test_the_slot_value_round_trips_and_anything_malformed_reads_as_nothing() -> None:
    full = Context(bucket="b-1", object=("b-1", "k.txt"), instance="web-2", job="the upload of k.txt",
                   skill="action_download_file")
    assert full.to_slot() == {"bucket": "b-1", "object": {"bucket": "b-1", "key": "k.txt"}, "instance": "web-2",
                              "job": "the upload of k.txt", "skill": "action_download_file"}
    assert Context.from_slot(full.to_slot()) == full
    for junk in (None, "b-1", ["b-1"], {"bucket": 3, "object": {"bucket": "b-1"}, "skill": ""},
                 {"object": "b-1/k.txt"}):
        assert Context.from_slot(junk) == Context()
    assert Context(object=("b-1", "k")).last_bucket == "b-1"
    assert Context(bucket="b-2", object=("b-1", "k")).last_bucket == "b-2"


def test_a_turn_follows_the_latest_thing_named_and_forgets_what_was_deleted() -> None:
    turn = Turn(Context(bucket="b-1", object=("b-1", "a.txt"), skill="action_list_objects"))
    assert turn.events() == []  # nothing new: no event
    turn.mention(bucket="b-1")
    assert turn.now.object == ("b-1", "a.txt")  # the same bucket keeps its object
    turn.mention(bucket="b-2")
    assert turn.now == Context(bucket="b-2", skill="action_list_objects")  # another bucket: the object is not "it"
    turn.mention(obj=("b-3", "x/y.pdf"), skill="action_download_file")
    assert (turn.now.bucket, turn.now.object, turn.skill_set) == ("b-3", ("b-3", "x/y.pdf"), True)
    turn.forget(prefix=("b-3", "x/"))
    assert turn.now.object is None and turn.now.bucket == "b-3"
    turn.mention(obj=("b-3", "z.txt"))
    turn.forget(bucket="b-3")
    assert turn.now == Context(skill="action_download_file")
    assert turn.events() == [talked_about(skill="action_download_file")]


def test_outside_a_run_nothing_is_recorded() -> None:
    context.mention(bucket="b-1")  # e.g. from a background job's thread
    context.note_change("delete_bucket", {"bucket": "b-1"})
    assert context.current() == Context()


# --- conversations with the skills -----------------------------------------------------------------------------------
async def test_how_big_is_it_after_listing_a_bucket(env: StorageEnv) -> None:
    chat = Conversation(SENDER)
    events, _ = await chat.turn(env.action(ActionListObjects), f"list files in {BUCKET}", "list_objects",
                                ents(bucket=BUCKET))
    assert events == [talked_about(bucket=BUCKET, skill="action_list_objects")]
    # The extractor sometimes tags the pronoun itself: it names nothing.
    changes = [[talked_about(bucket=BUCKET, skill="action_bucket_usage")], []]  # the second time nothing is new
    for entities, change in zip(([], ents(bucket="it")), changes, strict=True):
        events, sent = await chat.turn(env.action(ActionBucketUsage), "and how big is it?", "bucket_usage", entities)
        assert sent[0]["text"].startswith(f"{BUCKET} ") and "5 B" in sent[0]["text"]
        assert events == change


async def test_actually_delete_it_right_after_creating_asks_about_that_bucket_then_forgets_it(env: StorageEnv) -> None:
    chat = Conversation(SENDER)
    new = "context-new-1"
    await chat.turn(env.action(ActionCreateBucket), f"create bucket {new}", "create_bucket", ents(bucket=new))
    chat.slots["bucket"] = None
    events, sent = await chat.turn(env.action(ActionConfirm), "yes", "affirm")
    assert only_text(sent) == say.CREATED.format(bucket=new, region="us-east-1")
    assert chat.slots["context"] == {"bucket": new, "skill": "action_create_bucket"}

    events, sent = await chat.turn(env.action(ActionDeleteBucket), "actually delete it", "delete_bucket")
    # Resolved from the context, and the question names the bucket.
    assert only_text(sent) == say.CONFIRM_DELETE_EMPTY_BUCKET.format(bucket=new, region="us-east-1")
    assert pending_of(events)["bucket"] == new
    _, sent = await chat.turn(env.action(ActionConfirm), "yes", "affirm")
    assert only_text(sent) == say.BUCKET_DELETED.format(bucket=new)
    assert chat.slots["context"] == {"skill": "action_delete_bucket"}  # a deleted bucket is no longer "it"

    _, sent = await chat.turn(env.action(ActionDeleteBucket), "delete it", "delete_bucket")
    assert only_text(sent) == wording.NEED_BUCKET.format(example="delete bucket my-old-bucket")


async def test_the_file_talked_about_is_what_delete_it_means_and_the_question_names_it(env: StorageEnv) -> None:
    chat = Conversation(SENDER)
    await chat.turn(env.action(ActionDownloadFile), f"download notes.txt from {BUCKET}", "download_file",
                    ents(file="notes.txt", bucket=BUCKET))
    events, sent = await chat.turn(env.action(ActionDeleteObject), "now delete the file", "delete_object",
                                   ents(file="it"))
    assert f"s3://{BUCKET}/notes.txt" in only_text(sent)
    assert (pending_of(events)["bucket"], pending_of(events)["key"]) == (BUCKET, "notes.txt")
    await chat.turn(env.action(ActionConfirm), "yes", "affirm")
    assert chat.slots["context"] == {"bucket": BUCKET, "skill": "action_delete_object"}
    # A file named without its bucket is looked for in the bucket talked about.
    _, sent = await chat.turn(env.action(ActionDownloadFile), "download notes.txt", "download_file",
                              ents(file="notes.txt"))
    assert only_text(sent).startswith(f"There is no object notes.txt in bucket {BUCKET}.")


async def test_is_it_restored_yet_answers_about_the_object_talked_about(env: StorageEnv) -> None:
    env.s3.put_object(Bucket=BUCKET, Key="old.tar.gz", Body=b"cold", StorageClass="GLACIER")
    chat = Conversation(SENDER)
    events, sent = await chat.turn(env.action(ActionDownloadFile), f"download old.tar.gz from {BUCKET}",
                                   "download_file", ents(file="old.tar.gz", bucket=BUCKET))
    assert pending_of(events)["kind"] == "restore_object"
    assert chat.slots["context"]["skill"] == "action_download_file"  # the skill asked, whatever it proposes
    await chat.turn(env.action(ActionConfirm), "yes", "affirm")
    _, sent = await chat.turn(env.action(ActionDownloadFile), "is it restored yet?", "download_file")
    text = only_text(sent)
    head = env.s3.head_object(Bucket=BUCKET, Key="old.tar.gz")
    if 'ongoing-request="true"' in head.get("Restore", ""):
        assert text.startswith(f"s3://{BUCKET}/old.tar.gz is archived") and "restore is already in progress" in text
    else:  # moto may finish a restore at once: then it is downloaded
        assert text.startswith(f"Downloaded s3://{BUCKET}/old.tar.gz (4 B)")


async def test_same_for_runs_the_last_skill_for_the_new_bucket(env: StorageEnv) -> None:
    chat = Conversation(SENDER)
    same = env.action(ActionSameFor)
    _, sent = await chat.turn(same, f"same for {OTHER}", "same_for")
    assert only_text(sent) == conversation.SAME_FOR_NOTHING_BEFORE
    await chat.turn(env.action(ActionBucketUsage), f"how big is {BUCKET}", "bucket_usage", ents(bucket=BUCKET))
    events, sent = await chat.turn(same, f"same for {OTHER}", "same_for")
    assert sent[0]["text"].startswith(f"{OTHER} ") and "2 KB" in sent[0]["text"]
    assert events == [talked_about(bucket=OTHER, skill="action_bucket_usage")]
    _, sent = await chat.turn(same, "same for it", "same_for", ents(bucket="it"))
    assert only_text(sent) == conversation.SAME_FOR_WHICH.format(what="bucket", example="backups-archive")
    # A change asks first, and names its new target.
    events, sent = await chat.turn(env.action(ActionDeleteBucket), f"delete bucket {BUCKET}", "delete_bucket",
                                   ents(bucket=BUCKET))
    events, sent = await chat.turn(same, f"what about {OTHER}", "same_for")
    assert pending_of(events)["bucket"] == OTHER
    assert OTHER in sent[0]["text"] and BUCKET not in sent[0]["text"]


async def test_and_web_2_asks_about_the_other_instance_and_how_is_it_means_that_one(aws: ClientFactory) -> None:
    ec2 = aws.client("ec2")
    image = ec2.describe_images()["Images"][0]["ImageId"]
    for name in ("ctx-web-1", "ctx-web-2"):
        ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, TagSpecifications=[
            {"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": name}]}])
    status, same = ActionServerStatus(), ActionSameFor()
    status.clients = same.clients = aws
    chat = Conversation(SENDER)
    _, sent = await chat.turn(status, "how is ctx-web-1 doing", "server_status", ents(instance="ctx-web-1"))
    assert sent[0]["text"].startswith("ctx-web-1 (")
    events, sent = await chat.turn(same, "and ctx-web-2?", "same_for")  # no entity: the name from the words
    assert sent[0]["text"].startswith("ctx-web-2 (")
    assert events == [talked_about(instance="ctx-web-2", skill="action_server_status")]
    _, sent = await chat.turn(status, "is it still running?", "server_status")
    assert sent[0]["text"].startswith("ctx-web-2 (")


async def test_create_never_takes_its_name_from_the_context(env: StorageEnv) -> None:
    tracker = tracker_for("create a bucket", intent="create_bucket", sender_id=SENDER,
                          slots={"context": {"bucket": BUCKET, "skill": "action_bucket_usage"}})
    events, sent = await run_action(env.action(ActionCreateBucket), tracker)
    assert only_text(sent) == wording.NEED_BUCKET.format(example="create bucket my-project-bucket")
    assert "pending" not in [e.get("name") for e in events]


# --- entities checked before use -------------------------------------------------------------------------------------
async def test_a_path_tagged_as_the_bucket_is_the_key_and_the_bucket_comes_from_the_words(env: StorageEnv) -> None:
    key = "videos/archive/product-tour-v1.mp4"
    env.s3.put_object(Bucket=OTHER, Key=key, Body=b"mp4")
    for tagged in (key, "videos"):
        _, sent = await run_action(env.action(ActionDownloadFile), tracker_for(
            f"fetch {key} from {OTHER}", intent="download_file", entities=ents(bucket=tagged), sender_id=SENDER))
        assert sent[0]["text"].startswith(f"Downloaded s3://{OTHER}/{key} (3 B)")


async def test_a_known_bucket_is_preferred_to_an_impossible_name_and_the_names_are_asked_once(
    env: StorageEnv
) -> None:
    env.s3.create_bucket(Bucket="reports")
    env.s3.put_object(Bucket="reports", Key="q1.pdf", Body=b"%PDF")
    calls: list[str] = []
    env.s3.meta.events.register("before-call.s3.ListBuckets", lambda **_: calls.append("ListBuckets"))
    for _ in range(2):
        _, sent = await run_action(env.action(ActionListObjects), tracker_for(
            "list files/2024 in reports", intent="list_objects", entities=ents(bucket="files/2024"),
            sender_id=SENDER))
        assert only_text(sent).startswith("reports") and "q1.pdf" in only_text(sent)
    assert calls == ["ListBuckets"]  # cached for the second message
    # A valid name in the message needs no list at all.
    await run_action(env.action(ActionListObjects), tracker_for(
        f"list files/2024 in {BUCKET}", intent="list_objects", entities=ents(bucket="files/2024"), sender_id=SENDER))
    assert calls == ["ListBuckets"]


async def test_concurrent_conversations_keep_their_own_context(env: StorageEnv) -> None:
    action = env.action(ActionBucketUsage)  # one shared action, as on the action server

    async def ask_about(bucket: str) -> list[dict[str, Any]]:
        events, _ = await run_action(action, tracker_for(f"how big is {bucket}", intent="bucket_usage",
                                                         entities=ents(bucket=bucket), sender_id=f"web:{bucket}"))
        return events

    results = await asyncio.gather(*(ask_about(b) for b in (BUCKET, OTHER, BUCKET, OTHER)))
    assert results == [[talked_about(bucket=b, skill="action_bucket_usage")] for b in (BUCKET, OTHER, BUCKET, OTHER)]


async def test_a_background_job_is_what_the_conversation_talks_about(env: StorageEnv) -> None:
    action = env.action(ActionDownloadFile)
    action.background_bytes = 1000
    action.jobs = env.runner(Posts())
    events, sent = await run_action(action, tracker_for(f"download big.bin from {OTHER}", intent="download_file",
                                                        entities=ents(file="big.bin", bucket=OTHER), sender_id=SENDER))
    await action.jobs.wait()
    assert events == [talked_about(bucket=OTHER, key="big.bin", job="the download of big.bin",
                                   skill="action_download_file")]


async def test_same_for_after_a_proposed_bucket_proposes_the_new_name(env: StorageEnv) -> None:
    chat = Conversation(SENDER)
    await chat.turn(env.action(ActionCreateBucket), "create bucket context-new-2", "create_bucket",
                    ents(bucket="context-new-2"))
    assert chat.slots["context"] == {"bucket": "context-new-2", "skill": "action_create_bucket"}
    events, sent = await chat.turn(env.action(ActionSameFor), "same for context-new-3", "same_for")
    assert pending_of(events)["bucket"] == "context-new-3"
    assert only_text(sent) == say.CONFIRM_CREATE.format(bucket="context-new-3", region="us-east-1")
    # A name no new bucket can have is refused with the rule it breaks, as the create form does.
    events, sent = await chat.turn(env.action(ActionSameFor), "and Bad_Bucket", "same_for", ents(bucket="Bad_Bucket"))
    with pytest.raises(InvalidBucketName) as caught:
        validate_bucket_name("Bad_Bucket")
    assert only_text(sent) == errors.bucket_name_problem(caught.value.details)
    assert "pending" not in [e.get("name") for e in events]


async def test_same_for_another_file_downloads_it_from_the_bucket_talked_about(env: StorageEnv) -> None:
    env.s3.put_object(Bucket=BUCKET, Key="todo.txt", Body=b"later")
    chat = Conversation(SENDER)
    await chat.turn(env.action(ActionDownloadFile), f"download notes.txt from {BUCKET}", "download_file",
                    ents(file="notes.txt", bucket=BUCKET))
    _, sent = await chat.turn(env.action(ActionSameFor), "same for todo.txt", "same_for", ents(file="todo.txt"))
    assert only_text(sent).startswith(f"Downloaded s3://{BUCKET}/todo.txt (5 B)")
    # Another bucket instead: which of its files is not guessed from the old one.
    _, sent = await chat.turn(env.action(ActionSameFor), f"and {OTHER}?", "same_for")
    assert only_text(sent).startswith("Which file from which bucket?")
