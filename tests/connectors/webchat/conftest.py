"""Fixtures for the web chat tests: the channel served with a scripted bot on a free port, and Chromium."""
from __future__ import annotations

from pathlib import Path
from typing import AsyncIterator

import pytest
from playwright.async_api import Browser, Page, async_playwright

from tests.connectors.webchat.browser import chromium_missing, launch_chromium
from tests.connectors.webchat.scripted import WebChatServer, serve_webchat


@pytest.fixture
async def webchat(tmp_path: Path) -> AsyncIterator[WebChatServer]:
    async for server in serve_webchat(tmp_path):
        yield server


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    """One Chromium per test module (a module using it provides a module-scoped ``event_loop``);
    every test gets its own context, so storage never leaks between tests."""
    reason = chromium_missing()
    if reason:
        pytest.skip(reason)
    async with async_playwright() as playwright:
        chromium = await launch_chromium(playwright)
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport={"width": 1000, "height": 720})
    chat_page = await context.new_page()
    errors: list[str] = []
    chat_page.on("pageerror", lambda error: errors.append(str(error)))
    yield chat_page
    await context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"
