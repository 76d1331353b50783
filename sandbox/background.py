"""A daemon thread the sandbox runs beside moto (the CPU ticker, the alarm evaluator): started once, stopped by an
event its loop waits on, joined briefly so a stop never hangs the sandbox's shutdown."""
from __future__ import annotations

import abc
import threading


class BackgroundThread(abc.ABC):
    def __init__(self, name: str) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    @abc.abstractmethod
    def _run(self) -> None:
        """The loop: return when ``self._stop`` is set (wait on it between rounds)."""
