"""What the trend skills share: their settings, the clock periods are read against, the size tracker, and the
period a message names (its entity, the words of the message, or - after "same for x" - the request before)."""
from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.aws.size_tables import DEFAULT_PREFIX
from actions.aws.size_tracking import SizeTracker
from actions.core.base import SkillAction
from actions.core.media import publish
from actions.core.periods import Period, find_period, period_or_default
from actions.skills.trends import wording as say
from common import media


@dataclass(frozen=True)
class TrendSettings:
    media_dir: Path = field(default_factory=media.media_dir)
    table_prefix: str = DEFAULT_PREFIX

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> TrendSettings:
        env = os.environ if env is None else env
        return cls(media_dir=media.media_dir(env), table_prefix=env.get("CLOUDBUTLER_TABLE_PREFIX") or DEFAULT_PREFIX)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class TrendAction(SkillAction):
    """Base of the trend skills (abstract: ``act`` is the skill's)."""

    default_period: ClassVar[str]

    # Tests assign their own (a frozen moment); periods, "now" figures and the tracker all read this one.
    clock: Callable[[], datetime] = staticmethod(_utcnow)

    @functools.cached_property
    def settings(self) -> TrendSettings:
        return TrendSettings.from_env()

    def size_tracker(self) -> SizeTracker:
        return SizeTracker(
            dynamodb=self.clients.client("dynamodb"), s3=self.clients.client("s3"), sqs=self.clients.client("sqs"),
            cloudwatch=self.clients.client("cloudwatch"), prefix=self.settings.table_prefix,
            clock=lambda: self.clock().timestamp(),
        )

    def entities_of(self, tracker: Tracker, name: str) -> list[str]:
        """Every value of the entity in this message; after "same for x", those of the request it repeats when
        this one names none (so "and web-1?" keeps "cpu this week")."""
        values = [str(v).strip() for v in tracker.get_latest_entity_values(name) if str(v).strip()]
        if values or ((tracker.latest_message or {}).get("intent") or {}).get("name") != "same_for":
            return values
        users = [event for event in tracker.events if event.get("event") == "user"]
        earlier = ((users[-2].get("parse_data") or {}).get("entities") or []) if len(users) > 1 else []
        return [str(e["value"]).strip() for e in earlier if e.get("entity") == name and e.get("value")]

    def period_of(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> Period | None:
        """The period the message names (its entity, else words of the message), or the skill's default; None
        after saying which periods are understood, when the words name none."""
        now = self.clock()
        words = next(iter(self.entities_of(tracker, "period")), None)
        if words is None:
            found = find_period(self.text_of(tracker), now)
            if found is not None:
                return found[1]
        period = period_or_default(words, now, self.default_period)
        if period is None:
            dispatcher.utter_message(text=say.PERIOD_UNKNOWN.format(words=words))
        return period

    def publish_png(self, png: bytes, name: str) -> str:
        """Blocking: the chart in the media folder; its ``/media/<name>`` URL."""
        return publish(png, name, folder=self.settings.media_dir)
