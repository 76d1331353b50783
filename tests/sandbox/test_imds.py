"""The IMDSv2 emulator speaks the protocol: token handshake, TTL rules, expiry, and AWS-shaped answers."""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest
import requests

from sandbox.imds import (
    TOKEN_HEADER,
    TTL_HEADER,
    ImdsEmulator,
    InstanceIdentity,
    default_private_hostname,
    default_public_hostname,
    directory_listing,
)

IDENTITY = InstanceIdentity(
    instance_id="i-0123456789abcdef0",
    instance_type="c5.large",
    ami_id="ami-0abcdef1234567890",
    region="eu-central-1",
    availability_zone="eu-central-1b",
    private_ip="172.31.16.11",
    public_ip="3.120.4.5",
    mac="02:00:00:aa:bb:cc",
    security_groups=("web", "ssh"),
    pending_time=dt.datetime(2025, 3, 4, 5, 6, 7, tzinfo=dt.UTC),
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def imds(clock: FakeClock) -> Iterator[ImdsEmulator]:
    with ImdsEmulator(IDENTITY, port=0, clock=clock) as emulator:
        yield emulator


def token(imds: ImdsEmulator, ttl: str = "21600") -> str:
    response = requests.put(f"{imds.endpoint}latest/api/token", headers={TTL_HEADER: ttl}, timeout=5)
    assert response.status_code == 200
    assert response.headers[TTL_HEADER] == ttl
    return response.text


def get(imds: ImdsEmulator, path: str, tok: str | None) -> requests.Response:
    headers = {TOKEN_HEADER: tok} if tok else {}
    return requests.get(f"{imds.endpoint}latest/{path}", headers=headers, timeout=5)


def test_binds_a_free_port_and_reports_it(imds: ImdsEmulator) -> None:
    assert imds.port > 0
    assert imds.endpoint == f"http://127.0.0.1:{imds.port}/"


@pytest.mark.parametrize("ttl", [None, "0", "21601", "-5", "soon"])
def test_token_needs_a_ttl_between_1_and_21600(imds: ImdsEmulator, ttl: str | None) -> None:
    headers = {TTL_HEADER: ttl} if ttl is not None else {}
    response = requests.put(f"{imds.endpoint}latest/api/token", headers=headers, timeout=5)
    assert response.status_code == 400


@pytest.mark.parametrize("ttl", ["1", "21600"])
def test_token_ttl_bounds_are_inclusive(imds: ImdsEmulator, ttl: str) -> None:
    assert len(token(imds, ttl)) >= 40


def test_token_refused_through_a_proxy(imds: ImdsEmulator) -> None:
    headers = {TTL_HEADER: "60", "X-Forwarded-For": "10.0.0.1"}
    assert requests.put(f"{imds.endpoint}latest/api/token", headers=headers, timeout=5).status_code == 403


def test_metadata_needs_a_token(imds: ImdsEmulator) -> None:
    assert get(imds, "meta-data/instance-id", None).status_code == 401
    assert get(imds, "meta-data/instance-id", "made-up-token").status_code == 401
    response = get(imds, "meta-data/instance-id", token(imds))
    assert response.status_code == 200
    assert response.text == "i-0123456789abcdef0"


def test_expired_token_is_rejected(imds: ImdsEmulator, clock: FakeClock) -> None:
    tok = token(imds, "60")
    clock.now += 59
    assert get(imds, "meta-data/instance-id", tok).status_code == 200
    clock.now += 1
    assert get(imds, "meta-data/instance-id", tok).status_code == 401


def test_tokens_are_distinct(imds: ImdsEmulator) -> None:
    assert token(imds) != token(imds)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("instance-id", "i-0123456789abcdef0"),
        ("instance-type", "c5.large"),
        ("ami-id", "ami-0abcdef1234567890"),
        ("hostname", "ip-172-31-16-11.eu-central-1.compute.internal"),
        ("local-hostname", "ip-172-31-16-11.eu-central-1.compute.internal"),
        ("local-ipv4", "172.31.16.11"),
        ("public-ipv4", "3.120.4.5"),
        ("public-hostname", "ec2-3-120-4-5.eu-central-1.compute.amazonaws.com"),
        ("mac", "02:00:00:aa:bb:cc"),
        ("placement/availability-zone", "eu-central-1b"),
        ("placement/region", "eu-central-1"),
        ("security-groups", "web\nssh"),
        ("placement/", "availability-zone\nregion"),
        ("placement", "availability-zone\nregion"),
    ],
)
def test_metadata_values(imds: ImdsEmulator, path: str, body: str) -> None:
    response = get(imds, f"meta-data/{path}", token(imds))
    assert (response.status_code, response.text) == (200, body)


def test_metadata_root_listing(imds: ImdsEmulator) -> None:
    tok = token(imds)
    listing = get(imds, "meta-data/", tok).text.splitlines()
    assert listing == [
        "ami-id", "hostname", "instance-id", "instance-type", "local-hostname", "local-ipv4", "mac",
        "placement/", "public-hostname", "public-ipv4", "security-groups",
    ]
    assert get(imds, "meta-data", tok).text.splitlines() == listing
    assert get(imds, "", tok).text.splitlines() == ["dynamic", "meta-data"]


def test_identity_document(imds: ImdsEmulator) -> None:
    response = get(imds, "dynamic/instance-identity/document", token(imds))
    assert response.status_code == 200
    document = json.loads(response.text)
    assert document == {
        "accountId": "123456789012",
        "architecture": "x86_64",
        "availabilityZone": "eu-central-1b",
        "billingProducts": None,
        "devpayProductCodes": None,
        "marketplaceProductCodes": None,
        "imageId": "ami-0abcdef1234567890",
        "instanceId": "i-0123456789abcdef0",
        "instanceType": "c5.large",
        "kernelId": None,
        "pendingTime": "2025-03-04T05:06:07Z",
        "privateIp": "172.31.16.11",
        "ramdiskId": None,
        "region": "eu-central-1",
        "version": "2017-09-30",
    }


def test_unknown_paths_and_user_data_are_404(imds: ImdsEmulator) -> None:
    tok = token(imds)
    assert get(imds, "user-data", tok).status_code == 404
    assert get(imds, "meta-data/no-such-thing", tok).status_code == 404
    assert get(imds, "meta-data/iam/info", tok).status_code == 404
    assert requests.put(f"{imds.endpoint}latest/other", headers={TTL_HEADER: "5"}, timeout=5).status_code == 404


def test_user_data_and_no_public_address() -> None:
    identity = InstanceIdentity(public_ip=None, user_data=b"#!/bin/bash\necho hi\n")
    with ImdsEmulator(identity) as imds:
        tok = token(imds)
        assert get(imds, "user-data", tok).text == "#!/bin/bash\necho hi\n"
        assert get(imds, "meta-data/public-ipv4", tok).status_code == 404
        assert get(imds, "meta-data/public-hostname", tok).status_code == 404
        assert "public-ipv4" not in get(imds, "meta-data/", tok).text
        assert get(imds, "", tok).text.splitlines() == ["dynamic", "meta-data", "user-data"]


def test_stop_closes_the_port() -> None:
    imds = ImdsEmulator()
    imds.start()
    endpoint = imds.endpoint
    imds.stop()
    with pytest.raises(requests.ConnectionError):
        requests.put(f"{endpoint}latest/api/token", headers={TTL_HEADER: "5"}, timeout=2)
    with pytest.raises(RuntimeError):
        _ = imds.port
    imds.stop()  # twice is fine


def test_aws_hostname_conventions() -> None:
    assert default_private_hostname("10.0.1.2", "us-east-1") == "ip-10-0-1-2.ec2.internal"
    assert default_private_hostname("10.0.1.2", "eu-west-1") == "ip-10-0-1-2.eu-west-1.compute.internal"
    assert default_public_hostname("3.4.5.6", "us-east-1") == "ec2-3-4-5-6.compute-1.amazonaws.com"
    assert default_public_hostname("3.4.5.6", "ap-south-1") == "ec2-3-4-5-6.ap-south-1.compute.amazonaws.com"


def test_directory_listing() -> None:
    paths = ["a", "b/c", "b/d", "e/f/g"]
    assert directory_listing(paths, "") == "a\nb/\ne/"
    assert directory_listing(paths, "b/") == "c\nd"
    assert directory_listing(paths, "e/") == "f/"
    assert directory_listing(paths, "x/") is None
