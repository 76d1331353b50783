"""Attacks on the dashboard process, over HTTP: no token, a wrong token, a foreign Origin or Host, a cookie no login
made, a token in the URL, writes, paths out of the static folder; it refuses to start without a real token and
listens only where it was told (loopback by default)."""
from __future__ import annotations

import socket
import subprocess

import pytest
import requests

from tests.dashboard.conftest import ALLOWED, TOKEN, Dashboard, StartDashboard

API = ["buckets", "usage", "trends", "cost", "forecasts", "recommendations", "alerts", "assistant", "openapi.json"]
PROTECTED = [f"/api/v1/{name}" for name in API] + ["/metrics"]
BEARER = {"Authorization": f"Bearer {TOKEN}"}
COOKIE = "cb_dashboard_session"


def get(dashboard: Dashboard, path: str, **kwargs: object) -> requests.Response:
    return requests.get(dashboard.url + path, timeout=30, allow_redirects=False, **kwargs)  # type: ignore[arg-type]


def login(dashboard: Dashboard, token: str = TOKEN, **headers: str) -> requests.Response:
    return requests.post(f"{dashboard.url}/login", data={"token": token}, headers=headers, timeout=30,
                         allow_redirects=False)


@pytest.mark.parametrize("path", PROTECTED)
def test_no_token_is_401_and_says_nothing_else(dashboard: Dashboard, path: str) -> None:
    answer = get(dashboard, path)
    assert answer.status_code == 401
    assert answer.json() == {"error": "unauthorized"}
    assert answer.headers["WWW-Authenticate"] == 'Bearer realm="cloudbutler-dashboard"'


@pytest.mark.parametrize("authorization", [
    f"Bearer {TOKEN[:-1]}x",  # one character off
    f"Bearer {TOKEN}x",  # longer
    f"Bearer {TOKEN[:8]}",  # a prefix
    "Bearer ",
    f"Basic {TOKEN}",  # another scheme
    TOKEN,  # no scheme
    f"bearer  {TOKEN} extra",
])
def test_wrong_token_is_401(dashboard: Dashboard, authorization: str) -> None:
    for path in ("/api/v1/buckets", "/metrics"):
        assert get(dashboard, path, headers={"Authorization": authorization}).status_code == 401


def test_token_in_the_url_is_not_accepted(dashboard: Dashboard) -> None:
    assert get(dashboard, f"/api/v1/buckets?token={TOKEN}").status_code == 401
    assert get(dashboard, f"/api/v1/buckets?access_token={TOKEN}").status_code == 401


def test_the_right_token_reads(dashboard: Dashboard) -> None:
    answer = get(dashboard, "/api/v1/buckets", headers=BEARER)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("application/json")
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.json()["buckets"], "the sandbox's demo buckets"


@pytest.mark.parametrize("origin", ["https://evil.example", "null", f"{ALLOWED}.evil.net", "http://127.0.0.1",
                                    "http://localhost:1"])
def test_foreign_origin_is_403_even_with_the_token(dashboard: Dashboard, origin: str) -> None:
    for path in ("/api/v1/buckets", "/metrics", "/dashboard", "/health"):
        answer = get(dashboard, path, headers={**BEARER, "Origin": origin})
        assert answer.status_code == 403, path
        assert answer.json() == {"error": "forbidden_origin"}
    # a login form posted from another site: refused before the token is even looked at, no cookie
    refused = login(dashboard, Origin=origin)
    assert refused.status_code == 403
    assert COOKIE not in refused.cookies


def test_own_and_listed_origins_are_allowed(dashboard: Dashboard) -> None:
    own = f"http://127.0.0.1:{dashboard.port}"
    assert get(dashboard, "/api/v1/buckets", headers={**BEARER, "Origin": own}).status_code == 200
    assert get(dashboard, "/api/v1/buckets", headers={**BEARER, "Origin": ALLOWED}).status_code == 200
    assert login(dashboard, Origin=own).status_code == 303


def test_a_foreign_host_header_is_refused(dashboard: Dashboard) -> None:
    """DNS rebinding: a page of evil.example whose name now points at 127.0.0.1 talks to us as evil.example."""
    answer = get(dashboard, "/api/v1/buckets", headers={**BEARER, "Host": f"evil.example:{dashboard.port}"})
    assert answer.status_code == 403
    assert answer.json() == {"error": "forbidden_host"}
    assert get(dashboard, "/health", headers={"Host": f"localhost:{dashboard.port}"}).status_code == 200


@pytest.mark.parametrize("cookie", ["x", "0" * 43, "admin", TOKEN])
def test_a_cookie_no_login_made_is_401(dashboard: Dashboard, cookie: str) -> None:
    jar = {COOKIE: cookie}
    assert get(dashboard, "/api/v1/buckets", cookies=jar).status_code == 401
    assert get(dashboard, "/metrics", cookies=jar).status_code == 401
    page = get(dashboard, "/dashboard", cookies=jar)
    assert (page.status_code, page.headers["Location"]) == (302, "/login")


def test_login_gives_a_strict_http_only_session_that_logout_ends(dashboard: Dashboard) -> None:
    wrong = login(dashboard, TOKEN[:-1] + "x")
    assert wrong.status_code == 401 and COOKIE not in wrong.cookies
    assert 'name="token"' in wrong.text
    answer = login(dashboard)
    assert (answer.status_code, answer.headers["Location"]) == (303, "/dashboard")
    header = answer.headers["Set-Cookie"]
    assert header.startswith(f"{COOKIE}=")
    attributes = {part.strip().lower() for part in header.split(";")[1:]}
    assert {"httponly", "samesite=strict", "path=/"} <= attributes
    session = str(answer.cookies[COOKIE])
    assert session != TOKEN and TOKEN not in header
    jar = {COOKIE: session}
    assert get(dashboard, "/api/v1/buckets", cookies=jar).status_code == 200
    page = get(dashboard, "/dashboard", cookies=jar)
    assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
    csp = page.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    # same-origin, not no-referrer: with no-referrer Chromium posts our own forms with "Origin: null" (refused)
    assert page.headers["Referrer-Policy"] == "same-origin"
    # a cookie does not open /metrics: scrapers use the token
    assert get(dashboard, "/metrics", cookies=jar).status_code == 401
    # the session with a foreign Origin: refused (no cross-site use of a logged-in browser)
    assert get(dashboard, "/api/v1/buckets", cookies=jar, headers={"Origin": "https://evil.example"}).status_code == 403
    out = requests.post(f"{dashboard.url}/logout", cookies=jar, timeout=30, allow_redirects=False)
    assert (out.status_code, out.headers["Location"]) == (303, "/login")
    assert get(dashboard, "/api/v1/buckets", cookies=jar).status_code == 401


def test_login_page_and_health_are_open(dashboard: Dashboard) -> None:
    form = get(dashboard, "/login")
    assert form.status_code == 200 and '<input type="password" name="token"' in form.text
    assert '<link rel="icon" href="/dashboard/static/icon.svg"' in form.text
    icon = get(dashboard, "/favicon.ico")
    assert (icon.status_code, icon.headers["Content-Type"]) == (200, "image/svg+xml")
    assert icon.content == get(dashboard, "/dashboard/static/icon.svg").content
    assert "frame-ancestors 'none'" in form.headers["Content-Security-Policy"]
    assert get(dashboard, "/health").json() == {"status": "ok"}
    assert get(dashboard, "/dashboard").headers["Location"] == "/login"


def test_read_only_api_refuses_writes(dashboard: Dashboard) -> None:
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        answer = requests.request(method, f"{dashboard.url}/api/v1/buckets", headers=BEARER, timeout=30)
        assert answer.status_code in (401, 405), method
        assert answer.status_code == 405 or method == "POST"


@pytest.mark.parametrize("path", ["/dashboard/static/../__main__.py", "/dashboard/static/%2e%2e/app.py",
                                  "/dashboard/static/..%2fapp.py", "/dashboard/static/.hidden",
                                  "/dashboard/static/sub/dashboard.css", "/dashboard/static/nothing.js"])
def test_static_serves_only_files_of_its_folder(dashboard: Dashboard, path: str) -> None:
    answer = requests.get(dashboard.url + path, timeout=30)
    # 401: a client that resolved the dots itself asked for /dashboard/__main__.py, which needs a token
    assert answer.status_code == (401 if path.startswith("/dashboard/static/../") else 404)
    assert "import" not in answer.text


def test_static_files_are_served(dashboard: Dashboard) -> None:
    answer = get(dashboard, "/dashboard/static/dashboard.css")
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/css")
    assert answer.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("token", [None, "", "short-token"])
def test_refuses_to_start_without_a_real_token(start_dashboard: StartDashboard, token: str | None) -> None:
    started = start_dashboard(expect_ready=False, CLOUDBUTLER_DASHBOARD_TOKEN=token)
    try:
        code = started.process.wait(timeout=120)
    except subprocess.TimeoutExpired:
        pytest.fail("the dashboard started without a token")
    output = (started.process.stdout.read() if started.process.stdout else "")
    assert code == 2
    assert "CLOUDBUTLER_DASHBOARD_TOKEN" in output
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", started.port)) != 0, "nothing listens"


def _lan_address() -> str:
    """An address of this machine that is not loopback (127.0.0.2 when it has none: Linux answers all of
    127/8, so a server bound to 127.0.0.1 alone refuses it all the same)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the outgoing interface
            address = str(probe.getsockname()[0])
        except OSError:
            address = ""
    return address if address and not address.startswith("127.") else "127.0.0.2"


def test_listens_on_loopback_only_by_default(dashboard: Dashboard) -> None:
    assert dashboard.url == f"http://127.0.0.1:{dashboard.port}"
    with socket.socket() as sock:
        sock.settimeout(5)
        assert sock.connect_ex((_lan_address(), dashboard.port)) != 0
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", dashboard.port)) == 0


def test_bound_beyond_loopback_it_answers_only_its_configured_names(start_dashboard: StartDashboard) -> None:
    """Listening on every interface (a deliberate setting) still answers only the names it was told are its own:
    reached by a LAN address it was not given, even the right token gets 403."""
    address = _lan_address()
    wide = start_dashboard(CLOUDBUTLER_DASHBOARD_HOST="0.0.0.0")
    url = f"http://{address}:{wide.port}/api/v1/buckets"
    answer = requests.get(url, headers=BEARER, timeout=30)
    assert (answer.status_code, answer.json()) == (403, {"error": "forbidden_host"})
    assert requests.get(f"http://127.0.0.1:{wide.port}/api/v1/buckets", headers=BEARER, timeout=30).status_code == 200
    named = start_dashboard(CLOUDBUTLER_DASHBOARD_HOST="0.0.0.0",
                            CLOUDBUTLER_DASHBOARD_URL=f"http://{address}:{{port}}/dashboard")
    own = f"http://{address}:{named.port}"
    assert requests.get(f"{own}/api/v1/buckets", headers=BEARER, timeout=30).status_code == 200
    assert requests.get(f"{own}/api/v1/buckets", timeout=30).status_code == 401  # the token still needed
    assert requests.get(f"{own}/api/v1/buckets", headers={**BEARER, "Origin": own}, timeout=30).status_code == 200


def test_a_listed_site_may_read_with_the_token_never_with_the_cookie(dashboard: Dashboard) -> None:
    url = f"{dashboard.url}/api/v1/cost"
    ask = {"Origin": ALLOWED, "Access-Control-Request-Method": "GET",
           "Access-Control-Request-Headers": "authorization"}
    preflight = requests.options(url, headers=ask, timeout=30)
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert preflight.headers["Access-Control-Allow-Headers"] == "Authorization"
    assert "Access-Control-Allow-Credentials" not in preflight.headers
    answer = requests.get(url, headers={**BEARER, "Origin": ALLOWED}, timeout=30)
    assert (answer.status_code, answer.headers["Access-Control-Allow-Origin"]) == (200, ALLOWED)
    assert "Access-Control-Allow-Credentials" not in answer.headers
    refused = requests.options(url, headers={**ask, "Origin": "https://evil.example"}, timeout=30)
    assert refused.status_code == 403 and "Access-Control-Allow-Origin" not in refused.headers
    own = requests.get(url, headers={**BEARER, "Origin": f"http://127.0.0.1:{dashboard.port}"}, timeout=30)
    assert "Access-Control-Allow-Origin" not in own.headers  # same origin: nothing to allow
