"""A confirmation answers exactly one question. Each question carries a one-time token (in its buttons), the time it
was asked and the id of the action-server process that asked it; ``judge`` decides whether an answer may carry out
the change waiting in the ``pending`` slot, and ``Questions`` asks (and asks again) on behalf of the actions."""
from __future__ import annotations

import enum
import functools
import hmac
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.core import wording

TOKEN_ENTITY = "confirm"  # set only by buttons: /affirm{"confirm": "<token>"}
QUESTION_SECONDS = 15 * 60  # a question older than this is asked again, whatever the answer
QUESTION_KEY = "question"  # where the stamp lives in the pending slot, beside the change's own parameters
YES = "/affirm"
NO = "/deny"


@functools.cache
def boot_id() -> str:
    """This action-server process, made on first use: a typed yes never answers a question asked before a restart."""
    return secrets.token_hex(6)


def new_token() -> str:
    # 12 hex characters: one-time and expiring, and short enough for a Discord custom_id with a tier beside it.
    return secrets.token_hex(6)


DANGER_STYLE = {"style": "danger"}  # what chat platforms draw red: the yes of a change that destroys something


@dataclass(frozen=True)
class Choice:
    """One yes button; its ``entities`` ride along in the payload (e.g. the restore tier it chooses). ``danger``:
    choosing it destroys something (deletes, empties, overwrites), so channels draw it red."""

    title: str
    entities: Mapping[str, str] = field(default_factory=dict)
    danger: bool = False

    def payload(self, token: str) -> str:
        return YES + json.dumps({**self.entities, TOKEN_ENTITY: token}, separators=(",", ":"))


@dataclass(frozen=True, kw_only=True)
class Question:
    """What the user is asked: the text, the yes buttons (a typed yes means the first), and the no button.
    ``danger``: every yes destroys something (as if each Choice said so); the no button is never drawn red."""

    text: str
    yes: tuple[Choice, ...]
    no: str = wording.CANCEL_BUTTON
    button_only: bool = False  # a typed yes is not enough (the second question before emptying a bucket)
    danger: bool = False

    def buttons(self, token: str) -> list[dict[str, str]]:
        yes = [
            {"title": c.title, "payload": c.payload(token), **(DANGER_STYLE if self.danger or c.danger else {})}
            for c in self.yes
        ]
        return yes + [{"title": self.no, "payload": NO}]


@dataclass(frozen=True, kw_only=True)
class Asked:
    """A question as it was asked: the stamp kept under ``pending["question"]``."""

    question: Question
    token: str
    at: float
    boot: str

    def to_slot(self) -> dict[str, Any]:
        q = self.question
        return {
            "text": q.text, "yes": [_choice_to_slot(c) for c in q.yes], "no": q.no,
            "button_only": q.button_only, "token": self.token, "asked_at": self.at, "boot": self.boot,
            **_danger_mark(q.danger),
        }

    @classmethod
    def from_pending(cls, pending: Any) -> Asked | None:
        """The stamp of ``pending``; None when there is none or it is not one (then nothing can be confirmed)."""
        raw = pending.get(QUESTION_KEY) if isinstance(pending, Mapping) else None
        if not isinstance(raw, Mapping):
            return None
        try:
            yes = tuple(Choice(str(c["title"]), {str(k): str(v) for k, v in c.get("entities", {}).items()},
                               danger=c.get("danger") is True)
                        for c in raw["yes"])
            question = Question(text=str(raw["text"]), yes=yes, no=str(raw["no"]),
                                button_only=bool(raw["button_only"]), danger=raw.get("danger") is True)
            asked = cls(question=question, token=str(raw["token"]), at=float(raw["asked_at"]), boot=str(raw["boot"]))
        except (KeyError, TypeError, ValueError, AttributeError):
            return None
        return asked if yes and asked.token else None


def _danger_mark(danger: bool) -> dict[str, bool]:
    # "danger" only when set: the stamps of every other question stay as they were.
    return {"danger": True} if danger else {}


def _choice_to_slot(choice: Choice) -> dict[str, Any]:
    return {"title": choice.title, "entities": dict(choice.entities), **_danger_mark(choice.danger)}


def change_of(pending: Mapping[str, Any]) -> dict[str, Any]:
    """The change's own parameters: ``pending`` without its question."""
    return {key: value for key, value in pending.items() if key != QUESTION_KEY}


class Verdict(enum.Enum):
    """What an answer to the pending question may do; every value but GO asks again (see ``wording.ask_again``)."""

    GO = "go"
    NEEDS_BUTTON = "needs_button"
    RESTARTED = "restarted"
    EXPIRED = "expired"
    STALE = "stale"
    EARLIER_BUTTONS = "earlier_buttons"


def answers_at_once(events: Sequence[Mapping[str, Any]], token: str) -> bool:
    """True if the question stamped ``token`` was the last thing said before the latest user message: walking back,
    the latest user message, then no other user message (late messages included) and no bot message, then the
    question's own ``pending`` slot event. The question's text comes just before that event, so it is not seen."""
    answered = False
    for event in reversed(events):
        kind = event.get("event")
        if kind == "user":
            if answered:
                return False
            answered = True
        elif kind == "bot":
            return False
        elif kind == "slot" and event.get("name") == "pending":
            return answered and _token_of(event.get("value")) == token
    return False


def _token_of(pending: Any) -> str | None:
    stamp = pending.get(QUESTION_KEY) if isinstance(pending, Mapping) else None
    token = stamp.get("token") if isinstance(stamp, Mapping) else None
    return token if isinstance(token, str) else None


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def judge(
    asked: Asked, *, token: str | None, events: Sequence[Mapping[str, Any]], now: float, boot: str, ttl: float
) -> Verdict:
    """A button (``token``) names its question: it counts once, until the question expires, even after a restart or
    other messages. A typed yes counts only right after the question, in the process that asked it, in time."""
    fresh = 0 <= now - asked.at <= ttl
    if token is not None:
        if not _same(token, asked.token):
            return Verdict.EARLIER_BUTTONS
        return Verdict.GO if fresh else Verdict.EXPIRED
    if asked.question.button_only:
        return Verdict.NEEDS_BUTTON
    if asked.boot != boot:
        return Verdict.RESTARTED
    if not fresh:
        return Verdict.EXPIRED
    if not answers_at_once(events, asked.token):
        return Verdict.STALE
    return Verdict.GO


@dataclass(frozen=True, kw_only=True)
class Questions:
    """Asks questions and judges answers with one clock and one process id; tests hand in their own."""

    clock: Callable[[], float] = time.time
    boot: str = field(default_factory=boot_id)
    ttl: float = QUESTION_SECONDS

    def stamp(self, pending: Mapping[str, Any], question: Question) -> dict[str, Any]:
        asked = Asked(question=question, token=new_token(), at=self.clock(), boot=self.boot)
        return {**change_of(pending), QUESTION_KEY: asked.to_slot()}

    def ask(
        self, dispatcher: CollectingDispatcher, question: Question, pending: Mapping[str, Any]
    ) -> list[dict[str, Any]]:
        """Say ``question`` with buttons for it alone, and leave ``pending`` waiting for the answer."""
        stamped = self.stamp(pending, question)
        dispatcher.utter_message(text=question.text, buttons=question.buttons(stamped[QUESTION_KEY]["token"]))
        return [SlotSet("pending", stamped)]

    def judge(self, tracker: Tracker, asked: Asked) -> Verdict:
        token = next(tracker.get_latest_entity_values(TOKEN_ENTITY), None)
        return judge(asked, token=None if token is None else str(token), events=tracker.events, now=self.clock(),
                     boot=self.boot, ttl=self.ttl)

    def ask_again(
        self, dispatcher: CollectingDispatcher, pending: Mapping[str, Any], asked: Asked, verdict: Verdict
    ) -> list[dict[str, Any]]:
        """Say why nothing was done, then the same question anew: new token, new time, this process. A question
        only its button answers keeps its token, so the button already on screen stays the one to press."""
        dispatcher.utter_message(text=wording.ask_again(verdict.value, button=asked.question.yes[0].title,
                                                          no=asked.question.no, minutes=int(self.ttl // 60)))
        if verdict is Verdict.NEEDS_BUTTON:
            dispatcher.utter_message(text=asked.question.text, buttons=asked.question.buttons(asked.token))
            return []
        return self.ask(dispatcher, asked.question, pending)
