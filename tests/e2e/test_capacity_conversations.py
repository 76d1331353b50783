"""End-to-end forecasts and right-sizing on the sandbox through the REST channel (Discord and Slack:
test_connectors_e2e.py). The sandbox seeds 14+ days of five-minute CPU with
daily and weekly patterns, so web-1, web-2 and batch-1 come out under-provisioned, over-provisioned and optimized."""
from __future__ import annotations

import re
import time
from typing import Any

import pytest
import requests

from launcher.stack import Stack
from tests.e2e.assistant import Conversation, api
from tests.e2e.test_trends import served_chart, text_of

pytestmark = pytest.mark.e2e

JOB_SECONDS = 120.0


def said_later(stack: Stack, chat: Conversation, starts: str, timeout: float = JOB_SECONDS) -> dict[str, Any]:
    """The first bot message of the conversation whose text starts with ``starts`` (a job's late message)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        tracker = requests.get(f"{stack.rasa_url}/conversations/{chat.sender}/tracker", params=api(stack), timeout=10)
        for event in tracker.json()["events"]:
            if event["event"] == "bot" and (event.get("text") or "").startswith(starts):
                return dict(event)
        time.sleep(0.5)
    pytest.fail(f"no message starting {starts!r} within {timeout} s")


def test_forecast_web_1_for_tomorrow(chat: Conversation, stack: Stack) -> None:
    replies = chat.say("forecast web-1 for tomorrow")
    lines = text_of(replies).splitlines()
    assert re.fullmatch(
        r"web-1 \(t3\.micro\) tomorrow: CPU should average about \d+% and peak near \d+% around \d\d:\d\d UTC "
        r"\(80% range \d+%-\d+%, 95% up to \d+%\)\.", lines[0]), lines
    assert lines[2].startswith("Model: "), lines
    assert lines[3].startswith("Size: under-provisioned"), lines
    served_chart(stack, replies, "-forecast-web-1.png")


def test_what_will_batch_1s_cpu_look_like_and_not_next_month(chat: Conversation) -> None:
    assert chat.say_text("what will batch-1's cpu look like tomorrow?").startswith("batch-1 (c5.large) tomorrow: ")
    assert chat.say_text("predict web-2 load for next month").startswith("I forecast at most 7 days ahead")


def test_which_of_our_servers_are_oversized(chat: Conversation, stack: Stack) -> None:
    assert chat.say_text("which of our servers are oversized?") == (
        "Checking 3 running instances - I'll post the table here when it's done.")
    result = said_later(stack, chat, "Right-sizing 3 instances")
    table = result["data"]["custom"]["table"]
    assert [row[:3] for row in table["rows"]] == [
        ["web-1", "t3.micro", "under-provisioned"],
        ["web-2", "t3.medium", "over-provisioned"],
        ["batch-1", "c5.large", "optimized"],
    ]
    assert result["data"]["image"].endswith("-rightsize-web-1.png")


def test_is_web_2_oversized_then_its_resize_button_asks_first(chat: Conversation) -> None:
    replies = chat.say("is web-2 too big?")
    lines = text_of(replies).splitlines()
    assert lines[0] == "web-2 (t3.medium) is over-provisioned (bigger than it needs).", lines
    assert lines[-1].startswith('To change it, say "resize web-2 to '), lines
    [button] = next(r["buttons"] for r in replies if r.get("buttons"))
    assert button["title"].startswith("Resize web-2 to t3.")
    question = chat.say_text(button["payload"])
    assert re.match(r"Resize web-2 \(i-[0-9a-f]+\)\? web-2 will be stopped, changed from t3\.medium to t3\.", question)
    assert chat.say_text("no").startswith("Okay")  # nothing changed


def test_will_web_1_need_a_bigger_instance_next_week(chat: Conversation) -> None:
    lines = chat.say_text("will web-1 need a bigger instance next week?").splitlines()
    assert lines[0] == "web-1 (t3.micro) is under-provisioned (too small).", lines
    assert lines[1].startswith("Recommended: t3."), lines
