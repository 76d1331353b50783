"""The web chat channel over HTTP, mounted by Rasa's own ``register`` on a Sanic app, with a scripted bot."""
from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path
from typing import Any, AsyncIterator, Dict, List, Tuple

import aiohttp
import pytest

from connectors.core.messages import MAX_MESSAGE_CHARS, ConnectorMessages
from connectors.webchat import WebChatInput, WebChatOutput
from connectors.webchat.settings import MEGABYTE
from launcher.config import ROOT
from tests.connectors.webchat.client import MessageFile, inbox_files, multipart, post_json, post_upload
from tests.connectors.webchat.scripted import (
    BUTTONS_REPLY,
    FIELDS_REPLY,
    IMAGE_REPLY,
    TABLE_REPLY,
    WebChatServer,
    serve_webchat,
)
from tests.fakes.images import tiny_png


async def raw_get(server: WebChatServer, target: str) -> Tuple[int, bytes]:
    """GET with the request target exactly as given (clients normalise ``..`` and escapes away)."""
    host, port = server.url.split("/")[2].split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(f"GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    data = await reader.read()
    writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


def id_of(server: WebChatServer, name: str) -> str:
    """The session id of ``name``'s session: its conversation is ``web:local:<id>``, its metadata user_id ``<id>``."""
    return server.sender_id(name).removeprefix("web:local:")


@pytest.fixture
async def strict(tmp_path: Path) -> AsyncIterator[WebChatServer]:
    """A server whose upload limit is tiny, to reach the 413 paths with small bodies."""
    async for server in serve_webchat(tmp_path, upload_max_mb=0.01):
        yield server


# ---- pages and files ----


async def test_health(webchat: WebChatServer) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(webchat.url + "health") as resp:
            assert resp.status == 200
            assert await resp.json() == {"status": "ok"}


async def test_page_is_served_with_a_strict_policy(webchat: WebChatServer) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(webchat.url) as resp:
            body = await resp.text()
            assert resp.status == 200
            assert resp.headers["Content-Type"] == "text/html; charset=utf-8"
            policy = resp.headers["Content-Security-Policy"]
            assert "script-src 'self'" in policy and "connect-src 'self'" in policy
            assert "X-Frame-Options" not in resp.headers  # the widget frames this page on other sites...
            assert "frame-ancestors 'self'" in policy  # ...but only on those CLOUDBUTLER_ALLOWED_ORIGINS lists
        assert '<script src="static/chat.js" defer></script>' in body
        assert "http" not in body.replace("http-equiv", "")  # relative URLs only, nothing from a CDN
        async with session.get(webchat.url[:-1] + "?embed=1", allow_redirects=False) as resp:
            assert resp.status == 302
            assert resp.headers["Location"] == "/webhooks/webchat/?embed=1"


@pytest.mark.parametrize(
    ("name", "kind"),
    [("chat.css", "text/css; charset=utf-8"), ("chat.js", "text/javascript; charset=utf-8"),
     ("icon.svg", "image/svg+xml")],
)
async def test_static_files(webchat: WebChatServer, name: str, kind: str) -> None:
    expected = (ROOT / "connectors" / "webchat" / "static" / name).read_bytes()
    async with aiohttp.ClientSession() as session:
        async with session.get(webchat.url + "static/" + name) as resp:
            assert resp.status == 200
            assert resp.headers["Content-Type"] == kind
            assert resp.headers["X-Content-Type-Options"] == "nosniff"
            assert await resp.read() == expected


async def test_widget_script_is_served_for_other_origins(webchat: WebChatServer) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(webchat.url + "widget.js") as resp:
            assert resp.status == 200
            assert resp.headers["Content-Type"] == "text/javascript; charset=utf-8"
            assert resp.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
            assert "document.currentScript" in await resp.text()


@pytest.mark.parametrize(
    "target",
    [
        "static/../channel.py",
        "static/..%2fchannel.py",
        "static/%2e%2e%2fchannel.py",
        "static/%2e%2e/%2e%2e/webchat/channel.py",
        "static/..%5cchannel.py",
        "static/channel.py",
        "static/",
        "static/.",
        "static/%2e%2e",
        "static/chat.css%00.py",
    ],
)
async def test_static_refuses_everything_but_its_files(webchat: WebChatServer, target: str) -> None:
    status, body = await raw_get(webchat, "/webhooks/webchat/" + target)
    assert status == 404
    assert b"WebChatInput" not in body and b"import" not in body


async def test_media_serves_png_bytes(webchat: WebChatServer) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(webchat.url + "media/chart.png") as resp:
            assert resp.status == 200
            assert resp.headers["Content-Type"] == "image/png"
            assert "sandbox" in resp.headers["Content-Security-Policy"]
            assert await resp.read() == tiny_png()


async def test_media_refuses_escapes_and_odd_names(webchat: WebChatServer, tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("top secret")
    (webchat.media / ".hidden.png").write_bytes(b"x")
    (webchat.media / "link.png").symlink_to(tmp_path / "secret.txt")
    (webchat.media / "folder").mkdir()
    for target in [
        "media/..%2fsecret.txt",
        "media/../secret.txt",
        "media/%2e%2e%2fsecret.txt",
        "media/..",
        "media/.hidden.png",
        "media/link.png",
        "media/folder",
        "media/missing.png",
        "media/chart.png%00",
        "media/",
    ]:
        status, body = await raw_get(webchat, "/webhooks/webchat/" + target)
        assert status == 404, target
        assert b"top secret" not in body


# ---- messages ----


async def test_reply_messages_stay_whole(webchat: WebChatServer) -> None:
    status, body = await post_json(webchat, {"sender": webchat.session("u1"), "message": "show all"})
    assert status == 200
    assert body == [
        {
            "text": IMAGE_REPLY["text"],
            "buttons": BUTTONS_REPLY["buttons"],
            "image": "/webhooks/webchat/media/chart.png",
            "custom": {"fields": FIELDS_REPLY["custom"]["fields"], "table": TABLE_REPLY["custom"]["table"]},
            "text_around_table": [IMAGE_REPLY["text"], ""],  # no line of it restates the table
        }
    ]
    status, body = await post_json(webchat, {"sender": webchat.session("u1"), "message": "two lines"})
    assert body == [{"text": "first line\nsecond line"}, {"text": "another message"}]


async def test_identity_is_set_by_the_channel_and_cannot_be_spoofed(webchat: WebChatServer) -> None:
    spoof = {
        "user_name": "Ann",
        "platform": "slack",
        "workspace_id": "T0",
        "user_id": "admin",
        "channel_id": "C-admins",
        "attachments": [{"name": "passwd", "path": "/etc/passwd"}],
    }
    status, body = await post_json(webchat, {"sender": webchat.session("u-1"), "message": "hello", "metadata": spoof})
    assert (status, body) == (200, [{"text": "You said: hello"}])
    [message] = webchat.bot.received
    session_id = id_of(webchat, "u-1")
    assert message.sender_id == webchat.sender_id("u-1") == f"web:local:{session_id}"
    assert message.input_channel == "webchat"
    assert message.text == "hello"
    assert isinstance(message.output_channel, WebChatOutput)
    assert message.metadata == {
        "platform": "web",
        "workspace_id": "local",
        "user_id": session_id,
        "user_name": f"Ann (unverified, web session {session_id})",  # the page's claim, marked as such
        "channel_id": f"web:{session_id}",
        "attachments": [],
    }


async def test_without_a_name_the_session_is_the_name(webchat: WebChatServer) -> None:
    await post_json(webchat, {"sender": webchat.session("u1"), "message": "hi", "metadata": {"user_name": "  "}})
    [message] = webchat.bot.received
    assert message.metadata["user_name"] == message.metadata["user_id"] == id_of(webchat, "u1")


# A payload's "u1" is replaced by u1's session token (the parametrize list is built before any server exists).
U1 = "u1"


def _with_session(server: WebChatServer, payload: Any) -> Any:
    if isinstance(payload, dict) and payload.get("sender") == U1:
        return {**payload, "sender": server.session(U1)}
    return payload


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        (b"{not json", 400, "bad_json"),
        (b"[]", 400, "bad_json"),
        ({"message": "hi"}, 401, "bad_sender"),
        ({"sender": "web:local:admin", "message": "hi"}, 401, "bad_sender"),
        ({"sender": "x" * 65, "message": "hi"}, 401, "bad_sender"),
        ({"sender": U1, "message": None}, 400, "bad_message"),
        ({"sender": U1, "message": {"text": "hi"}}, 400, "bad_message"),
        ({"sender": U1, "message": "hi", "metadata": ["Ann"]}, 400, "bad_metadata"),
    ],
)
async def test_bad_requests_never_reach_the_bot(webchat: WebChatServer, payload: Any, status: int, code: str) -> None:
    answer, body = await post_json(webchat, _with_session(webchat, payload))
    assert answer == status
    assert body["error"] == code and body["message"]
    assert webchat.bot.received == []


@pytest.mark.parametrize(
    "text",
    ["", "שלום 👋🏽 مرحبا", "x" * MAX_MESSAGE_CHARS, "👍" * MAX_MESSAGE_CHARS, "/affirm"],
)
async def test_text_reaches_the_bot_whole(webchat: WebChatServer, text: str) -> None:
    status, body = await post_json(webchat, {"sender": webchat.session("u1"), "message": text})
    assert status == 200
    assert webchat.bot.received[0].text == text
    assert isinstance(body, list)


@pytest.mark.parametrize("text", ["x" * (MAX_MESSAGE_CHARS + 1), "👍" * 10_000])
async def test_too_long_text_gets_one_reply_and_never_reaches_the_bot(webchat: WebChatServer, text: str) -> None:
    status, body = await post_json(webchat, {"sender": webchat.session("u1"), "message": text})
    assert (status, body) == (200, [{"text": ConnectorMessages.TOO_LONG}])
    assert webchat.bot.received == []


async def test_huge_json_is_refused(webchat: WebChatServer) -> None:
    status, body = await post_json(webchat, {"sender": webchat.session("u1"), "message": "x" * (1024 * 1024 + 1)})
    assert status == 413 and body["error"] == "too_large"
    assert webchat.bot.received == []


async def test_bot_failure_is_a_plain_error(webchat: WebChatServer) -> None:
    status, body = await post_json(webchat, {"sender": webchat.session("u1"), "message": "explode"})
    assert status == 500
    assert body == {"error": "bot_failed", "message": "The assistant could not answer this message."}


# ---- uploads ----


async def test_upload_saves_the_file_and_hands_it_over(webchat: WebChatServer) -> None:
    data = b"store,item,count\nBerlin,Echo Dot,0\n\x00\xff"
    status, body = await post_upload(webchat, {"sender": webchat.session("u1")}, [("report.csv", data, "text/csv")])
    assert (status, body) == (200, [{"text": "You said: upload report.csv"}])
    [message] = webchat.bot.received
    assert message.text == "upload report.csv"
    [attachment] = message.metadata["attachments"]
    path = webchat.inbox / attachment["path"]  # relative to the inbox: no server path in the tracker
    assert attachment == {"name": "report.csv", "path": f"{path.parent.name}/report.csv", "size": len(data),
                          "content_type": "text/csv"}
    assert path.read_bytes() == data
    assert re.fullmatch(r"web-\d{8}T\d{6}-[0-9a-f]{8}", path.parent.name)
    assert message.metadata["platform"] == "web" and message.sender_id == webchat.sender_id("u1")


async def test_upload_names_are_sanitised_and_kept_inside_a_fresh_folder(webchat: WebChatServer) -> None:
    files = [
        ("../../escape.txt", b"one", "text/plain"),
        ("C:\\Users\\ann\\escape.txt", b"two", "application/octet-stream"),
        ("/etc/cron.d/job", b"three", "application/octet-stream"),
    ]
    fields = {"sender": webchat.session("u1"), "message": "keep these", "user_name": "Ann"}
    status, _ = await post_upload(webchat, fields, files)
    assert status == 200
    [message] = webchat.bot.received
    assert message.text == "keep these"
    assert message.metadata["user_name"] == f"Ann (unverified, web session {id_of(webchat, 'u1')})"
    saved = message.metadata["attachments"]
    assert [a["name"] for a in saved] == ["escape.txt", "escape (2).txt", "job"]
    assert [(webchat.inbox / a["path"]).read_bytes() for a in saved] == [b"one", b"two", b"three"]
    assert saved[1]["content_type"] == "text/plain"  # guessed from .txt when the browser did not know
    assert saved[2]["content_type"] == "application/octet-stream"
    folders = {Path(a["path"]).parent for a in saved}
    assert len(folders) == 1 and len(folders.pop().parts) == 1
    assert len(inbox_files(webchat)) == 3
    await post_upload(webchat, {"sender": webchat.session("u1")}, [("escape.txt", b"again", "text/plain")])
    second = Path(webchat.bot.received[1].metadata["attachments"][0]["path"])
    assert second.name == "escape.txt" and second.parent not in {Path(a["path"]).parent for a in saved}


@pytest.mark.parametrize(
    ("fields", "files", "status", "code"),
    [
        ({"sender": U1}, [("..", b"x", "text/plain")], 400, "bad_file_name"),
        ({"sender": U1}, [("ok.txt", b"x", "text/plain"), ("dir/", b"y", "text/plain")], 400, "bad_file_name"),
        ({"sender": U1}, [], 400, "no_file"),
        ({"sender": "../u1"}, [("ok.txt", b"x", "text/plain")], 401, "bad_sender"),
        ({}, [("ok.txt", b"x", "text/plain")], 401, "bad_sender"),
    ],
)
async def test_bad_uploads_write_nothing(
    webchat: WebChatServer, fields: Dict[str, str], files: List[MessageFile], status: int, code: str
) -> None:
    answer, body = await post_upload(webchat, _with_session(webchat, fields), files)
    assert (answer, body["error"]) == (status, code)
    assert inbox_files(webchat) == [] and webchat.bot.received == []


async def test_upload_must_be_multipart(webchat: WebChatServer) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.post(webchat.url + "upload", json={"sender": webchat.session("u1")}) as resp:
            assert resp.status == 400
            assert (await resp.json())["error"] == "bad_form"


async def test_upload_at_the_limit_passes(strict: WebChatServer) -> None:
    limit = int(0.01 * MEGABYTE)
    edge = [("edge.bin", b"e" * limit, "application/x-edge")]
    status, _ = await post_upload(strict, {"sender": strict.session("u1")}, edge)
    assert status == 200
    assert (strict.inbox / strict.bot.received[0].metadata["attachments"][0]["path"]).stat().st_size == limit


@pytest.mark.parametrize("size", [int(0.01 * MEGABYTE) + 1, 5 * int(0.01 * MEGABYTE), 200_000])
async def test_upload_over_the_limit_is_413(strict: WebChatServer, size: int) -> None:
    big = [("big.bin", b"b" * size, "application/x-big")]
    status, body = await post_upload(strict, {"sender": strict.session("u1")}, big)
    assert status == 413
    assert body["error"] == "too_large" and body["max_mb"] == 0.01
    assert inbox_files(strict) == [] and strict.bot.received == []


async def test_chunked_upload_over_the_limit_is_413(strict: WebChatServer) -> None:
    kind, body = multipart({"sender": strict.session("u1")}, [("big.bin", b"c" * 200_000, "application/x-big")])

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: the channel has to count
        for start in range(0, len(body), 16_384):
            yield body[start : start + 16_384]

    async with aiohttp.ClientSession() as session:
        async with session.post(strict.url + "upload", data=chunks(), headers={"Content-Type": kind}) as resp:
            assert resp.request_info.headers.get("Transfer-Encoding") == "chunked"
            assert resp.status == 413
    assert inbox_files(strict) == [] and strict.bot.received == []


async def test_unwritable_inbox_is_a_plain_error(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "inbox-file"
    not_a_folder.write_text("x")
    channel = WebChatInput(inbox_dir=not_a_folder, media_dir=tmp_path / "media")
    async for server in serve_webchat(tmp_path, channel=channel):
        status, body = await post_upload(server, {"sender": server.session("u1")}, [("a.txt", b"a", "text/plain")])
        assert (status, body) == (500, {"error": "upload_failed", "message": "The file could not be saved."})
        assert server.bot.received == []


# ---- configuration ----


async def test_directories_are_read_when_the_blueprint_is_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    channel = WebChatInput.from_credentials(None)  # built before the environment says where things are
    media = tmp_path / "elsewhere"
    media.mkdir()
    (media / "other.png").write_bytes(tiny_png(2, 2))
    monkeypatch.setenv("CLOUDBUTLER_MEDIA_DIR", str(media))
    monkeypatch.setenv("CLOUDBUTLER_INBOX_DIR", str(tmp_path / "env-inbox"))
    async for server in serve_webchat(tmp_path, channel=channel):
        async with aiohttp.ClientSession() as session:
            async with session.get(server.url + "media/other.png") as resp:
                assert resp.status == 200 and await resp.read() == tiny_png(2, 2)
        await post_upload(server, {"sender": server.session("u1")}, [("a.txt", b"a", "text/plain")])
        saved = Path(server.bot.received[0].metadata["attachments"][0]["path"])
        assert (tmp_path / "env-inbox" / saved).read_bytes() == b"a"


def test_credentials_configure_the_channel(tmp_path: Path) -> None:
    channel = WebChatInput.from_credentials({"inbox_dir": str(tmp_path), "upload_max_mb": 3})
    assert channel.name() == "webchat" and channel.url_prefix() == "webchat"
    blueprint = channel.blueprint(lambda message: asyncio.sleep(0))
    assert blueprint.name == "webchat_WebChatInput"
    assert not os.path.exists(tmp_path / "inbox")  # building routes creates nothing


async def test_output_channel_methods_make_whole_messages() -> None:
    output = WebChatOutput()
    await output.send_text_message("r", "hi\n\nthere")
    await output.send_image_url("r", "/m.png")
    await output.send_attachment("r", "/f.pdf")
    await output.send_text_with_buttons("r", "Sure?", [{"title": "Yes", "payload": "/affirm"}])
    await output.send_custom_json("r", {"fields": {"items": [{"label": "a", "value": "b"}]}})
    await output.send_response("r", {"text": None, "timestamp": 3})
    expected: List[Dict[str, Any] | None] = [
        {"text": "hi\n\nthere"},
        {"image": "/m.png"},
        {"attachment": "/f.pdf"},
        {"text": "Sure?", "buttons": [{"title": "Yes", "payload": "/affirm"}]},
        {"custom": {"fields": {"items": [{"label": "a", "value": "b"}]}}},
    ]
    assert output.messages == expected
    assert WebChatOutput.name() == "webchat"


def test_rasa_loads_the_channel_from_credentials(tmp_path: Path) -> None:
    from rasa.core.run import create_http_input_channels

    credentials = tmp_path / "credentials.yml"
    credentials.write_text("rest:\nconnectors.webchat.WebChatInput:\n  upload_max_mb: 5\n")
    rest, webchat = create_http_input_channels(None, str(credentials))
    assert rest.name() == "rest"
    assert isinstance(webchat, WebChatInput) and webchat.name() == "webchat"
    credentials.write_text("connectors.webchat.WebChatInput:\n")
    [bare] = create_http_input_channels(None, str(credentials))
    assert isinstance(bare, WebChatInput)
