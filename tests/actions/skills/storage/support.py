"""Helpers for the storage skill tests (no tests here): folders and audit log in a temp dir, actions wired to moto,
a poster that records what background jobs would post into the chat."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
from botocore.awsrequest import AWSResponse
from rasa_sdk import Tracker

from actions.aws.clients import ClientFactory
from actions.core.audit import AuditLog
from actions.core.base import ConfirmableAction, SkillAction
from actions.core.jobs import JobRunner
from actions.core.late import Reply
from actions.skills.conversation import ActionCancel, ActionConfirm
from tests.actions.harness import answer_to, asked, click_yes, run_action, tracker_for

A = TypeVar("A", bound=SkillAction)
SENDER = "slack:T1:U1"


def ents(**values: str) -> list[dict[str, Any]]:
    return [{"entity": name, "value": value} for name, value in values.items()]


@dataclass
class Posts:
    """Stands in for RasaPoster: what a background job would have said in the conversation."""

    messages: list[tuple[str, Reply]] = field(default_factory=list)

    async def __call__(self, sender_id: str, message: Reply) -> None:
        self.messages.append((sender_id, message))

    @property
    def sent(self) -> list[tuple[str, str]]:
        """(sender, text) of each message, every one of which has its text (whatever it carries besides: a
        progress count, a download's link and attachment)."""
        assert all(isinstance(message.get("text"), str) and message["text"] for _, message in self.messages), (
            self.messages)
        return [(sender, message["text"]) for sender, message in self.messages]

    @property
    def counts(self) -> list[dict[str, Any]]:
        """The progress counts of the messages that carried one, in order."""
        return [dict(m["json_message"]["progress"]) for _, m in self.messages
                if "progress" in m.get("json_message", {})]

    @property
    def texts(self) -> list[str]:
        return [text for _, text in self.sent]


@dataclass
class StorageEnv:
    aws: ClientFactory
    root: Path
    audit: AuditLog

    @property
    def s3(self) -> Any:
        return self.aws.client("s3")

    @property
    def outbox(self) -> Path:
        return self.root / "outbox"

    @property
    def downloads(self) -> Path:
        return self.root / "downloads"

    @property
    def inbox(self) -> Path:
        return self.root / "inbox"

    @property
    def media(self) -> Path:
        return self.root / "media"

    def action(self, cls: type[A]) -> A:
        action = cls()
        action.clients = self.aws
        action.audit = self.audit
        return action

    def confirm(self) -> ActionConfirm:
        return self.action(ActionConfirm)

    def audit_lines(self) -> list[dict[str, Any]]:
        """Outcome lines, each checked to follow its "attempted" line."""
        return audit_outcomes(self.audit)

    def runner(self, posts: Posts) -> JobRunner:
        return JobRunner(posts, tick=0.01, interval=0.0, step=0.25)

    async def say_yes(self, pending: dict[str, Any], *, handler: ConfirmableAction | None = None, press: bool = False
                      ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        confirm = self.confirm()
        if handler is not None:
            confirm._handlers[pending["kind"]] = handler  # a handler with test jobs (ActionConfirm keeps it)
        # The yes right after the question (tests/actions/core/test_confirmation.py tries the other answers); a pending
        # built by hand is stamped as if its question had just been asked.
        # ``press`` clicks the first yes button instead: the only answer a button-only question takes.
        stamped = pending if "question" in pending else asked(pending)
        answer = click_yes(stamped, sender_id=SENDER) if press else answer_to(stamped, sender_id=SENDER)
        return await run_action(confirm, answer)

    async def say_no(self, pending: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        return await run_action(ActionCancel(), tracker_for("no", intent="deny", slots={"pending": pending}))


def make_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, aws: ClientFactory) -> StorageEnv:
    env = StorageEnv(aws=aws, root=tmp_path, audit=AuditLog(tmp_path / "audit.jsonl"))
    for var, folder in {
        "CLOUDBUTLER_UPLOAD_DIR": env.outbox,
        "CLOUDBUTLER_DOWNLOAD_DIR": env.downloads,
        "CLOUDBUTLER_INBOX_DIR": env.inbox,
        "CLOUDBUTLER_MEDIA_DIR": env.media,
    }.items():
        monkeypatch.setenv(var, str(folder))
    env.outbox.mkdir()
    env.inbox.mkdir()
    return env


def fail_with(s3: Any, operation: str, code: str, status: int = 403) -> None:
    """Make every ``operation`` call through ``s3`` answer an AWS error (botocore's own short-circuit hook)."""

    def answer(**_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        error = {"Error": {"Code": code, "Message": "internal detail arn:aws:iam::123456789012:role/secret"}}
        return AWSResponse("https://s3.test/", status, {}, None), error

    s3.meta.events.register(f"before-call.s3.{operation}", answer)


def pending_of(events: list[dict[str, Any]]) -> Any:
    """The value the last ``pending`` SlotSet leaves behind."""
    values = [e["value"] for e in events if e.get("event") == "slot" and e.get("name") == "pending"]
    assert values, f"no pending slot in {events}"
    return values[-1]


def asked_nothing(events: list[dict[str, Any]]) -> bool:
    """No question was left waiting (other events, such as what the conversation talks about, may be there)."""
    return not [e for e in events if e.get("event") == "slot" and e.get("name") == "pending"]


def only_text(sent: list[dict[str, Any]]) -> str:
    assert len(sent) == 1, sent
    return str(sent[0]["text"])


def ask(text: str, intent: str, *, slots: dict[str, Any] | None = None, metadata: dict[str, Any] | None = None,
        **entities: str) -> Tracker:
    return tracker_for(text, intent=intent, entities=ents(**entities), slots=slots, sender_id=SENDER,
                       metadata=metadata)


def audit_outcomes(audit: AuditLog) -> list[dict[str, Any]]:
    """The outcome lines of ``audit``, oldest first, after checking that each change wrote its "attempted" line
    first - same id, who and action, the same parameters - and that no attempt is left without an outcome."""
    attempts: dict[str, dict[str, Any]] = {}
    outcomes: list[dict[str, Any]] = []
    for line in audit.read():
        if line["result"] == "attempted":
            assert line["id"] not in attempts, line
            attempts[line["id"]] = line
            continue
        attempt = attempts.pop(line["id"])  # an outcome without its attempt fails here
        same = ("sender", "platform", "workspace", "user", "channel", "action")
        assert [attempt[name] for name in same] == [line[name] for name in same], (attempt, line)
        assert attempt["parameters"].items() <= line["parameters"].items(), (attempt, line)
        assert attempt["timestamp"] <= line["timestamp"]
        outcomes.append(line)
    assert not attempts, f"attempts without an outcome: {list(attempts.values())}"
    return outcomes
