"""Server status skill: this host (instance metadata + psutil) or any instance of the fleet (EC2 + CloudWatch)."""
from __future__ import annotations

import asyncio
import os
import time
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.aws.server import FleetService, HostStatus, HostStatusService, InstanceStatus
from actions.core import errors
from actions.core.base import Skill, SkillAction
from actions.core.formatting import duration, percent

SERVER_TITLE = "Server {instance_id} ({instance_type})"
SERVER_NOT_ON_EC2 = (
    "This host is not running on EC2 (no instance metadata service answered), so it has no AWS region, zone or "
    "instance id. Here is the host itself:"
)
HOST_TITLE = "Host {hostname}"
INSTANCE_TITLE = "{name} ({instance_id}, {instance_type})"
NO_DATA = "no data"

errors.register({
    "unknown_instance": "I don't know an instance called \"{name}\". Known instances: {known}.",
    "UnauthorizedOperation": "AWS denied that EC2 request. Check that my IAM policy allows ec2:Describe*.",
})


def _fields(title: str, items: list[tuple[str, str]], intro: str = "") -> dict[str, Any]:
    text = "\n".join(([intro] if intro else []) + [title] + [f"{label}: {value}" for label, value in items])
    return {
        "text": text,
        "json_message": {"fields": {"title": title, "items": [{"label": k, "value": v} for k, v in items]}},
    }


def host_reply(status: HostStatus) -> dict[str, Any]:
    host_items = [
        ("CPU", percent(status.cpu_percent)),
        ("Memory", percent(status.memory_percent)),
        ("Disk", percent(status.disk_percent)),
        ("Uptime", duration(status.uptime_seconds)),
    ]
    if not status.on_ec2:
        title = HOST_TITLE.format(hostname=status.hostname)
        return _fields(title, host_items, intro=SERVER_NOT_ON_EC2)
    title = SERVER_TITLE.format(instance_id=status.instance_id, instance_type=status.instance_type)
    items = [
        ("Instance", f"{status.instance_id} ({status.instance_type})"),
        ("Region", status.region or "n/a"),
        ("Availability zone", status.availability_zone or "n/a"),
        ("Private IP", status.private_ip or "none"),
        ("Public IP", status.public_ip or "none"),
    ]
    return _fields(title, items + host_items)


def instance_reply(status: InstanceStatus) -> dict[str, Any]:
    title = INSTANCE_TITLE.format(
        name=status.name or status.instance_id, instance_id=status.instance_id, instance_type=status.instance_type
    )
    items = [
        ("State", status.state),
        ("Region", status.region),
        ("Availability zone", status.availability_zone or "n/a"),
        ("Private IP", status.private_ip or "none"),
        ("Public IP", status.public_ip or "none"),
        ("CPU (latest)", percent(status.cpu_latest) if status.cpu_latest is not None else NO_DATA),
        ("CPU (1-hour average)", percent(status.cpu_hour_average) if status.cpu_hour_average is not None
         else NO_DATA),
    ]
    if status.launch_time is not None:
        items.append(("Launched", status.launch_time.strftime("%Y-%m-%d %H:%M UTC")))
    return _fields(title, items)


HOST_STATUS_FRESH_SECONDS = 2.0


class ActionServerStatus(SkillAction):
    action_name = "action_server_status"
    skill = Skill(title="Server status (this host or a named instance)", example="Tell me about my server!", order=10)
    target = "instance"

    def __init__(self) -> None:
        self._host_cache: tuple[float, HostStatus] | None = None
        self._host_inflight: asyncio.Future[HostStatus] | None = None

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        instance = self.instance_of(tracker)  # named, or "how is it doing?" about the one talked about
        if instance:
            fleet = FleetService(ec2=self.clients.client("ec2"), cloudwatch=self.clients.client("cloudwatch"))
            dispatcher.utter_message(**instance_reply(await self.blocking(fleet.status, instance)))
            return []
        dispatcher.utter_message(**host_reply(await self.host_status()))
        return []

    async def host_status(self) -> HostStatus:
        """One measurement serves every request within HOST_STATUS_FRESH_SECONDS, and concurrent requests share
        the one in flight: measuring CPU takes half a second of a worker thread, 32 users need not take 16."""
        cached = self._host_cache
        if cached is not None and time.monotonic() - cached[0] < HOST_STATUS_FRESH_SECONDS:
            return cached[1]
        inflight = self._host_inflight
        if inflight is None:
            service = HostStatusService(metadata_endpoint=os.environ.get("AWS_EC2_METADATA_SERVICE_ENDPOINT") or None)
            inflight = asyncio.ensure_future(self.blocking(service.collect))
            self._host_inflight = inflight
            try:
                status = await inflight
                self._host_cache = (time.monotonic(), status)
                return status
            finally:
                self._host_inflight = None
        return await asyncio.shield(inflight)
