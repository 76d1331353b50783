"""Start-up recovery against moto: an upload a kill cut short (its "attempted" audit line, a real multipart upload
with a part) is aborted, closed with an "interrupted" line and explained to its user - once; everything else in
the bucket, and every change that has an outcome, is left alone."""
from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from aiohttp import web
from boto3.s3.transfer import TransferConfig
from botocore.awsrequest import AWSResponse

from actions import recovery
from actions.aws.clients import ClientFactory
from actions.aws.multipart import PendingUpload
from actions.core import formatting, wording
from actions.core.audit import AuditLog
from actions.core.identity import Identity
from actions.core.late import RasaPoster
from actions.recovery import Recovery, ours
from actions.skills.storage import transfers
from actions.skills.storage.sync import ActionSyncFolder
from actions.skills.storage.transfers import ActionUploadFile
from tests.actions.aws.test_instances import launch
from tests.actions.harness import run_action
from tests.actions.skills.storage.support import Posts, ask, fail_with, make_env, pending_of
from tests.fakes.moto_s3 import set_last_modified

BUCKET = "recovery-bucket"
SENDER = "slack:T1:U1"
WHO = Identity.from_message(SENDER, None)


@pytest.fixture
def s3(aws: ClientFactory) -> Any:
    client = aws.client("s3")
    client.create_bucket(Bucket=BUCKET)
    return client


@pytest.fixture
def audit(tmp_path: Path) -> AuditLog:
    return AuditLog(tmp_path / "audit.jsonl")


@dataclass
class Waits:
    """Stands in for asyncio.sleep: records the back-off instead of waiting it out."""

    seconds: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


def recovery_for(aws: ClientFactory, audit: AuditLog, poster: Any, waits: Waits | None = None) -> Recovery:
    return Recovery(audit=audit, clients=aws, poster=poster, started=datetime.now(UTC), delays=(1.0, 2.0),
                    sleep=waits or Waits())


def start_upload(s3: Any, key: str, *, part: bool = True) -> str:
    upload_id = str(s3.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"])
    if part:
        s3.upload_part(Bucket=BUCKET, Key=key, UploadId=upload_id, PartNumber=1, Body=b"x" * 1024)
    return upload_id


def pending(s3: Any) -> list[tuple[str, str]]:
    return sorted((u["Key"], u["UploadId"]) for u in s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []))


def when(attempt: dict[str, Any]) -> str:
    return formatting.when(datetime.fromisoformat(attempt["timestamp"]))


# --- the interrupted upload --------------------------------------------------------------------------------------
async def test_an_interrupted_upload_is_aborted_closed_and_explained_once(
    aws: ClientFactory, s3: Any, audit: AuditLog
) -> None:
    someone_elses = start_upload(s3, "big.bin")  # pending before our upload began: not ours
    attempt = audit.attempt(who=WHO, action="upload_file", parameters={
        "bucket": BUCKET, "key": "big.bin", "file": "big.bin", "replace": False, "prior_uploads": [someone_elses]})
    ours_id = start_upload(s3, "big.bin")  # what the killed upload had started
    other_key = start_upload(s3, "other.bin")  # not in the log
    longer_key = start_upload(s3, "big.bin.bak")  # ListMultipartUploads' Prefix matches it too
    posts = Posts()

    settled = await recovery_for(aws, audit, posts).run()

    assert [s.aborted for s in settled] == [1]
    assert pending(s3) == sorted([("big.bin", someone_elses), ("other.bin", other_key), ("big.bin.bak", longer_key)])
    assert ours_id not in {upload_id for _, upload_id in pending(s3)}
    first, closing = audit.read()
    assert first == attempt
    assert (closing["id"], closing["result"], closing["detail"], closing["sender"], closing["action"]) == (
        attempt["id"], "interrupted", "restart", SENDER, "upload_file")
    assert closing["parameters"] == {**attempt["parameters"], "aborted_uploads": 1, "state": "not_uploaded"}
    assert posts.sent == [(SENDER, (
        f"Your upload of big.bin to s3://{BUCKET}/big.bin, which you asked for at {when(attempt)}, was "
        "interrupted: I restarted while it was running. I removed 1 unfinished multipart upload it had left "
        "behind, so no hidden partial data is kept (or billed). It did not finish, so "
        f"s3://{BUCKET}/big.bin is as it was before. Please ask me to upload it again."
    ))]

    # The next start finds every attempt closed: nothing is aborted, written or said again.
    assert await recovery_for(aws, audit, posts).run() == []
    assert len(audit.read()) == 2 and len(posts.sent) == 1
    assert len(pending(s3)) == 3


async def test_changes_with_an_outcome_and_this_servers_own_work_are_left_alone(
    aws: ClientFactory, s3: Any, audit: AuditLog
) -> None:
    parameters = {"bucket": BUCKET, "key": "done.bin", "prior_uploads": []}
    audit.change(who=WHO, action="upload_file", parameters=parameters, call=lambda: start_upload(s3, "done.bin"))
    posts = Posts()
    run = recovery_for(aws, audit, posts)
    live = audit.attempt(who=WHO, action="upload_file", parameters={**parameters, "key": "live.bin"})
    start_upload(s3, "live.bin")  # an upload this (new) server runs right now
    run.started = datetime.fromisoformat(live["timestamp"]) - timedelta(milliseconds=1)

    assert await run.run() == []
    assert [line["result"] for line in audit.read()] == ["attempted", "ok", "attempted"]
    assert [key for key, _ in pending(s3)] == ["done.bin", "live.bin"]
    assert posts.sent == []


def test_which_uploads_are_the_attempts_own() -> None:
    attempt = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    restart = attempt + timedelta(minutes=10)

    def upload(upload_id: str, key: str = "k", minutes: float = 1) -> PendingUpload:
        return PendingUpload(bucket="b", key=key, upload_id=upload_id, initiated=attempt + timedelta(minutes=minutes))

    uploads = [upload("mine"), upload("prior", minutes=-60), upload("other-key", key="k2"),
               upload("after-restart", minutes=11)]
    # With the attempt's list of uploads pending before it, dates do not matter (moto dates them all 2010).
    assert [u.upload_id for u in ours(uploads, keys={"k"}, prior={"prior"}, since=attempt, until=restart)] == ["mine"]
    assert [u.upload_id for u in ours([upload("old", minutes=-5 * 10**6)], keys={"k"}, prior=set(), since=attempt,
                                      until=restart)] == ["old"]
    # Without it: only those initiated between the attempt and the restart.
    assert [u.upload_id for u in ours(uploads, keys={"k"}, prior=None, since=attempt, until=restart)] == ["mine"]


async def test_an_upload_that_finished_just_before_the_kill_is_reported_as_written(
    aws: ClientFactory, s3: Any, audit: AuditLog
) -> None:
    attempt = audit.attempt(who=WHO, action="upload_file", parameters={"bucket": BUCKET, "key": "r.pdf",
                                                                          "file": "r.pdf", "replace": True})
    s3.put_object(Bucket=BUCKET, Key="r.pdf", Body=b"new")
    posts = Posts()
    [settled] = await recovery_for(aws, audit, posts).run()
    written = formatting.when(s3.head_object(Bucket=BUCKET, Key="r.pdf")["LastModified"])
    assert (settled.state, settled.aborted) == ("completed", 0)
    assert posts.texts == [
        f"Your upload of r.pdf to s3://{BUCKET}/r.pdf, which you asked for at {when(attempt)}, was interrupted: I "
        f"restarted while it was running. S3 shows s3://{BUCKET}/r.pdf was written at {written}, so it may have "
        "finished just before; check that it is the file you meant, and upload it again if not."
    ]


async def test_an_old_object_the_upload_would_have_replaced_is_as_it_was(
    aws: ClientFactory, s3: Any, audit: AuditLog
) -> None:
    s3.put_object(Bucket=BUCKET, Key="r.pdf", Body=b"old")
    set_last_modified(BUCKET, "r.pdf", datetime.now(UTC) - timedelta(days=3))
    audit.attempt(who=WHO, action="upload_file", parameters={"bucket": BUCKET, "key": "r.pdf", "replace": True})
    [settled] = await recovery_for(aws, audit, Posts()).run()
    assert settled.state == "not_uploaded"
    assert s3.get_object(Bucket=BUCKET, Key="r.pdf")["Body"].read() == b"old"


async def test_parted_uploads_and_syncs_write_down_what_was_pending_before_them(
    aws: ClientFactory, s3: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = make_env(tmp_path, monkeypatch, aws)
    # Every file counts as parted here; the transfer itself keeps its own threshold.
    monkeypatch.setattr(transfers, "default_transfer_config", lambda: TransferConfig(multipart_threshold=1))
    (env.outbox / "big.bin").write_bytes(b"b" * 100)
    someone_elses = start_upload(s3, "big.bin")
    events, _ = await run_action(env.action(ActionUploadFile), ask("upload big.bin to recovery-bucket",
                                                                   "upload_file", file="big.bin", bucket=BUCKET))
    await env.say_yes(pending_of(events))
    await env.say_yes({"kind": "sync_folder", "bucket": BUCKET, "prefix": "copy/"}, handler=env.action(ActionSyncFolder))
    upload, sync = (line for line in env.audit.read() if line["result"] == "attempted")
    assert upload["parameters"] == {"bucket": BUCKET, "key": "big.bin", "file": "big.bin", "replace": False,
                                    "prior_uploads": [someone_elses]}
    assert sync["parameters"] == {"bucket": BUCKET, "prefix": "copy/", "folder": "outbox",
                                  "multipart_keys": ["copy/big.bin"], "prior_uploads": []}
    assert [line["result"] for line in env.audit_lines()] == ["ok", "ok"]
    assert await recovery_for(aws, env.audit, Posts()).run() == []
    assert pending(s3) == [("big.bin", someone_elses)]


# --- every other kind of change ----------------------------------------------------------------------------------
def _no_setup(s3: Any) -> None:
    return None


def _two_rules(s3: Any) -> None:
    s3.put_bucket_lifecycle_configuration(Bucket=BUCKET, LifecycleConfiguration={"Rules": [
        {"ID": rule, "Status": "Enabled", "Filter": {"Prefix": rule}, "Expiration": {"Days": 30}}
        for rule in ("logs", "tmp")
    ]})


@pytest.mark.parametrize(("action", "parameters", "setup", "state", "says"), [
    ("delete_bucket", {"bucket": BUCKET}, _no_setup, "exists", "The bucket still exists. Please ask me again"),
    ("delete_bucket", {"bucket": "gone-bucket"}, _no_setup, "missing", "The bucket is gone, so the delete went"),
    ("create_bucket", {"bucket": BUCKET, "region": "us-east-1"}, _no_setup, "exists",
     "may not have been applied"),
    ("create_bucket", {"bucket": "never-made", "region": "us-east-1"}, _no_setup, "missing",
     "The bucket was not created."),
    ("empty_bucket", {"bucket": BUCKET}, lambda s3: s3.put_object(Bucket=BUCKET, Key="a", Body=b"a"), "not_empty",
     "still holds data and was not deleted"),
    ("empty_bucket", {"bucket": BUCKET}, _no_setup, "empty", "It is empty now, but the bucket itself"),
    ("delete_object", {"bucket": BUCKET, "key": "a.txt"}, lambda s3: s3.put_object(Bucket=BUCKET, Key="a.txt",
                                                                                    Body=b"a"),
     "exists", "The object is still there."),
    ("delete_object", {"bucket": BUCKET, "key": "a.txt"}, _no_setup, "missing", "The object is gone"),
    ("delete_prefix", {"bucket": BUCKET, "prefix": "logs/", "count": 3},
     lambda s3: s3.put_object(Bucket=BUCKET, Key="logs/a.log", Body=b"a"), "not_empty",
     f"Deleting everything under s3://{BUCKET}/logs/, which you asked for"),
    ("delete_prefix", {"bucket": BUCKET, "prefix": "logs/", "count": 3},
     lambda s3: s3.put_object(Bucket=BUCKET, Key="logs-other.txt", Body=b"a"), "empty",
     "Nothing is left under it, so the delete went through."),
    ("apply_lifecycle", {"bucket": BUCKET, "rules": ["logs"]}, _two_rules, "rules",
     f"{BUCKET} now has 2 lifecycle rules (logs and tmp). Ask me \"show lifecycle policy for {BUCKET}\""),
    ("restore_object", {"bucket": BUCKET, "key": "cold.bin", "days": 7}, _no_setup, "unknown",
     f"I can't tell what state it left s3://{BUCKET}/cold.bin in: please check it"),
    ("rotate_keys", {"bucket": BUCKET}, _no_setup, "unknown", f"A change to bucket {BUCKET} (rotate_keys)"),
])
async def test_every_kind_of_change_is_closed_and_explained(
    aws: ClientFactory, s3: Any, audit: AuditLog, action: str, parameters: dict[str, Any],
    setup: Callable[[Any], None], state: str, says: str,
) -> None:
    setup(s3)
    attempt = audit.attempt(who=WHO, action=action, parameters=parameters)
    posts = Posts()
    [settled] = await recovery_for(aws, audit, posts).run()
    assert (settled.state, settled.aborted) == (state, 0)
    [closing] = audit.read()[1:]
    assert (closing["id"], closing["result"], closing["parameters"]) == (
        attempt["id"], "interrupted", {**parameters, "aborted_uploads": 0, "state": state})
    [(sender, text)] = posts.sent
    assert sender == SENDER
    assert "was interrupted: I restarted while it was running." in text and says in text
    assert text == wording.interrupted_text(action, parameters, state=state, when=when(attempt),
                                             facts=settled.facts)


async def test_an_interrupted_instance_change_says_the_state_it_left_without_touching_it(
    aws: ClientFactory, audit: AuditLog
) -> None:
    ec2 = aws.client("ec2")
    web2 = launch(ec2, "web-2", "t3.small")
    ec2.stop_instances(InstanceIds=[web2])  # killed after the stop and the type change, before the start
    parameters = {"instance": "web-2", "instance_id": web2, "operation": "resize", "type": "t3.medium",
                  "target": "t3.small"}
    attempt = audit.attempt(who=WHO, action="resize_instance", parameters=parameters)
    posts = Posts()
    [settled] = await recovery_for(aws, audit, posts).run()
    assert (settled.state, dict(settled.facts)) == ("instance", {"now_state": "stopped", "now_type": "t3.small"})
    assert posts.sent == [(SENDER, (
        f"Resizing web-2 from t3.medium to t3.small, which you asked for at {when(attempt)}, was interrupted: I "
        "restarted while it was running. web-2 is stopped on t3.small now (it was a t3.medium before). Ask me again "
        "if that is not what you want."
    ))]
    assert ec2.describe_instances(InstanceIds=[web2])["Reservations"][0]["Instances"][0]["State"]["Name"] == "stopped"


async def test_an_interrupted_sync_aborts_the_uploads_of_its_parted_files_only(
    aws: ClientFactory, s3: Any, audit: AuditLog
) -> None:
    audit.attempt(who=WHO, action="sync_folder", parameters={
        "bucket": BUCKET, "prefix": "backup/", "folder": "outbox", "multipart_keys": ["backup/a.iso", "backup/b.iso"],
        "prior_uploads": []})
    start_upload(s3, "backup/a.iso")
    start_upload(s3, "backup/b.iso", part=False)
    kept = start_upload(s3, "backup/c.iso")  # not a file of this sync
    posts = Posts()
    [settled] = await recovery_for(aws, audit, posts).run()
    assert (settled.state, settled.aborted) == ("unknown", 2)
    assert pending(s3) == [("backup/c.iso", kept)]
    assert "I removed 2 unfinished multipart uploads it had left behind" in posts.texts[0]
    assert posts.texts[0].endswith("Please ask me to sync again - it uploads only what is still missing or changed.")


# --- when S3 or Rasa do not cooperate ----------------------------------------------------------------------------
async def test_a_refused_cleanup_is_recorded_and_told_without_waiting(
    aws: ClientFactory, s3: Any, audit: AuditLog
) -> None:
    start_upload(s3, "big.bin")
    audit.attempt(who=WHO, action="upload_file", parameters={"bucket": BUCKET, "key": "big.bin", "prior_uploads": []})
    fail_with(s3, "ListMultipartUploads", "AccessDenied")
    waits, posts = Waits(), Posts()
    [settled] = await recovery_for(aws, audit, posts, waits).run()
    assert (settled.aborted, settled.cleanup_error, waits.seconds) == (0, "AccessDenied", [])
    assert audit.read()[-1]["parameters"]["cleanup_error"] == "AccessDenied"
    assert "I could not check for unfinished multipart uploads it may have left in recovery-bucket (AccessDenied)" \
        in posts.texts[0]


async def test_an_unreachable_s3_is_waited_for(aws: ClientFactory, s3: Any, audit: AuditLog) -> None:
    start_upload(s3, "big.bin")
    audit.attempt(who=WHO, action="upload_file", parameters={"bucket": BUCKET, "key": "big.bin", "prior_uploads": []})
    failures = [1]

    def unavailable_once(**_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        if not failures:
            return None
        failures.pop()
        return AWSResponse("https://s3.test/", 400, {}, None), {"Error": {"Code": "RequestTimeout", "Message": ""}}

    s3.meta.events.register("before-call.s3.ListMultipartUploads", unavailable_once)
    fail_with(s3, "HeadObject", "NetworkError", status=400)  # checking the state may fail: it is then "unknown"
    waits = Waits()
    try:
        [settled] = await recovery_for(aws, audit, Posts(), waits).run()
    finally:
        s3.meta.events.unregister("before-call.s3.ListMultipartUploads", unavailable_once)
    assert (settled.aborted, settled.cleanup_error, settled.state, waits.seconds) == (1, "", "unknown", [1.0])
    assert pending(s3) == []


async def test_a_torn_line_or_an_odd_attempt_does_not_stop_recovery(
    aws: ClientFactory, s3: Any, audit: AuditLog
) -> None:
    with audit.path.open("w", encoding="utf-8") as fh:
        fh.write(json.dumps({"id": "x1", "result": "attempted", "timestamp": "yesterday"}) + "\n")
        fh.write(json.dumps({"id": "x2", "result": "attempted", "timestamp": "2024-01-01T00:00:00+00:00",
                             "action": "upload_file", "parameters": {"bucket": "Not A Bucket!", "key": "k"}}) + "\n")
        fh.write('{"id": "x3", "result": "att')
    posts = Posts()
    [settled] = await recovery_for(aws, audit, posts).run()
    assert settled.attempt["id"] == "x2" and settled.state == "unknown" and settled.cleanup_error
    assert posts.sent == []  # nobody to tell: the line names no sender


# --- the late message, through a stand-in for Rasa's trigger_intent ----------------------------------------------
@dataclass
class FakeRasa:
    url: str = ""
    refuse: int = 0  # answer 409 (no model loaded yet) this many times first
    requests: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture
async def rasa() -> AsyncIterator[FakeRasa]:
    fake = FakeRasa()

    async def trigger(request: web.Request) -> web.Response:
        fake.requests.append({"path": request.raw_path.split("?", 1)[0], "query": dict(request.query),
                              "json": await request.json()})
        if fake.refuse:
            fake.refuse -= 1
            return web.json_response({"error": "No agent loaded"}, status=409)
        return web.json_response({"tracker": {}})

    app = web.Application()
    app.router.add_post("/conversations/{conversation:.+}/trigger_intent", trigger)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    fake.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
    yield fake
    await runner.cleanup()


async def test_the_user_is_told_in_their_conversation_once_rasa_takes_it(
    aws: ClientFactory, s3: Any, audit: AuditLog, rasa: FakeRasa
) -> None:
    audit.attempt(who=WHO, action="delete_bucket", parameters={"bucket": BUCKET})
    rasa.refuse = 2
    waits = Waits()
    poster = RasaPoster.from_env({"CLOUDBUTLER_RASA_URL": rasa.url, "RASA_AUTH_TOKEN": "rasa-token"})
    [settled] = await recovery_for(aws, audit, poster, waits).run()
    assert waits.seconds == [1.0, 2.0]
    assert len(rasa.requests) == 3  # two refused while "starting", then taken: one message
    assert rasa.requests[-1] == {
        "path": "/conversations/slack:T1:U1/trigger_intent",
        "query": {"output_channel": "latest", "token": "rasa-token"},
        "json": {"name": "EXTERNAL_late_message", "entities": {"message": {"text": settled.text()}}},
    }
    assert "Deleting bucket recovery-bucket" in settled.text() and "The bucket still exists." in settled.text()


async def test_on_start_schedules_recovery_without_waiting_for_it(
    aws: ClientFactory, s3: Any, tmp_path: Path, rasa: FakeRasa, monkeypatch: pytest.MonkeyPatch
) -> None:
    audit = AuditLog(tmp_path / "var" / "audit.jsonl")
    attempt = audit.attempt(who=WHO, action="upload_file", parameters={"bucket": BUCKET, "key": "big.bin",
                                                                          "prior_uploads": []})
    start_upload(s3, "big.bin")
    for name, value in {"CLOUDBUTLER_AUDIT_LOG": str(audit.path), "AWS_ENDPOINT_URL": aws.settings.endpoint_url,
                        "CLOUDBUTLER_RASA_URL": rasa.url}.items():
        monkeypatch.setenv(name, str(value))
    monkeypatch.delenv("RASA_AUTH_TOKEN", raising=False)
    app = SimpleNamespace(ctx=SimpleNamespace())

    await recovery.on_start(app)
    task = app.ctx.recovery_task
    assert not task.done()  # start-up goes on; the work runs beside it
    await asyncio.wait_for(task, timeout=30)
    assert pending(s3) == []
    assert [(line["id"], line["result"]) for line in audit.read()] == [(attempt["id"], "attempted"),
                                                                       (attempt["id"], "interrupted")]
    assert [r["path"] for r in rasa.requests] == ["/conversations/slack:T1:U1/trigger_intent"]


def test_the_action_server_runs_recovery_at_start() -> None:
    endpoint = pytest.importorskip("actions.endpoint")
    assert recovery.on_start in endpoint.start_hooks()
