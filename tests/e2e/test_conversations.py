"""End-to-end conversations through the REST channel with real user text."""
from __future__ import annotations

import re

import boto3
import pytest
import requests

from launcher.stack import Stack
from tests.e2e.assistant import Conversation

pytestmark = pytest.mark.e2e


def test_hello_world_gets_hello(chat: Conversation) -> None:
    assert "hello" in chat.say_text("hello world").lower()


def test_server_status_reports_sandbox_instance(chat: Conversation, stack: Stack) -> None:
    replies = chat.say("Tell me about my server!")
    text = "\n".join(r.get("text", "") for r in replies)
    identity = requests.get(
        f"{stack.imds_endpoint.rstrip('/')}/latest/dynamic/instance-identity/document",
        headers={"X-aws-ec2-metadata-token": _imds_token(stack)},
        timeout=5,
    ).json()
    assert f"Region: {identity['region']}" in text
    assert f"Availability zone: {identity['availabilityZone']}" in text
    assert f"Private IP: {identity['privateIp']}" in text
    assert re.search(r"Public IP: \d+\.\d+\.\d+\.\d+", text)
    assert re.search(r"CPU: \d+\.\d%", text)
    assert identity["instanceId"] in text
    fields = next(r["custom"]["fields"] for r in replies if "custom" in r)
    labels = {item["label"]: item["value"] for item in fields["items"]}
    assert labels["Region"] == identity["region"]


def test_named_instance_is_looked_up_in_the_fleet(chat: Conversation, stack: Stack) -> None:
    ec2 = boto3.client("ec2", endpoint_url=stack.aws_endpoint, region_name="us-east-1",
                       aws_access_key_id="x", aws_secret_access_key="x")
    instances = [i for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]]
    web2 = next(i for i in instances if {"Key": "Name", "Value": "web-2"} in i.get("Tags", []))
    text = chat.say_text("how is web-2 doing?")
    assert web2["InstanceId"] in text
    assert f"Private IP: {web2['PrivateIpAddress']}" in text
    assert re.search(r"CPU \(1-hour average\): \d+\.\d%", text)


def test_unknown_instance_names_the_known_ones(chat: Conversation) -> None:
    text = chat.say_text("how is api-server-3 doing?")
    assert "api-server-3" in text
    for known in ("web-1", "web-2", "batch-1"):
        assert known in text


def test_out_of_scope_gets_a_short_friendly_answer(chat: Conversation) -> None:
    text = chat.say_text("what's the best pizza topping in naples?")
    assert text.startswith("That's outside what I can do")
    assert "what can you do" in text


def test_a_typo_storm_gets_the_skill_list(chat: Conversation) -> None:
    text = chat.say_text("qqq zzkx vvvvv pppp")
    assert "Here is what I can do" in text or "outside what I can do" in text


def test_help_lists_implemented_skills_only(chat: Conversation) -> None:
    text = chat.say_text("what can you do?")
    assert "Server status" in text


# Once misread (issue 11: "Goodbye!", a server status card) or answered "not yet": each reaches its skill now.
@pytest.mark.parametrize("request_, start", [
    ("what are my stats", "Your S3 storage:"),
    ("predict my s3 bill for next month", "Next month I expect about"),
    ("alert me when web-2 cpu goes over 80%", 'Create the CloudWatch alarm "web-2-cpu-above-80"?'),
])
def test_requests_once_misread_reach_their_skill(chat: Conversation, request_: str, start: str) -> None:
    text = chat.say_text(request_)
    assert text.startswith(start), text


def test_yes_without_a_question_changes_nothing(chat: Conversation) -> None:
    assert "nothing waiting for your confirmation" in chat.say_text("yes")


@pytest.mark.parametrize(
    "message",
    ["", "   ", "a" * 10_000, "🚀🔥💾 ☁️", "مرحبا، كيف حال الخادم؟", "'; DROP TABLE buckets; --",
     "<script>alert(1)</script>", "{{7*7}} ${jndi:ldap://x} /restart"],
)
def test_bad_input_gets_a_reply_and_crashes_nothing(stack: Stack, message: str) -> None:
    chat = Conversation(stack)
    replies = chat.say(message)
    assert replies, "every message gets a reply"
    for reply in replies:
        assert "Traceback" not in reply.get("text", "")
    assert "hello" in chat.say_text("hello").lower()  # the conversation still works afterwards


def _imds_token(stack: Stack) -> str:
    return requests.put(
        f"{stack.imds_endpoint.rstrip('/')}/latest/api/token",
        headers={"X-aws-ec2-metadata-token-ttl-seconds": "60"},
        timeout=5,
    ).text
