"""Shared fixtures: a moto server on a free loopback port and a client factory pointed at it."""
from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import requests
from moto.server import ThreadedMotoServer

from actions.aws.clients import AwsSettings, ClientFactory

FAKE_AWS_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    # AwsSettings.from_env reads AWS_REGION before AWS_DEFAULT_REGION.
    "AWS_REGION": "us-east-1",
    # No profile, credential process or endpoint from the developer's ~/.aws applies.
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}
# botocore takes the profile from either; a named profile would also fail against the empty config above.
UNSET_AWS_VARIABLES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE")


@pytest.fixture(scope="session", autouse=True)
def fake_aws_environment() -> Iterator[None]:
    """Tests never reach a real account: every boto3 session made in a test (fixtures, helpers, clients built
    in the test body, child processes that inherit the environment) sees fake credentials. Set for the session
    and restored afterwards, so importing this module changes nothing."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in FAKE_AWS_ENVIRONMENT.items():
            patch.setenv(name, value)
        for name in UNSET_AWS_VARIABLES:
            patch.delenv(name, raising=False)
        yield


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
