"""Bucket skills against moto: list, the create form and its validation, create/delete with confirmations, usage."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.aws.clients import AwsSettings, ClientFactory
from actions.core import errors, wording
from actions.core.confirmation import change_of
from actions.skills.storage import wording as say
from actions.skills.storage.buckets import (
    ActionBucketUsage,
    ActionCreateBucket,
    ActionDeleteBucket,
    ActionListBuckets,
    ValidateCreateBucketForm,
    another_request,
)
from tests.actions.harness import run_action, talked_about, yes_payload
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

FORM_DOMAIN = {"forms": {"create_bucket_form": {"required_slots": ["bucket"]}}, "slots": {"bucket": {}}}


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, aws: ClientFactory) -> StorageEnv:
    return make_env(tmp_path, monkeypatch, aws)


# --- list ------------------------------------------------------------------------------------------------------------
async def test_list_buckets_names_region_and_date(env: StorageEnv, moto_endpoint: str) -> None:
    env.s3.create_bucket(Bucket="alpha-data")
    eu = ClientFactory(AwsSettings(region="eu-west-1", endpoint_url=moto_endpoint)).client("s3")
    eu.create_bucket(Bucket="beta-logs", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    _, sent = await run_action(env.action(ActionListBuckets), ask("list my buckets", "list_buckets"))
    today = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
    assert only_text(sent) == "\n".join([
        "Your S3 buckets (2):",
        f"- alpha-data (us-east-1, created {today})",
        f"- beta-logs (eu-west-1, created {today})",
    ])
    assert sent[0]["custom"]["table"]["rows"] == [["alpha-data", "us-east-1", today], ["beta-logs", "eu-west-1", today]]


async def test_many_buckets_show_the_first_20_and_how_many_more(env: StorageEnv) -> None:
    for n in range(23):
        env.s3.create_bucket(Bucket=f"bucket-{n:02d}")
    _, sent = await run_action(env.action(ActionListBuckets), ask("list my buckets", "list_buckets"))
    lines = only_text(sent).splitlines()
    assert lines[0] == "Your S3 buckets (23):"
    assert [line.split()[1] for line in lines[1:21]] == [f"bucket-{n:02d}" for n in range(20)]
    assert lines[21:] == ["...and 3 more."]


async def test_no_buckets(env: StorageEnv) -> None:
    _, sent = await run_action(env.action(ActionListBuckets), ask("list my buckets", "list_buckets"))
    assert only_text(sent) == say.NO_BUCKETS


# --- create: the form's validation ----------------------------------------------------------------------------------
def form_tracker(text: str, slot_value: Any, *, entity: str | None = None, intent: str = "nlu_fallback",
                 answering: bool = True) -> Tracker:
    """What validate_create_bucket_form sees: the user's message, then the slot the mapping filled from it
    (``answering``: the form asked for the name; otherwise it is just starting)."""
    return Tracker(
        sender_id=SENDER,
        slots={"bucket": slot_value, "requested_slot": "bucket" if answering else None},
        latest_message={"text": text, "intent": {"name": intent, "confidence": 1.0},
                        "entities": [{"entity": "bucket", "value": entity}] if entity else []},
        events=[{"event": "user", "text": text}, {"event": "slot", "name": "bucket", "value": slot_value}],
        paused=False,
        followup_action=None,
        active_loop={"name": "create_bucket_form"},
        latest_action_name="action_listen",
    )


async def validate(tracker: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = await ValidateCreateBucketForm().run(dispatcher, tracker, FORM_DOMAIN)
    return events, dispatcher.messages


@pytest.mark.parametrize(
    "text,slot_value,entity,expected",
    [
        ("create bucket team-reports", "team-reports", "team-reports", "team-reports"),
        ("team-reports-2025", "team-reports-2025", None, "team-reports-2025"),
        ("call it `team-reports`.", "call it `team-reports`.", None, "team-reports"),
        ("s3://team-reports/", "s3://team-reports/", None, "team-reports"),
        ("team-e2e-reports", "team-e2e", "team-e2e", "team-e2e-reports"),  # a cut-off entity loses to the answer
    ],
)
async def test_a_valid_name_fills_the_slot(text: str, slot_value: str, entity: str | None, expected: str) -> None:
    events, sent = await validate(form_tracker(text, slot_value, entity=entity))
    assert events == [{"event": "slot", "timestamp": None, "name": "bucket", "value": expected}]
    assert sent == []


@pytest.mark.parametrize(
    "answer,rule_words",
    [
        ("My_Bucket", "contains characters S3 doesn't allow"),
        ("MyBucket", "has capital letters; bucket names must be lowercase (e.g. \"mybucket\")"),
        ("ab", "has 2 characters; bucket names must be 3-63 characters long"),
        ("-team", "must begin and end with a lowercase letter or a number"),
        ("a..b", "two dots in a row"),
        ("192.168.1.1", "looks like an IP address"),
        ("xn--abc", "starts with \"xn--\""),
    ],
)
async def test_a_bad_name_is_refused_naming_the_rule(answer: str, rule_words: str) -> None:
    events, sent = await validate(form_tracker(answer, answer))
    assert events == [{"event": "slot", "timestamp": None, "name": "bucket", "value": None}]
    assert rule_words in only_text(sent)
    assert only_text(sent).endswith(errors.BUCKET_NAME_HINT)


async def test_a_name_left_over_from_an_earlier_request_is_not_used() -> None:
    # "list files in old-bucket" filled the bucket slot; "create a bucket" must ask, not reuse it.
    events, sent = await validate(form_tracker("create a bucket", "old-bucket", intent="create_bucket",
                                               answering=False))
    assert events == [{"event": "slot", "timestamp": None, "name": "bucket", "value": None}]
    assert sent == []


@pytest.mark.parametrize(
    "text,slot_value,entity,expected",
    [
        # the extractor found nothing: the name is taken from the words around "bucket"
        ("create S3 bucket quarterly-exports-e2e", None, None, "quarterly-exports-e2e"),
        # ... even over a name left over from an earlier request
        ("make a new bucket called reports-2025", "old-bucket", None, "reports-2025"),
        # the extractor cut the name short: the whole word
        ("create bucket team-e2e-reports please", "team-e2e", "team-e2e", "team-e2e-reports"),
    ],
)
async def test_a_name_in_the_request_that_starts_the_form(text: str, slot_value: str | None, entity: str | None,
                                                          expected: str) -> None:
    events, sent = await validate(form_tracker(text, slot_value, entity=entity, intent="create_bucket",
                                               answering=False))
    assert events == [{"event": "slot", "timestamp": None, "name": "bucket", "value": expected}]
    assert sent == []


LEFT = [
    {"event": "slot", "timestamp": None, "name": "bucket", "value": None},
    {"event": "slot", "timestamp": None, "name": "requested_slot", "value": None},
    {"event": "active_loop", "timestamp": None, "name": None},
    {"event": "action_execution_rejected", "timestamp": None, "name": "create_bucket_form", "policy": None,
     "confidence": None},
]


@pytest.mark.parametrize(
    ("text", "intent", "entity"),
    [
        ("list my buckets", "list_buckets", None),
        ("list files in team-reports", "list_objects", "team-reports"),
        ("how big is media-library-prod?", "bucket_usage", "media-library-prod"),
        ("Tell me about my server!", "server_status", None),
        ("help", "help", None),
        ("hello", "greet", None),
        ("yes", "affirm", None),
    ],
)
async def test_another_request_while_the_form_asks_leaves_the_form(text: str, intent: str, entity: str | None) -> None:
    """Rejected and out of the loop: Rasa then handles the message by the rule for its intent."""
    events, sent = await validate(form_tracker(text, entity or text, entity=entity, intent=intent))
    assert events == LEFT
    assert sent == []


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("reports-2025", "list_objects"),  # a lone name-like word answers, whatever the intent model makes of it
        ("Bad_Bucket!", "download_file"),
        ("call it reports", "list_objects"),
        ("team reports", "nlu_fallback"),  # no other intent: an answer (refused for its space)
        ("create bucket team-x", "create_bucket"),
    ],
)
async def test_answers_stay_in_the_form(text: str, intent: str) -> None:
    events, _ = await validate(form_tracker(text, text, intent=intent))
    assert [e["event"] for e in events] == ["slot"] and events[0]["name"] == "bucket"


async def test_a_request_that_starts_the_form_is_never_another_request() -> None:
    events, _ = await validate(form_tracker("list my buckets", None, intent="list_buckets", answering=False))
    assert "active_loop" not in [e["event"] for e in events]


@pytest.mark.parametrize(
    ("text", "intent", "other"),
    [
        ("list my buckets", "list_buckets", True),
        ("show me the lifecycle rules of logs-2024", "show_lifecycle", True),
        ("thanks", "thank", True),
        ("ok", "affirm", True),
        ("reports", "create_bucket", False),
        ("reports", "nlu_fallback", False),
        ("reports", "", False),
        ("reports-2025", "list_buckets", False),
        ("logs.2024", "download_file", False),
        ("name it 'reports'", "list_objects", False),
        ("let's go with team reports", "list_objects", False),
        ("s3://team-reports/", "list_objects", False),
        ("x1", "greet", False),
        ("reports", "list_objects", True),  # one plain word: the intent decides
        ("list files please", "list_objects", True),
    ],
)
def test_another_request(text: str, intent: str, other: bool) -> None:
    assert another_request(text, intent) is other


async def test_a_request_without_a_usable_name_leaves_the_question_to_the_form() -> None:
    events, sent = await validate(form_tracker("create a bucket for me", None, intent="create_bucket",
                                               answering=False))
    assert events == [{"event": "slot", "timestamp": None, "name": "bucket", "value": None}]
    assert sent == []


# --- create: propose, confirm, audit --------------------------------------------------------------------------------
async def test_create_asks_first_then_creates_hardened_bucket_and_audits_once(env: StorageEnv) -> None:
    events, sent = await run_action(
        env.action(ActionCreateBucket), ask("create bucket team-reports", "create_bucket", slots={"bucket": "team-reports"})
    )
    pending = pending_of(events)
    assert events == [
        {"event": "slot", "timestamp": None, "name": "bucket", "value": None},
        {"event": "slot", "timestamp": None, "name": "pending", "value": pending},
        talked_about(bucket="team-reports", skill="action_create_bucket"),
    ]
    assert change_of(pending) == {"kind": "create_bucket", "bucket": "team-reports", "region": "us-east-1"}
    assert sent[0]["text"] == say.CONFIRM_CREATE.format(bucket="team-reports", region="us-east-1")
    assert sent[0]["buttons"] == [{"title": "Yes, create it", "payload": yes_payload(pending)},
                                  {"title": "No, cancel", "payload": "/deny"}]
    assert "team-reports" not in [b["Name"] for b in env.s3.list_buckets()["Buckets"]]
    assert env.audit_lines() == []

    events, sent = await env.say_yes(pending)
    assert only_text(sent) == say.CREATED.format(bucket="team-reports", region="us-east-1")
    # The new bucket is what the conversation talks about (the answer here carries no context from the question).
    assert events == [{"event": "slot", "timestamp": None, "name": "pending", "value": None},
                      talked_about(bucket="team-reports")]
    rules = env.s3.get_bucket_encryption(Bucket="team-reports")["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    block = env.s3.get_public_access_block(Bucket="team-reports")["PublicAccessBlockConfiguration"]
    assert all(block.values()) and len(block) == 4
    [line] = env.audit_lines()
    assert (line["action"], line["result"], line["parameters"]) == (
        "create_bucket", "ok", {"bucket": "team-reports", "region": "us-east-1"})
    assert (line["sender"], line["platform"], line["user"]) == (SENDER, "slack", "U1")


async def test_create_outside_us_east_1_uses_the_configured_region(
    env: StorageEnv, moto_endpoint: str
) -> None:
    env.aws = ClientFactory(AwsSettings(region="eu-central-1", endpoint_url=moto_endpoint))
    events, _ = await run_action(
        env.action(ActionCreateBucket), ask("create bucket eu-reports", "create_bucket", slots={"bucket": "eu-reports"})
    )
    pending = pending_of(events)
    assert pending["region"] == "eu-central-1"
    await env.say_yes(pending)
    assert env.s3.get_bucket_location(Bucket="eu-reports")["LocationConstraint"] == "eu-central-1"


async def test_saying_no_creates_nothing(env: StorageEnv) -> None:
    events, _ = await run_action(
        env.action(ActionCreateBucket), ask("create bucket team-reports", "create_bucket", slots={"bucket": "team-reports"})
    )
    _, sent = await env.say_no(pending_of(events))
    assert only_text(sent) == "Okay, I cancelled that - nothing was changed."
    assert env.s3.list_buckets()["Buckets"] == []
    assert env.audit_lines() == []


async def test_a_bucket_we_already_own_is_explained_and_audited_as_error(env: StorageEnv) -> None:
    env.s3.create_bucket(Bucket="team-reports")
    _, sent = await env.say_yes({"kind": "create_bucket", "bucket": "team-reports", "region": "us-east-1"})
    assert only_text(sent).startswith("You already own a bucket called team-reports, so I left it exactly as it is.")
    [line] = env.audit_lines()
    assert (line["action"], line["result"], line["detail"]) == ("create_bucket", "error", "BucketAlreadyOwnedByYou")


async def test_a_name_we_already_own_is_said_before_asking(env: StorageEnv) -> None:
    env.s3.create_bucket(Bucket="team-reports")
    events, sent = await run_action(
        env.action(ActionCreateBucket), ask("create bucket team-reports", "create_bucket", slots={"bucket": "team-reports"})
    )
    assert only_text(sent) == (
        "You already own a bucket called team-reports, so I left it exactly as it is. Say \"list files in "
        "team-reports\" to see what it holds."
    )
    assert not [e for e in events if e.get("name") == "pending"]
    assert {"event": "slot", "timestamp": None, "name": "bucket", "value": None} in events  # the next ask starts afresh
    assert env.audit_lines() == []


async def test_a_name_another_account_has_is_said_before_asking(env: StorageEnv) -> None:
    fail_with(env.s3, "HeadBucket", "403", 403)  # HeadBucket on another account's bucket: 403, not 404
    events, sent = await run_action(
        env.action(ActionCreateBucket), ask("create bucket acme-logs", "create_bucket", slots={"bucket": "acme-logs"})
    )
    assert only_text(sent).startswith("The name acme-logs is already taken by another AWS account")
    assert not [e for e in events if e.get("name") == "pending"]
    assert env.audit_lines() == []


async def test_create_without_the_form_still_checks_the_name(env: StorageEnv) -> None:
    events, sent = await run_action(env.action(ActionCreateBucket), ask("create bucket Bad", "create_bucket",
                                                                        slots={"bucket": "Bad_Name"}))
    assert "contains characters S3 doesn't allow" in only_text(sent)
    assert env.s3.list_buckets()["Buckets"] == []


async def test_create_without_any_name_asks(env: StorageEnv) -> None:
    events, sent = await run_action(env.action(ActionCreateBucket), ask("create a bucket", "create_bucket"))
    assert only_text(sent) == wording.NEED_BUCKET.format(example="create bucket my-project-bucket")
    assert events == [{"event": "slot", "timestamp": None, "name": "bucket", "value": None}]


# --- delete ----------------------------------------------------------------------------------------------------------
async def test_delete_without_a_name_asks(env: StorageEnv) -> None:
    events, sent = await run_action(env.action(ActionDeleteBucket), ask("delete a bucket", "delete_bucket"))
    assert events == []
    assert only_text(sent) == wording.NEED_BUCKET.format(example="delete bucket my-old-bucket")


async def test_delete_missing_bucket_says_so(env: StorageEnv) -> None:
    events, sent = await run_action(env.action(ActionDeleteBucket), ask("delete bucket nope", "delete_bucket",
                                                                        bucket="nope-bucket"))
    assert events == [talked_about(bucket="nope-bucket", skill="action_delete_bucket")]
    assert only_text(sent) == (
        "There is no bucket called nope-bucket in this account. Say \"list my buckets\" to see yours."
    )


async def test_delete_empty_bucket_after_one_yes(env: StorageEnv) -> None:
    env.s3.create_bucket(Bucket="old-bucket")
    events, sent = await run_action(env.action(ActionDeleteBucket), ask("delete bucket old-bucket", "delete_bucket",
                                                                        bucket="old-bucket"))
    assert sent[0]["text"] == "Delete bucket old-bucket (us-east-1)? It is empty. This cannot be undone."
    pending = pending_of(events)
    assert [b["payload"] for b in sent[0]["buttons"]] == [yes_payload(pending), "/deny"]
    assert [b.get("style") for b in sent[0]["buttons"]] == ["danger", None]  # a red yes beside a plain cancel
    assert change_of(pending) == {"kind": "delete_bucket", "bucket": "old-bucket", "stage": "delete"}
    events, sent = await env.say_yes(pending)
    assert only_text(sent) == "Deleted bucket old-bucket."
    assert env.s3.list_buckets()["Buckets"] == []
    assert [(x["action"], x["result"]) for x in env.audit_lines()] == [("delete_bucket", "ok")]


async def test_non_empty_bucket_needs_a_second_answer_on_its_own_button(env: StorageEnv) -> None:
    env.s3.create_bucket(Bucket="full-bucket")
    for key in ("a.txt", "b.txt"):
        env.s3.put_object(Bucket="full-bucket", Key=key, Body=b"x")
    events, sent = await run_action(env.action(ActionDeleteBucket), ask("delete bucket full-bucket", "delete_bucket",
                                                                        bucket="full-bucket"))
    assert sent[0]["text"] == (
        "Delete bucket full-bucket (us-east-1)? It holds 2 objects. I will ask once more before deleting any of them."
    )
    events, sent = await env.say_yes(pending_of(events))
    assert sent[0]["text"] == (
        "full-bucket is not empty: it holds 2 objects. To delete the bucket I must first delete all of them "
        "permanently - they cannot be recovered. Empty full-bucket and delete it? This step needs the "
        "\"Empty and delete full-bucket\" button: a typed yes is not enough."
    )
    second = pending_of(events)
    assert sent[0]["buttons"] == [{"title": "Empty and delete full-bucket", "payload": yes_payload(second),
                                   "style": "danger"},
                                  {"title": "No, cancel", "payload": "/deny"}]
    assert change_of(second) == {"kind": "delete_bucket", "bucket": "full-bucket", "stage": "empty"}
    assert second["question"]["button_only"] is True
    assert env.s3.list_objects_v2(Bucket="full-bucket")["KeyCount"] == 2  # nothing deleted after the first yes
    assert env.audit_lines() == []

    _, sent = await env.say_yes(second, press=True)
    assert only_text(sent) == "Emptied full-bucket (deleted 2 objects) and deleted the bucket."
    assert env.s3.list_buckets()["Buckets"] == []
    lines = env.audit_lines()
    assert [(x["action"], x["result"]) for x in lines] == [("empty_bucket", "ok"), ("delete_bucket", "ok")]
    assert lines[0]["parameters"] == {"bucket": "full-bucket", "deleted_versions": 2, "deleted_markers": 0,
                                      "failed": 0}


async def test_no_at_the_second_question_keeps_everything(env: StorageEnv) -> None:
    env.s3.create_bucket(Bucket="full-bucket")
    env.s3.put_object(Bucket="full-bucket", Key="a.txt", Body=b"x")
    _, sent = await env.say_no({"kind": "delete_bucket", "bucket": "full-bucket", "stage": "empty"})
    assert env.s3.list_objects_v2(Bucket="full-bucket")["KeyCount"] == 1
    assert env.audit_lines() == []


async def test_versioned_bucket_is_emptied_of_versions_and_markers(env: StorageEnv) -> None:
    env.s3.create_bucket(Bucket="versioned-bucket")
    env.s3.put_bucket_versioning(Bucket="versioned-bucket", VersioningConfiguration={"Status": "Enabled"})
    env.s3.put_object(Bucket="versioned-bucket", Key="a.txt", Body=b"1")
    env.s3.put_object(Bucket="versioned-bucket", Key="a.txt", Body=b"2")
    env.s3.put_object(Bucket="versioned-bucket", Key="b.txt", Body=b"1")
    env.s3.delete_object(Bucket="versioned-bucket", Key="b.txt")
    events, sent = await run_action(env.action(ActionDeleteBucket), ask("delete it", "delete_bucket",
                                                                        bucket="versioned-bucket"))
    assert "It holds 1 object, 2 older versions and 1 delete marker." in sent[0]["text"]
    events, _ = await env.say_yes(pending_of(events))
    _, sent = await env.say_yes(pending_of(events), press=True)
    assert only_text(sent) == (
        "Emptied versioned-bucket (deleted 3 object versions and 1 delete marker) and deleted the bucket."
    )
    assert env.s3.list_buckets()["Buckets"] == []


async def test_big_bucket_is_emptied_in_the_background(env: StorageEnv) -> None:
    env.s3.create_bucket(Bucket="big-bucket")
    for n in range(3):
        env.s3.put_object(Bucket="big-bucket", Key=f"k{n}", Body=b"x")
    posts = Posts()
    handler = env.action(ActionDeleteBucket)
    handler.background_objects = 2
    handler.jobs = env.runner(posts)
    _, sent = await env.say_yes({"kind": "delete_bucket", "bucket": "big-bucket", "stage": "empty"}, handler=handler,
                                press=True)
    assert only_text(sent) == (
        "Emptying big-bucket (3 objects) - this takes a while; I'll post progress here."
        ' Say "stop" to stop it.'
    )
    await handler.jobs.wait()
    assert posts.sent[-1] == (SENDER, "Emptied big-bucket (deleted 3 objects) and deleted the bucket.")
    assert all(c["total"] == 3 and c["unit"] == "objects" for c in posts.counts)  # progress counts toward the 3
    assert env.s3.list_buckets()["Buckets"] == []
    assert [(x["action"], x["result"]) for x in env.audit_lines()] == [("empty_bucket", "ok"), ("delete_bucket", "ok")]


# --- usage -----------------------------------------------------------------------------------------------------------
async def test_usage_per_storage_class(env: StorageEnv) -> None:
    env.s3.create_bucket(Bucket="usage-bucket")
    env.s3.put_object(Bucket="usage-bucket", Key="a", Body=b"x" * 2048)
    env.s3.put_object(Bucket="usage-bucket", Key="b", Body=b"x" * 1024, StorageClass="STANDARD_IA")
    _, sent = await run_action(env.action(ActionBucketUsage), ask("how big is usage-bucket", "bucket_usage",
                                                                  bucket="usage-bucket"))
    assert only_text(sent) == "\n".join([
        "usage-bucket stores 3 KB in 2 objects.",
        "- STANDARD: 1 object, 2 KB",
        "- STANDARD_IA: 1 object, 1 KB",
        "Total: 2 objects, 3 KB",
        "Counted from a listing of the bucket just now.",
    ])
    table = sent[0]["custom"]["table"]
    assert table["rows"] == [["STANDARD", "1", "2 KB"], ["STANDARD_IA", "1", "1 KB"]]
    assert table["totals"] == ["Total", "2", "3 KB"]


async def test_usage_of_missing_bucket_and_without_a_name(env: StorageEnv) -> None:
    _, sent = await run_action(env.action(ActionBucketUsage), ask("how big is x", "bucket_usage", bucket="no-bucket"))
    assert only_text(sent).startswith("There is no bucket called no-bucket")
    _, sent = await run_action(env.action(ActionBucketUsage), ask("bucket usage", "bucket_usage"))
    assert only_text(sent) == wording.NEED_BUCKET.format(example="how big is my-project-bucket")
