"""Where the web chat keeps uploads and finds media, how large an upload may be, how long a poll for late
messages waits and which examples the empty chat offers: resolved when the channel's blueprint is built (never at
import), from credentials.yml values or the environment."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence, Tuple, Union

from common import media
from connectors.core.inbox import DEFAULT_TTL_MINUTES, Inbox
from connectors.core.settings import number

DEFAULT_UPLOAD_MAX_MB = 100.0
# Under Sanic's 60 s request/response timeouts and the idle timeouts of common proxies (nginx: 60 s).
DEFAULT_UPDATES_WAIT_SECONDS = 25.0
MAX_UPDATES_WAIT_SECONDS = 55.0
MEGABYTE = 1024 * 1024
# What the empty chat offers to try: requests the assistant answers with a working skill in any account (each is a
# skill's own example from "help", which tests check). credentials.yml ``examples:`` replaces them.
DEFAULT_EXAMPLES = ("list my S3 buckets", "Tell me about my server!", "help")
MAX_EXAMPLES = 8
MAX_EXAMPLE_CHARS = 80

PathLike = Union[str, Path]


@dataclass(frozen=True)
class WebChatSettings:
    inbox_dir: Path
    media_dir: Path
    upload_max_bytes: int  # all files of one upload together
    updates_wait_seconds: float = DEFAULT_UPDATES_WAIT_SECONDS
    inbox_ttl_seconds: float = DEFAULT_TTL_MINUTES * 60.0
    examples: Tuple[str, ...] = DEFAULT_EXAMPLES

    @property
    def inbox(self) -> Inbox:
        return Inbox(root=self.inbox_dir, max_bytes=self.upload_max_bytes, ttl_seconds=self.inbox_ttl_seconds)

    @classmethod
    def resolve(
        cls,
        *,
        inbox_dir: PathLike | None = None,
        media_dir: PathLike | None = None,
        upload_max_mb: Union[None, str, float] = None,
        updates_wait_seconds: Union[None, str, float] = None,
        examples: Sequence[str] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> WebChatSettings:
        """Explicit values win, then the environment (``CLOUDBUTLER_INBOX_DIR`` and ``CLOUDBUTLER_INBOX_TTL_MINUTES``
        as every connector reads them, ``CLOUDBUTLER_MEDIA_DIR`` through ``common.media``,
        ``CLOUDBUTLER_UPLOAD_MAX_MB``), then the defaults. Directories become absolute paths, so the attachment
        paths handed to the action server do not depend on its working directory. ``updates_wait_seconds`` has no
        variable: only tests and unusual proxies need another value."""
        env = os.environ if environ is None else environ
        inbox = Inbox.from_env(env)
        raw_limit = upload_max_mb if upload_max_mb not in (None, "") else env.get("CLOUDBUTLER_UPLOAD_MAX_MB")
        megabytes = number(raw_limit, name="CLOUDBUTLER_UPLOAD_MAX_MB", unit="megabytes", default=DEFAULT_UPLOAD_MAX_MB)
        return cls(
            inbox_dir=Path(inbox_dir or inbox.root).expanduser().resolve(),
            media_dir=Path(media_dir or media.media_dir(env)).expanduser().resolve(),
            upload_max_bytes=int(megabytes * MEGABYTE),
            updates_wait_seconds=number(
                updates_wait_seconds, name="updates_wait_seconds", unit="seconds",
                default=DEFAULT_UPDATES_WAIT_SECONDS, maximum=MAX_UPDATES_WAIT_SECONDS,
            ),
            inbox_ttl_seconds=inbox.ttl_seconds,
            examples=DEFAULT_EXAMPLES if examples is None else clean_examples(examples),
        )


def clean_examples(examples: object) -> Tuple[str, ...]:
    """The operator's examples: one line of text each, at most ``MAX_EXAMPLES``; anything else is a mistake."""
    if isinstance(examples, str) or not isinstance(examples, Sequence):
        raise ValueError("examples must be a list of requests")
    cleaned = tuple(" ".join(str(item).split())[:MAX_EXAMPLE_CHARS] for item in examples if str(item).strip())
    return cleaned[:MAX_EXAMPLES]
