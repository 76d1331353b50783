"""The action server process (`python -m actions.endpoint`): rasa-sdk's app, bound to loopback, answering only the
Rasa server - every request but ``/health`` must carry the shared secret in ``X-CloudButler-Token``.

Why not ``python -m rasa_sdk``: it listens on 0.0.0.0 without authentication, so any page a browser opens (a
``text/plain`` POST needs no CORS preflight) or anyone on the LAN could run ``action_confirm`` with a forged tracker.
"""
from __future__ import annotations

import argparse
import hmac
import logging
import os
from collections.abc import Awaitable, Callable, Mapping

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

TOKEN_HEADER = "X-CloudButler-Token"
TOKEN_VARIABLE = "CLOUDBUTLER_ACTIONS_TOKEN"
# Trackers of long conversations are large, but nothing legitimate comes near this.
MAX_BODY_BYTES = 8 * 1024 * 1024
OPEN_PATHS = frozenset({"/health"})

logger = logging.getLogger(__name__)

StartHook = Callable[[Sanic], Awaitable[None]]


def token_matches(expected: str, presented: str | None) -> bool:
    """Constant-time comparison; an empty expected token matches nothing (the server refuses to start then)."""
    return bool(expected) and presented is not None and hmac.compare_digest(expected.encode(), presented.encode())


def guard(app: Sanic, token: str) -> None:
    """Refuse every request without the shared secret before rasa-sdk sees it: 401 and nothing runs."""

    @app.on_request
    async def authenticate(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS and request.method in ("GET", "HEAD"):
            return None
        if not token_matches(token, request.headers.get(TOKEN_HEADER)):
            return response.json({"error": "unauthorized", "message": "This server answers only the Rasa server."},
                                 status=401)
        if request.method == "POST" and request.headers.get("content-type", "").split(";")[0].strip() != (
            "application/json"
        ):
            return response.json({"error": "bad_content_type", "message": "Send application/json."}, status=415)
        return None


def create_app(token: str, *, on_start: list[StartHook] | None = None) -> Sanic:
    from rasa_sdk.endpoint import create_app as sdk_app

    # No CORS headers at all: no browser page has any business here.
    app = sdk_app("actions", cors_origins="")
    app.config.REQUEST_MAX_SIZE = MAX_BODY_BYTES
    guard(app, token)
    for hook in on_start or []:
        app.register_listener(_listener(hook), "after_server_start")
    return app


def _listener(hook: StartHook) -> Callable[[Sanic, object], Awaitable[None]]:
    async def run(app: Sanic, _loop: object) -> None:
        await hook(app)

    return run


def start_hooks() -> list[StartHook]:
    """Work the action server does once it listens (recovering changes a crash interrupted, warming the
    forecasting up)."""
    hooks: list[StartHook] = []
    try:
        from actions.recovery import on_start as recovery_on_start
        from actions.skills.capacity.outlook import on_start as forecasting_on_start
    except ImportError:  # recovery is optional for tools that import this module
        return hooks
    hooks += [recovery_on_start, forecasting_on_start]
    return hooks


def main(argv: list[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    env = os.environ if environ is None else environ
    parser = argparse.ArgumentParser(prog="python -m actions.endpoint")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5055)
    args = parser.parse_args(argv)
    token = env.get(TOKEN_VARIABLE, "")
    if len(token) < 16:
        print(f"actions.endpoint: {TOKEN_VARIABLE} must hold a secret of at least 16 characters", flush=True)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    app = create_app(token, on_start=start_hooks())
    logger.info("action server on http://%s:%s (Rasa server only)", args.host, args.port)
    app.run(host=args.host, port=args.port, workers=1, access_log=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
