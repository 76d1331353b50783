"""Append-only JSON-lines audit log of every AWS change: who, where, what, when, result."""
from __future__ import annotations

import json
import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Mapping

from actions.identity import Identity

DEFAULT_AUDIT_LOG = "var/audit.jsonl"
_SECRET_HINTS = ("secret", "token", "password", "credential", "authorization")


class AuditLog:
    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path or os.environ.get("CLOUDBUTLER_AUDIT_LOG") or DEFAULT_AUDIT_LOG)
        self._lock = threading.Lock()

    def record(
        self, *, who: Identity, action: str, parameters: Mapping[str, Any], result: str, detail: str = ""
    ) -> dict[str, Any]:
        entry = {
            "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "sender": who.sender_id,
            "platform": who.platform,
            "workspace": who.workspace,
            "user": who.user_name,
            "channel": who.channel_id,
            "action": action,
            "parameters": {k: v for k, v in parameters.items() if not any(h in k.lower() for h in _SECRET_HINTS)},
            "result": result,
        }
        if detail:
            entry["detail"] = detail
        line = json.dumps(entry, sort_keys=True, default=str)
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(line + "\n")
        return entry

    def read(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        with self.path.open(encoding="utf-8") as fh:
            return [json.loads(line) for line in fh if line.strip()]
