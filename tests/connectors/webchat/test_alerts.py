"""Alerts in the web chat: a conversation is its own alert recipient (its session's sender id, which the mailbox is
keyed by), so an alert is an ordinary late message there. It reaches the page whole - text, coloured fields and
buttons in one bubble - and the card shows its colour as a left edge. Screenshots: var/screenshots/alert-*.png."""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Iterator

import pytest
from playwright.async_api import Browser

from common.recipients import parse_channel_recipient, recipient_for
from connectors.webchat import MailboxOutput
from connectors.webchat.protocol import web_identity
from tests.connectors.webchat.browser import conversation_id, open_chat, wait_session
from tests.connectors.webchat.client import get_updates
from tests.connectors.webchat.scripted import WebChatServer, eventually

SCREENSHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"
ACK = '/acknowledge_alert{"alert":"5f1e3b7a-0c2d-4e8f-9a6b-1c2d3e4f5a6b"}'
CHART = '/instance_metrics{"instance":"web-2","metric":"cpu"}'


def alert(title: str, colour: str, summary: str, *, chart: bool = True) -> dict[str, Any]:
    """An alert as Rasa hands it to the output channel (actions/alerts/render.py's reply)."""
    buttons = ([{"title": "Show metric chart", "payload": CHART}] if chart else []) + [
        {"title": "Acknowledge", "payload": ACK}]
    return {
        "text": f"{title}\n{summary}",
        "buttons": buttons,
        "custom": {"fields": {"title": title, "colour": colour, "items": [
            {"label": "Metric", "value": summary}, {"label": "Time", "value": "2026-12-02 11:30 UTC"}]}},
        "timestamp": 3.0,  # what Rasa adds; not part of the vocabulary
    }


ALARM = alert("ALARM: web-2 CPU high", "red", "CPUUtilization 95 % (threshold > 80 % for 10 minutes)")
OK = alert("OK: web-2 CPU back to normal", "green", "CPUUtilization 35 %")
STOCK = alert("Out of stock: blue widgets at Leeds", "amber", "0 left (was 12)", chart=False)


async def test_an_alert_to_a_web_conversation_is_collected_whole(webchat: WebChatServer) -> None:
    identity = web_identity(webchat.session("ann").split(".", 1)[0], None)
    recipient = recipient_for(identity.platform, identity.workspace, identity.channel_id, identity.sender_id)
    assert recipient == webchat.sender_id("ann") and parse_channel_recipient(recipient) is None
    output = webchat.channel.get_output_channel()
    assert isinstance(output, MailboxOutput)
    await output.send_response(recipient, dict(ALARM))
    status, body, _ = await get_updates(webchat, f"sender={webchat.session('ann')}")
    assert status == 200
    assert body == [{"text": ALARM["text"], "buttons": ALARM["buttons"], "custom": ALARM["custom"]}]
    assert body[0]["custom"]["fields"]["colour"] == "red"


@pytest.fixture(scope="module")
def event_loop() -> Iterator[asyncio.AbstractEventLoop]:
    """pytest-asyncio 0.21: a module-wide loop lets the module share one Chromium (``browser`` fixture)."""
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


EDGES = {"red": "rgb(217, 45, 32)", "green": "rgb(18, 183, 106)", "amber": "rgb(247, 144, 9)"}


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1280])
async def test_alerts_show_their_colour_beside_fields_and_buttons(
    webchat: WebChatServer, browser: Browser, width: int
) -> None:
    context = await browser.new_context(viewport={"width": width, "height": 900})
    try:
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        await open_chat(page, webchat.url)
        recipient = conversation_id(await wait_session(page))
        await eventually(lambda: webchat.channel.mailbox.waiting(recipient) == 1)
        output = webchat.channel.get_output_channel()
        for message in (ALARM, OK, STOCK):
            await output.send_response(recipient, dict(message))
        bubbles = page.locator("#log .msg.bot")
        await bubbles.nth(2).wait_for()
        for index, (message, colour) in enumerate([(ALARM, "red"), (OK, "green"), (STOCK, "amber")]):
            bubble = bubbles.nth(index)
            card = bubble.locator(".fields-card")
            assert await card.get_attribute("class") == f"card fields-card colour-{colour}"
            edge = await card.evaluate("c => [getComputedStyle(c).borderLeftColor, getComputedStyle(c).borderLeftWidth]")
            assert edge == [EDGES[colour], "5px"]
            # One bubble: the title, the fields and the buttons together.
            assert await card.locator(".card-title").inner_text() == message["custom"]["fields"]["title"]
            titles = [b["title"] for b in message["buttons"]]
            assert await bubble.locator("button.choice").all_inner_texts() == titles
        fits = await page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
        assert fits, "the alerts made the page scroll sideways"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SCREENSHOTS / f"alert-{width}.png"), full_page=True)
        assert errors == []
    finally:
        await context.close()
