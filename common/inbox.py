"""The inbox contract: connectors save what users attach in one fresh folder per message under the inbox folder, and
the action server uses a file there by its path relative to the inbox (``<message folder>/<file>``, as message
metadata carries it), then deletes the folder. Only folders named like ours, directly under the inbox, are ever
touched or deleted - a misconfigured ``CLOUDBUTLER_INBOX_DIR`` (a home folder, say) loses nothing else.
"""
from __future__ import annotations

import os
import re
import shutil
import time
import uuid
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

INBOX_DIR_VARIABLE = "CLOUDBUTLER_INBOX_DIR"
DEFAULT_INBOX_DIR = "./var/inbox"
_FOLDER = re.compile(r"[a-z]+-\d{8}T\d{6}-[0-9a-f]{8}")


def inbox_dir(env: Mapping[str, str] | None = None) -> Path:
    """The inbox folder, from ``CLOUDBUTLER_INBOX_DIR`` (the one place it is read)."""
    env = os.environ if env is None else env
    return Path(env.get(INBOX_DIR_VARIABLE) or DEFAULT_INBOX_DIR)


def folder_name(platform: str, *, now: float | None = None) -> str:
    """``<platform>-<UTC time>-<random>``: unguessable, sortable, and recognisable by ``is_folder_name``."""
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now))
    return f"{platform}-{stamp}-{uuid.uuid4().hex[:8]}"


def is_folder_name(name: str) -> bool:
    return bool(_FOLDER.fullmatch(name))


def message_folder(root: Path, relative: str) -> Path | None:
    """The message folder of an attachment path as connectors report it (``<folder>/<file>``, relative to the inbox);
    None unless it is one of ours."""
    parts = PurePosixPath(relative).parts
    if len(parts) < 2 or not is_folder_name(parts[0]):
        return None
    folder = root / parts[0]
    return folder if folder.is_dir() and not folder.is_symlink() else None


def remove_folder_of(root: Path, relative: str) -> bool:
    """Delete the message folder holding the attachment ``relative``, once it has been used. Blocking."""
    folder = message_folder(root, relative)
    if folder is None:
        return False
    shutil.rmtree(folder, ignore_errors=True)
    return True


def touch_folder_of(root: Path, relative: str) -> None:
    """Start the expiry of an attachment's folder again: a file being uploaded must not be swept under the upload."""
    folder = message_folder(root, relative)
    if folder is not None:
        os.utime(folder)
