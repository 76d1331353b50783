"""The embedded AWS: moto's server, the demo account, and an IMDS emulator that speaks for the seeded ``web-1``."""
from __future__ import annotations

import datetime as dt
import logging
import socket
import urllib.request
from collections.abc import Callable
from types import TracebackType
from typing import Any

from moto.server import ThreadedMotoServer

from sandbox.alarms import AlarmLoop, start_alarm_evaluator
from sandbox.background import BackgroundThread
from sandbox.demo_data import INSTANCES, INVENTORY_BUCKET
from sandbox.imds import ImdsEmulator, InstanceIdentity, connectable_host
from sandbox.metrics import (
    CPU_STEP,
    floor_to_step,
    install_fast_metric_queries,
    install_s3_storage_metrics,
    instance_data,
)
from sandbox.seed import (
    DEFAULT_TABLE_PREFIX,
    FAKE_ACCESS_KEY,
    FAKE_SECRET_KEY,
    SeededInstance,
    SeedResult,
    cpu_key,
    sandbox_clients,
    seed_demo,
)
from sandbox.speedups import (
    install_dynamodb_expression_cache,
    install_fast_dynamodb_items,
    install_fast_dynamodb_queries,
    install_fast_dynamodb_reads,
    install_fast_dynamodb_transactions,
)

log = logging.getLogger(__name__)

IMDS_INSTANCE = "web-1"


class SandboxError(RuntimeError):
    """The sandbox could not start (port taken, seeding failed)."""


def _ensure_port_free(host: str, port: int) -> None:
    # ThreadedMotoServer.start() waits forever when its thread fails to bind; find out first.
    if port == 0:
        return
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise SandboxError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def identity_for(instance: SeededInstance, *, region: str, account_id: str = "123456789012") -> InstanceIdentity:
    """What the instance's own metadata service would say about it."""
    return InstanceIdentity(
        instance_id=instance.instance_id,
        instance_type=instance.instance_type,
        ami_id=instance.image_id,
        region=region,
        availability_zone=instance.availability_zone,
        private_ip=instance.private_ip,
        public_ip=instance.public_ip,
        mac=instance.mac,
        account_id=account_id,
        pending_time=instance.launch_time,
        private_hostname=instance.private_dns,
        public_hostname=instance.public_dns or "",
    )


class _CpuTicker(BackgroundThread):
    """Keeps each seeded instance's CPU and network curves going in five-minute steps, so "the last hour" never runs
    dry."""

    def __init__(self, *, cloudwatch: Any, instances: tuple[SeededInstance, ...], now: Callable[[], dt.datetime]):
        super().__init__("sandbox-cpu-ticker")
        self._cloudwatch = cloudwatch
        self._instances = instances
        self._now = now

    def _run(self) -> None:
        # the seeded history ends at the last step boundary a minute before seeding
        next_at = floor_to_step(self._now() - dt.timedelta(minutes=1)) + CPU_STEP
        while not self._stop.wait(max(0.0, (next_at - self._now()).total_seconds())):
            try:
                self._put(next_at)
            except Exception:  # a background nicety must not take the sandbox down
                log.debug("cpu ticker stopped", exc_info=True)
                return
            next_at += CPU_STEP

    def _put(self, at: dt.datetime) -> None:
        specs = {spec.name: spec for spec in INSTANCES}
        data = [
            point
            for i in self._instances
            for point in instance_data(specs[i.name].cpu, specs[i.name].network, at, key=cpu_key(i),
                                       instance_id=i.instance_id)
        ]
        self._cloudwatch.put_metric_data(Namespace="AWS/EC2", MetricData=data)


class Sandbox:
    """moto + demo data + IMDS emulator on loopback; port 0 picks free ports (read them from the endpoints).

    moto keeps its state per process, so a Sandbox starts from an empty account (it resets moto before seeding).
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        aws_port: int = 4566,
        imds_port: int = 1338,
        region: str = "us-east-1",
        seed: bool = True,
        table_prefix: str = DEFAULT_TABLE_PREFIX,
    ) -> None:
        self.host = host
        self.aws_port = aws_port
        self.imds_port = imds_port
        self.region = region
        self.seed = seed
        self.table_prefix = table_prefix  # of the size tracker's tables and queue the demo buckets are tracked in
        self.seeded: SeedResult | None = None
        self._moto: ThreadedMotoServer | None = None
        self._imds: ImdsEmulator | None = None
        self._ticker: _CpuTicker | None = None
        self._alarms: AlarmLoop | None = None
        self._undo_metrics_fix: Callable[[], None] | None = None

    def start(self) -> None:
        if self._moto is not None:
            return
        try:
            self._start()
        except Exception:
            self.stop()
            raise

    def _start(self) -> None:
        _ensure_port_free(self.host, self.aws_port)
        _ensure_port_free(self.host, self.imds_port)
        undos = [install_s3_storage_metrics(), install_fast_metric_queries(), install_fast_dynamodb_reads(),
                 install_fast_dynamodb_transactions(), install_dynamodb_expression_cache(),
                 install_fast_dynamodb_queries(), install_fast_dynamodb_items()]

        def undo_metrics_fixes() -> None:
            for undo in reversed(undos):
                undo()

        self._undo_metrics_fix = undo_metrics_fixes
        self._moto = ThreadedMotoServer(ip_address=self.host, port=self.aws_port, verbose=False)
        self._moto.start()
        reset = urllib.request.Request(f"{self.aws_endpoint}/moto-api/reset", method="POST")
        urllib.request.urlopen(reset, timeout=10).close()
        identity = InstanceIdentity(region=self.region, availability_zone=f"{self.region}a")
        if self.seed:
            self.seeded = seed_demo(endpoint_url=self.aws_endpoint, region=self.region, table_prefix=self.table_prefix)
            identity = identity_for(
                self.seeded.instance(IMDS_INSTANCE), region=self.region, account_id=self.seeded.account_id
            )
            self._ticker = _CpuTicker(
                cloudwatch=sandbox_clients(self.aws_endpoint, self.region, ("cloudwatch",))["cloudwatch"],
                instances=self.seeded.instances,
                now=lambda: dt.datetime.now(dt.UTC),
            )
            self._ticker.start()
        # The sandbox's CloudWatch stores alarms but never fires them: this evaluates them over its metric data.
        self._alarms = start_alarm_evaluator(self.aws_endpoint, self.region)
        self._imds = ImdsEmulator(identity, host=self.host, port=self.imds_port)
        self._imds.start()

    def stop(self) -> None:
        """Stops everything that runs; safe to call twice or after a failed start."""
        ticker, imds, moto, undo = self._ticker, self._imds, self._moto, self._undo_metrics_fix
        alarms = self._alarms
        self._ticker = self._imds = self._moto = self._undo_metrics_fix = self._alarms = None
        if alarms is not None:
            alarms.stop()
        if ticker is not None:
            ticker.stop()
        if imds is not None:
            imds.stop()
        if moto is not None:
            moto.stop()
        if undo is not None:
            undo()

    @property
    def aws_endpoint(self) -> str:
        if self._moto is None:
            raise SandboxError("the sandbox is not running")
        host, port = self._moto.get_host_and_port()
        return f"http://{connectable_host(host)}:{port}"

    @property
    def imds_endpoint(self) -> str:
        if self._imds is None:
            raise SandboxError("the sandbox is not running")
        return self._imds.endpoint

    @property
    def identity(self) -> InstanceIdentity:
        if self._imds is None:
            raise SandboxError("the sandbox is not running")
        return self._imds.identity

    def env(self) -> dict[str, str]:
        """The variables an action server needs to use this sandbox instead of AWS."""
        return {
            "AWS_ENDPOINT_URL": self.aws_endpoint,
            "AWS_EC2_METADATA_SERVICE_ENDPOINT": self.imds_endpoint,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_ACCESS_KEY_ID": FAKE_ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": FAKE_SECRET_KEY,
            "CLOUDBUTLER_INVENTORY_BUCKETS": INVENTORY_BUCKET,
        }

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
