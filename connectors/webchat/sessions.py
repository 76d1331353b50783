"""Web chat sessions the server issues: ``<id>.<signature>``, signed with ``CLOUDBUTLER_WEBCHAT_SECRET``.

The id names the conversation (``web:local:<id>``); the signature proves this server issued it, so no client can
invent an id - least of all another platform's (the alphabet has no ':'). Whoever holds a session speaks as it,
so it stays in the page's own storage and is never put in a URL the user shares.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

TOKEN_PATTERN = re.compile(r"([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{22})")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


class SessionSigner:
    def __init__(self, secret: str) -> None:
        if len(secret) < 16:
            raise ValueError("the web chat secret must be at least 16 characters long")
        self._key = secret.encode("utf-8")

    def _signature(self, session_id: str) -> str:
        return _b64(hmac.new(self._key, f"webchat-session:{session_id}".encode(), hashlib.sha256).digest())[:22]

    def issue(self) -> str:
        session_id = _b64(secrets.token_bytes(16))  # 22 characters, 128 random bits
        return f"{session_id}.{self._signature(session_id)}"

    def verify(self, token: object) -> str | None:
        """The session id of a token this server issued, else None."""
        if not isinstance(token, str):
            return None
        match = TOKEN_PATTERN.fullmatch(token)
        if not match or not hmac.compare_digest(match.group(2), self._signature(match.group(1))):
            return None
        return match.group(1)
