"""What the capacity skills share: their settings, the clock, the services, the future window a message names and
the percentile it asks for ("using p95")."""
from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.aws.capacity import CapacityHistory
from actions.core.base import SkillAction
from actions.core.horizons import DEFAULT, Horizon, TooFarAhead, find_horizon, parse_horizon
from actions.core.media import publish
from actions.skills.capacity import wording as say
from actions.skills.capacity.outlook import PERCENTILES, CapacitySettings
from common import media

_PERCENTILE = re.compile(r"\bp(90|95|99\.5)\b|\b(90|95|99\.5)(?:th)?\s*(?:%|percentile)", re.IGNORECASE)


def percentile_named(text: str) -> float | None:
    """"using p95", "at the 90th percentile": one of ``PERCENTILES``, or None."""
    match = _PERCENTILE.search(text)
    if not match:
        return None
    value = float(match.group(1) or match.group(2))
    return value if value in PERCENTILES else None


_ANY_FAMILY = re.compile(
    r"\b(?:any|other|another|all|different|cheaper)\s+(?:instance\s+)?famil(?:y|ies)\b|\bacross\s+families\b"
    r"|\boutside\s+(?:the\s+|its\s+|their\s+)?family\b|\bany\s+(?:instance\s+)?type\b",
    re.IGNORECASE,
)


def any_family_asked(text: str) -> bool:
    """"... in any family", "across families", "outside its family": the recommendation may leave the family."""
    return bool(_ANY_FAMILY.search(text))


def _utcnow() -> datetime:
    return datetime.now(UTC)


class CapacityAction(SkillAction):
    """Base of the forecast and right-sizing skills (abstract: ``act`` is the skill's)."""

    target = "instance"
    # Tests assign their own (a frozen moment); windows and the metric queries read this one.
    clock: Callable[[], datetime] = staticmethod(_utcnow)

    @functools.cached_property
    def settings(self) -> CapacitySettings:
        return CapacitySettings.from_env()

    @functools.cached_property
    def media_dir(self) -> Path:
        return media.media_dir()

    def capacity(self) -> CapacityHistory:
        return CapacityHistory(ec2=self.clients.client("ec2"), cloudwatch=self.clients.client("cloudwatch"),
                               clock=self.clock)

    def horizon_of(self, dispatcher: CollectingDispatcher, tracker: Tracker, default: str = DEFAULT) -> Horizon | None:
        """The future window the message names (its period entity, else its words), or ``default``; None after
        saying why when the words name a window too far ahead or none at all."""
        now = self.clock()
        words = next((str(v) for v in tracker.get_latest_entity_values("period") if str(v).strip()), None)
        try:
            found = parse_horizon(words, now) if words else None
            if found is None:
                found = find_horizon(self.text_of(tracker), now)
        except TooFarAhead:
            dispatcher.utter_message(text=say.TOO_FAR)
            return None
        if found is None and words and not find_horizon(words, now):
            # a past period ("last week") or nonsense: say what is understood rather than guess
            dispatcher.utter_message(text=say.HORIZON_UNKNOWN.format(words=words))
            return None
        return found or parse_horizon(default, now)

    def publish_png(self, png: bytes, name: str) -> str:
        """Blocking: the chart in the media folder; its ``/media/<name>`` URL."""
        return publish(png, name, folder=self.media_dir)
