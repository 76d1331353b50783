"""Object skills: what a bucket holds (from the paginated summary), deleting one object, restoring an archived one."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.aws.errors import AwsCallFailed
from actions.aws.objects import ObjectInfo
from actions.aws.usage import ObjectSummary
from actions.core import wording
from actions.core.base import ConfirmableAction, Skill
from actions.core.confirmation import Choice, Question, Questions
from actions.core.formatting import format_bytes, plural, s3_url, when
from actions.skills.storage import wording as say
from actions.skills.storage.base import StorageAction
from actions.skills.storage.folders import folder_named, holds_folder, propose_prefix_delete

TOP = 5  # largest and newest objects shown
RESTORE_DAYS = 7
RESTORE_TIER = "Standard"


def summary_reply(summary: ObjectSummary) -> dict[str, Any]:
    where = say.where(summary.bucket, summary.prefix)
    if summary.object_count == 0:
        return {"text": say.NO_OBJECTS.format(where=where)}
    title = say.OBJECTS_TITLE.format(
        where=where, count=f"{summary.object_count:,}", size=format_bytes(summary.total_bytes)
    )
    classes = ", ".join(
        f"{row.storage_class} {plural(row.objects or 0, 'object')} ({format_bytes(row.bytes)})"
        for row in summary.by_class
    )
    largest = ", ".join(say.OBJECT_ENTRY.format(key=o.key, size=format_bytes(o.size)) for o in summary.largest)
    newest = ", ".join(say.NEWEST_ENTRY.format(key=o.key, when=when(o.last_modified)) for o in summary.newest)
    items = [("Storage classes", classes), ("Largest", largest), ("Newest", newest)]
    text = "\n".join([title] + [f"{label}: {value}" for label, value in items])
    fields = {"title": title, "items": [{"label": label, "value": value} for label, value in items]}
    return {"text": text, "json_message": {"fields": fields}}


class ActionListObjects(StorageAction):
    action_name = "action_list_objects"
    skill = Skill(title="What a bucket holds (count, size, largest, newest)", example="list files in my-project-bucket",
                  order=23)

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        bucket = self.require(
            dispatcher, self.bucket_of(tracker), wording.NEED_BUCKET.format(example="list files in my-project-bucket")
        )
        if bucket is None:
            return []
        prefix = self.prefix_of(tracker)
        summary = await self.blocking(self.usage_service().summarize_objects, bucket, prefix, TOP)
        dispatcher.utter_message(**summary_reply(summary))
        return []


class ActionDeleteObject(StorageAction, ConfirmableAction):
    """Deletes one object, or everything under a prefix ("delete everything under logs/ in b": ``folders``)."""

    action_name = "action_delete_object"
    target = "file"  # "same for notes.txt" names another object (a bucket name keeps the key)
    kind = "delete_object"
    skill = Skill(title="Delete a file, or everything under a folder, from a bucket",
                  example="delete report.pdf from my-project-bucket", order=26)

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        folder = folder_named(self.text_of(tracker), self.prefix_of(tracker), self.file_of(tracker))
        if folder is not None:
            bucket = self.require(dispatcher, self.bucket_of(tracker), say.DELETE_PREFIX_NEED_BUCKET.format(
                prefix=folder))
            return [] if bucket is None else await propose_prefix_delete(self, dispatcher, bucket, folder)
        named = self.object_of(dispatcher, tracker, say.DELETE_OBJECT_NEED)
        if named is None:
            return []
        bucket, key = named
        info: ObjectInfo | None = await self.blocking(self.object_service().head_or_none, bucket, key)
        if info is None:
            # "delete logs/2023 from b": no such object, but a folder of that name is what was meant.
            if await self.blocking(holds_folder, self, bucket, key):
                return await propose_prefix_delete(self, dispatcher, bucket, key.rstrip("/") + "/")
            raise AwsCallFailed("NoSuchKey", bucket=bucket, key=key)
        versioned = await self.blocking(self.bucket_service().versioning, bucket) != "Disabled"
        template = say.CONFIRM_DELETE_VERSIONED if versioned else say.CONFIRM_DELETE_OBJECT
        text = template.format(
            url=s3_url(bucket, key), size=format_bytes(info.size), when=when(info.last_modified), bucket=bucket
        )
        pending = {"kind": self.kind, "bucket": bucket, "key": key, "versioned": versioned}
        return self.propose(dispatcher, text, pending, say.DELETE_OBJECT_YES, danger=True)

    async def confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, pending: dict[str, Any]
    ) -> list[dict[str, Any]]:
        bucket, key = str(pending["bucket"]), str(pending["key"])
        service = self.object_service()
        result = await self.blocking(
            self.audited, tracker, "delete_object", {"bucket": bucket, "key": key},
            lambda: service.delete_object(bucket, key),
            lambda r: {"delete_marker": r.delete_marker},
        )
        template = say.OBJECT_MARKED if result.delete_marker else say.OBJECT_DELETED
        dispatcher.utter_message(text=template.format(url=s3_url(bucket, key)))
        return []


def restore_tiers(storage_class: str) -> list[str]:
    """The retrieval tiers offered for an archive, the default first: Bulk for Glacier Flexible Retrieval and Deep
    Archive, Expedited for Glacier Flexible Retrieval only; Intelligent-Tiering's archive tiers get the default."""
    return [RESTORE_TIER] + [tier for tier in ("Bulk", "Expedited") if (storage_class, tier) in say.RESTORE_DURATION]


def restore_offer(info: ObjectInfo) -> str:
    storage_class = info.archive_status or info.storage_class
    url = s3_url(info.bucket, info.key)
    duration = say.RESTORE_DURATION.get((storage_class, RESTORE_TIER), say.RESTORE_DURATION_DEFAULT)
    if info.restore == "in_progress":
        return say.RESTORE_IN_PROGRESS.format(url=url, storage_class=storage_class, duration=duration)
    text = say.OFFER_RESTORE.format(
        url=url, storage_class=storage_class, tier=RESTORE_TIER, duration=duration, days=RESTORE_DAYS
    )
    others = [
        say.RESTORE_TIER_CHOICE.format(
            tier=tier, duration=say.RESTORE_DURATION[(storage_class, tier)], cost=say.RESTORE_TIER_COST[tier]
        )
        for tier in restore_tiers(storage_class)[1:]
    ]
    return text + say.RESTORE_OTHER_TIERS.format(choices=", ".join(others)) if others else text


def restore_question(info: ObjectInfo) -> Question:
    """The offer with Yes (default tier) and one button per other tier (``/affirm{"tier": ..., "confirm": ...}``)."""
    storage_class = info.archive_status or info.storage_class
    others = [
        Choice(say.RESTORE_TIER_BUTTON.format(tier=tier, duration=say.RESTORE_DURATION[(storage_class, tier)]),
               {"tier": tier})
        for tier in restore_tiers(storage_class)[1:]
    ]
    return Question(text=restore_offer(info), yes=(Choice(say.RESTORE_YES), *others))


def restore_pending(info: ObjectInfo) -> dict[str, Any]:
    storage_class = info.archive_status or info.storage_class
    return {"kind": ActionRestoreObject.kind, "bucket": info.bucket, "key": info.key, "days": RESTORE_DAYS,
            "tier": RESTORE_TIER, "tiers": restore_tiers(storage_class), "storage_class": storage_class}


def propose_restore(dispatcher: CollectingDispatcher, info: ObjectInfo, questions: Questions) -> list[dict[str, Any]]:
    return questions.ask(dispatcher, restore_question(info), restore_pending(info))


class ActionRestoreObject(StorageAction, ConfirmableAction):
    """Restores an archived object; usually offered by the download skill when it meets Glacier/Deep Archive."""

    action_name = "action_restore_object"
    target = "file"  # "same for notes.txt" names another object (a bucket name keeps the key)
    kind = "restore_object"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        named = self.object_of(dispatcher, tracker, say.DOWNLOAD_NEED)
        if named is None:
            return []
        bucket, key = named
        info: ObjectInfo = await self.blocking(self.object_service().head, bucket, key)
        if not info.needs_restore:
            dispatcher.utter_message(
                text=say.NOT_ARCHIVED_READY.format(url=s3_url(bucket, key), storage_class=info.storage_class)
            )
            return []
        if info.restore == "in_progress":
            dispatcher.utter_message(text=restore_offer(info))
            return []
        return propose_restore(dispatcher, info, self.questions)

    async def confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, pending: dict[str, Any]
    ) -> list[dict[str, Any]]:
        bucket, key = str(pending["bucket"]), str(pending["key"])
        days, tier = int(pending.get("days", RESTORE_DAYS)), str(pending.get("tier", RESTORE_TIER))
        chosen = self.entity(tracker, "tier")  # a tier button: /affirm{"tier": "Bulk"}
        if chosen and chosen in pending.get("tiers", ()):
            tier = chosen
        service = self.object_service()
        result = await self.blocking(
            self.audited, tracker, "restore_object", {"bucket": bucket, "key": key, "days": days, "tier": tier},
            lambda: service.restore(bucket, key, days=days, tier=tier),
            lambda r: {"status": r.status},
        )
        url = s3_url(bucket, key)
        storage_class = str(pending.get("storage_class", "GLACIER"))
        duration = say.RESTORE_DURATION.get((storage_class, tier), say.RESTORE_DURATION_DEFAULT)
        if result.status == "already_restored":
            text = say.RESTORE_ALREADY_DONE.format(url=url, days=days)
        elif result.status == "in_progress":
            text = say.RESTORE_IN_PROGRESS.format(url=url, storage_class=storage_class, duration=duration)
        else:
            text = say.RESTORE_STARTED.format(url=url, tier=tier, duration=duration, days=days)
        dispatcher.utter_message(text=text)
        return []
