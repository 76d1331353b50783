"""Messages the assistant sends later (background job progress and results) wait here, per recipient, until the
recipient's page collects them with a long poll (``GET updates``).

In memory, on one ``WebChatInput`` instance: good for one Rasa server process. Several workers or servers (the
roadmap's horizontal scale) would need a shared mailbox, e.g. in Redis, since a poll may reach another process.
"""
from __future__ import annotations

import asyncio
from collections import OrderedDict, deque
from typing import Deque, Dict, List, Set

from connectors.vocabulary import BotMessage

DEFAULT_MAX_MESSAGES = 100
DEFAULT_MAX_RECIPIENTS = 1000


class Mailbox:
    """Bounded: a recipient keeps its newest ``max_messages`` messages, and at most ``max_recipients`` recipients
    have messages waiting (the one whose last message is oldest is dropped first) - pages that never come back
    must not grow the server's memory. Collected messages are removed.

    Everything runs on the server's event loop and no method awaits between reading and changing the boxes, so
    the loop's single thread is all the locking needed.
    """

    def __init__(self, *, max_messages: int = DEFAULT_MAX_MESSAGES, max_recipients: int = DEFAULT_MAX_RECIPIENTS) -> None:
        if max_messages < 1 or max_recipients < 1:
            raise ValueError("a mailbox must hold at least one message for one recipient")
        self._max_messages = max_messages
        self._max_recipients = max_recipients
        self._boxes: OrderedDict[str, Deque[BotMessage]] = OrderedDict()
        # A waiting poll's future: True releases it (the server is stopping), False asks it to look again.
        self._waiters: Dict[str, Set[asyncio.Future[bool]]] = {}

    def put(self, recipient: str, message: BotMessage) -> None:
        box = self._boxes.get(recipient)
        if box is None:
            box = self._boxes[recipient] = deque(maxlen=self._max_messages)
            while len(self._boxes) > self._max_recipients:
                self._boxes.popitem(last=False)
        else:
            self._boxes.move_to_end(recipient)
        box.append(message)  # a full deque drops its oldest message
        self._wake(recipient, release=False)

    def take_now(self, recipient: str) -> List[BotMessage]:
        """The recipient's messages, oldest first, removed from the mailbox; [] when there are none."""
        box = self._boxes.pop(recipient, None)
        return list(box) if box else []

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
