"""The Rasa server's front door: which Origins may drive it, how long a message may be, and the checks every request
passes before any channel or API route sees it.

A browser attaches ``Origin`` to every cross-site POST, also to "simple" ``text/plain`` ones that skip the CORS
preflight, so refusing unknown Origins on state-changing methods stops pages on other sites from using the
assistant through a visitor's browser. Servers (Slack, scripts) send no Origin and authenticate by other means.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors.core.messages import MAX_MESSAGE_CHARS

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Rasa API routes that run NLU on a text from the body.
_TEXT_ROUTES = (re.compile(r"^/model/parse$"), re.compile(r"^/conversations/[^/]+/messages$"))
MAX_API_BODY_BYTES = 64 * 1024

REFUSALS = {
    "foreign_origin": "Requests from this origin are not allowed. Add it to CLOUDBUTLER_ALLOWED_ORIGINS to allow it.",
    "bad_json": "The request body must be a JSON object.",
    "bad_text": "'text' must be a string.",
    "too_long": f"The message is longer than {MAX_MESSAGE_CHARS} characters.",
    "too_large": "The request body is too large.",
}


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of a URL, lower-cased; None for anything that is not http(s)."""
    try:
        parts = urlsplit(url.strip())
        explicit = parts.port
    except ValueError:  # "http://host:5005.evil.io" - a port that is not one
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    default = {"http": 80, "https": 443}[parts.scheme]
    port = f":{explicit}" if explicit and explicit != default else ""
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}{port}"


@dataclass(frozen=True)
class OriginPolicy:
    """The Origins allowed to drive the assistant from a browser: the web chat's own, plus configured ones."""

    allowed: frozenset[str]

    @classmethod
    def from_env(cls, env: Mapping[str, str], *, host: str, port: int) -> OriginPolicy:
        """``CLOUDBUTLER_ALLOWED_ORIGINS`` (comma-separated) adds to the web chat's own origin(s): the address it
        is served at, ``localhost`` for a loopback server, and ``CLOUDBUTLER_PUBLIC_URL``."""
        own = [f"http://{host}:{port}"]
        if host in ("127.0.0.1", "localhost", "::1"):
            own += [f"http://127.0.0.1:{port}", f"http://localhost:{port}"]
        return cls(_origins(own) | listed_origins(env))

    def allows(self, origin: str | None) -> bool:
        """No Origin header (a server, curl) is allowed - those authenticate otherwise; "null" never is."""
        if origin is None:
            return True
        return origin_of(origin) in self.allowed if origin != "null" else False

    def cors_origins(self) -> list[str]:
        return sorted(self.allowed)


def listed_origins(env: Mapping[str, str]) -> frozenset[str]:
    """The origins the operator lists: ``CLOUDBUTLER_ALLOWED_ORIGINS`` and ``CLOUDBUTLER_PUBLIC_URL`` (the web chat
    lets these frame it, too)."""
    listed = re.split(r"[\s,]+", env.get("CLOUDBUTLER_ALLOWED_ORIGINS") or "")
    return _origins([env.get("CLOUDBUTLER_PUBLIC_URL") or "", *listed])


def _origins(candidates: Iterable[str]) -> frozenset[str]:
    return frozenset(o for o in (origin_of(c) for c in candidates if c) if o)


def check_request(request: Request, policy: OriginPolicy) -> HTTPResponse | None:
    """A refusal for a request no route should see, else None."""
    if request.method not in SAFE_METHODS:
        if not policy.allows(request.headers.get("origin")):
            return refuse("foreign_origin", 403)
        # Fetch metadata: a browser says a request is cross-site even when it hides the Origin.
        if request.headers.get("sec-fetch-site") == "cross-site" and request.headers.get("origin") is None:
            return refuse("foreign_origin", 403)
    if request.method == "POST" and any(route.match(request.path) for route in _TEXT_ROUTES):
        return _check_text_body(request)
    return None


def _check_text_body(request: Request) -> HTTPResponse | None:
    if len(request.body or b"") > MAX_API_BODY_BYTES:
        return refuse("too_large", 413)
    try:
        body = json.loads(request.body or b"")
    except (ValueError, RecursionError):
        return refuse("bad_json", 400)
    if not isinstance(body, dict):
        return refuse("bad_json", 400)
    text = body.get("text")
    if not isinstance(text, str):
        return refuse("bad_text", 400)
    if len(text) > MAX_MESSAGE_CHARS:
        return refuse("too_long", 413)
    return None


def refuse(code: str, status: int) -> HTTPResponse:
    return response.json({"error": code, "message": REFUSALS[code]}, status=status)


def install(app: Sanic, policy: OriginPolicy) -> None:
    """Every request passes ``check_request`` first."""

    @app.on_request
    async def front_door(request: Request) -> HTTPResponse | None:
        return check_request(request, policy)
