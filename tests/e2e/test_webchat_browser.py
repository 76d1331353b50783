"""The real assistant through its web chat page in headless Chromium (Debian's package, nothing downloaded)."""
from __future__ import annotations

import pytest
import requests
from playwright.async_api import async_playwright

from launcher.stack import Stack
from tests.connectors.webchat.browser import chromium_missing, launch_chromium, open_chat, send_and_wait

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


@pytest.fixture(autouse=True)
def _need_chromium() -> None:
    reason = chromium_missing()
    if reason:
        pytest.fail(reason)  # make test installs it; a missing browser is a setup bug, not a skip


async def test_server_status_in_a_real_browser(stack: Stack) -> None:
    token = requests.put(f"{stack.imds_endpoint.rstrip('/')}/latest/api/token",
                         headers={"X-aws-ec2-metadata-token-ttl-seconds": "60"}, timeout=5).text
    identity = requests.get(f"{stack.imds_endpoint.rstrip('/')}/latest/dynamic/instance-identity/document",
                            headers={"X-aws-ec2-metadata-token": token}, timeout=5).json()
    async with async_playwright() as playwright:
        browser = await launch_chromium(playwright)
        try:
            page = await browser.new_page()
            await open_chat(page, stack.webchat_url)
            assert "hello" in (await send_and_wait(page, "hello world", timeout_ms=60_000)).lower()
            reply = await send_and_wait(page, "Tell me about my server!", timeout_ms=60_000)
            assert identity["region"] in reply
            assert identity["availabilityZone"] in reply
            assert identity["privateIp"] in reply
            # The status arrives as a labelled card, not just text.
            labels = await page.locator("#log .msg.bot dt").all_inner_texts()
            assert {"Region", "Availability zone", "Private IP", "Public IP", "CPU"} <= {t.strip() for t in labels}
        finally:
            await browser.close()
