"""Who wrote and where, as the platform verified it: the sender id every conversation is keyed by, and the message
metadata actions read (``actions/identity.py``). Channels build both here from verified ids, never from what a
client says about itself."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict

from connectors.core.inbox import AttachmentMeta, RejectedAttachment, SavedFiles


class MessageMetadata(TypedDict, total=False):
    platform: str
    workspace_id: str
    user_id: str
    user_name: str
    channel_id: str
    attachments: list[AttachmentMeta]
    # Files the connector refused (too large, failed download) so actions can say why nothing arrived.
    attachments_rejected: list[RejectedAttachment]


def sender_id_for(platform: str, workspace: str, user: str) -> str:
    """``platform:workspace-or-guild:user`` - the identity contract of ``actions/identity.py``."""
    return f"{platform}:{workspace}:{user}"


@dataclass(frozen=True, kw_only=True)
class Identity:
    platform: str
    workspace: str
    user_id: str
    user_name: str
    channel_id: str

    @property
    def sender_id(self) -> str:
        return sender_id_for(self.platform, self.workspace, self.user_id)

    def metadata(self, files: SavedFiles | None = None) -> MessageMetadata:
        """The message metadata; ``files`` for channels that take attachments (their list is then always there,
        rejected files only when there are some)."""
        metadata = MessageMetadata(
            platform=self.platform, workspace_id=self.workspace, user_id=self.user_id, user_name=self.user_name,
            channel_id=self.channel_id,
        )
        if files is not None:
            metadata["attachments"] = list(files.saved)
            if files.rejected:
                metadata["attachments_rejected"] = list(files.rejected)
        return metadata
