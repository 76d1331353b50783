"""What the dashboard, the API and the usage skill show, as plain JSON-ready dicts: storage by bucket and class, size
trends, cost now and after the recommendations, next month's projection, right-sizing, alarms and stock alerts, and
how the assistant is used. A service layer over ``actions.aws``, ``actions.rightsizing`` and ``actions.analytics``:
no Rasa, no chat wording. Every builder takes a source of boto3 clients (``actions.aws.clients.ClientFactory``) and
blocks (run it in a thread); ``Overview`` keeps the latest of each, refreshed in the background.
"""
from __future__ import annotations

from actions.insights.costs import cost
from actions.insights.shapes import Clients
from actions.insights.sizes import projection, storage, trends

__all__ = ["Clients", "cost", "projection", "storage", "trends"]
