"""The action server process (`python -m actions.endpoint`): rasa-sdk's app, bound to loopback, answering only the
Rasa server - every request but ``/health`` must carry the shared secret in ``X-CloudButler-Token``. The one other
door, when CLOUDBUTLER_SNS_HTTPS=1: ``POST /sns`` for SNS's HTTPS subscriptions, which carries no token but SNS's
signature, verified by ``actions.alerts.https`` before anything happens.

Why not ``python -m rasa_sdk``: it listens on 0.0.0.0 without authentication, so any page a browser opens (a
``text/plain`` POST needs no CORS preflight) or anyone on the LAN could run ``action_confirm`` with a forged tracker.
"""
from __future__ import annotations

import argparse
import asyncio
import hmac
import logging
import os
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING

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

if TYPE_CHECKING:
    from actions.alerts.https import SnsHttpsEndpoint


def token_matches(expected: str, presented: str | None) -> bool:
    """Constant-time comparison; an empty expected token matches nothing (the server refuses to start then)."""
    return bool(expected) and presented is not None and hmac.compare_digest(expected.encode(), presented.encode())


def guard(app: Sanic, token: str, *, signed_paths: frozenset[str] = frozenset()) -> None:
    """Refuse every request without the shared secret before rasa-sdk sees it: 401 and nothing runs.
    ``signed_paths``: POSTs that prove themselves otherwise (SNS's signature), checked by their own handler."""

    @app.on_request
    async def authenticate(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS and request.method in ("GET", "HEAD"):
            return None
        if request.path in signed_paths and request.method == "POST":
            return None
        if not token_matches(token, request.headers.get(TOKEN_HEADER)):
            return response.json({"error": "unauthorized", "message": "This server answers only the Rasa server."},
                                 status=401)
        if request.method == "POST" and request.headers.get("content-type", "").split(";")[0].strip() != (
            "application/json"
        ):
            return response.json({"error": "bad_content_type", "message": "Send application/json."}, status=415)
        return None


def create_app(token: str, *, on_start: list[StartHook] | None = None, sns: SnsHttpsEndpoint | None = None) -> Sanic:
    from rasa_sdk.endpoint import create_app as sdk_app

    # No CORS headers at all: no browser page has any business here.
    app = sdk_app("actions", cors_origins="")
    app.config.REQUEST_MAX_SIZE = MAX_BODY_BYTES
    signed: frozenset[str] = frozenset()
    if sns is not None:
        from actions.alerts.https import PATH

        mount_sns(app, sns)
        signed = frozenset({PATH})
    guard(app, token, signed_paths=signed)
    for hook in on_start or []:
        app.register_listener(_listener(hook), "after_server_start")
    return app


def mount_sns(app: Sanic, endpoint: SnsHttpsEndpoint) -> None:
    """``POST /sns``: verification, the confirmation GET and the queueing block, so they run in a thread."""
    from actions.alerts.https import PATH

    async def sns(request: Request) -> HTTPResponse:
        loop = asyncio.get_running_loop()
        answer = await loop.run_in_executor(None, endpoint.handle, bytes(request.body or b""), request.headers)
        return response.json(answer.body, status=answer.status)

    app.add_route(sns, PATH, methods=["POST"], name="sns_https")


def _listener(hook: StartHook) -> Callable[[Sanic, object], Awaitable[None]]:
    async def run(app: Sanic, _loop: object) -> None:
        await hook(app)

    return run


def start_hooks() -> list[StartHook]:
    """Work the action server does once it listens (recovering changes a crash interrupted, warming the
    forecasting and the charts up)."""
    hooks: list[StartHook] = []
    try:
        from actions.recovery import on_start as recovery_on_start
        from actions.skills.capacity.outlook import on_start as forecasting_on_start
        from actions.skills.trends.charts import on_start as charts_on_start
    except ImportError:  # recovery is optional for tools that import this module
        return hooks
    hooks += [recovery_on_start, forecasting_on_start, charts_on_start]
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
    from actions.alerts import https

    try:
        sns = https.from_env(env)
    except ValueError as exc:
        print(f"actions.endpoint: {exc}", flush=True)
        return 2
    app = create_app(token, on_start=start_hooks(), sns=sns)
    if sns is not None:
        logger.info("SNS HTTPS subscriptions on POST %s (signature-verified; expose only this path)", https.PATH)
    logger.info("action server on http://%s:%s (Rasa server only)", args.host, args.port)
    app.run(host=args.host, port=args.port, workers=1, access_log=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
