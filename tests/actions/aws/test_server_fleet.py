"""FleetService against moto: instances by name or id, their details, and CloudWatch CPU of the last hour."""
from __future__ import annotations

import datetime as dt
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import boto3
import pytest
from botocore.config import Config

from actions.aws.clients import ClientFactory
from actions.aws.errors import AwsCallFailed, UnknownInstance
from actions.aws.server import FleetService, hour_average

IMAGE_ID = "ami-04681a1dbd79675a5"


def run(ec2: Any, name: str | None, instance_type: str, private_ip: str) -> dict[str, Any]:
    tags = [{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": name}]}] if name else []
    # moto puts it in the default subnet of us-east-1a, which holds the 172.31.0.0/20 addresses
    created = ec2.run_instances(
        ImageId=IMAGE_ID, InstanceType=instance_type, MinCount=1, MaxCount=1, PrivateIpAddress=private_ip,
        TagSpecifications=tags,
    )["Instances"][0]
    return dict(ec2.describe_instances(InstanceIds=[created["InstanceId"]])["Reservations"][0]["Instances"][0])


def put_cpu(cloudwatch: Any, instance_id: str, points: list[tuple[dt.datetime, float]]) -> None:
    cloudwatch.put_metric_data(
        Namespace="AWS/EC2",
        MetricData=[
            {"MetricName": "CPUUtilization", "Dimensions": [{"Name": "InstanceId", "Value": instance_id}],
             "Timestamp": at, "Value": value, "Unit": "Percent"}
            for at, value in points
        ],
    )


@pytest.fixture
def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


@pytest.fixture
def fleet(aws: ClientFactory, now: dt.datetime) -> tuple[FleetService, dict[str, dict[str, Any]]]:
    ec2, cloudwatch = aws.client("ec2"), aws.client("cloudwatch")
    instances = {
        "web-1": run(ec2, "web-1", "t3.micro", "172.31.0.10"),
        "web-2": run(ec2, "web-2", "t3.small", "172.31.0.11"),
        "batch-1": run(ec2, "batch-1", "c5.large", "172.31.0.20"),
    }
    web1 = instances["web-1"]["InstanceId"]
    # six 5-minute points in the last hour, newest first: 12, 24, 36, 48, 60, 72 -> average 42
    recent = [(now - dt.timedelta(minutes=3 + 5 * i), 12.0 * (i + 1)) for i in range(6)]
    # outside the window: must not count
    old = [(now - dt.timedelta(hours=3), 99.0), (now - dt.timedelta(days=2), 1.0)]
    put_cpu(cloudwatch, web1, recent + old)
    # another instance's metric must not leak into web-1's
    put_cpu(cloudwatch, instances["web-2"]["InstanceId"], [(now - dt.timedelta(minutes=4), 77.0)])
    # the service's clock is the one the points were placed by, so the window is exact however slow the run
    return FleetService(ec2=ec2, cloudwatch=cloudwatch, clock=lambda: now), instances


def test_known_instances(fleet: tuple[FleetService, dict[str, dict[str, Any]]]) -> None:
    service, instances = fleet
    known = service.known_instances()
    assert [(i.name, i.instance_id, i.state, i.instance_type) for i in known] == [
        ("batch-1", instances["batch-1"]["InstanceId"], "running", "c5.large"),
        ("web-1", instances["web-1"]["InstanceId"], "running", "t3.micro"),
        ("web-2", instances["web-2"]["InstanceId"], "running", "t3.small"),
    ]


@pytest.mark.parametrize("asked", ["web-1", "WEB-1", " Web-1 "])
def test_resolve_by_name_any_case(fleet: tuple[FleetService, dict[str, dict[str, Any]]], asked: str) -> None:
    service, instances = fleet
    assert service.resolve(asked).instance_id == instances["web-1"]["InstanceId"]


def test_resolve_by_id(fleet: tuple[FleetService, dict[str, dict[str, Any]]]) -> None:
    service, instances = fleet
    resolved = service.resolve(instances["batch-1"]["InstanceId"])
    assert (resolved.name, resolved.instance_type) == ("batch-1", "c5.large")


def test_status_with_cpu(fleet: tuple[FleetService, dict[str, dict[str, Any]]], now: dt.datetime) -> None:
    service, instances = fleet
    raw = instances["web-1"]
    status = service.status("Web-1")
    assert status.instance_id == raw["InstanceId"]
    assert status.name == "web-1"
    assert status.instance_type == "t3.micro"
    assert status.state == "running"
    assert status.region == "us-east-1"
    assert status.availability_zone == "us-east-1a"
    assert status.private_ip == "172.31.0.10"
    assert status.public_ip == raw["PublicIpAddress"]
    assert status.launch_time == raw["LaunchTime"].astimezone(dt.UTC)
    assert status.cpu_latest == 12.0
    assert status.cpu_latest_at is not None
    assert abs((status.cpu_latest_at - (now - dt.timedelta(minutes=3))).total_seconds()) < 1
    assert status.cpu_hour_average == pytest.approx(42.0)


def test_status_of_another_instance_uses_its_own_metric(fleet: tuple[FleetService, dict[str, dict[str, Any]]]) -> None:
    service, instances = fleet
    status = service.status("web-2")
    assert (status.private_ip, status.cpu_latest, status.cpu_hour_average) == ("172.31.0.11", 77.0, 77.0)


def test_status_without_datapoints(fleet: tuple[FleetService, dict[str, dict[str, Any]]]) -> None:
    service, _ = fleet
    status = service.status("batch-1")
    assert (status.cpu_latest, status.cpu_latest_at, status.cpu_hour_average) == (None, None, None)
    assert status.private_ip == "172.31.0.20"


def test_public_addresses_differ(fleet: tuple[FleetService, dict[str, dict[str, Any]]]) -> None:
    service, _ = fleet
    publics = {service.status(name).public_ip for name in ("web-1", "web-2", "batch-1")}
    assert len(publics) == 3 and None not in publics


def test_unknown_instance_lists_known_names(fleet: tuple[FleetService, dict[str, dict[str, Any]]]) -> None:
    service, _ = fleet
    with pytest.raises(UnknownInstance) as caught:
        service.status("db-9")
    assert caught.value.code == "unknown_instance"
    assert caught.value.details == {"name": "db-9", "known": "batch-1, web-1, web-2"}


def test_unknown_instance_in_an_empty_account(aws: ClientFactory) -> None:
    service = FleetService(ec2=aws.client("ec2"), cloudwatch=aws.client("cloudwatch"))
    assert service.known_instances() == []
    with pytest.raises(UnknownInstance) as caught:
        service.resolve("web-1")
    assert caught.value.details == {"name": "web-1", "known": "none"}


def test_unnamed_instances_are_known_by_id(aws: ClientFactory) -> None:
    ec2 = aws.client("ec2")
    raw = run(ec2, None, "t3.nano", "172.31.0.30")
    service = FleetService(ec2=ec2, cloudwatch=aws.client("cloudwatch"))
    (only,) = service.known_instances()
    assert (only.name, only.label) == (None, raw["InstanceId"])
    with pytest.raises(UnknownInstance) as caught:
        service.resolve("web-1")
    assert caught.value.details["known"] == raw["InstanceId"]


def test_running_instance_wins_over_stopped_and_terminated_namesakes(aws: ClientFactory) -> None:
    ec2 = aws.client("ec2")
    stopped = run(ec2, "web-1", "t3.micro", "172.31.0.40")
    terminated = run(ec2, "web-1", "t3.micro", "172.31.0.41")
    running = run(ec2, "web-1", "t3.large", "172.31.0.42")
    ec2.stop_instances(InstanceIds=[stopped["InstanceId"]])
    ec2.terminate_instances(InstanceIds=[terminated["InstanceId"]])
    service = FleetService(ec2=ec2, cloudwatch=aws.client("cloudwatch"))
    assert service.resolve("web-1").instance_id == running["InstanceId"]
    assert terminated["InstanceId"] not in {i.instance_id for i in service.known_instances()}
    assert service.resolve(stopped["InstanceId"]).state == "stopped"


def test_unreachable_aws_maps_to_network_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = Config(retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=1, read_timeout=1)
    kwargs = {"endpoint_url": f"http://127.0.0.1:{port}", "region_name": "us-east-1", "config": config}
    service = FleetService(ec2=boto3.client("ec2", **kwargs), cloudwatch=boto3.client("cloudwatch", **kwargs))
    with pytest.raises(AwsCallFailed) as caught:
        service.known_instances()
    assert caught.value.code == "NetworkError"


class Ec2Refuses(BaseHTTPRequestHandler):
    """Answers every EC2 call the way AWS does for a role without ec2:DescribeInstances."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = (
            b'<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>UnauthorizedOperation</Code>'
            b"<Message>You are not authorized to perform this operation.</Message></Error></Errors>"
            b"<RequestID>5c1d3a4e-0000-4000-8000-000000000000</RequestID></Response>"
        )
        self.send_response(403)
        self.send_header("Content-Type", "text/xml;charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


def test_aws_error_codes_are_kept(aws: ClientFactory) -> None:
    server = HTTPServer(("127.0.0.1", 0), Ec2Refuses)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        config = Config(retries={"max_attempts": 1, "mode": "standard"})
        ec2 = boto3.client(
            "ec2", endpoint_url=f"http://127.0.0.1:{server.server_port}", region_name="us-east-1", config=config
        )
        service = FleetService(ec2=ec2, cloudwatch=aws.client("cloudwatch"))
        with pytest.raises(AwsCallFailed) as caught:
            service.known_instances()
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert caught.value.code == "UnauthorizedOperation"


def test_invalid_metric_request_is_our_error(aws: ClientFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    ec2 = aws.client("ec2")
    raw = run(ec2, "web-1", "t3.micro", "172.31.0.50")
    service = FleetService(ec2=ec2, cloudwatch=aws.client("cloudwatch"))
    # botocore refuses a zero period before sending; that too must come out as our error, naming the instance
    monkeypatch.setattr("actions.aws.server.CPU_PERIOD_SECONDS", 0)
    with pytest.raises(AwsCallFailed) as caught:
        service.status("web-1")
    assert caught.value.code == "Unknown"
    assert caught.value.details == {"instance": raw["InstanceId"]}


@pytest.mark.parametrize(
    ("points", "expected"),
    [
        ([], None),
        ([{"Average": 10.0, "SampleCount": 1.0}], 10.0),
        ([{"Average": 10.0, "SampleCount": 1.0}, {"Average": 40.0, "SampleCount": 3.0}], 32.5),
        ([{"Average": 10.0}, {"Average": 20.0}], 15.0),
        ([{"Average": 10.0, "SampleCount": 0.0}], None),
    ],
)
def test_hour_average(points: list[dict[str, Any]], expected: float | None) -> None:
    assert hour_average(points) == expected
