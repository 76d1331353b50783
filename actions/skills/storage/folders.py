"""Deleting everything under a prefix ("delete everything under logs/2023/ in B", "rm -r s3://B/logs/2023/"): counted
before asking, deleted in batches after a yes (in the background when large), never the bucket itself."""
from __future__ import annotations

from typing import Any, ClassVar

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.aws.prefixes import COUNT_LIMIT, PrefixDeleteResult, PrefixFacts, PrefixService
from actions.aws.s3 import PAGE_SIZE, Progress
from actions.core.base import ConfirmableAction
from actions.core.formatting import format_bytes, plural
from actions.core.jobs import Job, counted
from actions.core.parsing import s3_url_in
from actions.skills.storage import wording as say
from actions.skills.storage.base import StorageAction

_STRIP = "\"'`()[]{}<>,;:!?"


def folder_named(text: str, prefix: str, key: str | None) -> str | None:
    """The prefix a delete request names, as a folder ("logs/2023" -> "logs/2023/"), or None when it names one
    object. A key ending in "/" is a folder; with no key, the ``prefix`` (entity or s3:// URL), else a word of the
    message that ends in "/" ("rm -r logs/2023/ in B")."""
    if key:
        return key if key.endswith("/") else None
    if not prefix:
        url = s3_url_in(text)
        words = (word.strip(_STRIP) for word in text.split())
        found = [w for w in words if w.endswith("/") and w.strip("/") and not w.lower().startswith("s3:")]
        prefix = found[0] if found and not (url and url.key) else ""
    prefix = prefix.lstrip("/")
    if not prefix.strip("/"):
        return None  # "s3://b/" or "/" would name the whole bucket: that is never a folder to delete here
    return prefix if prefix.endswith("/") else prefix + "/"


def _count(facts: PrefixFacts) -> str:
    return say.at_least(plural(facts.objects, "object"), facts.exact)


def _size(facts: PrefixFacts) -> str:
    return say.at_least(format_bytes(facts.bytes), facts.exact)


def question_text(facts: PrefixFacts) -> str:
    values = {"prefix": facts.prefix, "bucket": facts.bucket, "count": _count(facts), "size": _size(facts)}
    if not facts.versioned:
        return say.CONFIRM_DELETE_PREFIX.format(**values)
    # After the deletion, every object deleted now is an older version too, beside the ones already there.
    versions = say.at_least(plural(facts.objects + facts.old_versions, "older version"), facts.exact)
    return say.CONFIRM_DELETE_PREFIX_VERSIONED.format(versions=versions, **values)


def result_text(result: PrefixDeleteResult, *, size: int, versioned: bool, old_versions: int) -> str:
    values = {"prefix": result.prefix, "bucket": result.bucket, "count": plural(result.deleted, "object")}
    if result.stopped:
        return say.PREFIX_STOPPED.format(**values)
    if result.failed:
        first = result.errors[0] if result.errors else None
        return say.PREFIX_PARTIAL.format(failed=plural(result.failed, "object"), key=first.key if first else "?",
                                         code=first.code if first else "?", **values)
    if versioned:
        return say.PREFIX_MARKED.format(versions=plural(result.deleted + old_versions, "older version"), **values)
    return say.PREFIX_DELETED.format(size=format_bytes(size), **values)


async def propose_prefix_delete(
    action: ConfirmableAction, dispatcher: CollectingDispatcher, bucket: str, prefix: str
) -> list[dict[str, Any]]:
    """Count what is under ``prefix`` and ask about deleting it (``action`` asks: the delete skill) - or say there
    is nothing there."""
    facts: PrefixFacts = await action.blocking(prefix_service(action).inspect, bucket, prefix, COUNT_LIMIT)
    if facts.objects == 0:
        dispatcher.utter_message(text=say.PREFIX_NOTHING.format(prefix=prefix, bucket=bucket))
        return []
    pending = {"kind": ActionDeletePrefix.kind, "bucket": bucket, "prefix": prefix, "count": facts.objects,
               "bytes": facts.bytes}
    yes = say.DELETE_PREFIX_YES.format(count=_count(facts))
    return action.propose(dispatcher, question_text(facts), pending, yes, danger=True)


def holds_folder(action: ConfirmableAction, bucket: str, key: str) -> bool:
    """Blocking: whether objects lie under ``key`` taken as a folder (a name given without its "/")."""
    return bool(key.strip("/")) and prefix_service(action).inspect(bucket, key.rstrip("/") + "/", 1).objects > 0


def prefix_service(action: ConfirmableAction) -> PrefixService:
    return PrefixService(action.clients.client("s3"), page_size=ActionDeletePrefix.batch)


class ActionDeletePrefix(StorageAction, ConfirmableAction):
    """Carries out a confirmed deletion of everything under a prefix (proposed by ``action_delete_object``)."""

    action_name = "action_delete_prefix"
    kind = "delete_prefix"
    batch: ClassVar[int] = PAGE_SIZE  # keys listed and deleted per call; tests lower it on an instance

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        bucket, prefix = self.bucket_of(tracker), folder_named(self.text_of(tracker), self.prefix_of(tracker), None)
        if not bucket or not prefix:
            dispatcher.utter_message(text=say.DELETE_OBJECT_NEED)
            return []
        return await propose_prefix_delete(self, dispatcher, bucket, prefix)

    async def confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, pending: dict[str, Any]
    ) -> list[dict[str, Any]]:
        bucket, prefix = str(pending["bucket"]), str(pending["prefix"])
        service = PrefixService(self.clients.client("s3"), page_size=self.batch)  # an instance's own batch
        # Counted again: what is under the prefix may have changed since the question.
        facts: PrefixFacts = await self.blocking(service.inspect, bucket, prefix, COUNT_LIMIT)
        if facts.objects == 0:
            dispatcher.utter_message(text=say.PREFIX_GONE.format(prefix=prefix, bucket=bucket))
            return []
        if facts.objects > self.background_objects or not facts.exact:
            dispatcher.utter_message(text=say.PREFIX_STARTED.format(
                count=_count(facts), size=_size(facts), prefix=prefix, bucket=bucket))
            self.jobs.start(Job(
                sender_id=tracker.sender_id,
                work=lambda progress: self._delete(tracker, service, facts, progress),
                progress_text=lambda done, total: say.PREFIX_PROGRESS.format(
                    prefix=prefix, bucket=bucket, done=f"{done:,}", total=f"{total:,}" if total else "?"),
                title=f"deleting under {prefix} in {bucket}",
                progress_count=counted("objects"),
            ))
            return []
        dispatcher.utter_message(text=await self.blocking(self._delete, tracker, service, facts, None))
        return []

    def _delete(self, tracker: Tracker, service: PrefixService, facts: PrefixFacts, progress: Progress | None) -> str:
        """Blocking: the batched deletion between its two audit lines; returns the closing reply."""
        if not facts.exact:  # the question said "at least": count all of it now, so progress has an end
            facts = service.inspect(facts.bucket, facts.prefix, limit=None)
        params = {"bucket": facts.bucket, "prefix": facts.prefix, "count": facts.objects}
        result: PrefixDeleteResult = self.audited(
            tracker, "delete_prefix", params,
            lambda: service.delete(facts.bucket, facts.prefix, progress=progress, total=facts.objects),
            lambda r: {"deleted": r.deleted, "failed": r.failed, "stopped": r.stopped},
            problem=lambda r: (r.errors[0].code if r.errors else "delete_failed") if r.failed else None,
        )
        return result_text(result, size=facts.bytes, versioned=facts.versioned, old_versions=facts.old_versions)
