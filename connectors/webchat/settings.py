"""Where the web chat keeps uploads and finds media, how large an upload may be and how long a poll for late
messages waits: resolved when the channel's blueprint is built (never at import), from credentials.yml values or
the environment."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Union

DEFAULT_INBOX_DIR = "./var/inbox"
DEFAULT_MEDIA_DIR = "./var/media"
DEFAULT_UPLOAD_MAX_MB = 100.0
# Under Sanic's 60 s request/response timeouts and the idle timeouts of common proxies (nginx: 60 s).
DEFAULT_UPDATES_WAIT_SECONDS = 25.0
MEGABYTE = 1024 * 1024

PathLike = Union[str, Path]


@dataclass(frozen=True)
class WebChatSettings:
    inbox_dir: Path
    media_dir: Path
    upload_max_bytes: int
    updates_wait_seconds: float = DEFAULT_UPDATES_WAIT_SECONDS

    @classmethod
    def resolve(
        cls,
        *,
        inbox_dir: PathLike | None = None,
        media_dir: PathLike | None = None,
        upload_max_mb: Union[None, str, float] = None,
        updates_wait_seconds: Union[None, str, float] = None,
        environ: Mapping[str, str] | None = None,
    ) -> WebChatSettings:
        """Explicit values win, then ``CLOUDBUTLER_INBOX_DIR`` / ``CLOUDBUTLER_MEDIA_DIR`` /
        ``CLOUDBUTLER_UPLOAD_MAX_MB``, then the defaults. Directories become absolute paths, so the
        attachment paths handed to the action server do not depend on its working directory.
        ``updates_wait_seconds`` has no variable: only tests and unusual proxies need another value."""
        env = os.environ if environ is None else environ
        inbox = inbox_dir or env.get("CLOUDBUTLER_INBOX_DIR") or DEFAULT_INBOX_DIR
        media = media_dir or env.get("CLOUDBUTLER_MEDIA_DIR") or DEFAULT_MEDIA_DIR
        raw_limit = upload_max_mb if upload_max_mb not in (None, "") else env.get("CLOUDBUTLER_UPLOAD_MAX_MB")
        return cls(
            inbox_dir=Path(inbox).expanduser().resolve(),
            media_dir=Path(media).expanduser().resolve(),
            upload_max_bytes=_megabytes(raw_limit),
            updates_wait_seconds=_seconds(updates_wait_seconds),
        )


def _megabytes(raw: Union[None, str, float]) -> int:
    if raw in (None, ""):
        return int(DEFAULT_UPLOAD_MAX_MB * MEGABYTE)
    try:
        value = float(raw)  # type: ignore[arg-type]
    except ValueError as exc:
        raise ValueError(f"CLOUDBUTLER_UPLOAD_MAX_MB must be a number of megabytes, not {raw!r}") from exc
    if not value > 0:
        raise ValueError(f"CLOUDBUTLER_UPLOAD_MAX_MB must be positive, not {raw!r}")
    return int(value * MEGABYTE)


def _seconds(raw: Union[None, str, float]) -> float:
    if raw in (None, ""):
        return DEFAULT_UPDATES_WAIT_SECONDS
    try:
        value = float(raw)  # type: ignore[arg-type]
    except ValueError as exc:
        raise ValueError(f"updates_wait_seconds must be a number of seconds, not {raw!r}") from exc
    if not 0 < value <= 55:
        raise ValueError(f"updates_wait_seconds must be more than 0 and at most 55, not {raw!r}")
    return value
