"""How the web chat draws what the assistant says, in headless Chromium at a phone's width (390 px) and a
desktop's (1280 px): the text with its table, wide tables with totals, job progress, destructive buttons, labelled
download links and the examples the empty chat offers. Each test leaves a screenshot (see ``shot``)."""
from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any, AsyncIterator, Iterator

import pytest
from playwright.async_api import Browser, Page

from connectors.webchat import WebChatInput
from connectors.webchat.settings import DEFAULT_EXAMPLES
from tests.connectors.webchat.browser import last_reply, open_chat, send_and_wait, wait_session
from tests.connectors.webchat.scripted import (
    PRESIGNED_URL,
    PROGRESS_REPLY,
    WebChatServer,
    eventually,
    serve_webchat,
)

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
# One set of screenshots is also kept here (git-ignored), to be looked at after a run.
SHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"


@pytest.fixture(scope="module")
def event_loop() -> Iterator[asyncio.AbstractEventLoop]:
    """pytest-asyncio 0.21: a module-wide loop lets the module share one Chromium (``browser`` fixture)."""
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


@pytest.fixture(params=[PHONE, DESKTOP], ids=["390px", "1280px"])
async def sized(request: pytest.FixtureRequest, browser: Browser) -> AsyncIterator[Page]:
    viewport = request.param
    phone = viewport is PHONE
    context = await browser.new_context(viewport=viewport, is_mobile=phone, has_touch=phone, device_scale_factor=1)
    chat_page = await context.new_page()
    errors: list[str] = []
    chat_page.on("pageerror", lambda error: errors.append(str(error)))
    yield chat_page
    await context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


async def shot(page: Page, tmp_path: Path, name: str) -> Path:
    """A screenshot of the page under the test's tmp dir, copied to ``SHOTS`` when that folder can be written."""
    width = page.viewport_size["width"] if page.viewport_size else 0
    path = tmp_path / f"{name}-{width}px.png"
    await page.screenshot(path=str(path))
    assert path.stat().st_size > 1000
    try:
        SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, SHOTS / path.name)
    except OSError:
        pass
    return path


async def poll(page: Page, script: str, arg: Any = None, *, timeout: float = 5.0) -> Any:
    """``page.evaluate(script, arg)`` until it is truthy (the page's CSP refuses wait_for_function's string forms)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = await page.evaluate(script, arg)
        if value:
            return value
        assert loop.time() < deadline, f"timed out waiting for {script}"
        await asyncio.sleep(0.05)


async def no_page_overflow(page: Page) -> None:
    widths = await page.evaluate(
        "() => [document.documentElement.scrollWidth, document.body.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[2] and widths[1] <= widths[2], widths


async def test_the_fallback_text_shows_with_its_table(webchat: WebChatServer, sized: Page, tmp_path: Path) -> None:
    await open_chat(sized, webchat.url)
    await send_and_wait(sized, "asdfgh")
    bubble = sized.locator("#log .msg.bot").last
    # The lines the table restates are not said twice; the rest stays on its side of the table.
    parts = await bubble.locator(".bubble").evaluate("b => Array.from(b.children, c => c.className.split(' ')[0])")
    assert parts == ["text", "card", "text"]
    assert await bubble.locator(".text").all_inner_texts() == [
        "Sorry, I didn't quite get that. Here is what I can do right now:",
        "Type a request in your own words, e.g. \"list my S3 buckets\".",
    ]
    assert await bubble.locator("tbody tr").evaluate_all(
        "rows => rows.map(r => Array.from(r.cells, c => c.textContent))"
    ) == [["List your S3 buckets", "list my S3 buckets"],
          ["Server status (this host or a named instance)", "Tell me about my server!"]]
    assert await bubble.locator(".text").first.is_visible() and await bubble.locator("table").is_visible()
    await no_page_overflow(sized)
    await shot(sized, tmp_path, "fallback-with-table")


async def test_a_wide_table_with_totals_scrolls_inside_its_box(webchat: WebChatServer, sized: Page,
                                                               tmp_path: Path) -> None:
    await open_chat(sized, webchat.url)
    await send_and_wait(sized, "show usage")
    bubble = sized.locator("#log .msg.bot").last
    assert (await bubble.locator(".text").inner_text()).startswith("media-library-prod holds 1,204 objects")
    totals = bubble.locator("tfoot tr")
    assert await totals.evaluate("r => Array.from(r.cells, c => c.textContent)") == [
        "Total", "1,204", "48.2 GB", "$0.59", "$0.42", "$0.17"]
    style = await totals.locator("td").first.evaluate(
        "c => [getComputedStyle(c).fontWeight, getComputedStyle(c).borderTopWidth]")
    assert int(style[0]) >= 700 and float(style[1].rstrip("px")) >= 2  # bold, ruled off from the rows
    await no_page_overflow(sized)
    scroller = bubble.locator(".table-scroll")
    room = await scroller.evaluate("s => s.scrollWidth - s.clientWidth")
    hint = bubble.locator(".scroll-hint")
    if sized.viewport_size == PHONE:
        assert room > 50  # the table is wider than the phone: it scrolls inside its box
        assert await hint.is_visible() and await hint.inner_text() == "Scroll sideways for more \u2194"
        assert await poll(sized, "() => document.querySelector('#log .msg.bot:last-child .table-wrap')"
                                 ".classList.contains('more-right')")
        # Phones hide scrollbars: a shade marks the side with more to see.
        shades = ("() => { const w = document.querySelector('#log .msg.bot:last-child .table-wrap');"
                  " return getComputedStyle(w, '::before').opacity + ' ' + getComputedStyle(w, '::after').opacity; }")
        assert await poll(sized, f"() => ({shades})() === '0 1'")
        box, wrap = await scroller.bounding_box(), await sized.locator("#log").bounding_box()
        assert box and wrap and box["x"] >= wrap["x"] and box["x"] + box["width"] <= wrap["x"] + wrap["width"]
        await shot(sized, tmp_path, "wide-table-totals")
        await scroller.evaluate("s => { s.scrollLeft = s.scrollWidth; }")
        assert await poll(sized, "() => { const w = document.querySelector('#log .msg.bot:last-child .table-wrap');"
                                 " return w.classList.contains('more-left') && !w.classList.contains('more-right'); }")
        await poll(sized, "() => getComputedStyle(document.querySelector('#log .msg.bot:last-child .table-wrap'),"
                          " '::before').opacity === '1'")
        await no_page_overflow(sized)
        await shot(sized, tmp_path, "wide-table-scrolled")
    else:
        assert room <= 1 and await hint.is_hidden()  # the desktop has room: no scrolling, no hint
        await shot(sized, tmp_path, "wide-table-totals")


async def test_progress_shows_a_bar_that_moves_in_place(webchat: WebChatServer, sized: Page, tmp_path: Path) -> None:
    await open_chat(sized, webchat.url)
    await send_and_wait(sized, "show progress")
    bubble = sized.locator("#log .msg.bot").last
    assert await bubble.locator(".progress-label").inner_text() == "3 of 10 files"
    assert await bubble.locator("progress").evaluate("p => [p.value, p.max]") == [3, 10]
    assert await bubble.locator(".text").inner_text() == PROGRESS_REPLY["text"]
    await shot(sized, tmp_path, "progress")

    recipient = "web:local:" + (await wait_session(sized)).split(".", 1)[0]
    await eventually(lambda: webchat.channel.mailbox.waiting(recipient) == 1)
    output = webchat.channel.get_output_channel()
    for done in (6, 10):
        await output.send_response(recipient, {"text": f"Uploading: {done} of 10 done.",
                                               "custom": {"progress": {"done": done, "total": 10, "unit": "files"}}})
    await poll(sized, "() => (document.querySelector('#log .msg.bot:last-child .progress-label') || {})"
                      ".textContent === '10 of 10 files'")
    labels = await sized.locator("#log .progress-label").all_inner_texts()
    assert labels == ["10 of 10 files"]  # one bar that moved, not three
    await eventually(lambda: webchat.channel.mailbox.waiting(recipient) == 1)
    await output.send_response(recipient, {"text": "Uploaded 10 files to my-project-bucket."})
    await output.send_response(recipient, {"text": "Emptying logs: 1,500 objects deleted.",
                                           "custom": {"progress": {"done": 1500, "total": 0, "unit": "objects"}}})
    await poll(sized, "() => document.querySelectorAll('#log .progress').length === 2")
    assert await sized.locator("#log .progress-label").all_inner_texts() == ["10 of 10 files", "1,500 objects"]
    assert await sized.locator("#log progress").last.evaluate("p => p.position") == -1  # no total: indeterminate
    await sized.reload()
    await poll(sized, "() => document.body.dataset.turns !== undefined")
    assert await sized.locator("#log .progress-label").all_inner_texts() == ["10 of 10 files", "1,500 objects"]
    await no_page_overflow(sized)
    await shot(sized, tmp_path, "progress-done")


def rgb(css: str) -> tuple[int, ...]:
    return tuple(int(float(part)) for part in css[css.index("(") + 1 : css.index(")")].split(",")[:3])


async def test_the_destructive_yes_is_red_and_cancel_is_neutral(webchat: WebChatServer, sized: Page,
                                                                tmp_path: Path) -> None:
    await open_chat(sized, webchat.url)
    await send_and_wait(sized, "show danger")
    yes = sized.get_by_role("button", name="Yes, delete old-logs")
    cancel = sized.get_by_role("button", name="No, cancel")
    colours = [await button.evaluate("b => [getComputedStyle(b).backgroundColor, getComputedStyle(b).color, "
                                     "getComputedStyle(b).borderColor]") for button in (yes, cancel)]
    (yes_bg, yes_text, _), (no_bg, no_text, no_border) = [[rgb(c) for c in trio] for trio in colours]
    assert yes_bg != no_bg and yes_text != no_text
    assert yes_bg[0] > 150 and yes_bg[1] < 80 and yes_bg[2] < 80  # red
    assert no_bg == (255, 255, 255) and max(no_text) - min(no_text) < 60  # plain, grey text: clearly secondary
    assert max(no_border) - min(no_border) < 40
    await shot(sized, tmp_path, "danger-confirmation")
    await cancel.click()
    await poll(sized, "() => document.body.dataset.pending === '0' && Number(document.body.dataset.turns) >= 2")
    assert [m.text for m in webchat.bot.received] == ["show danger", "/deny"]
    assert await yes.is_disabled() and await cancel.is_disabled()


async def test_a_download_link_shows_as_its_label(webchat: WebChatServer, sized: Page, tmp_path: Path) -> None:
    await open_chat(sized, webchat.url)
    await send_and_wait(sized, "show link")
    bubble = sized.locator("#log .msg.bot").last
    assert await bubble.locator(".text").inner_text() == (
        "Saved report.pdf (1.2 MB) to the downloads folder. Link: Download (expires in 1 h)")
    anchor = bubble.locator("a.labelled-link")
    assert await anchor.evaluate("a => [a.getAttribute('href'), a.target, a.rel, a.textContent]") == [
        PRESIGNED_URL, "_blank", "noopener noreferrer", "Download (expires in 1 h)"]
    assert await bubble.locator("a").count() == 1  # the javascript: "link" is not one
    assert await sized.evaluate("window.__pwned") is None and await bubble.locator("b").count() == 0
    await no_page_overflow(sized)
    await shot(sized, tmp_path, "download-link")


async def test_the_examples_come_from_the_server(webchat: WebChatServer, sized: Page, tmp_path: Path) -> None:
    page = sized
    await open_chat(page, webchat.url)
    await poll(page, "() => document.body.dataset.examples !== undefined")
    assert await page.locator("#examples button").all_inner_texts() == list(DEFAULT_EXAMPLES)
    await shot(page, tmp_path, "examples")
    assert "what are my stats" not in DEFAULT_EXAMPLES  # not a working skill (yet)
    await page.get_by_role("button", name="list my S3 buckets").click()
    await poll(page, "() => document.body.dataset.turns === '1'")
    assert [m.text for m in webchat.bot.received] == ["list my S3 buckets"]
    assert await last_reply(page) == ["You said: list my S3 buckets"]


async def test_an_operator_chooses_the_examples_or_none(tmp_path: Path, page: Page) -> None:
    for examples, intro_shown in ((["how big is media-library-prod", "  "], True), ([], False)):
        channel = WebChatInput(inbox_dir=tmp_path / "inbox", media_dir=tmp_path / "media", examples=examples)
        async for webchat in serve_webchat(tmp_path, channel=channel):
            await open_chat(page, webchat.url)
            await poll(page, "() => document.body.dataset.examples !== undefined")
            assert await page.locator("#examples button").all_inner_texts() == [e for e in examples if e.strip()]
            assert await page.locator("#empty-intro").is_visible() is intro_shown


async def test_dark_mode_keeps_the_destructive_yes_apart_and_tables_readable(
    webchat: WebChatServer, browser: Browser, tmp_path: Path
) -> None:
    context = await browser.new_context(viewport=PHONE, color_scheme="dark", is_mobile=True, has_touch=True)
    page = await context.new_page()
    await open_chat(page, webchat.url)
    await send_and_wait(page, "show usage")
    await send_and_wait(page, "show danger")
    yes = page.get_by_role("button", name="Yes, delete old-logs")
    cancel = page.get_by_role("button", name="No, cancel")
    yes_bg, no_bg = [rgb(await b.evaluate("b => getComputedStyle(b).backgroundColor")) for b in (yes, cancel)]
    assert yes_bg[0] > 150 and yes_bg[1] < 80 and no_bg != yes_bg and max(no_bg) < 80  # red beside a dark Cancel
    total = rgb(await page.locator("tfoot td").first.evaluate("c => getComputedStyle(c).color"))
    assert min(total) > 180  # light text on the dark card
    await no_page_overflow(page)
    await shot(page, tmp_path, "dark-usage-and-danger")
    await context.close()
