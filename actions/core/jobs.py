"""Long work in the background: the action replies at once, the work runs on after it returns, and its progress and
result reach the conversation as late messages (``actions.core.late``); "stop" reaches a running job whichever
skill started it."""
from __future__ import annotations

import asyncio
import functools
import logging
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Literal, Sequence, TypedDict

from actions.aws.errors import CloudButlerError, Stopped
from actions.aws.s3 import Progress
from actions.core import context, errors, wording
from actions.core.late import Poster, Reply
from common.store import MemoryStore, Store

logger = logging.getLogger(__name__)

class ProgressThrottle:
    """Lets a progress report through when ``interval`` seconds or ``step`` of the total passed since the last."""

    def __init__(self, *, interval: float = 10.0, step: float = 0.25, clock: Callable[[], float] = time.monotonic):
        self.interval = interval
        self.step = step
        self.clock = clock
        self._last_time = clock()
        self._last_fraction = 0.0

    def due(self, done: int, total: int | None) -> bool:
        now = self.clock()
        fraction = done / total if total else 0.0
        if fraction >= 1.0:
            return False  # the final message says it; "100%" just before it is noise
        if now - self._last_time >= self.interval or (total and fraction - self._last_fraction >= self.step):
            self._last_time = now
            self._last_fraction = fraction
            return True
        return False


ProgressUnit = Literal["files", "objects", "bytes"]


class ProgressCount(TypedDict):
    """How far a job is, beside its progress text (``{"progress": ...}`` in the message): connectors draw a bar."""

    done: int
    total: int
    unit: ProgressUnit


def counted(unit: ProgressUnit) -> Callable[[int, int | None], ProgressCount | None]:
    """A job's reports as they are, in ``unit``; no count while the total is unknown (a bar needs an end)."""

    def count(done: int, total: int | None) -> ProgressCount | None:
        return None if total is None else ProgressCount(done=min(done, total), total=total, unit=unit)

    return count


@dataclass(frozen=True)
class Job:
    """``work(progress)`` blocks (it runs in a thread), audits what it changed and returns the closing reply: its
    text, or whole messages (a table, a chart). ``title`` names it in a sentence ("the upload of big.bin");
    ``progress_count`` turns a report into the count its progress messages carry (``counted``), if any."""

    sender_id: str
    work: Callable[[Progress], str | Sequence[Reply]]
    progress_text: Callable[[int, int | None], str]
    title: str = "the background job"
    progress_count: Callable[[int, int | None], ProgressCount | None] | None = None

    def progress_reply(self, done: int, total: int | None) -> Reply:
        """A progress message: its text, and ``{"progress": {"done", "total", "unit"}}`` when there is a count."""
        reply = Reply(text=self.progress_text(done, total))
        count = self.progress_count(done, total) if self.progress_count is not None else None
        if count is not None:
            reply["json_message"] = {"progress": dict(count)}
        return reply


@dataclass(eq=False)
class Running:
    """A started job as its runner holds it: ``stop`` is the signal its worker thread checks at each report."""

    id: str
    sender_id: str
    title: str
    stop: threading.Event = field(default_factory=threading.Event)


class JobRegistry:
    """Who runs what, per conversation, and which jobs were asked to stop - kept in a ``common.store.Store``, so
    "stop" reaches a job whichever skill, and with a shared store whichever action server, started it.

    A ``threading.Event`` cannot leave its process: each job's stays here, keyed by job id. A stop asked in this
    process sets it at once; one asked elsewhere is in the store, and the job's runner sets it at its next tick.
    The store's read-modify-write of a conversation's list is guarded by this process's lock only: a shared store
    needs an atomic update there (the jobs of one conversation rarely start at the same moment)."""

    RUNNING = "jobs:running"  # sender id -> [{"id", "title"}]
    STOP = "jobs:stop"  # job id -> True
    TTL = 24 * 3600.0  # a crashed process never forgets its jobs: its entries expire instead

    def __init__(self, store: Store | None = None) -> None:
        self._store: Store = store if store is not None else MemoryStore()
        self._lock = threading.Lock()
        self._local: dict[str, Running] = {}

    def add(self, sender_id: str, title: str) -> Running:
        running = Running(id=uuid.uuid4().hex, sender_id=sender_id, title=title)
        with self._lock:
            self._local[running.id] = running
            listed = list(self._store.get(self.RUNNING, sender_id) or [])
            self._store.put(self.RUNNING, sender_id, [*listed, {"id": running.id, "title": title}], ttl=self.TTL)
        return running

    def stop(self, sender_id: str) -> list[str]:
        """Ask this conversation's running jobs to stop; the titles of those not asked before. Each stops at its
        next progress report (``Stopped`` raised in its thread) and then posts ``wording.STOPPED``."""
        titles = []
        with self._lock:
            for entry in self._store.get(self.RUNNING, sender_id) or []:
                if self._store.add(self.STOP, entry["id"], True, ttl=self.TTL):
                    titles.append(str(entry["title"]))
                    local = self._local.get(entry["id"])
                    if local is not None:
                        local.stop.set()
        return titles

    def check(self, running: Running) -> None:
        """Pass on a stop asked in another process to the job's thread."""
        if not running.stop.is_set() and self._store.get(self.STOP, running.id):
            running.stop.set()

    def forget(self, running: Running) -> None:
        """The job has ended (or is about to post its result): from here on "stop" has nothing to stop."""
        with self._lock:
            self._local.pop(running.id, None)
            listed = [e for e in self._store.get(self.RUNNING, running.sender_id) or [] if e["id"] != running.id]
            if listed:
                self._store.put(self.RUNNING, running.sender_id, listed, ttl=self.TTL)
            else:
                self._store.delete(self.RUNNING, running.sender_id)
            self._store.delete(self.STOP, running.id)


@functools.cache
def default_registry() -> JobRegistry:
    """The registry every runner of this process shares (made on first use, never at import)."""
    return JobRegistry()


class JobRunner:
    """Runs jobs as asyncio tasks of the action server; one small thread pool keeps them off the actions' pool."""

    def __init__(
        self,
        poster: Poster,
        *,
        interval: float = 10.0,
        step: float = 0.25,
        tick: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        workers: int = 2,
        registry: JobRegistry | None = None,
    ) -> None:
        self.poster = poster
        self.registry = registry if registry is not None else default_registry()
        self.interval = interval
        self.step = step
        self.tick = tick
        self.clock = clock
        self.workers = workers
        self._executor: ThreadPoolExecutor | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self, job: Job) -> asyncio.Task[None]:
        running = self.registry.add(job.sender_id, job.title)  # at once: a "stop" right after the reply finds it
        context.mention(job=job.title)  # what the conversation talks about now ("is it done?", "stop it")
        task = asyncio.get_running_loop().create_task(self.run(job, running))
        self._tasks.add(task)  # a task nobody references may be garbage-collected mid-flight
        task.add_done_callback(self._tasks.discard)
        return task

    def stop(self, sender_id: str) -> list[str]:
        """Ask the conversation's running jobs to stop, whichever runner started them; the titles of those asked."""
        return self.registry.stop(sender_id)

    async def wait(self) -> None:
        """Until every started job has posted its result (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks))

    async def run(self, job: Job, running: Running) -> None:
        try:
            await self._run(job, running)
        finally:
            self.registry.forget(running)  # also when the task is cancelled at shutdown

    async def _run(self, job: Job, running: Running) -> None:
        latest: list[tuple[int, int | None]] = []  # written by the worker thread, read here; list ops are atomic

        def report(done: int, total: int | None) -> None:
            if running.stop.is_set():
                raise Stopped
            latest[:] = [(done, total)]

        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="cloudbutler-job")
        future = asyncio.get_running_loop().run_in_executor(self._executor, job.work, report)
        throttle = ProgressThrottle(interval=self.interval, step=self.step, clock=self.clock)
        posted: tuple[int, int | None] | None = None
        while True:
            finished, _ = await asyncio.wait({future}, timeout=self.tick)
            if finished:
                break
            self.registry.check(running)
            current = latest[0] if latest else None
            if current is not None and current != posted and throttle.due(*current):
                posted = current
                await self._post(job.sender_id, job.progress_reply(*current))
        self.registry.forget(running)  # from here on "stop" has nothing left to stop
        try:
            result = future.result()
        except Stopped:
            result = wording.STOPPED.format(what=job.title)
        except CloudButlerError as exc:
            result = errors.error_text(exc)
        except Exception:  # noqa: BLE001 - the chat gets a sentence, the log gets the trace
            logger.exception("background job for %s crashed", job.sender_id)
            result = wording.UNEXPECTED
        for message in [Reply(text=result)] if isinstance(result, str) else result:
            await self._post(job.sender_id, message)

    async def _post(self, sender_id: str, message: Reply) -> None:
        try:
            await self.poster(sender_id, message)
        except Exception as exc:  # noqa: BLE001 - a lost progress note must not stop the job
            logger.warning("could not post a job update to %s: %s", sender_id, exc)


def percent_done(done: int, total: int | None) -> int:
    return int(100 * done / total) if total else 0
