"""End-to-end instance control through the REST channel, typed the way busy people type: "restart web-2", "pls stop
batch-1", "resize web-2 to t3.small" (asked twice, the second time only its button goes ahead), "no", a protected
instance, an instance already stopped. Checked against the sandbox's EC2 and the audit log; every test leaves the
demo instances as it found them (other tests read their types and states)."""
from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from actions.aws.instances import PROTECTED_TAG
from launcher.stack import Stack
from tests.e2e.assistant import Conversation, api

pytestmark = pytest.mark.e2e

DEMO = ("web-1", "web-2", "batch-1")
WAIT = {"Delay": 1, "MaxAttempts": 60}


def ec2_of(stack: Stack) -> Any:
    return boto3.client("ec2", endpoint_url=stack.aws_endpoint, region_name="us-east-1",
                        aws_access_key_id="x", aws_secret_access_key="x")


def instance(stack: Stack, name: str) -> dict[str, Any]:
    pages = ec2_of(stack).describe_instances(Filters=[{"Name": "tag:Name", "Values": [name]}])["Reservations"]
    [found] = [i for r in pages for i in r["Instances"] if i["State"]["Name"] != "terminated"]
    return dict(found)


def state_of(stack: Stack, name: str) -> tuple[str, str]:
    raw = instance(stack, name)
    return raw["State"]["Name"], raw["InstanceType"]


def put_back(stack: Stack, name: str, state: str, instance_type: str) -> None:
    """``name`` on ``instance_type`` and in ``state`` again, without its protected tag."""
    ec2 = ec2_of(stack)
    raw = instance(stack, name)
    ids = [raw["InstanceId"]]
    ec2.delete_tags(Resources=ids, Tags=[{"Key": PROTECTED_TAG}])
    if raw["InstanceType"] != instance_type:
        ec2.stop_instances(InstanceIds=ids)
        ec2.get_waiter("instance_stopped").wait(InstanceIds=ids, WaiterConfig=WAIT)
        ec2.modify_instance_attribute(InstanceId=ids[0], InstanceType={"Value": instance_type})
    if state == "running" and state_of(stack, name)[0] != "running":
        ec2.start_instances(InstanceIds=ids)
        ec2.get_waiter("instance_running").wait(InstanceIds=ids, WaiterConfig=WAIT)
    if state == "stopped" and state_of(stack, name)[0] != "stopped":
        ec2.stop_instances(InstanceIds=ids)
        ec2.get_waiter("instance_stopped").wait(InstanceIds=ids, WaiterConfig=WAIT)


@pytest.fixture(autouse=True)
def demo_instances_left_as_found(stack: Stack) -> Iterator[dict[str, tuple[str, str]]]:
    before = {name: state_of(stack, name) for name in DEMO}
    yield before
    for name, (state, instance_type) in before.items():
        put_back(stack, name, state, instance_type)


def text_of(replies: list[dict[str, Any]]) -> str:
    return "\n".join(r.get("text", "") for r in replies if r.get("text"))


def bot_texts(stack: Stack, sender: str) -> list[str]:
    tracker = requests.get(f"{stack.rasa_url}/conversations/{sender}/tracker", params=api(stack), timeout=10)
    tracker.raise_for_status()
    return [str(e.get("text") or "") for e in tracker.json()["events"] if e["event"] == "bot"]


def late_message(stack: Stack, chat: Conversation, starts: str, timeout: float = 90.0) -> str:
    """The first message a background job posted into the conversation that starts with ``starts``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [text for text in bot_texts(stack, chat.sender) if text.startswith(starts)]
        if found:
            return found[0]
        time.sleep(0.5)
    pytest.fail(f"no late message starting {starts!r}; the bot said: {bot_texts(stack, chat.sender)}")


def audit_of(stack: Stack, sender: str) -> list[tuple[str, str, dict[str, Any]]]:
    path = Path(stack.env["CLOUDBUTLER_AUDIT_LOG"])
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []
    return [(x["action"], x["result"], x["parameters"]) for x in lines
            if x["sender"] == sender and x["result"] != "attempted"]


def test_restart_web_2_asks_and_reboots_it(chat: Conversation, stack: Stack) -> None:
    raw = instance(stack, "web-2")
    [question] = chat.say("restart web-2")
    assert question["text"] == (
        f"Reboot web-2 ({raw['InstanceId']}, {raw['InstanceType']})? Its operating system restarts: about a minute "
        "of downtime. It stays on the same host and keeps its IP addresses."
    )
    assert [b["title"] for b in question["buttons"]] == ["Reboot web-2", "No, cancel"]
    assert chat.say_text("yes") == (
        "Rebooting web-2: its operating system is restarting and should answer again within a minute or two."
    )
    assert state_of(stack, "web-2")[0] == "running"
    [(action, result, parameters)] = audit_of(stack, chat.sender)
    assert (action, result, parameters["instance_id"]) == ("reboot_instance", "ok", raw["InstanceId"])


def test_pls_stop_batch_1_then_it_is_already_stopped_then_start_it(chat: Conversation, stack: Stack) -> None:
    raw = instance(stack, "batch-1")
    [question] = chat.say("pls stop batch-1")
    assert question["text"].startswith(
        f"Stop batch-1 ({raw['InstanceId']}, {raw['InstanceType']})? It goes offline until someone starts it again"
    )
    assert question["buttons"][0]["style"] == "danger"
    assert chat.say_text("yes") == "Stopping batch-1 - I'll tell you when it has stopped."
    assert late_message(stack, chat, "batch-1 has stopped") == (
        "batch-1 has stopped. Say \"start batch-1\" to start it again."
    )
    assert state_of(stack, "batch-1")[0] == "stopped"

    # Stopping it again: said at once, nothing asked, nothing audited.
    replies = chat.say("stop batch-1")
    assert text_of(replies) == "batch-1 is already stopped. Nothing was changed."
    assert not any(r.get("buttons") for r in replies)

    assert chat.say_text("start batch-1").startswith(f"Start batch-1 ({raw['InstanceId']}, {raw['InstanceType']})?")
    assert chat.say_text("yes") == "Starting batch-1 - I'll tell you when it is running."
    assert late_message(stack, chat, "batch-1 is running").startswith(f"batch-1 is running ({raw['InstanceType']})")
    assert state_of(stack, "batch-1") == ("running", raw["InstanceType"])
    assert [(a, r) for a, r, _ in audit_of(stack, chat.sender)] == [("stop_instance", "ok"), ("start_instance", "ok")]


def test_resize_web_2_asks_twice_and_only_its_button_resizes(chat: Conversation, stack: Stack) -> None:
    raw = instance(stack, "web-2")
    was = raw["InstanceType"]  # the sandbox's choice, read rather than assumed
    target = "t3.small" if was != "t3.small" else "t3.large"
    [first] = chat.say(f"resize web-2 to {target}")
    assert first["text"] == (
        f"Resize web-2 ({raw['InstanceId']})? web-2 will be stopped, changed from {was} to {target} and started "
        "again: about 1-2 minutes of downtime; its public IP may change. I will ask once more before stopping it."
    )
    [second] = chat.say("yes")
    assert second["text"].startswith("Last check: as soon as you press \"Resize web-2 now\", web-2 goes offline")
    button = second["buttons"][0]
    assert (button["title"], button["style"]) == ("Resize web-2 now", "danger")
    # A second typed yes is a reflex: it changes nothing.
    assert chat.say_text("yes").startswith("A typed yes can't confirm this step, so I haven't changed anything.")
    assert state_of(stack, "web-2") == ("running", was)
    assert chat.say_text(button["payload"]) == (
        f"Resizing web-2 from {was} to {target}. I'll tell you each step; it takes about 1-2 minutes."
    )
    done = late_message(stack, chat, "Resized web-2")
    assert done.startswith(f"Resized web-2: it is running as a {target} now (was {was})")
    assert state_of(stack, "web-2") == ("running", target)
    [(action, result, parameters)] = audit_of(stack, chat.sender)
    assert (action, result) == ("resize_instance", "ok")
    assert (parameters["type"], parameters["target"], parameters["now_type"]) == (was, target, target)


def test_no_changes_nothing(chat: Conversation, stack: Stack) -> None:
    before = state_of(stack, "web-1")
    assert chat.say_text("stop web-1").startswith("Stop web-1 (")
    assert chat.say_text("no") == "Okay, I cancelled that - nothing was changed."
    assert state_of(stack, "web-1") == before
    assert audit_of(stack, chat.sender) == []


def test_a_protected_instance_is_refused_without_asking(chat: Conversation, stack: Stack) -> None:
    ids = [instance(stack, "batch-1")["InstanceId"]]
    ec2_of(stack).create_tags(Resources=ids, Tags=[{"Key": PROTECTED_TAG, "Value": "true"}])
    replies = chat.say("reboot batch-1")
    assert text_of(replies) == (
        "batch-1 is tagged cloudbutler:protected=true, so I won't reboot it from chat. Nothing was changed. If it "
        "should be changeable here, remove the tag in the EC2 console."
    )
    assert not any(r.get("buttons") for r in replies)
    assert "nothing waiting for your confirmation" in chat.say_text("yes")
    assert audit_of(stack, chat.sender) == []


def test_an_unknown_instance_names_the_ones_that_exist(chat: Conversation) -> None:
    text = chat.say_text("restart web-9")
    assert text.startswith("I don't know an instance called \"web-9\". Known instances: ")
    assert all(name in text for name in DEMO)
