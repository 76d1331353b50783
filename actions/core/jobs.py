"""Long work in the background: the action replies at once, the work runs on after it returns, and progress and
the result reach the conversation through Rasa's ``trigger_intent`` API (``EXTERNAL_job_update`` ->
``action_job_update``, which says the text it carries).

Why: Rasa sends an action's messages only when the action returns and locks the conversation meanwhile, so a
200 MB upload inside an action would leave the user staring at nothing for minutes.
"""
from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Mapping, Sequence
from urllib.parse import quote

import aiohttp
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from yarl import URL

from actions.aws.errors import CloudButlerError, Stopped
from actions.aws.s3 import Progress
from actions.core import errors, wording
from actions.core.base import SkillAction

logger = logging.getLogger(__name__)

JOB_INTENT = "EXTERNAL_job_update"
JOB_ENTITY = "text"
DEFAULT_RASA_URL = "http://127.0.0.1:5005"
# RFC 3986 path characters: sender ids like "slack:T1:U1" stay readable. Sanic 21 matches the raw path without
# decoding it, so anything encoded here would name a different conversation.
_PATH_SAFE = ":@!$&'()*+,;=-._~"

Poster = Callable[[str, str], Awaitable[None]]  # (sender_id, text)


class RasaPoster:
    """Posts a text into a conversation: ``POST {rasa}/conversations/{id}/trigger_intent?output_channel=latest``."""

    def __init__(self, base_url: str = DEFAULT_RASA_URL, token: str | None = None, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token or None
        self.timeout = timeout

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> RasaPoster:
        env = os.environ if env is None else env
        return cls(env.get("CLOUDBUTLER_RASA_URL") or DEFAULT_RASA_URL, env.get("RASA_AUTH_TOKEN") or None)

    def url_for(self, sender_id: str) -> URL:
        query = {"output_channel": "latest"}
        if self.token:
            query["token"] = self.token
        path = f"{self.base_url}/conversations/{quote(sender_id, safe=_PATH_SAFE)}/trigger_intent"
        return URL(path, encoded=True).update_query(query)

    @staticmethod
    def payload(text: str) -> dict[str, Any]:
        return {"name": JOB_INTENT, "entities": {JOB_ENTITY: text}}

    async def __call__(self, sender_id: str, text: str) -> None:
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            async with session.post(self.url_for(sender_id), json=self.payload(text)) as response:
                if response.status >= 400:
                    raise PostFailed(response.status)


class PostFailed(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(f"Rasa answered HTTP {status}")
        self.status = status


# Waits between tries of a message Rasa may not take yet (it starts after the action server, and answers 409
# until its model is loaded): about five minutes in all.
PATIENT_DELAYS = (1.0, 2.0, 4.0, 8.0, 15.0) + (30.0,) * 9


async def deliver(
    poster: Poster, sender_id: str, text: str, *, delays: Sequence[float] = PATIENT_DELAYS,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> bool:
    """Post ``text``, trying again after each of ``delays`` while Rasa is unreachable or refuses; False if it
    never got through (logged)."""
    for wait in (*delays, None):
        try:
            await poster(sender_id, text)
            return True
        except Exception as exc:  # noqa: BLE001 - connection refused, timeouts and HTTP errors alike
            if wait is None:
                logger.warning("gave up posting to %s after %d tries: %s", sender_id, len(delays) + 1, exc)
                return False
            logger.info("posting to %s failed (%s); trying again in %.0f s", sender_id, exc, wait)
            await sleep(wait)
    return False


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
    """``work(progress)`` blocks (it runs in a thread), audits what it changed and returns the closing reply.
    ``title`` names it in a sentence ("the upload of big.bin")."""

    sender_id: str
    work: Callable[[Progress], str]
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
                await self._post(job.sender_id, job.progress_text(*current))
        _forget(job.sender_id, running)  # from here on "stop" has nothing left to stop
        try:
            text = future.result()
        except Stopped:
            text = wording.STOPPED.format(what=job.title)
        except CloudButlerError as exc:
            text = errors.error_text(exc)
        except Exception:  # noqa: BLE001 - the chat gets a sentence, the log gets the trace
            logger.exception("background job for %s crashed", job.sender_id)
            text = wording.UNEXPECTED
        await self._post(job.sender_id, text)

    async def _post(self, sender_id: str, text: str) -> None:
        try:
            await self.poster(sender_id, text)
        except Exception as exc:  # noqa: BLE001 - a lost progress note must not stop the job
            logger.warning("could not post a job update to %s: %s", sender_id, exc)


def percent_done(done: int, total: int | None) -> int:
    return int(100 * done / total) if total else 0


class ActionJobUpdate(SkillAction):
    """Says the text a background job sent (the EXTERNAL_job_update intent's ``text`` entity)."""

    action_name = "action_job_update"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        text = self.entity(tracker, JOB_ENTITY)
        if text:
            dispatcher.utter_message(text=text)
        return []
