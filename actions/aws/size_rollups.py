"""Hourly roll-ups of closed days, so a long trend reads one small item a day instead of every sample.

A day's samples are final once it is over: the tracker writes a sample at the moment it stores a change, never
into the past (the CloudWatch backfill, which does, runs before tracking starts, and a new start of tracking drops
the roll-ups). So once a UTC day is ``SETTLE`` seconds over, its roll-up - the last sample of each hour of it, in
one JSON attribute - stands for its samples in any chart whose points are an hour or longer apart, and for its
daily change (its last sample is its last hour's).

Roll-ups live in the samples table under the partition ``<bucket>#hours`` (``#`` is never in a bucket name), sort
key the day's UTC midnight; a day without samples gets an empty one, so "rolled up" and "had nothing" are told
apart. The tracker process rolls up every closed day after the last one rolled up (``catch_up``); a reader uses
what it finds and reads the samples of any day without one (``storage_trend``).
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from actions.aws.size_store import QUERY_PAGE, SizeStore, totals_of, write_all
from actions.aws.size_tables import as_int, number

DAY = 86400
HOUR = 3600
SETTLE = 600  # a day is closed this long after its end (a sample written at 23:59:59 has landed by then)
PARTITION_SUFFIX = "#hours"
MAX_DAYS_PER_TURN = 400  # days one ``catch_up`` rolls up; the next turn goes on

Level = tuple[int, int, int, dict[str, tuple[int, int]]]  # ts, bytes, objects, class -> (bytes, objects)


@dataclass(frozen=True)
class DayRollup:
    day: int  # the UTC midnight that starts it
    levels: tuple[Level, ...]  # the last sample of each hour (h, h + 1 h] that has one, ascending


def partition(bucket: str) -> str:
    return bucket + PARTITION_SUFFIX


def day_of(ts: int) -> int:
    """The day a sample at ``ts`` counts in: days run from just after midnight to midnight inclusive, as the
    daily changes of ``storage_trend`` count them."""
    return (ts - 1) // DAY * DAY


def last_closed_day(now: int) -> int:
    """The latest day whose samples are final at ``now``."""
    return (now - SETTLE) // DAY * DAY - DAY


def hourly(levels: Iterable[Level]) -> list[Level]:
    """The last of each hour (h, h + 1 h] of ascending levels."""
    kept: list[Level] = []
    for level in levels:
        if kept and (kept[-1][0] - 1) // HOUR == (level[0] - 1) // HOUR:
            kept[-1] = level
        else:
            kept.append(level)
    return kept


def encode(levels: Iterable[Level]) -> str:
    return json.dumps([[ts, size, count, {k: list(v) for k, v in classes.items()}]
                       for ts, size, count, classes in levels], separators=(",", ":"))


def decode(text: str) -> tuple[Level, ...]:
    return tuple((int(ts), int(size), int(count), {str(k): (int(v[0]), int(v[1])) for k, v in classes.items()})
                 for ts, size, count, classes in json.loads(text))


class Rollups:
    """Roll-ups of one size store (its samples table)."""

    def __init__(self, store: SizeStore) -> None:
        self.store = store
        self.dynamodb = store.dynamodb

    def days(self, bucket: str, first: int, last: int) -> Iterator[DayRollup]:
        """The roll-ups of days ``first``..``last`` (UTC midnights) that exist, ascending, a page at a time."""
        pages = self.dynamodb.get_paginator("query").paginate(
            TableName=self.store.samples, KeyConditionExpression="#b = :b AND #ts BETWEEN :lo AND :hi",
            ExpressionAttributeNames={"#b": "bucket", "#ts": "ts"},
            ExpressionAttributeValues={":b": {"S": partition(bucket)}, ":lo": number(first), ":hi": number(last)},
            ScanIndexForward=True, PaginationConfig={"PageSize": QUERY_PAGE})
        for page in pages:
            for item in page.get("Items", []):
                yield DayRollup(day=as_int(item, "ts"), levels=decode(item["levels"]["S"]))

    def latest_day(self, bucket: str) -> int | None:
        items = self.dynamodb.query(
            TableName=self.store.samples, KeyConditionExpression="#b = :b",
            ExpressionAttributeNames={"#b": "bucket"}, ExpressionAttributeValues={":b": {"S": partition(bucket)}},
            ScanIndexForward=False, Limit=1).get("Items", [])
        return as_int(items[0], "ts") if items else None

    def first_sample(self, bucket: str) -> int | None:
        items = self.dynamodb.query(
            TableName=self.store.samples, KeyConditionExpression="#b = :b",
            ExpressionAttributeNames={"#b": "bucket", "#ts": "ts"}, ExpressionAttributeValues={":b": {"S": bucket}},
            ScanIndexForward=True, Limit=1, ProjectionExpression="#ts").get("Items", [])
        return as_int(items[0], "ts") if items else None

    def roll_ups(self, bucket: str, first: int, last: int) -> Iterator[DayRollup]:
        """The roll-ups of days ``first``..``last`` (UTC midnights) from their samples, read in one paged query
        (they are not written); a day without samples gets an empty one."""
        day = first
        levels: list[Level] = []
        for item in self.store.samples_between(bucket, first + 1, last + DAY):
            ts = as_int(item, "ts")
            while day_of(ts) > day:
                yield DayRollup(day=day, levels=tuple(hourly(levels)))
                day, levels = day + DAY, []
            levels.append((ts, *totals_of(item)))
        while day <= last:
            yield DayRollup(day=day, levels=tuple(hourly(levels)))
            day, levels = day + DAY, []

    def write(self, bucket: str, rollups: Iterable[DayRollup]) -> None:
        requests = [{"PutRequest": {"Item": {"bucket": {"S": partition(bucket)}, "ts": number(rollup.day),
                                              "levels": {"S": encode(rollup.levels)}}}} for rollup in rollups]
        for start in range(0, len(requests), 25):
            write_all(self.dynamodb, self.store.samples, requests[start:start + 25])

    def catch_up(self, bucket: str, now: int, *, limit: int = MAX_DAYS_PER_TURN) -> int:
        """Roll up the closed days after the last one rolled up (from the first sample's day); how many."""
        latest = self.latest_day(bucket)
        if latest is not None:
            first = latest + DAY
        else:
            found = self.first_sample(bucket)
            if found is None:
                return 0
            first = day_of(found)
        last = min(last_closed_day(now), first + (limit - 1) * DAY)
        if last < first:
            return 0
        batch: list[DayRollup] = []
        count = 0
        for rollup in self.roll_ups(bucket, first, last):
            batch.append(rollup)
            count += 1
            if len(batch) == 25:
                self.write(bucket, batch)
                batch = []
        self.write(bucket, batch)
        return count

    def drop(self, bucket: str) -> None:
        """Every roll-up of the bucket (its history is about to change: tracking starts again)."""
        pages = self.dynamodb.get_paginator("query").paginate(
            TableName=self.store.samples, KeyConditionExpression="#b = :b",
            ExpressionAttributeNames={"#b": "bucket", "#ts": "ts"},
            ExpressionAttributeValues={":b": {"S": partition(bucket)}}, ProjectionExpression="#b, #ts")
        for page in pages:
            keys = [{"DeleteRequest": {"Key": {"bucket": item["bucket"], "ts": item["ts"]}}}
                    for item in page.get("Items", [])]
            for start in range(0, len(keys), 25):
                write_all(self.dynamodb, self.store.samples, keys[start:start + 25])

