"""``python -m sandbox`` as the launcher runs it: READY line with real ports, usable, and a clean exit on signals."""
from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
READY = re.compile(r"^SANDBOX READY aws=(http://127\.0\.0\.1:(\d+)) imds=(http://127\.0\.0\.1:(\d+)/)$")


class Child:
    def __init__(self, *args: str) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sandbox", *args],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        assert self.process.stdout is not None
        threading.Thread(target=self._pump, args=(self.process.stdout,), daemon=True).start()

    def _pump(self, stream: object) -> None:
        for line in stream:  # type: ignore[attr-defined]
            self.lines.put(line.rstrip("\n"))

    def wait_ready(self, timeout: float = 60.0) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        seen = []
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                if self.process.poll() is not None:
                    break
                continue
            seen.append(line)
            match = READY.match(line)
            if match:
                return match
        raise AssertionError(f"no READY line; stdout={seen} stderr={self.stderr_if_done()}")

    def stderr_if_done(self) -> str:
        if self.process.poll() is None or self.process.stderr is None:
            return "(still running)"
        return self.process.stderr.read()

    def stop(self, signum: int) -> tuple[int, str]:
        self.process.send_signal(signum)
        code = self.process.wait(timeout=10)
        assert self.process.stderr is not None
        return code, self.process.stderr.read()


@pytest.fixture
def spawn() -> Iterator[list[Child]]:
    children: list[Child] = []
    yield children
    for child in children:
        if child.process.poll() is None:
            child.process.kill()
            child.process.wait()


def test_ready_line_serve_and_sigterm(spawn: list[Child]) -> None:
    child = Child("--aws-port", "0", "--imds-port", "0")
    spawn.append(child)
    match = child.wait_ready()
    aws, aws_port, imds, imds_port = match.groups()
    assert int(aws_port) > 0 and int(imds_port) > 0 and aws_port != imds_port
    s3 = boto3.client(
        "s3", endpoint_url=aws, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    assert "media-library-prod" in {b["Name"] for b in s3.list_buckets()["Buckets"]}
    token = requests.put(
        f"{imds}latest/api/token", headers={"X-aws-ec2-metadata-token-ttl-seconds": "60"}, timeout=5
    ).text
    instance_id = requests.get(
        f"{imds}latest/meta-data/instance-id", headers={"X-aws-ec2-metadata-token": token}, timeout=5
    ).text
    assert instance_id.startswith("i-")
    started = time.monotonic()
    code, stderr = child.stop(signal.SIGTERM)
    assert code == 0
    assert time.monotonic() - started < 15  # it stops at once rather than hanging until killed
    assert "Traceback" not in stderr
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{aws}/moto-api/", timeout=2)


def test_no_seed_and_sigint(spawn: list[Child]) -> None:
    child = Child("--aws-port", "0", "--imds-port", "0", "--no-seed", "--region", "eu-central-1")
    spawn.append(child)
    aws, _, imds, _ = child.wait_ready().groups()
    s3 = boto3.client(
        "s3", endpoint_url=aws, region_name="eu-central-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    assert s3.list_buckets()["Buckets"] == []
    token = requests.put(
        f"{imds}latest/api/token", headers={"X-aws-ec2-metadata-token-ttl-seconds": "60"}, timeout=5
    ).text
    region = requests.get(
        f"{imds}latest/meta-data/placement/region", headers={"X-aws-ec2-metadata-token": token}, timeout=5
    ).text
    assert region == "eu-central-1"
    code, stderr = child.stop(signal.SIGINT)
    assert code == 0
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr


def test_taken_port_fails_with_one_line(spawn: list[Child]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        child = Child("--aws-port", str(port), "--imds-port", "0", "--no-seed")
        spawn.append(child)
        assert child.process.wait(timeout=30) == 1
    assert child.process.stderr is not None
    stderr = child.process.stderr.read()
    assert stderr.startswith("SANDBOX FAILED SandboxError: cannot listen on 127.0.0.1:")
    assert "Traceback" not in stderr
