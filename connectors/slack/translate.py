"""Slack events -> Rasa user messages: which events count, identity, mention stripping, shared files."""
from __future__ import annotations

import html
import json
import re
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import aiohttp

from connectors.core.handover import Incoming
from connectors.core.identity import Identity, sender_id_for
from connectors.core.inbox import Inbox, OfferedFile, SavedFiles

PLATFORM = "slack"
# Plain user messages and messages with files; edits, deletions, joins... are not something said to the bot.
_USER_SUBTYPES = (None, "file_share")
_CHUNK = 64 * 1024


class MalformedRequest(ValueError):
    """A correctly signed body that is not shaped like anything Slack sends; the message is one sentence."""


def parse_request(raw: str, content_type: str) -> dict[str, Any]:
    """The body of an Events API or interactivity request as a JSON object (events come as JSON, clicks as a
    form with a ``payload`` field), checked for the shape of every field we read later."""
    if content_type.split(";")[0].strip().lower() == "application/x-www-form-urlencoded":
        raw = dict(parse_qsl(raw, keep_blank_values=True)).get("payload", "")
    try:
        body = json.loads(raw)
    except ValueError:
        raise MalformedRequest("The request body is not JSON (nor a form with a JSON payload).") from None
    if not isinstance(body, dict):
        raise MalformedRequest("The request body is not a JSON object.")
    problem = shape_problem(body)
    if problem:
        raise MalformedRequest(problem)
    return body


_EVENT_TEXT_FIELDS = ("type", "user", "text", "channel", "channel_type", "subtype", "thread_ts", "ts", "bot_id")
_FILE_TEXT_FIELDS = ("id", "name", "title", "mode", "mimetype", "url_private", "url_private_download")


def shape_problem(body: Mapping[str, Any]) -> str | None:
    """Why ``body`` cannot be handled (one sentence), or None: the fields our handlers read have the right types."""
    kind = body.get("type")
    if kind == "url_verification" and not isinstance(body.get("challenge"), str):
        return "A url_verification request needs a challenge string."
    if kind == "event_callback":
        return _event_problem(body.get("event"))
    if kind == "block_actions":
        return _click_problem(body)
    return None


def _event_problem(event: Any) -> str | None:
    if not isinstance(event, Mapping) or not isinstance(event.get("type"), str):
        return "An event_callback needs an event object with a type."
    if any(not isinstance(event.get(key), (str, type(None))) for key in _EVENT_TEXT_FIELDS):
        return f"The event's {', '.join(_EVENT_TEXT_FIELDS)} must be strings."
    files = event.get("files")
    if files is None:
        return None
    if not isinstance(files, list) or not all(isinstance(file, Mapping) for file in files):
        return "The event's files must be a list of objects."
    for file in files:
        if any(not isinstance(file.get(key), (str, type(None))) for key in _FILE_TEXT_FIELDS):
            return f"A file's {', '.join(_FILE_TEXT_FIELDS)} must be strings."
        if not isinstance(file.get("size"), (int, type(None))) or isinstance(file.get("size"), bool):
            return "A file's size must be a whole number."
    return None


def _click_problem(body: Mapping[str, Any]) -> str | None:
    actions = body.get("actions")
    if not isinstance(actions, list) or not actions or not all(isinstance(action, Mapping) for action in actions):
        return "A block_actions request needs a list of action objects."
    if any(not isinstance(body.get(key), (Mapping, type(None))) for key in ("user", "container", "message", "channel")):
        return "A block_actions request's user, container, message and channel must be objects."
    if not isinstance(actions[0].get("text"), (Mapping, type(None))):
        return "An action's text must be an object."
    if not isinstance((body.get("message") or {}).get("blocks"), (list, type(None))):
        return "The message's blocks must be a list."
    return None


def slack_sender_id(team_id: str, user_id: str) -> str:
    return sender_id_for(PLATFORM, team_id, user_id)


def clean_text(text: str, bot_user_id: str | None) -> str:
    """Without the bot's mention, with Slack's HTML escaping undone (``&lt;`` -> ``<``)."""
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(\|[^>]*)?>", " ", text)
    return html.unescape(re.sub(r"[ \t]+", " ", text)).strip()


def accepts(event: Mapping[str, Any], *, bot_user_id: str | None) -> bool:
    """Mentions in channels and direct messages, from people (never from bots, including this one)."""
    if event.get("bot_id") or event.get("subtype") not in _USER_SUBTYPES:
        return False
    user = event.get("user")
    if not user or user == bot_user_id:
        return False
    if event.get("type") == "app_mention":
        return True
    return event.get("type") == "message" and event.get("channel_type") == "im"


def team_of(body: Mapping[str, Any]) -> str:
    team = body.get("team")
    if isinstance(team, Mapping) and team.get("id"):
        return str(team["id"])
    user = body.get("user")
    return str(body.get("team_id") or (user.get("team_id") if isinstance(user, Mapping) else "") or "-")


def identity_of(*, team_id: str, user_id: str, user_name: str, channel_id: str) -> Identity:
    return Identity(platform=PLATFORM, workspace=team_id, user_id=user_id, user_name=user_name, channel_id=channel_id)


@dataclass(frozen=True)
class Conversation:
    """Where replies to a message go."""

    channel: str
    thread_ts: str | None


def reply_target(event: Mapping[str, Any], *, reply_in_thread: bool) -> Conversation:
    thread_ts = event.get("thread_ts") if reply_in_thread else None
    return Conversation(channel=str(event.get("channel") or ""), thread_ts=str(thread_ts) if thread_ts else None)


def from_event(
    body: Mapping[str, Any], *, bot_user_id: str | None, user_name: str, files: SavedFiles
) -> Incoming:
    event = body["event"]
    identity = identity_of(
        team_id=team_of(body), user_id=event["user"], user_name=user_name, channel_id=str(event.get("channel") or "")
    )
    return Incoming.of(
        identity,
        text=clean_text(str(event.get("text") or ""), bot_user_id),
        message_id=str(body.get("event_id") or event.get("client_msg_id") or event.get("ts")),
        files=files,
    )


@dataclass(frozen=True, kw_only=True)
class Click:
    """A button click on one of our messages (a ``block_actions`` payload)."""

    team_id: str
    user_id: str
    user_name: str
    channel: str
    message_ts: str
    thread_ts: str | None
    block_id: str
    payload: str
    title: str
    trigger_id: str
    blocks: list[dict[str, Any]]
    text: str
    attachments: list[dict[str, Any]] = field(default_factory=list)  # a coloured message's, buttons inside

    @classmethod
    def from_body(cls, body: Mapping[str, Any]) -> Click:
        action = body["actions"][0]
        container = body.get("container") or {}
        message = body.get("message") or {}
        user = body.get("user") or {}
        return cls(
            team_id=team_of(body),
            user_id=str(user.get("id") or ""),
            user_name=str(user.get("name") or user.get("username") or user.get("id") or ""),
            channel=str(container.get("channel_id") or (body.get("channel") or {}).get("id") or ""),
            message_ts=str(container.get("message_ts") or message.get("ts") or ""),
            thread_ts=container.get("thread_ts") or message.get("thread_ts"),
            block_id=str(action.get("block_id") or ""),
            payload=str(action.get("value") or ""),
            title=str((action.get("text") or {}).get("text") or ""),
            trigger_id=str(body.get("trigger_id") or ""),
            blocks=list(message.get("blocks") or []),
            text=str(message.get("text") or ""),
            attachments=[a for a in message.get("attachments") or [] if isinstance(a, dict)],
        )

    def incoming(self) -> Incoming:
        identity = identity_of(
            team_id=self.team_id, user_id=self.user_id, user_name=self.user_name, channel_id=self.channel
        )
        return Incoming.of(
            identity, text=self.payload, message_id=self.trigger_id or f"{self.channel}:{self.message_ts}",
            files=SavedFiles(),
        )


async def save_files(
    files: list[Mapping[str, Any]],
    *,
    session: aiohttp.ClientSession,
    bot_token: str,
    inbox: Inbox,
    token_may_go_to: Callable[[str], bool],
) -> SavedFiles:
    """Download files shared with the message (``url_private_download``, bot token) into a fresh inbox folder."""
    offered = [_offered(file, session=session, bot_token=bot_token, token_may_go_to=token_may_go_to) for file in files]
    return await inbox.receive(PLATFORM, offered, errors=(aiohttp.ClientError,))


def _offered(
    file: Mapping[str, Any], *, session: aiohttp.ClientSession, bot_token: str, token_may_go_to: Callable[[str], bool]
) -> OfferedFile:
    url = file.get("url_private_download") or file.get("url_private")
    mode = file.get("mode")
    available = bool(url) and mode not in ("tombstone", "hidden_by_limit", "external") and token_may_go_to(str(url))

    async def download() -> AsyncIterator[bytes]:
        headers = {"Authorization": f"Bearer {bot_token}"}
        async with session.get(str(url), headers=headers, allow_redirects=False) as response:
            if response.status != 200 or _is_login_page(response, file):
                raise aiohttp.ClientResponseError(response.request_info, (), status=response.status)
            async for chunk in response.content.iter_chunked(_CHUNK):
                yield chunk

    return OfferedFile(
        id=str(file.get("id")), name=str(file.get("name") or file.get("title") or file.get("id") or "file"),
        size=int(file.get("size") or 0), content_type=file.get("mimetype"), fetch=download if available else None,
    )


def _is_login_page(response: aiohttp.ClientResponse, file: Mapping[str, Any]) -> bool:
    # Without the files:read scope Slack answers 200 with its HTML sign-in page instead of the file.
    return response.content_type == "text/html" and file.get("mimetype") != "text/html"
