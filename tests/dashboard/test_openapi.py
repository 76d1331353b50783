"""Every API route answers, with the sandbox's data, bodies that validate against the OpenAPI document the server
itself publishes; the document's schemas are complete (every object closed, every property required)."""
from __future__ import annotations

import time
from typing import Any

import pytest
import requests
from jsonschema import Draft202012Validator, FormatChecker

from actions.dashboard.openapi import ROUTES
from tests.dashboard.conftest import TOKEN, Dashboard, StartDashboard

BEARER = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def document(dashboard: Dashboard) -> dict[str, Any]:
    answer = requests.get(f"{dashboard.url}/api/v1/openapi.json", headers=BEARER, timeout=30)
    assert answer.status_code == 200
    body: dict[str, Any] = answer.json()
    return body


def validator(document: dict[str, Any], path: str, status: str) -> Draft202012Validator:
    content = document["paths"][path]["get"]["responses"][status]["content"]["application/json"]
    schema = {**content["schema"], "components": document["components"]}
    return Draft202012Validator(schema, format_checker=FormatChecker())


def _objects(schema: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(schema, dict):
        if schema.get("type") == "object" and "properties" in schema:
            found.append(schema)
        for value in schema.values():
            found += _objects(value)
    elif isinstance(schema, list):
        for value in schema:
            found += _objects(value)
    return found


def test_the_document_is_openapi_3_1_with_every_route(document: dict[str, Any]) -> None:
    assert document["openapi"] == "3.1.0"
    assert set(document["paths"]) == {f"/api/v1/{route}" for route in ROUTES} | {"/api/v1/openapi.json"}
    Draft202012Validator.check_schema({"$defs": document["components"]["schemas"]})
    for name, schema in document["components"]["schemas"].items():
        for obj in _objects(schema):
            assert obj["additionalProperties"] is False, name
            assert set(obj["required"]) == set(obj["properties"]) or name == "Error", name


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_each_route_answers_what_the_document_says(dashboard: Dashboard, document: dict[str, Any],
                                                   route: str) -> None:
    answer = requests.get(f"{dashboard.url}/api/v1/{route}", headers=BEARER, timeout=60)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator(document, f"/api/v1/{route}",
                                                                          "200").iter_errors(body)]
    assert errors == []


def test_the_sandbox_data_is_in_every_part(dashboard: Dashboard) -> None:
    def get(route: str) -> Any:
        return requests.get(f"{dashboard.url}/api/v1/{route}", headers=BEARER, timeout=60).json()

    buckets = get("buckets")
    assert buckets["total_bytes"] > 0 and len(buckets["buckets"]) >= 3
    assert {b["source"] for b in buckets["buckets"]} >= {"tracked"}
    assert get("usage")["classes"]
    trends = get("trends")
    assert trends["days"] == 30 and trends["buckets"] and all(len(b["series"]) >= 2 for b in trends["buckets"])
    cost = get("cost")
    assert cost["monthly_now_usd"] > 0 and cost["monthly_after_usd"] <= cost["monthly_now_usd"]
    forecast = get("forecasts")
    assert forecast["method"] == "linear_fit" and forecast["next_month_bytes"] > 0
    fleet = get("recommendations")
    assert fleet["instances"], fleet
    assert get("alerts")["out_of_stock"], "the sandbox's inventory has items at 0"
    usage = get("assistant")
    assert usage["requests"] > 0 and {c["name"] for c in usage["by_channel"]} >= {"slack", "discord"}


@pytest.mark.parametrize("days", ["0", "366", "-1", "seven", "1.5", "7 "])
def test_days_out_of_range_is_400_as_documented(dashboard: Dashboard, document: dict[str, Any], days: str) -> None:
    for route in ("trends", "assistant"):
        answer = requests.get(f"{dashboard.url}/api/v1/{route}", params={"days": days}, headers=BEARER, timeout=30)
        assert answer.status_code == 400
        assert list(validator(document, f"/api/v1/{route}", "400").iter_errors(answer.json())) == []


def test_other_periods_are_built_on_demand(dashboard: Dashboard) -> None:
    week = requests.get(f"{dashboard.url}/api/v1/trends", params={"days": 7}, headers=BEARER, timeout=60).json()
    assert week["days"] == 7 and all(len(b["series"]) <= 8 for b in week["buckets"])
    one = requests.get(f"{dashboard.url}/api/v1/assistant", params={"days": 365}, headers=BEARER, timeout=60).json()
    assert one["days"] == 365 and one["requests"] > 0


def test_ready_before_the_slow_parts_they_answer_503_until_built(start_dashboard: StartDashboard) -> None:
    quick = start_dashboard(CLOUDBUTLER_DASHBOARD_FIRST_WAIT="0")
    assert requests.get(f"{quick.url}/api/v1/buckets", headers=BEARER, timeout=30).status_code == 200
    deadline = time.monotonic() + 120
    while True:
        answer = requests.get(f"{quick.url}/api/v1/recommendations", headers=BEARER, timeout=30)
        if answer.status_code == 200:
            break
        assert answer.status_code == 503 and answer.json() == {"error": "not_ready", "detail": "not_ready"}
        assert time.monotonic() < deadline, "right-sizing never arrived"
        time.sleep(0.2)
    assert answer.json()["instances"]
