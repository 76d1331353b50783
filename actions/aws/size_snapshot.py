"""The snapshot: list a bucket and bring its object rows (and so its totals) in line with the listing, correcting
whatever lost or misread events left wrong - an object whose event never came, a removal without one, the storage
class a created event does not carry.

Rows and listing are walked together in key order, a page at a time (memory stays flat however big the bucket).
Each stretch of rows is read *before* the listing that covers it, and every correction is written on condition that
the row is unchanged since that read, so an event handled meanwhile is never overwritten by an older listing: its
row moved on, the correction is skipped, and the event's own write stands.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from actions.aws.size_store import MAX_TRANSACTION, RowConflict, SizeStore
from actions.aws.size_tables import RETENTION_SECONDS, ObjectRow, Totals, change

BATCH = 50  # corrected rows per transaction (DynamoDB allows 100 items, one of them the totals)


@dataclass(frozen=True)
class Listed:
    key: str
    size: int
    storage_class: str


@dataclass
class SnapshotStats:
    listed: int = 0
    corrected: int = 0
    skipped: int = 0  # rows an event changed while the snapshot ran (the event's write stands)


class Reconciler:
    def __init__(self, store: SizeStore, s3: Any, bucket: str, *, now: int, page_size: int) -> None:
        self.store = store
        self.s3 = s3
        self.bucket = bucket
        self.now = now
        self.page_size = page_size
        self.stats = SnapshotStats()
        self._pending: list[tuple[ObjectRow | None, ObjectRow]] = []

    def run(self) -> SnapshotStats:
        after = ""
        while True:
            rows, rows_done = self.store.rows(self.bucket, after, self.page_size)
            listed, listing_done = self._list(after)
            # Only keys up to the end of the shorter stream are settled in this round: beyond it, one side is not
            # read yet. The next round reads both again from there (rows first).
            bound: str | None = None
            if not rows_done and rows:
                bound = rows[-1].key
            if not listing_done and listed:
                bound = listed[-1].key if bound is None else min(bound, listed[-1].key)
            self._merge([r for r in rows if bound is None or r.key <= bound],
                        [o for o in listed if bound is None or o.key <= bound])
            if bound is None:
                break
            after = bound
        self._flush()
        return self.stats

    def _list(self, after: str) -> tuple[list[Listed], bool]:
        params: dict[str, Any] = {"Bucket": self.bucket, "MaxKeys": self.page_size}
        if after:
            params["StartAfter"] = after
        page = self.s3.list_objects_v2(**params)
        listed = [Listed(key=raw["Key"], size=int(raw.get("Size", 0)),
                         storage_class=raw.get("StorageClass") or "STANDARD") for raw in page.get("Contents", [])]
        return listed, not page.get("IsTruncated")

    def _merge(self, rows: list[ObjectRow], listed: list[Listed]) -> None:
        i = j = 0
        while i < len(rows) or j < len(listed):
            row = rows[i] if i < len(rows) else None
            obj = listed[j] if j < len(listed) else None
            if obj is not None and (row is None or obj.key < row.key):
                self._settle(None, obj)
                j += 1
            elif row is not None and (obj is None or row.key < obj.key):
                self._settle(row, None)
                i += 1
            else:
                self._settle(row, obj)
                i += 1
                j += 1

    def _settle(self, row: ObjectRow | None, obj: Listed | None) -> None:
        if obj is not None:
            self.stats.listed += 1
            if row is not None and not row.deleted and (row.size, row.storage_class) == (obj.size, obj.storage_class):
                return
            # A new row gets the lowest order: any event for the key is newer than the listing's knowledge of it.
            new = ObjectRow(key=obj.key, size=obj.size, storage_class=obj.storage_class,
                            order=row.order if row else "", rev=(row.rev + 1) if row else 1, at=self.now)
            self._queue(row, new)
        elif row is not None and not row.deleted:
            self._queue(row, ObjectRow(key=row.key, size=0, storage_class=row.storage_class, order=row.order,
                                       deleted=True, rev=row.rev + 1, at=self.now))
        elif row is not None and row.at < self.now - RETENTION_SECONDS:
            # No event for the key can still be queued: its tombstone has nothing left to guard against.
            self.store.drop_tombstone(self.bucket, row)

    def _queue(self, old: ObjectRow | None, new: ObjectRow) -> None:
        self._pending.append((old, new))
        if len(self._pending) >= min(BATCH, MAX_TRANSACTION - 1):
            self._flush()

    def _flush(self) -> None:
        pending, self._pending = self._pending, []
        if not pending:
            return
        try:
            self.store.apply(self.bucket, pending, _sum(pending))
            self.stats.corrected += len(pending)
            return
        except RowConflict:
            pass
        for old, new in pending:  # one row changed under us: settle the others one by one
            try:
                self.store.apply(self.bucket, [(old, new)], _sum([(old, new)]))
                self.stats.corrected += 1
            except RowConflict:
                self.stats.skipped += 1


def _sum(writes: list[tuple[ObjectRow | None, ObjectRow]]) -> Totals:
    total = Totals()
    for old, new in writes:
        delta = change(old, exists=not new.deleted, size=new.size, storage_class=new.storage_class)
        for name, (size, count) in delta.classes.items():
            total.add(name, size, count)
    return total
