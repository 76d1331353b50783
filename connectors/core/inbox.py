"""The inbox, where connectors save what users attach: one fresh folder per message, named so that only our folders
are ever swept or deleted (a misconfigured ``CLOUDBUTLER_INBOX_DIR`` - a home folder, say - loses nothing else).
Actions find a file by the path relative to the inbox that the message metadata carries, never a server path.

The folder contract (names, removal after use) lives in ``common.inbox``, shared with the action server, which
deletes a folder once its upload is over; expired folders are swept here when a new message brings a file.
"""
from __future__ import annotations

import asyncio
import logging
import mimetypes
import os
import shutil
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict

from common.inbox import folder_name, inbox_dir, is_folder_name
from common.inbox import remove_folder_of as remove_folder_of  # connectors' tests use them from here too
from common.inbox import touch_folder_of as touch_folder_of
from connectors.core.filenames import UnusableFileName, safe_filename, unique_name

logger = logging.getLogger(__name__)

DEFAULT_MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024
# Attachments wait this long for the user's "yes" to an upload; the action that uses them deletes them at once.
DEFAULT_TTL_MINUTES = 60
GENERIC_TYPE = "application/octet-stream"
# What a file whose name has nothing left (".." from a platform) is called: the user has sent it already.
FALLBACK_NAME = "file"


class AttachmentMeta(TypedDict):
    name: str
    path: str  # relative to the inbox ("<message folder>/<name>"): metadata stays in the tracker
    size: int
    content_type: str


class RejectedAttachment(TypedDict):
    name: str
    size: int
    reason: str  # "too_large" or "unavailable"


@dataclass
class SavedFiles:
    """What became of the files of one message; the rejected ones let actions say why nothing arrived."""

    saved: list[AttachmentMeta] = field(default_factory=list)
    rejected: list[RejectedAttachment] = field(default_factory=list)


class AttachmentTooLarge(Exception):
    """A download went over the size limit."""


@dataclass(frozen=True)
class ReceivedFile:
    """A file whose bytes arrived with the request (web chat uploads)."""

    name: str
    body: bytes
    content_type: str | None = None


@dataclass(frozen=True)
class OfferedFile:
    """A file a platform offers for download; ``fetch`` is None when it cannot be fetched (deleted, foreign host)."""

    id: str
    name: str
    size: int
    content_type: str | None
    fetch: Callable[[], AsyncIterator[bytes]] | None


# --- folders ---


def ttl_seconds_from_env(env: Mapping[str, str] = os.environ) -> float:
    """``CLOUDBUTLER_INBOX_TTL_MINUTES`` (a positive whole number), else the default."""
    text = env.get("CLOUDBUTLER_INBOX_TTL_MINUTES", "").strip()
    minutes = int(text) if text.isdigit() and int(text) > 0 else DEFAULT_TTL_MINUTES
    return minutes * 60.0


def sweep(root: Path, *, ttl_seconds: float, now: float | None = None) -> list[str]:
    """Delete the message folders under ``root`` unchanged for more than ``ttl_seconds``; their names. Blocking,
    and cheap enough (one directory listing) to run whenever a new attachment is saved."""
    now = time.time() if now is None else now
    try:
        entries = list(os.scandir(root))
    except FileNotFoundError:
        return []
    removed: list[str] = []
    for entry in sorted(entries, key=lambda e: e.name):
        # A symlink is never followed, nor removed: whatever it points to is not ours.
        if not is_folder_name(entry.name) or not entry.is_dir(follow_symlinks=False):
            continue
        try:
            expired = now - entry.stat(follow_symlinks=False).st_mtime > ttl_seconds
        except FileNotFoundError:  # removed by its action meanwhile
            continue
        if expired:
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(entry.name)
    if removed:
        logger.info("inbox: removed %d expired attachment folder(s) from %s", len(removed), root)
    return removed


def content_type_of(name: str, declared: str | None) -> str:
    """The type the platform or browser declared, else what the extension says (browsers send
    application/octet-stream for types they do not know), else application/octet-stream."""
    if declared and declared != GENERIC_TYPE:
        return declared
    return mimetypes.guess_type(name)[0] or GENERIC_TYPE


# --- saving ---


@dataclass(frozen=True)
class Inbox:
    """Where one channel saves attachments: ``root``, the size limit per file and how long unused folders stay."""

    root: Path
    max_bytes: int = DEFAULT_MAX_ATTACHMENT_BYTES
    ttl_seconds: float = DEFAULT_TTL_MINUTES * 60.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Inbox:
        """``CLOUDBUTLER_INBOX_DIR``, ``CLOUDBUTLER_MAX_ATTACHMENT_BYTES`` and ``CLOUDBUTLER_INBOX_TTL_MINUTES``
        (the one place connectors read them), else the defaults."""
        limit = env.get("CLOUDBUTLER_MAX_ATTACHMENT_BYTES", "").strip()
        return cls(
            root=inbox_dir(env),
            max_bytes=int(limit) if limit.isdigit() else DEFAULT_MAX_ATTACHMENT_BYTES,
            ttl_seconds=ttl_seconds_from_env(env),
        )

    def new_folder(self, platform: str) -> Path:
        """A fresh message folder's path; it is created with its first file."""
        return self.root / folder_name(platform)

    async def receive(self, platform: str, offered: Sequence[OfferedFile], *, errors: tuple[type[Exception], ...]
                      ) -> SavedFiles:
        """Download the files a platform offers with one message into a fresh folder; a file that is too large,
        unavailable or fails with one of ``errors`` is listed as rejected instead."""
        folder = self.new_folder(platform)
        failures: tuple[type[Exception], ...] = (*errors, OSError)
        result = SavedFiles()
        for file in offered:
            if file.fetch is None:
                result.rejected.append(RejectedAttachment(name=file.name, size=file.size, reason="unavailable"))
                continue
            if file.size > self.max_bytes:
                result.rejected.append(RejectedAttachment(name=file.name, size=file.size, reason="too_large"))
                continue
            try:
                result.saved.append(
                    await self.save(folder, name=file.name, content_type=file.content_type, chunks=file.fetch())
                )
            except AttachmentTooLarge:
                result.rejected.append(RejectedAttachment(name=file.name, size=file.size, reason="too_large"))
            except failures as exc:
                logger.warning("%s: could not fetch file %s (%s)", platform, file.id, type(exc).__name__)
                result.rejected.append(RejectedAttachment(name=file.name, size=file.size, reason="unavailable"))
        return result

    async def save(
        self, folder: Path, *, name: str, content_type: str | None, chunks: AsyncIterator[bytes]
    ) -> AttachmentMeta:
        """Collect ``chunks`` (stopping at the size limit) and write them into ``folder`` under a safe name."""
        data = bytearray()
        async for chunk in chunks:
            data.extend(chunk)
            if len(data) > self.max_bytes:
                raise AttachmentTooLarge(name)
        try:
            safe = safe_filename(name)
        except UnusableFileName:
            safe = FALLBACK_NAME
        return await asyncio.to_thread(self._write, folder, safe, bytes(data), content_type)

    def store(self, platform: str, files: Sequence[ReceivedFile]) -> list[AttachmentMeta]:
        """Write files that came whole with a request into a fresh folder; blocking (run it in a thread). Their
        names must already be safe (``safe_filename``): the caller refuses a request with an unusable one."""
        folder = self.new_folder(platform)
        return [self._write(folder, file.name, file.body, file.content_type) for file in files]

    def _write(self, folder: Path, name: str, data: bytes, content_type: str | None) -> AttachmentMeta:
        if not folder.exists():  # a new message's first file: the moment to clear out expired folders
            sweep(self.root, ttl_seconds=self.ttl_seconds)
            folder.mkdir(parents=True)
        path = folder / unique_name(name, set(os.listdir(folder)))
        if path.parent != folder:  # safe_filename already guarantees this; a second lock costs nothing
            raise UnusableFileName(name)
        with open(path, "xb") as handle:
            handle.write(data)
        return AttachmentMeta(
            name=path.name, path=path.relative_to(self.root).as_posix(), size=len(data),
            content_type=content_type_of(path.name, content_type),
        )
