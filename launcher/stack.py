"""The running assistant as a set of child processes, each in its own process group so nothing outlives us.

A child that dies is started again with back-off (``supervise``), so one crash does not take the stack down."""
from __future__ import annotations

import os
import random
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

from actions.endpoint import TOKEN_HEADER
from launcher import secrets as stack_secrets
from launcher.config import ROOT, channel_variables
from sandbox.demo_data import INVENTORY_BUCKET as SANDBOX_INVENTORY_BUCKET  # pure data: the bucket the sandbox seeds

READY_LINE = re.compile(r"SANDBOX READY aws=(\S+) imds=(\S+)")
TRACKER_READY_LINE = re.compile(r"TRACKER READY queue=(\S+)")
DASHBOARD_READY_LINE = re.compile(r"DASHBOARD READY (http://\S+)")
ALERTS_QUEUE_WORD = re.compile(r"\balerts=(\S+)")
# DuckDB's bindings report their objects at interpreter exit (dozens of lines); kept, they would push the error that
# stopped a child out of the tail a failed start-up shows.
EXIT_NOISE = re.compile(r"nanobind: |\s+- leaked |\s+- \.\.\. skipped remainder|See https://nanobind\.")


def free_port(host: str = "127.0.0.1") -> int:
    """A port free now, below the kernel's range for outgoing connections: a port from that range can be taken by
    any client connection (boto3, the sandbox's seeding) before our server binds it - Rasa binds only once its model
    has loaded, a minute later."""
    low = _ephemeral_low()
    for _ in range(200):
        port = random.randrange(max(1024, low - 12000), low)
        with socket.socket() as sock:
            try:
                sock.bind((host, port))
            except OSError:
                continue
            return port
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


@dataclass
class Child:
    name: str
    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)
    restart: Callable[[], Child] | None = None  # starts a replacement and waits until it answers
    restarts: list[float] = field(default_factory=list)  # when it was restarted (monotonic), for the back-off

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


class GaveUp(RuntimeError):
    """A child kept crashing: more than ``MAX_RESTARTS`` restarts within ``RESTART_WINDOW`` seconds."""


MAX_RESTARTS = 5
RESTART_WINDOW = 300.0


class Stack:
    """Sandbox (optional) + size tracker + action server + Rasa server on the given ports; ``start`` blocks until
    all answer."""

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
        secrets_file: Path | None = None,
        actions_host: str = "127.0.0.1",
        dashboard_port: int | None = None,
        dashboard_host: str = "127.0.0.1",
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
        self.actions_host = actions_host
        self.dashboard_port = dashboard_port  # None: no dashboard process (tests that do not need it)
        self.dashboard_host = dashboard_host
        # Tests and benchmarks get fresh secrets in memory; `make run` keeps them in var/secrets.json.
        self._tmp = tempfile.TemporaryDirectory(prefix="cloudbutler-")
        self.secrets = stack_secrets.load_or_create(self.env, secrets_file or Path(self._tmp.name) / "secrets.json")
        self.env.update(self.secrets)
        self.children: list[Child] = []
        self.aws_endpoint: str | None = None
        self.imds_endpoint: str | None = None
        self.size_queue_url: str | None = None  # the queue the size tracker reads S3 events from
        self.alerts_queue_url: str | None = None  # the queue the tracker delivers alerts from

    @property
    def rasa_url(self) -> str:
        return f"http://{self.host}:{self.rasa_port}"

    @property
    def webchat_url(self) -> str:
        return f"{self.rasa_url}/webhooks/webchat/"

    @property
    def api_token(self) -> str:
        """Rasa's HTTP API token (``?token=``): the launcher, the action server and tests hold it, no browser."""
        return self.secrets[stack_secrets.RASA_TOKEN]

    @property
    def dashboard_url(self) -> str | None:
        """The dashboard page, when this stack runs one."""
        if self.dashboard_port is None:
            return None
        return f"http://{self.dashboard_host}:{self.dashboard_port}/dashboard"

    @property
    def dashboard_token(self) -> str:
        return self.secrets[stack_secrets.DASHBOARD_TOKEN]

    @property
    def actions_url(self) -> str:
        return f"http://{self.actions_host}:{self.actions_port}"

    # -- lifecycle ----------------------------------------------------------------------------------------------------
    def start(self, timeout: float = 180.0, *, chat: bool = True) -> Stack:
        """Start every child in order; ``chat=False`` starts only the AWS side (sandbox and size tracker)."""
        rasa: Child | None = None
        try:
            if chat:
                # Rasa loads its model for about a minute and needs nothing else running to do so: it loads while
                # the sandbox seeds and the action server starts, and is waited for last.
                rasa = self._spawn_rasa()
            if self.use_sandbox:
                self._start_sandbox(timeout)
            # Before the action server: the queue and tables exist by the time a skill first asks for them.
            self._start_tracker(timeout)
            if rasa is not None:
                self._start_actions(timeout)
            if self.dashboard_port is not None:
                self._start_dashboard(timeout)
            if rasa is not None:
                self._adopt_rasa(rasa, timeout)
        except BaseException:
            if rasa is not None:
                rasa.stop()
            self.stop()
            raise
        return self

    def stop(self) -> None:
        for child in reversed(self.children):
            child.stop()
        self.children.clear()

    def supervise(self, now: float | None = None) -> list[str]:
        """Start again every child that died, each after a back-off of 1, 2, 4... s since its last restart; the
        names restarted. Raises ``GaveUp`` when one crashes more than MAX_RESTARTS times in RESTART_WINDOW s."""
        restarted: list[str] = []
        for index, child in enumerate(self.children):
            if child.process.poll() is None or child.restart is None:
                continue
            now = time.monotonic() if now is None else now
            recent = [t for t in child.restarts if now - t < RESTART_WINDOW]
            if len(recent) >= MAX_RESTARTS:
                raise GaveUp(f"{child.name} crashed {len(recent) + 1} times within {RESTART_WINDOW:.0f}s")
            if recent and now - recent[-1] < 2 ** (len(recent) - 1):
                continue  # still backing off
            replacement = child.restart()
            replacement.restarts = recent + [time.monotonic()]
            self.children[index] = replacement
            restarted.append(child.name)
        return restarted

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
        threading.Thread(target=self._pump, args=(child, process.stdout), daemon=True).start()
        return child

    def _pump(self, child: Child, stream: IO[str] | None) -> None:
        if stream is None:
            return
        for line in stream:
            line = stack_secrets.redact(line.rstrip("\n"), self.secrets.values())
            if EXIT_NOISE.match(line):
                continue
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

    def _start_sandbox(self, timeout: float) -> Child:
        # The sandbox has no authentication of its own: it listens on loopback whatever CLOUDBUTLER_HOST says.
        aws_port, imds_port = self.aws_port, self.imds_port
        if self.aws_endpoint and self.imds_endpoint:  # a restart keeps the ports the action server knows
            aws_port, imds_port = _port(self.aws_endpoint), _port(self.imds_endpoint)
        args = [sys.executable, "-m", "sandbox", "--host", "127.0.0.1",
                "--aws-port", str(aws_port), "--imds-port", str(imds_port)]
        child = self._spawn("sandbox", args, stack_secrets.for_process("sandbox", self.env))

        def ready() -> bool:
            for line in child.lines:
                match = READY_LINE.search(line)
                if match:
                    self.aws_endpoint, self.imds_endpoint = match.groups()
                    return True
            return False

        return self._adopt(child, ready, timeout, lambda: self._start_sandbox(timeout))

    def _adopt(self, child: Child, ready: Callable[[], bool], timeout: float, again: Callable[[], Child]) -> Child:
        """Wait until ``child`` answers, then keep it (first start) or let ``supervise`` put it in its slot."""
        try:
            self._wait(child, ready, timeout)
        except BaseException:
            child.stop()
            raise
        child.restart = again
        if not any(c.name == child.name for c in self.children):
            self.children.append(child)
        return child

    def _aws_env(self, process: str) -> dict[str, str]:
        """``process``'s environment with, in sandbox mode, the sandbox in place of AWS (and no real credentials)."""
        env = stack_secrets.for_process(process, self.env)
        if self.use_sandbox:
            assert self.aws_endpoint
            env.update(
                AWS_ENDPOINT_URL=self.aws_endpoint,
                AWS_ACCESS_KEY_ID="sandbox",
                AWS_SECRET_ACCESS_KEY="sandbox",
                AWS_REGION=env.get("AWS_REGION") or "us-east-1",
                AWS_DEFAULT_REGION=env.get("AWS_REGION") or "us-east-1",
            )
            env.pop("AWS_PROFILE", None)
            env.pop("AWS_SESSION_TOKEN", None)
            if not env.get("CLOUDBUTLER_INVENTORY_BUCKETS", "").strip():
                env["CLOUDBUTLER_INVENTORY_BUCKETS"] = SANDBOX_INVENTORY_BUCKET
        return env

    def action_env(self) -> dict[str, str]:
        env = self._aws_env("actions")
        # Background jobs post progress back into the conversation through Rasa's HTTP API.
        env.setdefault("CLOUDBUTLER_RASA_URL", self.rasa_url)
        env.setdefault("CLOUDBUTLER_PUBLIC_URL", self.rasa_url)
        if self.dashboard_url:
            env.setdefault("CLOUDBUTLER_DASHBOARD_URL", self.dashboard_url)  # "what are my stats" links to it
        if self.tracker_db is not None:  # admins' usage figures read the conversations Rasa keeps
            env.setdefault("CLOUDBUTLER_TRACKER_STORE_URL", f"sqlite:///{self.tracker_db}")
        if self.use_sandbox:
            assert self.imds_endpoint
            env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = self.imds_endpoint
        return env

    def tracker_env(self) -> dict[str, str]:
        """The tracker talks to AWS (or the sandbox) and posts alerts through Rasa's API: AWS settings and keys,
        table prefix, snapshot interval, Rasa's URL and API token - no chat platform secret."""
        env = self._aws_env("tracker")
        env.setdefault("CLOUDBUTLER_RASA_URL", self.rasa_url)
        return env

    def _start_tracker(self, timeout: float) -> Child:
        child = self._spawn("tracker", [sys.executable, "-m", "actions.tracker"], self.tracker_env())

        def ready() -> bool:
            for line in child.lines:
                match = TRACKER_READY_LINE.search(line)
                if match:
                    self.size_queue_url = match.group(1)
                    alerts = ALERTS_QUEUE_WORD.search(line, match.end())
                    self.alerts_queue_url = alerts.group(1) if alerts else None
                    return True
            return False

        return self._adopt(child, ready, timeout, lambda: self._start_tracker(timeout))

    def endpoints(self) -> dict[str, object]:
        """endpoints.yml with this stack's action server, and its tracker database (None: in memory)."""
        source = self.workdir / "endpoints.yml"
        config = yaml.safe_load(source.read_text(encoding="utf-8")) if source.is_file() else {}
        config = config or {}
        # Rasa fills ${...} from its environment: the token never lands in a file.
        config["action_endpoint"] = {
            "url": f"{self.actions_url}/webhook",
            "headers": {TOKEN_HEADER: "${" + stack_secrets.ACTIONS_TOKEN + "}"},
        }
        if self.tracker_db is None:
            config.pop("tracker_store", None)
        elif isinstance(config.get("tracker_store"), dict):
            self.tracker_db.parent.mkdir(parents=True, exist_ok=True)
            config["tracker_store"]["db"] = str(self.tracker_db)
        return config

    def dashboard_env(self) -> dict[str, str]:
        """The dashboard reads AWS (or the sandbox) and the conversation store; its own token, no other secret."""
        assert self.dashboard_port is not None
        env = self._aws_env("dashboard")
        env["CLOUDBUTLER_DASHBOARD_HOST"] = self.dashboard_host
        env["CLOUDBUTLER_DASHBOARD_PORT"] = str(self.dashboard_port)
        if self.tracker_db is not None:
            env.setdefault("CLOUDBUTLER_TRACKER_STORE_URL", f"sqlite:///{self.tracker_db}")
        return env

    def _start_dashboard(self, timeout: float) -> Child:
        child = self._spawn("dashboard", [sys.executable, "-m", "actions.dashboard"], self.dashboard_env())
        return self._adopt(child, lambda: any(DASHBOARD_READY_LINE.search(line) for line in child.lines), timeout,
                           lambda: self._start_dashboard(timeout))

    def _start_actions(self, timeout: float) -> Child:
        args = [sys.executable, "-m", "actions.endpoint", "--host", self.actions_host, "--port", str(self.actions_port)]
        child = self._spawn("actions", args, self.action_env())
        return self._adopt(child, lambda: _answers(f"{self.actions_url}/health"), timeout,
                           lambda: self._start_actions(timeout))

    def rasa_env(self) -> dict[str, str]:
        env = stack_secrets.for_process("rasa", self.env)
        for var in channel_variables(self.workdir / "credentials.yml"):
            env.setdefault(var, "")
        env.setdefault("CLOUDBUTLER_PUBLIC_URL", self.rasa_url)
        env["CLOUDBUTLER_HOST"] = self.host
        return env

    def _spawn_rasa(self) -> Child:
        endpoints = Path(self._tmp.name) / "endpoints.yml"
        endpoints.write_text(yaml.safe_dump(self.endpoints()), encoding="utf-8")
        # The API token and allowed origins reach the server through its environment, never its command line.
        args = [
            sys.executable, "-m", "connectors.server", "--host", self.host, "--port", str(self.rasa_port),
            "--model", str(self.model), "--endpoints", str(endpoints),
            "--credentials", str(self.workdir / "credentials.yml"),
        ]
        return self._spawn("rasa", args, self.rasa_env())

    def _adopt_rasa(self, child: Child, timeout: float) -> Child:
        return self._adopt(child, lambda: _model_loaded(self.rasa_url, self.api_token), timeout,
                           lambda: self._start_rasa(timeout))

    def _start_rasa(self, timeout: float) -> Child:
        return self._adopt_rasa(self._spawn_rasa(), timeout)


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/", 1)[0])


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=1).ok
    except requests.RequestException:
        return False


def _model_loaded(base: str, token: str) -> bool:
    try:
        status = requests.get(f"{base}/status", params={"token": token}, timeout=2)
        return status.ok and bool(status.json().get("model_file"))
    except (requests.RequestException, ValueError):
        return False
