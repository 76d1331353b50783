"""HostStatusService reads ec2-metadata against the IMDS emulator, and gives up fast where there is no IMDS."""
from __future__ import annotations

import itertools
import socket
import threading
import time
from collections.abc import Iterator

import psutil
import pytest

from actions.aws.server import HostStatusService, metadata_client
from sandbox.imds import ImdsEmulator, InstanceIdentity

IDENTITY = InstanceIdentity(
    instance_id="i-0fedcba9876543210",
    instance_type="m5.xlarge",
    region="eu-west-1",
    availability_zone="eu-west-1c",
    private_ip="10.20.30.40",
    public_ip="52.16.1.2",
)


@pytest.fixture
def imds() -> Iterator[ImdsEmulator]:
    with ImdsEmulator(IDENTITY, port=0) as emulator:
        yield emulator


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def assert_host_fields(status: object) -> None:
    assert 0.0 <= status.cpu_percent <= 100.0  # type: ignore[attr-defined]
    assert 0.0 < status.memory_percent <= 100.0  # type: ignore[attr-defined]
    assert 0.0 < status.disk_percent <= 100.0  # type: ignore[attr-defined]
    assert status.uptime_seconds > 0  # type: ignore[attr-defined]
    assert status.cpu_count == psutil.cpu_count()  # type: ignore[attr-defined]


def test_collect_reports_the_emulated_instance(imds: ImdsEmulator) -> None:
    status = HostStatusService(metadata_endpoint=imds.endpoint, cpu_interval=0.1).collect()
    assert status.on_ec2 is True
    assert status.instance_id == "i-0fedcba9876543210"
    assert status.instance_type == "m5.xlarge"
    assert status.region == "eu-west-1"
    assert status.availability_zone == "eu-west-1c"
    assert status.private_ip == "10.20.30.40"
    assert status.public_ip == "52.16.1.2"
    assert status.hostname == "ip-10-20-30-40.eu-west-1.compute.internal"
    assert_host_fields(status)


def test_instance_without_public_address() -> None:
    with ImdsEmulator(InstanceIdentity(public_ip=None)) as imds:
        status = HostStatusService(metadata_endpoint=imds.endpoint, cpu_interval=0.1).collect()
    assert status.on_ec2 is True
    assert status.public_ip is None
    assert status.private_ip == InstanceIdentity().private_ip


def test_cpu_is_a_real_sample_not_the_first_call_zero(imds: ImdsEmulator) -> None:
    stop = threading.Event()

    def burn() -> None:
        while not stop.is_set():
            sum(range(1000))

    worker = threading.Thread(target=burn)
    worker.start()
    try:
        status = HostStatusService(metadata_endpoint=imds.endpoint, cpu_interval=0.3).collect()
    finally:
        stop.set()
        worker.join()
    # one of the machine's cores was busy for the whole sample
    assert status.cpu_percent >= 100.0 / (psutil.cpu_count() or 1) * 0.5


def assert_off_ec2(service: HostStatusService, limit: float = 1.5) -> None:
    started = time.monotonic()
    status = service.collect()
    elapsed = time.monotonic() - started
    assert elapsed < limit
    assert status.on_ec2 is False
    assert (status.instance_id, status.instance_type, status.region) == (None, None, None)
    assert (status.availability_zone, status.private_ip, status.public_ip) == (None, None, None)
    assert status.hostname == socket.gethostname()
    assert_host_fields(status)


def test_nothing_listening_means_not_on_ec2() -> None:
    assert_off_ec2(HostStatusService(metadata_endpoint=f"http://127.0.0.1:{closed_port()}/", cpu_interval=0.1))


def test_rejected_tokens_mean_not_on_ec2() -> None:
    # every clock reading is a day later than the one before, so each token has expired by its first use
    days = itertools.count(0, 86400)
    with ImdsEmulator(IDENTITY, clock=lambda: float(next(days))) as imds:
        assert_off_ec2(HostStatusService(metadata_endpoint=imds.endpoint, cpu_interval=0.1))


def test_a_silent_endpoint_is_given_up_on_within_the_timeout() -> None:
    # accepts connections (the kernel does) but never answers: ec2-metadata's own token timeout would be 5 s
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        service = HostStatusService(metadata_endpoint=f"http://127.0.0.1:{port}/", timeout=0.5, cpu_interval=0.1)
        assert_off_ec2(service, limit=1.2)


def test_cpu_interval_must_be_positive() -> None:
    with pytest.raises(ValueError):
        HostStatusService(metadata_endpoint=None, cpu_interval=0)


@pytest.mark.parametrize(
    "endpoint",
    ["http://127.0.0.1:1338", "http://127.0.0.1:1338/", "http://127.0.0.1:1338/latest/", "http://127.0.0.1:1338/latest"],
)
def test_metadata_client_urls(endpoint: str) -> None:
    client = metadata_client(endpoint, timeout=1.0)
    assert client.service_url == "http://127.0.0.1:1338/latest/"
    assert client.metadata_url == "http://127.0.0.1:1338/latest/meta-data/"
    assert client.dynamic_url == "http://127.0.0.1:1338/latest/dynamic/"
    assert client.userdata_url == "http://127.0.0.1:1338/latest/user-data/"


def test_metadata_client_defaults_to_the_real_imds() -> None:
    assert metadata_client(None, timeout=1.0).service_url == "http://169.254.169.254/latest/"
