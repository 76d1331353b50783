"""Bucket skills: list, create (a form that asks for and checks the name), delete (emptying only after a second
yes), and usage per storage class."""
from __future__ import annotations

import dataclasses
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecutionRejected, ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.aws.buckets import BucketFacts, BucketListing, BucketService, EmptyResult
from actions.aws.clients import ClientFactory
from actions.aws.errors import AwsCallFailed
from actions.aws.s3 import Progress
from actions.aws.s3_names import InvalidBucketName, is_valid_bucket_name, validate_bucket_name
from actions.aws.usage import BucketUsage
from actions.core import errors, wording
from actions.core.base import ConfirmableAction, Skill
from actions.core.confirmation import Choice, Question
from actions.core.formatting import and_join, day, format_bytes, plural
from actions.core.jobs import Job, counted
from actions.core.parsing import bucket_name_from_answer, guess_bucket, looks_like_a_name, whole_word
from actions.skills.storage import wording as say
from actions.skills.storage.base import StorageAction


def bucket_list_reply(listing: BucketListing) -> dict[str, Any]:
    if not listing.buckets:
        return {"text": say.NO_BUCKETS}
    rows = [[b.name, b.region or say.REGION_UNKNOWN, day(b.created)] for b in listing.buckets]
    lines = [say.BUCKETS_TITLE.format(total=listing.total)]
    lines += [say.BUCKET_LINE.format(name=n, region=r, created=c) for n, r, c in rows]
    if listing.more:
        lines.append(say.BUCKETS_MORE.format(more=listing.more))
        rows.append([say.BUCKETS_MORE.format(more=listing.more), "", ""])
    table = {"title": lines[0], "columns": ["Bucket", "Region", "Created"], "rows": rows}
    return {"text": "\n".join(lines), "json_message": {"table": table}}


class ActionListBuckets(StorageAction):
    action_name = "action_list_buckets"
    skill = Skill(title="List your S3 buckets", example="list my S3 buckets", order=20)

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        listing = await self.blocking(self.bucket_service().list_buckets)
        dispatcher.utter_message(**bucket_list_reply(listing))
        return []


# While the form asks for the name, a message with one of these intents (or none) is the answer.
ANSWER_INTENTS = frozenset({"create_bucket", "nlu_fallback", ""})


def another_request(text: str, intent: str) -> bool:
    """Whether a message sent while the form asks for the name is a request of its own ("list my buckets", "help"):
    it has another intent and not the shape of a name (which answers, whatever the intent model makes of it)."""
    return intent not in ANSWER_INTENTS and not looks_like_a_name(text)


class ValidateCreateBucketForm(FormValidationAction):
    """Checks the name the create_bucket_form collected; a bad one is refused with the rule it breaks, and another
    request sent instead of an answer leaves the form to be handled as that request."""

    def name(self) -> str:
        return "validate_create_bucket_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        latest = tracker.latest_message or {}
        text, intent = str(latest.get("text") or ""), str((latest.get("intent") or {}).get("name") or "")
        asked = tracker.get_slot("requested_slot") == "bucket" and "bucket" in tracker.slots_to_validate()
        if asked and another_request(text, intent):
            # Out of the loop, and this turn rejected: Rasa then handles the message by the rule for its intent,
            # as if the form had never asked.
            return [SlotSet("bucket", None), SlotSet("requested_slot", None), ActiveLoop(None),
                    ActionExecutionRejected(self.form_name())]
        return await super().run(dispatcher, tracker, domain)

    async def extract_bucket(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """At the start ("create bucket x" without an extracted entity): the name guessed from the words."""
        if tracker.get_slot("requested_slot") == "bucket" or next(tracker.get_latest_entity_values("bucket"), None):
            return {}  # answers to the question and extracted entities come through the slot mappings
        guess = guess_bucket(str((tracker.latest_message or {}).get("text") or ""))
        return {"bucket": guess} if guess else {}

    async def validate_bucket(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = str((tracker.latest_message or {}).get("text") or "")
        entity = next(tracker.get_latest_entity_values("bucket"), None)
        # The bucket slot is also filled by other requests ("list files in x"); a value that this very message
        # did not give is left over from earlier and must not name a new bucket.
        if slot_value is None or str(slot_value) not in {str(entity), text, text.strip(), guess_bucket(text)}:
            return {"bucket": None}
        name = _new_name(text, entity, answering=tracker.get_slot("requested_slot") == "bucket")
        try:
            validate_bucket_name(name)
        except InvalidBucketName as exc:
            dispatcher.utter_message(text=errors.bucket_name_problem(exc.details))
            return {"bucket": None}
        return {"bucket": name}


def _new_name(text: str, entity: str | None, *, answering: bool) -> str:
    if answering:
        answer = bucket_name_from_answer(text)
        # A one-word answer is the name as typed, even if the extractor saw only part of it.
        if (answer and not any(c.isspace() for c in answer)) or not entity:
            return answer
    if entity:
        return whole_word(text, entity, is_valid_bucket_name) or entity
    return guess_bucket(text) or ""


class ActionCreateBucket(StorageAction, ConfirmableAction):
    """Runs when create_bucket_form has a valid name: proposes the bucket; creates it on "yes"."""

    action_name = "action_create_bucket"
    kind = "create_bucket"
    skill = Skill(title="Create an S3 bucket (encrypted, private)", example="create S3 bucket my-project-bucket",
                  order=21)

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        cleared = [SlotSet("bucket", None)]  # the next "create a bucket" asks again
        name = self.require(
            dispatcher,
            tracker.get_slot("bucket") or self.entity(tracker, "bucket"),
            wording.NEED_BUCKET.format(example="create bucket my-project-bucket"),
        )
        if name is None:
            return cleared
        validate_bucket_name(name)  # the form checked it; a direct call (tests, stories) is checked here
        try:  # checked before asking: a name that is taken (by this account or another) is said, never proposed
            await self.blocking(self.bucket_service().refuse_existing, name)
        except AwsCallFailed as exc:
            dispatcher.utter_message(text=errors.error_text(exc))
            return cleared
        region = self.clients.region
        pending = {"kind": self.kind, "bucket": name, "region": region}
        text = say.CONFIRM_CREATE.format(bucket=name, region=region)
        return cleared + self.propose(dispatcher, text, pending, say.CREATE_YES)

    async def confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, pending: dict[str, Any]
    ) -> list[dict[str, Any]]:
        name, region = str(pending["bucket"]), str(pending["region"])
        service = self.bucket_service()
        params = {"bucket": name, "region": region}
        created = await self.blocking(
            self.audited, tracker, "create_bucket", params, lambda: service.create_bucket(name, region)
        )
        dispatcher.utter_message(text=say.CREATED.format(bucket=created.name, region=created.region))
        return []


def _contents(facts: BucketFacts) -> str:
    return say.contents(
        objects=facts.object_count,
        old_versions=facts.old_versions,
        markers=facts.delete_markers,
        exact=facts.object_count_exact and facts.versions_exact,
    )


def _inspected(facts: BucketFacts) -> BucketFacts:
    if not facts.exists:
        raise AwsCallFailed("NoSuchBucket", bucket=facts.name)
    return facts


class ActionDeleteBucket(StorageAction, ConfirmableAction):
    """Delete a bucket: one yes for an empty one; for a non-empty one, a second question that only its own
    "Empty and delete <bucket>" button answers, so "yes" twice never destroys data."""

    action_name = "action_delete_bucket"
    kind = "delete_bucket"
    skill = Skill(title="Delete an S3 bucket (asks twice if it holds data)", example="delete bucket my-old-bucket",
                  order=22)

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        name = self.require(
            dispatcher, self.bucket_of(tracker), wording.NEED_BUCKET.format(example="delete bucket my-old-bucket")
        )
        if name is None:
            return []
        facts = _inspected(await self.blocking(self.bucket_service().inspect_bucket, name))
        region = facts.region or say.REGION_UNKNOWN
        if facts.is_empty:
            text = say.CONFIRM_DELETE_EMPTY_BUCKET.format(bucket=name, region=region)
        else:
            text = say.CONFIRM_DELETE_BUCKET.format(bucket=name, region=region, contents=_contents(facts))
        return self.propose(dispatcher, text, {"kind": self.kind, "bucket": name, "stage": "delete"},
                            say.DELETE_BUCKET_YES, danger=True)

    async def confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, pending: dict[str, Any]
    ) -> list[dict[str, Any]]:
        name = str(pending["bucket"])
        service = self.bucket_service()
        # Counted again: the bucket may have changed since the question, and "empty" must mean empty now.
        facts = _inspected(await self.blocking(service.inspect_bucket, name))
        if pending.get("stage") != "empty":
            if not facts.is_empty:
                question = Question(
                    text=say.CONFIRM_EMPTY_BUCKET.format(bucket=name, contents=_contents(facts)),
                    yes=(Choice(say.EMPTY_YES.format(bucket=name)),), button_only=True, danger=True,
                )
                return self.questions.ask(dispatcher, question, {"kind": self.kind, "bucket": name, "stage": "empty"})
            await self.blocking(self._delete, tracker, service, name)
            dispatcher.utter_message(text=say.BUCKET_DELETED.format(bucket=name))
            return []
        size = facts.object_count + facts.old_versions + facts.delete_markers
        if size > self.background_objects or not (facts.object_count_exact and facts.versions_exact):
            dispatcher.utter_message(text=say.EMPTYING_STARTED.format(bucket=name, contents=_contents(facts)))
            exact = facts.object_count_exact and facts.versions_exact
            self.jobs.start(Job(
                sender_id=tracker.sender_id,
                work=lambda progress: self._empty_and_delete(tracker, service, facts, progress),
                progress_text=lambda done, _total: say.EMPTYING_PROGRESS.format(bucket=name, done=f"{done:,}"),
                title=f"emptying {name}",
                # Emptying reports what it deleted so far; the count asked about is its end, if it was exact.
                progress_count=(lambda done, _total: counted("objects")(done, size)) if exact else None,
            ))
            return []
        dispatcher.utter_message(text=await self.blocking(self._empty_and_delete, tracker, service, facts, None))
        return []

    def _delete(self, tracker: Tracker, service: BucketService, name: str) -> None:
        self.audited(tracker, "delete_bucket", {"bucket": name}, lambda: service.delete_bucket(name))

    def _empty_and_delete(
        self, tracker: Tracker, service: BucketService, facts: BucketFacts, progress: Progress | None
    ) -> str:
        """Blocking: empty (one audit line), then delete (another); returns the closing reply."""
        name = facts.name
        result: EmptyResult = self.audited(
            tracker, "empty_bucket", {"bucket": name}, lambda: service.empty_bucket(name, progress=progress),
            describe=lambda r: {"deleted_versions": r.deleted_versions, "deleted_markers": r.deleted_markers,
                                "failed": r.failed},
            problem=lambda r: (r.errors[0].code if r.errors else "delete_failed") if r.failed else None,
        )
        versioned = facts.versioning != "Disabled"
        gone = say.removed(versions=result.deleted_versions, markers=result.deleted_markers, versioned=versioned)
        if not result.complete:
            first = result.errors[0] if result.errors else None
            return say.EMPTY_INCOMPLETE.format(
                removed=gone, bucket=name, failed=plural(result.failed, "object"),
                key=first.key if first else "?", code=first.code if first else "?",
            )
        self._delete(tracker, service, name)
        return say.BUCKET_EMPTIED_DELETED.format(bucket=name, removed=gone)


def _count(objects: int | None) -> str:
    return "" if objects is None else plural(objects, "object") + ", "


def versions_text(usage: BucketUsage) -> str | None:
    """One plain sentence about what versioning keeps besides the current objects; None if it was never on."""
    versions = usage.versions
    if versions is None:
        return None
    state = say.VERSIONING_STATE[versions.status]
    if not versions.old_versions and not versions.delete_markers:
        return say.VERSIONS_NONE.format(state=state)
    kept = []
    if versions.old_versions:
        kept.append(say.VERSIONS_OLD.format(
            old=say.at_least(plural(versions.old_versions, "older version"), versions.exact),
            old_bytes=say.at_least(format_bytes(versions.old_bytes), versions.exact)))
    if versions.delete_markers:
        kept.append(say.VERSIONS_MARKERS.format(
            markers=say.at_least(plural(versions.delete_markers, "delete marker"), versions.exact)))
    return say.VERSIONS_KEPT.format(state=state, bucket=usage.bucket, kept=and_join(kept))


def usage_reply(usage: BucketUsage) -> dict[str, Any]:
    """Objects and bytes per storage class with a totals row (in the text and the table), then what versioning
    keeps and where the figures come from."""
    if usage.total_bytes == 0 and not usage.object_count and not (usage.versions and usage.versions.old_versions):
        return {"text": say.USAGE_EMPTY.format(bucket=usage.bucket)}
    objects = plural(usage.object_count, "object") if usage.object_count is not None else "an unknown number of objects"
    lines = [say.USAGE_SUMMARY.format(bucket=usage.bucket, size=format_bytes(usage.total_bytes), objects=objects)]
    lines += [say.USAGE_LINE.format(storage_class=row.storage_class, objects=_count(row.objects),
                                    size=format_bytes(row.bytes)) for row in usage.by_class]
    lines.append(say.USAGE_TOTAL.format(objects=_count(usage.object_count), size=format_bytes(usage.total_bytes)))
    versions = versions_text(usage)
    if versions:
        lines.append(versions)
    if usage.source == "cloudwatch":
        lines.append(say.USAGE_SOURCE_CLOUDWATCH.format(as_of=day(usage.as_of)))
    else:
        lines.append(say.USAGE_SOURCE_FALLBACK if usage.fallback_reason else say.USAGE_SOURCE_LISTING)
    rows = [[row.storage_class, f"{row.objects:,}" if row.objects is not None else "-", format_bytes(row.bytes)]
            for row in usage.by_class]
    totals = ["Total", f"{usage.object_count:,}" if usage.object_count is not None else "-",
              format_bytes(usage.total_bytes)]
    table = {"title": say.USAGE_TITLE.format(bucket=usage.bucket), "columns": ["Storage class", "Objects", "Size"],
             "rows": rows, "totals": totals}
    return {"text": "\n".join(lines), "json_message": {"table": table}}


class ActionBucketUsage(StorageAction):
    action_name = "action_bucket_usage"
    skill = Skill(title="Bucket usage per storage class", example="how big is my-project-bucket", order=27)

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        name = self.require(
            dispatcher, self.bucket_of(tracker), wording.NEED_BUCKET.format(example="how big is my-project-bucket")
        )
        if name is None:
            return []
        region = await self.blocking(self.bucket_service().region, name)
        usage = await self.blocking(self.usage_service().usage, name, self._cloudwatch(region))
        dispatcher.utter_message(**usage_reply(usage))
        return []

    def _cloudwatch(self, region: str | None) -> Any:
        # S3 publishes a bucket's metrics in the bucket's own region.
        if not region or region == self.clients.region:
            return self.clients.client("cloudwatch")
        return ClientFactory(dataclasses.replace(self.clients.settings, region=region)).client("cloudwatch")
