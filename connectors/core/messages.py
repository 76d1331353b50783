"""The only words connectors say themselves, and the one limit every channel enforces before the model."""
from __future__ import annotations

# Discord's own limit; nothing CloudButler understands needs more, and the NLU model's memory grows with the square
# of a message's length (one 100 KB message once took the Rasa server from 1.3 GB to 13.7 GB).
MAX_MESSAGE_CHARS = 2000


def message_too_long(text: str) -> bool:
    """Checked by every channel before a message reaches the model."""
    return len(text) > MAX_MESSAGE_CHARS


class ConnectorMessages:
    """Everything else a user reads comes from the assistant."""

    TOO_LONG = (
        f"That message is too long for me (over {MAX_MESSAGE_CHARS:,} characters), so I didn't read it. "
        "Please send a shorter request - one task per message works best."
    )
    NOT_YOURS = "These buttons belong to someone else's request - ask me yourself to get your own."
    EXPIRED = "These buttons have expired - ask me again if you still want this."
    CHOSEN = "\u2714 {title}"
    TABLE_CUT = "\u2026 and {count} more rows (too long to show here)"
