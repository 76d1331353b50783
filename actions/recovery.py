"""At every start of the action server: changes a crash or kill cut short (an "attempted" audit line with no
outcome) are cleaned up - the unfinished multipart uploads they started are aborted - closed with an "interrupted"
line, and explained to the user who asked, in their conversation.

Only uploads of an interrupted attempt's bucket and key, initiated between the attempt and this start, are aborted:
anything else in the bucket is not ours to touch. Running it again finds every attempt closed and does nothing.
"""
from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Awaitable, Callable, Mapping, TypeVar

from actions.aws.buckets import BucketService
from actions.aws.clients import ClientFactory
from actions.aws.cost.lifecycle import LifecycleService
from actions.aws.errors import AwsCallFailed, CloudButlerError
from actions.aws.instances import InstanceControl
from actions.aws.multipart import MultipartUploads, PendingUpload
from actions.aws.objects import ObjectService
from actions.aws.prefixes import PrefixService
from actions.core import wording
from actions.core.audit import AuditLog, unfinished
from actions.core.formatting import and_join, plural, when
from actions.core.late import PATIENT_DELAYS, Poster, RasaPoster, deliver

logger = logging.getLogger(__name__)
T = TypeVar("T")

# S3 stamps "Initiated" and "LastModified" with its own clock: allow for a little skew against the attempt's.
CLOCK_SKEW = timedelta(seconds=5)
# Worth waiting for (S3 or the network coming back); anything else will not change by trying again.
TRANSIENT_CODES = frozenset({
    "NetworkError", "Throttling", "Unknown", "InternalError", "ServiceUnavailable", "RequestTimeout", "SlowDown",
})


@dataclass(frozen=True)
class Settled:
    """What recovery found and did for one interrupted attempt."""

    attempt: Mapping[str, Any]
    state: str  # "not_uploaded", "completed", "exists", "missing", "empty", "not_empty", "rules", "instance", "unknown"
    aborted: int = 0
    cleanup_error: str = ""
    facts: Mapping[str, Any] = field(default_factory=dict)

    @property
    def parameters(self) -> dict[str, Any]:
        extra: dict[str, Any] = {"aborted_uploads": self.aborted, "state": self.state}
        if self.cleanup_error:
            extra["cleanup_error"] = self.cleanup_error
        return extra

    def text(self) -> str:
        return wording.interrupted_text(
            str(self.attempt.get("action")), self.attempt.get("parameters") or {}, state=self.state,
            when=when(attempted_at(self.attempt)), aborted=self.aborted, cleanup_error=self.cleanup_error,
            facts=self.facts,
        )


def attempted_at(attempt: Mapping[str, Any]) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(attempt.get("timestamp")))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def keys_to_clean(attempt: Mapping[str, Any]) -> list[str]:
    """The keys whose unfinished multipart uploads an attempt may have left: an upload's key, a sync's parted
    files."""
    parameters = attempt.get("parameters") or {}
    if attempt.get("action") == "upload_file" and parameters.get("key"):
        return [str(parameters["key"])]
    if attempt.get("action") == "sync_folder":
        return [str(key) for key in parameters.get("multipart_keys") or []]
    return []


def ours(
    uploads: Iterable[PendingUpload], *, keys: Collection[str], prior: Collection[str] | None, since: datetime,
    until: datetime,
) -> list[PendingUpload]:
    """The uploads an interrupted attempt started: of its keys, initiated before this start, and not among those
    already pending when it began (``prior``, in its audit line). Without that list, initiated since the attempt.

    The list comes first because it needs no clock: the sandbox (moto) dates every upload 2010-11-10."""
    return [
        upload for upload in uploads
        if upload.key in keys and upload.initiated <= until
        and (upload.upload_id not in prior if prior is not None else upload.initiated >= since)
    ]


class Recovery:
    """One pass over the audit log; ``started`` is when this action server started (attempts after it are its
    own, live ones)."""

    def __init__(
        self, *, audit: AuditLog, clients: ClientFactory, poster: Poster, started: datetime,
        delays: Sequence[float] = PATIENT_DELAYS, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.audit = audit
        self.clients = clients
        self.poster = poster
        self.started = started
        self.delays = delays
        self.sleep = sleep

    async def run(self) -> list[Settled]:
        """Settle every interrupted attempt (one "interrupted" line each), then tell their users; what it settled."""
        entries = await _blocking(self.audit.read)
        settled: list[Settled] = []
        for attempt in unfinished(entries):
            moment = attempted_at(attempt)
            if moment is None or moment >= self.started:
                continue  # unreadable, or this server's own work in progress
            outcome = await self._settle(attempt, moment)
            await _blocking(functools.partial(
                self.audit.finish, attempt, result="interrupted", detail="restart", parameters=outcome.parameters
            ))
            logger.info("recovered interrupted %s %s: %s", attempt.get("action"), attempt.get("id"),
                        outcome.parameters)
            settled.append(outcome)
        # Rasa may still be starting: every message waits for it on its own, so one slow delivery holds up none.
        await asyncio.gather(*(
            deliver(self.poster, str(outcome.attempt["sender"]), {"text": outcome.text()}, delays=self.delays,
                    sleep=self.sleep)
            for outcome in settled if outcome.attempt.get("sender")
        ))
        return settled

    async def _settle(self, attempt: Mapping[str, Any], moment: datetime) -> Settled:
        """Abort what it left (trying again while S3 is unreachable), then look at the state it left behind."""
        aborted, cleanup_error = 0, ""
        keys = keys_to_clean(attempt)
        if keys:
            for wait in (*self.delays, None):
                try:
                    aborted = await _blocking(self._abort, attempt, keys, moment)
                    cleanup_error = ""
                    break
                except Exception as exc:  # noqa: BLE001 - one odd line must not stop every later start
                    cleanup_error = exc.code if isinstance(exc, CloudButlerError) else type(exc).__name__
                    if wait is None or cleanup_error not in TRANSIENT_CODES:
                        logger.warning("could not clean up after %s: %s", attempt.get("id"), cleanup_error)
                        break
                    await self.sleep(wait)
        state, facts = await _blocking(self._probe, attempt, moment)
        return Settled(attempt=attempt, state=state, aborted=aborted, cleanup_error=cleanup_error, facts=facts)

    def _abort(self, attempt: Mapping[str, Any], keys: list[str], moment: datetime) -> int:
        parameters = attempt.get("parameters") or {}
        bucket = str(parameters.get("bucket"))
        prefix = keys[0] if len(keys) == 1 else str(parameters.get("prefix") or "")
        prior = parameters.get("prior_uploads")
        uploads = MultipartUploads(self.clients.client("s3"))
        found = ours(
            uploads.pending(bucket, prefix), keys=set(keys), prior=set(prior) if isinstance(prior, list) else None,
            since=moment - CLOCK_SKEW, until=self.started,
        )
        return sum(uploads.abort(upload) for upload in found)

    def _probe(self, attempt: Mapping[str, Any], moment: datetime) -> tuple[str, dict[str, Any]]:
        """The state the change left (a HEAD or one short listing); "unknown" when S3 will not say."""
        action = str(attempt.get("action"))
        parameters = attempt.get("parameters") or {}
        bucket, key = str(parameters.get("bucket") or ""), str(parameters.get("key") or "")
        s3 = self.clients.client("s3")
        try:
            if action in ("upload_file", "delete_object") and bucket and key:
                return _object_state(ObjectService(s3), action, bucket, key, moment)
            if action in ("create_bucket", "delete_bucket", "empty_bucket") and bucket:
                facts = BucketService(s3).inspect_bucket(bucket, limit=1)
                if not facts.exists:
                    return "missing", {}
                if action == "empty_bucket":
                    return ("empty" if facts.is_empty else "not_empty"), {}
                return "exists", {}
            prefix = str(parameters.get("prefix") or "")
            if action == "delete_prefix" and bucket and prefix:
                return ("not_empty" if PrefixService(s3).inspect(bucket, prefix, 1).objects else "empty"), {}
            if action.endswith("_instance") and parameters.get("instance_id"):
                # Only looked at, never changed: what to do about it is the user's call.
                now = InstanceControl(self.clients.client("ec2")).refresh(str(parameters["instance_id"]))
                return "instance", {"now_state": now.state, "now_type": now.instance_type}
            if action == "apply_lifecycle" and bucket:
                ids = [str(rule.get("ID") or "unnamed") for rule in LifecycleService(s3=s3).current_rules(bucket)]
                rules = plural(len(ids), "lifecycle rule") + (f" ({and_join(ids)})" if ids else "")
                return "rules", {"rules": rules}
        except Exception as exc:  # noqa: BLE001 - not knowing is an answer too: the user is asked to check
            logger.warning("could not check what %s left: %s", attempt.get("id"), getattr(exc, "code", repr(exc)))
        return "unknown", {}


def _object_state(
    service: ObjectService, action: str, bucket: str, key: str, moment: datetime
) -> tuple[str, dict[str, Any]]:
    try:
        info = service.head(bucket, key)
    except AwsCallFailed as exc:
        if exc.code not in ("NoSuchKey", "NoSuchBucket"):
            raise
        return ("not_uploaded" if action == "upload_file" else "missing"), {}
    if action == "delete_object":
        return "exists", {}
    if info.last_modified >= moment - CLOCK_SKEW:
        return "completed", {"written": when(info.last_modified)}
    return "not_uploaded", {}


async def _blocking(func: Callable[..., T], *args: Any) -> T:
    # boto3 and file I/O block: off the event loop, which is serving the first requests meanwhile.
    return await asyncio.get_running_loop().run_in_executor(None, functools.partial(func, *args))


async def _run_logged(recovery: Recovery) -> None:
    try:
        await recovery.run()
    except Exception:  # noqa: BLE001 - a failed recovery must not take the action server down with it
        logger.exception("recovering interrupted changes failed; the next start tries again")


async def on_start(app: Any) -> None:
    """The action server's start-up hook: schedules one recovery pass and returns at once."""
    recovery = Recovery(audit=AuditLog(), clients=ClientFactory(), poster=RasaPoster.from_env(),
                        started=datetime.now(UTC))
    task = asyncio.get_running_loop().create_task(_run_logged(recovery), name="cloudbutler-recovery")
    app.ctx.recovery_task = task  # referenced, so it is not garbage-collected mid-flight
