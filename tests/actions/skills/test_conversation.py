"""help / not-available / yes-no actions: exact events and messages."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from actions.aws.errors import CloudButlerError
from actions.core import errors, wording
from actions.core.base import ConfirmableAction, SkillAction, implemented_skills
from actions.skills import conversation
from actions.skills.conversation import ActionCancel, ActionConfirm, ActionHelp, ActionNotAvailable, ActionSameFor
from actions.skills.server_status import ActionServerStatus
from tests.actions.harness import answer_to, asked, run_action, tracker_for, user_event


class _ExplodingFactory:
    """Any AWS client request fails the test: help and friends must never call AWS."""

    def client(self, service: str) -> Any:
        raise AssertionError(f"unexpected AWS call to {service}")


async def test_help_lists_every_implemented_skill_and_calls_no_aws() -> None:
    action = ActionHelp()
    action.clients = _ExplodingFactory()  # type: ignore[assignment]
    events, sent = await run_action(action, tracker_for("what can you do", intent="help"))
    assert events == []
    text = sent[0]["text"]
    assert text.startswith(conversation.HELP_INTRO)
    assert ActionServerStatus.skill is not None
    assert ActionServerStatus.skill.example in text
    rows = sent[0]["custom"]["table"]["rows"]
    assert rows == [[s.title, s.example] for s in implemented_skills()]


async def test_fallback_help_says_it_did_not_understand() -> None:
    _, sent = await run_action(ActionHelp(), tracker_for("pizza?", intent="nlu_fallback"))
    assert sent[0]["text"].startswith(conversation.FALLBACK_INTRO)


async def test_out_of_scope_gets_one_short_sentence_without_the_table() -> None:
    _, sent = await run_action(ActionHelp(), tracker_for("book me a flight to rome", intent="out_of_scope"))
    assert [m["text"] for m in sent] == [conversation.OUT_OF_SCOPE]
    assert "custom" not in sent[0] or not sent[0]["custom"]


# Every intent of the contract has its skill now; the honest not-yet stays for the next ones.
STILL_TO_COME = {"usage_stats": "show account statistics, spend and how I'm used"}


@pytest.fixture
def still_to_come(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conversation, "INTENT_PURPOSE", STILL_TO_COME)


@pytest.mark.parametrize("intent,purpose", sorted(STILL_TO_COME.items()))
async def test_not_available_says_i_cant_and_what_works(intent: str, purpose: str, still_to_come: None) -> None:
    _, sent = await run_action(ActionNotAvailable(), tracker_for(intent=intent))
    lines = sent[0]["text"].splitlines()
    assert lines[0] == conversation.NOT_AVAILABLE.format(what=purpose)
    assert lines[0].startswith(f"I can't {purpose} yet")
    assert len(lines) == 1 + len(implemented_skills())
    assert sent[0]["custom"]["table"]["rows"] == [[s.title, s.example] for s in implemented_skills()]


async def test_same_for_after_a_skill_still_to_come_is_the_same_honest_not_yet(still_to_come: None) -> None:
    tracker = tracker_for("and for last month?", intent="same_for", events=[
        user_event("what are my stats", "usage_stats"), user_event("and for last month?", "same_for"),
    ])
    events, sent = await run_action(ActionSameFor(), tracker)
    purpose = conversation.INTENT_PURPOSE["usage_stats"]
    assert sent[0]["text"].startswith(conversation.NOT_AVAILABLE.format(what=purpose))
    assert "Which" not in sent[0]["text"]


def test_every_not_yet_intent_is_routed_to_not_available_and_in_the_domain() -> None:
    root = Path(__file__).resolve().parents[3]
    rules = yaml.safe_load((root / "nlu" / "not_available.yml").read_text())["rules"]
    routed = {r["steps"][0]["intent"] for r in rules if r["steps"][1] == {"action": "action_not_available"}}
    assert routed == set(conversation.INTENT_PURPOSE)
    intents = set(yaml.safe_load((root / "domain.yml").read_text())["intents"])
    assert routed <= intents


async def test_yes_with_nothing_pending() -> None:
    events, sent = await run_action(ActionConfirm(), tracker_for("yes", intent="affirm"))
    assert sent[0]["text"] == conversation.NOTHING_PENDING
    assert events == [{"event": "slot", "timestamp": None, "name": "pending", "value": None}]


class _RecordingChange(ConfirmableAction):
    action_name = "action_test_change"
    kind = "test_change"
    calls: list[dict[str, Any]] = []

    async def act(self, dispatcher: Any, tracker: Any, domain: Any) -> list[dict[str, Any]]:
        return []

    async def confirmed(self, dispatcher: Any, tracker: Any, pending: dict[str, Any]) -> list[dict[str, Any]]:
        self.calls.append(pending)
        if pending.get("fail"):
            raise CloudButlerError("AccessDenied")
        dispatcher.utter_message(text="done")
        return []


async def test_yes_runs_the_pending_change_once_and_clears_it() -> None:
    _RecordingChange.calls.clear()
    pending = {"kind": "test_change", "bucket": "b1"}
    events, sent = await run_action(ActionConfirm(), answer_to(asked(pending)))
    assert _RecordingChange.calls == [pending]  # the change without its question
    assert sent[0]["text"] == "done"
    assert events[0]["name"] == "pending" and events[0]["value"] is None


async def test_a_failing_change_still_clears_pending_and_explains() -> None:
    _RecordingChange.calls.clear()
    events, sent = await run_action(ActionConfirm(), answer_to(asked({"kind": "test_change", "fail": True})))
    assert sent[0]["text"] == errors.AWS_ERRORS["AccessDenied"]
    assert events == [{"event": "slot", "timestamp": None, "name": "pending", "value": None}]


@pytest.mark.parametrize("pending,expected", [
    ({"kind": "x"}, conversation.CANCELLED), (None, conversation.NOTHING_TO_CANCEL),
])
async def test_no_cancels(pending: Any, expected: str) -> None:
    events, sent = await run_action(ActionCancel(), tracker_for(intent="deny", slots={"pending": pending}))
    assert sent[0]["text"] == expected
    assert events[0]["value"] is None


class _Crashing(SkillAction):
    action_name = "action_test_crash"

    async def act(self, dispatcher: Any, tracker: Any, domain: Any) -> list[dict[str, Any]]:
        raise RuntimeError("secret internals /home/x.py line 3")


async def test_an_unexpected_crash_becomes_a_friendly_sentence() -> None:
    events, sent = await run_action(_Crashing(), tracker_for())
    assert events == []
    assert sent == [{**sent[0], "text": wording.UNEXPECTED}]
    assert "secret internals" not in str(sent)


def test_unknown_error_codes_name_the_code_and_promise_nothing_changed() -> None:
    assert errors.error_text(CloudButlerError("WeirdCode")) == errors.GENERIC_AWS_ERROR.format(code="WeirdCode")
    assert "web-1, web-2" in errors.error_text(CloudButlerError("unknown_instance", name="x", known="web-1, web-2"))
