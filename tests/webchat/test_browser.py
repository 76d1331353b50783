"""The web chat page and the widget in headless Chromium, against the channel with a scripted bot."""
from __future__ import annotations

import asyncio
import socket
import time
from pathlib import Path
from typing import AsyncIterator, Iterator, List

import pytest
from aiohttp import web
from playwright.async_api import Browser, FilePayload, Frame, Page

from connectors.vocabulary import BotMessage
from connectors.webchat import WebChatInput
from tests.webchat.browser import last_reply, open_chat, send_and_wait, wait_ready, wait_turns
from tests.webchat.scripted import BUTTONS_REPLY, HOSTILE_TEXT, WebChatServer, eventually, serve_webchat

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def event_loop() -> Iterator[asyncio.AbstractEventLoop]:
    """pytest-asyncio 0.21: a module-wide loop lets the module share one Chromium (``browser`` fixture)."""
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


async def serve_host_page(html: str) -> AsyncIterator[str]:
    """Someone else's site, on another free port: a different origin from the assistant."""
    app = web.Application()

    async def index(request: web.Request) -> web.Response:
        return web.Response(text=html, content_type="text/html")

    app.router.add_get("/", index)
    runner = web.AppRunner(app)
    await runner.setup()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    await web.SockSite(runner, sock).start()
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/"
    finally:
        await runner.cleanup()


async def bot_texts(page: Page) -> list[str]:
    return await page.locator("#log .msg.bot").all_inner_texts()


async def test_enter_sends_and_the_reply_shows(webchat: WebChatServer, page: Page) -> None:
    await open_chat(page, webchat.url)
    assert await send_and_wait(page, "hello there") == "You said: hello there"
    assert await page.locator("#log .msg.user").all_inner_texts() == ["hello there"]
    sender = await page.evaluate("document.body.dataset.sender")
    assert [m.sender_id for m in webchat.bot.received] == [f"web:local:{sender}"]
    assert webchat.bot.received[0].metadata["platform"] == "web"
    assert await page.locator("#empty").is_hidden()


async def test_empty_enter_sends_nothing_and_shift_enter_keeps_newlines(webchat: WebChatServer, page: Page) -> None:
    await open_chat(page, webchat.url)
    await page.press("#input", "Enter")
    await page.fill("#input", "   ")
    await page.press("#input", "Enter")
    await page.wait_for_timeout(300)
    assert webchat.bot.received == [] and await page.locator("#log .msg").count() == 0
    await page.fill("#input", "line one")
    await page.press("#input", "Shift+Enter")
    await page.type("#input", "line two")
    await page.press("#input", "Enter")
    await wait_turns(page, 1)
    assert webchat.bot.received[0].text == "line one\nline two"
    assert await page.locator("#log .msg.user").inner_text() == "line one\nline two"
    assert await last_reply(page) == ["You said: line one\nline two"]
    assert await page.input_value("#input") == ""


async def test_example_prompt_sends_its_text(webchat: WebChatServer, page: Page) -> None:
    await open_chat(page, webchat.url)
    await page.get_by_role("button", name="help").click()
    await wait_turns(page, 1)
    assert [m.text for m in webchat.bot.received] == ["help"]


async def test_typing_indicator_shows_while_waiting(webchat: WebChatServer, page: Page) -> None:
    await open_chat(page, webchat.url)
    assert await page.locator("#typing").is_hidden()
    await page.fill("#input", "wait a moment")
    await page.press("#input", "Enter")
    await page.locator("#typing").wait_for(state="visible", timeout=900)
    assert await page.get_attribute("#log", "aria-busy") == "true"
    await page.locator("#typing").wait_for(state="hidden", timeout=5000)
    assert await last_reply(page) == ["You said: wait a moment"]


async def test_buttons_send_their_payload_once(webchat: WebChatServer, page: Page) -> None:
    await open_chat(page, webchat.url)
    assert await send_and_wait(page, "show buttons") == "Delete bucket demo?\nYes, delete\nNo"
    choices = page.locator("#log .msg.bot button.choice")
    assert await choices.all_inner_texts() == ["Yes, delete", "No"]
    await choices.first.click()
    await wait_turns(page, 2)
    assert [m.text for m in webchat.bot.received] == ["show buttons", "/affirm"]
    assert await page.locator("#log .msg.user").all_inner_texts() == ["show buttons", "Yes, delete"]
    assert await last_reply(page) == ["Deleted."]
    assert [await b.is_disabled() for b in await choices.all()] == [True, True]
    await choices.last.click(force=True)
    await page.wait_for_timeout(200)
    assert len(webchat.bot.received) == 2
    await page.reload()
    await wait_ready(page)
    assert [await b.is_disabled() for b in await page.locator("#log button.choice").all()] == [True, True]


@pytest.mark.parametrize("ask", ["show image", "show chart"])
async def test_image_loads_from_the_media_route(webchat: WebChatServer, page: Page, ask: str) -> None:
    await open_chat(page, webchat.url)
    await send_and_wait(page, ask)
    image = page.locator("#log .msg.bot img")
    await image.wait_for()
    await page.wait_for_function(
        "() => { const i = document.querySelector('#log .msg.bot img'); return i.complete && i.naturalWidth > 0; }"
    )
    assert await image.evaluate("i => [i.src, i.naturalWidth, i.naturalHeight]") == [
        webchat.url + "media/chart.png",
        4,
        3,
    ]


async def test_fields_and_table_are_rendered_with_labels(webchat: WebChatServer, page: Page) -> None:
    await open_chat(page, webchat.url)
    await send_and_wait(page, "show fields")
    card = page.locator("#log .msg.bot").last
    assert await card.locator(".card-title").inner_text() == "Server web-1"
    assert await card.locator("dt").all_inner_texts() == ["Region", "CPU"]
    assert await card.locator("dd").all_inner_texts() == ["eu-west-1", "12 %"]
    assert "running in" not in await card.inner_text()  # custom blocks replace the text (vocabulary rule)
    await send_and_wait(page, "show table")
    table = page.locator("#log .msg.bot").last.locator("table")
    assert await table.locator("caption").inner_text() == "Your buckets"
    assert await table.locator("th").all_inner_texts() == ["Name", "Size"]
    assert await table.locator("tbody tr").evaluate_all(
        "rows => rows.map(r => Array.from(r.cells, c => c.textContent))"
    ) == [["logs", "1.2 GB"], ["photos", "300 MB"]]


async def test_attachment_is_a_download_link(webchat: WebChatServer, page: Page) -> None:
    await open_chat(page, webchat.url)
    await send_and_wait(page, "show attachment")
    link = page.locator("#log .msg.bot a.download")
    assert await link.get_attribute("href") == webchat.url + "media/chart.png"
    assert await link.get_attribute("download") == "chart.png"


async def test_bot_and_user_text_is_never_html(webchat: WebChatServer, page: Page) -> None:
    await open_chat(page, webchat.url)
    assert await send_and_wait(page, "be hostile") == HOSTILE_TEXT
    typed = '<img src=x onerror="window.__pwned = 5"><b>bold</b>'
    assert await send_and_wait(page, typed) == f"You said: {typed}"
    await send_and_wait(page, "hostile links")
    await page.wait_for_timeout(200)
    assert await page.evaluate("window.__pwned") is None
    assert await page.locator("#log script, #log b, #log img").count() == 0
    hrefs = await page.locator("#log a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert hrefs == ["https://docs.example.invalid/guide"]


async def test_conversation_is_kept_per_browser(webchat: WebChatServer, page: Page, browser: Browser) -> None:
    await open_chat(page, webchat.url)
    await send_and_wait(page, "first")
    sender = await page.evaluate("document.body.dataset.sender")
    assert len(sender) == 32
    await page.reload()
    await wait_ready(page)
    assert await page.evaluate("document.body.dataset.sender") == sender
    assert await bot_texts(page) == ["You said: first"]
    await send_and_wait(page, "second")

    other = await browser.new_context()
    other_page = await other.new_page()
    await open_chat(other_page, webchat.url)
    await send_and_wait(other_page, "elsewhere")
    other_sender = await other_page.evaluate("document.body.dataset.sender")
    await other.close()

    await page.get_by_role("button", name="New conversation").click()
    fresh = await page.evaluate("document.body.dataset.sender")
    assert await page.locator("#log .msg").count() == 0 and await page.locator("#empty").is_visible()
    await send_and_wait(page, "third")
    assert len({sender, other_sender, fresh}) == 3
    assert [(m.sender_id, m.text) for m in webchat.bot.received] == [
        (f"web:local:{sender}", "first"),
        (f"web:local:{sender}", "second"),
        (f"web:local:{other_sender}", "elsewhere"),
        (f"web:local:{fresh}", "third"),
    ]


async def test_phone_width_has_no_horizontal_scroll(webchat: WebChatServer, browser: Browser) -> None:
    context = await browser.new_context(viewport={"width": 375, "height": 667}, is_mobile=True, has_touch=True)
    page = await context.new_page()
    await open_chat(page, webchat.url)
    await send_and_wait(page, "show all")
    await send_and_wait(page, "x" * 400)
    await send_and_wait(page, "https://example.invalid/" + "very-long-path/" * 20)
    widths = await page.evaluate(
        "[document.documentElement.scrollWidth, document.body.scrollWidth, document.querySelector('#log').scrollWidth]"
    )
    assert max(widths) <= 375, widths
    for selector in ("#input", "#send", "#attach"):
        box = await page.locator(selector).bounding_box()
        assert box is not None and await page.locator(selector).is_visible()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 375 and box["y"] + box["height"] <= 667, selector
    await context.close()


async def test_file_upload_through_the_attach_button(webchat: WebChatServer, page: Page) -> None:
    await open_chat(page, webchat.url)
    data = b"store,item,count\nBerlin,Echo Dot,0\n" + bytes(range(256))
    await page.fill("#input", "put this in my-project-bucket")
    async with page.expect_file_chooser() as chooser_info:
        await page.click("#attach")
    chooser = await chooser_info.value
    await chooser.set_files([FilePayload(name="stock.csv", mimeType="text/csv", buffer=data)])
    await wait_turns(page, 1)
    [message] = webchat.bot.received
    assert message.text == "put this in my-project-bucket"
    [attachment] = message.metadata["attachments"]
    assert (attachment["name"], attachment["size"], attachment["content_type"]) == ("stock.csv", len(data), "text/csv")
    assert (webchat.inbox / attachment["path"]).read_bytes() == data  # the path is relative to the inbox
    assert await page.locator("#log .msg.user .file-chip").inner_text() == f"📎 stock.csv ({len(data)} B)"
    assert await last_reply(page) == ["You said: put this in my-project-bucket"]


async def test_upload_too_large_shows_a_notice(webchat: WebChatServer, page: Page) -> None:
    await open_chat(page, webchat.url)
    big = b"z" * (1024 * 1024 + 10)
    await page.set_input_files("#file", [FilePayload(name="big.bin", mimeType="application/x-big", buffer=big)])
    await wait_turns(page, 1)
    assert await last_reply(page) == ["That upload is too large (the limit is 1 MB)."]
    assert webchat.bot.received == []


async def test_bot_failure_shows_a_plain_notice(webchat: WebChatServer, page: Page) -> None:
    await open_chat(page, webchat.url)
    assert await send_and_wait(page, "explode") == "The assistant could not answer that. Please try again."
    assert "secret" not in await page.locator("#log").inner_text()


async def polling(webchat: WebChatServer, surface: Page | Frame) -> str:
    """The recipient id of the page's sender, once the page's long poll is waiting on the server."""
    recipient = "web:local:" + await surface.evaluate("document.body.dataset.sender")
    await eventually(lambda: webchat.channel.mailbox.waiting(recipient) == 1)
    return recipient


async def test_late_messages_show_like_replies_and_their_buttons_work(webchat: WebChatServer, page: Page) -> None:
    await open_chat(page, webchat.url)
    await send_and_wait(page, "show buttons")
    recipient = await polling(webchat, page)
    output = webchat.channel.get_output_channel()
    await output.send_response(recipient, {**BUTTONS_REPLY, "timestamp": 2.0})  # what trigger_intent would send
    rows = page.locator("#log .msg.bot")
    await rows.nth(1).wait_for()
    assert await rows.all_inner_texts() == ["Delete bucket demo?\nYes, delete\nNo"] * 2
    first, late = [await row.inner_html() for row in await rows.all()]
    assert late == first  # rendered exactly like the reply to a request
    assert webchat.bot.received[-1].text == "show buttons"  # the late message needed no request

    await rows.nth(1).get_by_role("button", name="Yes, delete").click()
    await wait_turns(page, 2)
    assert [m.text for m in webchat.bot.received] == ["show buttons", "/affirm"]
    assert await last_reply(page) == ["Deleted."]
    assert [await b.is_disabled() for b in await rows.nth(1).locator("button.choice").all()] == [True, True]

    await polling(webchat, page)  # the poll started again after its answer
    await output.send_text_message(recipient, "Upload of big.csv finished.")
    await page.get_by_text("Upload of big.csv finished.").wait_for()
    await page.reload()
    await wait_ready(page)
    assert (await bot_texts(page))[-1] == "Upload of big.csv finished."  # kept in the page's history


async def test_late_messages_follow_the_current_conversation(webchat: WebChatServer, page: Page) -> None:
    await open_chat(page, webchat.url)
    old = await polling(webchat, page)
    await page.get_by_role("button", name="New conversation").click()
    new = await polling(webchat, page)
    assert new != old
    await eventually(lambda: webchat.channel.mailbox.waiting(old) == 0)
    output = webchat.channel.get_output_channel()
    await output.send_text_message(old, "for the old conversation")
    await output.send_text_message(new, "for the new conversation")
    await page.get_by_text("for the new conversation").wait_for()
    assert await bot_texts(page) == ["for the new conversation"]
    assert webchat.channel.mailbox.take_now(old) == [{"text": "for the old conversation"}]


async def test_polling_backs_off_on_errors_and_never_spins(
    tmp_path: Path, page: Page, monkeypatch: pytest.MonkeyPatch
) -> None:
    channel = WebChatInput(inbox_dir=tmp_path / "inbox", media_dir=tmp_path / "media", updates_wait_seconds=0.05)

    async def broken(recipient: str, *, timeout: float) -> List[BotMessage]:
        raise RuntimeError("mailbox down")

    monkeypatch.setattr(channel.mailbox, "take", broken)
    polls: List[float] = []
    failures: List[int] = []
    page.on("request", lambda request: polls.append(time.monotonic()) if "/updates?" in request.url else None)
    page.on("response", lambda response: failures.append(response.status) if response.status >= 500 else None)
    async for webchat in serve_webchat(tmp_path, channel=channel):
        await open_chat(page, webchat.url)
        await eventually(lambda: failures == [500, 500], timeout=5)
        monkeypatch.undo()
        recipient = "web:local:" + await page.evaluate("document.body.dataset.sender")
        await channel.get_output_channel().send_text_message(recipient, "back again")
        await page.get_by_text("back again").wait_for(timeout=5000)  # the next retry succeeds
        assert await bot_texts(page) == ["back again"]
        gaps = [polls[1] - polls[0], polls[2] - polls[1]]
        assert 0.9 <= gaps[0] <= 1.5 and 1.9 <= gaps[1] <= 2.6, gaps  # each retry waits twice as long

        polls.clear()
        await page.wait_for_timeout(2000)
        assert 1 <= len(polls) <= 3, polls  # empty answers come after 0.05 s, yet at most one poll a second


async def widget_frame(page: Page) -> Frame:
    bubble = page.locator("#cloudbutler-widget .bubble")
    await bubble.wait_for()
    assert await bubble.get_attribute("aria-label") == "Open Ops helper"
    await bubble.click()
    handle = await page.locator("#cloudbutler-widget iframe").element_handle()
    assert handle is not None
    frame = await handle.content_frame()
    assert frame is not None
    await wait_ready(frame)
    return frame


async def test_widget_opens_the_chat_from_another_site(webchat: WebChatServer, page: Page) -> None:
    tag = f'<script src="{webchat.url}widget.js" defer data-title="Ops helper" data-color="#0f766e"></script>'
    async for host in serve_host_page(tag):
        await page.goto(host)
        assert await page.locator("#cloudbutler-widget iframe").count() == 0  # nothing loads until opened
        frame = await widget_frame(page)
        assert frame.url == webchat.url + "?embed=1&title=Ops+helper&color=%230f766e"
        assert not frame.url.startswith(host)
        assert await frame.locator("#title").inner_text() == "Ops helper"
        assert await send_and_wait(frame, "hello from the widget") == "You said: hello from the widget"
        assert webchat.bot.received[0].text == "hello from the widget"
        box = await page.locator("#cloudbutler-widget .bubble").bounding_box()
        assert box is not None and box["x"] > 900 and box["y"] > 600  # bottom right of 1000x720
        recipient = await polling(webchat, frame)
        await webchat.channel.get_output_channel().send_text_message(recipient, "Your analysis is ready.")
        await frame.get_by_text("Your analysis is ready.").wait_for()
        await frame.click("#close")
        await page.locator("#cloudbutler-widget .panel").wait_for(state="hidden")


async def test_widget_ignores_the_host_pages_css(webchat: WebChatServer, page: Page) -> None:
    hostile = "<style>div, button, iframe { display: none !important; } * { font-size: 40px !important; }</style>"
    tag = f'<script src="{webchat.url}widget.js" defer data-title="Ops helper"></script>'
    async for host in serve_host_page(hostile + "<p>My site</p>" + tag):
        await page.goto(host)
        frame = await widget_frame(page)
        assert await frame.locator("#input").is_visible()
        assert await send_and_wait(frame, "styled?") == "You said: styled?"
