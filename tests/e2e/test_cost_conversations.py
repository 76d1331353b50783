"""End-to-end cost conversations through the REST channel on the sandbox's demo buckets: an analysis with figures
and a chart the web chat serves, a lifecycle policy applied after "yes" next to the user's own rule, "no" changing
nothing, and the rules explained in plain words."""
from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from actions.core.late import RasaPoster, Reply
from launcher.stack import Stack
from sandbox.demo_data import LOG_LIFECYCLE_RULE
from tests.e2e.assistant import Conversation, api

pytestmark = pytest.mark.e2e


def s3_of(stack: Stack) -> Any:
    return boto3.client("s3", endpoint_url=stack.aws_endpoint, region_name="us-east-1",
                        aws_access_key_id="x", aws_secret_access_key="x")


def text_of(replies: list[dict[str, Any]]) -> str:
    return "\n".join(r.get("text", "") for r in replies if r.get("text"))


def audit_of(stack: Stack, sender: str) -> list[dict[str, Any]]:
    path = Path(stack.env["CLOUDBUTLER_AUDIT_LOG"])
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []
    mine = [line for line in lines if line["sender"] == sender]
    attempted = {line["id"] for line in mine if line["result"] == "attempted"}
    done = [line for line in mine if line["result"] != "attempted"]
    assert all(line["id"] in attempted for line in done), mine  # every outcome follows its "attempted" line
    return done


def test_cost_optimization_of_the_media_library(chat: Conversation, stack: Stack) -> None:
    replies = chat.say("suggest cost optimization for media-library-prod")
    lines = text_of(replies).splitlines()
    # The demo bucket's objects have fixed sizes, classes and ages (sandbox/demo_data.py), so the figures are fixed.
    assert lines[:6] == [
        "Cost analysis of media-library-prod (us-east-1), listed just now:",
        "14 objects (11.1 MB), about $0.00017/month now.",
        "Move 1 object (180 KB) untouched for 30+ days and larger than 128 KB to Standard-IA: saves "
        "$0.0000018/month for a one-time $0.00001, pays back in 6 months.",
        "Move 1 object (2 MB) untouched for 90+ days and larger than 256 KB to Glacier Flexible Retrieval: saves "
        "$0.000039/month for a one-time $0.00003, pays back within a month.",
        "Move 4 objects (8.6 MB) untouched for 365+ days and larger than 256 KB to Glacier Deep Archive: saves "
        "$0.00011/month for a one-time $0.0002, pays back in 2 months.",
        "Altogether: $0.000026/month instead of $0.00017/month, for a one-time $0.00024.",
    ]
    assert "- Total: 14 objects (11.1 MB), $0.00017/month now, $0.000026/month after" in lines
    table = next(r["custom"]["table"] for r in replies if r.get("custom"))
    assert table["rows"][-1] == ["Total", "14", "11.1 MB", "$0.00017/month", "$0.000026/month"]

    image = next(r["image"] for r in replies if r.get("image"))
    assert image.startswith("/media/") and image.endswith("-cost-media-library-prod.png")
    name = image.removeprefix("/media/")
    png = (Path(stack.env["CLOUDBUTLER_MEDIA_DIR"]) / name).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    # The web chat serves the chart under its media route.
    served = requests.get(f"{stack.rasa_url}/webhooks/webchat/media/{name}", timeout=10)
    assert (served.status_code, served.content) == (200, png)


def test_lifecycle_policy_applied_after_yes_keeps_the_existing_rule(chat: Conversation, stack: Stack) -> None:
    bucket = "app-logs.eu-west-1"
    s3 = s3_of(stack)
    assert s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"] == [LOG_LIFECYCLE_RULE]

    replies = chat.say(f"setup lifecycle policy for {bucket}")
    lines = text_of(replies).splitlines()
    assert lines[0].startswith(f"Proposed lifecycle policy for {bucket}, from its analysis (40 objects (")
    assert lines[1:] == [
        f"After the change {bucket} would have these rules:",
        "- 'archive-app-logs' (yours): Objects under logs/ move to Standard-IA after 30 days and to Glacier "
        "Flexible Retrieval after 365 days. They are deleted after 730 days.",
        "- 'cloudbutler-cleanup' (CloudButler's): Unfinished uploads are cleaned up after 7 days.",
        "What changes:",
        "- Add rule 'cloudbutler-cleanup'.",
        "- Keep your rule 'archive-app-logs' as it is.",
        "- Not adding 'cloudbutler-tiering-gt-128kb': your rule 'archive-app-logs' already handles objects under "
        "logs/.",
        "- Not adding 'cloudbutler-tiering-gt-256kb': your rule 'archive-app-logs' already handles objects under "
        "logs/.",
        f"Apply these lifecycle rules to {bucket}? Your own rules stay exactly as they are.",
    ]
    assert [b["payload"].split("{")[0] for b in replies[0]["buttons"]] == ["/affirm", "/deny"]
    assert s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"] == [LOG_LIFECYCLE_RULE]

    assert chat.say_text("yes") == (
        f"Applied the lifecycle policy to {bucket}: added 1 rule and kept 1 of yours as it was. {bucket} now has "
        f"2 lifecycle rules. Say \"show lifecycle policy for {bucket}\" to read them."
    )
    rules = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert rules == [
        LOG_LIFECYCLE_RULE,
        {"ID": "cloudbutler-cleanup", "Status": "Enabled", "Filter": {"Prefix": ""},
         "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7}},
    ]
    [entry] = audit_of(stack, chat.sender)
    assert (entry["action"], entry["result"], entry["parameters"]["bucket"]) == ("apply_lifecycle", "ok", bucket)

    assert chat.say_text(f"show lifecycle policy for {bucket}") == "\n".join([
        f"{bucket} has 2 lifecycle rules:",
        "- 'archive-app-logs' (yours): Objects under logs/ move to Standard-IA after 30 days and to Glacier "
        "Flexible Retrieval after 365 days. They are deleted after 730 days.",
        "- 'cloudbutler-cleanup' (CloudButler's): Unfinished uploads are cleaned up after 7 days.",
    ])


def test_no_leaves_the_lifecycle_as_it_was(chat: Conversation, stack: Stack) -> None:
    question = chat.say_text("setup lifecycle policy for backups-archive")
    assert question.endswith("Apply these lifecycle rules to backups-archive? Your own rules stay exactly as they are.")
    assert "- Add rule 'cloudbutler-cleanup'." in question.splitlines()
    assert chat.say_text("no") == "Okay, I cancelled that - nothing was changed."
    with pytest.raises(s3_of(stack).exceptions.ClientError) as missing:
        s3_of(stack).get_bucket_lifecycle_configuration(Bucket="backups-archive")
    assert missing.value.response["Error"]["Code"] == "NoSuchLifecycleConfiguration"
    assert audit_of(stack, chat.sender) == []


def test_show_lifecycle_without_rules_suggests_the_setup(chat: Conversation) -> None:
    assert chat.say_text("show lifecycle policy for media-library-prod") == (
        "media-library-prod has no lifecycle rules: objects stay in their storage class until someone deletes "
        "them. Say \"setup lifecycle policy for media-library-prod\" and I'll propose one (and ask before applying it)."
    )


def test_missing_and_unknown_buckets_get_explanations(chat: Conversation) -> None:
    assert chat.say_text("show lifecycle") == (
        "Which bucket? Tell me its name, e.g. \"show lifecycle policy for my-project-bucket\"."
    )
    assert chat.say_text("suggest cost optimization for no-such-bucket-e2e") == (
        "There is no bucket called no-such-bucket-e2e in this account. Say \"list my buckets\" to see yours."
    )


def test_a_background_analysis_reaches_the_conversation_with_its_table_and_chart(
    chat: Conversation, stack: Stack
) -> None:
    """What a finished background analysis posts (the poster the action server uses) is said by the assistant."""
    chat.say("hello")
    message: Reply = {
        "text": "Monthly cost of big-bucket per storage class:\n- Total: 1 object (1 B), $0/month now, $0/month after",
        "image": "/media/0123456789abcdef-cost-big-bucket.png",
        "json_message": {"table": {"title": "Monthly cost of big-bucket per storage class",
                                   "columns": ["Storage class"], "rows": [["Total"]]}},
    }
    asyncio.run(RasaPoster(stack.rasa_url, stack.api_token)(chat.sender, message))
    tracker = requests.get(f"{stack.rasa_url}/conversations/{chat.sender}/tracker", params=api(stack),
                           timeout=10).json()
    said = [e for e in tracker["events"] if e["event"] == "bot"][-1]
    assert said["text"] == message["text"]
    assert (said["data"]["image"], said["data"]["custom"]) == (message["image"], message["json_message"])
