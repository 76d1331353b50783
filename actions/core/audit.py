"""Append-only JSON-lines audit log of every AWS change: who, where, what, when, result.

A change writes two lines with one ``id``: ``"result": "attempted"`` before the AWS call and its outcome ("ok",
"error", "aborted", or "interrupted" - written at the next start by ``actions.recovery``) after it. An attempt
without an outcome is work a crash or kill cut short; nothing half-done stays unrecorded.
"""
from __future__ import annotations

import json
import logging
import os
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any, Callable, Mapping, TypeVar

from actions.aws.errors import CloudButlerError, Stopped
from actions.core.identity import Identity

DEFAULT_AUDIT_LOG = "var/audit.jsonl"
ATTEMPTED = "attempted"
OUTCOMES = ("ok", "error", "aborted", "interrupted")
_SECRET_HINTS = ("secret", "token", "password", "credential", "authorization")
_PATH_HINTS = ("path", "source", "folder", "dir", "file")
_SIGNED_HINTS = ("x-amz-signature", "x-amz-credential", "signature=")
_WHO_FIELDS = ("sender", "platform", "workspace", "user", "channel")

logger = logging.getLogger(__name__)
T = TypeVar("T")


def clean_parameters(parameters: Mapping[str, Any]) -> dict[str, Any]:
    """What may be written down: no secrets (by name), no presigned URLs, no absolute server paths (the last part
    of the path is kept: "/srv/cloudbutler/outbox" -> "outbox")."""
    cleaned: dict[str, Any] = {}
    for name, value in parameters.items():
        lowered = name.lower()
        if any(hint in lowered for hint in _SECRET_HINTS):
            continue
        if isinstance(value, str):
            if any(hint in value.lower() for hint in _SIGNED_HINTS):
                value = "[signed URL removed]"
            elif any(hint in lowered for hint in _PATH_HINTS) and _is_absolute(value):
                value = PurePosixPath(value.replace("\\", "/")).name
        cleaned[name] = value
    return cleaned


def _is_absolute(value: str) -> bool:
    return PurePosixPath(value).is_absolute() or PureWindowsPath(value).is_absolute()


class AuditLog:
    def recorder(self, *, who: Identity, action: str) -> Callable[[Mapping[str, Any], str], None]:
        """A function recording ``action`` by ``who`` (a background process, not a person) as an error line with
        its parameters and detail - for services below this layer, which take it without importing it."""

        def record(parameters: Mapping[str, Any], detail: str) -> None:
            self.record(who=who, action=action, parameters=parameters, result="error", detail=detail)

        return record

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path or os.environ.get("CLOUDBUTLER_AUDIT_LOG") or DEFAULT_AUDIT_LOG)
        self._lock = threading.Lock()

    def attempt(self, *, who: Identity, action: str, parameters: Mapping[str, Any]) -> dict[str, Any]:
        """Write the "attempted" line of a change about to start; pass what it returns to ``finish``."""
        entry = {"id": uuid.uuid4().hex, **_who(who), "action": action,
                 "parameters": clean_parameters(parameters), "result": ATTEMPTED}
        return self._write(entry)

    def finish(
        self, attempt: Mapping[str, Any], *, result: str, detail: str = "",
        parameters: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Write the outcome of ``attempt``: same id, who and action; ``parameters`` add to the attempt's."""
        entry = {
            "id": attempt["id"],
            **{name: attempt.get(name, "") for name in _WHO_FIELDS},
            "action": attempt.get("action", ""),
            "parameters": clean_parameters({**attempt.get("parameters", {}), **(parameters or {})}),
            "result": result,
        }
        if detail:
            entry["detail"] = detail
        return self._write(entry)

    def change(
        self, *, who: Identity, action: str, parameters: Mapping[str, Any], call: Callable[[], T],
        describe: Callable[[T], Mapping[str, Any]] | None = None, problem: Callable[[T], str | None] | None = None,
    ) -> T:
        """Run one change between its two lines: "ok"; "error" with the failure's code (raised, or named by
        ``problem`` for results that report partial failure); "aborted" when the user stopped it. Blocking."""
        attempt = self.attempt(who=who, action=action, parameters=parameters)
        try:
            result = call()
        except Stopped:
            self.finish(attempt, result="aborted", detail="stopped")
            raise
        except CloudButlerError as exc:
            self.finish(attempt, result="error", detail=exc.code)
            raise
        except Exception as exc:
            self.finish(attempt, result="error", detail=type(exc).__name__)
            raise
        except BaseException as exc:  # shutting down under it: say so now rather than at the next start
            self.finish(attempt, result="interrupted", detail=type(exc).__name__)
            raise
        code = problem(result) if problem else None
        self.finish(attempt, result="error" if code else "ok", detail=code or "",
                    parameters=describe(result) if describe else None)
        return result

    def record(
        self, *, who: Identity, action: str, parameters: Mapping[str, Any], result: str, detail: str = ""
    ) -> dict[str, Any]:
        """One line on its own, for an event with no AWS call in flight; changes use ``change`` (or
        ``attempt`` + ``finish``) so one cut short leaves its attempt behind."""
        entry = {"id": uuid.uuid4().hex, **_who(who), "action": action,
                 "parameters": clean_parameters(parameters), "result": result}
        if detail:
            entry["detail"] = detail
        return self._write(entry)

    def _write(self, entry: dict[str, Any]) -> dict[str, Any]:
        entry = {"timestamp": datetime.now(UTC).isoformat(timespec="milliseconds"), **entry}
        line = json.dumps(entry, sort_keys=True, default=str).encode("utf-8")
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a+b") as fh:
                # A line torn by a kill must not swallow the next one: start on a fresh line.
                if fh.seek(0, os.SEEK_END) > 0:
                    fh.seek(-1, os.SEEK_END)
                    if fh.read(1) != b"\n":
                        line = b"\n" + line
                fh.write(line + b"\n")
        return entry

    def read(self) -> list[dict[str, Any]]:
        """Every readable line, oldest first; a line torn by a kill is skipped (and logged)."""
        if not self.path.exists():
            return []
        entries: list[dict[str, Any]] = []
        with self.path.open(encoding="utf-8", errors="replace") as fh:
            for number, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    logger.warning("audit log %s: line %d is not JSON (torn by a kill?); skipped", self.path, number)
                    continue
                if isinstance(entry, dict):
                    entries.append(entry)
        return entries


def _who(who: Identity) -> dict[str, str]:
    return {"sender": who.sender_id, "platform": who.platform, "workspace": who.workspace, "user": who.user_name,
            "channel": who.channel_id}


def unfinished(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The attempts in ``entries`` that no other line with their id closes, oldest first."""
    closed = {entry.get("id") for entry in entries if entry.get("result") != ATTEMPTED}
    return [entry for entry in entries
            if entry.get("result") == ATTEMPTED and entry.get("id") and entry["id"] not in closed]
