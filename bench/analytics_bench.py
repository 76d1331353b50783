"""Benchmark of the usage analytics over the tracker store (a script, not a test).

1. data: ``--events`` (default 1,000,000) tracker events of many conversations over 30 days - people on Slack,
   Discord, web chat and REST; sessions started as Rasa starts them; questions, answers, fallbacks, failure
   replies, proposals with their ``pending`` questions accepted, declined, answered too late or left; late
   messages - serialised by Rasa's own event classes into the schema Rasa's ``SQLTrackerStore`` creates, in a
   fresh SQLite file under var/bench/. Copies with the first 250k and 500k events show how memory grows.
2. cold: a fresh child process computes the 30-day report from scratch (``UsageAnalytics.report``: reads every
   event, folds it into a new DuckDB file, computes the figures) - wall time, peak RSS (psutil, sampled, and the
   kernel's high-water mark) and the CPU time of the reader thread and of the folding one (they run side by side:
   on an idle machine the wall time is about the larger of the two). ``--runs`` times, the median shown with the
   fastest and slowest (the machine is shared: other work moves wall time, not CPU time). Target <= 2 s for 1M
   events, memory flat in the number of events.
3. incremental: ``--more`` (default 10,000) events appended, then the same report from the kept facts (reads only
   the new events); and a call with nothing new.
4. ``--postgres``: the 1M events copied into PostgreSQL at 127.0.0.1:5432 (database ``test``, a schema of its own,
   dropped afterwards) and the cold report computed from there.

    .venv/bin/python bench/analytics_bench.py [--events 1000000] [--more 10000] [--runs 3] [--postgres] [--keep]

Prints a table and writes bench/results/analytics.json.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import resource
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results"
WORK = ROOT / "var" / "bench"
TARGET_S = 2.0
DAYS = 30
START = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
CHANNELS = (("slack", 0.45), ("discord", 0.25), ("webchat", 0.2), ("rest", 0.1))
# (intent, action, share of turns, median seconds of the action)
ANSWERS = (
    ("list_buckets", "action_list_buckets", 0.12, 0.35), ("bucket_usage", "action_bucket_usage", 0.08, 0.6),
    ("server_status", "action_server_status", 0.08, 0.4), ("list_objects", "action_list_objects", 0.07, 0.5),
    ("cost_optimization", "action_cost_optimization", 0.05, 1.8), ("storage_trend", "action_storage_trend", 0.05, 0.9),
    ("instance_metrics", "action_instance_metrics", 0.04, 0.8), ("inventory_query", "action_inventory_query", 0.05, 0.3),
    ("forecast_load", "action_forecast_load", 0.02, 2.5), ("list_alarms", "action_list_alarms", 0.02, 0.3),
    ("help", "action_help", 0.04, 0.02), ("out_of_scope", "action_help", 0.02, 0.02),
    ("greet", "utter_greet", 0.06, 0.01), ("thank", "utter_thank", 0.03, 0.01),
)
PROPOSALS = (
    ("create_bucket", "action_create_bucket", 0.04, 0.3), ("delete_bucket", "action_delete_bucket", 0.02, 0.3),
    ("upload_file", "action_upload_file", 0.03, 0.4), ("apply_lifecycle", "action_apply_lifecycle", 0.02, 0.5),
    ("instance_control", "action_instance_control", 0.02, 0.3),
)
FALLBACK_SHARE = 0.07
LATE_SHARE = 0.03
FAILURE_SHARE = 0.03
FAILURES = (
    "There is no bucket called {b} in this account. Say \"list my buckets\" to see yours.",
    "AWS is throttling requests right now. Please wait a few seconds and try again.",
    "Something went wrong on my side while doing that. Nothing else was changed; please try again in a moment.",
)
BUCKETS = ("my-project-bucket", "backups-archive", "acme-invoices", "logs-prod", "ml-datasets")


class Templates:
    """Rasa's serialisation of each kind of event, made once; each event copies one and changes what varies."""

    def __init__(self) -> None:
        from rasa.shared.core.events import (
            ActionExecuted,
            BotUttered,
            DefinePrevUserUtteredFeaturization,
            SessionStarted,
            SlotSet,
            UserUttered,
        )

        intents = [a[0] for a in ANSWERS + PROPOSALS] + ["affirm", "deny", "nlu_fallback"]
        self.ranking = [{"name": name, "confidence": round(0.9 / (i + 1), 4)} for i, name in enumerate(intents[:10])]
        self.user = UserUttered("text", intent={"name": "x", "confidence": 0.9}, parse_data={
            "intent": {"name": "x", "confidence": 0.9}, "entities": [], "text": "text",
            "intent_ranking": self.ranking}, input_channel="slack", message_id="m",
            metadata={"platform": "slack", "user_id": "U", "display_name": "someone", "channel_id": "C"}).as_dict()
        self.featurization = DefinePrevUserUtteredFeaturization(False).as_dict()
        self.action = ActionExecuted("x", policy="RulePolicy", confidence=1.0).as_dict()
        self.bot = BotUttered("text", data={"buttons": None}, metadata={}).as_dict()
        self.slot = SlotSet("context", None).as_dict()
        self.session = SessionStarted().as_dict()
        self.external = UserUttered.create_external("EXTERNAL_late_message", [], "slack").as_dict()


class Conversations:
    """Events of one person's sessions, as (timestamp, type_name, intent, action-or-slot name, data) in order."""

    def __init__(self, templates: Templates, rnd: random.Random) -> None:
        self.t = templates
        self.rnd = rnd
        self.tokens = 0

    def lat(self, median: float) -> float:
        return median * self.rnd.lognormvariate(0, 0.5)

    def user(self, at: float, text: str, intent: str, channel: str) -> tuple[Any, ...]:
        data = dict(self.t.user)
        parse = dict(data["parse_data"])
        parse["intent"] = {"name": intent, "confidence": round(self.rnd.uniform(0.55, 0.99), 4)}
        parse["text"] = text
        data.update(timestamp=at, text=text, parse_data=parse, input_channel=channel,
                    message_id=f"{self.rnd.getrandbits(64):016x}")
        return at, "user", intent, None, data

    def action(self, at: float, name: str) -> tuple[Any, ...]:
        return at, "action", None, name, dict(self.t.action, timestamp=at, name=name)

    def bot(self, at: float, text: str) -> tuple[Any, ...]:
        return at, "bot", None, None, dict(self.t.bot, timestamp=at, text=text)

    def slot(self, at: float, name: str, value: Any) -> tuple[Any, ...]:
        return at, "slot", None, name, dict(self.t.slot, timestamp=at, name=name, value=value)

    def question(self, at: float, kind: str) -> tuple[Any, ...]:
        self.tokens += 1
        stamp = {"text": f"Go ahead with {kind}?", "yes": [{"title": "Yes", "entities": {}}], "no": "No, cancel",
                 "button_only": False, "token": f"{self.tokens:012x}", "asked_at": at, "boot": "b00t"}
        return self.slot(at, "pending", {"kind": kind, "bucket": self.rnd.choice(BUCKETS), "question": stamp})

    def turn(self, at: float, text: str, intent: str, channel: str, action: str, median: float,
             reply: str) -> tuple[list[tuple[Any, ...]], float]:
        done = at + self.lat(median)
        events = [self.user(at, text, intent, channel),
                  (at + 0.001, "user_featurization", None, None, dict(self.t.featurization, timestamp=at + 0.001)),
                  self.action(done, action), self.bot(done - 0.0005, reply),
                  self.slot(done - 0.0004, "context", {"bucket": self.rnd.choice(BUCKETS)}),
                  self.action(done + 0.002, "action_listen")]
        return events, done

    def session(self, at: float, channel: str) -> list[tuple[Any, ...]]:
        rnd = self.rnd
        events = [self.action(at, "action_session_start"),
                  (at, "session_started", None, None, dict(self.t.session, timestamp=at)),
                  self.action(at + 0.001, "action_listen")]
        now = at + 0.01
        for _ in range(rnd.randint(1, 9)):
            now += rnd.uniform(5, 90)
            roll = rnd.random()
            if roll < FALLBACK_SHARE:
                turn, now = self.turn(now, "hm what about the thing", "nlu_fallback", channel, "action_help", 0.02,
                                      "Sorry, I didn't quite get that. Here is what I can do right now:")
                events += turn
            elif roll < FALLBACK_SHARE + LATE_SHARE:
                data = dict(self.t.external, timestamp=now, input_channel=channel)
                events.append((now, "user", "EXTERNAL_late_message", None, data))
                events += [self.action(now + 0.05, "action_late_message"), self.bot(now + 0.04, "Your sync finished."),
                           self.action(now + 0.06, "action_listen")]
            elif roll < FALLBACK_SHARE + LATE_SHARE + 0.13:
                events += self.proposal(now, channel)
                now = events[-1][0]
            else:
                intent, action, _, median = rnd.choices(ANSWERS, weights=[a[2] for a in ANSWERS])[0]
                reply = (rnd.choice(FAILURES).format(b=rnd.choice(BUCKETS)) if rnd.random() < FAILURE_SHARE
                         else f"Here is what I found for {intent.replace('_', ' ')}.")
                turn, now = self.turn(now, f"please do {intent}", intent, channel, action, median, reply)
                events += turn
        return events

    def proposal(self, at: float, channel: str) -> list[tuple[Any, ...]]:
        rnd = self.rnd
        intent, action, _, median = rnd.choices(PROPOSALS, weights=[p[2] for p in PROPOSALS])[0]
        events, done = self.turn(at, f"please {intent}", intent, channel, action, median, f"Shall I {intent}?")
        events.insert(-1, self.question(done - 0.0003, intent))
        roll = rnd.random()
        if roll < 0.08:  # left unanswered
            return events
        late = roll < 0.14
        answer = done + (rnd.uniform(901, 1800) if late else rnd.uniform(3, 40))
        if roll < 0.30 and not late:  # declined
            turn, end = self.turn(answer, "no", "deny", channel, "action_cancel", 0.05, "Okay, I cancelled that.")
            turn.insert(-1, self.slot(end - 0.0003, "pending", None))
            return events + turn
        turn, end = self.turn(answer, "/affirm", "affirm", channel, "action_confirm", 0.2 if late else 1.5,
                              "I asked this more than 15 minutes ago" if late else "Done.")
        if late:
            turn.insert(-1, self.question(end - 0.0003, intent))
            again, end = self.turn(end + rnd.uniform(3, 20), "yes", "affirm", channel, "action_confirm", 1.5, "Done.")
            again.insert(-1, self.slot(end - 0.0003, "pending", None))
            return events + turn + again
        turn.insert(-1, self.slot(end - 0.0003, "pending", None))
        return events + turn


def saves(session: list[tuple[Any, ...]]) -> Iterator[tuple[float, int, tuple[Any, ...]]]:
    """Each event with the moment Rasa writes it: a tracker is saved after each message is handled, so a turn's
    events (up to ``action_listen``) reach the store together, in the tracker's order - an action's own messages
    and slots after its ``ActionExecuted``, though stamped a moment before it."""
    start = 0
    for end, event in enumerate(session):
        if (event[1] == "action" and event[3] == "action_listen") or end == len(session) - 1:
            saved = max(e[0] for e in session[start:end + 1])
            for position in range(start, end + 1):
                yield saved, position, session[position]
            start = end + 1


def generate(path: Path, count: int, seed: int = 15) -> int:
    """``count`` events (a little more: whole sessions) in Rasa's schema, ordered by time as a server writes them."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain

    path.unlink(missing_ok=True)
    SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(path)).engine.dispose()  # Rasa's own table and index
    rnd = random.Random(seed)
    maker = Conversations(Templates(), rnd)
    people = max(50, count // 60)
    channels = rnd.choices([c for c, _ in CHANNELS], weights=[w for _, w in CHANNELS], k=people)
    busy = [0.0] * people  # a person's next session starts an hour after the last one ended
    connection = sqlite3.connect(path)
    made, per_session = 0, 40.0
    for day in range(DAYS):
        wanted = (count - made) / (DAYS - day) / per_session
        starts = sorted(rnd.uniform(0, 86400 - 4000) for _ in range(max(1, round(wanted * 1.02))))
        rows: list[tuple[Any, ...]] = []
        for offset in starts:
            person = rnd.randrange(people)
            at = START.timestamp() + day * 86400 + offset
            if busy[person] > at:
                continue
            session = maker.session(at, channels[person])
            busy[person] = session[-1][0] + 3600
            sender = f"{channels[person]}:W{person % 7}:U{person:06d}"
            rows += [(saved, sender, position, event) for saved, position, event in saves(session)]
            if day == DAYS - 1 and made + len(rows) >= count:
                break
        rows.sort(key=lambda r: r[:3])
        connection.executemany(
            "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) "
            "VALUES (?, ?, ?, ?, ?, ?)", ((s, e[1], e[0], e[2], e[3], json.dumps(e[4])) for _, s, _, e in rows))
        made += len(rows)
        per_session = 0.9 * per_session + 0.1 * (len(rows) / max(1, len(starts)))
    connection.commit()
    connection.close()
    return made


def copy_first(source: Path, target: Path, count: int) -> None:
    target.unlink(missing_ok=True)
    connection = sqlite3.connect(target)
    connection.execute("ATTACH DATABASE ? AS src", (str(source),))
    schema = connection.execute("SELECT sql FROM src.sqlite_master WHERE name IN ('events', 'ix_events_sender_id') "
                                "ORDER BY type DESC").fetchall()
    for (sql,) in schema:
        connection.execute(sql)
    connection.execute("INSERT INTO events SELECT * FROM src.events WHERE id <= ?", (count,))
    connection.commit()
    connection.execute("DETACH DATABASE src")
    connection.close()


def append(source: Path, target: Path, after: int, count: int) -> None:
    connection = sqlite3.connect(target)
    connection.execute("ATTACH DATABASE ? AS src", (str(source),))
    connection.execute("INSERT INTO events SELECT * FROM src.events WHERE id > ? AND id <= ?", (after, after + count))
    connection.commit()
    connection.execute("DETACH DATABASE src")
    connection.close()


def measure(url: str, cache: str, schema: str | None) -> dict[str, Any]:
    """Child process: one report over the 30 days, timed, with its peak RSS."""
    # A server has these loaded already: imports are not what is timed.
    import psutil
    import sqlalchemy.engine  # noqa: F401

    import actions.core.confirmation  # noqa: F401
    from actions.analytics import UsageAnalytics
    from actions.analytics.source import TrackerSource

    # The reader thread's CPU time (the rest is the folding thread's): on an idle machine the wall time is about the
    # larger of the two, as they run side by side.
    reader_cpu = [0.0]
    read = TrackerSource.read

    def timed_read(self: TrackerSource, connection: Any, sql: str, low: int, high: int) -> list[tuple[Any, ...]]:
        began = time.thread_time()
        try:
            return read(self, connection, sql, low, high)
        finally:
            reader_cpu[0] += time.thread_time() - began

    TrackerSource.read = timed_read  # type: ignore[method-assign]

    me = psutil.Process()
    peak = [me.memory_info().rss]
    running = threading.Event()
    running.set()

    def sample() -> None:
        while running.is_set():
            peak[0] = max(peak[0], me.memory_info().rss)
            time.sleep(0.005)

    sampler = threading.Thread(target=sample, daemon=True)
    before = me.memory_info().rss
    sampler.start()
    load = os.getloadavg()[0]
    cpu = sum(me.cpu_times()[:2])
    began = time.perf_counter()
    analytics = UsageAnalytics(url, schema=schema, cache=cache)
    covered = analytics.refresh()
    report = analytics.report(START, START + dt.timedelta(days=DAYS + 1), refresh=False)
    wall = time.perf_counter() - began
    cpu = sum(me.cpu_times()[:2]) - cpu
    running.clear()
    sampler.join()
    analytics.close()
    return {
        "wall_s": round(wall, 3), "cpu_s": round(cpu, 3), "load_before": round(load, 2), "ids_read": covered,
        "reader_cpu_s": round(reader_cpu[0], 3), "folder_cpu_s": round(cpu - reader_cpu[0], 3),
        "rss_before_mb": round(before / 2**20, 1),
        "rss_peak_mb": round(max(peak[0], resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024) / 2**20, 1),
        "requests": report.requests, "conversations": report.conversations, "people": report.people,
        "fallback_rate": round(report.fallback_rate or 0, 4), "containment": round(report.containment or 0, 4),
        "confirmations": vars(report.confirmations),
        "p95_action_confirm_s": next((round(x.p95, 3) for x in report.latency if x.action == "action_confirm"), None),
    }


def child(url: str, cache: Path, schema: str | None = None, *, runs: int = 1, fresh: bool = True) -> dict[str, Any]:
    """The measurement in a fresh process, ``runs`` times (each from a new cache when ``fresh``): the median run's
    figures, with the fastest and slowest wall time beside them (other work on the machine moves them)."""
    results: list[dict[str, Any]] = []
    for _ in range(runs):
        if fresh:
            cache.unlink(missing_ok=True)
        command = [sys.executable, __file__, "--measure", url, "--cache", str(cache)]
        done = subprocess.run(command + (["--schema", schema] if schema else []), check=True, capture_output=True,
                              text=True, cwd=ROOT)
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    results.sort(key=lambda r: r["wall_s"])
    median = dict(results[len(results) // 2])
    median.update(runs=runs, wall_min_s=results[0]["wall_s"], wall_max_s=results[-1]["wall_s"],
                  rss_peak_max_mb=max(r["rss_peak_mb"] for r in results))
    return median


def to_postgres(source: Path, count: int) -> str:
    """The first ``count`` events in a new schema of database ``test`` (Rasa's table, via COPY)."""
    import io
    import secrets

    import psycopg2
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain

    schema = f"analytics_bench_{secrets.token_hex(3)}"
    admin = psycopg2.connect(host="127.0.0.1", port=5432, dbname="test", user="postgres")
    admin.autocommit = True
    admin.cursor().execute(f'CREATE SCHEMA "{schema}"')
    os.environ["POSTGRESQL_SCHEMA"] = schema
    SQLTrackerStore(Domain.empty(), dialect="postgresql", host="127.0.0.1", port=5432, db="test",
                    username="postgres").engine.dispose()
    lite = sqlite3.connect(source)
    rows = lite.execute("SELECT id, sender_id, type_name, timestamp, intent_name, action_name, data FROM events "
                        "WHERE id <= ? ORDER BY id", (count,))
    cursor = admin.cursor()
    while batch := rows.fetchmany(50_000):
        buffer = io.StringIO()
        for row in batch:
            buffer.write("\t".join("\\N" if v is None else str(v).replace("\\", "\\\\").replace("\t", "\\t")
                                   .replace("\n", "\\n") for v in row) + "\n")
        buffer.seek(0)
        cursor.copy_expert(f'COPY "{schema}".events FROM STDIN', buffer)
    cursor.execute(f'ANALYZE "{schema}".events')
    lite.close()
    admin.close()
    return schema


def drop_schema(schema: str) -> None:
    import psycopg2

    admin = psycopg2.connect(host="127.0.0.1", port=5432, dbname="test", user="postgres")
    admin.autocommit = True
    admin.cursor().execute(f'DROP SCHEMA "{schema}" CASCADE')
    admin.close()


def sizes(total: int) -> Iterator[int]:
    for part in (total // 4, total // 2, total):
        if part:
            yield part


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--more", type=int, default=10_000)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--runs", type=int, default=3, help="cold measurements per size (the median is shown)")
    parser.add_argument("--keep", action="store_true", help="keep the tracker stores and DuckDB files in var/bench/")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--cache", help=argparse.SUPPRESS)
    parser.add_argument("--schema", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.cache, args.schema)))
        return

    WORK.mkdir(parents=True, exist_ok=True)
    everything = WORK / "analytics-all.db"
    began = time.perf_counter()
    written = generate(everything, args.events + args.more)
    generated_s = time.perf_counter() - began
    cold: dict[int, dict[str, Any]] = {}
    for count in sizes(args.events):
        tracker = WORK / f"analytics-{count}.db"
        copy_first(everything, tracker, count)
        cold[count] = child(f"sqlite:///{tracker}", WORK / f"analytics-{count}.duckdb", runs=args.runs)
    tracker = WORK / f"analytics-{args.events}.db"
    append(everything, tracker, args.events, args.more)
    incremental = child(f"sqlite:///{tracker}", WORK / f"analytics-{args.events}.duckdb", fresh=False)
    nothing_new = child(f"sqlite:///{tracker}", WORK / f"analytics-{args.events}.duckdb", fresh=False, runs=3)
    postgres: dict[str, Any] | None = None
    if args.postgres:
        schema = to_postgres(everything, args.events)
        try:
            postgres = child("postgresql://postgres@127.0.0.1:5432/test", WORK / "analytics-postgres.duckdb", schema,
                             runs=args.runs)
        finally:
            drop_schema(schema)

    if not args.keep:  # over a gigabyte for 1M events, made afresh by every run
        for made in WORK.glob("analytics-*"):
            made.unlink()
    full = cold[args.events]
    report = {
        "date": dt.date.today().isoformat(), "machine": f"{os.cpu_count()} cores, Python {platform.python_version()}",
        "events": args.events, "generated": written, "generate_s": round(generated_s, 1), "target_s": TARGET_S,
        "cold": {str(k): v for k, v in cold.items()}, "incremental": {"new_events": args.more, **incremental},
        "nothing_new": nothing_new, "postgres": postgres,
    }
    rows = [(f"cold, {count:,} events: wall p50 [min-max]; CPU reader + folder; peak RSS",
             f"{r['wall_s']:.2f} [{r['wall_min_s']:.2f}-{r['wall_max_s']:.2f}] s; {r['reader_cpu_s']:.2f} + "
             f"{r['folder_cpu_s']:.2f} s; {r['rss_peak_max_mb']:.0f} MB",
             f"<= {TARGET_S} s" if count == args.events else "-") for count, r in cold.items()]
    rows += [
        (f"incremental, {args.more:,} new events", f"{incremental['wall_s']:.3f} s / {incremental['rss_peak_mb']:.0f} MB",
         "-"),
        ("nothing new", f"{nothing_new['wall_s']:.3f} s", "-"),
    ]
    if postgres:
        rows.append((f"cold from PostgreSQL, {args.events:,} events", f"{postgres['wall_s']:.2f} "
                     f"[{postgres['wall_min_s']:.2f}-{postgres['wall_max_s']:.2f}] s; {postgres['reader_cpu_s']:.2f} + "
                     f"{postgres['folder_cpu_s']:.2f} s; {postgres['rss_peak_max_mb']:.0f} MB", "-"))
    rows.append((f"{args.events:,} events: requests, conversations, fallback rate, containment",
                 f"{full['requests']:,}, {full['conversations']:,}, {full['fallback_rate']:.1%}, "
                 f"{full['containment']:.1%}", "-"))
    width = max(len(r[0]) for r in rows)
    for label, figure, target in rows:
        print(f"{label:<{width}}  {figure:<44}  {target}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "analytics.json").write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
