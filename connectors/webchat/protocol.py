"""What the web chat accepts and returns: request validation, identity metadata, safe file names and whole
bot messages. Pure functions, so every rule here is tested without a server."""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, List, Mapping, TypedDict

from connectors.vocabulary import MEDIA_ROUTE, BotMessage, Button
from connectors.webchat.sessions import SessionSigner

PLATFORM = "web"
WORKSPACE = "local"
MAX_DISPLAY_NAME_CHARS = 80
MAX_FILE_NAME_BYTES = 200
UPLOAD_NAMES_SHOWN = 3

MEDIA_NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
# Characters that mean something to a shell or to Windows, plus path separators.
_UNSAFE_FILE_CHARS = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')

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


class WebChatRequestError(Exception):
    """A refused request: ``code`` is a key of ``ERRORS``; ``status`` the HTTP status to answer with."""

    def __init__(self, code: str, status: int = 400, **details: Any) -> None:
        super().__init__(code)
        self.code = code
        self.status = status
        self.details = details

    def as_json(self) -> dict[str, Any]:
        return {"error": self.code, "message": ERRORS[self.code], **self.details}


class AttachmentInfo(TypedDict):
    name: str
    path: str
    size: int
    content_type: str


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


def sender_id_for(sender: str) -> str:
    return f"{PLATFORM}:{WORKSPACE}:{sender}"


def identity_metadata(
    sender: str, user_name: str | None, attachments: List[AttachmentInfo] | None = None
) -> dict[str, Any]:
    """Message metadata as ``actions.identity.Identity`` reads it; built here, never taken from the client.
    The display name is the page's own claim (``?name=``), so it is shown as such next to the verified session id."""
    return {
        "platform": PLATFORM,
        "workspace_id": WORKSPACE,
        "user_id": sender,
        "user_name": f"{user_name} (unverified, web session {sender})" if user_name else sender,
        "channel_id": f"{PLATFORM}:{sender}",
        "attachments": list(attachments or []),
    }


def safe_file_name(raw: object) -> str:
    """The last path component of an uploaded file's name, with separators and control characters replaced.

    Refuses names that are empty or only dots after cleaning, so nothing can point outside the upload folder.
    """
    if not isinstance(raw, str):
        raise WebChatRequestError("bad_file_name")
    base = re.split(r"[\\/]", raw)[-1]
    name = unicodedata.normalize("NFC", _UNSAFE_FILE_CHARS.sub("_", base)).strip()
    if not name.strip("."):
        raise WebChatRequestError("bad_file_name")
    if len(name.encode("utf-8")) > MAX_FILE_NAME_BYTES:
        stem, dot, ext = name.rpartition(".")
        # Keep a short extension: it tells the assistant (and the user) what kind of file it is.
        if dot and stem and len(ext.encode("utf-8")) <= 16:
            name = _cut_utf8(stem, MAX_FILE_NAME_BYTES - len(ext.encode("utf-8")) - 1).rstrip() + "." + ext
        else:
            name = _cut_utf8(name, MAX_FILE_NAME_BYTES)
    return name


def _cut_utf8(text: str, limit: int) -> str:
    return text.encode("utf-8")[:limit].decode("utf-8", "ignore")


def unique_name(name: str, taken: set[str]) -> str:
    """``name``, or ``stem (2).ext`` and so on when the same upload already has a file of that name."""
    if name not in taken:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        stem, ext = name, ""
    counter = 2
    while True:
        candidate = f"{stem} ({counter}){'.' + ext if ext else ''}"
        if candidate not in taken:
            return candidate
        counter += 1


def is_safe_media_name(name: str) -> bool:
    return bool(MEDIA_NAME_PATTERN.fullmatch(name)) and ".." not in name


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
    return f"media/{name}" if is_safe_media_name(name) else url


def _buttons(value: object) -> List[Button]:
    if not isinstance(value, list):
        return []
    return [
        Button(title=str(b["title"]), payload=str(b["payload"]))
        for b in value
        if isinstance(b, Mapping) and b.get("title") is not None and b.get("payload") is not None
    ]


def whole_message(message: Mapping[str, Any]) -> BotMessage:
    """One bot message as Rasa hands it to an output channel, reduced to our vocabulary and kept together
    (Rasa's REST channel would split text, image and custom into separate messages)."""
    result = BotMessage()
    if isinstance(message.get("text"), str) and message["text"]:
        result["text"] = message["text"]
    buttons = _buttons(message.get("buttons")) or _buttons(message.get("quick_replies"))
    if buttons:
        result["buttons"] = buttons
    for key in ("image", "attachment"):
        if isinstance(message.get(key), str) and message[key]:
            result[key] = media_url(message[key])  # type: ignore[literal-required]
    if isinstance(message.get("custom"), Mapping) and message["custom"]:
        result["custom"] = dict(message["custom"])
    return result
