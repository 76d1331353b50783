"""Late messages: what the action server says after an action has returned - a background job's progress and
result, a notice after a restart - reaches the conversation through Rasa's ``trigger_intent`` API. One route for all
of them: the ``EXTERNAL_late_message`` intent carries a whole message (text, image, attachment, table or fields) as
its ``message`` entity, and ``action_late_message`` says it (``actions.skills.conversation``).

Why: Rasa sends an action's messages only when the action returns and locks the conversation meanwhile, so a
200 MB upload inside an action would leave the user staring at nothing for minutes.
"""
from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypedDict, cast
from urllib.parse import quote

import aiohttp
from yarl import URL

logger = logging.getLogger(__name__)

LATE_INTENT = "EXTERNAL_late_message"
LATE_ENTITY = "message"
DEFAULT_RASA_URL = "http://127.0.0.1:5005"
LATEST_CHANNEL = "latest"  # Rasa's name for "the channel this conversation last wrote from"
# RFC 3986 path characters: sender ids like "slack:T1:U1" stay readable. Sanic 21 matches the raw path without
# decoding it, so anything encoded here would name a different conversation.
_PATH_SAFE = ":@!$&'()*+,;=-._~"


class Reply(TypedDict, total=False):
    """One message of the response vocabulary, as an action says it (``dispatcher.utter_message(**reply)``) or
    posts it later: ``json_message`` holds a ``table`` or ``fields``; ``image`` and ``attachment`` are URLs (a
    published file's is ``/media/<name>``, see ``actions.core.media``); ``buttons`` are ``{"title", "payload"}``
    (``"style": "danger"`` for the yes of a destructive change), e.g. an alert's "Acknowledge"."""

    text: str
    image: str
    attachment: str
    json_message: dict[str, Any]
    buttons: list[dict[str, str]]


_PARTS: dict[str, type | tuple[type, ...]] = {"text": str, "image": str, "attachment": str, "json_message": Mapping}
DANGER = "danger"


def said_buttons(value: object) -> list[dict[str, str]]:
    """The buttons of a posted message that may be shown: those whose title and payload are non-empty text, with
    only those two keys and a "danger" style; the others are left out."""
    if not isinstance(value, list):
        return []
    buttons = []
    for entry in value:
        if not isinstance(entry, Mapping):
            continue
        title, payload = entry.get("title"), entry.get("payload")
        if not (isinstance(title, str) and title.strip() and isinstance(payload, str) and payload.strip()):
            continue
        button = {"title": title, "payload": payload}
        if entry.get("style") == DANGER:
            button["style"] = DANGER
        buttons.append(button)
    return buttons


def said(message: object) -> Reply:
    """The parts of a posted message that may be said: the known ones, each of its kind (the entity came over HTTP);
    empty when there is nothing to say. Buttons alone are not a message (nothing would say what they answer)."""
    if not isinstance(message, Mapping):
        return {}
    parts = {key: message[key] for key, kind in _PARTS.items() if isinstance(message.get(key), kind) and message[key]}
    buttons = said_buttons(message.get("buttons"))
    if parts and buttons:
        parts["buttons"] = buttons
    return cast(Reply, parts)  # keys and kinds checked just above


Poster = Callable[[str, Reply], Awaitable[None]]  # (sender_id, message)


class PostFailed(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(f"Rasa answered HTTP {status}")
        self.status = status


class RasaPoster:
    """Posts a message into a conversation: ``POST {rasa}/conversations/{id}/trigger_intent?output_channel=latest``
    with ``EXTERNAL_late_message`` carrying it.

    ``output_channel`` names the Rasa channel that says it (``slack``, ``discord``, ``webchat``: the connectors'
    ``channel_name``, see ``common.recipients.output_channel_for``). ``latest``, the default, is the channel the
    conversation last wrote from, which a channel recipient of alerts (``slack:T1:#C1``) never did."""

    def __init__(
        self, base_url: str = DEFAULT_RASA_URL, token: str | None = None, timeout: float = 10.0, *,
        output_channel: str = LATEST_CHANNEL,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token or None
        self.timeout = timeout
        self.output_channel = output_channel or LATEST_CHANNEL

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, output_channel: str = LATEST_CHANNEL) -> RasaPoster:
        env = os.environ if env is None else env
        return cls(
            env.get("CLOUDBUTLER_RASA_URL") or DEFAULT_RASA_URL, env.get("RASA_AUTH_TOKEN") or None,
            output_channel=output_channel,
        )

    def through(self, output_channel: str) -> RasaPoster:
        """The same Rasa, token and timeout, saying messages through ``output_channel``."""
        return RasaPoster(self.base_url, self.token, self.timeout, output_channel=output_channel)

    def url_for(self, sender_id: str) -> URL:
        query = {"output_channel": self.output_channel}
        if self.token:
            query["token"] = self.token
        path = f"{self.base_url}/conversations/{quote(sender_id, safe=_PATH_SAFE)}/trigger_intent"
        return URL(path, encoded=True).update_query(query)

    @staticmethod
    def payload(message: Reply) -> dict[str, Any]:
        return {"name": LATE_INTENT, "entities": {LATE_ENTITY: dict(message)}}

    async def __call__(self, sender_id: str, message: Reply) -> None:
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            async with session.post(self.url_for(sender_id), json=self.payload(message)) as response:
                if response.status >= 400:
                    raise PostFailed(response.status)


# Waits between tries of a message Rasa may not take yet (it starts after the action server, and answers 409
# until its model is loaded): about five minutes in all.
PATIENT_DELAYS = (1.0, 2.0, 4.0, 8.0, 15.0) + (30.0,) * 9


async def deliver(
    poster: Poster, sender_id: str, message: Reply, *, delays: Sequence[float] = PATIENT_DELAYS,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> bool:
    """Post ``message``, trying again after each of ``delays`` while Rasa is unreachable or refuses; False if it
    never got through (logged)."""
    for wait in (*delays, None):
        try:
            await poster(sender_id, message)
            return True
        except Exception as exc:  # noqa: BLE001 - connection refused, timeouts and HTTP errors alike
            if wait is None:
                logger.warning("gave up posting to %s after %d tries: %s", sender_id, len(delays) + 1, exc)
                return False
            logger.info("posting to %s failed (%s); trying again in %.0f s", sender_id, exc, wait)
            await sleep(wait)
    return False
