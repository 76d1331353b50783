"""What keeps concurrent loads exact and redeliveries cheap: a store's guard refuses a write whose read another
load overtook, a file loaded to the end is skipped when its event comes again, a file whose load broke off midway is
completed (each transition announced once), and rows of many small stores are packed into whole transactions."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from actions.aws.errors import CloudButlerError
from actions.aws.inventory import loader as loader_module
from actions.aws.inventory.loader import S3Object, _Held, parse_record
from actions.aws.inventory.store import MAX_TRANSACTION, Pending, RowConflict, Source, name_key
from tests.actions.aws.inventory.conftest import BUCKET, Inventory, later
from tests.actions.aws.inventory.test_loader import counts, csv


def source(minutes: int) -> Source:
    return S3Object(bucket=BUCKET, key=f"f{minutes}.csv", version="", etag=f"e{minutes}",
                    event_time=later(minutes).isoformat().replace("+00:00", "Z"), sequencer="").source()


def pending(store: str, item: str, count: int, src: Source, row: int = 2) -> Pending:
    return Pending(key=(name_key(store), name_key(item)), store=store, item=item, count=count,
                   order=f"{src.order}/{row:08d}")


def test_a_write_whose_read_another_load_overtook_is_refused_and_changes_nothing(inventory: Inventory) -> None:
    store, first, second = inventory.store, source(1), source(2)
    key = ("oslo", "echo")
    guards, read = store.guards(["oslo"]), store.read([key])  # the first load reads: nothing stored
    assert (guards, read) == ({"oslo": 0}, {})
    # the second load reads and writes in between
    transitions, moved = store.write([pending("Oslo", "Echo", 0, second)], store.read([key]), store.guards(["oslo"]),
                                     second, 100)
    assert [t.kind for t in transitions] == ["out"] and moved == {"oslo": 1} and store.guards(["oslo"]) == moved
    with pytest.raises(RowConflict):  # the first load's write would have announced the same run-out again
        store.write([pending("Oslo", "Echo", 0, first)], read, guards, first, 100)
    stock = store.get("oslo", "echo")
    assert stock is not None and stock.source_key == "f2.csv" and store.guards(["oslo"]) == {"oslo": 1}
    # read again after the guard, the first load finds a newer row: nothing to write
    assert store.read([key])[key]["order"]["S"] > pending("Oslo", "Echo", 0, first).order


def test_a_file_loaded_to_the_end_is_not_read_again(inventory: Inventory) -> None:
    rows = [("Berlin", f"Item {n}", n % 3) for n in range(150)] + [("Berlin", "Echo", 1), ("Berlin", "Kindle", -1)]
    record = inventory.put("berlin.csv", csv(rows))
    first = inventory.loader.handle([record]).files[0]
    assert (first.loaded, first.bad_rows, first.loaded_before) == (151, 1, False)
    inventory.alerts()
    inventory.s3.delete_object(Bucket=BUCKET, Key="berlin.csv")  # were it read again, it would be "gone"
    again = inventory.loader.handle([record]).files[0]
    assert (again.loaded, again.unchanged, again.bad_rows, again.transitions, again.skipped, again.loaded_before) == (
        0, 151, 1, 0, "", True)
    assert inventory.alerts() == []
    # the same content in a later event is another file: loaded (as new as it is, it wins)
    later_record = inventory.put("berlin.csv", csv(rows), at=later(5))
    assert later_record["s3"]["object"]["eTag"] == record["s3"]["object"]["eTag"]
    assert inventory.loader.handle([later_record]).files[0].loaded == 151
    assert inventory.store.stores() == ["berlin"] and inventory.store.store_names() == {"berlin": "Berlin"}


def test_a_load_broken_off_midway_is_completed_when_the_event_comes_again(inventory: Inventory,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [(store, f"Item {n:03d}", 0 if n % 10 == 4 else 5) for store in ("Oslo", "Rome", "Lima")
            for n in range(150)]
    record = inventory.put("big.csv", csv(rows))
    obj = parse_record(record)
    assert obj is not None
    real_write, calls = inventory.store.write, []

    def write(*args: Any) -> Any:
        calls.append(1)
        if len(calls) == 3:
            raise ClientError({"Error": {"Code": "InternalServerError", "Message": "down"}}, "TransactWriteItems")
        return real_write(*args)

    monkeypatch.setattr(inventory.store, "write", write)
    with pytest.raises(CloudButlerError):
        inventory.loader.handle([record])
    before = inventory.alerts()
    stored = sum(len(counts(inventory, store)) for store in ("oslo", "rome", "lima"))
    assert 0 < len(before) < 45 and 0 < stored < 450 and inventory.store.loaded(obj.source()) is None
    again = inventory.loader.handle([record]).files[0]
    assert (again.loaded, again.unchanged, again.loaded_before) == (450 - stored, stored, False)
    after = inventory.alerts()
    announced = sorted((a["body"]["store"], a["body"]["item"]) for a in before + after)
    assert announced == sorted((store, item) for store, item, count in rows if count == 0)  # each once
    assert inventory.store.loaded(obj.source()) is not None
    assert inventory.loader.handle([record]).files[0].loaded_before


def test_rows_of_many_small_stores_are_packed_into_whole_transactions(inventory: Inventory,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loader_module, "HELD_ROWS", 60)  # held rows are written once 60 are held
    rows = [(f"Store {n % 40:02d}", f"Item {n // 40}", 0 if n == 77 else n % 9 + 1) for n in range(400)]
    real_write, sizes = inventory.store.write, []

    def write(rows: list[Pending], *args: Any) -> Any:
        sizes.append((len(rows), len({row.key[0] for row in rows})))
        return real_write(rows, *args)

    monkeypatch.setattr(inventory.store, "write", write)
    result = inventory.loader.handle([inventory.put("many.csv", csv(rows))]).files[0]
    assert (result.loaded, result.transitions) == (400, 1)
    assert sum(rows for rows, _ in sizes) == 400 and max(rows + stores for rows, stores in sizes) <= MAX_TRANSACTION
    assert len(sizes) == 7  # each time 60 rows (of 40 stores) are held, one transaction of 100 items; the rest
    assert counts(inventory, "store 37") == {f"Item {n}": (n * 40 + 37) % 9 + 1 if n * 40 + 37 != 77 else 0
                                             for n in range(10)}
    assert len(inventory.store.stores()) == 40


def test_held_rows_go_out_by_store_or_packed_and_a_later_row_of_an_item_wins() -> None:
    src = source(0)
    held = _Held()
    assert held.add(pending("A", "x", 1, src, row=2)) is None
    assert held.add(pending("A", "x", 7, src, row=3)) is None and held.size == 1  # the later row replaces it
    full = None
    for n in range(loader_module.STORE_ROWS - 1):
        assert full is None
        full = held.add(pending("A", f"i{n}", 1, src))
    assert full is not None and len(full) == loader_module.STORE_ROWS and full[0].count == 7
    assert held.size == 0 and held.by_store == {}
    for store in range(30):
        for item in range(7):
            held.add(pending(f"S{store}", f"i{item}", 1, src))
    batches = list(held.packed())
    # 210 rows and 30 guards, and a guard more for each of the two stores split between transactions
    assert [len(b) + len({row.key[0] for row in b}) for b in batches] == [100, 100, 42]
    assert sorted(row.key for b in batches for row in b) == sorted(
        (f"s{store}", f"i{item}") for store in range(30) for item in range(7))
    assert held.size == 0 and list(held.packed()) == []


@pytest.mark.parametrize(("code", "reasons", "lost"), [
    ("TransactionCanceledException", ["None", "ConditionalCheckFailed"], True),
    ("TransactionCanceledException", ["TransactionConflict", "None"], True),
    ("TransactionConflictException", [], True),
    ("TransactionCanceledException", ["ValidationError", "None"], False),  # trying again would not mend it
    ("ProvisionedThroughputExceededException", [], False),
])
def test_only_a_lost_race_is_tried_again(code: str, reasons: list[str], lost: bool) -> None:
    from actions.aws.inventory.store import _lost_race

    error = ClientError({"Error": {"Code": code, "Message": "x"},
                         "CancellationReasons": [{"Code": reason} for reason in reasons]}, "TransactWriteItems")
    assert _lost_race(error) is lost
