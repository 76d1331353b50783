"""Attacks on the web chat over HTTP: forged sessions, other sites driving a visitor's browser, simple cross-site
requests that skip the CORS preflight, oversized and deeply nested messages, reading someone else's mailbox."""
from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import AsyncIterator, Callable, Dict

import aiohttp
import pytest

from connectors.core.messages import ConnectorMessages
from connectors.webchat import WebChatInput
from connectors.webchat.protocol import ERRORS
from connectors.webchat.sessions import TOKEN_PATTERN, SessionSigner
from tests.connectors.webchat.client import get_updates, inbox_files, new_session, post_json, post_upload
from tests.connectors.webchat.scripted import WebChatServer, eventually, serve_webchat

ONE_FILE = [("report.csv", b"a,b\n1,2\n", "text/csv")]


def _tampered(token: str) -> str:
    return token[:-1] + ("A" if token[-1] != "A" else "B")


# Ways to claim a session this server never issued; each gets the victim's token and the server.
FORGERIES: Dict[str, Callable[[str, WebChatServer], str]] = {
    "made-up id": lambda victim, server: "victim",
    "random 32 hex (the old page's kind)": lambda victim, server: "0123456789abcdef" * 2,
    "made-up token": lambda victim, server: "A" * 22 + "." + "B" * 22,
    "the id alone": lambda victim, server: victim.split(".")[0],
    "tampered signature": lambda victim, server: _tampered(victim),
    "another session's signature": lambda victim, server: victim.split(".")[0] + "." + server.session("x").split(".")[1],
    # another deployment, or this server before a restart with a new secret
    "another secret's session": lambda victim, server: SessionSigner("not-this-servers-secret").issue(),
    "conversation id": lambda victim, server: server.sender_id("victim"),
    "web:local:x": lambda victim, server: "web:local:x",
}


@pytest.mark.parametrize("forge", FORGERIES.values(), ids=FORGERIES.keys())
async def test_forged_sessions_are_refused_on_every_route(
    webchat: WebChatServer, forge: Callable[[str, WebChatServer], str]
) -> None:
    victim = webchat.session("victim")
    await webchat.channel.get_output_channel().send_text_message(webchat.sender_id("victim"), "victim's job is done")
    forged = forge(victim, webchat)
    refused = {"error": "bad_sender", "message": ERRORS["bad_sender"]}

    assert await post_json(webchat, {"sender": forged, "message": "delete bucket demo"}) == (401, refused)
    assert await post_upload(webchat, {"sender": forged, "message": "upload"}, ONE_FILE) == (401, refused)
    status, body, _ = await get_updates(webchat, f"sender={forged}")
    assert (status, body) == (401, refused)

    assert webchat.bot.received == [] and inbox_files(webchat) == []
    assert webchat.channel.mailbox.take_now(webchat.sender_id("victim")) == [{"text": "victim's job is done"}]


async def test_sessions_are_issued_fresh_and_signed(webchat: WebChatServer) -> None:
    answers = [await new_session(webchat) for _ in range(3)]
    tokens = [body["sender"] for status, body in answers if status == 200]
    assert len(set(tokens)) == 3
    for token in tokens:
        assert TOKEN_PATTERN.fullmatch(token)
        assert webchat.channel.signer.verify(token) == token.split(".")[0]
    async with aiohttp.ClientSession() as session:
        async with session.post(webchat.url + "session") as resp:  # what chat.js sends is not required
            assert resp.status == 200 and resp.headers["Cache-Control"] == "no-store"
        async with session.get(webchat.url + "session") as resp:  # a link or <img> cannot mint one
            assert resp.status == 405


# ---- other sites ----


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "http://127.0.0.1.evil.example", "https://127.0.0.1"])
async def test_other_origins_cannot_post_anything(webchat: WebChatServer, origin: str) -> None:
    headers = {"Origin": origin}
    token = webchat.session("u1")  # even with a valid session (stolen, or the visitor's own)
    for status, body in [
        await new_session(webchat, headers=headers),
        await post_json(webchat, {"sender": token, "message": "delete bucket demo"}, headers=headers),
        await post_upload(webchat, {"sender": token, "message": "upload"}, ONE_FILE, headers=headers),
    ]:
        assert (status, body["error"]) == (403, "foreign_origin")
    assert webchat.bot.received == [] and inbox_files(webchat) == []


async def test_a_cross_site_request_without_origin_is_refused(webchat: WebChatServer) -> None:
    """Fetch metadata gives a cross-site request away even where a browser leaves Origin out."""
    headers = {"Sec-Fetch-Site": "cross-site"}
    status, body = await post_json(webchat, {"sender": webchat.session("u1"), "message": "hi"}, headers=headers)
    assert (status, body["error"]) == (403, "foreign_origin")
    assert webchat.bot.received == []


async def test_the_chats_own_origin_may_post(webchat: WebChatServer) -> None:
    port = webchat.url.split("/")[2].split(":")[1]
    for origin in (f"http://127.0.0.1:{port}", f"http://localhost:{port}"):
        headers = {"Origin": origin, "Sec-Fetch-Site": "same-origin"}
        status, body = await new_session(webchat, headers=headers)
        assert status == 200
        assert await post_json(webchat, {"sender": body["sender"], "message": origin}, headers=headers) == (
            200,
            [{"text": f"You said: {origin}"}],
        )
    assert [m.text for m in webchat.bot.received] == [f"http://127.0.0.1:{port}", f"http://localhost:{port}"]


# The content types a page on another site may POST without a CORS preflight, and no content type at all.
@pytest.mark.parametrize("kind", ["text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", None])
async def test_messages_must_be_json_so_cross_site_forms_are_refused(webchat: WebChatServer, kind: str | None) -> None:
    body = json.dumps({"sender": webchat.session("u1"), "message": "delete bucket demo"}).encode()
    async with aiohttp.ClientSession(skip_auto_headers=["Content-Type"]) as session:
        headers = {"Content-Type": kind} if kind else {}
        async with session.post(webchat.url + "webhook", data=body, headers=headers) as resp:
            assert resp.status == 415
            assert (await resp.json(content_type=None))["error"] == "bad_content_type"
    assert webchat.bot.received == []


async def test_json_with_parameters_is_json(webchat: WebChatServer) -> None:
    headers = {"Content-Type": "Application/JSON; charset=utf-8"}
    status, _ = await post_json(webchat, {"sender": webchat.session("u1"), "message": "hi"}, headers=headers)
    assert status == 200 and [m.text for m in webchat.bot.received] == ["hi"]


# ---- what a message may be ----


async def test_a_huge_message_gets_one_reply_and_never_reaches_the_bot(webchat: WebChatServer) -> None:
    status, body = await post_json(webchat, {"sender": webchat.session("u1"), "message": "x" * 100_000})
    assert (status, body) == (200, [{"text": ConnectorMessages.TOO_LONG}])
    assert webchat.bot.received == []


async def test_a_huge_upload_message_never_reaches_the_bot(webchat: WebChatServer) -> None:
    status, body = await post_upload(webchat, {"sender": webchat.session("u1"), "message": "x" * 100_000}, ONE_FILE)
    assert (status, body) == (200, [{"text": ConnectorMessages.TOO_LONG}])
    assert webchat.bot.received == []
    assert inbox_files(webchat) == []  # the files of a refused message are not kept either


@pytest.mark.parametrize(
    "nested",
    ["[" * 10_000 + "]" * 10_000, '{"a": ' * 10_000 + "null" + "}" * 10_000],
    ids=["lists", "objects"],
)
async def test_deeply_nested_json_is_a_plain_refusal(webchat: WebChatServer, nested: str) -> None:
    start = json.dumps({"sender": webchat.session("u1"), "message": "hi"})[:-1]
    status, body = await post_json(webchat, f'{start}, "metadata": {nested}}}'.encode())
    assert (status, body["error"]) == (400, "bad_json")
    status, body = await post_json(webchat, nested.encode())
    assert (status, body["error"]) == (400, "bad_json")
    assert webchat.bot.received == []


# ---- mailboxes ----


@pytest.fixture
async def quick(tmp_path: Path) -> AsyncIterator[WebChatServer]:
    """Polls give up after half a second."""
    channel = WebChatInput(inbox_dir=tmp_path / "inbox", media_dir=tmp_path / "media", updates_wait_seconds=0.5)
    async for server in serve_webchat(tmp_path, channel=channel):
        yield server


async def test_two_sessions_never_share_a_mailbox(quick: WebChatServer) -> None:
    output = quick.channel.get_output_channel()
    ann, bob = (await new_session(quick))[1]["sender"], (await new_session(quick))[1]["sender"]
    ann_id, bob_id = ("web:local:" + token.split(".")[0] for token in (ann, bob))
    await output.send_text_message(bob_id, "bob: sent before ann polls")
    ann_poll = asyncio.create_task(get_updates(quick, f"sender={ann}"))
    await eventually(lambda: quick.channel.mailbox.waiting(ann_id) == 1)
    await output.send_text_message(bob_id, "bob: sent while ann waits")
    status, body, _ = await ann_poll
    assert (status, body) == (200, [])
    # Bob's id with Ann's signature reads nothing either.
    mixed = bob.split(".")[0] + "." + ann.split(".")[1]
    assert (await get_updates(quick, f"sender={mixed}"))[0] == 401
    assert (await get_updates(quick, f"sender={bob}"))[:2] == (
        200,
        [{"text": "bob: sent before ann polls"}, {"text": "bob: sent while ann waits"}],
    )
