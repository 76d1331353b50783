"""The mailbox for messages sent later, on its own: bounds, order, waiting polls and their release."""
from __future__ import annotations

import asyncio
import time

import pytest

from common.store import MemoryStore
from connectors.vocabulary import BotMessage
from connectors.webchat import Mailbox, MailboxOutput
from tests.connectors.webchat.scripted import eventually


def text(value: str) -> BotMessage:
    return BotMessage(text=value)


def test_messages_come_out_once_in_order() -> None:
    mailbox = Mailbox()
    mailbox.put("web:local:a", text("1"))
    mailbox.put("web:local:a", text("2"))
    assert mailbox.take_now("web:local:a") == [text("1"), text("2")]
    assert mailbox.take_now("web:local:a") == []
    assert mailbox.take_now("web:local:never") == []


def test_a_full_box_drops_its_oldest_messages() -> None:
    mailbox = Mailbox(max_messages=3)
    for n in range(7):
        mailbox.put("r", text(str(n)))
    assert mailbox.take_now("r") == [text("4"), text("5"), text("6")]


def test_the_recipient_with_the_oldest_mail_is_dropped_first() -> None:
    mailbox = Mailbox(max_recipients=3)
    for recipient in ("a", "b", "c"):
        mailbox.put(recipient, text(recipient))
    mailbox.put("a", text("a again"))  # a is now the most recent
    mailbox.put("d", text("d"))
    assert mailbox.take_now("b") == []
    assert mailbox.take_now("a") == [text("a"), text("a again")]
    assert mailbox.take_now("c") == [text("c")]
    assert mailbox.take_now("d") == [text("d")]


def test_collected_recipients_free_their_place() -> None:
    mailbox = Mailbox(max_recipients=1)
    mailbox.put("a", text("a"))
    assert mailbox.take_now("a") == [text("a")]
    mailbox.put("b", text("b"))
    mailbox.put("b", text("b2"))
    assert mailbox.take_now("b") == [text("b"), text("b2")]


def test_messages_live_in_the_store_the_mailbox_is_given() -> None:
    store = MemoryStore()
    Mailbox(store=store).put("web:local:a", text("kept"))
    # Another process's mailbox over the same (shared) store collects it: nothing is kept in the Mailbox object.
    assert Mailbox(store=store).take_now("web:local:a") == [text("kept")]
    assert store.take(Mailbox.NAMESPACE, "web:local:a") == []


@pytest.mark.parametrize("limits", [{"max_messages": 0}, {"max_recipients": 0}, {"max_messages": -1}])
def test_limits_must_be_positive(limits: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        Mailbox(**limits)


async def test_take_waits_for_the_first_message() -> None:
    mailbox = Mailbox()
    poll = asyncio.create_task(mailbox.take("r", timeout=5))
    await eventually(lambda: mailbox.waiting("r") == 1)
    assert not poll.done()
    mailbox.put("r", text("done"))
    assert await asyncio.wait_for(poll, 1) == [text("done")]
    assert mailbox.waiting("r") == 0


async def test_take_returns_what_is_there_without_waiting() -> None:
    mailbox = Mailbox()
    mailbox.put("r", text("early"))
    assert await asyncio.wait_for(mailbox.take("r", timeout=30), 0.5) == [text("early")]


async def test_take_times_out_empty_and_forgets_its_waiter() -> None:
    mailbox = Mailbox()
    started = time.monotonic()
    assert await mailbox.take("r", timeout=0.2) == []
    assert 0.19 <= time.monotonic() - started < 1.0  # uvloop's clock counts whole milliseconds
    assert mailbox.waiting("r") == 0
    assert await mailbox.take("r", timeout=0) == []


async def test_a_message_goes_to_one_of_two_polls_and_the_other_keeps_waiting() -> None:
    mailbox = Mailbox()
    first = asyncio.create_task(mailbox.take("r", timeout=0.5))
    second = asyncio.create_task(mailbox.take("r", timeout=0.5))
    await eventually(lambda: mailbox.waiting("r") == 2)
    mailbox.put("r", text("once"))
    results = await asyncio.gather(first, second)
    assert sorted(results, key=len) == [[], [text("once")]]
    assert mailbox.waiting("r") == 0


async def test_a_cancelled_poll_leaves_nothing_behind() -> None:
    mailbox = Mailbox()
    poll = asyncio.create_task(mailbox.take("r", timeout=5))
    await eventually(lambda: mailbox.waiting("r") == 1)
    poll.cancel()
    with pytest.raises(asyncio.CancelledError):
        await poll
    assert mailbox.waiting("r") == 0
    mailbox.put("r", text("kept"))  # no waiter to wake: the message waits for the next poll
    assert mailbox.take_now("r") == [text("kept")]


async def test_release_all_answers_every_waiting_poll_now() -> None:
    mailbox = Mailbox()
    polls = [asyncio.create_task(mailbox.take(r, timeout=30)) for r in ("a", "b", "b")]
    await eventually(lambda: (mailbox.waiting("a"), mailbox.waiting("b")) == (1, 2))
    mailbox.release_all()
    assert await asyncio.wait_for(asyncio.gather(*polls), 1) == [[], [], []]
    assert (mailbox.waiting("a"), mailbox.waiting("b")) == (0, 0)


async def test_mailbox_output_methods_make_whole_messages() -> None:
    mailbox = Mailbox()
    output = MailboxOutput(mailbox)
    await output.send_text_message("r", "hi")
    await output.send_image_url("r", "/media/chart.png")
    await output.send_attachment("r", "/f.pdf")
    await output.send_text_with_buttons("r", "Sure?", [{"title": "Yes", "payload": "/affirm"}])
    await output.send_custom_json("r", {"table": {"columns": ["a"], "rows": [["1"]]}})
    await output.send_response("r", {"text": "", "timestamp": 3, "elements": None})
    await output.send_response("other", {"text": "not yours"})
    assert mailbox.take_now("r") == [
        {"text": "hi"},
        {"image": "media/chart.png"},
        {"attachment": "/f.pdf"},
        {"text": "Sure?", "buttons": [{"title": "Yes", "payload": "/affirm"}]},
        {"custom": {"table": {"columns": ["a"], "rows": [["1"]]}}},
    ]
    assert MailboxOutput.name() == "webchat"
