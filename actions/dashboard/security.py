"""Who may read: the bearer token (API and metrics), or a session cookie made by a login (page and API); requests
from other sites' pages (Origin) or addressed to other host names (Host) are refused before anything else."""
from __future__ import annotations

import hmac
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable

from sanic.request import Request

COOKIE = "cb_dashboard_session"
SESSION_SECONDS = 12 * 3600
MAX_SESSIONS = 1000


def token_matches(expected: str, presented: str | None) -> bool:
    """Constant-time; an empty expected token matches nothing."""
    return bool(expected) and presented is not None and hmac.compare_digest(expected.encode(), presented.encode())


def bearer(request: Request) -> str | None:
    """The token of ``Authorization: Bearer <token>`` (exactly one space, nothing after), else None."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value or " " in value:
        return None
    return value


class Sessions:
    """Session ids a login made (random, 256 bits), kept in this process only: a restart logs everyone out."""

    def __init__(self, *, lifetime: float = SESSION_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self.lifetime = lifetime
        self.clock = clock
        self._expiry: OrderedDict[str, float] = OrderedDict()

    def create(self) -> str:
        session = secrets.token_urlsafe(32)
        self._expiry[session] = self.clock() + self.lifetime
        while len(self._expiry) > MAX_SESSIONS:
            self._expiry.popitem(last=False)
        return session

    def valid(self, session: str | None) -> bool:
        # a dict lookup: the ids are 256 random bits, nothing to learn from its timing
        expiry = self._expiry.get(session or "")
        if expiry is None:
            return False
        if expiry <= self.clock():
            del self._expiry[session or ""]
            return False
        return True

    def end(self, session: str | None) -> None:
        if session:
            self._expiry.pop(session, None)


def origin_allowed(origin: str | None, own: frozenset[str], allowed: tuple[str, ...]) -> bool:
    """No Origin (a same-origin GET, curl, Prometheus) or one of ours or the listed ones; "null" never."""
    if origin is None:
        return True
    origin = origin.strip().rstrip("/")
    return origin in own or origin in allowed


def host_allowed(host: str | None, own: frozenset[str]) -> bool:
    return host is not None and host.strip().lower() in own
