"""Long work in the background: the action replies at once, the work runs on after it returns, and its progress and
result reach the conversation as late messages (``actions.core.late``); "stop" reaches a running job whichever
skill started it."""
from __future__ import annotations

import asyncio
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Sequence

from actions.aws.errors import CloudButlerError, Stopped
from actions.aws.s3 import Progress
from actions.core import errors, wording
from actions.core.late import Poster, Reply

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


@dataclass(frozen=True)
class Job:
    """``work(progress)`` blocks (it runs in a thread), audits what it changed and returns the closing reply: its
    text, or whole messages (a table, a chart). ``title`` names it in a sentence ("the upload of big.bin")."""

    sender_id: str
    work: Callable[[Progress], str | Sequence[Reply]]
    progress_text: Callable[[int, int | None], str]
    title: str = "the background job"


@dataclass(eq=False)
class _Running:
    title: str
    stop: threading.Event = field(default_factory=threading.Event)


# The jobs running in this action server, per conversation: every JobRunner registers here, so "stop" reaches a
# job whichever skill started it.
_RUNNING: dict[str, list[_Running]] = {}
_RUNNING_LOCK = threading.Lock()


def stop_jobs(sender_id: str) -> list[str]:
    """Ask this conversation's running jobs to stop; their titles. Each stops at its next progress report
    (``Stopped`` raised in its thread) and then posts ``wording.STOPPED``."""
    with _RUNNING_LOCK:
        running = [job for job in _RUNNING.get(sender_id, []) if not job.stop.is_set()]
        for job in running:
            job.stop.set()
    return [job.title for job in running]


def _forget(sender_id: str, running: _Running) -> None:
    with _RUNNING_LOCK:
        jobs = _RUNNING.get(sender_id, [])
        if running in jobs:
            jobs.remove(running)
        if not jobs:
            _RUNNING.pop(sender_id, None)


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
    ) -> None:
        self.poster = poster
        self.interval = interval
        self.step = step
        self.tick = tick
        self.clock = clock
        self.workers = workers
        self._executor: ThreadPoolExecutor | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self, job: Job) -> asyncio.Task[None]:
        running = _Running(job.title)
        with _RUNNING_LOCK:  # at once: a "stop" right after the reply must find the job
            _RUNNING.setdefault(job.sender_id, []).append(running)
        task = asyncio.get_running_loop().create_task(self.run(job, running))
        self._tasks.add(task)  # a task nobody references may be garbage-collected mid-flight
        task.add_done_callback(self._tasks.discard)
        return task

    async def wait(self) -> None:
        """Until every started job has posted its result (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks))

    async def run(self, job: Job, running: _Running) -> None:
        try:
            await self._run(job, running)
        finally:
            _forget(job.sender_id, running)  # also when the task is cancelled at shutdown

    async def _run(self, job: Job, running: _Running) -> None:
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
            current = latest[0] if latest else None
            if current is not None and current != posted and throttle.due(*current):
                posted = current
                await self._post(job.sender_id, {"text": job.progress_text(*current)})
        _forget(job.sender_id, running)  # from here on "stop" has nothing left to stop
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
