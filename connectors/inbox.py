"""Housekeeping of the inbox, where connectors save what users attach (one folder per message): folder names, the
sweep of expired folders and removal after use. Only folders named like ours, directly under the inbox, are ever
deleted - a misconfigured ``CLOUDBUTLER_INBOX_DIR`` (a home folder, say) loses nothing else."""
from __future__ import annotations

import logging
import os
import re
import shutil
import time
import uuid
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

logger = logging.getLogger(__name__)

# Attachments wait this long for the user's "yes" to an upload; the action that uses them deletes them at once.
DEFAULT_TTL_MINUTES = 60
_FOLDER = re.compile(r"[a-z]+-\d{8}T\d{6}-[0-9a-f]{8}")


def folder_name(platform: str, *, now: float | None = None) -> str:
    """``<platform>-<UTC time>-<random>``: unguessable, sortable, and recognisable by ``is_folder_name``."""
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now))
    return f"{platform}-{stamp}-{uuid.uuid4().hex[:8]}"


def is_folder_name(name: str) -> bool:
    return bool(_FOLDER.fullmatch(name))


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


def _message_folder(root: Path, relative: str) -> Path | None:
    """The message folder of an attachment path as connectors report it (``<folder>/<file>``, relative to the inbox)."""
    parts = PurePosixPath(relative).parts
    if len(parts) < 2 or not is_folder_name(parts[0]):
        return None
    folder = root / parts[0]
    return folder if folder.is_dir() and not folder.is_symlink() else None


def remove_folder_of(root: Path, relative: str) -> bool:
    """Delete the message folder holding the attachment ``relative``, once it has been used. Blocking."""
    folder = _message_folder(root, relative)
    if folder is None:
        return False
    shutil.rmtree(folder, ignore_errors=True)
    return True


def touch_folder_of(root: Path, relative: str) -> None:
    """Start the TTL of an attachment's folder again: a file being uploaded must not be swept under the upload."""
    folder = _message_folder(root, relative)
    if folder is not None:
        os.utime(folder)
