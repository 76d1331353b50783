"""The size tracker as a child of the stack: what it may see, that it starts after the sandbox and answers, that a
crash is restarted, and that stopping the stack leaves nothing running; and Rasa loading its model meanwhile."""
from __future__ import annotations

import os
import signal
import socket
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import boto3
import psutil
import pytest
from botocore.config import Config

from actions.aws.size_tables import VISIBILITY_SECONDS
from launcher import secrets
from launcher.stack import Stack, StartupFailed, free_port

DEMO_BUCKET = "media-library-prod"


def test_the_tracker_gets_aws_keys_and_rasas_api_token_and_no_chat_secret() -> None:
    env = {name: f"value-of-{name}" for name in secrets.ALL_SECRETS} | {
        "PATH": "/bin", "AWS_REGION": "eu-west-1", "CLOUDBUTLER_TABLE_PREFIX": "team-a-"}
    tracker = secrets.for_process("tracker", env)
    # Rasa's API token: the tracker posts alerts into the chats through trigger_intent.
    assert set(tracker) - {"PATH", "AWS_REGION", "CLOUDBUTLER_TABLE_PREFIX"} == set(secrets.AWS_SECRETS) | {
        secrets.RASA_TOKEN}
    assert tracker["CLOUDBUTLER_TABLE_PREFIX"] == "team-a-"
    for absent in secrets.CHAT_SECRETS + (secrets.ACTIONS_TOKEN, secrets.WEBCHAT_SECRET, secrets.REST_TOKEN):
        assert absent not in tracker, absent


def test_in_sandbox_mode_the_tracker_reaches_the_sandbox_with_its_keys_only() -> None:
    env = {"AWS_PROFILE": "prod", "AWS_SESSION_TOKEN": "real-session", "AWS_ACCESS_KEY_ID": "AKIAREAL",
           "AWS_REGION": "eu-west-1", "SLACK_BOT_TOKEN": "xoxb-1", "CLOUDBUTLER_SNAPSHOT_SECONDS": "60"}
    stack = Stack(env=env, sandbox=True)
    stack.aws_endpoint, stack.imds_endpoint = "http://127.0.0.1:4999", "http://127.0.0.1:4998/"
    tracker = stack.tracker_env()
    assert tracker["AWS_ENDPOINT_URL"] == "http://127.0.0.1:4999"
    assert (tracker["AWS_ACCESS_KEY_ID"], tracker["AWS_SECRET_ACCESS_KEY"]) == ("sandbox", "sandbox")
    assert (tracker["AWS_REGION"], tracker["AWS_DEFAULT_REGION"]) == ("eu-west-1", "eu-west-1")
    assert tracker["CLOUDBUTLER_SNAPSHOT_SECONDS"] == "60"
    for absent in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "SLACK_BOT_TOKEN", "AWS_EC2_METADATA_SERVICE_ENDPOINT",
                   secrets.ACTIONS_TOKEN, secrets.WEBCHAT_SECRET):
        assert absent not in tracker, absent
    # alerts go into the chats through this stack's Rasa, with its API token
    assert tracker["CLOUDBUTLER_RASA_URL"] == stack.rasa_url
    assert tracker[secrets.RASA_TOKEN] == stack.api_token
    # the action server gets the same AWS, and the instance metadata emulator besides
    actions = stack.action_env()
    assert {k: actions[k] for k in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_REGION")} == {
        k: tracker[k] for k in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_REGION")}
    assert actions["AWS_EC2_METADATA_SERVICE_ENDPOINT"] == "http://127.0.0.1:4998/"


def test_in_aws_mode_the_tracker_uses_the_standard_credential_chain() -> None:
    env = {"AWS_PROFILE": "prod", "AWS_REGION": "eu-west-1", "DISCORD_BOT_TOKEN": "d" * 30}
    tracker = Stack(env=env, sandbox=False).tracker_env()
    assert (tracker["AWS_PROFILE"], tracker["AWS_REGION"]) == ("prod", "eu-west-1")
    assert "AWS_ENDPOINT_URL" not in tracker and "DISCORD_BOT_TOKEN" not in tracker
    assert secrets.ACTIONS_TOKEN not in tracker and secrets.WEBCHAT_SECRET not in tracker


def test_a_rasa_url_given_to_the_stack_reaches_the_tracker() -> None:
    stack = Stack(env={"CLOUDBUTLER_RASA_URL": "https://rasa.internal:5005"}, sandbox=False, rasa_port=6000)
    assert stack.tracker_env()["CLOUDBUTLER_RASA_URL"] == "https://rasa.internal:5005"
    assert Stack(env={}, sandbox=False, rasa_port=6000).tracker_env()["CLOUDBUTLER_RASA_URL"] == \
        "http://127.0.0.1:6000"


# --- the real thing: sandbox + tracker --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def aws_side() -> Iterator[Stack]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["CLOUDBUTLER_SNAPSHOT_SECONDS"] = "0"  # only events change the figures here
    stack = Stack(env=env, sandbox=True, aws_port=0, imds_port=0)
    try:
        stack.start(timeout=120, chat=False)
        yield stack
    finally:
        stack.__exit__(None, None, None)


def until(condition: Callable[[], object], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.2)


def sandbox_client(stack: Stack, service: str) -> object:
    return boto3.client(
        service, endpoint_url=stack.aws_endpoint, region_name="us-east-1", aws_access_key_id="sandbox",
        aws_secret_access_key="sandbox", config=Config(s3={"addressing_style": "path"}),
    )


def tracked_bytes(stack: Stack, bucket: str) -> int:
    from actions.aws.size_tracking import SizeTracker

    tracker = SizeTracker(dynamodb=sandbox_client(stack, "dynamodb"), s3=sandbox_client(stack, "s3"),
                          sqs=sandbox_client(stack, "sqs"))
    found = tracker.tracked_bucket(bucket)
    assert found is not None, f"{bucket} is not tracked"
    return found.bytes


def test_the_tracker_starts_after_the_sandbox_and_reads_the_size_queue(aws_side: Stack) -> None:
    assert [child.name for child in aws_side.children] == ["sandbox", "tracker"]
    assert aws_side.size_queue_url and aws_side.size_queue_url.endswith("/cloudbutler-size-events")
    assert aws_side.size_queue_url.startswith(f"{aws_side.aws_endpoint}/")
    assert aws_side.alerts_queue_url == f"{aws_side.aws_endpoint}/123456789012/cloudbutler-alerts"


def test_an_upload_straight_to_the_sandbox_changes_the_tracked_size_within_seconds(aws_side: Stack) -> None:
    s3 = sandbox_client(aws_side, "s3")
    before = tracked_bytes(aws_side, DEMO_BUCKET)
    s3.put_object(Bucket=DEMO_BUCKET, Key="launcher-test/new.bin", Body=b"x" * 12_345)  # type: ignore[attr-defined]
    until(lambda: tracked_bytes(aws_side, DEMO_BUCKET) == before + 12_345)
    s3.delete_object(Bucket=DEMO_BUCKET, Key="launcher-test/new.bin")  # type: ignore[attr-defined]
    until(lambda: tracked_bytes(aws_side, DEMO_BUCKET) == before)


def test_a_crashed_tracker_is_started_again_and_keeps_counting(aws_side: Stack) -> None:
    crashed = next(child for child in aws_side.children if child.name == "tracker")
    os.killpg(crashed.process.pid, signal.SIGKILL)
    crashed.process.wait(timeout=10)
    assert aws_side.supervise() == ["tracker"]
    restarted = next(child for child in aws_side.children if child.name == "tracker")
    assert restarted.process.pid != crashed.process.pid and restarted.process.poll() is None
    assert any("TRACKER READY" in line for line in restarted.lines)
    s3 = sandbox_client(aws_side, "s3")
    before = tracked_bytes(aws_side, DEMO_BUCKET)
    s3.put_object(Bucket=DEMO_BUCKET, Key="launcher-test/after-crash.bin", Body=b"y" * 999)  # type: ignore[attr-defined]
    # The long poll the killed tracker had open may still take the event; SQS hands it out again once its
    # visibility timeout has passed.
    until(lambda: tracked_bytes(aws_side, DEMO_BUCKET) == before + 999, timeout=VISIBILITY_SECONDS + 20)


def test_stopping_the_stack_stops_the_tracker(moto_endpoint: str) -> None:
    """aws mode against a moto server: the tracker alone, stopped with the stack."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ENDPOINT_URL=moto_endpoint, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
               AWS_REGION="us-east-1", CLOUDBUTLER_TABLE_PREFIX="launcher-test-")
    stack = Stack(env=env, sandbox=False)
    try:
        stack.start(timeout=60, chat=False)
        assert [child.name for child in stack.children] == ["tracker"]
        assert stack.size_queue_url and stack.size_queue_url.endswith("/launcher-test-size-events")
        process = psutil.Process(stack.children[0].process.pid)
    finally:
        stack.__exit__(None, None, None)
    assert stack.children == []
    assert not process.is_running() or process.status() == psutil.STATUS_ZOMBIE


def test_rasa_loads_while_the_sandbox_seeds_and_is_stopped_when_the_sandbox_fails(tmp_path: Path) -> None:
    """Rasa starts first (its model takes a minute to load); a sandbox that cannot start leaves no Rasa behind."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        rasa_port = free_port()
        stack = Stack(env=env, sandbox=True, aws_port=taken.getsockname()[1], imds_port=0,
                      rasa_port=rasa_port, actions_port=free_port(), model=tmp_path / "no-model")
        try:
            with pytest.raises(StartupFailed, match="sandbox"):
                stack.start(timeout=60)
        finally:
            stack.__exit__(None, None, None)
    # Only this stack's Rasa (its port): other tests of the same run may keep a whole stack up meanwhile.
    ours = [p for p in psutil.Process().children(recursive=True) if p.is_running()
            and p.status() != psutil.STATUS_ZOMBIE and "connectors.server" in p.cmdline()
            and str(rasa_port) in p.cmdline()]
    assert ours == []


def test_a_failed_start_shows_the_childs_error_not_duckdbs_exit_report() -> None:
    """A child that fails and then prints DuckDB's leak report at exit still shows its error in StartupFailed."""
    script = ("import sys\nprint('OSError: [Errno 98] address already in use')\n"
              "print('nanobind: leaked 84 instances!')\n"
              "for i in range(60): print(f' - leaked instance 0x{i:x} of type \"_duckdb.DuckDBPyType\"')\n"
              "print(' - ... skipped remainder')\nprint('See https://nanobind.readthedocs.io/en/latest/refleaks.html')\n")
    stack = Stack(env=dict(os.environ), sandbox=False)
    try:
        child = stack._spawn("dashboard", [sys.executable, "-c", script], stack.env)
        with pytest.raises(StartupFailed) as failed:
            stack._wait(child, lambda: False, timeout=30)
    finally:
        stack.__exit__(None, None, None)
    assert "address already in use" in str(failed.value)
    assert "leaked" not in str(failed.value)
