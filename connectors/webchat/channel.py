"""The web chat channel: a full-page chat, an embeddable widget script and JSON routes on Rasa's server.

Routes (under ``/webhooks/webchat/``): the page, its static files, ``widget.js``, ``session`` (a new signed session
id), ``webhook`` (JSON message), ``upload`` (multipart files), ``updates`` (long poll for messages sent later),
``media/<name>`` (charts) and ``health``. Replies are whole vocabulary messages. Every route that acts needs a
session this server issued; the front door (``connectors.guard``) refuses foreign Origins before any route runs.
"""
from __future__ import annotations

import asyncio
import inspect
import logging
import mimetypes
import os
import re
import secrets
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Tuple, Union

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors.base import ConnectorMessages, message_too_long
from connectors.guard import origin_of
from connectors.webchat.mailbox import Mailbox
from connectors.webchat.output import MailboxOutput, WebChatOutput
from connectors.webchat.protocol import (
    AttachmentInfo,
    WebChatRequestError,
    check_sender,
    display_name_from,
    identity_metadata,
    is_safe_media_name,
    parse_message_body,
    sender_id_for,
    upload_text,
)
from connectors.webchat.sessions import SessionSigner
from connectors.webchat.settings import WebChatSettings
from connectors.webchat.uploads import parse_multipart, store_uploads

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]

STATIC_DIR = Path(__file__).with_name("static")
SESSION_HEADER = "X-CloudButler-Session"
MAX_JSON_BYTES = 1024 * 1024
# Multipart headers and form fields around the files themselves.
FORM_OVERHEAD_BYTES = 64 * 1024
TEXT_TYPES = {".html": "text/html", ".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}
# The page loads only its own files; bot images may come from elsewhere (e.g. presigned S3 URLs).
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob: http: https:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'"
)
# Media are data, never pages: a stray HTML or SVG file in the media folder must not run script on our origin.
MEDIA_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",  # charts are redrawn under the same name
}


class WebChatInput(InputChannel):
    """``credentials.yml``: ``connectors.webchat.WebChatInput:`` with optional ``inbox_dir``, ``media_dir``,
    ``upload_max_mb`` (otherwise the CLOUDBUTLER_* environment variables or their defaults) and
    ``updates_wait_seconds`` (how long a poll for late messages waits, default 25).

    Messages sent later (``get_output_channel``) wait in this instance's ``mailbox`` until the page polls.
    """

    def __init__(
        self,
        *,
        inbox_dir: Union[None, str, Path] = None,
        media_dir: Union[None, str, Path] = None,
        upload_max_mb: Union[None, str, float] = None,
        updates_wait_seconds: Union[None, str, float] = None,
        mailbox: Mailbox | None = None,
        secret: str | None = None,
    ) -> None:
        self._overrides: Dict[str, Any] = {
            "inbox_dir": inbox_dir,
            "media_dir": media_dir,
            "upload_max_mb": upload_max_mb,
            "updates_wait_seconds": updates_wait_seconds,
        }
        self.mailbox = mailbox if mailbox is not None else Mailbox()
        # Generated when unset (tests, a bare `rasa run`): sessions then last as long as the process.
        self.signer = SessionSigner(secret or os.environ.get("CLOUDBUTLER_WEBCHAT_SECRET") or secrets.token_urlsafe(32))

    @classmethod
    def name(cls) -> str:
        return "webchat"

    @classmethod
    def from_credentials(cls, credentials: Dict[str, Any] | None) -> WebChatInput:
        credentials = credentials or {}
        return cls(
            inbox_dir=credentials.get("inbox_dir"),
            media_dir=credentials.get("media_dir"),
            upload_max_mb=credentials.get("upload_max_mb"),
            updates_wait_seconds=credentials.get("updates_wait_seconds"),
        )

    def get_output_channel(self) -> MailboxOutput:
        """Where Rasa sends messages no request is waiting for: ``trigger_intent`` with ``output_channel=latest``
        (background job progress and results) finds this channel by the conversation's latest input channel."""
        return MailboxOutput(self.mailbox)

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        settings = WebChatSettings.resolve(**self._overrides)
        static_files = {path.name: path for path in STATIC_DIR.iterdir() if path.is_file()}
        mailbox = self.mailbox
        signer = self.signer
        # Only the listed sites may frame the chat (the widget): elsewhere the browser shows nothing.
        page_policy = f"{PAGE_POLICY}; frame-ancestors {' '.join(framing_origins(os.environ))}"
        module = inspect.getmodule(self)
        bp = Blueprint(f"webchat_{type(self).__name__}", module.__name__ if module else None)

        @bp.route("/", methods=["GET"])
        async def page(request: Request) -> HTTPResponse:
            if not request.path.endswith("/"):
                # The page uses relative URLs, which need the trailing slash to resolve under our prefix.
                query = f"?{request.query_string}" if request.query_string else ""
                return response.redirect(f"{request.path}/{query}")
            return await _static(static_files["chat.html"], {"Content-Security-Policy": page_policy})

        @bp.route("/static/<name>", methods=["GET"])
        async def static(request: Request, name: str) -> HTTPResponse:
            if name not in static_files:
                return _error(WebChatRequestError("not_found", 404))
            return await _static(static_files[name])

        @bp.route("/widget.js", methods=["GET"])
        async def widget(request: Request) -> HTTPResponse:
            return await _static(static_files["widget.js"], {"Cross-Origin-Resource-Policy": "cross-origin"})

        @bp.route("/health", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/media/<name>", methods=["GET"])
        async def media(request: Request, name: str) -> HTTPResponse:
            path = _media_file(settings.media_dir, name)
            if path is None:
                return _error(WebChatRequestError("not_found", 404))
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return await response.file(path, mime_type=kind, headers=MEDIA_HEADERS)

        @bp.route("/session", methods=["POST"])
        async def session(request: Request) -> HTTPResponse:
            return response.json({"sender": signer.issue()}, headers={"Cache-Control": "no-store"})

        @bp.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            try:
                if not _is_json(request):
                    raise WebChatRequestError("bad_content_type", 415)
                if len(request.body) > MAX_JSON_BYTES:
                    raise WebChatRequestError("too_large", 413)
                incoming = parse_message_body(request.body, signer)
            except WebChatRequestError as exc:
                return _error(exc)
            metadata = identity_metadata(incoming.sender, incoming.user_name)
            return await _answer(on_new_message, incoming.text, incoming.sender, metadata)

        # Streamed, so the size limit is ours (not Sanic's REQUEST_MAX_SIZE) and is enforced while reading.
        @bp.route("/upload", methods=["POST"], stream=True)
        async def upload(request: Request) -> HTTPResponse:
            try:
                text, sender, metadata = await _receive_upload(request, settings, signer)
            except WebChatRequestError as exc:
                return _error(exc)
            return await _answer(on_new_message, text, sender, metadata)

        # The session is the only identity the web chat has: whoever holds it is that user, so a poll reads only
        # the mailbox of the session it presents, and only sessions this server signed are accepted.
        @bp.route("/updates", methods=["GET"])
        async def updates(request: Request) -> HTTPResponse:
            try:
                # The page sends its session in a header, so it stays out of URLs and proxies' access logs.
                sender = check_sender(request.headers.get(SESSION_HEADER) or request.args.get("sender"), signer)
            except WebChatRequestError as exc:
                return _error(exc)
            messages = await mailbox.take(sender_id_for(sender), timeout=settings.updates_wait_seconds)
            return response.json(messages, headers={"Cache-Control": "no-store"})

        # Open polls would otherwise hold Ctrl-C up for Sanic's graceful shutdown timeout.
        @bp.listener("before_server_stop")
        async def release_polls(app: Sanic, loop: asyncio.AbstractEventLoop) -> None:
            mailbox.release_all()

        return bp


async def _receive_upload(
    request: Request, settings: WebChatSettings, signer: SessionSigner
) -> Tuple[str, str, Dict[str, Any]]:
    """Text, sender and metadata of an upload whose files are saved in the inbox; nothing is saved when
    any part of the request is refused."""
    limit = settings.upload_max_bytes
    body = await _read_limited(request, limit + FORM_OVERHEAD_BYTES, refusal=_too_large(limit))
    fields, files = parse_multipart(request.headers.get("content-type", ""), body)
    sender = check_sender(_first(fields, "sender"), signer)
    user_name = display_name_from({"user_name": _first(fields, "user_name")})
    if not files:
        raise WebChatRequestError("no_file")
    if sum(len(item.body) for item in files) > limit:
        raise _too_large(limit)
    message = _first(fields, "message")
    if message is not None and message_too_long(message):
        # _answer refuses the message whole (TOO_LONG): its files must not wait in the inbox for nobody.
        return message, sender, identity_metadata(sender, user_name)
    try:
        saved: List[AttachmentInfo] = await asyncio.to_thread(store_uploads, files, settings.inbox_dir)
    except OSError as exc:  # full disk, unwritable inbox: the operator reads the log, the user a plain error
        logger.exception("webchat: saving an upload under %s failed", settings.inbox_dir)
        raise WebChatRequestError("upload_failed", 500) from exc
    text = upload_text(message, [item["name"] for item in saved])
    return text, sender, identity_metadata(sender, user_name, saved)


async def _answer(on_new_message: OnNewMessage, text: str, sender: str, metadata: Dict[str, Any]) -> HTTPResponse:
    output = WebChatOutput()
    if message_too_long(text):
        await output.send_text_message(sender_id_for(sender), ConnectorMessages.TOO_LONG)
        return response.json(output.messages)
    message = UserMessage(
        text, output, sender_id_for(sender), input_channel=WebChatInput.name(), metadata=metadata
    )
    try:
        await on_new_message(message)
    except Exception:  # any failure in Rasa or an action: logged here, a plain error code for the browser
        logger.exception("webchat: handling a message from %s failed", sender)
        return _error(WebChatRequestError("bot_failed", 500))
    return response.json(output.messages)


async def _read_limited(request: Request, limit: int, *, refusal: WebChatRequestError) -> bytes:
    """The request body; ``refusal`` is raised as soon as the body is known to exceed ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise refusal
    chunks: List[bytes] = []
    total = 0
    while True:
        chunk = await request.stream.read()  # type: ignore[union-attr]
        if chunk is None:
            return b"".join(chunks)
        total += len(chunk)
        if total > limit:
            raise refusal
        chunks.append(chunk)


def _too_large(limit_bytes: int) -> WebChatRequestError:
    return WebChatRequestError("too_large", 413, max_mb=round(limit_bytes / (1024 * 1024), 2))


def framing_origins(env: Mapping[str, str]) -> List[str]:
    """``'self'`` and the origins of ``CLOUDBUTLER_ALLOWED_ORIGINS`` and ``CLOUDBUTLER_PUBLIC_URL``."""
    listed = re.split(r"[\s,]+", env.get("CLOUDBUTLER_ALLOWED_ORIGINS") or "") + [env.get("CLOUDBUTLER_PUBLIC_URL") or ""]
    return ["'self'"] + sorted({o for o in (origin_of(value) for value in listed if value) if o})


def _is_json(request: Request) -> bool:
    return request.headers.get("content-type", "").split(";")[0].strip().lower() == "application/json"


def _first(fields: Dict[str, List[str]], key: str) -> str | None:
    values = fields.get(key) or []
    return values[0] if values else None


def _media_file(media_dir: Path, name: str) -> Path | None:
    if not is_safe_media_name(name):
        return None
    path = (media_dir / name).resolve()
    # A symlink out of the media folder is refused like any other escape.
    if path.parent != media_dir or not path.is_file():
        return None
    return path


async def _static(path: Path, extra_headers: Dict[str, str] | None = None) -> HTTPResponse:
    kind = TEXT_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if kind.startswith("text/"):
        kind += "; charset=utf-8"
    headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache", **(extra_headers or {})}
    return await response.file(path, mime_type=kind, headers=headers)


def _error(exc: WebChatRequestError) -> HTTPResponse:
    return response.json(exc.as_json(), status=exc.status)
