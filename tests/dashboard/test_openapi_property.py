"""Property-based: whatever route, period, credentials and Origin a client sends, the status is one the OpenAPI
document lists for that route and the body validates against that status's schema; and the status is the one the
rules give (foreign Origin 403, then no valid token or session 401, then a bad period 400, else 200)."""
from __future__ import annotations

from typing import Any

import pytest
import requests
from jsonschema import Draft202012Validator, FormatChecker

from actions.dashboard.openapi import ROUTES
from tests.dashboard.conftest import ALLOWED, TOKEN, Dashboard

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

COOKIE = "cb_dashboard_session"
AUTH = ["token", "wrong_token", "none", "session", "forged_session", "basic"]
ORIGINS = st.one_of(st.none(), st.sampled_from(["own", ALLOWED, "https://evil.example", "null"]),
                    st.from_regex(r"https?://[a-z]{1,12}\.[a-z]{2,3}(:[0-9]{2,5})?", fullmatch=True))
DAYS = st.one_of(st.none(), st.integers(min_value=-3, max_value=400).map(str),
                 st.text(alphabet="0123456789x.-", min_size=1, max_size=4))


@pytest.fixture(scope="module")
def document(dashboard: Dashboard) -> dict[str, Any]:
    body: dict[str, Any] = requests.get(f"{dashboard.url}/api/v1/openapi.json", timeout=30,
                                        headers={"Authorization": f"Bearer {TOKEN}"}).json()
    return body


@pytest.fixture(scope="module")
def session(dashboard: Dashboard) -> str:
    answer = requests.post(f"{dashboard.url}/login", data={"token": TOKEN}, timeout=30, allow_redirects=False)
    return str(answer.cookies[COOKIE])


def expected_status(route: str, auth: str, origin: str | None, days: str | None, own: str) -> int:
    if origin is not None and origin not in (own, ALLOWED):
        return 403
    if auth not in ("token", "session"):
        return 401
    if days is not None and ROUTES[route][2] is not None and not (days.isdigit() and 1 <= int(days) <= 365):
        return 400
    return 200


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(route=st.sampled_from(sorted(ROUTES)), auth=st.sampled_from(AUTH), origin=ORIGINS, days=DAYS)
def test_every_answer_is_documented_and_valid(dashboard: Dashboard, document: dict[str, Any], session: str,
                                              route: str, auth: str, origin: str | None, days: str | None) -> None:
    own = f"http://127.0.0.1:{dashboard.port}"
    origin = own if origin == "own" else origin
    headers: dict[str, str] = {}
    cookies: dict[str, str] = {}
    if auth == "token":
        headers["Authorization"] = f"Bearer {TOKEN}"
    elif auth == "wrong_token":
        headers["Authorization"] = f"Bearer {TOKEN[::-1]}"
    elif auth == "basic":
        headers["Authorization"] = f"Basic {TOKEN}"
    elif auth == "session":
        cookies[COOKIE] = session
    elif auth == "forged_session":
        cookies[COOKIE] = session[::-1]
    if origin is not None:
        headers["Origin"] = origin
    answer = requests.get(f"{dashboard.url}/api/v1/{route}", params={"days": days} if days is not None else None,
                          headers=headers, cookies=cookies, timeout=60)
    assert answer.status_code == expected_status(route, auth, origin, days, own), answer.text
    responses = document["paths"][f"/api/v1/{route}"]["get"]["responses"]
    assert str(answer.status_code) in responses
    schema = {**responses[str(answer.status_code)]["content"]["application/json"]["schema"],
              "components": document["components"]}
    errors = [error.message for error in
              Draft202012Validator(schema, format_checker=FormatChecker()).iter_errors(answer.json())]
    assert errors == []
