"""The examples the empty web chat offers are requests a working skill answers: each is the example "help" gives
for an implemented skill (so never a not-yet skill such as account statistics), or "help" itself."""
from __future__ import annotations

import pytest

from actions.skills import load_all
from connectors.webchat.settings import DEFAULT_EXAMPLES, MAX_EXAMPLES, WebChatSettings, clean_examples


def test_every_default_example_is_a_working_skills_own_example() -> None:
    working = {skill.example for skill in load_all()} | {"help"}
    assert DEFAULT_EXAMPLES and set(DEFAULT_EXAMPLES) <= working


def test_the_operator_may_choose_the_examples() -> None:
    assert WebChatSettings.resolve(environ={}).examples == DEFAULT_EXAMPLES
    chosen = WebChatSettings.resolve(environ={}, examples=["  how big is\nlogs  ", "", "help"])
    assert chosen.examples == ("how big is logs", "help")
    assert clean_examples([f"e{i}" for i in range(20)]) == tuple(f"e{i}" for i in range(MAX_EXAMPLES))
    with pytest.raises(ValueError):
        clean_examples("list my S3 buckets")


@pytest.mark.e2e
async def test_the_trained_assistant_answers_every_default_example_with_its_skill() -> None:
    """Each chip, parsed by the newest model and run through its policies, reaches the skill's own action (or
    help) - never the fallback nor an honest "not yet"."""
    from rasa.core.agent import Agent
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from actions.core.base import SkillAction
    from tests.e2e.assistant import newest_model

    load_all()
    actions, pending = {"action_help"}, list(SkillAction.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.skill is not None:
            actions.add(cls.action_name)
    agent = Agent.load(str(newest_model()))
    for example in DEFAULT_EXAMPLES:
        parsed = await agent.parse_message(example)
        said = UserUttered(example, parsed["intent"], parsed["entities"], parsed)
        tracker = DialogueStateTracker.from_events("chips", [ActionExecuted("action_listen"), said],
                                                   slots=agent.domain.slots)
        action, _ = agent.processor.predict_next_with_tracker_if_should(tracker)
        assert action.name() in actions, (example, parsed["intent"], action.name())
        assert parsed["intent"]["name"] not in {"nlu_fallback", "out_of_scope"}, example
