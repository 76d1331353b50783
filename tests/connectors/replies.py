"""Replies in the common vocabulary that the render tests of both platforms draw on: a chart in the media folder
(``media_dir``), yes/no buttons, a fields block of any size."""
from __future__ import annotations

from connectors.vocabulary import Button, FieldsBlock

CHART = "http://localhost:5005/webhooks/webchat/media/chart.png"
YES_NO: list[Button] = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]


def many_fields(count: int) -> FieldsBlock:
    return {"title": "Many", "items": [{"label": f"k{i}", "value": f"v{i}"} for i in range(count)]}
