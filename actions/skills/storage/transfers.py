"""Transfer skills: upload (outbox files or chat attachments) and download (local file, presigned link, small files
as an attachment; archived objects offer a restore). Big transfers continue as background jobs; the folder sync is
beside them in ``sync.py``."""
from __future__ import annotations

import functools
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Sequence, cast

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.aws.errors import CloudButlerError
from actions.aws.multipart import MultipartUploads
from actions.aws.objects import ObjectInfo, ObjectService
from actions.aws.paths import UnsafePath, resolve_inside, unique_target
from actions.aws.s3 import Progress, default_transfer_config
from actions.aws.sync import SyncPlan
from actions.core import context, errors
from actions.core.base import ConfirmableAction, Skill
from actions.core.formatting import format_bytes, listed_names, plural, s3_url, when
from actions.core.identity import Attachment
from actions.core.jobs import Job, ProgressCount, counted, percent_done
from actions.core.late import Reply
from actions.core.media import publish
from actions.skills.storage import wording as say
from actions.skills.storage.base import (
    ATTACH_MAX_BYTES,
    LINK_SECONDS,
    StorageAction,
    StoragePlaces,
)
from actions.skills.storage.objects import propose_restore, restore_offer
from common.inbox import remove_folder_of, touch_folder_of

MULTIPART_KEYS_LIMIT = 1000  # keeps an audit line small; a sync of more parted files than this is unheard of


@dataclass(frozen=True)
class UploadItem:
    """One file of a proposed upload, as the ``pending`` slot keeps it: no server path (the tracker stores slots)."""

    source: str  # path inside the outbox, or inside the inbox for an attachment
    name: str  # what the user calls it
    key: str
    size: int
    replace: bool  # the key exists and the user was asked about replacing it
    attached: bool = False  # a chat attachment: its inbox folder is deleted once the upload is over


@dataclass(frozen=True)
class Source:
    path: Path  # real path
    name: str  # what the user calls it
    relative: str  # path inside its folder
    attached: bool


def _outbox_files(folder: Path, limit: int = 50) -> list[str]:
    if not folder.is_dir():
        return []
    found: list[str] = []
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            found.append(path.relative_to(folder).as_posix())
            if len(found) >= limit:
                break
    return found


def in_outbox(places: StoragePlaces, name: str) -> bool:
    """Blocking: whether ``name`` is a file inside the outbox folder (and does not lead out of it)."""
    try:
        return resolve_inside(places.upload_dir, name).is_file()
    except UnsafePath:
        return False


def _source(places: StoragePlaces, relative: str, name: str, *, attached: bool) -> Source:
    folder = places.inbox_dir if attached else places.upload_dir
    path = resolve_inside(folder, relative)
    return Source(path=path, name=name, relative=path.relative_to(folder.resolve()).as_posix(), attached=attached)


def _attachment_source(places: StoragePlaces, attachment: Attachment) -> Source:
    # The connector saved it in the inbox and names it relative to it; a path (or link) leading anywhere else is
    # not ours to upload.
    try:
        return _source(places, attachment.path, attachment.name, attached=True)
    except UnsafePath:
        raise UnsafePath(reason="symlink_escape", path=attachment.name) from None


def _sources(places: StoragePlaces, attachments: tuple[Attachment, ...], file: str) -> list[Source]:
    """What to upload: the attachments, else ``file`` from the outbox."""
    if attachments:
        return [_attachment_source(places, a) for a in attachments]
    return [_source(places, file, file, attached=False)]


def _path_of(places: StoragePlaces, item: UploadItem) -> Path:
    return resolve_inside(places.inbox_dir if item.attached else places.upload_dir, item.source)


def _refusal(places: StoragePlaces, items: list[UploadItem]) -> str | None:
    """Why a confirmed upload cannot go ahead: a file outside its folder (the slot is ours, but a stale or tampered
    one must not reach anywhere else) or one that is gone."""
    for item in items:
        try:
            path = _path_of(places, item)
        except UnsafePath:
            return say.unsafe_path({"path": item.name, "reason": "symlink_escape"},
                                   folder="inbox" if item.attached else "outbox")
        if not path.is_file():
            if item.attached:
                return say.ATTACHMENT_GONE.format(name=item.name)
            return f"{say.NOT_IN_OUTBOX.format(name=item.name, folder=places.upload_dir)} {say.NOTHING_CHANGED}"
    return None


def _forget(places: StoragePlaces, attachments: list[str]) -> None:
    """Blocking: delete the inbox folders of attachments (paths inside the inbox) that are of no further use."""
    for relative in attachments:
        remove_folder_of(places.inbox_dir, relative)


def files_done(sizes: Sequence[int], done_bytes: int) -> int:
    """How many files of ``sizes`` are done once ``done_bytes`` of their bytes are (they go one after another)."""
    finished = passed = 0
    for size in sizes:
        passed += size
        if passed > done_bytes:
            break
        finished += 1
    return finished


def counted_files(sizes: Sequence[int]) -> Callable[[int, int | None], ProgressCount]:
    """A transfer of several files reports bytes; its progress messages count files."""

    def count(done: int, _total: int | None) -> ProgressCount:
        return ProgressCount(done=files_done(sizes, done), total=len(sizes), unit="files")

    return count


def _progress_text(verb: str, what: str) -> Callable[[int, int | None], str]:
    def text(done: int, total: int | None) -> str:
        return say.TRANSFER_PROGRESS.format(
            verb=verb, what=what, percent=percent_done(done, total), done=format_bytes(done),
            total=format_bytes(total or 0),
        )

    return text


class ActionUploadFile(StorageAction, ConfirmableAction):
    action_name = "action_upload_file"
    kind = "upload_file"
    skill = Skill(title="Upload a file (from the outbox folder or attached)", example="upload report.pdf to "
                  "my-project-bucket", order=24)

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        attachments = self.identity(tracker).attachments
        events: list[dict[str, Any]] = []
        try:
            events = await self._ask(dispatcher, tracker, attachments)
        finally:
            if attachments and not events:  # nothing to confirm: the user sends them again if need be
                await self.blocking(_forget, self.places, [a.path for a in attachments])
        return events

    async def _ask(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, attachments: tuple[Attachment, ...]
    ) -> list[dict[str, Any]]:
        places = self.places
        file, bucket = self.local_file_of(tracker), self.bucket_of(tracker)
        talked = context.current().object
        if not attachments and not file and talked is not None:
            # "upload it again": the file of the object the conversation talks about (its key's last part).
            file = talked[1].rsplit("/", 1)[-1]
            bucket = self.bucket_named_in(tracker) or talked[0]
        if not attachments and not file:
            dispatcher.utter_message(text=await self.blocking(self._outbox_help, places, None))
            return []
        try:
            sources = _sources(places, attachments, file or "")
        except UnsafePath as exc:
            folder = "inbox" if attachments else "outbox"
            dispatcher.utter_message(text=say.unsafe_path(exc.details, folder=folder))
            return []
        if not sources[0].path.is_file():
            gone = say.ATTACHMENT_GONE.format(name=sources[0].name) if attachments else None
            dispatcher.utter_message(text=gone or await self.blocking(self._outbox_help, places, sources[0].name))
            return []
        if not bucket:
            template = say.UPLOAD_NEED_BUCKET_ATTACHED if attachments else say.UPLOAD_NEED_BUCKET
            dispatcher.utter_message(text=template.format(name=sources[0].name))
            return []
        service = self.object_service()
        items: list[UploadItem] = []
        lines: list[str] = []
        for source in sources:
            key = source.name.rsplit("/", 1)[-1]
            existing = await self.blocking(service.head_or_none, bucket, key)
            item = UploadItem(source=source.relative, name=source.name, key=key, size=source.path.stat().st_size,
                              replace=existing is not None, attached=source.attached)
            items.append(item)
            lines.append(_confirm_line(bucket, item, existing))
        text = say.CONFIRM_UPLOAD.format(bucket=bucket, lines="\n".join(lines))
        yes = say.UPLOAD_REPLACE_YES if any(i.replace for i in items) else say.UPLOAD_YES
        pending = {"kind": self.kind, "bucket": bucket, "files": [asdict(i) for i in items]}
        return self.propose(dispatcher, text, pending, yes, danger=any(i.replace for i in items))

    @staticmethod
    def _outbox_help(places: StoragePlaces, missing: str | None) -> str:
        names = _outbox_files(places.upload_dir)
        first = (
            say.NOT_IN_OUTBOX.format(name=missing, folder=places.upload_dir)
            if missing
            else say.NEED_UPLOAD_FILE.format(folder=places.upload_dir)
        )
        listing = say.OUTBOX_HAS.format(names=listed_names(names)) if names else say.OUTBOX_EMPTY
        return f"{first} {listing}"

    async def confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, pending: dict[str, Any]
    ) -> list[dict[str, Any]]:
        bucket = str(pending["bucket"])
        items = [UploadItem(**raw) for raw in pending["files"]]
        places = self.places
        attached = [item.source for item in items if item.attached]
        # Checked again at the moment of upload: the file system may have changed since the question.
        refusal = await self.blocking(_refusal, places, items)
        if refusal:
            await self.blocking(_forget, places, attached)
            dispatcher.utter_message(text=refusal)
            return []
        for relative in attached:  # a fresh TTL: the inbox sweep must not take a file from under its upload
            await self.blocking(touch_folder_of, places.inbox_dir, relative)
        service = self.object_service()

        def work(progress: Progress | None) -> str:
            try:
                return self._upload_all(tracker, service, bucket, items, progress)
            finally:
                _forget(places, attached)

        total = sum(_path_of(places, i).stat().st_size for i in items)
        if total > self.background_bytes:
            what = items[0].name if len(items) == 1 else plural(len(items), "file")
            dispatcher.utter_message(text=say.UPLOAD_STARTED.format(what=what, size=format_bytes(total), bucket=bucket))
            self.jobs.start(Job(
                sender_id=tracker.sender_id,
                work=work,
                progress_text=_progress_text("Uploading", what),
                title=f"the upload of {what}",
                progress_count=counted("bytes") if len(items) == 1 else counted_files([i.size for i in items]),
            ))
            return []
        dispatcher.utter_message(text=await self.blocking(work, None))
        return []

    def _upload_all(
        self, tracker: Tracker, service: ObjectService, bucket: str, items: list[UploadItem], progress: Progress | None
    ) -> str:
        """Blocking: upload each file (one audit line each); returns the closing reply."""
        paths = [_path_of(self.places, item) for item in items]
        total = sum(path.stat().st_size for path in paths)
        done = 0
        lines: list[str] = []
        for item, path in zip(items, paths, strict=True):
            report = _shifted(progress, done, total)
            params = {"bucket": bucket, "key": item.key, "file": item.name, "replace": item.replace}
            if item.size >= default_transfer_config().multipart_threshold:
                params.update(prior_uploads(self.clients.client("s3"), bucket, item.key, [item.key]))
            try:
                result = self.audited(
                    tracker, "upload_file", params,
                    functools.partial(service.upload, bucket, item.key, str(path), overwrite=item.replace,
                                      progress=report),
                    lambda r: {"size": r.size},
                )
            except CloudButlerError as exc:
                lines.append(say.UPLOAD_FAILED.format(name=item.name, reason=errors.error_text(exc)))
                continue
            done += result.size
            template = say.UPLOADED_REPLACED if result.replaced else say.UPLOADED
            lines.append(template.format(name=item.name, size=format_bytes(result.size),
                                         url=s3_url(bucket, result.key)))
        return "\n".join(lines)


def prior_uploads(s3: Any, bucket: str, prefix: str, keys: list[str]) -> dict[str, list[str]]:
    """``{"prior_uploads": [...]}``: the multipart uploads of ``keys`` pending before a change starts. They are not
    its own, so the recovery after a crash leaves them alone. Empty if S3 will not list them (the recovery then
    goes by their dates)."""
    if not keys:
        return {}
    try:
        pending = MultipartUploads(s3).pending(bucket, prefix)
    except CloudButlerError:
        return {}
    wanted = set(keys)
    return {"prior_uploads": [upload.upload_id for upload in pending if upload.key in wanted]}


def _shifted(progress: Progress | None, offset: int, total: int) -> Progress | None:
    """Progress of one file of several, reported against the bytes of all of them."""
    if progress is None:
        return None
    report = progress

    def shifted(done: int, _file_total: int | None) -> None:
        report(offset + done, total)

    return shifted


def _confirm_line(bucket: str, item: UploadItem, existing: ObjectInfo | None) -> str:
    url = s3_url(bucket, item.key)
    if existing is None:
        return say.CONFIRM_UPLOAD_LINE.format(name=item.name, size=format_bytes(item.size), url=url)
    return say.CONFIRM_REPLACE_LINE.format(
        name=item.name, size=format_bytes(item.size), url=url, old_size=format_bytes(existing.size),
        old_when=when(existing.last_modified),
    )


class ActionDownloadFile(StorageAction):
    action_name = "action_download_file"
    target = "file"  # "same for notes.txt" names another object (a bucket name keeps the key)
    skill = Skill(title="Download a file (saved locally, plus a time-limited link)",
                  example="download report.xlsx from my-project-bucket", order=25)

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        named = self.object_of(dispatcher, tracker, say.DOWNLOAD_NEED)
        if named is None:
            return []
        bucket, key = named
        service = self.object_service()
        info: ObjectInfo = await self.blocking(service.head, bucket, key)
        if info.needs_restore:
            if info.restore == "in_progress":
                dispatcher.utter_message(text=restore_offer(info))
                return []
            return propose_restore(dispatcher, info, self.questions)
        places = self.places
        original = key.rsplit("/", 1)[-1]
        try:
            name = unique_target(places.download_dir, original).name
        except UnsafePath as exc:
            dispatcher.utter_message(text=say.unsafe_path(exc.details, folder="downloads"))
            return []
        if info.size > self.background_bytes:
            url = s3_url(bucket, key)
            dispatcher.utter_message(text=say.DOWNLOAD_STARTED.format(url=url, size=format_bytes(info.size)))
            self.jobs.start(Job(
                sender_id=tracker.sender_id,
                # The whole reply: its link and attachment too, not only the words.
                work=lambda progress: [cast(Reply, self._download(service, places, info, name, progress))],
                progress_text=_progress_text("Downloading", original),
                title=f"the download of {original}",
                progress_count=counted("bytes"),
            ))
            return []
        dispatcher.utter_message(**await self.blocking(self._download, service, places, info, name, None))
        return []

    @staticmethod
    def _download(
        service: ObjectService, places: StoragePlaces, info: ObjectInfo, name: str, progress: Progress | None
    ) -> dict[str, Any]:
        """Blocking: the local copy, a presigned link and, for small files, a chat attachment."""
        result = service.download(info.bucket, info.key, places.download_dir, name=name, progress=progress)
        link = service.presigned_url(info.bucket, info.key, expires=LINK_SECONDS)
        original = info.key.rsplit("/", 1)[-1]
        lines = [say.DOWNLOADED.format(url=s3_url(info.bucket, info.key), size=format_bytes(result.size),
                                       path=result.path)]
        if result.path.name != original:
            lines.append(say.DOWNLOAD_RENAMED.format(original=original, name=result.path.name))
        lines.append(say.DOWNLOAD_LINK.format(minutes=LINK_SECONDS // 60, expires=when(link.expires_at),
                                              link=link.url))
        # The url appears once in the text; channels that can show links show it as this label instead.
        reply: dict[str, Any] = {"json_message": {"links": [{"url": link.url, "label": say.link_label(LINK_SECONDS)}]}}
        if result.size <= ATTACH_MAX_BYTES:
            reply["attachment"] = publish(result.path, result.path.name, folder=places.media_dir)
            lines.append(say.DOWNLOAD_ATTACHED)
        reply["text"] = "\n".join(lines)
        return reply


def multipart_keys(plan: SyncPlan, limit: int = MULTIPART_KEYS_LIMIT) -> list[str]:
    """The keys a sync uploads in parts: in the attempt's audit line, so the recovery after a crash can abort the
    unfinished multipart uploads of exactly these keys."""
    threshold = default_transfer_config().multipart_threshold
    return [item.key for item in plan.to_upload if item.size >= threshold][:limit]
