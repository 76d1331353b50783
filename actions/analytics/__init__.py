"""How the assistant is used, from the conversations Rasa keeps in its SQL tracker store (SQLite or PostgreSQL):
requests per skill, channel and day, fallback rate, containment, confirmation outcomes and action time.

``source`` reads the events table in id ranges (the database extracts what is needed from each event's JSON);
``store`` folds them into facts kept in DuckDB, from a cursor, so each call reads only new events; ``report``
computes the figures of a period (``usage_report``) and totals for Prometheus (``UsageAnalytics.counters``).
Nothing here knows chat wording; it imports only ``actions.core`` (the failure replies and the question lifetime).
"""
from __future__ import annotations

from actions.analytics.report import (
    Confirmations,
    Day,
    Latency,
    LatencyHistogram,
    RequestTotal,
    Share,
    UsageAnalytics,
    UsageCounters,
    UsageReport,
    tracker_url,
    usage_report,
)

__all__ = [
    "Confirmations", "Day", "Latency", "LatencyHistogram", "RequestTotal", "Share", "UsageAnalytics", "UsageCounters",
    "UsageReport", "tracker_url", "usage_report",
]
