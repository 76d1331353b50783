"""Changing EC2 instances: start, stop, reboot and resize (stop -> change type -> start), each waiting for the state
it leads to and reporting its steps. Instances tagged ``cloudbutler:protected=true`` are never changed; a resize that
fails half-way puts the instance back on its type and in the state it was in. Blocking: run it in a thread."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from botocore.exceptions import WaiterError

from actions.aws.errors import BOTO_ERRORS, AwsCallFailed, CloudButlerError, UnknownInstance, from_boto

PROTECTED_TAG = "cloudbutler:protected"
Operation = Literal["start", "stop", "reboot", "resize"]
OPERATIONS: tuple[Operation, ...] = ("start", "stop", "reboot", "resize")
# The state each operation needs; any other is refused before anything is asked or changed.
NEEDS: dict[Operation, frozenset[str]] = {
    "start": frozenset({"stopped"}),
    "stop": frozenset({"running"}),
    "reboot": frozenset({"running"}),
    "resize": frozenset({"running", "stopped"}),
}
# A resize's steps, as (done, total) for the progress callback: asked to stop, stopped, type changed, asked to start.
RESIZE_STEPS = 4
STOPPING, STOPPED, CHANGED, STARTING = range(RESIZE_STEPS)
# AWS codes that say the new type cannot run this instance (its AMI, virtualisation, network or the zone).
INCOMPATIBLE_CODES = frozenset({"Unsupported", "InvalidParameterValue", "InvalidParameterCombination",
                                "InvalidInstanceType", "UnsupportedOperation"})
INSTANCE_ID = re.compile(r"i-[0-9a-f]{8,17}")
INSTANCE_TYPE = re.compile(r"[a-z][a-z0-9-]*\.[a-z0-9]+")

# (done, total) after each step; may raise ``Stopped`` (the user said "stop").
Progress = Callable[[int, int | None], None]


@dataclass(frozen=True)
class Instance:
    """One instance as it is now."""

    instance_id: str
    name: str | None
    state: str
    instance_type: str
    architecture: str | None
    availability_zone: str | None
    public_ip: str | None
    protected: bool

    @property
    def label(self) -> str:
        return self.name or self.instance_id


@dataclass(frozen=True)
class Change:
    """What an operation did: the instance before it and after it."""

    operation: Operation
    before: Instance
    after: Instance


class InstanceError(CloudButlerError):
    """A change refused or failed; ``code`` names the reply (``actions.skills.servers.control_wording``)."""


def _tag(raw: dict[str, Any], key: str) -> str | None:
    return next((t.get("Value") for t in raw.get("Tags") or [] if t.get("Key") == key), None)


def instance_from(raw: dict[str, Any]) -> Instance:
    return Instance(
        instance_id=str(raw["InstanceId"]),
        name=_tag(raw, "Name") or None,
        state=str(raw.get("State", {}).get("Name", "unknown")),
        instance_type=str(raw.get("InstanceType", "unknown")),
        architecture=raw.get("Architecture") or None,
        availability_zone=raw.get("Placement", {}).get("AvailabilityZone") or None,
        public_ip=raw.get("PublicIpAddress") or None,
        protected=(_tag(raw, PROTECTED_TAG) or "").strip().lower() == "true",
    )


def _aws_code(exc: Exception) -> str:
    error = from_boto(exc)
    return error.code


class InstanceControl:
    """Finds instances by Name tag or id and changes them. ``poll_seconds``/``max_wait_seconds`` pace the waits for a
    state (EC2 takes about a minute to stop or start an instance)."""

    def __init__(self, ec2: Any, *, poll_seconds: float = 5.0, max_wait_seconds: float = 600.0) -> None:
        self.ec2 = ec2
        self.poll_seconds = poll_seconds
        self.max_wait_seconds = max_wait_seconds

    # --- finding ---------------------------------------------------------------------------------------------------
    def _describe(self, **kwargs: Any) -> list[dict[str, Any]]:
        try:
            pages = self.ec2.get_paginator("describe_instances").paginate(**kwargs)
            found = [i for page in pages for r in page.get("Reservations", []) for i in r.get("Instances", [])]
        except BOTO_ERRORS as exc:
            if _aws_code(exc).startswith("InvalidInstanceID"):
                return []
            raise from_boto(exc) from exc
        return [raw for raw in found if raw.get("State", {}).get("Name") not in ("terminated", "shutting-down")]

    def known(self) -> list[str]:
        """The names (ids of unnamed ones) of the instances that are not terminated, sorted."""
        return sorted({instance_from(raw).label for raw in self._describe()}, key=str.lower)

    def find(self, name_or_id: str) -> Instance:
        """The instance with this id or Name tag (any case). ``UnknownInstance`` names the known ones; a name that
        several instances carry is ``ambiguous_instance`` with their ids (a change must name exactly one)."""
        wanted = name_or_id.strip()
        if INSTANCE_ID.fullmatch(wanted):
            found = self._describe(InstanceIds=[wanted])
            if found:
                return instance_from(found[0])
        everything = self._describe()
        matches = [instance_from(raw) for raw in everything if (_tag(raw, "Name") or "").lower() == wanted.lower()]
        if not matches:
            raise UnknownInstance(wanted, sorted({instance_from(raw).label for raw in everything}, key=str.lower))
        if len(matches) > 1:
            ids = ", ".join(f"{m.instance_id} ({m.state})" for m in sorted(matches, key=lambda m: m.instance_id))
            raise InstanceError("ambiguous_instance", name=wanted, ids=ids)
        return matches[0]

    def refresh(self, instance_id: str) -> Instance:
        found = self._describe(InstanceIds=[instance_id])
        if not found:
            raise UnknownInstance(instance_id, self.known())
        return instance_from(found[0])

    # --- checks before asking (and again before changing) ---------------------------------------------------------
    def check(self, instance: Instance, operation: Operation) -> None:
        """Refuse a protected instance, and one not in the state ``operation`` needs (``wrong_state``)."""
        if instance.protected:
            raise InstanceError("instance_protected", name=instance.label, operation=operation, tag=PROTECTED_TAG)
        if instance.state not in NEEDS[operation]:
            raise InstanceError("wrong_state", name=instance.label, state=instance.state, operation=operation)

    def check_type(self, instance: Instance, target: str) -> None:
        """``target`` must be a type EC2 has, for the instance's architecture, offered in its zone, and not the
        type it has."""
        target = target.strip().lower()
        details = {"name": instance.label, "target": target, "current": instance.instance_type}
        if target == instance.instance_type:
            raise InstanceError("same_instance_type", **details)
        if not INSTANCE_TYPE.fullmatch(target):
            raise InstanceError("unknown_instance_type", **details)
        try:
            types = self.ec2.describe_instance_types(InstanceTypes=[target]).get("InstanceTypes", [])
        except BOTO_ERRORS as exc:
            if _aws_code(exc) in ("InvalidInstanceType", "InvalidParameterValue"):
                raise InstanceError("unknown_instance_type", **details) from exc
            raise from_boto(exc, **details) from exc
        if not types:
            raise InstanceError("unknown_instance_type", **details)
        supported = list(types[0].get("ProcessorInfo", {}).get("SupportedArchitectures") or [])
        if instance.architecture and supported and instance.architecture not in supported:
            raise InstanceError("architecture_mismatch", architecture=instance.architecture,
                                supported=", ".join(supported), **details)
        if instance.availability_zone and not self._offered(target, instance.availability_zone):
            raise InstanceError("type_not_offered", zone=instance.availability_zone, **details)

    def _offered(self, target: str, zone: str) -> bool:
        try:
            offers = self.ec2.describe_instance_type_offerings(
                LocationType="availability-zone",
                Filters=[{"Name": "instance-type", "Values": [target]}, {"Name": "location", "Values": [zone]}],
            ).get("InstanceTypeOfferings", [])
        except BOTO_ERRORS:
            return True  # not allowed to ask: EC2 itself refuses the start if the zone lacks the type
        return bool(offers)

    # --- changes ---------------------------------------------------------------------------------------------------
    def start(self, instance_id: str) -> Change:
        before = self._ready(instance_id, "start")
        self._call("start", before, self.ec2.start_instances, InstanceIds=[instance_id])
        self._wait("instance_running", before)
        return Change("start", before, self.refresh(instance_id))

    def stop(self, instance_id: str) -> Change:
        before = self._ready(instance_id, "stop")
        self._call("stop", before, self.ec2.stop_instances, InstanceIds=[instance_id])
        self._wait("instance_stopped", before)
        return Change("stop", before, self.refresh(instance_id))

    def reboot(self, instance_id: str) -> Change:
        """EC2 reboots in place (same host, same addresses) and has no state to wait for."""
        before = self._ready(instance_id, "reboot")
        self._call("reboot", before, self.ec2.reboot_instances, InstanceIds=[instance_id])
        return Change("reboot", before, self.refresh(instance_id))

    def resize(self, instance_id: str, target: str, progress: Progress | None = None) -> Change:
        """Stop (if running), change the type, start again (if it was running), waiting for each state. Any failure
        on the way - and a stop the user asked for - puts the original type back and the instance in the state it
        was in; the failure is raised with ``restored`` saying whether that worked."""
        report = progress or (lambda done, total: None)
        before = self._ready(instance_id, "resize")
        self.check_type(before, target)
        target = target.strip().lower()
        was_running = before.state == "running"
        try:
            if was_running:
                report(STOPPING, RESIZE_STEPS)
                self._call("resize", before, self.ec2.stop_instances, InstanceIds=[instance_id])
                self._wait("instance_stopped", before)
            report(STOPPED, RESIZE_STEPS)
            self._call("resize", before, self.ec2.modify_instance_attribute, InstanceId=instance_id,
                       InstanceType={"Value": target}, target=target)
            report(CHANGED, RESIZE_STEPS)
            if was_running:
                self._call("resize", before, self.ec2.start_instances, InstanceIds=[instance_id], target=target)
                report(STARTING, RESIZE_STEPS)
                self._wait("instance_running", before)
        except Exception as exc:  # whatever cut it short (AWS, the user's "stop"), the instance is put back first
            restored = self._restore(before)
            if not isinstance(exc, CloudButlerError):
                raise
            failure = exc if isinstance(exc, InstanceError) else InstanceError("resize_failed", aws_code=exc.code)
            failure.details.update(name=before.label, target=target, original=before.instance_type,
                                   restored=restored, was=before.state, operation="resize")
            if failure is exc:
                raise
            raise failure from exc
        return Change("resize", before, self.refresh(instance_id))

    def _ready(self, instance_id: str, operation: Operation) -> Instance:
        """The instance as it is now, checked again: it may have changed since the question was asked."""
        instance = self.refresh(instance_id)
        self.check(instance, operation)
        return instance

    def _restore(self, before: Instance) -> bool:
        """Back to ``before``'s type and state, whatever step failed; False if that failed too."""
        try:
            now = self.refresh(before.instance_id)
            if now.instance_type != before.instance_type:
                if now.state != "stopped":
                    self.ec2.stop_instances(InstanceIds=[before.instance_id])
                    self._wait("instance_stopped", before)
                self.ec2.modify_instance_attribute(InstanceId=before.instance_id,
                                                   InstanceType={"Value": before.instance_type})
                now = self.refresh(before.instance_id)
            if before.state == "running" and now.state != "running":
                if now.state != "stopped":
                    self._wait("instance_stopped", before)
                self.ec2.start_instances(InstanceIds=[before.instance_id])
                self._wait("instance_running", before)
            now = self.refresh(before.instance_id)
        except (*BOTO_ERRORS, CloudButlerError):
            return False
        return now.instance_type == before.instance_type and now.state == before.state

    def _call(self, operation: Operation, instance: Instance, call: Callable[..., Any], *, target: str = "",
              **kwargs: Any) -> Any:
        try:
            return call(**kwargs)
        except BOTO_ERRORS as exc:
            error = change_error(exc, operation, instance, target=target)
            if error.code == "wrong_state":  # say the state EC2 saw, not the one read before
                try:
                    error.details["state"] = self.refresh(instance.instance_id).state
                except CloudButlerError:
                    pass
            raise error from exc

    def _wait(self, waiter: str, instance: Instance) -> None:
        delay = max(self.poll_seconds, 0.01)
        attempts = max(1, int(self.max_wait_seconds / delay))
        try:
            self.ec2.get_waiter(waiter).wait(InstanceIds=[instance.instance_id],
                                             WaiterConfig={"Delay": delay, "MaxAttempts": attempts})
        except WaiterError as exc:
            state = waiter.removeprefix("instance_")
            raise InstanceError("instance_wait_timeout", name=instance.label, state=state,
                                minutes=max(1, round(self.max_wait_seconds / 60))) from exc
        except BOTO_ERRORS as exc:
            raise from_boto(exc, name=instance.label) from exc


def change_error(exc: Exception, operation: Operation, instance: Instance, *, target: str = "") -> CloudButlerError:
    """What AWS's refusal of a change means for the user: our code, with what the reply names."""
    error = from_boto(exc)
    details = {"name": instance.label, "operation": operation, "aws_code": error.code,
               "target": target, "current": instance.instance_type}
    if error.code == "InsufficientInstanceCapacity":
        return InstanceError("insufficient_capacity", zone=instance.availability_zone or "its zone", **details)
    if error.code in INCOMPATIBLE_CODES:
        return InstanceError("incompatible_type", **details)
    if error.code == "IncorrectInstanceState":
        return InstanceError("wrong_state", state=instance.state, **details)
    if error.code in ("UnauthorizedOperation", "AccessDenied", "AccessDeniedException"):
        return InstanceError("change_denied", permission=PERMISSIONS[operation], **details)
    return AwsCallFailed(error.code, **details)


# The IAM actions each change needs (what an "access denied" reply tells the admin to allow).
PERMISSIONS: dict[Operation, str] = {
    "start": "ec2:StartInstances",
    "stop": "ec2:StopInstances",
    "reboot": "ec2:RebootInstances",
    "resize": "ec2:StopInstances, ec2:ModifyInstanceAttribute and ec2:StartInstances",
}
