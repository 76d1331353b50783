"""The streaming reader of store,item,count files: header rules, encodings, quoting, bad rows with their numbers,
and what makes a whole file unusable."""

from __future__ import annotations

import io

import pytest

from actions.aws.inventory import csv_rows
from actions.aws.inventory.csv_rows import BadRow, StockCsv, StockRow, header_positions
from actions.aws.inventory.errors import DeadLetter, UnparseableFile


def read(data: bytes, *, step: int | None = None, max_bad: int = 100) -> tuple[list[StockRow], StockCsv]:
    stream = io.BytesIO(data)
    reader = StockCsv((lambda n: stream.read(step)) if step else stream.read, max_bad=max_bad)
    return list(reader), reader


def test_plain_file() -> None:
    rows, reader = read(b"store,item,count\nBerlin,Echo Dot,5\nBerlin,Kindle,0\n")
    assert rows == [StockRow(row=2, store="Berlin", item="Echo Dot", count=5),
                    StockRow(row=3, store="Berlin", item="Kindle", count=0)]
    assert (reader.bad, reader.bad_total, reader.good) == ([], 0, 2)


@pytest.mark.parametrize("step", [None, 1, 2, 7])
def test_bom_crlf_and_any_chunking(step: int | None) -> None:
    data = "\ufeffstore,item,count\r\nMünchen,Café Crème,3\r\nBerlin,Echo,1".encode()
    rows, _ = read(data, step=step)
    assert rows == [StockRow(row=2, store="München", item="Café Crème", count=3),
                    StockRow(row=3, store="Berlin", item="Echo", count=1)]


def test_header_in_any_order_case_and_spacing_with_extra_columns() -> None:
    rows, _ = read(b" Count , SKU, ITEM ,Store\n7,x1,Echo Dot,Berlin\n")
    assert rows == [StockRow(row=2, store="Berlin", item="Echo Dot", count=7)]
    assert header_positions(["ITEM", " store", "count "]) == (1, 0, 2)


def test_quoted_fields_with_commas_quotes_and_newlines() -> None:
    data = (b'store,item,count\n'
            b'Berlin,"Echo Dot (5th Gen), Charcoal",4\n'
            b'Berlin,"The ""Big"" Box",2\n'
            b'"Paris\nNord","Two\nlines",1\n'
            b'Berlin,after,9\n')
    rows, reader = read(data)
    assert [(r.row, r.store, r.item, r.count) for r in rows] == [
        (2, "Berlin", "Echo Dot (5th Gen), Charcoal", 4), (3, "Berlin", 'The "Big" Box', 2),
        (4, "Paris Nord", "Two lines", 1), (5, "Berlin", "after", 9)]  # spaces and newlines in names collapse
    assert reader.bad == []


def test_bad_rows_are_reported_with_their_row_and_good_rows_still_come() -> None:
    data = (b"store,item,count\n"
            b"Berlin,Echo,5\n"
            b"Berlin,Kindle\n"  # 3: a column missing
            b"Berlin,,4\n"  # 4: no item
            b"Berlin,Fire,-2\n"  # 5
            b"Berlin,Show,2.5\n"  # 6
            b"Berlin,Stick,many\n"  # 7
            b"\n"  # a blank line is not a row
            b"Berlin,Caf\xe9,1\n"  # 8: Latin-1, not UTF-8
            b"Paris,Echo,3\n"
            b"Paris,Huge,10000000000000000\n"  # 10
            b"Paris," + b"x" * 513 + b",1\n")  # 11
    rows, reader = read(data)
    assert [(r.row, r.store, r.item, r.count) for r in rows] == [(2, "Berlin", "Echo", 5), (9, "Paris", "Echo", 3)]
    assert reader.bad == [
        BadRow(row=3, reason="missing column (expected at least 3, found 2)"),
        BadRow(row=4, reason="missing item"),
        BadRow(row=5, reason="negative count: -2"),
        BadRow(row=6, reason="count is not a whole number: '2.5'"),
        BadRow(row=7, reason="count is not a whole number: 'many'"),
        BadRow(row=8, reason="not UTF-8 (undecodable bytes)"),
        BadRow(row=10, reason="count too large: 10000000000000000"),
        BadRow(row=11, reason="item name longer than 512 bytes"),
    ]
    assert reader.bad_total == 8


def test_undecodable_bytes_inside_a_quoted_multiline_field_spoil_only_that_row() -> None:
    rows, reader = read(b'store,item,count\nA,"x\n\xff\xfe y",1\nA,ok,2\n')
    assert [r.item for r in rows] == ["ok"]
    assert reader.bad == [BadRow(row=2, reason="not UTF-8 (undecodable bytes)")]


def test_the_list_of_bad_rows_is_capped_and_the_rest_counted() -> None:
    data = b"store,item,count\n" + b"".join(b"A,x%d,-1\n" % n for n in range(50)) + b"A,y,1\n"
    rows, reader = read(data, max_bad=10)
    assert len(rows) == 1 and reader.bad_total == 50 and len(reader.bad) == 10
    assert reader.bad[-1].row == 11


def test_a_line_too_long_is_a_bad_row_not_held(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csv_rows, "MAX_LINE", 64)
    monkeypatch.setattr(csv_rows, "READ_SIZE", 16)
    rows, reader = read(b"store,item,count\nA," + b"x" * 500 + b",1\nA,b,2\n")
    assert [(r.row, r.item) for r in rows] == [(3, "b")]
    assert reader.bad == [BadRow(row=2, reason="line longer than 0 KiB")]


def test_a_quote_never_closed_is_a_bad_row() -> None:
    data = b'store,item,count\nA,"open,1\n' + b"y" * 140_000 + b"\nA,b,2\n"
    rows, reader = read(data)
    assert [(r.item, r.count) for r in rows] == [("b", 2)]
    assert reader.bad_total == 1 and "quoting" in reader.bad[0].reason


@pytest.mark.parametrize(("data", "reason"), [
    (b"", "the file is empty"),
    (b"\n\n", "the file is empty"),
    (b"Berlin,Echo Dot,5\nBerlin,Kindle,0\n", "missing store, item, count"),
    (b"store,product,count\nA,b,1\n", "missing item"),
    (b"store,item,count,Count\nA,b,1,2\n", "column count appears twice"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a text file"),
    ("store,item,count\n".encode("utf-16"), "UTF-16"),
    (b"st\xf6re,item,count\nA,b,1\n", "header is not UTF-8"),
])
def test_a_file_that_is_not_such_a_csv_raises(data: bytes, reason: str) -> None:
    with pytest.raises(UnparseableFile) as raised:
        read(data)
    assert reason in raised.value.reason
    assert isinstance(raised.value, DeadLetter) and raised.value.code == "inventory_unparseable"
