"""Text cut to a platform's limits: split into pieces at line breaks, or clipped with an ellipsis."""
from __future__ import annotations


def split_text(text: str, limit: int) -> list[str]:
    """Split ``text`` into pieces of at most ``limit`` characters, cutting at line breaks; a single line
    longer than ``limit`` is cut at its last space that fits, else hard. Whitespace-only pieces are dropped."""
    if limit < 1:
        raise ValueError("limit must be positive")
    pieces: list[str] = []
    current: str | None = None
    for line in text.split("\n"):
        for part in _cut_line(line, limit):
            candidate = part if current is None else f"{current}\n{part}"
            if len(candidate) <= limit:
                current = candidate
            else:
                pieces.append(current or "")
                current = part
    if current is not None:
        pieces.append(current)
    return [piece for piece in pieces if piece.strip()]


def _cut_line(line: str, limit: int) -> list[str]:
    parts: list[str] = []
    while len(line) > limit:
        cut = line.rfind(" ", 1, limit + 1)
        cut = cut if cut > 0 else limit
        parts.append(line[:cut])
        line = line[cut:].lstrip(" ")
    parts.append(line)
    return parts


def clip(text: str, limit: int) -> str:
    """``text`` if it fits in ``limit`` characters, else its start and an ellipsis (for titles, labels, fields)."""
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"
