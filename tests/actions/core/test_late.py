"""The late-message poster's output channel: the default keeps Rasa's "latest", a named one (what an alert to a
channel recipient needs) goes in the trigger_intent query; checked against a tiny aiohttp stand-in for Rasa."""
from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from actions.core.late import PostFailed, RasaPoster, said
from actions.skills.conversation import ActionLateMessage
from common.recipients import channel_recipient, output_channel_for
from tests.actions.harness import run_action, tracker_for


class Rasa:
    def __init__(self) -> None:
        self.url = ""
        self.status = 200
        self.requests: list[dict[str, Any]] = []


@pytest.fixture
async def rasa() -> AsyncIterator[Rasa]:
    fake = Rasa()

    async def trigger(request: web.Request) -> web.Response:
        fake.requests.append({"raw_path": request.raw_path.split("?", 1)[0], "query": dict(request.query),
                              "json": await request.json()})
        return web.json_response({"tracker": {}}, status=fake.status)

    app = web.Application()
    app.router.add_post("/conversations/{conversation:.+}/trigger_intent", trigger)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    fake.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
    yield fake
    await runner.cleanup()


def test_the_default_output_channel_is_latest() -> None:
    assert RasaPoster().output_channel == "latest"
    assert RasaPoster.from_env({}).url_for("u1").query["output_channel"] == "latest"
    assert RasaPoster(output_channel="").output_channel == "latest"


async def test_a_named_output_channel_goes_in_the_query(rasa: Rasa) -> None:
    recipient = channel_recipient("slack", "T1", "C1")
    channel = output_channel_for(recipient)
    assert channel == "slack"
    await RasaPoster(rasa.url, "tok", output_channel=channel)(recipient, {"text": "CPU high on web-2"})
    assert rasa.requests == [{
        "raw_path": "/conversations/slack:T1:%23C1/trigger_intent",
        "query": {"output_channel": "slack", "token": "tok"},
        "json": {"name": "EXTERNAL_late_message", "entities": {"message": {"text": "CPU high on web-2"}}},
    }]


async def test_through_keeps_rasa_and_the_token(rasa: Rasa) -> None:
    latest = RasaPoster.from_env({"CLOUDBUTLER_RASA_URL": rasa.url, "RASA_AUTH_TOKEN": "tok"})
    discord = latest.through("discord")
    assert (discord.base_url, discord.token, discord.timeout) == (latest.base_url, latest.token, latest.timeout)
    await discord("discord:G1:#123", {"text": "a"})
    await latest("discord:G1:42", {"text": "b"})
    assert [r["query"] for r in rasa.requests] == [
        {"output_channel": "discord", "token": "tok"}, {"output_channel": "latest", "token": "tok"},
    ]
    assert RasaPoster.from_env({}, output_channel="webchat").url_for("web:local:s").query["output_channel"] == "webchat"


async def test_a_5xx_for_a_channel_recipient_reaches_the_caller(rasa: Rasa) -> None:
    # The connector raises when the platform is down; Rasa answers 500 and the alert consumer must see it.
    rasa.status = 500
    with pytest.raises(PostFailed) as caught:
        await RasaPoster(rasa.url, output_channel="slack")("slack:T1:#C1", {"text": "x"})
    assert caught.value.status == 500


ACK = {"title": "Acknowledge", "payload": '/acknowledge_alert{"alert":"m-1"}'}
CHART = {"title": "Show metric chart", "payload": '/instance_metrics{"instance":"web-2","metric":"cpu"}'}
ALERT = {"text": "ALARM: web-2 CPU high", "json_message": {"fields": {"title": "ALARM", "colour": "red", "items": []}},
         "buttons": [CHART, ACK]}


def test_a_late_message_keeps_its_buttons() -> None:
    assert said(ALERT) == ALERT
    assert said({"text": "Delete?", "buttons": [{"title": "Yes", "payload": "/affirm", "style": "danger"},
                                                {"title": "No", "payload": "/deny", "style": "primary"}]}) == {
        "text": "Delete?", "buttons": [{"title": "Yes", "payload": "/affirm", "style": "danger"},
                                       {"title": "No", "payload": "/deny"}]}


@pytest.mark.parametrize("buttons", [
    "Acknowledge", [ACK["title"]], [{"title": "", "payload": "/x"}], [{"title": "A", "payload": " "}],
    [{"title": 5, "payload": "/x"}], [{"payload": "/x"}], [{"title": "A", "payload": None}], {"title": "A"},
])
def test_buttons_it_cannot_vouch_for_are_left_out(buttons: Any) -> None:
    assert said({"text": "t", "buttons": buttons}) == {"text": "t"}
    # The good ones beside them stay, with only the keys of a button.
    assert said({"text": "t", "buttons": [*(buttons if isinstance(buttons, list) else []), {**ACK, "x": "y"}]}) == {
        "text": "t", "buttons": [ACK]}


def test_buttons_alone_are_not_a_message() -> None:
    assert said({"buttons": [ACK]}) == {}


async def test_the_late_message_action_says_the_buttons_with_the_alert() -> None:
    tracker = tracker_for(intent="EXTERNAL_late_message", entities=[{"entity": "message", "value": ALERT}])
    events, sent = await run_action(ActionLateMessage(), tracker)
    assert events == []
    [message] = sent
    assert (message["text"], message["buttons"], message["custom"]) == (ALERT["text"], [CHART, ACK],
                                                                         ALERT["json_message"])
