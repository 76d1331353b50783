"""alerts() and queue_depths() against moto: alarms ALARM first with their condition, nothing out of stock before
any store file was loaded; queue depths by fixed label, only for queues that exist."""
from __future__ import annotations

from actions.aws.clients import ClientFactory
from actions.insights.fleet import alerts
from actions.insights.queues import queue_depths


def _alarm(aws: ClientFactory, name: str, threshold: float, state: str) -> None:
    cloudwatch = aws.client("cloudwatch")
    cloudwatch.put_metric_alarm(AlarmName=name, MetricName="CPUUtilization", Namespace="AWS/EC2", Statistic="Average",
                                Period=300, EvaluationPeriods=2, Threshold=threshold,
                                ComparisonOperator="GreaterThanThreshold",
                                Dimensions=[{"Name": "InstanceId", "Value": "i-123"}])
    cloudwatch.set_alarm_state(AlarmName=name, StateValue=state, StateReason="test")


def test_alerts_list_alarms_firing_first(aws: ClientFactory) -> None:
    _alarm(aws, "a-quiet", 50, "OK")
    _alarm(aws, "b-firing", 80, "ALARM")
    body = alerts(aws)
    assert [(a["name"], a["state"], a["metric"]) for a in body["alarms"]] == [
        ("b-firing", "ALARM", "CPUUtilization"), ("a-quiet", "OK", "CPUUtilization")]
    assert body["alarms"][0]["threshold"] == "CPUUtilization > 80 for 2 x 5 min"
    assert body["alarms"][0]["updated"] is not None
    assert body["out_of_stock"] == []  # no inventory table yet


def test_queue_depths_of_existing_queues(aws: ClientFactory) -> None:
    sqs = aws.client("sqs")
    assert queue_depths(aws) == []
    url = sqs.create_queue(QueueName="cloudbutler-size-events")["QueueUrl"]
    sqs.create_queue(QueueName="cloudbutler-alerts-dead-letter")
    for n in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{n}")
    sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, VisibilityTimeout=60)
    assert queue_depths(aws) == [
        {"queue": "size-events", "visible": 2, "in_flight": 1, "delayed": 0, "oldest_age_seconds": None},
        {"queue": "alerts-dead-letter", "visible": 0, "in_flight": 0, "delayed": 0, "oldest_age_seconds": None},
    ]
