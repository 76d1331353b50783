"""Driving the web chat in headless Chromium: Debian's /usr/bin/chromium, never a downloaded browser.

Reusable by end-to-end tests against the real assistant::

    async with async_playwright() as playwright:
        browser = await launch_chromium(playwright)
        page = await browser.new_page()
        await open_chat(page, "http://127.0.0.1:5005/webhooks/webchat/")
        reply = await send_and_wait(page, "list my S3 buckets")
"""
from __future__ import annotations

from pathlib import Path
from typing import List, Union

from playwright.async_api import Browser, Frame, Page, Playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

ChatSurface = Union[Page, Frame]  # the full page, or the widget's iframe


def chromium_missing() -> str | None:
    """Why browser tests cannot run here, or None when they can."""
    return None if CHROMIUM.exists() else f"{CHROMIUM} is not installed (apt-get install chromium)"


async def launch_chromium(playwright: Playwright) -> Browser:
    return await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)


async def open_chat(page: Page, url: str) -> None:
    """Load the chat page and wait until its script has started (it marks <body data-turns>)."""
    await page.goto(url)
    await wait_ready(page)


# wait_for_function gets function sources only: a bare expression is eval'd inside the page, which the chat
# page's Content-Security-Policy (no 'unsafe-eval') refuses.
async def wait_ready(surface: ChatSurface, timeout_ms: float = 10_000) -> None:
    await surface.wait_for_function(
        "() => Boolean(document.body && document.body.dataset.turns !== undefined)", timeout=timeout_ms
    )


async def wait_turns(surface: ChatSurface, turns: int, *, timeout_ms: float = 30_000) -> None:
    """Wait until ``turns`` requests have been answered and none is outstanding."""
    await surface.wait_for_function(
        "turns => Number(document.body.dataset.turns) >= turns && document.body.dataset.pending === '0'",
        arg=turns,
        timeout=timeout_ms,
    )


async def wait_session(surface: ChatSurface, *, other_than: str = "", timeout_ms: float = 10_000) -> str:
    """The page's session token (``<id>.<signature>``, issued by the server), once it has one other than
    ``other_than``: a page asks for one with its first poll or message, and again after "New conversation"."""
    await surface.wait_for_function(
        """old => {
            const token = document.body.dataset.sender || "";
            return /^[A-Za-z0-9_-]{22}[.][A-Za-z0-9_-]{22}$/.test(token) && token !== old;
        }""",
        arg=other_than,
        timeout=timeout_ms,
    )
    token: str = await surface.evaluate("document.body.dataset.sender")
    return token


def conversation_id(token: str) -> str:
    """The conversation (Rasa sender id) of a web chat session token."""
    return "web:local:" + token.split(".", 1)[0]


async def send_and_wait(surface: ChatSurface, text: str, *, timeout_ms: float = 30_000) -> str:
    """Type ``text``, press Enter and wait for the reply; returns the reply's text: every bot message (and
    error notice) after the user's message, joined by newlines."""
    turns = int(await surface.evaluate("Number(document.body.dataset.turns || 0)"))
    await surface.fill("#input", text)
    await surface.press("#input", "Enter")
    await wait_turns(surface, turns + 1, timeout_ms=timeout_ms)
    return "\n".join(await last_reply(surface))


async def last_reply(surface: ChatSurface) -> List[str]:
    """Texts of the bot messages and notices after the latest user message."""
    texts: List[str] = await surface.evaluate(
        """() => {
            const rows = Array.from(document.querySelectorAll('#log .msg'));
            let start = 0;
            rows.forEach((row, i) => { if (row.classList.contains('user')) start = i + 1; });
            return rows.slice(start).filter((row) => !row.classList.contains('user')).map((row) => row.innerText);
        }"""
    )
    return texts
