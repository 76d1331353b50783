"""The real assistant through its web chat page in headless Chromium (Debian's package, nothing downloaded)."""
from __future__ import annotations

import pytest
import requests
from playwright.async_api import async_playwright

from launcher.config import ROOT
from launcher.stack import Stack
from tests.connectors.webchat.browser import chromium_missing, launch_chromium, open_chat, send_and_wait

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

SCREENSHOTS = ROOT / "var" / "screenshots"


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


@pytest.mark.parametrize("width", [390, 1280])
async def test_forecast_and_fleet_right_sizing_in_a_real_browser(stack: Stack, width: int) -> None:
    """A forecast's chart and the fleet's table (a late message from the background job) as people see them; the
    screenshots land in var/screenshots/."""
    async with async_playwright() as playwright:
        browser = await launch_chromium(playwright)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        try:
            page = await browser.new_page(viewport={"width": width, "height": 1600})
            await open_chat(page, stack.webchat_url)
            reply = await send_and_wait(page, "forecast web-1 for tomorrow", timeout_ms=60_000)
            assert "web-1 (t3.micro) tomorrow: CPU should average about" in reply
            chart = page.locator("#log .msg.bot img").last
            await chart.wait_for(timeout=30_000)
            await page.wait_for_function(
                "() => Array.from(document.querySelectorAll('#log .msg.bot img')).every(i => i.naturalWidth > 0)",
                timeout=30_000)
            box = await chart.bounding_box()
            assert box is not None and box["width"] <= width  # the chart fits the phone's width
            await page.screenshot(path=str(SCREENSHOTS / f"forecast-{width}.png"), full_page=True)
            assert "Checking 3 running instances" in await send_and_wait(
                page, "which of our servers are oversized?", timeout_ms=60_000)
            await page.wait_for_function(
                "() => Array.from(document.querySelectorAll('#log .msg.bot table td'))"
                ".some(td => td.innerText.trim() === 'over-provisioned')", timeout=120_000)
            cells = await page.locator("#log .msg.bot table").last.locator("td").all_inner_texts()
            assert ["web-1", "t3.micro", "under-provisioned"] == [c.strip() for c in cells[:3]]
            await page.screenshot(path=str(SCREENSHOTS / f"rightsize-{width}.png"), full_page=True)
        finally:
            await browser.close()
