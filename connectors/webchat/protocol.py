"""What the web chat accepts and returns: request validation, the session's identity, upload names and whole
bot messages. Pure functions, so every rule here is tested without a server."""
from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from typing import Any, List, Mapping

from common.media import MEDIA_ROUTE, is_media_name
from connectors.core.filenames import UnusableFileName, safe_filename
from connectors.core.identity import Identity
from connectors.core.output import buttons_of, text_around_table
from connectors.vocabulary import BotMessage, table_of
from connectors.webchat.sessions import SessionSigner

PLATFORM = "web"
WORKSPACE = "local"
MAX_DISPLAY_NAME_CHARS = 80
UPLOAD_NAMES_SHOWN = 3

# What a client is told when its request is refused (HTTP API wording; chat wording lives elsewhere).
ERRORS = {
    "bad_json": "The request body must be a JSON object.",
    "bad_sender": "sender must be a session this server issued (POST session to get one).",
    "bad_content_type": "Send the message as application/json.",
    "bad_message": "message must be a string.",
    "bad_metadata": "metadata must be an object.",
    "bad_form": "The upload must be multipart/form-data.",
    "no_file": "The upload has no 'file' part.",
    "bad_file_name": "A file name is empty or not allowed.",
    "too_large": "The upload is larger than the limit.",
    "upload_failed": "The file could not be saved.",
    "not_found": "Not found.",
    "bot_failed": "The assistant could not answer this message.",
}


class WebMessage(BotMessage, total=False):
    """A bot message as the page gets it: the vocabulary, plus the text to show around the message's table (the
    text without the lines the table restates: what goes above the table and what below), so the page draws both
    without saying anything twice."""

    text_around_table: List[str]


class WebChatRequestError(Exception):
    """A refused request: ``code`` is a key of ``ERRORS``; ``status`` the HTTP status to answer with."""

    def __init__(self, code: str, status: int = 400, **details: Any) -> None:
        super().__init__(code)
        self.code = code
        self.status = status
        self.details = details

    def as_json(self) -> dict[str, Any]:
        return {"error": self.code, "message": ERRORS[self.code], **self.details}


@dataclass(frozen=True)
class IncomingMessage:
    sender: str
    text: str
    user_name: str | None = None


def check_sender(value: object, signer: SessionSigner) -> str:
    """The session id of a session token this server issued; 401 for anything else."""
    session_id = signer.verify(value)
    if session_id is None:
        raise WebChatRequestError("bad_sender", 401)
    return session_id


def clean_text(value: object) -> str:
    """The user's message as typed; the channel refuses one that is too long before the model sees it."""
    if not isinstance(value, str):
        raise WebChatRequestError("bad_message")
    return value


def clean_display_name(value: object) -> str | None:
    """A display name the client offers, without control characters; None when there is nothing usable."""
    if not isinstance(value, str):
        return None
    printable = "".join(ch for ch in value if unicodedata.category(ch)[0] != "C")
    name = " ".join(printable.split())[:MAX_DISPLAY_NAME_CHARS]
    return name or None


def display_name_from(metadata: object) -> str | None:
    """The only thing a client may say about itself: its display name. Everything else is ignored."""
    if metadata is None:
        return None
    if not isinstance(metadata, Mapping):
        raise WebChatRequestError("bad_metadata")
    return clean_display_name(metadata.get("user_name"))


def parse_message_body(body: bytes, signer: SessionSigner) -> IncomingMessage:
    """Validate ``{"sender": <session token>, "message": str, "metadata"?: {"user_name"?: str}}``; the result's
    ``sender`` is the session id."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:  # deep nesting is refused, not a 500
        raise WebChatRequestError("bad_json") from exc
    if not isinstance(payload, dict):
        raise WebChatRequestError("bad_json")
    return IncomingMessage(
        sender=check_sender(payload.get("sender"), signer),
        text=clean_text(payload.get("message")),
        user_name=display_name_from(payload.get("metadata")),
    )


def web_identity(session_id: str, user_name: str | None) -> Identity:
    """The identity of a session this server issued (``web:local:<session id>``). The display name is the page's
    own claim (``?name=``), so it is shown as such next to the verified session id."""
    return Identity(
        platform=PLATFORM,
        workspace=WORKSPACE,
        user_id=session_id,
        user_name=f"{user_name} (unverified, web session {session_id})" if user_name else session_id,
        channel_id=f"{PLATFORM}:{session_id}",
    )


def upload_name(raw: object) -> str:
    """An uploaded file's name by the connectors' one rule (``connectors.core.filenames``); a name with nothing
    usable left refuses the whole upload, so the user can rename the file and try again."""
    if not isinstance(raw, str):
        raise WebChatRequestError("bad_file_name")
    try:
        return safe_filename(raw)
    except UnusableFileName:
        raise WebChatRequestError("bad_file_name") from None


def upload_text(message: object, names: List[str]) -> str:
    """The text sent with an upload: the user's words, or ``upload <name>`` so the intent is clear. Many files are
    summed up after the first three, so the text the page makes up itself never runs into the length limit."""
    text = clean_text(message) if message is not None else ""
    if text.strip():
        return text
    shown = ", ".join(names[:UPLOAD_NAMES_SHOWN])
    more = len(names) - UPLOAD_NAMES_SHOWN
    return f"upload {shown}" + (f" and {more} more files" if more > 0 else "")


def media_url(url: str) -> str:
    """``/media/<name>`` (the vocabulary's media route) as the page finds it: ``media/<name>``, relative to the
    chat page, so it resolves to this channel's media route whatever prefix Rasa mounted it under."""
    name = url[len(MEDIA_ROUTE) :] if url.startswith(MEDIA_ROUTE) else ""
    return f"media/{name}" if is_media_name(name) else url


def whole_message(message: Mapping[str, Any]) -> WebMessage:
    """One bot message as Rasa hands it to an output channel, reduced to our vocabulary and kept together
    (Rasa's REST channel would split text, image and custom into separate messages)."""
    result = WebMessage()
    if isinstance(message.get("text"), str) and message["text"]:
        result["text"] = message["text"]
    buttons = buttons_of(message)
    if buttons:
        result["buttons"] = buttons
    for key in ("image", "attachment"):
        if isinstance(message.get(key), str) and message[key]:
            result[key] = media_url(message[key])  # type: ignore[literal-required]
    if isinstance(message.get("custom"), Mapping) and message["custom"]:
        result["custom"] = dict(message["custom"])
    table = table_of(result)
    if table and result.get("text"):
        result["text_around_table"] = list(text_around_table(result["text"], table))
    return result
