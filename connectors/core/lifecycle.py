"""Long-lived clients (discord.py's gateway, Bolt's Socket Mode) start and stop with the Rasa server, and the work
a connector does after acknowledging an event runs as background tasks it can wait for and cancel."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from sanic import Blueprint, Sanic

logger = logging.getLogger(__name__)

Hook = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class Lifecycle:
    """What a channel runs once the Rasa server listens, and before it shuts down."""

    start: Hook | None = None
    stop: Hook | None = None


def bind_to_server(blueprint: Blueprint, lifecycle: Lifecycle) -> None:
    """Blueprint listeners are copied onto the app when Rasa's ``channel.register`` calls ``app.blueprint(...)``."""
    start, stop = lifecycle.start, lifecycle.stop
    if start is not None:

        async def after_server_start(app: Sanic, loop: asyncio.AbstractEventLoop) -> None:
            await start()

        blueprint.listener("after_server_start")(after_server_start)
    if stop is not None:

        async def before_server_stop(app: Sanic, loop: asyncio.AbstractEventLoop) -> None:
            await stop()

        blueprint.listener("before_server_stop")(before_server_stop)


class BackgroundTasks:
    """Work the connector runs after acknowledging an event; failures are logged, the rest cancelled on stop."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, coro: Coroutine[Any, Any, None], *, name: str) -> asyncio.Task[None]:
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)  # a strong reference, or the loop may drop the task half-way
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("%s failed", task.get_name(), exc_info=task.exception())

    async def close(self, *, grace: float = 5.0) -> None:
        pending = list(self._tasks)
        if pending:
            _, still = await asyncio.wait(pending, timeout=grace)
            for task in still:
                task.cancel()
            await asyncio.gather(*still, return_exceptions=True)

    def __len__(self) -> int:
        return len(self._tasks)
