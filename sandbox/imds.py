"""An IMDSv2 emulator: the instance-metadata endpoints ec2-metadata and botocore read, for one configurable identity.

moto serves some meta-data but not ``dynamic/instance-identity/document`` (where ec2-metadata finds the region), and
it has no token handshake, so the sandbox runs this instead, on its own port.
"""
from __future__ import annotations

import datetime as dt
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

TOKEN_HEADER = "X-aws-ec2-metadata-token"
TTL_HEADER = "X-aws-ec2-metadata-token-ttl-seconds"
MAX_TTL_SECONDS = 21600


def _dashed(ip: str) -> str:
    return ip.replace(".", "-")


def default_private_hostname(private_ip: str, region: str) -> str:
    """AWS's private DNS name: us-east-1 uses the old ``ec2.internal`` domain, other regions their own."""
    domain = "ec2.internal" if region == "us-east-1" else f"{region}.compute.internal"
    return f"ip-{_dashed(private_ip)}.{domain}"


def default_public_hostname(public_ip: str, region: str) -> str:
    domain = "compute-1.amazonaws.com" if region == "us-east-1" else f"{region}.compute.amazonaws.com"
    return f"ec2-{_dashed(public_ip)}.{domain}"


@dataclass(frozen=True)
class InstanceIdentity:
    """What the emulated instance says about itself; hostnames default to AWS's naming when left empty."""

    instance_id: str = "i-0a1b2c3d4e5f60718"
    instance_type: str = "t3.micro"
    ami_id: str = "ami-0c02fb55956c7d316"
    region: str = "us-east-1"
    availability_zone: str = "us-east-1a"
    private_ip: str = "172.31.0.10"
    public_ip: str | None = "54.210.10.20"
    mac: str = "02:00:00:00:00:01"
    security_groups: tuple[str, ...] = ("default",)
    account_id: str = "123456789012"
    architecture: str = "x86_64"
    pending_time: dt.datetime = field(default_factory=lambda: dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    private_hostname: str = ""
    public_hostname: str = ""
    user_data: bytes | None = None

    @property
    def local_hostname(self) -> str:
        return self.private_hostname or default_private_hostname(self.private_ip, self.region)

    @property
    def resolved_public_hostname(self) -> str | None:
        if self.public_hostname:
            return self.public_hostname
        return default_public_hostname(self.public_ip, self.region) if self.public_ip else None

    def identity_document(self) -> dict[str, Any]:
        """The shape of AWS's ``dynamic/instance-identity/document`` (keys AWS sends, including the nulls)."""
        return {
            "accountId": self.account_id,
            "architecture": self.architecture,
            "availabilityZone": self.availability_zone,
            "billingProducts": None,
            "devpayProductCodes": None,
            "marketplaceProductCodes": None,
            "imageId": self.ami_id,
            "instanceId": self.instance_id,
            "instanceType": self.instance_type,
            "kernelId": None,
            "pendingTime": self.pending_time.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "privateIp": self.private_ip,
            "ramdiskId": None,
            "region": self.region,
            "version": "2017-09-30",
        }

    def metadata(self) -> dict[str, str]:
        """Leaf paths under ``/latest/meta-data/`` and their bodies; absent values are absent (AWS answers 404)."""
        values: dict[str, str | None] = {
            "ami-id": self.ami_id,
            "hostname": self.local_hostname,
            "instance-id": self.instance_id,
            "instance-type": self.instance_type,
            "local-hostname": self.local_hostname,
            "local-ipv4": self.private_ip,
            "mac": self.mac,
            "placement/availability-zone": self.availability_zone,
            "placement/region": self.region,
            "public-hostname": self.resolved_public_hostname,
            "public-ipv4": self.public_ip,
            "security-groups": "\n".join(self.security_groups),
        }
        return {path: value for path, value in values.items() if value is not None}


def directory_listing(paths: list[str], prefix: str) -> str | None:
    """IMDS lists a directory as one entry a line, sub-directories with a trailing slash; None if nothing is there."""
    entries: set[str] = set()
    for path in paths:
        if path.startswith(prefix):
            head, sep, _ = path[len(prefix):].partition("/")
            entries.add(head + "/" if sep else head)
    return "\n".join(sorted(entries)) if entries else None


class _TokenBook:
    """Issued tokens and when they expire; thread-safe because the server answers on many threads."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._expiry: dict[str, float] = {}
        self._lock = threading.Lock()

    def issue(self, ttl: int) -> str:
        token = secrets.token_urlsafe(42)
        with self._lock:
            now = self._clock()
            # drop expired ones so a long-running sandbox does not grow without bound
            self._expiry = {t: e for t, e in self._expiry.items() if e > now}
            self._expiry[token] = now + ttl
        return token

    def valid(self, token: str | None) -> bool:
        if not token:
            return False
        with self._lock:
            expiry = self._expiry.get(token)
            return expiry is not None and self._clock() < expiry


class _Handler(BaseHTTPRequestHandler):
    server: _ImdsHttpServer
    server_version = "EC2ws"
    sys_version = ""
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass  # the sandbox's output is the READY line, not an access log

    def _reply(self, status: int, body: str = "", headers: dict[str, str] | None = None) -> None:
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def do_PUT(self) -> None:
        # drain any body so a keep-alive connection stays usable
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if self.path.split("?")[0] != "/latest/api/token":
            self._reply(404, "Not Found")
            return
        if self.headers.get("X-Forwarded-For"):
            # AWS refuses tokens to requests that went through a proxy
            self._reply(403, "Forbidden")
            return
        raw_ttl = self.headers.get(TTL_HEADER)
        try:
            ttl = int(raw_ttl) if raw_ttl is not None else 0
        except ValueError:
            ttl = 0
        if not 1 <= ttl <= MAX_TTL_SECONDS:
            self._reply(400, "Bad Request")
            return
        token = self.server.tokens.issue(ttl)
        self._reply(200, token, {TTL_HEADER: str(ttl)})

    def do_GET(self) -> None:
        if not self.server.tokens.valid(self.headers.get(TOKEN_HEADER)):
            self._reply(401, "Unauthorized")
            return
        body = self.server.lookup(self.path.split("?")[0])
        if body is None:
            self._reply(404, "Not Found")
        else:
            self._reply(200, body)

    do_HEAD = do_GET


class _ImdsHttpServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], *, identity: InstanceIdentity, tokens: _TokenBook) -> None:
        super().__init__(address, _Handler)
        self.identity = identity
        self.tokens = tokens

    def lookup(self, path: str) -> str | None:
        identity = self.identity
        if path in ("/latest", "/latest/"):
            return "\n".join(["dynamic", "meta-data"] + (["user-data"] if identity.user_data is not None else []))
        if path == "/latest/user-data" or path == "/latest/user-data/":
            return None if identity.user_data is None else identity.user_data.decode("utf-8", "replace")
        if path in ("/latest/dynamic", "/latest/dynamic/"):
            return "instance-identity/"
        if path in ("/latest/dynamic/instance-identity", "/latest/dynamic/instance-identity/"):
            return "document"
        if path == "/latest/dynamic/instance-identity/document":
            return json.dumps(identity.identity_document(), indent=2)
        prefix = "/latest/meta-data/"
        if path == prefix.rstrip("/"):
            path = prefix
        if not path.startswith(prefix):
            return None
        leaves = identity.metadata()
        relative = path[len(prefix):]
        if relative in leaves:
            return leaves[relative]
        if relative and not relative.endswith("/"):
            relative += "/"  # IMDS lists a directory asked for without its slash too
        return directory_listing(list(leaves), relative)


class ImdsEmulator:
    """A threaded IMDSv2 server on ``host:port`` (port 0 picks a free one; ``port`` tells which after ``start``).

    ``clock`` (seconds, monotonic) decides token expiry; tests pass one to expire tokens without sleeping.
    """

    def __init__(
        self,
        identity: InstanceIdentity | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.identity = identity or InstanceIdentity()
        self.host = host
        self._requested_port = port
        self._clock = clock
        self._server: _ImdsHttpServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._server is not None:
            return
        server = _ImdsHttpServer(
            (self.host, self._requested_port), identity=self.identity, tokens=_TokenBook(self._clock)
        )
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="imds-emulator", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the IMDS emulator is not running")
        return int(self._server.server_address[1])

    @property
    def endpoint(self) -> str:
        """The base URL, in the form ``AWS_EC2_METADATA_SERVICE_ENDPOINT`` takes (``http://host:port/``)."""
        return f"http://{connectable_host(self.host)}:{self.port}/"

    def __enter__(self) -> ImdsEmulator:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def connectable_host(host: str) -> str:
    """A wildcard bind address is not something a client can connect to; loopback is."""
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host
