"""The alarm skills against moto: creating an alarm asks exactly what will be created (and where its alerts go),
then creates and audits it on yes; missing pieces are asked for in one question and the answer completes the
request; an existing name is said, replaced only when asked; the list puts ALARM first with colour words."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import actions.skills.server_status  # noqa: F401 - registers the reply to an unknown instance
from actions.aws.clients import ClientFactory
from actions.core.base import implemented_skills
from actions.core.formatting import when
from actions.skills.alarms.create import ActionCreateAlarm
from actions.skills.alarms.listing import ActionListAlarms
from actions.skills.alarms.parsing import AlarmRequest, parse_request, schedule
from tests.actions.aws.test_instances import launch
from tests.actions.harness import Conversation, run_action, tracker_for
from tests.actions.skills.storage.support import (
    SENDER,
    StorageEnv,
    ask,
    asked_nothing,
    ents,
    make_env,
    only_text,
    pending_of,
)

WHERE = ("Alerts reach the chat channels subscribed to alarm alerts - say \"send alarm alerts here\" in a channel to "
         "get them there.")


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, aws: ClientFactory) -> StorageEnv:
    monkeypatch.delenv("CLOUDBUTLER_ALARM_TOPIC", raising=False)
    return make_env(tmp_path, monkeypatch, aws)


@pytest.fixture
def fleet(env: StorageEnv) -> dict[str, str]:
    ec2 = env.aws.client("ec2")
    return {name: launch(ec2, name) for name in ("web-1", "web-2", "batch-1")}


@pytest.fixture
def create(env: StorageEnv) -> ActionCreateAlarm:
    return env.action(ActionCreateAlarm)


@pytest.fixture
def listing(env: StorageEnv) -> ActionListAlarms:
    return env.action(ActionListAlarms)


def alarms(env: StorageEnv) -> dict[str, dict[str, Any]]:
    return {a["AlarmName"]: a for a in env.aws.client("cloudwatch").describe_alarms()["MetricAlarms"]}


async def propose(action: ActionCreateAlarm, text: str, **entities: Any) -> tuple[list[dict[str, Any]], str]:
    events, sent = await run_action(action, ask(text, "create_alarm", **entities))
    return events, only_text(sent)


# --- creating -----------------------------------------------------------------------------------------------------


async def test_alert_me_when_cpu_goes_over_asks_then_creates_and_audits(
    env: StorageEnv, create: ActionCreateAlarm, fleet: dict[str, str]
) -> None:
    events, sent = await run_action(create, ask("alert me when web-2 cpu goes over 80% for 10 minutes", "create_alarm",
                                                instance="web-2", metric="cpu", threshold="80"))
    assert only_text(sent) == (
        "Create the CloudWatch alarm \"web-2-cpu-above-80\"? It fires when web-2's average CPU is above 80% for 10 "
        "minutes (2 checks of 5 minutes), and notifies the cloudbutler-alarms topic when it fires and when it is OK "
        "again. " + WHERE)
    yes, no = sent[0]["buttons"]
    assert (yes["title"], no["title"]) == ("Create alarm", "No, cancel") and "style" not in yes
    pending = pending_of(events)
    assert {k: pending[k] for k in ("kind", "alarm", "instance_id", "metric", "direction", "threshold", "period",
                                    "periods", "replace")} == {
        "kind": "create_alarm", "alarm": "web-2-cpu-above-80", "instance_id": fleet["web-2"], "metric": "cpu",
        "direction": "above", "threshold": 80.0, "period": 300, "periods": 2, "replace": False}
    assert alarms(env) == {}  # nothing before the yes

    _, sent = await env.say_yes(pending, handler=create)
    assert only_text(sent) == (
        "Created the alarm \"web-2-cpu-above-80\": it fires when web-2's average CPU is above 80% for 10 minutes (2 "
        "checks of 5 minutes). It has no data yet and is checked as datapoints arrive. " + WHERE)
    alarm = alarms(env)["web-2-cpu-above-80"]
    topic = env.aws.client("sns").create_topic(Name="cloudbutler-alarms")["TopicArn"]
    assert (alarm["MetricName"], alarm["Threshold"], alarm["Period"], alarm["EvaluationPeriods"]) == (
        "CPUUtilization", 80.0, 300, 2)
    assert alarm["Dimensions"] == [{"Name": "InstanceId", "Value": fleet["web-2"]}]
    assert (alarm["AlarmActions"], alarm["OKActions"]) == ([topic], [topic])
    [line] = env.audit_lines()
    assert (line["action"], line["result"], line["sender"]) == ("create_alarm", "ok", SENDER)
    assert line["parameters"] == {
        "alarm": "web-2-cpu-above-80", "instance": "web-2", "instance_id": fleet["web-2"], "metric": "cpu",
        "direction": "above", "threshold": 80.0, "period": 300, "periods": 2, "replace": False,
        "alarm_arn": alarm["AlarmArn"], "topic": topic}


@pytest.mark.parametrize(("text", "entities", "reply"), [
    ("alarm if batch-1 cpu above 90", {"instance": "batch-1"},
     "Create the CloudWatch alarm \"batch-1-cpu-above-90\"? It fires when batch-1's average CPU is above 90% for 5 "
     "minutes, and notifies the cloudbutler-alarms topic when it fires and when it is OK again. " + WHERE),
    ("notify me when web-1 cpu drops below 5%", {"instance": "web-1", "threshold": "5"},
     "Create the CloudWatch alarm \"web-1-cpu-below-5\"? It fires when web-1's average CPU is below 5% for 5 "
     "minutes, and notifies the cloudbutler-alarms topic when it fires and when it is OK again. " + WHERE),
    ("warn me if web-2 runs above 95% cpu for 3 min", {},  # no entities at all: the words and the known names
     "Create the CloudWatch alarm \"web-2-cpu-above-95\"? It fires when web-2's average CPU is above 95% for 3 "
     "minutes (3 checks of 1 minute), and notifies the cloudbutler-alarms topic when it fires and when it is OK "
     "again. One-minute checks need detailed monitoring on the instance; with basic monitoring EC2 reports every "
     "five minutes. " + WHERE),
    ("tell me when web-2 network in goes over 500 MB for an hour", {"instance": "web-2", "metric": "network in"},
     "Create the CloudWatch alarm \"web-2-network-in-above-500mb\"? It fires when web-2's network in (bytes "
     "received per datapoint) is above 500 MB for 1 hour (12 checks of 5 minutes), and notifies the "
     "cloudbutler-alarms topic when it fires and when it is OK again. " + WHERE),
    ("page me if web-1 fails a status check", {"instance": "web-1"},
     "Create the CloudWatch alarm \"web-1-status-check-failed\"? It fires when web-1 fails a status check (the "
     "instance's or AWS's system check) for 5 minutes, and notifies the cloudbutler-alarms topic when it fires and "
     "when it is OK again. " + WHERE),
])
async def test_the_words_people_use(create: ActionCreateAlarm, fleet: dict[str, str], text: str,
                                    entities: dict[str, str], reply: str) -> None:
    _, said = await propose(create, text, **entities)
    assert said == reply


async def test_missing_pieces_are_asked_in_one_question_and_the_answer_completes_it(
    env: StorageEnv, create: ActionCreateAlarm, fleet: dict[str, str]
) -> None:
    events, said = await propose(create, "create an alarm")
    assert said == (
        "Happy to set up that alarm - I just need the instance, what to watch (CPU, network in, network out or "
        "status checks) and the threshold (e.g. 80%). Say e.g. \"alert me when batch-1 cpu goes over 80% for 10 "
        "minutes\". Your instances: batch-1, web-1, web-2.")
    assert asked_nothing(events)

    talk = Conversation(SENDER)
    _, sent = await talk.turn(create, "set up an alarm for web-2", "create_alarm", ents(instance="web-2"))
    assert only_text(sent) == (
        "Happy to set up that alarm - I just need what to watch (CPU, network in, network out or status checks) and "
        "the threshold (e.g. 80%). Say e.g. \"alert me when web-2 cpu goes over 80% for 10 minutes\".")
    _, sent = await talk.turn(create, "cpu over 85% for 15 minutes", "create_alarm", ents(metric="cpu",
                                                                                          threshold="85"))
    assert only_text(sent).startswith(
        "Create the CloudWatch alarm \"web-2-cpu-above-85\"? It fires when web-2's average CPU is above 85% for 15 "
        "minutes (3 checks of 5 minutes)")
    _, sent = await env.say_yes(talk.pending, handler=create)
    assert alarms(env)["web-2-cpu-above-85"]["EvaluationPeriods"] == 3


async def test_the_ten_of_for_ten_minutes_is_no_threshold(create: ActionCreateAlarm, fleet: dict[str, str]) -> None:
    text = "for 10 minutes straight, alert me when web-2 cpu is over 80%"
    entities = [{"entity": "threshold", "value": "10", "start": 4, "end": 6},
                {"entity": "instance", "value": "web-2", "start": 39, "end": 44},
                {"entity": "threshold", "value": "80", "start": 57, "end": 59}]
    _, sent = await run_action(create, tracker_for(text, intent="create_alarm", entities=entities, sender_id=SENDER))
    assert only_text(sent).startswith(
        "Create the CloudWatch alarm \"web-2-cpu-above-80\"? It fires when web-2's average CPU is above 80% for 10 "
        "minutes (2 checks of 5 minutes)")


async def test_and_web_1_repeats_the_request_for_another_instance(
    create: ActionCreateAlarm, fleet: dict[str, str]
) -> None:
    talk = Conversation(SENDER)
    await talk.turn(create, "alert me when web-2 cpu goes over 80%", "create_alarm", ents(instance="web-2"))
    _, sent = await talk.turn(create, "and web-1?", "same_for", ents(instance="web-1"))
    assert only_text(sent).startswith("Create the CloudWatch alarm \"web-1-cpu-above-80\"?")


async def test_an_existing_alarm_is_said_and_replaced_only_when_asked(
    env: StorageEnv, create: ActionCreateAlarm, fleet: dict[str, str]
) -> None:
    events, _ = await propose(create, "alert me when web-2 cpu goes over 80%", instance="web-2")
    await env.say_yes(pending_of(events), handler=create)
    events, said = await propose(create, "alert me when web-2 cpu goes over 80% for 20 minutes", instance="web-2")
    assert said == (
        "There already is an alarm called \"web-2-cpu-above-80\" (CPUUtilization > 80 for 5 min, now OK (green)). "
        "Nothing was changed. To change it, ask again and add \"replace the existing alarm\".")
    assert asked_nothing(events)

    events, sent = await run_action(create, ask(
        "alert me when web-2 cpu goes over 80% for 20 minutes, replace the existing alarm", "create_alarm",
        instance="web-2"))
    assert only_text(sent) == (
        "Replace the alarm \"web-2-cpu-above-80\" (now: CPUUtilization > 80 for 5 min, OK (green)) with one that "
        "fires when web-2's average CPU is above 80% for 20 minutes (4 checks of 5 minutes)? It notifies the "
        "cloudbutler-alarms topic when it fires and when it is OK again. " + WHERE)
    assert (sent[0]["buttons"][0]["title"], sent[0]["buttons"][0]["style"]) == ("Replace alarm", "danger")
    _, sent = await env.say_yes(pending_of(events), handler=create)
    assert only_text(sent) == (
        "Replaced the alarm \"web-2-cpu-above-80\": it now fires when web-2's average CPU is above 80% for 20 "
        "minutes (4 checks of 5 minutes). " + WHERE)
    assert alarms(env)["web-2-cpu-above-80"]["EvaluationPeriods"] == 4
    assert [(x["action"], x["result"], x["parameters"]["replace"]) for x in env.audit_lines()] == [
        ("create_alarm", "ok", False), ("create_alarm", "ok", True)]


async def test_a_name_taken_between_question_and_yes_is_not_overwritten(
    env: StorageEnv, create: ActionCreateAlarm, fleet: dict[str, str]
) -> None:
    events, _ = await propose(create, "alert me when web-2 cpu goes over 80%", instance="web-2")
    first, _ = await propose(create, "alert me when web-2 cpu goes over 80%", instance="web-2")
    await env.say_yes(pending_of(first), handler=create)
    _, sent = await env.say_yes(pending_of(events), handler=create)
    assert only_text(sent).startswith("There already is an alarm called \"web-2-cpu-above-80\"")
    assert [(x["result"], x.get("detail")) for x in env.audit_lines()] == [("ok", None), ("error", "alarm_exists")]


async def test_no_creates_nothing(env: StorageEnv, create: ActionCreateAlarm, fleet: dict[str, str]) -> None:
    events, _ = await propose(create, "alarm if batch-1 cpu above 90", instance="batch-1")
    _, sent = await env.say_no(pending_of(events))
    assert only_text(sent) == "Okay, I cancelled that - nothing was changed."
    assert alarms(env) == {} and env.audit_lines() == []


@pytest.mark.parametrize(("text", "entities", "reply"), [
    ("alert me when web-2 memory goes over 90%", {"instance": "web-2", "metric": "memory"},
     "EC2 doesn't measure memory inside the instance, so there is no memory metric to alarm on unless the "
     "CloudWatch agent publishes one. I can alarm on CPU, network in, network out and status checks. Nothing was "
     "changed."),
    ("alert me when web-9 cpu goes over 90%", {"instance": "web-9"},
     "I don't know an instance called \"web-9\". Known instances: batch-1, web-1, web-2."),
    ("alert me when web-2 cpu goes over 120%", {"instance": "web-2"},
     "CPU is a percentage, so 120% can never be crossed. Nothing was changed."),
    ("alert me when web-2 cpu goes over 80% for 2 days", {"instance": "web-2"},
     "An alarm can look back at most 24 hours, in one- or five-minute checks; 2880 minutes doesn't fit. Nothing "
     "was changed."),
])
async def test_refusals_without_a_question(create: ActionCreateAlarm, fleet: dict[str, str], text: str,
                                          entities: dict[str, str], reply: str) -> None:
    events, said = await propose(create, text, **entities)
    assert said == reply
    assert asked_nothing(events)


# --- listing ------------------------------------------------------------------------------------------------------


async def test_no_alarms(listing: ActionListAlarms, fleet: dict[str, str]) -> None:
    _, sent = await run_action(listing, ask("which alarms do we have", "list_alarms"))
    assert only_text(sent) == (
        "There are no CloudWatch alarms here yet. Say e.g. \"alert me when web-2 cpu goes over 80% for 10 minutes\" "
        "to create one.")


async def test_the_list_puts_alarm_first_with_colour_words(
    env: StorageEnv, create: ActionCreateAlarm, listing: ActionListAlarms, fleet: dict[str, str]
) -> None:
    for text, instance in (("alert me when web-2 cpu goes over 80% for 10 minutes", "web-2"),
                           ("notify me when web-1 cpu drops below 5%", "web-1"),
                           ("alarm if batch-1 cpu above 90", "batch-1")):
        events, _ = await propose(create, text, instance=instance)
        await env.say_yes(pending_of(events), handler=create)
    cloudwatch = env.aws.client("cloudwatch")
    reason = "Threshold Crossed: 2 out of the last 2 datapoints [95.0, 95.0] were greater than the threshold (80.0)."
    cloudwatch.set_alarm_state(AlarmName="web-2-cpu-above-80", StateValue="ALARM", StateReason=reason)
    cloudwatch.set_alarm_state(AlarmName="batch-1-cpu-above-90", StateValue="INSUFFICIENT_DATA", StateReason="new")
    since = {name: when(a["StateUpdatedTimestamp"]) for name, a in alarms(env).items()}

    _, sent = await run_action(listing, ask("any alarms firing?", "list_alarms"))
    [message] = sent
    assert message["text"] == "\n".join([
        "3 alarms: 1 in ALARM (red), 1 with insufficient data (grey), 1 OK (green).",
        f"- web-2-cpu-above-80: ALARM (red) since {since['web-2-cpu-above-80']} - CPUUtilization > 80 for 2 x 5 min "
        "on web-2",
        f"  {reason}",
        f"- batch-1-cpu-above-90: insufficient data (grey) since {since['batch-1-cpu-above-90']} - CPUUtilization > "
        "90 for 5 min on batch-1",
        f"- web-1-cpu-below-5: OK (green) since {since['web-1-cpu-below-5']} - CPUUtilization < 5 for 5 min on web-1",
    ])
    assert message["custom"]["table"] == {
        "title": "3 alarms: 1 in ALARM (red), 1 with insufficient data (grey), 1 OK (green).",
        "columns": ["Alarm", "State", "Condition", "Since"],
        "rows": [
            ["web-2-cpu-above-80", "ALARM (red)", "CPUUtilization > 80 for 2 x 5 min on web-2",
             since["web-2-cpu-above-80"]],
            ["batch-1-cpu-above-90", "insufficient data (grey)", "CPUUtilization > 90 for 5 min on batch-1",
             since["batch-1-cpu-above-90"]],
            ["web-1-cpu-below-5", "OK (green)", "CPUUtilization < 5 for 5 min on web-1", since["web-1-cpu-below-5"]],
        ]}

    _, sent = await run_action(listing, ask("alarms on web-1?", "list_alarms", instance="web-1"))
    assert sent[0]["text"] == (
        "1 alarm on web-1: 1 OK (green).\n"
        f"- web-1-cpu-below-5: OK (green) since {since['web-1-cpu-below-5']} - CPUUtilization < 5 for 5 min")
    cloudwatch.delete_alarms(AlarmNames=["web-1-cpu-below-5"])
    _, sent = await run_action(listing, ask("alarms on web-1?", "list_alarms", instance="web-1"))
    assert only_text(sent) == (
        "No alarm watches web-1. Say e.g. \"alert me when web-1 cpu goes over 80% for 10 minutes\" to create one.")


async def test_a_long_list_is_cut_after_forty(env: StorageEnv, listing: ActionListAlarms, fleet: dict[str, str]
                                              ) -> None:
    cloudwatch = env.aws.client("cloudwatch")
    for index in range(45):
        cloudwatch.put_metric_alarm(AlarmName=f"alarm-{index:02d}", Namespace="AWS/EC2", MetricName="CPUUtilization",
                                    Statistic="Average", Period=300, EvaluationPeriods=1, Threshold=float(index),
                                    ComparisonOperator="GreaterThanThreshold")
    _, sent = await run_action(listing, ask("list my alarms", "list_alarms"))
    lines = sent[0]["text"].splitlines()
    assert (lines[0], len(lines), lines[-1]) == (
        "45 alarms: 45 OK (green).", 42, "... and 5 more (say \"alarms on <instance>\" to see one instance's).")
    assert lines[1].startswith("- alarm-00: OK (green) since ") and lines[1].endswith(
        " - CPUUtilization > 0 for 5 min")
    assert len(sent[0]["custom"]["table"]["rows"]) == 41


def test_both_skills_are_in_help() -> None:
    titles = {s.title: s.example for s in implemented_skills()}
    assert titles[ActionCreateAlarm.skill.title] == "alert me when web-2 cpu goes over 80% for 10 minutes"  # type: ignore[union-attr]
    assert titles[ActionListAlarms.skill.title] == "any alarms firing?"  # type: ignore[union-attr]


# --- parsing ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "instance", "expected"), [
    ("alert me when web-2 cpu goes over 80% for 10 minutes", "web-2", AlarmRequest("cpu", "above", 80.0, 10.0)),
    ("alarm if batch-1 cpu above 90", "batch-1", AlarmRequest("cpu", "above", 90.0)),
    ("notify me when web-1 cpu drops below 5%", "web-1", AlarmRequest("cpu", "below", 5.0)),
    ("alert me when it goes over 90%", None, AlarmRequest("cpu", "above", 90.0)),
    ("page me if node-12 fails a status check", "node-12", AlarmRequest("status_check")),
    ("web-2 network out > 1.5 GB over the last half an hour", "web-2",
     AlarmRequest("network_out", "above", 1.5 * 1024**3, 30.0)),
    ("web-2 cpu under 10 percent 15 min in a row", "web-2", AlarmRequest("cpu", "below", 10.0, 15.0)),
    ("create an alarm on t3-box cpu at 75% for 2 hours, overwrite it", "t3-box",
     AlarmRequest("cpu", None, 75.0, 120.0, replace=True)),
    ("set up an alarm for web-2", "web-2", AlarmRequest()),
    ("alert me if web-2 ram is over 90%", "web-2", AlarmRequest("memory", "above", 90.0)),
])
def test_parse_request(text: str, instance: str | None, expected: AlarmRequest) -> None:
    assert parse_request(text, metrics=[], threshold=None, instance=instance) == expected


def test_the_extractors_values_come_first() -> None:
    assert parse_request("alert me when web-2 goes over 80 MB", metrics=["network in"], threshold="80",
                         instance="web-2").threshold == 80 * 1024**2
    assert parse_request("web-2 over 80", metrics=["cpu"], threshold="85", instance="web-2").threshold == 85.0
    assert parse_request("alert me when web-2 cpu is high", metrics=[], threshold=None, instance="web-2",
                         period="last 10 minutes").minutes == 10.0


@pytest.mark.parametrize(("minutes", "expected"), [
    (None, (300, 1)), (10.0, (300, 2)), (3.0, (60, 3)), (60.0, (300, 12)), (0.2, (60, 1)), (7.0, (60, 7)),
])
def test_schedule(minutes: float | None, expected: tuple[int, int]) -> None:
    assert schedule(minutes) == expected
