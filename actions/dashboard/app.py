"""The Sanic app: the guard in front (Host, then Origin, then the token or a login's session), the login and the
dashboard page with its static files; the API and the metrics are ``api.py``'s."""
from __future__ import annotations

import mimetypes
import re
from pathlib import Path

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions.dashboard.api import add_api, add_metrics, json_answer
from actions.dashboard.metrics import AuditTally
from actions.dashboard.pages import PAGE_HEADERS, login_page
from actions.dashboard.security import (
    COOKIE,
    SESSION_SECONDS,
    Sessions,
    bearer,
    host_allowed,
    origin_allowed,
    token_matches,
)
from actions.dashboard.settings import DashboardSettings
from actions.insights.overview import Overview

STATIC = Path(__file__).parent / "static"
STATIC_NAME = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]*$")
OPEN = {"/health", "/login", "/favicon.ico"}
MAX_BODY_BYTES = 4096  # a login form; nothing else is posted


def _unauthorized() -> HTTPResponse:
    return json_answer({"error": "unauthorized"}, 401, **{"WWW-Authenticate": 'Bearer realm="cloudbutler-dashboard"'})


def _cors(site: str) -> dict[str, str]:
    """A listed site may read the API with the token (never with our cookie: no Allow-Credentials)."""
    return {"Access-Control-Allow-Origin": site, "Vary": "Origin"}


class Access:
    """Who is asking: the token, a login's session, a listed other site."""

    def __init__(self, settings: DashboardSettings) -> None:
        self.settings = settings
        self.sessions = Sessions()
        self.own_origins, self.own_hosts = settings.own_origins, settings.own_hosts

    def logged_in(self, request: Request) -> bool:
        return self.sessions.valid(request.cookies.get(COOKIE))

    def has_token(self, request: Request) -> bool:
        return token_matches(self.settings.token, bearer(request))

    def listed_site(self, request: Request) -> str | None:
        """The Origin of a listed other site (CLOUDBUTLER_ALLOWED_ORIGINS) calling the API, else None."""
        origin = (request.headers.get("origin") or "").rstrip("/")
        return origin if origin in self.settings.allowed_origins and request.path.startswith("/api/v1/") else None

    def refusal(self, request: Request) -> HTTPResponse | None:
        """The answer to a request that may not go on, or None."""
        if not host_allowed(request.headers.get("host"), self.own_hosts):
            return json_answer({"error": "forbidden_host"}, 403)
        if not origin_allowed(request.headers.get("origin"), self.own_origins, self.settings.allowed_origins):
            return json_answer({"error": "forbidden_origin"}, 403)
        path = request.path
        if request.method == "OPTIONS":  # a listed site's browser asking before it sends the token
            site = self.listed_site(request)
            if site is None:
                return json_answer({"error": "forbidden_origin"}, 403)
            return response.empty(headers={**_cors(site), "Access-Control-Allow-Methods": "GET",
                                           "Access-Control-Allow-Headers": "Authorization",
                                           "Access-Control-Max-Age": "600"})
        if path in OPEN or path.startswith("/dashboard/static/") or path in ("/", "/dashboard", "/logout"):
            return None  # the page and logout look at the session themselves
        if path == "/metrics":
            return None if self.has_token(request) else _unauthorized()
        if self.has_token(request) or self.logged_in(request):
            return None
        return _unauthorized()


def create_app(settings: DashboardSettings, overview: Overview, *, audit: AuditTally,
               name: str = "cloudbutler_dashboard") -> Sanic:
    app = Sanic(name)
    app.config.REQUEST_MAX_SIZE = MAX_BODY_BYTES
    app.config.FALLBACK_ERROR_FORMAT = "json"
    access = Access(settings)

    @app.on_request
    async def guard(request: Request) -> HTTPResponse | None:
        return access.refusal(request)

    @app.on_response
    async def cors(request: Request, answer: HTTPResponse) -> None:
        site = access.listed_site(request)
        if site is not None and request.method != "OPTIONS":
            answer.headers.update(_cors(site))

    async def preflight(request: Request, rest: str) -> HTTPResponse:
        return json_answer({"error": "forbidden_origin"}, 403)  # the guard answers every allowed preflight

    app.add_route(preflight, "/api/v1/<rest:path>", methods=["OPTIONS"], name="api_preflight")

    @app.get("/health")
    async def health(request: Request) -> HTTPResponse:
        return json_answer({"status": "ok"})

    _add_login(app, access)
    _add_page(app, access)
    add_api(app, overview)
    add_metrics(app, overview, audit)
    return app


def _add_login(app: Sanic, access: Access) -> None:
    @app.get("/login")
    async def login_form(request: Request) -> HTTPResponse:
        return response.html(login_page(), headers=PAGE_HEADERS)

    @app.post("/login")
    async def login(request: Request) -> HTTPResponse:
        token = request.form.get("token") if request.form else None
        if not token_matches(access.settings.token, token):
            return response.html(login_page("That is not the dashboard token."), status=401, headers=PAGE_HEADERS)
        answer = response.redirect("/dashboard", status=303, headers=PAGE_HEADERS)
        answer.cookies[COOKIE] = access.sessions.create()
        cookie = answer.cookies[COOKIE]
        cookie["httponly"] = True
        cookie["samesite"] = "Strict"
        cookie["path"] = "/"
        cookie["max-age"] = SESSION_SECONDS
        if (access.settings.public_url or "").startswith("https://"):
            cookie["secure"] = True
        return answer

    @app.post("/logout")
    async def logout(request: Request) -> HTTPResponse:
        access.sessions.end(request.cookies.get(COOKIE))
        answer = response.redirect("/login", status=303, headers=PAGE_HEADERS)
        del answer.cookies[COOKIE]
        return answer


def _add_page(app: Sanic, access: Access) -> None:
    @app.get("/")
    async def root(request: Request) -> HTTPResponse:
        return response.redirect("/dashboard")

    @app.get("/dashboard")
    async def page(request: Request) -> HTTPResponse:
        if not access.logged_in(request):
            return response.redirect("/login", status=302, headers=PAGE_HEADERS)
        return await response.file(STATIC / "dashboard.html", headers=PAGE_HEADERS,
                                   mime_type="text/html; charset=utf-8")

    @app.get("/favicon.ico")
    async def favicon(request: Request) -> HTTPResponse:
        # browsers ask for it on every page, whatever the page links
        return await response.file(STATIC / "icon.svg", mime_type="image/svg+xml",
                                   headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "max-age=86400"})

    @app.get("/dashboard/static/<name:str>")
    async def static(request: Request, name: str) -> HTTPResponse:
        # only plain names of files in the folder itself: no dot-files, no separators, no escapes
        if not STATIC_NAME.match(name) or name not in {p.name for p in STATIC.iterdir() if p.is_file()}:
            return json_answer({"error": "not_found"}, 404)
        mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
        if mime.startswith("text/") or mime in ("application/javascript", "image/svg+xml"):
            mime += "; charset=utf-8"
        return await response.file(STATIC / name, mime_type=mime,
                                   headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"})
