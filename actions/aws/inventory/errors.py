"""Why an inventory message cannot be used, ever: the caller moves it to the dead-letter queue with ``reason``."""

from __future__ import annotations

from actions.aws.errors import CloudButlerError


class DeadLetter(CloudButlerError):
    """A message no retry can use (not JSON, not an S3 event, a bucket that is not ours, a file that is not a
    ``store,item,count`` CSV)."""

    def __init__(self, reason: str, *, code: str = "inventory_dead_letter") -> None:
        super().__init__(code, reason=reason)
        self.reason = reason


class UnparseableFile(DeadLetter):
    """The file is not a ``store,item,count`` CSV at all (no or invalid header, not text, empty)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, code="inventory_unparseable")
