"""InstanceControl against moto over HTTP: finding instances, start/stop/reboot/resize with their waits and progress,
protected instances, wrong states, refused types, and failures half-way through a resize that leave the instance
running on its original type."""
from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from actions.aws.clients import ClientFactory
from actions.aws.errors import AwsCallFailed, Stopped, UnknownInstance
from actions.aws.instances import PROTECTED_TAG, RESIZE_STEPS, InstanceControl, InstanceError

IMAGE_ID = "ami-04681a1dbd79675a5"  # x86_64 Amazon Linux 2 in moto's image list


def launch(ec2: Any, name: str | None, instance_type: str = "t3.medium", **tags: str) -> str:
    all_tags = {**({"Name": name} if name else {}), **tags}
    spec = [{"ResourceType": "instance", "Tags": [{"Key": k, "Value": v} for k, v in all_tags.items()]}]
    created = ec2.run_instances(ImageId=IMAGE_ID, InstanceType=instance_type, MinCount=1, MaxCount=1,
                                TagSpecifications=spec if all_tags else [])
    return str(created["Instances"][0]["InstanceId"])


def state_of(ec2: Any, instance_id: str) -> tuple[str, str]:
    raw = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
    return raw["State"]["Name"], raw["InstanceType"]


class Failing:
    """The moto client, except that the named calls fail with an AWS error (``times`` times each, then work);
    ``calls`` are the operations that reached moto (paginators and waiters included)."""

    def __init__(self, ec2: Any, failures: dict[str, str], times: int = 1) -> None:
        self._ec2 = ec2
        self._failures = dict(failures)
        self._left = {name: times for name in failures}
        self.calls: list[str] = []
        ec2.meta.events.register("before-call.ec2", lambda model, **_: self.calls.append(model.name),
                                 unique_id=f"cb-test-recorder-{id(self)}")

    def __getattr__(self, name: str) -> Any:
        real = getattr(self._ec2, name)
        if not callable(real) or name.startswith("get_"):
            return real

        def call(**kwargs: Any) -> Any:
            if name in self._failures and self._left[name] > 0:
                self._left[name] -= 1
                code = self._failures[name]
                raise ClientError({"Error": {"Code": code, "Message": f"{code} (test)"}}, name)
            return real(**kwargs)

        return call


@pytest.fixture
def ec2(aws: ClientFactory) -> Any:
    return aws.client("ec2")


@pytest.fixture
def control(ec2: Any) -> InstanceControl:
    return InstanceControl(ec2, poll_seconds=0.01, max_wait_seconds=5)


@pytest.fixture
def web2(ec2: Any) -> str:
    return launch(ec2, "web-2")


# --- finding ---------------------------------------------------------------------------------------------------------


def test_found_by_name_in_any_case_and_by_id(control: InstanceControl, ec2: Any, web2: str) -> None:
    launch(ec2, "batch-1", "c5.large")
    found = control.find("WEB-2")
    assert (found.instance_id, found.name, found.state, found.instance_type) == (web2, "web-2", "running", "t3.medium")
    assert found.architecture == "x86_64" and found.public_ip and not found.protected
    assert control.find(web2).name == "web-2"


def test_an_unknown_name_lists_the_instances_that_exist(control: InstanceControl, ec2: Any, web2: str) -> None:
    unnamed = launch(ec2, None)
    terminated = launch(ec2, "old-1")
    ec2.terminate_instances(InstanceIds=[terminated])
    with pytest.raises(UnknownInstance) as caught:
        control.find("web-9")
    assert caught.value.details == {"name": "web-9", "known": f"{unnamed}, web-2"}
    with pytest.raises(UnknownInstance):
        control.find("i-0123456789abcdef0")


def test_a_name_two_instances_carry_is_ambiguous(control: InstanceControl, ec2: Any, web2: str) -> None:
    other = launch(ec2, "web-2")
    with pytest.raises(InstanceError) as caught:
        control.find("web-2")
    assert caught.value.code == "ambiguous_instance"
    assert caught.value.details["ids"] == ", ".join(f"{i} (running)" for i in sorted([web2, other]))
    assert control.find(other).instance_id == other  # the id names exactly one


# --- start, stop, reboot -------------------------------------------------------------------------------------------


def test_stop_then_start_waits_for_each_state(control: InstanceControl, ec2: Any, web2: str) -> None:
    stopped = control.stop(web2)
    assert (stopped.operation, stopped.before.state, stopped.after.state) == ("stop", "running", "stopped")
    assert state_of(ec2, web2) == ("stopped", "t3.medium")
    started = control.start(web2)
    assert (started.before.state, started.after.state) == ("stopped", "running")
    assert state_of(ec2, web2) == ("running", "t3.medium")


def test_reboot_keeps_it_running(control: InstanceControl, ec2: Any, web2: str) -> None:
    assert control.reboot(web2).after.state == "running"
    assert state_of(ec2, web2) == ("running", "t3.medium")


@pytest.mark.parametrize(("operation", "state"), [
    ("stop", "stopped"), ("reboot", "stopped"), ("start", "running"),
])
def test_an_instance_in_the_wrong_state_is_refused_before_any_call(
    ec2: Any, web2: str, operation: str, state: str
) -> None:
    if state == "stopped":
        ec2.stop_instances(InstanceIds=[web2])
    recording = Failing(ec2, {})
    control = InstanceControl(recording, poll_seconds=0.01)
    with pytest.raises(InstanceError) as caught:
        getattr(control, operation)(web2)
    assert caught.value.code == "wrong_state"
    assert caught.value.details == {"name": "web-2", "state": state, "operation": operation}
    assert recording.calls == ["DescribeInstances"]


def test_ec2_saying_incorrect_state_is_a_wrong_state_with_the_state_it_saw(ec2: Any, web2: str) -> None:
    control = InstanceControl(Failing(ec2, {"stop_instances": "IncorrectInstanceState"}), poll_seconds=0.01)
    with pytest.raises(InstanceError) as caught:
        control.stop(web2)
    assert (caught.value.code, caught.value.details["state"], caught.value.details["aws_code"]) == (
        "wrong_state", "running", "IncorrectInstanceState")


def test_a_denied_change_names_the_permission_and_changes_nothing(ec2: Any, web2: str) -> None:
    control = InstanceControl(Failing(ec2, {"stop_instances": "UnauthorizedOperation"}), poll_seconds=0.01)
    with pytest.raises(InstanceError) as caught:
        control.stop(web2)
    assert (caught.value.code, caught.value.details["permission"]) == ("change_denied", "ec2:StopInstances")
    assert state_of(ec2, web2) == ("running", "t3.medium")


def test_other_aws_failures_keep_their_code(ec2: Any, web2: str) -> None:
    control = InstanceControl(Failing(ec2, {"reboot_instances": "InternalError"}), poll_seconds=0.01)
    with pytest.raises(AwsCallFailed) as caught:
        control.reboot(web2)
    assert caught.value.code == "InternalError"


@pytest.mark.parametrize("operation", ["start", "stop", "reboot", "resize"])
def test_a_protected_instance_is_never_changed(ec2: Any, operation: str) -> None:
    db = launch(ec2, "db-1", **{PROTECTED_TAG: "True"})
    if operation == "start":
        ec2.stop_instances(InstanceIds=[db])
    before = state_of(ec2, db)
    recording = Failing(ec2, {})
    control = InstanceControl(recording, poll_seconds=0.01)
    assert control.find("db-1").protected
    recording.calls.clear()
    with pytest.raises(InstanceError) as caught:
        control.resize(db, "t3.small") if operation == "resize" else getattr(control, operation)(db)
    assert caught.value.code == "instance_protected"
    assert caught.value.details == {"name": "db-1", "operation": operation, "tag": PROTECTED_TAG}
    assert recording.calls == ["DescribeInstances"]
    assert state_of(ec2, db) == before


# --- resize --------------------------------------------------------------------------------------------------------


def test_resize_stops_changes_the_type_and_starts_again_reporting_each_step(
    control: InstanceControl, ec2: Any, web2: str
) -> None:
    steps: list[tuple[int, int | None]] = []
    change = control.resize(web2, "t3.small", lambda done, total: steps.append((done, total)))
    assert steps == [(step, RESIZE_STEPS) for step in range(RESIZE_STEPS)]
    assert (change.before.instance_type, change.after.instance_type, change.after.state) == (
        "t3.medium", "t3.small", "running")
    assert state_of(ec2, web2) == ("running", "t3.small")


def test_a_stopped_instance_is_resized_and_stays_stopped(control: InstanceControl, ec2: Any, web2: str) -> None:
    ec2.stop_instances(InstanceIds=[web2])
    steps: list[int] = []
    control.resize(web2, "T3.Large", lambda done, total: steps.append(done))
    assert state_of(ec2, web2) == ("stopped", "t3.large")
    assert steps == [1, 2]


@pytest.mark.parametrize(("target", "code"), [
    ("t3.medium", "same_instance_type"),
    ("t3.bogus", "unknown_instance_type"),
    ("rm -rf", "unknown_instance_type"),
    ("t4g.small", "architecture_mismatch"),  # Graviton (arm64) cannot boot an x86_64 image
])
def test_a_target_type_that_cannot_work_is_refused_before_any_change(
    control: InstanceControl, ec2: Any, web2: str, target: str, code: str
) -> None:
    with pytest.raises(InstanceError) as caught:
        control.resize(web2, target)
    assert caught.value.code == code
    assert state_of(ec2, web2) == ("running", "t3.medium")


def test_capacity_missing_for_the_new_type_puts_the_old_one_back_and_starts_it(ec2: Any, web2: str) -> None:
    failing = Failing(ec2, {"start_instances": "InsufficientInstanceCapacity"})
    control = InstanceControl(failing, poll_seconds=0.01)
    with pytest.raises(InstanceError) as caught:
        control.resize(web2, "t3.small")
    assert caught.value.code == "insufficient_capacity"
    assert {k: caught.value.details[k] for k in ("target", "original", "restored", "was", "zone")} == {
        "target": "t3.small", "original": "t3.medium", "restored": True, "was": "running", "zone": "us-east-1a"}
    assert state_of(ec2, web2) == ("running", "t3.medium")
    assert failing.calls.count("ModifyInstanceAttribute") == 2  # to t3.small, and back


@pytest.mark.parametrize("code", ["Unsupported", "InvalidParameterValue"])
def test_an_incompatible_type_found_on_modify_leaves_it_running_as_it_was(ec2: Any, web2: str, code: str) -> None:
    control = InstanceControl(Failing(ec2, {"modify_instance_attribute": code}), poll_seconds=0.01)
    with pytest.raises(InstanceError) as caught:
        control.resize(web2, "t3.small")
    assert (caught.value.code, caught.value.details["aws_code"], caught.value.details["restored"]) == (
        "incompatible_type", code, True)
    assert state_of(ec2, web2) == ("running", "t3.medium")


def test_any_other_failure_mid_resize_is_a_resize_failure_that_restores(ec2: Any, web2: str) -> None:
    control = InstanceControl(Failing(ec2, {"modify_instance_attribute": "InternalError"}), poll_seconds=0.01)
    with pytest.raises(InstanceError) as caught:
        control.resize(web2, "t3.small")
    assert (caught.value.code, caught.value.details["aws_code"], caught.value.details["restored"]) == (
        "resize_failed", "InternalError", True)
    assert state_of(ec2, web2) == ("running", "t3.medium")


def test_a_stop_asked_mid_resize_puts_it_back(control: InstanceControl, ec2: Any, web2: str) -> None:
    def progress(done: int, total: int | None) -> None:
        if done == 2:  # the type has changed; the user says "stop"
            raise Stopped

    with pytest.raises(Stopped):
        control.resize(web2, "t3.small", progress)
    assert state_of(ec2, web2) == ("running", "t3.medium")


def test_when_putting_it_back_fails_too_the_failure_says_so(ec2: Any, web2: str) -> None:
    failing = Failing(ec2, {"start_instances": "InsufficientInstanceCapacity"}, times=2)
    control = InstanceControl(failing, poll_seconds=0.01)
    with pytest.raises(InstanceError) as caught:
        control.resize(web2, "t3.small")
    assert caught.value.details["restored"] is False
    assert state_of(ec2, web2) == ("stopped", "t3.medium")


def test_a_wait_that_never_ends_is_a_timeout(ec2: Any, web2: str) -> None:
    # stop_instances "works" but does nothing: the instance never reaches "stopped".
    class NeverStops(Failing):
        def __getattr__(self, name: str) -> Any:
            if name == "stop_instances":
                return lambda **kwargs: {}
            return super().__getattr__(name)

    control = InstanceControl(NeverStops(ec2, {}), poll_seconds=0.01, max_wait_seconds=0.05)
    with pytest.raises(InstanceError) as caught:
        control.stop(web2)
    assert (caught.value.code, caught.value.details["state"]) == ("instance_wait_timeout", "stopped")
