"""Conversation basics: help (generated from the implemented skills), honest 'not yet', yes/no on pending changes,
stop, and saying what arrives late (a background job's progress and result)."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.aws.errors import CloudButlerError
from actions.core import context, errors, wording
from actions.core.base import ConfirmableAction, Skill, SkillAction, confirmable, implemented_skills, skill_action
from actions.core.confirmation import TOKEN_ENTITY, Asked, Verdict, change_of
from actions.core.formatting import and_join
from actions.core.late import LATE_ENTITY, said
from actions.core.parsing import target_entities

HELP_INTRO = "Here is what I can do right now:"
HELP_OUTRO = "Type a request in your own words, e.g. \"{example}\"."
FALLBACK_INTRO = "Sorry, I didn't quite get that. " + HELP_INTRO
# Unrelated chit-chat and requests outside AWS get a short friendly answer, not the whole skill list.
OUT_OF_SCOPE = (
    "That's outside what I can do - I look after your AWS account from chat: S3 buckets and files, storage costs "
    "and lifecycle rules, and your server's status. Ask me \"what can you do\" for examples."
)
NOT_AVAILABLE = "I can't {what} yet - nothing was changed. Here is what I can do today:"
NOTHING_PENDING = "There's nothing waiting for your confirmation right now."
CANCELLED = "Okay, I cancelled that - nothing was changed."
NOTHING_TO_CANCEL = "Okay. There was nothing to cancel."
STOPPING = "Okay, stopping {what}. I'll tell you when it has stopped."
EARLIER_BUTTONS_NOTHING_PENDING = f"{wording.EARLIER_BUTTONS} {NOTHING_PENDING}"

# What each skill that is not built yet would do, for NOT_AVAILABLE ("I can't <what> yet"). An intent leaves this
# table when its skill is built; tests check that every entry's intent is routed to action_not_available.
INTENT_PURPOSE: dict[str, str] = {}  # intent -> what it would do ("forecast load"): none today


def _skill_table(skills: list[Skill]) -> dict[str, Any]:
    return {"table": {"columns": ["Skill", "Try"], "rows": [[s.title, s.example] for s in skills]}}


class ActionHelp(SkillAction):
    """``help`` and anything the model is unsure about: the skills with an example each. Out-of-scope text gets a
    short answer instead: one sentence naming what CloudButler does."""

    action_name = "action_help"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        skills = implemented_skills()
        intent = (tracker.latest_message or {}).get("intent", {}).get("name")
        if intent == "out_of_scope":
            dispatcher.utter_message(text=OUT_OF_SCOPE)
            return []
        intro = HELP_INTRO if intent == "help" else FALLBACK_INTRO
        lines = [intro] + [f"- {s.title} - e.g. \"{s.example}\"" for s in skills]
        if skills:
            lines.append(HELP_OUTRO.format(example=skills[0].example))
        dispatcher.utter_message(text="\n".join(lines), json_message=_skill_table(skills))
        return []


class ActionNotAvailable(SkillAction):
    """An intent the model understands whose skill is not built yet: "I can't <what> yet", then what works."""

    action_name = "action_not_available"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        _not_yet(dispatcher, (tracker.latest_message or {}).get("intent", {}).get("name", ""))
        return []


class ActionConfirm(SkillAction):
    action_name = "action_confirm"

    def __init__(self) -> None:
        self._handlers: dict[str, ConfirmableAction] = {}

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        pending = tracker.get_slot("pending")
        asked = Asked.from_pending(pending)
        handler_cls = confirmable(str(pending.get("kind", ""))) if asked is not None else None
        if asked is None or handler_cls is None:
            # Nothing asked (or a slot from before questions had tokens): nothing to carry out.
            clicked = self.entity(tracker, TOKEN_ENTITY) is not None
            dispatcher.utter_message(
                text=EARLIER_BUTTONS_NOTHING_PENDING if clicked else NOTHING_PENDING
            )
            return [SlotSet("pending", None)]
        verdict = self.questions.judge(tracker, asked)
        if verdict is not Verdict.GO:
            return self.questions.ask_again(dispatcher, pending, asked, verdict)
        handler = self._handlers.setdefault(handler_cls.kind, handler_cls())
        handler.clients = self.clients
        handler.audit = self.audit
        handler.questions = self.questions
        # Cleared whatever happens: the question is answered, and if the change fails a second "yes" must not
        # repeat it.
        cleared: list[dict[str, Any]] = [SlotSet("pending", None)]
        try:
            return cleared + await handler.confirmed(dispatcher, tracker, change_of(pending))
        except CloudButlerError as exc:
            dispatcher.utter_message(text=errors.error_text(exc))
            return cleared


class ActionCancel(SkillAction):
    action_name = "action_cancel"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if tracker.get_slot("pending"):
            dispatcher.utter_message(text=CANCELLED)
            return [SlotSet("pending", None)]
        # No question open: "stop" / "cancel" means the transfer or analysis running in the background.
        stopping = self.jobs.stop(tracker.sender_id)  # whichever action started them
        if stopping:
            dispatcher.utter_message(text=STOPPING.format(what=and_join(stopping)))
        else:
            dispatcher.utter_message(text=NOTHING_TO_CANCEL)
        return [SlotSet("pending", None)]


class ActionLateMessage(SkillAction):
    """Says a message posted after its action returned (``EXTERNAL_late_message``, see ``actions.core.late``):
    a background job's progress or result, a table, a chart, a notice after a restart."""

    action_name = "action_late_message"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        message = said(next(tracker.get_latest_entity_values(LATE_ENTITY), None))
        if message:
            dispatcher.utter_message(**message)
        return []


SAME_FOR_NOTHING_BEFORE = (
    "Same as what? I haven't looked at a bucket or an instance for you in this conversation yet. Ask me e.g. "
    "\"how big is my-project-bucket\", then \"same for another-bucket\"."
)
SAME_FOR_WHICH = "Which {what} should I do that for? Say e.g. \"same for {example}\"."
SAME_FOR_EXAMPLES = {"bucket": ("bucket", "backups-archive"), "instance": ("instance", "web-2"),
                     "file": ("file", "report.pdf"), "store": ("store", "Munich")}


class ActionSameFor(SkillAction):
    """"same for backups-archive", "and web-2?", "what about acme-invoices": the last skill that ran for a target
    (``context.skill``) runs again, in this turn, for the one this message names - handed to it as the entity it
    reads, as if the user had named it to that skill. A change it proposes asks first and names its target."""

    action_name = "action_same_for"

    def __init__(self) -> None:
        self._skills: dict[str, SkillAction] = {}

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        before = _intent_before(tracker)
        if before in INTENT_PURPOSE:  # "and for Munich?" after a skill still to come: the same honest not-yet
            _not_yet(dispatcher, before)
            return []
        last = context.current().skill
        cls = skill_action(last) if last else None
        if cls is None or cls is type(self):
            dispatcher.utter_message(text=SAME_FOR_NOTHING_BEFORE)
            return []
        latest = tracker.latest_message or {}
        entities = target_entities(self.text_of(tracker), list(latest.get("entities") or []), cls.target)
        if entities is None:
            what, example = SAME_FOR_EXAMPLES.get(cls.target, SAME_FOR_EXAMPLES["bucket"])
            dispatcher.utter_message(text=SAME_FOR_WHICH.format(what=what, example=example))
            return []
        skill = self._skills.setdefault(cls.action_name, cls())
        for shared in ("clients", "audit", "questions", "jobs"):  # tests hand in their own
            setattr(skill, shared, getattr(self, shared))
        named = next((str(e["value"]) for e in entities if e.get("entity") == "bucket"), None)
        retargeted = context.retargeted(tracker, entities, {"bucket": named} if named else None)
        return await skill.act(dispatcher, retargeted, domain)


def _not_yet(dispatcher: CollectingDispatcher, intent: str) -> None:
    """"I can't <what> yet - nothing was changed", then the skills that work (text and table)."""
    skills = implemented_skills()
    lines = [NOT_AVAILABLE.format(what=INTENT_PURPOSE.get(intent, "do that"))]
    lines += [f"- {s.title} - e.g. \"{s.example}\"" for s in skills]
    dispatcher.utter_message(text="\n".join(lines), json_message=_skill_table(skills))


def _intent_before(tracker: Tracker) -> str | None:
    """The intent of the user's message before the latest one (None at the start of a conversation)."""
    users = [e for e in tracker.events if e.get("event") == "user"]
    if len(users) < 2:
        return None
    name = ((users[-2].get("parse_data") or {}).get("intent") or {}).get("name")
    return str(name) if name else None
