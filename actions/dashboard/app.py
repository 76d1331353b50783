"""The Sanic app: the guard in front (Host, Origin, then token or session), the JSON API over ``Overview``, the
metrics, the login and the dashboard page with its static files."""
from __future__ import annotations

import asyncio
import mimetypes
import re
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions.dashboard import metrics, openapi
from actions.dashboard.pages import PAGE_HEADERS, login_page
from actions.dashboard.security import COOKIE, SESSION_SECONDS, Sessions, bearer, host_allowed, origin_allowed, token_matches
from actions.dashboard.settings import DashboardSettings
from actions.insights.overview import MAX_DAYS, Overview, Unavailable

STATIC = Path(__file__).parent / "static"
STATIC_NAME = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]*$")
OPEN = {"/health", "/login"}
JSON_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
MAX_BODY_BYTES = 4096  # a login form; nothing else is posted


def _json(body: Any, status: int = 200, **headers: str) -> HTTPResponse:
    return response.json(body, status=status, headers={**JSON_HEADERS, **headers})


def _unauthorized() -> HTTPResponse:
    return _json({"error": "unauthorized"}, 401, **{"WWW-Authenticate": 'Bearer realm="cloudbutler-dashboard"'})


def _cors(site: str) -> dict[str, str]:
    """A listed site may read the API with the token (never with our cookie: no Allow-Credentials)."""
    return {"Access-Control-Allow-Origin": site, "Vary": "Origin"}


def create_app(settings: DashboardSettings, overview: Overview, *, audit: metrics.AuditTally,
               name: str = "cloudbutler_dashboard") -> Sanic:
    app = Sanic(name)
    app.config.REQUEST_MAX_SIZE = MAX_BODY_BYTES
    app.config.FALLBACK_ERROR_FORMAT = "json"
    sessions = Sessions()
    own_origins, own_hosts = settings.own_origins, settings.own_hosts

    def logged_in(request: Request) -> bool:
        return sessions.valid(request.cookies.get(COOKIE))

    def has_token(request: Request) -> bool:
        return token_matches(settings.token, bearer(request))

    def listed_site(request: Request) -> str | None:
        """The Origin of a listed other site (CLOUDBUTLER_ALLOWED_ORIGINS) calling the API, else None."""
        origin = (request.headers.get("origin") or "").rstrip("/")
        return origin if origin in settings.allowed_origins and request.path.startswith("/api/v1/") else None

    @app.on_request
    async def guard(request: Request) -> HTTPResponse | None:
        if not host_allowed(request.headers.get("host"), own_hosts):
            return _json({"error": "forbidden_host"}, 403)
        if not origin_allowed(request.headers.get("origin"), own_origins, settings.allowed_origins):
            return _json({"error": "forbidden_origin"}, 403)
        path = request.path
        if request.method == "OPTIONS":  # a listed site's browser asking before it sends the token
            site = listed_site(request)
            if site is None:
                return _json({"error": "forbidden_origin"}, 403)
            return response.empty(headers={**_cors(site), "Access-Control-Allow-Methods": "GET",
                                           "Access-Control-Allow-Headers": "Authorization",
                                           "Access-Control-Max-Age": "600"})
        if path in OPEN or path.startswith("/dashboard/static/") or path in ("/", "/dashboard", "/logout"):
            return None  # the page and logout look at the session themselves
        if path == "/metrics":
            return None if has_token(request) else _unauthorized()
        if has_token(request) or logged_in(request):
            return None
        return _unauthorized()

    @app.on_response
    async def cors(request: Request, answer: HTTPResponse) -> None:
        site = listed_site(request)
        if site is not None and request.method != "OPTIONS":
            answer.headers.update(_cors(site))

    async def preflight(request: Request, rest: str) -> HTTPResponse:
        return _json({"error": "forbidden_origin"}, 403)  # the guard answers every allowed preflight

    app.add_route(preflight, "/api/v1/<rest:path>", methods=["OPTIONS"], name="api_preflight")

    # --- open -------------------------------------------------------------------------------------------------

    @app.get("/health")
    async def health(request: Request) -> HTTPResponse:
        return _json({"status": "ok"})

    @app.get("/login")
    async def login_form(request: Request) -> HTTPResponse:
        return response.html(login_page(), headers=PAGE_HEADERS)

    @app.post("/login")
    async def login(request: Request) -> HTTPResponse:
        token = request.form.get("token") if request.form else None
        if not token_matches(settings.token, token):
            return response.html(login_page("That is not the dashboard token."), status=401, headers=PAGE_HEADERS)
        answer = response.redirect("/dashboard", status=303, headers=PAGE_HEADERS)
        answer.cookies[COOKIE] = sessions.create()
        cookie = answer.cookies[COOKIE]
        cookie["httponly"] = True
        cookie["samesite"] = "Strict"
        cookie["path"] = "/"
        cookie["max-age"] = SESSION_SECONDS
        if (settings.public_url or "").startswith("https://"):
            cookie["secure"] = True
        return answer

    @app.post("/logout")
    async def logout(request: Request) -> HTTPResponse:
        sessions.end(request.cookies.get(COOKIE))
        answer = response.redirect("/login", status=303, headers=PAGE_HEADERS)
        del answer.cookies[COOKIE]
        return answer

    # --- the page ---------------------------------------------------------------------------------------------

    @app.get("/")
    async def root(request: Request) -> HTTPResponse:
        return response.redirect("/dashboard")

    @app.get("/dashboard")
    async def page(request: Request) -> HTTPResponse:
        if not logged_in(request):
            return response.redirect("/login", status=302, headers=PAGE_HEADERS)
        return await response.file(STATIC / "dashboard.html", headers=PAGE_HEADERS,
                                   mime_type="text/html; charset=utf-8")

    @app.get("/dashboard/static/<name:str>")
    async def static(request: Request, name: str) -> HTTPResponse:
        # only plain names of files in the folder itself: no dot-files, no separators, no escapes
        if not STATIC_NAME.match(name) or name not in {p.name for p in STATIC.iterdir() if p.is_file()}:
            return _json({"error": "not_found"}, 404)
        mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
        if mime.startswith("text/") or mime in ("application/javascript", "image/svg+xml"):
            mime += "; charset=utf-8"
        return await response.file(STATIC / name, mime_type=mime,
                                   headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"})

    # --- the API ----------------------------------------------------------------------------------------------

    async def blocking(call: Callable[[], Any]) -> Any:
        return await asyncio.get_running_loop().run_in_executor(None, call)

    def days_of(request: Request, default: int) -> int | None:
        raw = request.args.get("days")
        if raw is None:
            return default
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_DAYS:
            return None
        return int(raw)

    async def answer(call: Callable[[], Any]) -> HTTPResponse:
        try:
            return _json(await blocking(call))
        except Unavailable as exc:
            error = "not_ready" if exc.code == "not_ready" else "unavailable"
            return _json({"error": error, "detail": exc.code}, 503)

    def cached(route: str) -> Callable[[Request], Any]:
        async def handler(request: Request) -> HTTPResponse:
            return await answer(partial(overview.get, route))
        return handler

    for route in ("buckets", "usage", "cost", "forecasts", "recommendations", "alerts"):
        app.add_route(cached(route), f"/api/v1/{route}", methods=["GET"], name=f"api_{route}")

    @app.get("/api/v1/trends")
    async def trends(request: Request) -> HTTPResponse:
        days = days_of(request, 30)
        if days is None:
            return _json({"error": "bad_request", "detail": f"days must be 1 to {MAX_DAYS}"}, 400)
        return await answer(partial(overview.trends, days))

    @app.get("/api/v1/assistant")
    async def assistant(request: Request) -> HTTPResponse:
        days = days_of(request, 7)
        if days is None:
            return _json({"error": "bad_request", "detail": f"days must be 1 to {MAX_DAYS}"}, 400)
        return await answer(partial(overview.assistant, days))

    document = openapi.document()

    @app.get("/api/v1/openapi.json")
    async def openapi_json(request: Request) -> HTTPResponse:
        return _json(document)

    # --- metrics ----------------------------------------------------------------------------------------------

    @app.get("/metrics")
    async def scrape(request: Request) -> HTTPResponse:
        def render() -> str:
            parts = overview.parts
            return metrics.render(
                counters=overview.counters(), audit_errors=audit.read(),
                queues=(parts["queues"].body or []) if "queues" in parts else [],
                storage=parts["usage"].body if "usage" in parts else None,
                alerts=parts["alerts"].body if "alerts" in parts else None,
                refresh_errors=dict(overview.refresh_errors), refreshes=overview.refreshes)

        text = await blocking(render)
        return response.text(text, content_type=metrics.CONTENT_TYPE, headers={"Cache-Control": "no-store"})

    return app
