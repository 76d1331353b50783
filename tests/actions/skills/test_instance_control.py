"""The instance-control skill against moto: the questions (downtime named), the second button-only question of a
resize, background start/stop/resize with their late messages, refusals without a question, one audit record per
change, and the words busy people use for each operation."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from botocore.awsrequest import AWSResponse

import actions.skills.server_status  # noqa: F401 - registers the reply to an unknown instance
from actions.aws.clients import ClientFactory
from actions.aws.errors import CloudButlerError
from actions.aws.instances import PROTECTED_TAG
from actions.core import errors
from actions.core.base import implemented_skills
from actions.skills.conversation import INTENT_PURPOSE, ActionSameFor
from actions.skills.servers import control_wording as say
from actions.skills.servers.control import ActionInstanceControl
from actions.skills.servers.control_parsing import operation_named, target_type_in
from launcher.config import ROOT
from tests.actions.aws.test_instances import launch, state_of
from tests.actions.harness import Conversation, run_action
from tests.actions.skills.storage.support import (
    SENDER,
    Posts,
    StorageEnv,
    ask,
    asked_nothing,
    make_env,
    only_text,
    pending_of,
)


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, aws: ClientFactory) -> StorageEnv:
    return make_env(tmp_path, monkeypatch, aws)


@pytest.fixture
def ec2(env: StorageEnv) -> Any:
    return env.aws.client("ec2")


@pytest.fixture
def fleet(ec2: Any) -> dict[str, str]:
    return {"web-2": launch(ec2, "web-2", "t3.medium"), "batch-1": launch(ec2, "batch-1", "c5.large")}


@pytest.fixture
def posts() -> Posts:
    return Posts()


@pytest.fixture
def action(env: StorageEnv, posts: Posts) -> ActionInstanceControl:
    action = env.action(ActionInstanceControl)
    action.poll_seconds = 0.01
    action.jobs = env.runner(posts)
    return action


def public_ip(ec2: Any, instance_id: str) -> str:
    return str(ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]["PublicIpAddress"])


async def request(action: ActionInstanceControl, text: str, **entities: str) -> tuple[list[dict[str, Any]], str]:
    events, sent = await run_action(action, ask(text, "instance_control", **entities))
    return events, "\n".join(m["text"] for m in sent)


def outcomes(env: StorageEnv) -> list[tuple[str, str, str]]:
    return [(x["action"], x["result"], x.get("detail", "")) for x in env.audit_lines()]


# --- the conversations --------------------------------------------------------------------------------------------


async def test_restart_asks_then_reboots_and_audits_once(
    env: StorageEnv, action: ActionInstanceControl, fleet: dict[str, str]
) -> None:
    events, sent = await run_action(action, ask("restart web-2", "instance_control", operation="restart",
                                                instance="web-2"))
    assert only_text(sent) == (
        f"Reboot web-2 ({fleet['web-2']}, t3.medium)? Its operating system restarts: about a minute of downtime. It "
        "stays on the same host and keeps its IP addresses."
    )
    yes, no = sent[0]["buttons"]
    assert (yes["title"], no["title"]) == ("Reboot web-2", "No, cancel") and "style" not in yes
    pending = pending_of(events)
    assert {k: pending[k] for k in ("kind", "operation", "instance", "instance_id")} == {
        "kind": "instance_control", "operation": "reboot", "instance": "web-2", "instance_id": fleet["web-2"]}
    _, sent = await env.say_yes(pending, handler=action)
    assert only_text(sent) == say.DONE["reboot"].format(name="web-2")
    [line] = env.audit_lines()
    assert (line["action"], line["result"], line["sender"]) == ("reboot_instance", "ok", SENDER)
    assert line["parameters"] == {"instance": "web-2", "instance_id": fleet["web-2"], "operation": "reboot",
                                  "type": "t3.medium", "state": "running", "now_type": "t3.medium"}


async def test_pls_stop_names_the_downtime_runs_in_the_background_and_reports(
    env: StorageEnv, action: ActionInstanceControl, fleet: dict[str, str], posts: Posts, ec2: Any
) -> None:
    ip = public_ip(ec2, fleet["batch-1"])
    events, sent = await run_action(action, ask("pls stop batch-1", "instance_control", operation="stop",
                                                instance="batch-1"))
    assert only_text(sent) == (
        f"Stop batch-1 ({fleet['batch-1']}, c5.large)? It goes offline until someone starts it again; its public "
        f"IP {ip} is released and it gets a new one when it starts, unless it has an Elastic IP. Its EBS volumes "
        "keep their data; anything on instance-store volumes is lost."
    )
    assert sent[0]["buttons"][0] == {"title": "Stop batch-1", "payload": sent[0]["buttons"][0]["payload"],
                                     "style": "danger"}
    _, sent = await env.say_yes(pending_of(events), handler=action)
    assert only_text(sent) == "Stopping batch-1 - I'll tell you when it has stopped."
    await action.jobs.wait()
    assert posts.sent == [(SENDER, "batch-1 has stopped. Say \"start batch-1\" to start it again.")]
    assert state_of(ec2, fleet["batch-1"]) == ("stopped", "c5.large")
    assert outcomes(env) == [("stop_instance", "ok", "")]

    # ... and back: start asks, then reports the new public IP.
    events, sent = await run_action(action, ask("bring batch-1 back up", "instance_control", instance="batch-1"))
    assert only_text(sent).startswith(f"Start batch-1 ({fleet['batch-1']}, c5.large)? It is stopped now")
    _, sent = await env.say_yes(pending_of(events), handler=action)
    await action.jobs.wait()
    assert posts.texts[-1] == f"batch-1 is running (c5.large), public IP {public_ip(ec2, fleet['batch-1'])}."
    assert outcomes(env) == [("stop_instance", "ok", ""), ("start_instance", "ok", "")]


async def test_resize_asks_twice_and_only_the_second_button_goes_ahead(
    env: StorageEnv, action: ActionInstanceControl, fleet: dict[str, str], posts: Posts, ec2: Any
) -> None:
    events, sent = await run_action(action, ask("resize web-2 to t3.small", "instance_control", operation="resize",
                                                instance="web-2", instance_type="t3.small"))
    assert only_text(sent) == (
        f"Resize web-2 ({fleet['web-2']})? web-2 will be stopped, changed from t3.medium to t3.small and started "
        "again: about 1-2 minutes of downtime; its public IP may change. I will ask once more before stopping it."
    )
    assert sent[0]["buttons"][0]["style"] == "danger"
    events, sent = await env.say_yes(pending_of(events), handler=action)
    assert only_text(sent) == (
        "Last check: as soon as you press \"Resize web-2 now\", web-2 goes offline for about 1-2 minutes while it "
        "becomes a t3.small. Only that button goes ahead."
    )
    assert (sent[0]["buttons"][0]["title"], sent[0]["buttons"][0]["style"]) == ("Resize web-2 now", "danger")
    second = pending_of(events)
    assert second["question"]["button_only"] is True
    # A second typed yes is a reflex, not an answer: nothing changes.
    _, sent = await env.say_yes(second, handler=action)
    assert sent[0]["text"].startswith("A typed yes can't confirm this step")
    assert state_of(ec2, fleet["web-2"]) == ("running", "t3.medium") and env.audit_lines() == []
    _, sent = await env.say_yes(second, handler=action, press=True)
    assert only_text(sent) == (
        "Resizing web-2 from t3.medium to t3.small. I'll tell you each step; it takes about 1-2 minutes."
    )
    await action.jobs.wait()
    assert posts.texts[-1] == (
        f"Resized web-2: it is running as a t3.small now (was t3.medium), public IP {public_ip(ec2, fleet['web-2'])}."
    )
    assert state_of(ec2, fleet["web-2"]) == ("running", "t3.small")
    [line] = env.audit_lines()
    assert (line["action"], line["result"]) == ("resize_instance", "ok")
    assert {k: line["parameters"][k] for k in ("type", "target", "now_type")} == {
        "type": "t3.medium", "target": "t3.small", "now_type": "t3.small"}


async def test_no_changes_nothing(env: StorageEnv, action: ActionInstanceControl, fleet: dict[str, str], ec2: Any
                                  ) -> None:
    events, _ = await request(action, "stop web-2", operation="stop", instance="web-2")
    _, sent = await env.say_no(pending_of(events))
    assert only_text(sent) == "Okay, I cancelled that - nothing was changed."
    assert state_of(ec2, fleet["web-2"]) == ("running", "t3.medium") and env.audit_lines() == []


async def test_a_protected_instance_is_refused_without_a_question(
    env: StorageEnv, action: ActionInstanceControl, ec2: Any
) -> None:
    launch(ec2, "db-primary", **{PROTECTED_TAG: "true"})
    events, text = await request(action, "reboot db-primary", operation="reboot", instance="db-primary")
    assert text == (
        "db-primary is tagged cloudbutler:protected=true, so I won't reboot it from chat. Nothing was changed. If it "
        "should be changeable here, remove the tag in the EC2 console."
    )
    assert asked_nothing(events) and env.audit_lines() == []


async def test_an_already_stopped_instance_is_said_without_a_question(
    action: ActionInstanceControl, fleet: dict[str, str], ec2: Any
) -> None:
    ec2.stop_instances(InstanceIds=[fleet["web-2"]])
    events, text = await request(action, "shut down web-2", operation="stop", instance="web-2")
    assert text == "web-2 is already stopped. Nothing was changed."
    assert asked_nothing(events)
    _, text = await request(action, "reboot web-2", operation="reboot", instance="web-2")
    assert text == "web-2 is stopped, so there is nothing to reboot. Say \"start web-2\" to start it."


async def test_a_change_since_the_question_is_checked_again_on_yes(
    env: StorageEnv, action: ActionInstanceControl, fleet: dict[str, str], ec2: Any
) -> None:
    events, _ = await request(action, "stop web-2", operation="stop", instance="web-2")
    ec2.stop_instances(InstanceIds=[fleet["web-2"]])  # someone else was quicker
    _, sent = await env.say_yes(pending_of(events), handler=action)
    assert only_text(sent) == "web-2 is already stopped. Nothing was changed."
    assert env.audit_lines() == []


async def test_unknown_and_missing_parts_get_friendly_answers(action: ActionInstanceControl, fleet: dict[str, str]
                                                              ) -> None:
    _, text = await request(action, "restart web-9", operation="restart", instance="web-9")
    assert text == "I don't know an instance called \"web-9\". Known instances: batch-1, web-2."
    _, text = await request(action, "reboot the server", operation="reboot")
    assert text == "Which instance should I reboot? Say e.g. \"reboot web-2\". Your instances: batch-1, web-2."
    _, text = await request(action, "resize web-2", operation="resize", instance="web-2")
    assert text == (
        "Which instance type should web-2 become? It is a t3.medium now; say e.g. \"resize web-2 to t3.small\"."
    )
    events, sent = await run_action(action, ask("web-2", "instance_control", instance="web-2"))
    assert only_text(sent) == "What should I do with web-2: start, stop, reboot or resize it?"
    assert [b["payload"] for b in sent[0]["buttons"]] == [
        '/instance_control{"operation":"start","instance":"web-2"}',
        '/instance_control{"operation":"stop","instance":"web-2"}',
        '/instance_control{"operation":"reboot","instance":"web-2"}',
    ]
    assert asked_nothing(events)


@pytest.mark.parametrize(("target", "reply"), [
    ("t3.medium", "web-2 already is a t3.medium. Nothing was changed."),
    ("t3.bogus", "EC2 has no instance type called \"t3.bogus\". Types look like t3.small or m5.large. Nothing was "
                 "changed."),
    ("t4g.small", "t4g.small runs arm64 only, but web-2's image is built for x86_64, so it could not boot on it. "
                  "Choose a x86_64 type. Nothing was changed."),
])
async def test_a_target_type_that_cannot_work_is_said_before_asking(
    action: ActionInstanceControl, fleet: dict[str, str], target: str, reply: str
) -> None:
    events, text = await request(action, f"resize web-2 to {target}", operation="resize", instance="web-2",
                                 instance_type=target)
    assert text == reply
    assert asked_nothing(events)


def fail_once(ec2: Any, operation: str, code: str) -> None:
    """The first ``operation`` call through ``ec2`` answers an AWS error; later ones reach moto."""
    left = [1]

    def answer(**_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        if not left[0]:
            return None
        left[0] -= 1
        return AWSResponse("https://ec2.test/", 400, {}, None), {"Error": {"Code": code, "Message": "test"}}

    ec2.meta.events.register(f"before-call.ec2.{operation}", answer)


async def test_no_capacity_for_the_new_type_leaves_it_running_as_it_was_and_says_so(
    env: StorageEnv, action: ActionInstanceControl, fleet: dict[str, str], posts: Posts, ec2: Any
) -> None:
    events, _ = await request(action, "resize web-2 to t3.small", operation="resize", instance="web-2",
                              instance_type="t3.small")
    events, _ = await env.say_yes(pending_of(events), handler=action)
    fail_once(ec2, "StartInstances", "InsufficientInstanceCapacity")
    await env.say_yes(pending_of(events), handler=action, press=True)
    await action.jobs.wait()
    assert posts.texts[-1] == (
        "AWS has no spare t3.small capacity in us-east-1a right now, so web-2 could not start as one. I put it back "
        "on t3.medium and started it again: it is running as it was. Try again later or choose another type."
    )
    assert state_of(ec2, fleet["web-2"]) == ("running", "t3.medium")
    assert outcomes(env) == [("resize_instance", "error", "insufficient_capacity")]


async def test_same_for_another_instance_repeats_the_operation(
    env: StorageEnv, action: ActionInstanceControl, fleet: dict[str, str]
) -> None:
    chat = Conversation(SENDER)
    await chat.turn(action, "restart web-2", "instance_control", [{"entity": "operation", "value": "restart"},
                                                                  {"entity": "instance", "value": "web-2"}])
    same = ActionSameFor()
    same.clients, same.audit, same.jobs = action.clients, action.audit, action.jobs
    _, sent = await chat.turn(same, "and batch-1?", "same_for", [{"entity": "instance", "value": "batch-1"}])
    assert only_text(sent).startswith(f"Reboot batch-1 ({fleet['batch-1']}, c5.large)?")
    assert chat.pending["instance"] == "batch-1"


# --- words -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("entity", "text", "instance_type", "expected"), [
    ("restart", "restart web-2", None, "reboot"),
    ("bounce", "bounce web-2", None, "reboot"),
    (None, "rebooot db-primary", None, "reboot"),
    (None, "restrat gateway-32", None, "reboot"),
    ("stop", "pls stop batch-1", None, "stop"),
    (None, "shut batch-1 down for the night", None, "stop"),
    ("Power Off", "Power Off web-1", None, "stop"),
    (None, "aws ec2 stop-instances --instance-ids web-1", None, "stop"),
    (None, "aws ec2 reboot-instances --instance-ids web-1", None, "reboot"),
    (None, "bring cache-96 back up", None, "start"),
    (None, "bring batch-2 back online", None, "start"),
    ("spin up", "spin up web-1", None, "start"),
    ("resize", "resize web-2 to t3.small", "t3.small", "resize"),
    (None, "make bastion a t4g.small", None, "resize"),
    (None, "switch node-09 to r5.large", None, "resize"),
    ("upgrade", "upgrade worker-15 to m5.large", "m5.large", "resize"),
    ("stop", "stop web-2 and make it a t3.small", "t3.small", "resize"),
    ("reboot", "reboot web-2", "t3.small", "reboot"),
    ("turn", "turn web-2 off", None, "stop"),
    (None, "power batch-1 on", None, "start"),
    (None, "web-2", None, None),
    (None, "what about stopwatch-1", None, None),
    (None, "upload report.pdf to web-2", None, None),
])
def test_the_operation_comes_from_the_words_people_use(
    entity: str | None, text: str, instance_type: str | None, expected: str | None
) -> None:
    assert operation_named(entity, text, instance_type) == expected


async def test_a_split_verb_finds_the_instance_and_the_operation(
    action: ActionInstanceControl, fleet: dict[str, str]
) -> None:
    _, text = await request(action, "turn web-2 off", operation="turn", instance="web-2 off")
    assert text.startswith(f"Stop web-2 ({fleet['web-2']}, t3.medium)?")


def test_a_target_type_is_read_only_in_its_place() -> None:
    assert target_type_in("resize web-2 to T3.Small please") == "t3.small"
    assert target_type_in("make web-2 a c6g.xlarge") == "c6g.xlarge"
    assert target_type_in("upload notes.txt to web.prod") is None


@pytest.mark.parametrize(("code", "details", "reply"), [
    ("wrong_state", {"name": "web-2", "state": "running", "operation": "start"},
     "web-2 is already running. Nothing was changed."),
    ("wrong_state", {"name": "web-2", "state": "stopping", "operation": "resize"},
     "web-2 is stopping right now, so I can't resize it. Wait until it is running or stopped. Nothing was changed."),
    ("ambiguous_instance", {"name": "web", "ids": "i-1 (running), i-2 (stopped)"},
     "More than one instance is called web: i-1 (running), i-2 (stopped). Tell me which one by its id. Nothing was "
     "changed."),
    ("change_denied", {"name": "web-2", "operation": "stop", "permission": "ec2:StopInstances"},
     "AWS didn't let me stop web-2: my IAM policy needs ec2:StopInstances. Nothing was changed."),
    ("incompatible_type", {"name": "web-2", "operation": "resize", "target": "m4.large", "aws_code": "Unsupported",
                           "original": "t3.medium", "restored": True, "was": "running"},
     "EC2 won't run web-2 as a m4.large (Unsupported): that type doesn't support its image, network (ENA) or storage "
     "setup. I put it back on t3.medium and started it again: it is running as it was."),
    ("resize_failed", {"name": "web-2", "target": "t3.small", "aws_code": "InternalError", "original": "t3.medium",
                       "restored": False, "was": "running"},
     "Resizing web-2 to t3.small failed (InternalError). I could not put it back, so please check web-2 in the EC2 "
     "console: it should be a t3.medium and running."),
    ("insufficient_capacity", {"name": "web-2", "operation": "start", "current": "t3.medium", "zone": "us-east-1a"},
     "AWS has no spare t3.medium capacity in us-east-1a right now, so web-2 could not start. It is still stopped; "
     "try again in a few minutes."),
    ("instance_wait_timeout", {"name": "web-2", "state": "stopped", "minutes": 10},
     "web-2 did not get to \"stopped\" within 10 minutes. Please check it in the EC2 console."),
])
def test_each_failure_has_its_own_reply(code: str, details: dict[str, Any], reply: str) -> None:
    assert errors.error_text(CloudButlerError(code, **details)) == reply


def test_the_skill_is_in_help_and_routed() -> None:
    assert ActionInstanceControl.skill in implemented_skills()
    rules = yaml.safe_load((ROOT / "nlu" / "instance_control.yml").read_text())["rules"]
    assert [r["steps"] for r in rules] == [[{"intent": "instance_control"}, {"action": "action_instance_control"}]]
    assert "action_instance_control" in yaml.safe_load((ROOT / "domain.yml").read_text())["actions"]
    assert "instance_control" not in INTENT_PURPOSE  # no longer "not yet"
