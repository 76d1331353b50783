"""Pure formatting helpers for replies: percentages, durations, sizes, lists."""
from __future__ import annotations


def percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}%"


def duration(seconds: float) -> str:
    """Two largest units, e.g. '3 days 4 hours', '5 minutes', 'less than a minute'."""
    seconds = int(max(0, seconds))
    units = (("day", 86400), ("hour", 3600), ("minute", 60))
    parts = []
    for unit, size in units:
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count} {unit}{'s' if count != 1 else ''}")
    return " ".join(parts[:2]) if parts else "less than a minute"


def size(num_bytes: float) -> str:
    """Binary-prefixed size with one decimal: '0 B', '512 B', '1.5 KB', '2.3 GB'."""
    value = float(num_bytes)
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if abs(value) < 1024 or unit == "PB":
            return f"{int(value)} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def and_join(parts: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
