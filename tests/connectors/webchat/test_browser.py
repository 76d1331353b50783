"""The web chat page and the widget in headless Chromium, against the channel with a scripted bot."""
from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import AsyncIterator, Callable, Iterator, List, Tuple

import pytest
from aiohttp import web
from playwright.async_api import Browser, FilePayload, Frame, Page, Response, Route

from connectors.vocabulary import BotMessage
from connectors.webchat import WebChatInput
from connectors.webchat.sessions import TOKEN_PATTERN, SessionSigner
from tests.connectors.webchat.browser import (
    conversation_id,
    last_reply,
    open_chat,
    send_and_wait,
    wait_ready,
    wait_session,
    wait_turns,
)
from tests.connectors.webchat.scripted import BUTTONS_REPLY, HOSTILE_TEXT, WebChatServer, eventually, serve_webchat

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def event_loop() -> Iterator[asyncio.AbstractEventLoop]:
    """pytest-asyncio 0.21: a module-wide loop lets the module share one Chromium (``browser`` fixture)."""
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


async def serve_host_page(html: Callable[[], str]) -> AsyncIterator[str]:
    """Someone else's site, on another free port: a different origin from the assistant. Its page is ``html()``,
    so it can name an assistant started after the site (whose address the assistant has to know first)."""
    app = web.Application()

    async def index(request: web.Request) -> web.Response:
        return web.Response(text=html(), content_type="text/html")

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
    token = await wait_session(page)
    assert [m.sender_id for m in webchat.bot.received] == [conversation_id(token)]
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
    assert "running in" not in await card.inner_text()  # labelled fields replace the text (vocabulary rule)
    await send_and_wait(page, "show table")
    table = page.locator("#log .msg.bot").last.locator("table")
    assert await page.locator("#log .msg.bot").last.locator(".table-title").inner_text() == "Your buckets"
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
    sender = await wait_session(page)
    assert TOKEN_PATTERN.fullmatch(sender) and webchat.channel.signer.verify(sender)
    await page.reload()
    await wait_ready(page)
    assert await page.evaluate("document.body.dataset.sender") == sender
    assert await bot_texts(page) == ["You said: first"]
    await send_and_wait(page, "second")

    other = await browser.new_context()
    other_page = await other.new_page()
    await open_chat(other_page, webchat.url)
    await send_and_wait(other_page, "elsewhere")
    other_sender = await wait_session(other_page)
    await other.close()

    await page.get_by_role("button", name="New conversation").click()
    assert await page.locator("#log .msg").count() == 0 and await page.locator("#empty").is_visible()
    await send_and_wait(page, "third")
    fresh = await wait_session(page, other_than=sender)  # "New conversation" drops the session; the server issues one
    assert await page.evaluate("localStorage.getItem('cloudbutler.webchat.sender')") == fresh
    assert len({sender, other_sender, fresh}) == 3
    assert all(webchat.channel.signer.verify(token) for token in (sender, other_sender, fresh))
    assert [(m.sender_id, m.text) for m in webchat.bot.received] == [
        (conversation_id(sender), "first"),
        (conversation_id(sender), "second"),
        (conversation_id(other_sender), "elsewhere"),
        (conversation_id(fresh), "third"),
    ]


def session_requests(page: Page) -> List[Response]:
    """The page's ``POST session`` answers, as they arrive (recorded at once, so none is missed by a check)."""
    answers: List[Response] = []
    page.on("response", lambda r: answers.append(r) if r.url.endswith("/webchat/session") else None)
    return answers


async def tokens(answers: List[Response]) -> List[str]:
    return [(await answer.json())["sender"] for answer in answers]


async def test_the_page_gets_its_session_from_the_server(webchat: WebChatServer, page: Page) -> None:
    issued = session_requests(page)
    await open_chat(page, webchat.url)
    token = await wait_session(page)  # before anything is typed: the poll for late messages needs one
    assert TOKEN_PATTERN.fullmatch(token) and webchat.channel.signer.verify(token) == token.split(".")[0]
    assert await tokens(issued) == [token]
    assert await page.evaluate("localStorage.getItem('cloudbutler.webchat.sender')") == token
    await polling(webchat, page)
    assert await send_and_wait(page, "hi") == "You said: hi"
    assert [m.sender_id for m in webchat.bot.received] == [conversation_id(token)]
    assert await tokens(issued) == [token]  # one session serves the poll and the messages


async def stale_page(webchat: WebChatServer, page: Page) -> str:
    """Store a session another server signed (another secret, or this one before a restart) before the chat loads."""
    stale = SessionSigner("the-secret-before-a-restart").issue()
    await page.goto(webchat.url + "health")  # the chat's origin, so its storage
    await page.evaluate("token => localStorage.setItem('cloudbutler.webchat.sender', token)", stale)
    return stale


async def test_a_stale_session_is_replaced_and_the_message_still_answered(webchat: WebChatServer, page: Page) -> None:
    stale = await stale_page(webchat, page)
    statuses: List[int] = []
    page.on("response", lambda r: statuses.append(r.status) if r.url.endswith("/webchat/webhook") else None)
    # Polls fail meanwhile, so the message is the first request to meet the stale session.
    await page.route("**/updates", lambda route: route.abort())
    await open_chat(page, webchat.url)
    assert await page.evaluate("document.body.dataset.sender") == stale
    assert await send_and_wait(page, "hello again") == "You said: hello again"
    token = await wait_session(page, other_than=stale)
    assert statuses == [401, 200]  # refused once, then sent again with a session from this server
    assert webchat.channel.signer.verify(token)
    assert [(m.sender_id, m.text) for m in webchat.bot.received] == [(conversation_id(token), "hello again")]
    assert await page.evaluate("localStorage.getItem('cloudbutler.webchat.sender')") == token
    await page.unroute("**/updates")
    assert await polling(webchat, page) == conversation_id(token)  # late messages reach the same conversation


async def test_a_stale_session_is_replaced_once_for_poll_and_message(webchat: WebChatServer, page: Page) -> None:
    """The poll and a message meet the stale session at about the same time: both move to one new session."""
    stale = await stale_page(webchat, page)
    issued = session_requests(page)
    await open_chat(page, webchat.url)
    assert await send_and_wait(page, "right away") == "You said: right away"
    token = await wait_session(page, other_than=stale)
    assert [m.sender_id for m in webchat.bot.received] == [conversation_id(token)]
    assert await polling(webchat, page) == conversation_id(token)
    assert await tokens(issued) == [token]
    assert "not accepted" not in await page.locator("#log").inner_text()


async def test_a_late_refusal_does_not_split_poll_and_messages(webchat: WebChatServer, page: Page) -> None:
    """The poll has already replaced the stale session when the message's 401 arrives: the message must use that
    new session, not a third one the poll never hears of (late messages would wait for the next poll, ~25 s)."""
    stale = await stale_page(webchat, page)
    issued = session_requests(page)
    message_sent, renewed = asyncio.Event(), asyncio.Event()
    page.on("response", lambda r: renewed.set() if r.url.endswith("/webchat/session") else None)

    async def hold_poll(route: Route) -> None:
        await message_sent.wait()  # both leave with the stale session
        await route.continue_()

    async def hold_message(route: Route) -> None:
        message_sent.set()
        await renewed.wait()  # the poll's 401 comes back first; the message's once the poll has renewed
        await route.continue_()

    await page.route("**/webchat/updates", hold_poll)
    await page.route("**/webchat/webhook", hold_message)
    await open_chat(page, webchat.url)
    await page.fill("#input", "slow network")
    await page.press("#input", "Enter")
    token = await wait_session(page, other_than=stale)  # the poll's new session
    await wait_turns(page, 1)
    assert await last_reply(page) == ["You said: slow network"]
    assert [m.sender_id for m in webchat.bot.received] == [conversation_id(token)]
    assert await polling(webchat, page) == conversation_id(token)
    assert await tokens(issued) == [token]


async def test_new_conversation_asks_the_server_for_a_new_session(webchat: WebChatServer, page: Page) -> None:
    issued = session_requests(page)
    await open_chat(page, webchat.url)
    await send_and_wait(page, "first")
    first = await wait_session(page)
    await page.get_by_role("button", name="New conversation").click()
    assert await page.evaluate("localStorage.getItem('cloudbutler.webchat.sender')") != first
    second = await wait_session(page, other_than=first)
    await send_and_wait(page, "second")
    assert await tokens(issued) == [first, second]
    assert webchat.channel.signer.verify(second)
    assert [(m.sender_id, m.text) for m in webchat.bot.received] == [
        (conversation_id(first), "first"),
        (conversation_id(second), "second"),
    ]


async def test_a_message_still_queued_stays_in_its_conversation(webchat: WebChatServer, page: Page) -> None:
    """Messages go out one at a time: one typed before "New conversation" but sent after it must not land in the
    new conversation (where, say, a "yes" would answer a question the user never saw)."""
    await open_chat(page, webchat.url)
    first = await wait_session(page)
    await page.fill("#input", "wait a moment")
    await page.press("#input", "Enter")
    await page.fill("#input", "show buttons")  # queued behind the slow one
    await page.press("#input", "Enter")
    await page.get_by_role("button", name="New conversation").click()
    await wait_turns(page, 2)
    second = await wait_session(page, other_than=first)
    assert [(m.sender_id, m.text) for m in webchat.bot.received] == [(conversation_id(first), "wait a moment")]
    assert await page.locator("#log .msg").count() == 0  # replies to the old conversation are not shown
    assert await send_and_wait(page, "yes") == "You said: yes"
    assert (webchat.bot.received[-1].sender_id, len(webchat.bot.received)) == (conversation_id(second), 2)


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


async def polling(webchat: WebChatServer, surface: Page | Frame, *, other_than: str = "") -> str:
    """The conversation id of the page's session (one other than ``other_than``), once the page's long poll
    is waiting on the server."""
    recipient = conversation_id(await wait_session(surface, other_than=other_than))
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
    old_token = await page.evaluate("document.body.dataset.sender")
    await page.get_by_role("button", name="New conversation").click()
    new = await polling(webchat, page, other_than=old_token)
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
    # When the browser started each poll (seconds): timed in Python, a busy test loop would skew the gaps.
    page.on("response", lambda r: polls.append(r.request.timing["startTime"] / 1000) if r.url.endswith("/updates") else None)
    page.on("response", lambda response: failures.append(response.status) if response.status >= 500 else None)
    async for webchat in serve_webchat(tmp_path, channel=channel):
        await open_chat(page, webchat.url)
        await eventually(lambda: failures == [500, 500], timeout=5)
        monkeypatch.undo()
        recipient = conversation_id(await wait_session(page))
        await channel.get_output_channel().send_text_message(recipient, "back again")
        await page.get_by_text("back again").wait_for(timeout=5000)  # the next retry succeeds
        assert await bot_texts(page) == ["back again"]
        gaps = [polls[1] - polls[0], polls[2] - polls[1]]
        assert 0.9 <= gaps[0] <= 1.5 and 1.9 <= gaps[1] <= 2.6, gaps  # each retry waits twice as long

        polls.clear()
        await page.wait_for_timeout(2000)
        assert 1 <= len(polls) <= 3, polls  # empty answers come after 0.05 s, yet at most one poll a second


WidgetPage = Callable[[str], str]  # the host page's HTML, given the assistant's web chat URL


async def widget_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, page_html: WidgetPage, *, listed: bool = True
) -> AsyncIterator[Tuple[WebChatServer, str]]:
    """The assistant and another site whose page embeds the widget; ``listed``: the site is in
    CLOUDBUTLER_ALLOWED_ORIGINS, so the chat page lets it frame the chat."""
    html: List[str] = []
    async for host in serve_host_page(lambda: html[0]):
        monkeypatch.setenv("CLOUDBUTLER_ALLOWED_ORIGINS", host.rstrip("/") if listed else "")
        async for webchat in serve_webchat(tmp_path):
            html.append(page_html(webchat.url))
            yield webchat, host


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


def widget_tag(url: str) -> str:
    return f'<script src="{url}widget.js" defer data-title="Ops helper" data-color="#0f766e"></script>'


async def test_widget_opens_the_chat_from_another_site(
    tmp_path: Path, page: Page, monkeypatch: pytest.MonkeyPatch
) -> None:
    async for webchat, host in widget_site(tmp_path, monkeypatch, widget_tag):
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


async def test_widget_ignores_the_host_pages_css(tmp_path: Path, page: Page, monkeypatch: pytest.MonkeyPatch) -> None:
    hostile = "<style>div, button, iframe { display: none !important; } * { font-size: 40px !important; }</style>"
    async for _, host in widget_site(tmp_path, monkeypatch, lambda url: hostile + "<p>My site</p>" + widget_tag(url)):
        await page.goto(host)
        frame = await widget_frame(page)
        assert await frame.locator("#input").is_visible()
        assert await send_and_wait(frame, "styled?") == "You said: styled?"


async def test_a_site_not_listed_cannot_frame_the_chat(tmp_path: Path, page: Page, monkeypatch: pytest.MonkeyPatch) -> None:
    """Framing the chat on any site would let that site dress it up or overlay it (clickjacking): only the sites in
    CLOUDBUTLER_ALLOWED_ORIGINS may embed the widget."""
    async for webchat, host in widget_site(tmp_path, monkeypatch, widget_tag, listed=False):
        await page.goto(host)
        await page.locator("#cloudbutler-widget .bubble").click()
        handle = await page.locator("#cloudbutler-widget iframe").element_handle()
        assert handle is not None
        frame = await handle.content_frame()
        assert frame is not None
        # Chromium's page for a refused frame. Polled, not awaited as a navigation: a wait that starts while the
        # refused navigation is still under way reports ERR_BLOCKED_BY_RESPONSE instead of the page that follows.
        await eventually(lambda refused=frame: refused.url.startswith("chrome-error://"), timeout=10.0)
        assert await frame.locator("#input").count() == 0
        assert webchat.bot.received == []
