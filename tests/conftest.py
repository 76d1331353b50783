"""Shared fixtures: a moto server on a free loopback port and a client factory pointed at it."""
from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import requests
from moto.server import ThreadedMotoServer

from actions.aws.clients import AwsSettings, ClientFactory

# Tests never reach a real account: fake credentials for every boto3 session made here.
for _var, _value in {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}.items():
    os.environ[_var] = _value
os.environ.pop("AWS_PROFILE", None)


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """One in-process moto server for the session (its backends are reachable for back-dating)."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def aws(moto_endpoint: str) -> Iterator[ClientFactory]:
    """A fresh, empty AWS for each test."""
    requests.post(f"{moto_endpoint}/moto-api/reset", timeout=10)
    yield ClientFactory(AwsSettings(region="us-east-1", endpoint_url=moto_endpoint))
