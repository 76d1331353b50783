"""Messages the assistant sends later (background job progress and results) wait here, per recipient, until the
recipient's page collects them with a long poll (``GET updates``).

The messages live in a ``common.store.Store`` (in this process's memory by default); the wake-up of a waiting poll
is local (an asyncio future per poll). Several workers or servers (the roadmap's horizontal scale) need a shared
store, e.g. Redis, and a shared wake-up too - a ``put`` in one process must release a poll waiting in another, e.g.
through Redis pub/sub on the recipient's key (or a blocking pop in place of the future).
"""
from __future__ import annotations

import asyncio
from typing import Dict, List, Set, cast

from common.store import MemoryStore, Store
from connectors.vocabulary import BotMessage

DEFAULT_MAX_MESSAGES = 100
DEFAULT_MAX_RECIPIENTS = 1000


class Mailbox:
    """Bounded: a recipient keeps its newest ``max_messages`` messages, and at most ``max_recipients`` recipients
    have messages waiting in the default store (the one whose last message is oldest is dropped first) - pages
    that never come back must not grow the server's memory. Collected messages are removed.

    Everything runs on the server's event loop and no method awaits between reading and changing the waiters, so
    the loop's single thread is all the locking needed.
    """

    NAMESPACE = "mailbox:webchat"

    def __init__(
        self,
        *,
        max_messages: int = DEFAULT_MAX_MESSAGES,
        max_recipients: int = DEFAULT_MAX_RECIPIENTS,
        store: Store | None = None,
    ) -> None:
        if max_messages < 1 or max_recipients < 1:
            raise ValueError("a mailbox must hold at least one message for one recipient")
        self._max_messages = max_messages
        self._store = store if store is not None else MemoryStore(max_items=max_recipients)
        # A waiting poll's future: True releases it (the server is stopping), False asks it to look again.
        self._waiters: Dict[str, Set[asyncio.Future[bool]]] = {}

    def put(self, recipient: str, message: BotMessage) -> None:
        # A full box drops its oldest message; the recipient becomes the most recent one.
        self._store.push(self.NAMESPACE, recipient, dict(message), max_items=self._max_messages)
        self._wake(recipient, release=False)

    def take_now(self, recipient: str) -> List[BotMessage]:
        """The recipient's messages, oldest first, removed from the mailbox; [] when there are none."""
        return [cast(BotMessage, message) for message in self._store.take(self.NAMESPACE, recipient)]

    async def take(self, recipient: str, *, timeout: float) -> List[BotMessage]:
        """Like ``take_now``, but waits up to ``timeout`` seconds for a first message; [] when none came."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            messages = self.take_now(recipient)
            remaining = deadline - loop.time()
            if messages or remaining <= 0:
                return messages
            waiter: asyncio.Future[bool] = loop.create_future()
            waiters = self._waiters.setdefault(recipient, set())
            waiters.add(waiter)
            try:
                released = await asyncio.wait_for(waiter, remaining)
            except TimeoutError:
                return self.take_now(recipient)
            finally:
                waiters.discard(waiter)
                if not waiters and self._waiters.get(recipient) is waiters:
                    del self._waiters[recipient]
            if released:
                return self.take_now(recipient)
            # Woken by a message: another poll for the same recipient (a second tab) may have taken it already,
            # so look again and keep waiting for the time left.

    def waiting(self, recipient: str) -> int:
        """How many polls are waiting for ``recipient`` right now."""
        return len(self._waiters.get(recipient, ()))

    def release_all(self) -> None:
        """Answer every waiting poll now, with whatever it has: a stopping server must not wait ~25 s for them."""
        for recipient in list(self._waiters):
            self._wake(recipient, release=True)

    def _wake(self, recipient: str, *, release: bool) -> None:
        for waiter in self._waiters.get(recipient, ()):
            if not waiter.done():
                waiter.set_result(release)
