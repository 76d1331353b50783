"""Sandbox start/stop without the shared demo account: ports released, moto's patch undone, taken ports reported."""
from __future__ import annotations

import socket

import boto3
import pytest
import requests
from moto.s3.models import S3Backend

from sandbox import Sandbox, SandboxError


def moto_provider_is_original() -> bool:
    return S3Backend.__dict__["get_cloudwatch_metrics"].__func__.__module__ == "moto.s3.models"


def test_stop_releases_everything() -> None:
    assert moto_provider_is_original()
    sandbox = Sandbox(aws_port=0, imds_port=0, seed=False)
    sandbox.start()
    assert not moto_provider_is_original()
    aws, imds = sandbox.aws_endpoint, sandbox.imds_endpoint
    s3 = boto3.client("s3", endpoint_url=aws, region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b")
    assert s3.list_buckets()["Buckets"] == []
    assert sandbox.identity.region == "us-east-1" and sandbox.seeded is None
    sandbox.stop()
    sandbox.stop()
    assert moto_provider_is_original()
    for url in (f"{aws}/moto-api/", f"{imds}latest/api/token"):
        with pytest.raises(requests.ConnectionError):
            requests.put(url, timeout=2)
    with pytest.raises(SandboxError):
        _ = sandbox.aws_endpoint


def test_a_taken_port_is_reported_not_hung_on() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        with pytest.raises(SandboxError, match=f"127.0.0.1:{port}"):
            Sandbox(aws_port=port, imds_port=0, seed=False).start()
        with pytest.raises(SandboxError):
            Sandbox(aws_port=0, imds_port=port, seed=False).start()


def test_context_manager_stops_on_error() -> None:
    with pytest.raises(LookupError), Sandbox(aws_port=0, imds_port=0, seed=False) as sandbox:
        endpoint = sandbox.aws_endpoint
        raise LookupError("the caller failed")
    assert moto_provider_is_original()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{endpoint}/moto-api/", timeout=2)
