"""The folder sync skill: the outbox to a bucket (new and changed files only, never deleting; a dry run says what it
would do). A message naming one file of the outbox is an upload of that file, not a sync."""
from __future__ import annotations

from typing import Any, Callable

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.aws.errors import CloudButlerError
from actions.aws.s3 import Progress
from actions.aws.sync import SyncPlan, SyncResult, SyncService
from actions.core import errors, wording
from actions.core.base import ConfirmableAction, Skill
from actions.core.formatting import format_bytes, listed_names, plural, s3_url
from actions.core.jobs import Job, percent_done
from actions.core.parsing import is_dry_run
from actions.skills.storage import wording as say
from actions.skills.storage.base import StorageAction
from actions.skills.storage.transfers import (
    ActionUploadFile,
    counted_files,
    files_done,
    in_outbox,
    multipart_keys,
    prior_uploads,
)


def plan_text(plan: SyncPlan) -> str:
    lines = [say.SYNC_PLAN.format(
        url=s3_url(plan.bucket, plan.prefix),
        new=plan.count("new"), new_bytes=format_bytes(plan.bytes("new")),
        changed=plan.count("changed"), changed_bytes=format_bytes(plan.bytes("changed")),
        unchanged=plan.count("unchanged"),
    )]
    if plan.skipped:
        names = listed_names([s.relative for s in plan.skipped])
        lines.append(say.SYNC_SKIPPED.format(count=plural(len(plan.skipped), "file"), names=names))
    if plan.remote_only:
        lines.append(say.SYNC_REMOTE_ONLY.format(count=plural(plan.remote_only, "object")))
    return "\n".join(lines)


def sync_result_text(result: SyncResult) -> str:
    plan = result.plan
    lines = [say.SYNC_DONE.format(
        url=s3_url(plan.bucket, plan.prefix), count=plural(result.uploaded, "file"),
        size=format_bytes(result.uploaded_bytes), unchanged=plan.count("unchanged"),
    )]
    if result.failures:
        names = listed_names([f"{f.relative} ({f.code})" for f in result.failures])
        lines.append(say.SYNC_FAILURES.format(count=plural(len(result.failures), "file"), names=names))
    if not result.completed and result.failures:
        reason = errors.error_text(CloudButlerError(result.failures[-1].code, bucket=plan.bucket))
        lines.append(say.SYNC_STOPPED.format(reason=reason))
    return "\n".join(lines)


def progress_text(plan: SyncPlan) -> Callable[[int, int | None], str]:
    sizes = [item.size for item in plan.to_upload]

    def text(done: int, total: int | None) -> str:
        return say.SYNC_PROGRESS.format(
            url=s3_url(plan.bucket, plan.prefix), done=files_done(sizes, done), total=len(sizes),
            percent=percent_done(done, total), done_bytes=format_bytes(done), total_bytes=format_bytes(total or 0))

    return text


class ActionSyncFolder(StorageAction, ConfirmableAction):
    action_name = "action_sync_folder"
    kind = "sync_folder"
    skill = Skill(title="Sync the outbox folder to a bucket (new and changed files; dry run too)",
                  example="sync my outbox to bucket my-project-bucket", order=28)

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dry_run = is_dry_run(self.text_of(tracker))
        file = self.local_file_of(tracker)
        if not dry_run and file and await self.blocking(in_outbox, self.places, file):
            # "push notes.txt to b again": one file of the outbox is an upload of that file (which asks before
            # replacing it), never a sync of everything.
            return await self._upload_instead(dispatcher, tracker, domain)
        bucket = self.require(dispatcher, self.bucket_of(tracker),
                              wording.NEED_BUCKET.format(example="sync my outbox to bucket my-project-bucket"))
        if bucket is None:
            return []
        prefix = self.prefix_of(tracker)
        plan: SyncPlan = await self.blocking(self.sync_service().plan_sync, self.places.upload_dir, bucket, prefix)
        if not plan.items and not plan.skipped:
            dispatcher.utter_message(text=say.SYNC_OUTBOX_EMPTY.format(folder=plan.local_dir))
            return []
        text = plan_text(plan)
        if dry_run:
            dispatcher.utter_message(text=f"{text}\n{say.SYNC_DRY_RUN.format(bucket=bucket)}")
            return []
        if not plan.to_upload:
            dispatcher.utter_message(text=say.SYNC_NOTHING.format(url=s3_url(bucket, plan.prefix)))
            return []
        question = say.CONFIRM_SYNC.format(count=plural(len(plan.to_upload), "file"),
                                           size=format_bytes(plan.upload_bytes))
        pending = {"kind": self.kind, "bucket": bucket, "prefix": plan.prefix}
        # Changed files replace their objects: that yes destroys the old data, and looks it.
        return self.propose(dispatcher, f"{text}\n{question}", pending, say.SYNC_YES, danger=plan.count("changed") > 0)

    async def _upload_instead(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        uploader = ActionUploadFile()
        uploader.clients, uploader.audit, uploader.questions = self.clients, self.audit, self.questions
        return await uploader.act(dispatcher, tracker, domain)

    async def confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, pending: dict[str, Any]
    ) -> list[dict[str, Any]]:
        bucket, prefix = str(pending["bucket"]), str(pending.get("prefix") or "")
        service = self.sync_service()
        # Planned again: only what differs now is uploaded, even if the outbox changed since the question.
        plan: SyncPlan = await self.blocking(service.plan_sync, self.places.upload_dir, bucket, prefix)
        if not plan.to_upload:
            dispatcher.utter_message(text=say.SYNC_NOTHING.format(url=s3_url(bucket, plan.prefix)))
            return []
        if len(plan.to_upload) > self.background_files or plan.upload_bytes > self.background_bytes:
            dispatcher.utter_message(text=say.SYNC_STARTED.format(
                count=plural(len(plan.to_upload), "file"), size=format_bytes(plan.upload_bytes),
                url=s3_url(bucket, plan.prefix)))
            self.jobs.start(Job(
                sender_id=tracker.sender_id,
                work=lambda progress: self._apply(tracker, service, plan, progress),
                progress_text=progress_text(plan),
                title=f"the sync to {bucket}",
                progress_count=counted_files([i.size for i in plan.to_upload]),
            ))
            return []
        dispatcher.utter_message(text=await self.blocking(self._apply, tracker, service, plan, None))
        return []

    def _apply(self, tracker: Tracker, service: SyncService, plan: SyncPlan, progress: Progress | None) -> str:
        """Blocking: upload the plan between the two audit lines of the whole sync."""
        parted = multipart_keys(plan)
        params = {"bucket": plan.bucket, "prefix": plan.prefix, "folder": str(plan.local_dir), "multipart_keys": parted,
                  **prior_uploads(self.clients.client("s3"), plan.bucket, plan.prefix, parted)}
        result: SyncResult = self.audited(
            tracker, "sync_folder", params, lambda: service.apply_sync(plan, progress=progress),
            lambda r: {"uploaded": r.uploaded, "uploaded_bytes": r.uploaded_bytes, "failed": len(r.failures),
                       "completed": r.completed},
            problem=lambda r: r.failures[0].code if r.failures else None,
        )
        return sync_result_text(result)
