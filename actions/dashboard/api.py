"""The read-only JSON API (``/api/v1/...``) and ``/metrics``, over ``Overview``: every answer comes from memory,
except a period other than the defaults, built once in a thread and kept for a refresh interval."""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial
from typing import Any

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions.dashboard import metrics, openapi
from actions.insights.overview import MAX_DAYS, Overview, Unavailable

JSON_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
CACHED = ("buckets", "usage", "cost", "forecasts", "recommendations", "alerts")


def json_answer(body: Any, status: int = 200, **headers: str) -> HTTPResponse:
    return response.json(body, status=status, headers={**JSON_HEADERS, **headers})


async def _blocking(call: Callable[[], Any]) -> Any:
    return await asyncio.get_running_loop().run_in_executor(None, call)


async def _answer(call: Callable[[], Any]) -> HTTPResponse:
    try:
        return json_answer(await _blocking(call))
    except Unavailable as exc:
        error = "not_ready" if exc.code == "not_ready" else "unavailable"
        return json_answer({"error": error, "detail": exc.code}, 503)


def _days(request: Request, default: int) -> int | None:
    """``?days=``: 1 to MAX_DAYS, the default when absent, None when anything else."""
    raw = request.args.get("days")
    if raw is None:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_DAYS:
        return None
    return int(raw)


def add_api(app: Sanic, overview: Overview) -> None:
    def cached(route: str) -> Callable[[Request], Any]:
        async def handler(request: Request) -> HTTPResponse:
            return await _answer(partial(overview.get, route))
        return handler

    for route in CACHED:
        app.add_route(cached(route), f"/api/v1/{route}", methods=["GET"], name=f"api_{route}")

    def periodic(route: str, default: int, build: Callable[[int], Any]) -> Callable[[Request], Any]:
        async def handler(request: Request) -> HTTPResponse:
            days = _days(request, default)
            if days is None:
                return json_answer({"error": "bad_request", "detail": f"days must be 1 to {MAX_DAYS}"}, 400)
            return await _answer(partial(build, days))
        return handler

    app.add_route(periodic("trends", 30, overview.trends), "/api/v1/trends", methods=["GET"], name="api_trends")
    app.add_route(periodic("assistant", 7, overview.assistant), "/api/v1/assistant", methods=["GET"],
                  name="api_assistant")
    document = openapi.document()

    async def openapi_json(request: Request) -> HTTPResponse:
        return json_answer(document)

    app.add_route(openapi_json, "/api/v1/openapi.json", methods=["GET"], name="api_openapi")


def add_metrics(app: Sanic, overview: Overview, audit: metrics.AuditTally) -> None:
    def render() -> str:
        parts = overview.parts
        return metrics.render(
            counters=overview.counters(), audit_errors=audit.read(),
            queues=(parts["queues"].body or []) if "queues" in parts else [],
            storage=parts["usage"].body if "usage" in parts else None,
            alerts=parts["alerts"].body if "alerts" in parts else None,
            refresh_errors=dict(overview.refresh_errors), refreshes=overview.refreshes)

    async def scrape(request: Request) -> HTTPResponse:
        text = await _blocking(render)
        return response.text(text, content_type=metrics.CONTENT_TYPE, headers={"Cache-Control": "no-store"})

    app.add_route(scrape, "/metrics", methods=["GET"], name="metrics")
