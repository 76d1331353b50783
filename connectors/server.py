"""The Rasa server process (`python -m connectors.server`): Rasa's app with its channels, behind our front door.

What ``rasa run`` would do, plus: the API token comes from the environment (``RASA_AUTH_TOKEN``, never the command
line, where ``ps`` shows it), CORS and the Origin check allow only ``CLOUDBUTLER_ALLOWED_ORIGINS`` and the web
chat's own origin, and every request passes ``connectors.guard`` first.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Mapping
from functools import partial

MIN_TOKEN_LENGTH = 16


def build_app(
    *, host: str, port: int, model: str, endpoints_file: str, credentials: str, env: Mapping[str, str]
) -> object:
    from rasa.core.run import close_resources, configure_app, create_http_input_channels, load_agent_on_start
    from rasa.core.utils import AvailableEndpoints

    from connectors import guard

    token = env.get("RASA_AUTH_TOKEN", "")
    if len(token) < MIN_TOKEN_LENGTH:
        raise SystemExit(f"connectors.server: RASA_AUTH_TOKEN must be at least {MIN_TOKEN_LENGTH} characters")
    policy = guard.OriginPolicy.from_env(env, host=host, port=port)
    endpoints = AvailableEndpoints.read_endpoints(endpoints_file)
    channels = create_http_input_channels(None, credentials)
    app = configure_app(
        channels, cors=policy.cors_origins(), auth_token=token, enable_api=True, endpoints=endpoints, port=port,
    )
    guard.install(app, policy)
    app.register_listener(partial(load_agent_on_start, model, endpoints, None), "before_server_start")
    app.register_listener(close_resources, "after_server_stop")
    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m connectors.server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5005)
    parser.add_argument("--model", default="models")
    parser.add_argument("--endpoints", default="endpoints.yml")
    parser.add_argument("--credentials", default="credentials.yml")
    args = parser.parse_args(argv)

    from rasa.utils.common import configure_logging_and_warnings, update_sanic_log_level

    configure_logging_and_warnings(logging.INFO)
    update_sanic_log_level()
    app = build_app(host=args.host, port=args.port, model=args.model, endpoints_file=args.endpoints,
                    credentials=args.credentials, env=os.environ)
    logging.getLogger(__name__).info("Rasa server on http://%s:%s", args.host, args.port)
    app.run(host=args.host, port=args.port, workers=1, access_log=False)  # type: ignore[attr-defined]
    return 0


if __name__ == "__main__":
    sys.exit(main())
