"""The loop every SQS consumer of the tracker process runs (size events, inventory files, alerts): poll until
stopped, and while the queue cannot be reached, wait 1 s doubling to 30 s between tries. ``stop`` ends the loop
at its next turn; ``interruptible`` says the consumer is only waiting on SQS, so ending the process then loses
nothing (the tracker's signal handler reads it)."""
from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from typing import ClassVar

from actions.aws.errors import BOTO_ERRORS, CloudButlerError

log = logging.getLogger(__name__)

MAX_BACKOFF = 30.0


class QueueLoop(ABC):
    queue_name: ClassVar[str] = "queue"  # as the log line names it: "inventory queue unavailable (...)"

    def __init__(self) -> None:
        self.stopping = threading.Event()
        self.interruptible = False

    def stop(self) -> None:
        self.stopping.set()

    def run(self) -> None:
        backoff = 1.0
        while not self.stopping.is_set():
            try:
                self.turn()
                backoff = 1.0
            except (*BOTO_ERRORS, CloudButlerError) as exc:
                log.warning("%s unavailable (%s); retrying in %.0f s", self.queue_name,
                            getattr(exc, "code", type(exc).__name__), backoff)
                self.stopping.wait(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)

    def turn(self) -> None:
        """One turn of the loop: a poll (a consumer with periodic work of its own does it here too)."""
        self.poll_once()

    @abstractmethod
    def poll_once(self) -> object:
        """Receive one batch and settle each message of it."""
