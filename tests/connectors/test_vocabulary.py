"""The common response vocabulary degraded to plain text, for channels that show nothing else."""
from __future__ import annotations

from connectors.vocabulary import TableBlock, as_plain_text, table_as_text


def test_plain_text_degradation() -> None:
    assert as_plain_text({"text": "hi", "buttons": [{"title": "Yes", "payload": "/affirm"},
                                                     {"title": "No", "payload": "/deny"}]}) == "hi\n[Yes] / [No]"
    table = {"custom": {"table": {"title": "T", "columns": ["a", "bb"], "rows": [["1", "2"], ["333", "4"]]}}}
    assert as_plain_text(table) == "T\na    bb\n1    2\n333  4"
    fields = {"custom": {"fields": {"title": "S", "items": [{"label": "CPU", "value": "5%"}]}}, "image": "http://x/y.png"}
    assert as_plain_text(fields) == "S\nCPU: 5%\nhttp://x/y.png"


def test_a_table_with_totals_ends_with_a_ruled_totals_row() -> None:
    table: TableBlock = {"columns": ["Class", "Size"], "rows": [["STANDARD", "1 GB"], ["GLACIER", "20 GB"]],
                         "totals": ["Total", "21 GB"]}
    assert table_as_text(table) == "Class     Size\nSTANDARD  1 GB\nGLACIER   20 GB\n--------  -----\nTotal     21 GB"


def test_short_rows_do_not_break_the_text_table() -> None:
    assert table_as_text({"columns": ["a", "b"], "rows": [["1"], ["2", "3"]]}) == "a  b\n1\n2  3"
