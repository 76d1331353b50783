"""What every S3 storage skill shares: its services, the local folders it may use, its thresholds for background
work, and the parts of a message only storage skills read (a file, a prefix). The skills themselves live beside it
in ``buckets.py``, ``objects.py`` and ``transfers.py``."""
from __future__ import annotations

import abc
import os
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Mapping

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.aws.buckets import BucketService
from actions.aws.objects import ObjectService
from actions.aws.s3 import MB
from actions.aws.sync import SyncService
from actions.aws.usage import UsageService
from actions.core import context
from actions.core.base import SkillAction
from actions.core.parsing import guess_file, is_reference, outside_urls, s3_url_in, whole_word
from common import inbox, media

BACKGROUND_BYTES = 50 * MB  # bigger transfers run as background jobs
BACKGROUND_OBJECTS = 5_000  # emptying more than this many versions runs in the background
BACKGROUND_FILES = 200  # a sync of more files than this runs in the background
ATTACH_MAX_BYTES = 8 * MB  # downloads up to this size also come back as a chat attachment
LINK_SECONDS = 3600  # presigned links live one hour


@dataclass(frozen=True)
class StoragePlaces:
    """The local folders storage skills read from and write to (the inbox and media folders are shared with the
    connectors: ``common.inbox``, ``common.media``)."""

    upload_dir: Path
    download_dir: Path
    inbox_dir: Path
    media_dir: Path

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> StoragePlaces:
        env = os.environ if env is None else env
        return cls(
            upload_dir=Path(env.get("CLOUDBUTLER_UPLOAD_DIR") or "./outbox"),
            download_dir=Path(env.get("CLOUDBUTLER_DOWNLOAD_DIR") or "./downloads"),
            inbox_dir=inbox.inbox_dir(env),
            media_dir=media.media_dir(env),
        )


class StorageAction(SkillAction, abc.ABC):
    """Base of the storage skills. Thresholds are class attributes so tests can lower them on an instance."""

    background_bytes: ClassVar[int] = BACKGROUND_BYTES
    background_objects: ClassVar[int] = BACKGROUND_OBJECTS
    background_files: ClassVar[int] = BACKGROUND_FILES

    # The services, built per use on the action's clients (tests hand in their own ``clients``).
    def bucket_service(self) -> BucketService:
        return BucketService(self.clients.client("s3"))

    def object_service(self) -> ObjectService:
        return ObjectService(self.clients.client("s3"))

    def usage_service(self) -> UsageService:
        return UsageService(self.clients.client("s3"))

    def sync_service(self) -> SyncService:
        return SyncService(self.clients.client("s3"))

    @property
    def places(self) -> StoragePlaces:
        return StoragePlaces.from_env()

    def file_of(self, tracker: Tracker) -> str | None:
        """The object key this message names: the key of an s3://bucket/key URL, else the ``file`` entity (made
        whole), else a guess from the words."""
        url = s3_url_in(self.text_of(tracker))
        if url and url.key and not url.key.endswith("/"):
            return url.key
        return self.local_file_of(tracker)

    def object_of(self, dispatcher: CollectingDispatcher, tracker: Tracker, ask: str) -> tuple[str, str] | None:
        """The bucket and key this message names; what it leaves out comes from what the conversation talks about
        ("is it restored yet?", "delete the file", "download notes.txt" after listing a bucket). None after telling
        the user what to type (``ask``). The object becomes what the conversation talks about."""
        bucket, key = self.bucket_named_in(tracker), self.file_of(tracker)
        talked = context.current()
        if not key and talked.object and bucket in (None, talked.object[0]):
            bucket, key = talked.object
        bucket = bucket or talked.last_bucket
        if not bucket or not key:
            if bucket:
                context.mention(bucket=bucket, skill=self.action_name)
            dispatcher.utter_message(text=ask)
            return None
        context.mention(obj=(bucket, key), skill=self.action_name)
        return bucket, key

    def local_file_of(self, tracker: Tracker) -> str | None:
        """A file name from the words; an s3:// URL names the other end of a transfer, never the local file."""
        text = self.text_of(tracker)
        named = self.entity(tracker, "file")
        if is_reference(named):  # "delete it": the extractor took the pronoun for a name
            named = None
        return whole_word(text, outside_urls(text, named)) or guess_file(text)

    def prefix_of(self, tracker: Tracker) -> str:
        """The key part of an s3://bucket/prefix URL, else the ``prefix`` entity; the tokenizer drops a trailing "/"
        the user typed, so it is put back."""
        url = s3_url_in(self.text_of(tracker))
        if url and url.key:
            return url.key
        prefix = (self.entity(tracker, "prefix") or "").lstrip("/")
        return prefix + "/" if prefix and not prefix.endswith("/") and prefix + "/" in self.text_of(tracker) else prefix
