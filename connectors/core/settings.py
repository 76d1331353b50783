"""Reading connector settings as Rasa hands them over from credentials.yml (``${VAR}`` becomes a string, possibly
empty): plain values, flags, id lists and bounded numbers. Where files live comes from ``connectors.core.inbox``
(the inbox) and ``common.media`` (the media folder), each read in one place."""
from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any


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
