"""What this conversation last talked about - a bucket, an object, an instance, a background job, and the skill that
last ran for a target - so that "it", "that bucket", "is it restored yet?" and "same for x" mean something.

It lives in the ``context`` slot between messages. While an action runs, its ``Turn`` sits in a ContextVar (actions
are singletons shared by every conversation, so nothing of one request is kept on them): resolving a name, proposing
a change and carrying one out update it, and the run ends with one ``SlotSet("context", ...)`` if it changed."""
from __future__ import annotations

import contextlib
import contextvars
import threading
from dataclasses import dataclass, replace
from typing import Any, Iterator, Mapping

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

CONTEXT_SLOT = "context"


@dataclass(frozen=True)
class Context:
    """The slot's value as a value: ``{"bucket", "object": {"bucket", "key"}, "instance", "job", "skill"}``."""

    bucket: str | None = None
    object: tuple[str, str] | None = None  # (bucket, key)
    instance: str | None = None
    job: str | None = None
    skill: str | None = None  # the action name of the last skill that ran for a target

    @classmethod
    def from_slot(cls, value: Any) -> Context:
        """Whatever the slot holds; anything malformed (an old or tampered slot) reads as nothing."""
        if not isinstance(value, Mapping):
            return cls()

        def text(key: str, source: Mapping[str, Any] = value) -> str | None:
            found = source.get(key)
            return found if isinstance(found, str) and found else None

        raw = value.get("object")
        obj = None
        if isinstance(raw, Mapping) and text("bucket", raw) and text("key", raw):
            obj = (str(raw["bucket"]), str(raw["key"]))
        return cls(bucket=text("bucket"), object=obj, instance=text("instance"), job=text("job"), skill=text("skill"))

    def to_slot(self) -> dict[str, Any]:
        slot: dict[str, Any] = {}
        if self.bucket:
            slot["bucket"] = self.bucket
        if self.object:
            slot["object"] = {"bucket": self.object[0], "key": self.object[1]}
        for name in ("instance", "job", "skill"):
            if getattr(self, name):
                slot[name] = getattr(self, name)
        return slot

    @property
    def last_bucket(self) -> str | None:
        """The bucket "it" means for a bucket skill: the one talked about, else the last object's."""
        return self.bucket or (self.object[0] if self.object else None)


class Turn:
    """One action run: the context before it and what the run adds. Written from the action's coroutine and from
    the worker threads it waits for (``SkillAction.blocking`` carries the ContextVar there), hence the lock."""

    def __init__(self, before: Context, known_buckets: frozenset[str] | None = None) -> None:
        self.before = before
        self.known_buckets = known_buckets
        self._now = before
        self._skill_set = False
        self._lock = threading.Lock()

    @property
    def now(self) -> Context:
        return self._now

    @property
    def skill_set(self) -> bool:
        """Whether a skill of this run resolved a target (then a proposal it makes does not rename the skill)."""
        return self._skill_set

    def mention(
        self, *, bucket: str | None = None, obj: tuple[str, str] | None = None, instance: str | None = None,
        job: str | None = None, skill: str | None = None,
    ) -> None:
        with self._lock:
            now = self._now
            if obj is not None:
                now = replace(now, object=obj, bucket=obj[0])
            if bucket is not None:
                # Another bucket: the object of the last one is no longer what "it" means.
                keep = now.object if now.object and now.object[0] == bucket else None
                now = replace(now, bucket=bucket, object=keep)
            if instance is not None:
                now = replace(now, instance=instance)
            if job is not None:
                now = replace(now, job=job)
            if skill is not None:
                now = replace(now, skill=skill)
                self._skill_set = True
            self._now = now

    def forget(self, *, bucket: str | None = None, obj: tuple[str, str] | None = None,
               prefix: tuple[str, str] | None = None) -> None:
        """What was deleted is no longer "it": a bucket (and its object), an object, or objects under a prefix."""
        with self._lock:
            now = self._now
            current = now.object
            if bucket is not None:
                if now.bucket == bucket:
                    now = replace(now, bucket=None)
                if current and current[0] == bucket:
                    now = replace(now, object=None)
            if obj is not None and current == obj:
                now = replace(now, object=None)
            if prefix is not None and current and current[0] == prefix[0] and current[1].startswith(prefix[1]):
                now = replace(now, object=None)
            self._now = now

    def events(self) -> list[dict[str, Any]]:
        now = self._now
        return [SlotSet(CONTEXT_SLOT, now.to_slot() or None)] if now != self.before else []


_TURN: contextvars.ContextVar[Turn | None] = contextvars.ContextVar("cloudbutler_turn", default=None)


def of(tracker: Tracker) -> Context:
    return Context.from_slot(tracker.get_slot(CONTEXT_SLOT))


@contextlib.contextmanager
def turn(tracker: Tracker) -> Iterator[Turn | None]:
    """The turn of one action run (None inside another run's turn: the outer run reports the changes)."""
    if _TURN.get() is not None:
        yield None
        return
    started = Turn(of(tracker))
    token = _TURN.set(started)
    try:
        yield started
    finally:
        _TURN.reset(token)


def current_turn() -> Turn | None:
    return _TURN.get()


def current() -> Context:
    """What the conversation talks about, as of now in this run (nothing outside a run)."""
    active = _TURN.get()
    return active.now if active is not None else Context()


def mention(**what: Any) -> None:
    """Record what this run talks about (``Turn.mention``); nothing outside a run (e.g. in a background job)."""
    active = _TURN.get()
    if active is not None:
        active.mention(**what)


def forget(**what: Any) -> None:
    active = _TURN.get()
    if active is not None:
        active.forget(**what)


def note_change(action: str, parameters: Mapping[str, Any]) -> None:
    """A change carried out (an audited call that succeeded): what it deleted is forgotten, what it made or touched
    is what the conversation talks about now."""
    bucket = parameters.get("bucket")
    key, prefix = parameters.get("key"), parameters.get("prefix")
    if not isinstance(bucket, str) or not bucket:
        return
    if action == "delete_bucket":
        forget(bucket=bucket)
    elif action == "empty_bucket":
        forget(prefix=(bucket, ""))
    elif action.startswith("delete"):
        if isinstance(key, str) and key:
            forget(obj=(bucket, key))
        elif isinstance(prefix, str):
            forget(prefix=(bucket, prefix))
    elif isinstance(key, str) and key:
        mention(obj=(bucket, key))
    else:
        mention(bucket=bucket)


def note_pending(pending: Any) -> None:
    """A proposed change names its target: the bucket to create or delete, the object to delete or restore."""
    if not isinstance(pending, Mapping):
        return
    bucket, key = pending.get("bucket"), pending.get("key")
    if isinstance(bucket, str) and bucket:
        if isinstance(key, str) and key:
            mention(obj=(bucket, key))
        else:
            mention(bucket=bucket)


def retargeted(tracker: Tracker, entities: list[dict[str, Any]], slots: Mapping[str, Any] | None = None) -> Tracker:
    """``tracker`` whose latest message carries ``entities`` (and ``slots`` set): how "same for x" hands the last
    skill its new target, as if the user had named it to that skill."""
    latest = dict(tracker.latest_message or {})
    latest["entities"] = entities
    return Tracker(
        sender_id=tracker.sender_id,
        slots={**tracker.slots, **(slots or {})},
        latest_message=latest,
        events=tracker.events,
        paused=tracker.is_paused(),
        followup_action=tracker.followup_action,
        active_loop=tracker.active_loop,
        latest_action_name=tracker.latest_action_name,
    )
