"""The common response vocabulary degraded to plain text, for channels that show nothing else."""
from __future__ import annotations

from connectors.vocabulary import as_plain_text


def test_plain_text_degradation() -> None:
    assert as_plain_text({"text": "hi", "buttons": [{"title": "Yes", "payload": "/affirm"},
                                                     {"title": "No", "payload": "/deny"}]}) == "hi\n[Yes] / [No]"
    table = {"custom": {"table": {"title": "T", "columns": ["a", "bb"], "rows": [["1", "2"], ["333", "4"]]}}}
    assert as_plain_text(table) == "T\na    bb\n1    2 \n333  4 "
    fields = {"custom": {"fields": {"title": "S", "items": [{"label": "CPU", "value": "5%"}]}}, "image": "http://x/y.png"}
    assert as_plain_text(fields) == "S\nCPU: 5%\nhttp://x/y.png"
