"""How the assistant is used over the last days, as the API's body: ``actions.analytics``' report made JSON-ready
(ISO strings for moments and days), with the fallback rate and containment it derives."""
from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from actions.analytics import UsageAnalytics, UsageReport, usage_report


def assistant(days: int, *, analytics: UsageAnalytics | None = None, url: str | None = None,
              now: dt.datetime | None = None) -> dict[str, Any]:
    """The last ``days`` days up to ``now``. ``analytics``: one kept by the caller (reads only new events)."""
    if days < 1:
        raise ValueError("days must be at least 1")
    end = now or dt.datetime.now(dt.UTC)
    return report_body(usage_report(end - dt.timedelta(days=days), end, analytics=analytics, url=url), days)


def report_body(report: UsageReport, days: int) -> dict[str, Any]:
    body: dict[str, Any] = _plain(dataclasses.asdict(report))
    body["fallback_rate"] = report.fallback_rate
    body["containment"] = report.containment
    body["days"] = days
    return body


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return value
