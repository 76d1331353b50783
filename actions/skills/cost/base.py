"""What the cost skills share: their settings and their base action."""
from __future__ import annotations

import abc
import functools
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Mapping

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.aws.cost.analysis import CostAnalyser, ListingLimits
from actions.aws.cost.lifecycle import LifecycleService
from actions.aws.cost.model import CostReport
from actions.core import wording
from actions.core.base import SkillAction
from common import media

DIRECT_OBJECTS = 1_000  # buckets up to this many objects are answered at once (one listing page)
LISTING_MAX_OBJECTS = 500_000  # past this a background analysis reads the S3 Inventory report instead


@dataclass(frozen=True)
class CostSettings:
    direct_objects: int = DIRECT_OBJECTS
    listing_max_objects: int = LISTING_MAX_OBJECTS
    media_dir: Path = field(default_factory=media.media_dir)
    workdir: str | None = None  # where inventory files are unpacked (the system temp folder by default)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> CostSettings:
        env = os.environ if env is None else env
        return cls(
            direct_objects=int(env.get("CLOUDBUTLER_COST_DIRECT_OBJECTS") or DIRECT_OBJECTS),
            listing_max_objects=int(env.get("CLOUDBUTLER_COST_LISTING_MAX_OBJECTS") or LISTING_MAX_OBJECTS),
            media_dir=media.media_dir(env),
            workdir=env.get("CLOUDBUTLER_COST_WORKDIR") or None,
        )


class CostAction(SkillAction, abc.ABC):
    """Base of the cost skills: the engine's services, and a reply only once the message names a bucket."""

    need_bucket_example: ClassVar[str]

    @functools.cached_property
    def settings(self) -> CostSettings:
        return CostSettings.from_env()

    def analyser(self) -> CostAnalyser:
        return CostAnalyser(s3=self.clients.client("s3"))

    def lifecycle(self) -> LifecycleService:
        return LifecycleService(s3=self.clients.client("s3"))

    def small_analysis(self, bucket: str) -> CostReport:
        """Blocking: the analysis of a bucket of at most ``direct_objects`` objects; ``BucketTooLarge`` otherwise."""
        return self.analyser().analyse(bucket, limits=ListingLimits(max_objects=self.settings.direct_objects))

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        bucket = self.require(
            dispatcher, self.bucket_of(tracker), wording.NEED_BUCKET.format(example=self.need_bucket_example)
        )
        if bucket is None:
            return []
        return await self.answer(dispatcher, tracker, bucket)

    @abc.abstractmethod
    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, bucket: str) -> list[dict[str, Any]]:
        """Reply about ``bucket``; raise CloudButlerError for failures."""


