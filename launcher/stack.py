"""The running assistant as a set of child processes, each in its own process group so nothing outlives us."""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Callable, Mapping

import requests
import yaml

from launcher.config import ROOT, channel_variables

READY_LINE = re.compile(r"SANDBOX READY aws=(\S+) imds=(\S+)")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@dataclass
class Child:
    name: str
    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)

    def stop(self, timeout: float = 15.0) -> None:
        if self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)
        except ProcessLookupError:
            pass


class StartupFailed(RuntimeError):
    pass


class Stack:
    """Sandbox (optional) + action server + Rasa server on the given ports; ``start`` blocks until all answer."""

    def __init__(
        self,
        *,
        env: Mapping[str, str],
        host: str = "127.0.0.1",
        rasa_port: int = 5005,
        actions_port: int = 5055,
        sandbox: bool = True,
        aws_port: int = 4566,
        imds_port: int = 1338,
        model: str | Path = ROOT / "models",
        tracker_db: Path | None = None,
        workdir: Path = ROOT,
        echo: Callable[[str, str], None] | None = None,
    ) -> None:
        self.env = dict(env)
        self.host = host
        self.rasa_port = rasa_port
        self.actions_port = actions_port
        self.use_sandbox = sandbox
        self.aws_port = aws_port
        self.imds_port = imds_port
        self.model = Path(model)
        self.tracker_db = tracker_db
        self.workdir = workdir
        self.echo = echo
        self.children: list[Child] = []
        self.aws_endpoint: str | None = None
        self.imds_endpoint: str | None = None
        self._tmp = tempfile.TemporaryDirectory(prefix="cloudbutler-")

    @property
    def rasa_url(self) -> str:
        return f"http://{self.host}:{self.rasa_port}"

    @property
    def webchat_url(self) -> str:
        return f"{self.rasa_url}/webhooks/webchat/"

    # -- lifecycle ----------------------------------------------------------------------------------------------------
    def start(self, timeout: float = 180.0) -> Stack:
        try:
            if self.use_sandbox:
                self._start_sandbox(timeout)
            self._start_actions(timeout)
            self._start_rasa(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        for child in reversed(self.children):
            child.stop()
        self.children.clear()

    def __enter__(self) -> Stack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
        self._tmp.cleanup()

    # -- children -----------------------------------------------------------------------------------------------------
    def _spawn(self, name: str, args: list[str], env: Mapping[str, str]) -> Child:
        process = subprocess.Popen(
            args,
            cwd=self.workdir,
            env=dict(env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            bufsize=1,
            start_new_session=True,  # own process group: one killpg stops it and its children
        )
        child = Child(name=name, process=process)
        self.children.append(child)
        threading.Thread(target=self._pump, args=(child, process.stdout), daemon=True).start()
        return child

    def _pump(self, child: Child, stream: IO[str] | None) -> None:
        if stream is None:
            return
        for line in stream:
            line = line.rstrip("\n")
            child.lines.append(line)
            if len(child.lines) > 2000:
                del child.lines[:1000]
            if self.echo:
                self.echo(child.name, line)

    def _wait(self, child: Child, ready: Callable[[], bool], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if child.process.poll() is not None:
                tail = "\n".join(child.lines[-30:])
                raise StartupFailed(f"{child.name} exited with {child.process.returncode}:\n{tail}")
            if ready():
                return
            time.sleep(0.2)
        raise StartupFailed(f"{child.name} did not become ready within {timeout:.0f}s:\n" + "\n".join(child.lines[-30:]))

    def _start_sandbox(self, timeout: float) -> None:
        args = [sys.executable, "-m", "sandbox", "--host", self.host,
                "--aws-port", str(self.aws_port), "--imds-port", str(self.imds_port)]
        child = self._spawn("sandbox", args, self.env)

        def ready() -> bool:
            for line in child.lines:
                match = READY_LINE.search(line)
                if match:
                    self.aws_endpoint, self.imds_endpoint = match.groups()
                    return True
            return False

        self._wait(child, ready, timeout)

    def action_env(self) -> dict[str, str]:
        env = dict(self.env)
        # Background jobs post progress back into the conversation through Rasa's HTTP API.
        env.setdefault("CLOUDBUTLER_RASA_URL", self.rasa_url)
        env.setdefault("CLOUDBUTLER_PUBLIC_URL", self.rasa_url)
        if self.use_sandbox:
            assert self.aws_endpoint and self.imds_endpoint
            env.update(
                AWS_ENDPOINT_URL=self.aws_endpoint,
                AWS_EC2_METADATA_SERVICE_ENDPOINT=self.imds_endpoint,
                AWS_ACCESS_KEY_ID="sandbox",
                AWS_SECRET_ACCESS_KEY="sandbox",
                AWS_REGION=env.get("AWS_REGION") or "us-east-1",
                AWS_DEFAULT_REGION=env.get("AWS_REGION") or "us-east-1",
            )
            env.pop("AWS_PROFILE", None)
            env.pop("AWS_SESSION_TOKEN", None)
        return env

    def endpoints(self) -> dict[str, object]:
        """endpoints.yml with this stack's action server, and its tracker database (None: in memory)."""
        source = self.workdir / "endpoints.yml"
        config = yaml.safe_load(source.read_text(encoding="utf-8")) if source.is_file() else {}
        config = config or {}
        config["action_endpoint"] = {"url": f"http://{self.host}:{self.actions_port}/webhook"}
        if self.tracker_db is None:
            config.pop("tracker_store", None)
        elif isinstance(config.get("tracker_store"), dict):
            self.tracker_db.parent.mkdir(parents=True, exist_ok=True)
            config["tracker_store"]["db"] = str(self.tracker_db)
        return config

    def _start_actions(self, timeout: float) -> None:
        args = [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(self.actions_port)]
        child = self._spawn("actions", args, self.action_env())
        self._wait(child, lambda: _answers(f"http://{self.host}:{self.actions_port}/health"), timeout)

    def _start_rasa(self, timeout: float) -> None:
        endpoints = Path(self._tmp.name) / "endpoints.yml"
        endpoints.write_text(yaml.safe_dump(self.endpoints()), encoding="utf-8")
        env = dict(self.env)
        for var in channel_variables(self.workdir / "credentials.yml"):
            env.setdefault(var, "")
        env.setdefault("CLOUDBUTLER_PUBLIC_URL", self.rasa_url)
        args = [
            sys.executable, "-m", "rasa", "run", "--enable-api", "--interface", self.host,
            "--port", str(self.rasa_port), "--model", str(self.model), "--endpoints", str(endpoints),
            "--credentials", str(self.workdir / "credentials.yml"), "--cors", "*",
        ]
        if env.get("RASA_AUTH_TOKEN"):
            args += ["--auth-token", env["RASA_AUTH_TOKEN"]]
        child = self._spawn("rasa", args, env)
        self._wait(child, lambda: _model_loaded(self.rasa_url), timeout)


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=1).ok
    except requests.RequestException:
        return False


def _model_loaded(base: str) -> bool:
    try:
        status = requests.get(f"{base}/status", timeout=2)
        return status.ok and bool(status.json().get("model_file"))
    except (requests.RequestException, ValueError):
        return False
