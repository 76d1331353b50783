"""A large file is streamed: the loader's memory does not grow with the file. Measured with tracemalloc around
the loader alone - the file comes from a body that makes its bytes as they are read and the table is a stand-in
that keeps nothing (moto runs in this process, and what its table holds is the database's memory, not ours)."""

from __future__ import annotations

import tracemalloc
from typing import Any

from actions.aws.inventory import csv_rows
from actions.aws.inventory.loader import InventoryLoader, S3Object
from actions.aws.inventory.store import Pending, Source


class GeneratedBody:
    """``read(n)`` over a CSV of ``rows`` rows made on the fly (1 in 100 at 0)."""

    def __init__(self, rows: int) -> None:
        self._lines = (f'Store {n % 7},"Item {n:07d}, size ""L""",{0 if n % 100 == 5 else n % 50 + 1}\r\n'.encode()
                       for n in range(rows))
        self._buffer = "\ufeffstore,item,count\r\n".encode()
        self.size = 0

    def read(self, size: int) -> bytes:
        while len(self._buffer) < size:
            line = next(self._lines, None)
            if line is None:
                break
            self._buffer += line
        out, self._buffer = self._buffer[:size], self._buffer[size:]
        self.size += len(out)
        return out

    def close(self) -> None:
        pass


class GeneratedS3:
    def __init__(self, rows: int) -> None:
        self.rows = rows
        self.body: GeneratedBody | None = None

    def get_object(self, **_: Any) -> dict[str, Any]:
        self.body = GeneratedBody(self.rows)
        return {"Body": self.body}


class NullStore:
    """Takes every write, keeps nothing; counts them."""

    table = "null"

    def __init__(self) -> None:
        self.written = 0

    def loaded(self, source: Source) -> None:
        return None

    def mark_loaded(self, source: Source, mark: Any) -> None:
        pass

    def guards(self, store_keys: Any) -> dict[str, int]:
        return {key: 0 for key in store_keys}

    def read(self, keys: list[Any]) -> dict[Any, Any]:
        return {}

    def write(self, rows: list[Pending], read: Any, guards: Any, source: Source, now: int
              ) -> tuple[list[Any], dict[str, int]]:
        self.written += len(rows)
        return [], {row.key[0]: 1 for row in rows}


class NullAlerts:
    def publish_transitions(self, transitions: list[Any]) -> int:
        return len(transitions)

    def publish_bad_rows(self, *args: Any) -> None:
        pass


def peak_of_load(rows: int) -> tuple[int, int, int]:
    """(peak bytes traced during the load, rows written, bytes of the file)."""
    s3, store = GeneratedS3(rows), NullStore()
    loader = InventoryLoader(s3=s3, store=store, alerts=NullAlerts())  # type: ignore[arg-type]
    obj = S3Object(bucket="b", key="big.csv", version="", etag="e", event_time="2026-12-01T09:00:00.000Z",
                   sequencer="")
    tracemalloc.start()
    try:
        result = loader.load(obj)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.loaded == rows and result.bad_rows == 0
    assert s3.body is not None
    return peak, store.written, s3.body.size


def test_a_50000_row_file_is_loaded_in_bounded_memory() -> None:
    small_peak, _, small_size = peak_of_load(20_000)
    peak, written, size = peak_of_load(50_000)
    assert written == 50_000 and size > 1_900_000 and small_size > 2 * csv_rows.READ_SIZE
    # About three reads' worth of bytes (a read, the line it ends in, a copy) and the rows held until a store's fill
    # a transaction (7 stores here: some 700 rows): well under the file, let alone its 50,000 parsed rows - and the
    # same for 20,000 rows.
    assert peak < 1_200_000
    assert peak - small_peak < 100_000
