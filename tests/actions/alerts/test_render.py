"""Alerts as chat messages: the complete text, the fields block with the colour, the chart and acknowledge buttons -
for a CloudWatch alarm (ALARM and OK, on an instance and not), stock out and back in, bad rows and a text alert; and
the chart button pressed, answered by action_instance_metrics against moto."""
from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

from actions.alerts.messages import alert_from_envelope, parse_alert, stock_message
from actions.alerts.render import chart_target, instance_id_of, reply_for
from actions.aws.clients import ClientFactory
from actions.core.periods import find_period
from actions.skills.trends.base import TrendSettings
from actions.skills.trends.metrics import ActionInstanceMetrics
from tests.actions.harness import run_action, tracker_for

PAYLOADS = Path(__file__).parent / "payloads"
ALARM_ID = "5b2d7d3c-9f0e-5c1a-8e2b-3f4c1d2a9e71"
INSTANCE_ID = "i-0a1b2c3d4e5f60718"
REASON = ("Threshold Crossed: 2 out of the last 2 datapoints [91.25 (02/12/26 05:55:00), 88.5 (02/12/26 05:50:00)] "
          "were greater than the threshold (80.0) (minimum 2 datapoints for OK -> ALARM transition).")
AT = dt.datetime(2026, 12, 2, 6, 2, 10, tzinfo=dt.UTC)
IMAGE_ID = "ami-04681a1dbd79675a5"  # in moto's built-in image list


def envelope(name: str) -> str:
    return (PAYLOADS / name).read_text()


def alarm_envelope(**changes: Any) -> str:
    """The recorded alarm notification with fields of its Message changed (None removes one)."""
    body = json.loads(envelope("sns_alarm_notification.json"))
    message = json.loads(body["Message"])
    for key, value in changes.items():
        if value is None:
            message.pop(key, None)
        else:
            message[key] = value
    body["Message"] = json.dumps(message)
    return json.dumps(body)


def fields(reply: Any) -> list[tuple[str, str]]:
    return [(item["label"], item["value"]) for item in reply["json_message"]["fields"]["items"]]


def buttons(reply: Any) -> Any:
    return reply.get("buttons")


def press(payload: str) -> tuple[str, dict[str, str]]:
    """What Rasa makes of a button's payload: the intent and the entities of ``/intent{json}``."""
    found = re.fullmatch(r"/(\w+)(\{.*\})?", payload)
    assert found is not None, payload
    return found.group(1), json.loads(found.group(2) or "{}")


# --- alarms -------------------------------------------------------------------------------------------------------

def test_an_alarm_on_an_instance_in_alarm() -> None:
    reply = reply_for(alert_from_envelope(envelope("sns_alarm_notification.json")))
    items = [
        ("Reason", REASON), ("State", "OK → ALARM"), ("Description", "web-2 CPU over 80% for 10 minutes"),
        ("Threshold", "CPUUtilization > 80 for 2 x 5 min"), ("Metric", "AWS/EC2 CPUUtilization"),
        ("Statistic", "Average"), ("InstanceId", INSTANCE_ID), ("Region", "EU (Frankfurt)"),
        ("Account", "123456789012"), ("Time", "2 Dec 2026 06:00:31 UTC"),
    ]
    assert reply["text"] == "\n".join(["web-2 cpu high is in ALARM"] + [f"{k}: {v}" for k, v in items])
    assert reply["json_message"] == {"fields": {
        "title": "web-2 cpu high is in ALARM", "items": [{"label": k, "value": v} for k, v in items],
        "colour": "red"}}
    assert buttons(reply) == [
        {"title": "Show metric chart", "payload": f'/instance_metrics{{"instance":"{INSTANCE_ID}","metric":"cpu"}}'},
        {"title": "Acknowledge", "payload": f'/acknowledge_alert{{"alert":"{ALARM_ID}"}}'},
    ]


def test_the_chart_button_names_the_instance_by_its_name_when_known() -> None:
    alert = alert_from_envelope(envelope("sns_alarm_notification.json"))
    reply = reply_for(alert, chart_instance="web-2")
    assert buttons(reply)[0]["payload"] == '/instance_metrics{"instance":"web-2","metric":"cpu"}'
    assert ("Instance", "web-2") in fields(reply) and "\nInstance: web-2\n" in reply["text"]
    named = alert_from_envelope(alarm_envelope(InstanceName="web-2-from-the-alarm"))
    assert chart_target(named) == "web-2-from-the-alarm"
    assert chart_target(named, "web-2") == "web-2"  # the caller's name first
    assert instance_id_of(named) == INSTANCE_ID


def test_a_network_alarm_charts_the_network() -> None:
    trigger = json.loads(json.loads(envelope("sns_alarm_notification.json"))["Message"])["Trigger"]
    alert = alert_from_envelope(alarm_envelope(Trigger={**trigger, "MetricName": "NetworkOut"}))
    assert press(buttons(reply_for(alert))[0]["payload"]) == (
        "instance_metrics", {"instance": INSTANCE_ID, "metric": "network_out"})


def test_an_alarm_back_to_ok_not_on_an_instance() -> None:
    alert = alert_from_envelope(json.dumps({"Type": "Notification", "MessageId": "ok-1",
                                            "Message": envelope("cloudwatch_alarm_ok.json")}))
    reply = reply_for(alert)
    reason = ("Threshold Crossed: 2 out of the last 3 datapoints [12.0 (02/12/26 06:04:00), 9.0 (02/12/26 06:03:00)] "
              "were not greater than or equal to the threshold (1000.0) (minimum 1 datapoint for ALARM -> OK "
              "transition).")
    assert reply["text"].splitlines() == [
        "orders-queue-backlog is OK",
        f"Reason: {reason}",
        "State: ALARM → OK",
        "Threshold: ApproximateNumberOfMessagesVisible >= 1000 for 2 of 3 x 1 min",
        "Metric: AWS/SQS ApproximateNumberOfMessagesVisible",
        "Statistic: Maximum",
        "QueueName: orders",
        "Region: US East (N. Virginia)",
        "Account: 123456789012",
        "Time: 2 Dec 2026 06:05:42 UTC",
    ]
    assert reply["json_message"]["fields"]["colour"] == "green"
    assert fields(reply)[0] == ("Reason", reason)
    # no instance, so no chart; the acknowledge button only
    assert buttons(reply) == [{"title": "Acknowledge", "payload": '/acknowledge_alert{"alert":"ok-1"}'}]


def test_an_alert_without_a_message_id_has_no_acknowledge_button() -> None:
    alert = parse_alert(json.loads(envelope("sns_alarm_notification.json"))["Message"])
    assert alert.message_id is None
    assert buttons(reply_for(alert)) == [
        {"title": "Show metric chart", "payload": f'/instance_metrics{{"instance":"{INSTANCE_ID}","metric":"cpu"}}'}]
    text = parse_alert("plain words")
    assert "buttons" not in reply_for(text)


# --- stock --------------------------------------------------------------------------------------------------------

def test_out_of_stock() -> None:
    reply = reply_for(alert_from_envelope(envelope("sns_stock_notification.json")))
    items = [("Store", "berlin"), ("Item", "Echo Dot (5th Gen)"), ("Count", "0"), ("Previous", "14"),
             ("Source", "s3://cloudbutler-inventory/berlin/2026-12-02.csv"), ("Time", "2 Dec 2026 06:02:10 UTC")]
    assert reply["text"] == "\n".join(["Echo Dot (5th Gen) is out of stock in berlin"] +
                                      [f"{k}: {v}" for k, v in items])
    assert reply["json_message"] == {"fields": {
        "title": "Echo Dot (5th Gen) is out of stock in berlin",
        "items": [{"label": k, "value": v} for k, v in items], "colour": "red"}}
    assert buttons(reply) == [
        {"title": "Acknowledge", "payload": '/acknowledge_alert{"alert":"a8c3e0f4-62d1-5b7e-9c4a-1e2f3d4c5b6a"}'}]


def test_back_in_stock() -> None:
    alert = parse_alert(stock_message(kind="restocked", store="hamburg", item="Kindle", count=12, at=AT),
                        message_id="m-2")
    reply = reply_for(alert)
    assert reply["text"] == ("Kindle is back in stock in hamburg\nStore: hamburg\nItem: Kindle\nCount: 12\n"
                             "Time: 2 Dec 2026 06:02:10 UTC")
    assert reply["json_message"]["fields"]["colour"] == "green"
    assert buttons(reply) == [{"title": "Acknowledge", "payload": '/acknowledge_alert{"alert":"m-2"}'}]


def test_bad_rows() -> None:
    alert = parse_alert(stock_message(kind="bad_rows", store="berlin", count=3, source="s3://drops/berlin.csv", at=AT,
                                      rows=[(4, "negative count"), (7, "no item")]), message_id="m-3")
    reply = reply_for(alert)
    assert reply["text"].splitlines() == [
        "3 bad row(s) in the inventory file for berlin",
        "Bad rows: row 4: negative count; row 7: no item (and 1 more)",
        "Store: berlin",
        "Source: s3://drops/berlin.csv",
        "Time: 2 Dec 2026 06:02:10 UTC",
    ]
    assert reply["json_message"]["fields"]["colour"] == "amber"
    assert fields(reply)[0] == ("Bad rows", "row 4: negative count; row 7: no item (and 1 more)")


# --- anything else ------------------------------------------------------------------------------------------------

def test_a_text_alert() -> None:
    body = {"Type": "Notification", "MessageId": "t-1", "Subject": "Backup finished",
            "Message": "Nightly backup of orders-db finished in 14 minutes.", "Timestamp": "2026-12-02T06:10:00.000Z"}
    reply = reply_for(alert_from_envelope(json.dumps(body)))
    assert reply["text"] == ("Backup finished\nMessage: Nightly backup of orders-db finished in 14 minutes.\n"
                             "Time: 2 Dec 2026 06:10:00 UTC")
    assert reply["json_message"] == {"fields": {"title": "Backup finished", "items": [
        {"label": "Message", "value": "Nightly backup of orders-db finished in 14 minutes."},
        {"label": "Time", "value": "2 Dec 2026 06:10:00 UTC"}], "colour": "blue"}}
    assert buttons(reply) == [{"title": "Acknowledge", "payload": '/acknowledge_alert{"alert":"t-1"}'}]


# --- the chart button, pressed ------------------------------------------------------------------------------------

def test_the_chart_payload_names_no_period() -> None:
    reply = reply_for(alert_from_envelope(envelope("sns_alarm_notification.json")), chart_instance="web-2")
    payload = buttons(reply)[0]["payload"]
    assert find_period(payload, dt.datetime(2026, 12, 2, 7, tzinfo=dt.UTC)) is None  # the skill's default applies


async def test_pressing_show_metric_chart_charts_the_instance(aws: ClientFactory, tmp_path: Path) -> None:
    ec2, cloudwatch = aws.client("ec2"), aws.client("cloudwatch")
    tags = [{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "web-2"}]}]
    instance_id = ec2.run_instances(ImageId=IMAGE_ID, MinCount=1, MaxCount=1, InstanceType="t3.small",
                                    TagSpecifications=tags)["Instances"][0]["InstanceId"]
    now = dt.datetime(2026, 12, 2, 7, tzinfo=dt.UTC)
    cloudwatch.put_metric_data(Namespace="AWS/EC2", MetricData=[
        {"MetricName": "CPUUtilization", "Dimensions": [{"Name": "InstanceId", "Value": instance_id}],
         "Timestamp": now - dt.timedelta(minutes=5 * n), "Value": 90.0, "Unit": "Percent"} for n in range(1, 7)])
    alert = alert_from_envelope(alarm_envelope(Trigger={
        **json.loads(json.loads(envelope("sns_alarm_notification.json"))["Message"])["Trigger"],
        "Dimensions": [{"name": "InstanceId", "value": instance_id}]}))
    for reply in (reply_for(alert), reply_for(alert, chart_instance="web-2")):  # by id, and by name
        payload = buttons(reply)[0]["payload"]
        intent, entities = press(payload)
        action = ActionInstanceMetrics()
        action.clients = aws
        action.clock = lambda: now
        action.settings = TrendSettings(media_dir=tmp_path / "media")
        _, sent = await run_action(action, tracker_for(
            payload, intent=intent, entities=[{"entity": k, "value": v} for k, v in entities.items()]))
        [answer] = sent
        lines = answer["text"].splitlines()
        assert lines[0] == f"web-2 ({instance_id}) over the last 24 hours, 1 Dec 07:00 - 2 Dec 07:00 UTC:"
        assert lines[1] == "- CPU: min 90.0%, avg 90.0%, max 90.0%, p95 90.0%"
        assert str(answer["image"]).startswith("/media/")
