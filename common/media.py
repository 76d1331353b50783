"""The media contract: the action server publishes a file (a chart, a small download) into the media folder under a
random name and refers to it as ``/media/<name>``; every connector turns that into what its platform shows (the web
chat serves it at ``/webhooks/webchat/media/<name>``, Discord and Slack upload the file itself)."""
from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from pathlib import Path

MEDIA_ROUTE = "/media/"
MEDIA_DIR_VARIABLE = "CLOUDBUTLER_MEDIA_DIR"
DEFAULT_MEDIA_DIR = "./var/media"
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_RANDOM_PART = re.compile(r"[0-9a-f]{16}-(?=.)")


def media_dir(env: Mapping[str, str] | None = None) -> Path:
    """The media folder, from ``CLOUDBUTLER_MEDIA_DIR`` (the one place it is read)."""
    env = os.environ if env is None else env
    return Path(env.get(MEDIA_DIR_VARIABLE) or DEFAULT_MEDIA_DIR)


def is_media_name(name: str) -> bool:
    return bool(NAME_PATTERN.fullmatch(name)) and ".." not in name


def media_name(original: str, token: str | None = None) -> str:
    """A random, URL- and path-safe name for a published file that keeps the original's look."""
    base = _UNSAFE.sub("_", original.rsplit("/", 1)[-1])
    base = re.sub(r"\.{2,}", ".", base).strip("._-") or "file"
    return f"{token or secrets.token_hex(8)}-{base}"[:128]


def shown_name(name: str) -> str:
    """The name a published file is shown and sent under: its media name without the random part ``media_name``
    put in front (which keeps it unguessable and collision-free in the folder, and is no business of the user's)."""
    return _RANDOM_PART.sub("", name, count=1) if _RANDOM_PART.match(name) else name


def media_url(name: str) -> str:
    """The URL form every message uses for a published file."""
    return f"{MEDIA_ROUTE}{name}"


def name_of(url: str) -> str | None:
    """``name`` of a ``/media/<name>`` URL (also when a connector prefixed it), else None."""
    head, sep, name = url.rpartition(MEDIA_ROUTE)
    return name if sep and is_media_name(name) else None
