"""The API's OpenAPI 3.1 document, written by hand beside the TypedDicts of ``actions.insights`` (the test checks
every route's bodies against it, so the two cannot drift apart silently)."""
from __future__ import annotations

from typing import Any

VERSION = "1.0.0"


def _object(properties: dict[str, Any], *, description: str | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties, "required": sorted(properties),
                              "additionalProperties": False}
    if description:
        schema["description"] = description
    return schema


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


INT = {"type": "integer", "minimum": 0}
SIGNED = {"type": "integer"}
USD = {"type": "number"}
TEXT = {"type": "string"}
NULLABLE_TEXT = {"type": ["string", "null"]}
RATE = {"type": ["number", "null"], "minimum": 0, "maximum": 1}
FIGURES = _object({"bytes": INT, "objects": INT})

SCHEMAS: dict[str, dict[str, Any]] = {
    "Error": _object({"error": TEXT, "detail": TEXT}) | {"required": ["error"]},
    "Buckets": _object({
        "total_bytes": INT, "total_objects": INT, "monthly_cost_usd": USD,
        "buckets": {"type": "array", "items": _object({
            "name": TEXT, "region": NULLABLE_TEXT, "bytes": INT, "objects": INT,
            "classes": {"type": "object", "additionalProperties": FIGURES,
                        "description": "storage class -> its bytes and objects"},
            "monthly_cost_usd": USD,
            "source": {"enum": ["tracked", "listing", "unreadable"]},
        })},
    }, description="Every bucket with its size per storage class and monthly storage cost (USD)."),
    "Usage": _object({
        "total_bytes": INT, "total_objects": INT, "monthly_cost_usd": USD,
        "classes": {"type": "object", "additionalProperties": _object({"bytes": INT, "objects": INT,
                                                                        "monthly_cost_usd": USD})},
    }, description="The account's storage summed per storage class."),
    "Trends": _object({
        "days": {"type": "integer", "minimum": 1, "maximum": 365},
        "buckets": {"type": "array", "items": _object({
            "name": TEXT, "start_bytes": INT, "end_bytes": INT, "change_bytes": SIGNED,
            "change_pct": {"type": ["number", "null"]},
            "series": {"type": "array", "items": {
                "type": "array", "prefixItems": [{"type": "string", "format": "date"}, INT],
                "minItems": 2, "maxItems": 2}},
        })},
    }, description="Size of each tracked bucket over the last days, one point per UTC day."),
    "Cost": _object({
        "monthly_now_usd": USD, "monthly_after_usd": USD,
        "recommendations": {"type": "array", "items": _object({
            "bucket": TEXT, "action": TEXT, "target_class": TEXT, "min_age_days": INT, "objects": INT, "bytes": INT,
            "monthly_saving_usd": USD, "one_time_cost_usd": USD,
        })},
        "not_analysed": {"type": "array", "items": TEXT},
    }, description="Monthly storage cost now and after the lifecycle recommendations."),
    "Forecasts": _object({
        "next_month_bytes": INT, "next_month_cost_usd": USD,
        "method": {"enum": ["linear_fit", "current_size"]},
        "fitted_buckets": INT, "history_days": INT,
    }, description="Storage and its monthly cost 30 days from now."),
    "Recommendations": _object({
        "instances": {"type": "array", "items": _object({
            "name": TEXT, "id": TEXT, "type": TEXT,
            "finding": {"enum": ["under-provisioned", "over-provisioned", "optimized"]},
            "recommended_type": TEXT, "monthly_change_usd": USD,
            "forecast_peak_cpu": {"type": ["number", "null"]},
        })},
        "not_sized": {"type": "array", "items": _object({"name": TEXT, "id": TEXT, "reason": TEXT})},
    }, description="Right-sizing of every running instance (negative monthly change: a saving)."),
    "Alerts": _object({
        "alarms": {"type": "array", "items": _object({
            "name": TEXT, "state": {"enum": ["ALARM", "INSUFFICIENT_DATA", "OK"]}, "metric": TEXT,
            "threshold": TEXT, "updated": {"type": ["string", "null"], "format": "date-time"},
        })},
        "out_of_stock": {"type": "array", "items": _object({
            "store": TEXT, "item": TEXT, "since": {"type": ["string", "null"], "format": "date-time"}})},
    }, description="Metric alarms (ALARM first) and items out of stock (longest out first)."),
    "Assistant": _object({
        "days": {"type": "integer", "minimum": 1, "maximum": 365},
        "start": {"type": "string", "format": "date-time"}, "end": {"type": "string", "format": "date-time"},
        "requests": INT, "people": INT, "fallbacks": INT, "failures": INT, "conversations": INT, "contained": INT,
        "fallback_rate": RATE, "containment": RATE,
        "by_skill": {"type": "array", "items": _object({"name": TEXT, "requests": INT})},
        "by_channel": {"type": "array", "items": _object({"name": TEXT, "requests": INT})},
        "by_day": {"type": "array", "items": _object({"day": {"type": "string", "format": "date"},
                                                        "requests": INT})},
        "confirmations": _object({"asked": INT, "accepted": INT, "declined": INT, "expired": INT,
                                  "superseded": INT}),
        "latency": {"type": "array", "items": _object({"action": TEXT, "runs": INT,
                                                         "p50": {"type": "number", "minimum": 0},
                                                         "p95": {"type": "number", "minimum": 0}})},
    }, description="How the assistant was used in the last days (see actions/analytics for each figure)."),
}

# route (under /api/v1) -> (schema, summary, takes ?days=, default days)
ROUTES: dict[str, tuple[str, str, int | None]] = {
    "buckets": ("Buckets", "Storage by bucket and class", None),
    "usage": ("Usage", "Storage by class, account-wide", None),
    "trends": ("Trends", "Bucket sizes over time", 30),
    "cost": ("Cost", "Storage cost now and after recommendations", None),
    "forecasts": ("Forecasts", "Next month's storage and cost", None),
    "recommendations": ("Recommendations", "Instance right-sizing", None),
    "alerts": ("Alerts", "Open alarms and stock alerts", None),
    "assistant": ("Assistant", "How the assistant is used", 7),
}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref("Error")}}}


def document() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for route, (schema, summary, days) in ROUTES.items():
        operation: dict[str, Any] = {
            "operationId": f"get_{route}", "summary": summary,
            "responses": {
                "200": {"description": summary, "content": {"application/json": {"schema": _ref(schema)}}},
                "401": _error("No valid token or session"),
                "403": _error("Another site's page (Origin) or another host name (Host)"),
                "503": _error("Not computed yet, or its source is unavailable"),
            },
        }
        if days is not None:
            operation["parameters"] = [{"name": "days", "in": "query", "required": False,
                                        "schema": {"type": "integer", "minimum": 1, "maximum": 365,
                                                   "default": days}}]
            operation["responses"]["400"] = _error("days out of range")
        paths[f"/api/v1/{route}"] = {"get": operation}
    paths["/api/v1/openapi.json"] = {"get": {"operationId": "get_openapi", "summary": "This document",
                                             "responses": {"200": {"description": "OpenAPI 3.1",
                                                                   "content": {"application/json": {}}},
                                                           "401": _error("No valid token or session")}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "CloudButler dashboard API", "version": VERSION,
                 "description": "Read-only figures of the AWS account and of the assistant's use."},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}, {"session": []}],
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer",
                           "description": "CLOUDBUTLER_DASHBOARD_TOKEN"},
                "session": {"type": "apiKey", "in": "cookie", "name": "cb_dashboard_session",
                            "description": "Set by POST /login (the dashboard page)"},
            },
        },
    }
