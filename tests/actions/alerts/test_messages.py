"""Alerts from what SNS carries: recorded CloudWatch alarm JSON (payloads/), stock messages, and anything else."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from actions.alerts.messages import (
    MAX_TEXT,
    Alert,
    alert_from_envelope,
    dimensions,
    number_text,
    parse_alert,
    parse_time,
    period_text,
    stock_message,
    threshold_text,
)

PAYLOADS = Path(__file__).parent / "payloads"


def payload(name: str) -> Any:
    return json.loads((PAYLOADS / name).read_text())


def alarm_json() -> dict[str, Any]:
    return dict(json.loads(payload("sns_alarm_notification.json")["Message"]))


# --- CloudWatch alarms -----------------------------------------------------------------------------------------

def test_alarm_from_a_recorded_sns_envelope() -> None:
    alert = alert_from_envelope(json.dumps(payload("sns_alarm_notification.json")))
    assert alert == Alert(
        kind="alarm", title="web-2 cpu high is in ALARM", state="ALARM",
        summary="Threshold Crossed: 2 out of the last 2 datapoints [91.25 (02/12/26 05:55:00), 88.5 (02/12/26 "
                "05:50:00)] were greater than the threshold (80.0) (minimum 2 datapoints for OK -> ALARM transition).",
        key="arn:aws:cloudwatch:eu-central-1:123456789012:alarm:web-2 cpu high",
        fields=(("State", "OK → ALARM"), ("Description", "web-2 CPU over 80% for 10 minutes"),
                ("Threshold", "CPUUtilization > 80 for 2 x 5 min"), ("Metric", "AWS/EC2 CPUUtilization"),
                ("Statistic", "Average"), ("InstanceId", "i-0a1b2c3d4e5f60718"), ("Region", "EU (Frankfurt)"),
                ("Account", "123456789012")),
        metric_text="CPUUtilization > 80 for 2 x 5 min",
        time=dt.datetime(2026, 12, 2, 6, 0, 31, 402000, tzinfo=dt.UTC),
        message_id="5b2d7d3c-9f0e-5c1a-8e2b-3f4c1d2a9e71",
    )
    assert (alert.colour, alert.severity) == ("red", "critical")


def test_ok_alarm_with_datapoints_to_alarm_and_no_description() -> None:
    alert = parse_alert(json.dumps(payload("cloudwatch_alarm_ok.json")))
    assert (alert.title, alert.state, alert.colour, alert.severity) == (
        "orders-queue-backlog is OK", "OK", "green", "resolved")
    assert alert.metric_text == "ApproximateNumberOfMessagesVisible >= 1000 for 2 of 3 x 1 min"
    assert alert.fields == (
        ("State", "ALARM → OK"), ("Threshold", "ApproximateNumberOfMessagesVisible >= 1000 for 2 of 3 x 1 min"),
        ("Metric", "AWS/SQS ApproximateNumberOfMessagesVisible"), ("Statistic", "Maximum"),
        ("QueueName", "orders"), ("Region", "US East (N. Virginia)"), ("Account", "123456789012"))
    assert alert.time == dt.datetime(2026, 12, 2, 6, 5, 42, 870000, tzinfo=dt.UTC)
    assert alert.message_id is None


def test_insufficient_data_metric_math_alarm() -> None:
    alert = parse_alert(json.dumps(payload("cloudwatch_alarm_insufficient_math.json")))
    assert (alert.title, alert.state, alert.colour, alert.severity) == (
        "api-error-rate has insufficient data", "INSUFFICIENT_DATA", "grey", "unknown")
    assert alert.metric_text == "Error rate % > 5 for 1 x 5 min"
    assert alert.summary == "Insufficient Data: 1 datapoint was unknown."
    assert ("Description", "5xx share of requests") in alert.fields
    assert not any(name == "Metric" for name, _ in alert.fields)


def test_alarm_time_falls_back_to_the_envelope_time() -> None:
    content = alarm_json()
    del content["StateChangeTime"]
    envelope = {**payload("sns_alarm_notification.json"), "Message": json.dumps(content)}
    assert alert_from_envelope(envelope).time == dt.datetime(2026, 12, 2, 6, 0, 31, 463000, tzinfo=dt.UTC)


def test_minimal_alarm() -> None:
    alert = parse_alert(json.dumps({"AlarmName": "a", "NewStateValue": "ALARM"}))
    assert alert == Alert(kind="alarm", title="a is in ALARM", state="ALARM", summary="a is in ALARM",
                          key="alarm:a", fields=(("State", "ALARM"),))


def test_alarm_with_an_odd_trigger_keeps_what_it_can() -> None:
    content = alarm_json()
    content["Trigger"] = {"MetricName": "CPUUtilization", "ComparisonOperator": "GreaterThanThreshold",
                          "Threshold": "eighty", "Dimensions": "InstanceId=i-1"}
    alert = parse_alert(json.dumps(content))
    assert (alert.kind, alert.metric_text) == ("alarm", None)
    assert ("InstanceId", "i-0a1b2c3d4e5f60718") not in alert.fields


def test_alarm_with_a_trigger_that_is_not_an_object() -> None:
    content = alarm_json()
    content["Trigger"] = "CPUUtilization > 80"
    alert = parse_alert(json.dumps(content))
    assert (alert.kind, alert.metric_text) == ("alarm", None)


@pytest.mark.parametrize("state", ["FIRING", None, 3])
def test_an_unknown_alarm_state_is_text(state: Any) -> None:
    content = alarm_json()
    content["NewStateValue"] = state
    assert parse_alert(json.dumps(content)).kind == "text"


# --- threshold text --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("trigger", "text"), [
    ({"MetricName": "CPUUtilization", "ComparisonOperator": "GreaterThanThreshold", "Threshold": 80.0,
      "EvaluationPeriods": 2, "Period": 300}, "CPUUtilization > 80 for 2 x 5 min"),
    ({"MetricName": "CPUUtilization", "ComparisonOperator": "GreaterThanThreshold", "Threshold": 80,
      "EvaluationPeriods": 2, "DatapointsToAlarm": 2, "Period": 300}, "CPUUtilization > 80 for 2 x 5 min"),
    ({"MetricName": "FreeStorageSpace", "ComparisonOperator": "LessThanThreshold", "Threshold": 1.5e9,
      "EvaluationPeriods": 1, "Period": 3600}, "FreeStorageSpace < 1500000000 for 1 x 1 h"),
    ({"MetricName": "Latency", "ComparisonOperator": "LessThanOrEqualToThreshold", "Threshold": 0.25,
      "EvaluationPeriods": 5, "DatapointsToAlarm": 3, "Period": 10}, "Latency <= 0.25 for 3 of 5 x 10 s"),
    ({"MetricName": "Errors", "ComparisonOperator": "GreaterThanOrEqualToThreshold", "Threshold": 1,
      "EvaluationPeriods": 1, "Period": 86400}, "Errors >= 1 for 1 x 1 day"),
    ({"MetricName": "Errors", "ComparisonOperator": "GreaterThanOrEqualToThreshold", "Threshold": 1},
     "Errors >= 1"),
    ({"MetricName": "Errors", "ComparisonOperator": "GreaterThanOrEqualToThreshold", "Threshold": 1,
      "EvaluationPeriods": 0, "Period": 60}, "Errors >= 1"),
    ({"MetricName": "CPUUtilization", "ComparisonOperator": "LessThanLowerOrGreaterThanUpperThreshold",
      "EvaluationPeriods": 3, "Period": 300}, "CPUUtilization outside the band for 3 x 5 min"),
    ({"MetricName": "CPUUtilization", "ComparisonOperator": "GreaterThanUpperThreshold",
      "EvaluationPeriods": 1, "Period": 60}, "CPUUtilization above the band for 1 x 1 min"),
    ({"MetricName": "CPUUtilization", "ComparisonOperator": "LessThanLowerThreshold",
      "EvaluationPeriods": 1, "Period": 60}, "CPUUtilization below the band for 1 x 1 min"),
    ({"MetricName": "X", "ComparisonOperator": "Whatever", "Threshold": 1}, None),
    ({"MetricName": "X", "ComparisonOperator": "GreaterThanThreshold", "Threshold": True}, None),
    ({"ComparisonOperator": "GreaterThanThreshold", "Threshold": 1}, None),
    ({"Metrics": [{"Id": "m1", "ReturnData": False}, {"Id": "e1", "Expression": "m1 * 2"}],
      "ComparisonOperator": "GreaterThanThreshold", "Threshold": 1, "EvaluationPeriods": 1, "Period": 60},
     "m1 * 2 > 1 for 1 x 1 min"),
    ({"Metrics": [{"Id": "m1"}], "ComparisonOperator": "GreaterThanThreshold", "Threshold": -3,
      "EvaluationPeriods": 1, "Period": 60}, "m1 > -3 for 1 x 1 min"),
])
def test_threshold_text(trigger: dict[str, Any], text: str | None) -> None:
    assert threshold_text(trigger) == text


@pytest.mark.parametrize(("seconds", "text"), [
    (1, "1 s"), (10, "10 s"), (30, "30 s"), (60, "1 min"), (90, "90 s"), (300, "5 min"), (900, "15 min"),
    (3600, "1 h"), (7200, "2 h"), (5400, "90 min"), (86400, "1 day"), (172800, "2 days"),
])
def test_period_text(seconds: int, text: str) -> None:
    assert period_text(seconds) == text


@pytest.mark.parametrize(("value", "text"), [
    (80.0, "80"), (0.5, "0.5"), (-3.0, "-3"), (1048576.0, "1048576"), (1e-7, "1e-07"), (99.95, "99.95"),
    (1 / 3, "0.3333333333"), (1e20, "1e+20"),
])
def test_number_text(value: float, text: str) -> None:
    assert number_text(value) == text


def test_dimensions_in_both_spellings() -> None:
    assert dimensions([{"name": "InstanceId", "value": "i-1"}, {"Name": "AutoScalingGroupName", "Value": "web"},
                       {"name": "Broken"}, "junk", {"name": 3, "value": "x"}]) == [
        ("InstanceId", "i-1"), ("AutoScalingGroupName", "web")]
    assert dimensions(None) == []


@pytest.mark.parametrize(("value", "expected"), [
    ("2026-12-02T06:00:31.402+0000", dt.datetime(2026, 12, 2, 6, 0, 31, 402000, tzinfo=dt.UTC)),
    ("2026-12-02T06:02:10Z", dt.datetime(2026, 12, 2, 6, 2, 10, tzinfo=dt.UTC)),
    ("2026-12-02T08:02:10+02:00", dt.datetime(2026, 12, 2, 6, 2, 10, tzinfo=dt.UTC)),
    ("2026-12-02T06:02:10", dt.datetime(2026, 12, 2, 6, 2, 10, tzinfo=dt.UTC)),
    ("yesterday", None), ("", None), (None, None), (1764655330, None),
])
def test_parse_time(value: Any, expected: dt.datetime | None) -> None:
    assert parse_time(value) == expected


# --- stock messages --------------------------------------------------------------------------------------------

def test_out_of_stock_from_a_recorded_envelope() -> None:
    alert = alert_from_envelope(payload("sns_stock_notification.json"))
    assert alert == Alert(
        kind="stock", title="Echo Dot (5th Gen) is out of stock in berlin", state="ALARM",
        summary="Echo Dot (5th Gen) is out of stock in berlin (was 14, now 0)", key="stock:berlin:Echo Dot (5th Gen)",
        fields=(("Store", "berlin"), ("Item", "Echo Dot (5th Gen)"), ("Count", "0"), ("Previous", "14"),
                ("Source", "s3://cloudbutler-inventory/berlin/2026-12-02.csv")),
        time=dt.datetime(2026, 12, 2, 6, 2, 10, tzinfo=dt.UTC), message_id="a8c3e0f4-62d1-5b7e-9c4a-1e2f3d4c5b6a")
    assert alert.colour == "red"


def test_restocked_shares_the_key_of_the_out_of_stock_it_resolves() -> None:
    at = dt.datetime(2026, 12, 2, 7, 0, tzinfo=dt.UTC)
    alert = parse_alert(stock_message(kind="restocked", store="berlin", item="Echo Dot (5th Gen)", count=20,
                                      previous=0, at=at))
    assert (alert.title, alert.state, alert.colour, alert.severity, alert.key, alert.time) == (
        "Echo Dot (5th Gen) is back in stock in berlin", "OK", "green", "resolved",
        "stock:berlin:Echo Dot (5th Gen)", at)
    assert alert.summary == "Echo Dot (5th Gen) is back in stock in berlin (was 0, now 20)"


def test_stock_message_without_previous_or_time() -> None:
    received = dt.datetime(2026, 12, 2, 7, 0, tzinfo=dt.UTC)
    alert = parse_alert(json.dumps({"kind": "out_of_stock", "store": "paris", "item": "Kindle", "count": 0}),
                        received_at=received)
    assert alert.summary == "Kindle is out of stock in paris"
    assert alert.fields == (("Store", "paris"), ("Item", "Kindle"), ("Count", "0"))
    assert alert.time == received


def test_bad_rows() -> None:
    rows = [(4, "negative count"), (9, "missing column"), (12, "count is not an integer"), (13, "x"), (14, "y"),
            (15, "z")]
    message = stock_message(kind="bad_rows", store="berlin", count=7, source="s3://inv/berlin.csv", rows=rows,
                            at=dt.datetime(2026, 12, 2, 6, 0, tzinfo=dt.UTC))
    assert json.loads(message) == {
        "kind": "bad_rows", "store": "berlin", "count": 7, "source": "s3://inv/berlin.csv",
        "at": "2026-12-02T06:00:00Z", "rows": [{"row": r, "reason": t} for r, t in rows[:5]]}
    alert = parse_alert(message)
    assert (alert.kind, alert.title, alert.state, alert.colour, alert.severity) == (
        "stock", "7 bad row(s) in the inventory file for berlin", "WARNING", "amber", "warning")
    assert alert.summary == ("row 4: negative count; row 9: missing column; row 12: count is not an integer; "
                             "row 13: x; row 14: y (and 2 more)")
    assert alert.fields == (("Store", "berlin"), ("Source", "s3://inv/berlin.csv"))
    assert alert.key == "stock:berlin:bad_rows:s3://inv/berlin.csv"


def test_bad_rows_without_rows_or_count() -> None:
    alert = parse_alert(json.dumps({"kind": "bad_rows", "store": "rome"}))
    assert (alert.title, alert.summary) == ("0 bad row(s) in the inventory file for rome",
                                            "0 bad row(s) in the inventory file for rome")


def test_stock_message_refuses_an_unknown_kind() -> None:
    with pytest.raises(ValueError):
        stock_message(kind="sold_out", store="berlin", at=dt.datetime(2026, 12, 2, tzinfo=dt.UTC))


@pytest.mark.parametrize("content", [
    {"kind": "out_of_stock", "store": "berlin"},  # no item
    {"kind": "out_of_stock", "store": "berlin", "item": ""},
    {"kind": "out_of_stock", "store": 3, "item": "x"},
    {"kind": "sold_out", "store": "berlin", "item": "x"},
])
def test_broken_stock_messages_are_text(content: dict[str, Any]) -> None:
    alert = parse_alert(json.dumps(content), subject="stock")
    assert (alert.kind, alert.title, alert.state, alert.summary) == ("text", "stock", "INFO", json.dumps(content))


def test_counts_that_are_not_integers_are_left_out() -> None:
    alert = parse_alert(json.dumps({"kind": "out_of_stock", "store": "b", "item": "x", "count": "0",
                                    "previous": True}))
    assert alert.fields == (("Store", "b"), ("Item", "x"))


# --- anything else ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("message", [
    "Disk almost full on build-3", "", "[1, 2]", "null", '{"hello": "world"}', "{not json", "42",
])
def test_unknown_content_is_a_text_alert(message: str) -> None:
    alert = parse_alert(message, subject="Ops", message_id="m-1")
    assert alert == Alert(kind="text", title="Ops", state="INFO", summary=message, key="text:m-1",
                          message_id="m-1")
    assert (alert.colour, alert.severity) == ("blue", "info")


def test_text_alert_without_subject_and_a_long_body() -> None:
    alert = parse_alert("x" * (MAX_TEXT + 10), subject="  ")
    assert alert.title == "Notification"
    assert len(alert.summary) == MAX_TEXT and alert.summary.endswith("…")


@pytest.mark.parametrize("body", [
    "not json at all",
    json.dumps({"Type": "SubscriptionConfirmation", "Message": "You have chosen to subscribe"}),
    json.dumps({"Type": "Notification", "Message": None}),
    json.dumps({"AlarmName": "raw delivery", "NewStateValue": "OK"}),
])
def test_envelopes_that_are_not_notifications(body: str) -> None:
    alert = alert_from_envelope(body)
    assert isinstance(alert, Alert)
    if "raw delivery" in body:
        assert (alert.kind, alert.title) == ("alarm", "raw delivery is OK")
    else:
        assert (alert.kind, alert.summary) == ("text", body)


def test_envelope_with_odd_subject_and_ids() -> None:
    alert = alert_from_envelope({"Type": "Notification", "Message": "hi", "Subject": 5, "MessageId": 7,
                                 "Timestamp": "soon"})
    assert alert == Alert(kind="text", title="Notification", state="INFO", summary="hi", key="text:Notification")


def test_bytes_message() -> None:
    assert parse_alert(b"\xffhello").summary == "\ufffdhello"  # type: ignore[arg-type]


# --- the inventory loader's own spelling (actions/aws/inventory/alerts.py) ---------------------------------------

LOADER_SOURCE = {"bucket": "cloudbutler-inventory", "key": "stores/berlin/2026-12-02.csv", "version": "3HL4kqtJ",
                 "etag": "\"9b2cf535f27731c974343645a3985328\""}


@pytest.mark.parametrize(("kind", "count", "previous", "state", "title"), [
    ("stock_out", 0, 14, "ALARM", "Echo Dot (5th Gen) is out of stock in berlin"),
    ("stock_resolved", 20, 0, "OK", "Echo Dot (5th Gen) is back in stock in berlin"),
])
def test_loader_stock_transitions(kind: str, count: int, previous: int, state: str, title: str) -> None:
    body = {"kind": kind, "store": "berlin", "item": "Echo Dot (5th Gen)", "count": count, "previous": previous,
            "source": LOADER_SOURCE, "at": "2026-12-02T06:02:10Z"}
    alert = parse_alert(json.dumps(body, ensure_ascii=False), subject="Out of stock: Echo Dot (5th Gen) in berlin")
    assert (alert.kind, alert.state, alert.title, alert.key) == ("stock", state, title,
                                                                 "stock:berlin:Echo Dot (5th Gen)")
    assert alert.fields == (("Store", "berlin"), ("Item", "Echo Dot (5th Gen)"), ("Count", str(count)),
                            ("Previous", str(previous)),
                            ("Source", "s3://cloudbutler-inventory/stores/berlin/2026-12-02.csv"))
    assert alert.time == dt.datetime(2026, 12, 2, 6, 2, 10, tzinfo=dt.UTC)


def test_loader_bad_rows_without_a_store() -> None:
    body = {"kind": "stock_bad_rows", "source": LOADER_SOURCE, "at": "2026-12-02T06:02:10Z", "bad_rows": 12,
            "loaded_rows": 988, "rows": [{"row": 4, "reason": "negative count"}, {"row": 9, "reason": "missing column"}],
            "more": 10}
    alert = parse_alert(json.dumps(body))
    assert (alert.kind, alert.state, alert.title) == (
        "stock", "WARNING", "12 bad row(s) in the inventory file for 2026-12-02.csv")
    assert alert.summary == "row 4: negative count; row 9: missing column (and 10 more)"
    assert alert.fields == (("Source", "s3://cloudbutler-inventory/stores/berlin/2026-12-02.csv"),)
    del body["bad_rows"]
    assert parse_alert(json.dumps(body)).title == "12 bad row(s) in the inventory file for 2026-12-02.csv"


def test_loader_kinds_without_store_or_item_are_text() -> None:
    assert parse_alert(json.dumps({"kind": "stock_out", "item": "x"})).kind == "text"
    assert parse_alert(json.dumps({"kind": "stock_resolved", "store": "b"})).kind == "text"
