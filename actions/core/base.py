"""The base every CloudButler action shares: skill metadata for help, lazy clients, safe error handling, what a
message names, background jobs; and the base of actions that change something (asked first, audited)."""
from __future__ import annotations

import abc
import asyncio
import functools
import logging
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Mapping, TypeVar

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.aws.clients import ClientFactory
from actions.aws.errors import CloudButlerError
from actions.core import errors, wording
from actions.core.audit import AuditLog
from actions.core.confirmation import Choice, Question, Questions
from actions.core.identity import Identity
from actions.core.jobs import JobRunner
from actions.core.late import RasaPoster
from actions.core.parsing import bucket_named

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
        try:
            return await self.act(dispatcher, tracker, domain)
        except CloudButlerError as exc:
            logger.info("%s failed: %s", self.action_name, exc.code)
            dispatcher.utter_message(text=errors.error_text(exc))
        except Exception:  # noqa: BLE001 - the user gets a sentence, the log gets the trace
            logger.exception("%s crashed", self.action_name)
            dispatcher.utter_message(text=wording.UNEXPECTED)
        return []

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

    def bucket_of(self, tracker: Tracker) -> str | None:
        """The bucket this message names (``actions.core.parsing.bucket_named``): an s3:// URL's, the entity made
        whole, or a guess from the words; ``InvalidBucketName`` if no bucket can be called that."""
        return bucket_named(self.text_of(tracker), self.entity(tracker, "bucket"))

    @staticmethod
    def require(dispatcher: CollectingDispatcher, value: str | None, ask: str) -> str | None:
        """``value``, or None after telling the user what to type: a missing name never reaches AWS."""
        if not value:
            dispatcher.utter_message(text=ask)
        return value or None

    @staticmethod
    async def blocking(func: Callable[..., T], *args: Any) -> T:
        """boto3, psutil and ec2-metadata block: run them off the event loop so other users are not held up."""
        return await asyncio.get_running_loop().run_in_executor(None, functools.partial(func, *args))


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
        self, dispatcher: CollectingDispatcher, text: str, pending: dict[str, Any], yes: str
    ) -> list[dict[str, Any]]:
        """Ask yes/no about a change; ``action_confirm`` carries it out with ``pending`` on an answer to this very
        question (``actions.core.confirmation``)."""
        return self.questions.ask(dispatcher, Question(text=text, yes=(Choice(yes),)), pending)

    def audited(
        self, tracker: Tracker, action: str, parameters: Mapping[str, Any], call: Callable[[], T],
        describe: Callable[[T], Mapping[str, Any]] | None = None,
        *, problem: Callable[[T], str | None] | None = None,
    ) -> T:
        """Run one change between its two audit lines ("attempted" first, then "ok", "error" with the failure's
        code - raised, or named by ``problem`` for results that report partial failure - or "aborted"). Blocking."""
        return self.audit.change(
            who=self.identity(tracker), action=action, parameters=parameters, call=call, describe=describe,
            problem=problem,
        )


def confirmable(kind: str) -> type[ConfirmableAction] | None:
    """The loaded action that carries out changes of ``kind`` (what ``action_confirm`` runs on a yes)."""
    pending: list[type[ConfirmableAction]] = list(ConfirmableAction.__subclasses__())
    while pending:
        cls = pending.pop()
        if getattr(cls, "kind", None) == kind:
            return cls
        pending.extend(cls.__subclasses__())
    return None


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
