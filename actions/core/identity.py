"""Who is talking and where: parsed from the sender id (platform:workspace:user) and message metadata."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping


@dataclass(frozen=True)
class Attachment:
    """A file the user attached; the connector has already saved it under the inbox folder."""

    name: str
    path: str  # relative to the inbox folder: "<message folder>/<file>"
    size: int = 0
    content_type: str = "application/octet-stream"


@dataclass(frozen=True)
class Identity:
    sender_id: str
    platform: str
    workspace: str
    user_id: str
    user_name: str
    channel_id: str
    attachments: tuple[Attachment, ...] = field(default=())

    @classmethod
    def from_message(cls, sender_id: str, metadata: Mapping[str, Any] | None) -> Identity:
        """Platform, workspace and user come from the sender id, which only the channel that verified the user
        builds; metadata (also the channel's) adds the display name, channel and attachments. Metadata that names
        another platform or user than the sender id is not trusted for anything."""
        meta = metadata or {}
        parts = sender_id.split(":", 2)
        platform, workspace, user = (parts if len(parts) == 3 else ["unknown", "-", sender_id])
        if str(meta.get("platform") or platform) != platform or str(meta.get("user_id") or user) != user:
            meta = {}
        attachments = tuple(
            Attachment(
                name=str(a.get("name", "")),
                path=str(a.get("path", "")),
                size=int(a.get("size") or 0),
                content_type=str(a.get("content_type") or "application/octet-stream"),
            )
            for a in meta.get("attachments") or []
            if isinstance(a, Mapping) and a.get("path")
        )
        return cls(
            sender_id=sender_id,
            platform=platform,
            workspace=workspace,
            user_id=user,
            user_name=str(meta.get("user_name") or meta.get("user_id") or user),
            channel_id=str(meta.get("channel_id") or "-"),
            attachments=attachments,
        )
