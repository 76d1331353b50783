"""The audit log's two lines per change: "attempted" before the AWS call, the outcome after it, with one id; what
is never written down; and lines torn by a kill."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from actions.aws.errors import AwsCallFailed, Stopped
from actions.core.audit import AuditLog, clean_parameters, unfinished
from actions.core.identity import Identity
from actions.skills.storage.buckets import ActionCreateBucket
from tests.actions.harness import tracker_for
from tests.actions.skills.storage.support import audit_outcomes


@pytest.fixture
def audit(tmp_path: Path) -> AuditLog:
    return AuditLog(tmp_path / "audit.jsonl")


def audited_by(audit: AuditLog) -> ActionCreateBucket:
    action = ActionCreateBucket()
    action.audit = audit
    return action


TRACKER = tracker_for("create bucket b1", metadata={"user_name": "ada", "channel_id": "C1"})
_WHO = ActionCreateBucket.identity(TRACKER)  # how the channel's identity is read is tested elsewhere
WHO = {"sender": _WHO.sender_id, "platform": _WHO.platform, "workspace": _WHO.workspace, "user": _WHO.user_name,
       "channel": _WHO.channel_id}


def test_audited_writes_the_attempt_before_the_call_and_ok_after_it(audit: AuditLog) -> None:
    seen_during_call: list[list[dict[str, Any]]] = []

    def call() -> str:
        seen_during_call.append(audit.read())
        return "created"

    result = audited_by(audit).audited(TRACKER, "create_bucket", {"bucket": "b1", "region": "us-east-1"}, call,
                                       lambda r: {"outcome": r})
    assert result == "created"
    [during] = seen_during_call
    [attempt] = during
    assert {name: attempt[name] for name in WHO} == WHO
    assert (attempt["action"], attempt["result"], attempt["parameters"]) == (
        "create_bucket", "attempted", {"bucket": "b1", "region": "us-east-1"})
    assert len(attempt["id"]) == 32 and "detail" not in attempt
    first, second = audit.read()
    assert first == attempt
    assert second["id"] == attempt["id"]
    assert {name: second[name] for name in WHO} == WHO
    assert (second["action"], second["result"], second["parameters"]) == (
        "create_bucket", "ok", {"bucket": "b1", "region": "us-east-1", "outcome": "created"})
    assert first["timestamp"] <= second["timestamp"] and second["timestamp"].endswith("+00:00")
    assert unfinished(audit.read()) == []


@pytest.mark.parametrize(("error", "result", "detail"), [
    (AwsCallFailed("AccessDenied", bucket="b1"), "error", "AccessDenied"),
    (RuntimeError("boom"), "error", "RuntimeError"),
    (Stopped(), "aborted", "stopped"),
])
def test_audited_writes_the_attempt_then_the_failure(
    audit: AuditLog, error: Exception, result: str, detail: str
) -> None:
    def call() -> None:
        assert [line["result"] for line in audit.read()] == ["attempted"]
        raise error

    with pytest.raises(type(error)):
        audited_by(audit).audited(TRACKER, "delete_bucket", {"bucket": "b1"}, call)
    attempt, outcome = audit.read()
    assert outcome["id"] == attempt["id"]
    assert (attempt["result"], outcome["result"], outcome["detail"]) == ("attempted", result, detail)
    assert outcome["parameters"] == attempt["parameters"] == {"bucket": "b1"}


def test_a_result_that_reports_a_partial_failure_is_an_error(audit: AuditLog) -> None:
    audited_by(audit).audited(TRACKER, "empty_bucket", {"bucket": "b1"}, lambda: 3, lambda r: {"failed": r},
                              problem=lambda r: "AccessDenied" if r else None)
    [outcome] = audit_outcomes(audit)
    assert (outcome["result"], outcome["detail"], outcome["parameters"]) == (
        "error", "AccessDenied", {"bucket": "b1", "failed": 3})


def test_every_change_gets_its_own_id(audit: AuditLog) -> None:
    action = audited_by(audit)
    for _ in range(3):
        action.audited(TRACKER, "create_bucket", {"bucket": "b1"}, lambda: None)
    assert len({line["id"] for line in audit.read()}) == 3
    assert len(audit_outcomes(audit)) == 3


def test_no_secrets_presigned_urls_or_server_paths_are_written(audit: AuditLog) -> None:
    assert clean_parameters({
        "bucket": "b1", "api_token": "xoxb-1", "Secret_Key": "s", "link": "https://b1.s3.amazonaws.com/k?"
        "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA/20240101&X-Amz-Signature=abc",
        "folder": "/srv/cloudbutler/outbox", "source": "C:\\data\\in.txt", "file": "reports/q1.pdf",
        "key": "/odd/key", "prefix": "/logs/", "count": 3,
    }) == {
        "bucket": "b1", "link": "[signed URL removed]", "folder": "outbox", "source": "in.txt",
        "file": "reports/q1.pdf", "key": "/odd/key", "prefix": "/logs/", "count": 3,
    }
    who = Identity.from_message("slack:T1:U1", {"user_name": "ada"})
    attempt = audit.attempt(who=who, action="sync_folder", parameters={"folder": "/srv/x/outbox", "token": "t"})
    audit.finish(attempt, result="ok", parameters={"password": "p"})
    text = audit.path.read_text()
    assert "/srv" not in text and '"t"' not in text and '"p"' not in text
    assert [line["parameters"] for line in audit.read()] == [{"folder": "outbox"}, {"folder": "outbox"}]


def test_a_line_torn_by_a_kill_is_skipped_and_does_not_swallow_the_next(audit: AuditLog) -> None:
    who = Identity.from_message("slack:T1:U1", None)
    first = audit.attempt(who=who, action="upload_file", parameters={"bucket": "b1", "key": "k"})
    with audit.path.open("a", encoding="utf-8") as fh:
        fh.write('{"id": "torn", "result": "attem')  # the kill came mid-write
    second = audit.attempt(who=who, action="delete_bucket", parameters={"bucket": "b2"})
    assert [line["id"] for line in audit.read()] == [first["id"], second["id"]]
    assert len(audit.path.read_text().splitlines()) == 3


def test_unfinished_finds_attempts_without_an_outcome() -> None:
    lines = [
        {"id": "a", "result": "attempted"}, {"id": "b", "result": "attempted"}, {"id": "a", "result": "ok"},
        {"id": "c", "result": "attempted"}, {"id": "c", "result": "interrupted"},
        {"result": "ok"},  # a line from before ids: neither attempt nor outcome of anything
        {"id": "d", "result": "attempted"},
    ]
    assert [line["id"] for line in unfinished(lines)] == ["b", "d"]


def test_record_still_writes_one_line_with_an_id(audit: AuditLog) -> None:
    who = Identity.from_message("slack:T1:U1", None)
    entry = audit.record(who=who, action="subscribe_alerts", parameters={"topic": "t"}, result="ok")
    assert audit.read() == [entry] and json.loads(audit.path.read_text())["id"] == entry["id"]


def test_audit_writes_one_json_line_without_secrets(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "sub" / "audit.jsonl")
    who = Identity.from_message("slack:T1:U1", {"user_name": "ada", "channel_id": "C1"})
    log.record(who=who, action="create_bucket", parameters={"bucket": "b1", "api_token": "xoxb-1"}, result="ok")
    log.record(who=who, action="delete_bucket", parameters={"bucket": "b1"}, result="error", detail="AccessDenied")
    lines = (tmp_path / "sub" / "audit.jsonl").read_text().splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert first["parameters"] == {"bucket": "b1"}
    assert (first["sender"], first["platform"], first["user"], first["channel"]) == ("slack:T1:U1", "slack", "ada", "C1")
    assert first["timestamp"].endswith("+00:00")
    assert log.read()[1]["detail"] == "AccessDenied"
    assert "xoxb" not in (tmp_path / "sub" / "audit.jsonl").read_text()
