"""The base every CloudButler action shares: skill metadata for help, lazy clients, safe error handling, what a
message names, background jobs; and the base of actions that change something (asked first, audited)."""
from __future__ import annotations

import abc
import asyncio
import contextvars
import functools
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Mapping, TypeVar

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.aws.buckets import BucketService
from actions.aws.clients import AwsSettings, ClientFactory
from actions.aws.errors import CloudButlerError
from actions.core import context, errors, wording
from actions.core.audit import AuditLog
from actions.core.confirmation import Choice, Question, Questions
from actions.core.identity import Identity
from actions.core.jobs import JobRunner
from actions.core.late import RasaPoster
from actions.core.parsing import bucket_named, possessive_instance, refers_back, wants_known_buckets

logger = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Skill:
    """What `help` says about an implemented skill."""

    title: str
    example: str
    order: int = 100


class SkillAction(Action, abc.ABC):
    """Subclasses implement ``act``; exceptions become friendly replies, never stack traces in chat."""

    action_name: ClassVar[str]
    skill: ClassVar[Skill | None] = None
    # What "same for x" hands this skill as its new target: the entity "bucket", "instance" or "file".
    target: ClassVar[str] = "bucket"

    def name(self) -> str:
        return self.action_name

    @functools.cached_property
    def clients(self) -> ClientFactory:
        # Built on first use, not at import; tests assign their own factory.
        return ClientFactory()

    @functools.cached_property
    def audit(self) -> AuditLog:
        return AuditLog()

    @functools.cached_property
    def jobs(self) -> JobRunner:
        # Background work; its progress and result come back as late messages. Tests assign their own runner.
        return JobRunner(RasaPoster.from_env())

    @functools.cached_property
    def questions(self) -> Questions:
        # Asks for confirmations and judges the answers; tests assign one with their own clock and process id.
        return Questions()

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        # What the conversation talks about is kept per run (a ContextVar), never on this shared instance; the run
        # ends with one SlotSet("context") if it changed - also when the skill failed: the user named it.
        with context.turn(tracker) as turn:
            events = await self._answer(dispatcher, tracker, domain)
            if turn is None:
                return events
            for event in events:
                if event.get("event") == "slot" and event.get("name") == "pending":
                    self._note_proposal(turn, event.get("value"))
            return [*events, *turn.events()]

    async def _answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        try:
            await self._learn_bucket_names(tracker)
            return await self.act(dispatcher, tracker, domain)
        except CloudButlerError as exc:
            logger.info("%s failed: %s", self.action_name, exc.code)
            dispatcher.utter_message(text=errors.error_text(exc))
        except Exception:  # noqa: BLE001 - the user gets a sentence, the log gets the trace
            logger.exception("%s crashed", self.action_name)
            dispatcher.utter_message(text=wording.UNEXPECTED)
        return []

    @staticmethod
    def _note_proposal(turn: context.Turn, pending: Any) -> None:
        # A proposed change names its target, and "same for x" means the skill that proposed it.
        context.note_pending(pending)
        kind = pending.get("kind") if isinstance(pending, Mapping) else None
        proposer = confirmable(str(kind)) if kind else None
        if proposer is not None and not turn.skill_set:
            turn.mention(skill=proposer.action_name)

    async def _learn_bucket_names(self, tracker: Tracker) -> None:
        """Only when the extractor's bucket is no bucket name and a plain word of the message may be one: the
        account's bucket names (cached briefly) tell which; without them the words decide as usual."""
        turn = context.current_turn()
        if turn is None or not wants_known_buckets(self.text_of(tracker), self.entity(tracker, "bucket")):
            return
        try:
            turn.known_buckets = await self.blocking(known_buckets().names, self.clients)
        except CloudButlerError as exc:
            logger.info("bucket names unavailable: %s", exc.code)

    @abc.abstractmethod
    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Do the work and reply; raise CloudButlerError for failures the user should hear about."""

    @staticmethod
    def identity(tracker: Tracker) -> Identity:
        return Identity.from_message(tracker.sender_id, (tracker.latest_message or {}).get("metadata"))

    @staticmethod
    def text_of(tracker: Tracker) -> str:
        return str((tracker.latest_message or {}).get("text") or "")

    @staticmethod
    def entity(tracker: Tracker, name: str) -> str | None:
        """The entity from the latest message only: a name from an earlier turn must not leak into this one."""
        value = next(tracker.get_latest_entity_values(name), None)
        return str(value).strip() if value else None

    def bucket_named_in(self, tracker: Tracker) -> str | None:
        """The bucket this very message names (``actions.core.parsing.bucket_named``): an s3:// URL's, the entity
        made whole, a word that looks like one or a known bucket; ``InvalidBucketName`` if no bucket can be called
        that. Nothing from earlier messages."""
        turn = context.current_turn()
        known = turn.known_buckets if turn is not None else None
        return bucket_named(self.text_of(tracker), self.entity(tracker, "bucket"),
                            (lambda: known) if known is not None else None)

    def bucket_of(self, tracker: Tracker) -> str | None:
        """The bucket this message names, else the one the conversation talks about ("how big is it?", "delete
        that bucket", or no name at all); it becomes what the conversation talks about. A change to a bucket found
        this way names it in its confirmation, as every confirmation does."""
        name = self.bucket_named_in(tracker) or context.current().last_bucket
        if name:
            context.mention(bucket=name, skill=self.action_name)
        return name

    def instance_of(self, tracker: Tracker, *, required: bool = False) -> str | None:
        """The instance this message names, else - when it points back ("how is it doing?") or a skill needs one
        (``required``) - the one the conversation talks about."""
        name = self.entity(tracker, "instance")
        if name and name[-2:] in {"'s", "\u2019s"} and len(name) > 2:
            name = name[:-2]  # "batch-1's cpu": the possessive is not part of the name
        if name and name.lower() in {"it", "that", "this", "this one", "that one"}:
            name = None
        name = name or possessive_instance(self.text_of(tracker))
        if not name and (required or refers_back(self.text_of(tracker))):
            name = context.current().instance
        if name:
            context.mention(instance=name, skill=self.action_name)
        return name

    @staticmethod
    def require(dispatcher: CollectingDispatcher, value: str | None, ask: str) -> str | None:
        """``value``, or None after telling the user what to type: a missing name never reaches AWS."""
        if not value:
            dispatcher.utter_message(text=ask)
        return value or None

    @staticmethod
    async def blocking(func: Callable[..., T], *args: Any) -> T:
        """boto3, psutil and ec2-metadata block: run them off the event loop so other users are not held up (with
        this run's context: what the blocking part changes or names still counts)."""
        call = functools.partial(contextvars.copy_context().run, func, *args)
        return await asyncio.get_running_loop().run_in_executor(None, call)


class ConfirmableAction(SkillAction):
    """An action that proposes a change, stores it in the `pending` slot and carries it out on "yes".

    ``pending`` is ``{"kind": <kind>, ..., "question": <stamp>}`` (``self.questions.ask`` stamps it); ``confirmed``
    gets it without the stamp and may return a new ``pending`` (a second confirmation).
    """

    kind: ClassVar[str]

    @abc.abstractmethod
    async def confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, pending: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Carry out the confirmed change, audit it, and reply."""

    def propose(
        self, dispatcher: CollectingDispatcher, text: str, pending: dict[str, Any], yes: str, *, danger: bool = False
    ) -> list[dict[str, Any]]:
        """Ask yes/no about a change; ``action_confirm`` carries it out with ``pending`` on an answer to this very
        question (``actions.core.confirmation``). ``danger``: the change deletes or replaces data, and its yes button
        looks it (red beside a neutral Cancel)."""
        return self.questions.ask(dispatcher, Question(text=text, yes=(Choice(yes),), danger=danger), pending)

    def audited(
        self, tracker: Tracker, action: str, parameters: Mapping[str, Any], call: Callable[[], T],
        describe: Callable[[T], Mapping[str, Any]] | None = None,
        *, problem: Callable[[T], str | None] | None = None,
    ) -> T:
        """Run one change between its two audit lines ("attempted" first, then "ok", "error" with the failure's
        code - raised, or named by ``problem`` for results that report partial failure - or "aborted"). Blocking."""
        result = self.audit.change(
            who=self.identity(tracker), action=action, parameters=parameters, call=call, describe=describe,
            problem=problem,
        )
        context.note_change(action, parameters)  # what it deleted is no longer "it"; what it made or touched is
        if action in ("create_bucket", "delete_bucket"):
            known_buckets().clear()
        return result


def confirmable(kind: str) -> type[ConfirmableAction] | None:
    """The loaded action that carries out changes of ``kind`` (what ``action_confirm`` runs on a yes)."""
    pending: list[type[ConfirmableAction]] = list(ConfirmableAction.__subclasses__())
    while pending:
        cls = pending.pop()
        if getattr(cls, "kind", None) == kind:
            return cls
        pending.extend(cls.__subclasses__())
    return None


def skill_action(action_name: str) -> type[SkillAction] | None:
    """The loaded skill whose action is called ``action_name`` (what "same for x" runs again)."""
    pending: list[type[SkillAction]] = list(SkillAction.__subclasses__())
    while pending:
        cls = pending.pop()
        if getattr(cls, "action_name", None) == action_name and not getattr(cls, "__abstractmethods__", None):
            return cls
        pending.extend(cls.__subclasses__())
    return None


class KnownBuckets:
    """The account's bucket names, per set of AWS settings, kept ``ttl`` seconds: asked only when a message's
    words need them (``SkillAction._learn_bucket_names``), shared by this action-server process."""

    def __init__(self, ttl: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self._lock = threading.Lock()
        self._names: dict[AwsSettings, tuple[float, frozenset[str]]] = {}

    def names(self, clients: ClientFactory) -> frozenset[str]:
        """Blocking."""
        with self._lock:
            cached = self._names.get(clients.settings)
        if cached is not None and self.clock() - cached[0] < self.ttl:
            return cached[1]
        names = BucketService(clients.client("s3")).names()
        with self._lock:
            self._names[clients.settings] = (self.clock(), names)
        return names

    def clear(self) -> None:
        with self._lock:
            self._names.clear()


@functools.cache
def known_buckets() -> KnownBuckets:
    """The cache every action of this process shares (made on first use, never at import)."""
    return KnownBuckets()


def implemented_skills() -> list[Skill]:
    """Skills of every loaded SkillAction subclass: `help` is generated from the code, not written by hand."""
    found: dict[str, Skill] = {}
    pending: list[type[SkillAction]] = list(SkillAction.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.skill is not None:
            found[cls.action_name] = cls.skill
    return sorted(found.values(), key=lambda s: (s.order, s.title))
