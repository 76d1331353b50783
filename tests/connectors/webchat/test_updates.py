"""Messages sent later (``get_output_channel()``, what Rasa's ``trigger_intent`` with ``output_channel=latest``
uses) reach the page through ``GET updates``, a long poll, over HTTP on the served channel."""
from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace
from typing import Any, AsyncIterator

import aiohttp
import pytest
from rasa.server import _get_output_channel
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from connectors.webchat import Mailbox, MailboxOutput, WebChatInput
from connectors.webchat.channel import SESSION_HEADER
from connectors.webchat.protocol import ERRORS
from tests.connectors.webchat.client import get_updates
from tests.connectors.webchat.scripted import BUTTONS_REPLY, FIELDS_REPLY, WebChatServer, eventually, serve_webchat

# What Rasa's processor hands an output channel besides our vocabulary: the channel must drop it.
# uvloop's timers count whole milliseconds: a 0.3 s wait may end a hair early by the monotonic clock.
QUICK_WAIT = 0.29
RASA_EXTRAS = {"timestamp": 1.5, "utter_action": "utter_x", "elements": None, "quick_replies": None}


async def serve(tmp_path: Path, *, wait: float, mailbox: Mailbox | None = None) -> AsyncIterator[WebChatServer]:
    channel = WebChatInput(
        inbox_dir=tmp_path / "inbox", media_dir=tmp_path / "media", updates_wait_seconds=wait, mailbox=mailbox
    )
    async for server in serve_webchat(tmp_path, channel=channel):
        yield server


@pytest.fixture
async def quick(tmp_path: Path) -> AsyncIterator[WebChatServer]:
    """Polls give up after 0.3 s."""
    async for server in serve(tmp_path, wait=0.3):
        yield server


@pytest.fixture
async def patient(tmp_path: Path) -> AsyncIterator[WebChatServer]:
    """Polls wait up to 10 s, longer than any test waits for a message."""
    async for server in serve(tmp_path, wait=10):
        yield server


async def push(server: WebChatServer, name: str, message: dict[str, Any]) -> None:
    """What Rasa sends later to the conversation of ``name``'s session."""
    output = server.channel.get_output_channel()
    assert isinstance(output, MailboxOutput)
    await output.send_response(server.sender_id(name), {**RASA_EXTRAS, **message})


def as_(server: WebChatServer, name: str) -> str:
    """The query of a poll by ``name``'s page."""
    return f"sender={server.session(name)}"


async def test_late_messages_are_collected_whole_and_once(quick: WebChatServer) -> None:
    await push(quick, "u1", BUTTONS_REPLY)
    await push(quick, "u1", {"text": "Chart", "image": "/media/chart.png"})
    await push(quick, "u1", FIELDS_REPLY)
    await push(quick, "u1", {"text": None})  # nothing left of it: not a message
    status, body, _ = await get_updates(quick, as_(quick, "u1"))
    assert status == 200
    assert body == [
        {
            "text": "Delete bucket demo?",
            "buttons": [{"title": "Yes, delete", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}],
        },
        {"text": "Chart", "image": "media/chart.png"},
        {"text": FIELDS_REPLY["text"], "custom": FIELDS_REPLY["custom"]},
    ]
    status, body, waited = await get_updates(quick, as_(quick, "u1"))
    assert (status, body) == (200, [])
    assert waited >= QUICK_WAIT
    assert quick.bot.received == []  # late messages never go through the bot


async def test_senders_only_ever_see_their_own_mailbox(quick: WebChatServer) -> None:
    await push(quick, "ann", {"text": "for ann"})
    await push(quick, "bob", {"text": "for bob"})
    other_platform = quick.channel.get_output_channel()
    await other_platform.send_response("slack:T1:U1", {"text": "for slack"})
    assert (await get_updates(quick, as_(quick, "bob")))[:2] == (200, [{"text": "for bob"}])
    # Not a session: refused (before sessions, a sender named like another platform's user was merely empty).
    assert (await get_updates(quick, "sender=U1"))[0] == 401
    assert (await get_updates(quick, as_(quick, "ann")))[:2] == (200, [{"text": "for ann"}])
    assert (await get_updates(quick, as_(quick, "bob")))[:2] == (200, [])
    status, body, _ = await get_updates(quick, "sender=slack:T1:U1")
    assert (status, body["error"]) == (401, "bad_sender")
    assert quick.channel.mailbox.take_now("slack:T1:U1") == [{"text": "for slack"}]


@pytest.mark.parametrize(
    "query",
    ["", "sender=", "sender=..%2Fu1", "sender=web:local:u1", "sender=" + "x" * 65, "sender=a%20b", "from=u1",
     "sender=u1", "sender={id}", "sender=web:local:{id}", "sender={id}.", "sender={id}.{other_signature}",
     "from={token}"],
)
async def test_bad_senders_are_refused_at_once(patient: WebChatServer, query: str) -> None:
    await push(patient, "u1", {"text": "private"})
    token = patient.session("u1")
    session_id = token.split(".")[0]
    other_signature = patient.session("u2").split(".")[1]
    status, body, waited = await get_updates(
        patient, query.format(id=session_id, other_signature=other_signature, token=token)
    )
    assert status == 401
    assert body == {"error": "bad_sender", "message": ERRORS["bad_sender"]}
    assert waited < 2
    assert patient.channel.mailbox.take_now(patient.sender_id("u1")) == [{"text": "private"}]


async def test_the_mailbox_is_bounded(tmp_path: Path) -> None:
    async for server in serve(tmp_path, wait=0.3, mailbox=Mailbox(max_messages=5, max_recipients=3)):
        for n in range(8):
            await push(server, "busy", {"text": f"step {n}"})
        assert (await get_updates(server, as_(server, "busy")))[1] == [{"text": f"step {n}"} for n in range(3, 8)]
        for sender in ("s1", "s2", "s3", "s4"):
            await push(server, sender, {"text": sender})
        assert (await get_updates(server, as_(server, "s1")))[1] == []  # the oldest recipient made room for s4
        for sender in ("s2", "s3", "s4"):
            assert (await get_updates(server, as_(server, sender)))[1] == [{"text": sender}]


async def test_a_waiting_poll_answers_as_soon_as_a_message_arrives(patient: WebChatServer) -> None:
    poll = asyncio.create_task(get_updates(patient, as_(patient, "u1")))
    await eventually(lambda: patient.channel.mailbox.waiting(patient.sender_id("u1")) == 1)
    finished, _ = await asyncio.wait({poll}, timeout=0.2)  # the poll holds while nothing comes
    assert not finished
    await push(patient, "u1", {"text": "Upload of big.csv: 50 %"})
    status, body, waited = await asyncio.wait_for(poll, 5)
    assert (status, body) == (200, [{"text": "Upload of big.csv: 50 %"}])
    assert 0.2 <= waited < 5
    assert patient.channel.mailbox.waiting(patient.sender_id("u1")) == 0


async def test_a_waiting_poll_ignores_other_senders(quick: WebChatServer) -> None:
    poll = asyncio.create_task(get_updates(quick, as_(quick, "u1")))
    await eventually(lambda: quick.channel.mailbox.waiting(quick.sender_id("u1")) == 1)
    await push(quick, "u2", {"text": "for u2"})
    status, body, waited = await poll
    assert (status, body) == (200, [])
    assert waited >= QUICK_WAIT
    assert (await get_updates(quick, as_(quick, "u2")))[1] == [{"text": "for u2"}]


async def test_a_poll_that_hears_nothing_answers_empty_after_the_wait(quick: WebChatServer) -> None:
    status, body, waited = await get_updates(quick, as_(quick, "u1"))
    assert (status, body) == (200, [])
    assert QUICK_WAIT <= waited < 2
    assert quick.channel.mailbox.waiting(quick.sender_id("u1")) == 0


async def test_a_closed_poll_leaves_no_waiter_and_loses_no_message(patient: WebChatServer) -> None:
    timeout = aiohttp.ClientTimeout(total=0.3)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        with pytest.raises(asyncio.TimeoutError):
            await session.get(patient.url + "updates?" + as_(patient, "u1"))
    await eventually(lambda: patient.channel.mailbox.waiting(patient.sender_id("u1")) == 0)
    await push(patient, "u1", {"text": "still here"})
    assert (await get_updates(patient, as_(patient, "u1")))[1] == [{"text": "still here"}]


async def test_stopping_the_server_answers_open_polls(patient: WebChatServer) -> None:
    poll = asyncio.create_task(get_updates(patient, as_(patient, "u1")))
    await eventually(lambda: patient.channel.mailbox.waiting(patient.sender_id("u1")) == 1)
    await patient.http.before_stop()  # what Sanic runs first when it stops
    status, body, waited = await asyncio.wait_for(poll, 2)
    assert (status, body) == (200, [])
    assert waited < 2


async def test_credentials_set_the_wait(tmp_path: Path) -> None:
    credentials = {"inbox_dir": str(tmp_path / "inbox"), "media_dir": str(tmp_path / "media")}
    channel = WebChatInput.from_credentials({**credentials, "updates_wait_seconds": "0.4"})
    async for server in serve_webchat(tmp_path, channel=channel):
        status, body, waited = await get_updates(server, as_(server, "u1"))
        assert (status, body) == (200, [])
        assert 0.39 <= waited < 2
    with pytest.raises(ValueError, match="updates_wait_seconds"):
        WebChatInput.from_credentials({"updates_wait_seconds": "forever"}).blueprint(lambda m: asyncio.sleep(0))


def test_each_channel_has_its_own_mailbox() -> None:
    first, second = WebChatInput(), WebChatInput()
    assert first.mailbox is not second.mailbox
    assert first.get_output_channel().mailbox is first.mailbox


def test_rasa_sends_to_the_mailbox_for_output_channel_latest() -> None:
    """``rasa.server._get_output_channel`` is what ``trigger_intent?output_channel=latest`` uses."""
    channel = WebChatInput()
    request = SimpleNamespace(args={"output_channel": "latest"}, app=SimpleNamespace(ctx=SimpleNamespace()))
    request.app.ctx.input_channels = [channel]
    tracker = DialogueStateTracker.from_events("web:local:u1", [UserUttered("upload big.csv", input_channel="webchat")])
    output = _get_output_channel(request, tracker)  # type: ignore[arg-type]
    assert isinstance(output, MailboxOutput) and output.mailbox is channel.mailbox
    elsewhere = DialogueStateTracker.from_events("slack:T1:U1", [UserUttered("hi", input_channel="slack")])
    assert not isinstance(_get_output_channel(request, elsewhere), MailboxOutput)  # type: ignore[arg-type]



async def test_the_session_may_come_in_a_header_and_a_forged_one_is_refused(quick: WebChatServer) -> None:
    await quick.channel.get_output_channel().send_text_message(quick.sender_id("ann"), "for ann")
    token = quick.session("ann")
    forged = token[:-1] + ("B" if token.endswith("A") else "A")
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{quick.url}updates", headers={SESSION_HEADER: token}) as resp:
            assert (resp.status, await resp.json()) == (200, [{"text": "for ann"}])
        async with http.get(f"{quick.url}updates", headers={SESSION_HEADER: forged}) as resp:
            assert resp.status == 401
