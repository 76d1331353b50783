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
