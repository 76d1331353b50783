"""A streaming reader of ``store,item,count`` files: rows come out one at a time as the bytes arrive (an S3 body is
read in chunks, never whole), bad rows are collected with their row number and reason, and a file that is not such
a CSV at all raises ``UnparseableFile`` so its message is dead-lettered.

Bytes are split into lines before decoding ('\\n' never occurs inside a UTF-8 sequence), so undecodable bytes spoil
only the row they are in; Python's csv module then joins lines into rows (quoted commas, quotes and newlines).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from actions.aws.inventory.errors import UnparseableFile

COLUMNS = ("store", "item", "count")
READ_SIZE = 256 * 1024  # bytes asked of the body at a time
MAX_LINE = 64 * 1024  # a longer line is a bad row, skipped without being held
MAX_COUNT = 10**15  # a count beyond is a typo, not stock
MAX_NAME_BYTES = 512  # store and item names are DynamoDB keys (at most 2048 and 1024 bytes)
MAX_BAD = 100  # bad rows kept with their reason; the rest are only counted
SNIFF = 4096  # leading bytes in which a NUL means the file is not text
BOM = b"\xef\xbb\xbf"
_INTEGER = re.compile(r"[+-]?\d+")
_PLACEHOLDER = "\x00\n"  # stands for a line not kept: a row (not a blank line), bad by its flag

Read = Callable[[int], bytes]


@dataclass(frozen=True)
class StockRow:
    row: int  # as a spreadsheet numbers it: the header is row 1
    store: str
    item: str
    count: int


@dataclass(frozen=True)
class BadRow:
    row: int
    reason: str


class StockCsv:
    """Iterate for the good rows; ``bad`` (the first ``max_bad``) and ``bad_total`` hold the others afterwards.
    ``read`` is a ``read(n)`` callable, e.g. an S3 ``StreamingBody``'s."""

    def __init__(self, read: Read, *, max_bad: int = MAX_BAD) -> None:
        self._read = read
        self.max_bad = max_bad
        self.bad: list[BadRow] = []
        self.bad_total = 0
        self.good = 0
        self._flags: dict[int, str] = {}  # physical line number -> why its bytes are unusable

    def __iter__(self) -> Iterator[StockRow]:
        reader = csv.reader(self._lines(), strict=False)
        positions = self._header(reader)
        width = max(positions) + 1
        row = 1
        last_line = reader.line_num
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error:
                row += 1
                self._bad(row, "malformed quoting (a field never closed)")
                last_line = reader.line_num
                continue
            first, last_line = last_line + 1, reader.line_num
            if not any(field.strip() for field in fields):
                continue  # blank line: not a row
            row += 1
            flag = self._flag(first, last_line)
            if flag:
                self._bad(row, flag)
                continue
            parsed = parse_row(row, fields, positions, width)
            if isinstance(parsed, BadRow):
                self._bad(row, parsed.reason)
            else:
                self.good += 1
                yield parsed

    def _header(self, reader: Iterator[list[str]]) -> tuple[int, int, int]:
        for fields in reader:
            if not any(field.strip() for field in fields):
                continue
            if self._flags:
                raise UnparseableFile("the header is not UTF-8 text")
            return header_positions(fields)
        raise UnparseableFile("the file is empty")

    def _flag(self, first: int, last: int) -> str:
        reason = ""
        for number in [n for n in self._flags if n <= last]:
            found = self._flags.pop(number)
            if number >= first and not reason:
                reason = found
        return reason

    def _bad(self, row: int, reason: str) -> None:
        self.bad_total += 1
        if len(self.bad) < self.max_bad:
            self.bad.append(BadRow(row=row, reason=reason))

    def _lines(self) -> Iterator[str]:
        number = 0
        pending = b""
        skipping = False  # inside a line too long to keep
        first = True
        while True:
            chunk = self._read(READ_SIZE)
            if not chunk:
                break
            if first:
                chunk = _sniffed(chunk, self._read)
                first = False
            pending += chunk
            start = 0
            while (end := pending.find(b"\n", start)) >= 0:
                number += 1
                if skipping:
                    skipping = False
                    yield _PLACEHOLDER
                else:
                    yield self._decode(number, pending[start:end + 1])
                start = end + 1
            pending = pending[start:]
            if len(pending) > MAX_LINE:
                if not skipping:
                    self._flags[number + 1] = f"line longer than {MAX_LINE // 1024} KiB"
                skipping, pending = True, b""
        if pending and not skipping:
            yield self._decode(number + 1, pending)
        elif skipping:
            yield _PLACEHOLDER

    def _decode(self, number: int, line: bytes) -> str:
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            self._flags[number] = "not UTF-8 (undecodable bytes)"
            return line.decode("utf-8", errors="replace")
        if "\x00" in text:
            self._flags[number] = "not text (NUL byte)"
        return text


def _sniffed(chunk: bytes, read: Read) -> bytes:
    """The first chunk without its BOM; raises UnparseableFile for what is clearly not UTF-8 text."""
    while 0 < len(chunk) < len(BOM):  # a body may hand out fewer bytes than asked
        more = read(READ_SIZE)
        if not more:
            break
        chunk += more
    if chunk.startswith(BOM):
        chunk = chunk[len(BOM):]
    if chunk.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnparseableFile("UTF-16 text: save the file as UTF-8")
    if b"\x00" in chunk[:SNIFF]:
        raise UnparseableFile("not a text file")
    return chunk


def normalized_column(name: str) -> str:
    return " ".join(name.replace("\ufeff", "").split()).casefold()


def header_positions(fields: list[str]) -> tuple[int, int, int]:
    """Where store, item and count are in a header (any order, any case, spaces around ignored)."""
    names = [normalized_column(field) for field in fields]
    missing = [column for column in COLUMNS if column not in names]
    if missing:
        shown = ", ".join(field.strip() for field in fields)[:120]
        raise UnparseableFile(f"no header with store, item and count (missing {', '.join(missing)}; "
                              f"first row: {shown})")
    repeated = [column for column in COLUMNS if names.count(column) > 1]
    if repeated:
        raise UnparseableFile(f"column {repeated[0]} appears twice in the header")
    store, item, count = (names.index(column) for column in COLUMNS)
    return store, item, count


def parse_row(row: int, fields: list[str], positions: tuple[int, int, int], width: int) -> StockRow | BadRow:
    if len(fields) < width:
        return BadRow(row=row, reason=f"missing column (expected at least {width}, found {len(fields)})")
    store, item, count = (fields[position].strip() for position in positions)
    for name, value in (("store", store), ("item", item), ("count", count)):
        if not value:
            return BadRow(row=row, reason=f"missing {name}")
    if not _INTEGER.fullmatch(count):
        return BadRow(row=row, reason=f"count is not a whole number: {count[:40]!r}")
    number = int(count)
    if number < 0:
        return BadRow(row=row, reason=f"negative count: {number}")
    if number > MAX_COUNT:
        return BadRow(row=row, reason=f"count too large: {count[:40]}")
    store, item = " ".join(store.split()), " ".join(item.split())
    for name, value in (("store", store), ("item", item)):
        if len(value.encode("utf-8")) > MAX_NAME_BYTES:
            return BadRow(row=row, reason=f"{name} name longer than {MAX_NAME_BYTES} bytes")
    return StockRow(row=row, store=store, item=item, count=number)
