"""Server status action against the IMDS emulator and moto: exact labelled replies."""
from __future__ import annotations

import datetime as dt

import pytest

from actions.aws.clients import ClientFactory
from actions.skills.server_status import ActionServerStatus
from sandbox.imds import ImdsEmulator, InstanceIdentity
from tests.actions.harness import run_action, tracker_for


@pytest.fixture
def imds(monkeypatch: pytest.MonkeyPatch):
    identity = InstanceIdentity(instance_id="i-0123456789abcdef0", instance_type="t3.small", region="eu-west-1",
                                availability_zone="eu-west-1b", private_ip="10.1.2.3", public_ip="3.4.5.6")
    with ImdsEmulator(identity=identity, host="127.0.0.1", port=0) as emulator:
        monkeypatch.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", emulator.endpoint)
        yield identity


async def test_this_host_on_ec2(imds: InstanceIdentity) -> None:
    _, sent = await run_action(ActionServerStatus(), tracker_for("Tell me about my server!", intent="server_status"))
    text = sent[0]["text"]
    for line in ("Region: eu-west-1", "Availability zone: eu-west-1b", "Private IP: 10.1.2.3", "Public IP: 3.4.5.6",
                 "Instance: i-0123456789abcdef0 (t3.small)"):
        assert line in text
    items = {i["label"]: i["value"] for i in sent[0]["custom"]["fields"]["items"]}
    assert items["Region"] == "eu-west-1"
    cpu = float(items["CPU"].rstrip("%"))
    assert 0 <= cpu <= 100
    assert set(items) >= {"Memory", "Disk", "Uptime"}


async def test_off_ec2_says_so_and_still_reports_the_host(monkeypatch: pytest.MonkeyPatch) -> None:
    from launcher.stack import free_port

    monkeypatch.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", f"http://127.0.0.1:{free_port()}")
    start = dt.datetime.now()
    _, sent = await run_action(ActionServerStatus(), tracker_for("server status", intent="server_status"))
    assert (dt.datetime.now() - start).total_seconds() < 3
    text = sent[0]["text"]
    assert "not running on EC2" in text
    assert "Region" not in text
    assert "CPU: " in text and "Memory: " in text and "Disk: " in text


async def test_named_instance_from_the_fleet(aws: ClientFactory) -> None:
    ec2 = aws.client("ec2")
    image = ec2.describe_images()["Images"][0]["ImageId"]
    launched = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="c5.large",
                                 TagSpecifications=[{"ResourceType": "instance",
                                                     "Tags": [{"Key": "Name", "Value": "batch-1"}]}])
    instance = launched["Instances"][0]
    now = dt.datetime.now(dt.UTC)
    aws.client("cloudwatch").put_metric_data(Namespace="AWS/EC2", MetricData=[
        {"MetricName": "CPUUtilization", "Dimensions": [{"Name": "InstanceId", "Value": instance["InstanceId"]}],
         "Timestamp": now - dt.timedelta(minutes=m), "Value": v, "Unit": "Percent"}
        for m, v in ((5, 40.0), (20, 20.0), (35, 30.0))
    ])
    action = ActionServerStatus()
    action.clients = aws
    _, sent = await run_action(action, tracker_for(
        "how is batch-1 doing?", intent="server_status", entities=[{"entity": "instance", "value": "batch-1"}]))
    text = sent[0]["text"]
    assert f"batch-1 ({instance['InstanceId']}, c5.large)" in text
    assert f"Private IP: {instance['PrivateIpAddress']}" in text
    assert "CPU (latest): 40.0%" in text
    assert "CPU (1-hour average): 30.0%" in text


async def test_unknown_instance_lists_known_names(aws: ClientFactory) -> None:
    ec2 = aws.client("ec2")
    image = ec2.describe_images()["Images"][0]["ImageId"]
    for name in ("web-1", "web-2"):
        ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, TagSpecifications=[
            {"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": name}]}])
    action = ActionServerStatus()
    action.clients = aws
    _, sent = await run_action(action, tracker_for(
        "how is db-9?", intent="server_status", entities=[{"entity": "instance", "value": "db-9"}]))
    assert sent[0]["text"] == 'I don\'t know an instance called "db-9". Known instances: web-1, web-2.'


async def test_concurrent_requests_share_one_measurement(imds: InstanceIdentity, monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    from actions.aws import server

    calls = []
    original = server.HostStatusService.collect

    def counting(self: server.HostStatusService) -> server.HostStatus:
        calls.append(1)
        return original(self)

    monkeypatch.setattr(server.HostStatusService, "collect", counting)
    action = ActionServerStatus()
    results = await asyncio.gather(*(run_action(action, tracker_for("server status", intent="server_status"))
                                     for _ in range(8)))
    assert len(calls) == 1
    texts = {sent[0]["text"] for _, sent in results}
    assert len(texts) == 1 and "Region: eu-west-1" in texts.pop()
