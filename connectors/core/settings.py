"""Connector settings: what every platform's settings hold (``ChatSettings``), and reading values as Rasa hands them
over from credentials.yml (``${VAR}`` becomes a string, possibly empty): plain values, flags, id lists and bounded
numbers. Where files live is read in one place each: the inbox by ``Inbox.from_env``, media by ``common.media``."""
from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common import media
from connectors.core.inbox import Inbox
from connectors.core.late import DEFAULT_LAST_SEEN_MAX_ITEMS, DEFAULT_LAST_SEEN_TTL_SECONDS


@dataclass(frozen=True, kw_only=True)
class ChatSettings:
    """The part of a platform channel's settings every platform has: where attachments go and media come from,
    and how long (and, in the in-memory default store, for how many senders) it remembers where each user last
    wrote, for late messages."""

    inbox: Inbox = field(default_factory=Inbox.from_env)
    media_dir: Path = field(default_factory=media.media_dir)
    last_seen_ttl: float = DEFAULT_LAST_SEEN_TTL_SECONDS
    last_seen_max_items: int = DEFAULT_LAST_SEEN_MAX_ITEMS

    @staticmethod
    def files_from(env: Mapping[str, str]) -> dict[str, Any]:
        """``inbox`` and ``media_dir`` from the environment, for a subclass's ``from_credentials``."""
        return {"inbox": Inbox.from_env(env), "media_dir": media.media_dir(env)}


def setting(credentials: Mapping[str, Any] | None, key: str, default: str = "") -> str:
    value = (credentials or {}).get(key)
    text = "" if value is None else str(value).strip()
    return text or default


def flag(value: Any, *, default: bool) -> bool:
    if isinstance(value, bool):
        return value
    text = "" if value is None else str(value).strip().lower()
    if not text:
        return default
    return text in {"1", "true", "yes", "on"}


def id_list(value: Any) -> frozenset[str]:
    """Comma- or space-separated ids (``DISCORD_ALLOWED_CHANNELS``); empty means "no restriction"."""
    if isinstance(value, (list, tuple, set, frozenset)):
        return frozenset(str(v).strip() for v in value if str(v).strip())
    return frozenset(part for part in re.split(r"[\s,]+", str(value or "")) if part)


def number(raw: Any, *, name: str, unit: str, default: float, maximum: float = math.inf) -> float:
    """A positive number of ``unit`` no larger than ``maximum``; ``default`` when unset; a ValueError naming the
    setting for anything else, so a typo stops the server at start-up instead of surprising later."""
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a number of {unit}, not {raw!r}") from exc
    if not 0 < value <= maximum:  # also refuses nan
        limit = "positive" if maximum == math.inf else f"more than 0 and at most {maximum:g}"
        raise ValueError(f"{name} must be {limit}, not {raw!r}")
    return value
