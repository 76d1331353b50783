"""The web chat channel: a full-page chat, an embeddable widget script and JSON routes on Rasa's server.

Routes (under ``/webhooks/webchat/``): the page, its static files, ``widget.js``, ``examples`` (what the empty chat
offers to try), ``session`` (a new signed session id), ``webhook`` (JSON message), ``upload`` (multipart files),
``updates`` (long poll for messages sent later), ``media/<name>`` (charts) and ``health``. Replies are whole
vocabulary messages. Every route that acts needs a session this server issued; the front door (``connectors.guard``)
refuses foreign Origins before any route runs.
"""
from __future__ import annotations

import asyncio
import logging
import mimetypes
import os
import secrets
from pathlib import Path
from typing import Any, Dict, List, Mapping, Union

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from common.store import Store
from connectors.core.channel import ChatInput
from connectors.core.handover import Incoming
from connectors.core.inbox import AttachmentMeta, ReceivedFile, SavedFiles
from connectors.core.lifecycle import Lifecycle
from connectors.core.messages import message_too_long
from connectors.core.output import media_file
from connectors.guard import listed_origins
from connectors.webchat.mailbox import Mailbox
from connectors.webchat.output import MailboxOutput, WebChatOutput
from connectors.webchat.protocol import (
    WebChatRequestError,
    check_sender,
    display_name_from,
    parse_message_body,
    upload_name,
    upload_text,
    web_identity,
)
from connectors.webchat.sessions import SessionSigner
from connectors.webchat.settings import WebChatSettings
from connectors.webchat.uploads import parse_multipart

logger = logging.getLogger(__name__)

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


class WebChatInput(ChatInput):
    """``credentials.yml``: ``connectors.webchat.WebChatInput:`` with optional ``inbox_dir``, ``media_dir``,
    ``upload_max_mb`` (otherwise the CLOUDBUTLER_* environment variables or their defaults),
    ``updates_wait_seconds`` (how long a poll for late messages waits, default 25) and ``examples`` (the requests
    the empty chat offers, default ``settings.DEFAULT_EXAMPLES``).

    Messages sent later (``get_output_channel``) wait in this instance's ``mailbox`` until the page polls.
    """

    channel_name = "webchat"
    status_path = "/health"  # the page itself is at /

    def __init__(
        self,
        *,
        inbox_dir: Union[None, str, Path] = None,
        media_dir: Union[None, str, Path] = None,
        upload_max_mb: Union[None, str, float] = None,
        updates_wait_seconds: Union[None, str, float] = None,
        examples: List[str] | None = None,
        mailbox: Mailbox | None = None,
        secret: str | None = None,
        store: Store | None = None,
    ) -> None:
        super().__init__(store=store)
        self._overrides: Dict[str, Any] = {
            "inbox_dir": inbox_dir,
            "media_dir": media_dir,
            "upload_max_mb": upload_max_mb,
            "updates_wait_seconds": updates_wait_seconds,
            "examples": examples,
        }
        self.mailbox = mailbox if mailbox is not None else Mailbox(store=store)
        # Generated when unset (tests, a bare `rasa run`): sessions then last as long as the process.
        self.signer = SessionSigner(secret or os.environ.get("CLOUDBUTLER_WEBCHAT_SECRET") or secrets.token_urlsafe(32))

    @classmethod
    def from_credentials(cls, credentials: Dict[str, Any] | None) -> WebChatInput:
        credentials = credentials or {}
        return cls(
            inbox_dir=credentials.get("inbox_dir"),
            media_dir=credentials.get("media_dir"),
            upload_max_mb=credentials.get("upload_max_mb"),
            updates_wait_seconds=credentials.get("updates_wait_seconds"),
            examples=credentials.get("examples"),
        )

    def status(self) -> Dict[str, Any]:
        return {"status": "ok"}

    def get_output_channel(self) -> MailboxOutput:
        """Where Rasa sends messages no request is waiting for: ``trigger_intent`` with ``output_channel=latest``
        (background job progress and results) finds this channel by the conversation's latest input channel;
        alerts name it (``output_channel=webchat``), their recipient being the conversation itself
        (``common.recipients.recipient_for``). Every recipient has a mailbox, so none needs to be remembered."""
        return MailboxOutput(self.mailbox)

    def serve(self, blueprint: Blueprint) -> Lifecycle:
        settings = WebChatSettings.resolve(**self._overrides)
        static_files = {path.name: path for path in STATIC_DIR.iterdir() if path.is_file()}
        mailbox = self.mailbox
        signer = self.signer
        # Only the listed sites may frame the chat (the widget): elsewhere the browser shows nothing.
        page_policy = f"{PAGE_POLICY}; frame-ancestors {' '.join(framing_origins(os.environ))}"

        @blueprint.route("/", methods=["GET"])
        async def page(request: Request) -> HTTPResponse:
            if not request.path.endswith("/"):
                # The page uses relative URLs, which need the trailing slash to resolve under our prefix.
                query = f"?{request.query_string}" if request.query_string else ""
                return response.redirect(f"{request.path}/{query}")
            return await _static(static_files["chat.html"], {"Content-Security-Policy": page_policy})

        @blueprint.route("/static/<name>", methods=["GET"])
        async def static(request: Request, name: str) -> HTTPResponse:
            if name not in static_files:
                return _error(WebChatRequestError("not_found", 404))
            return await _static(static_files[name])

        @blueprint.route("/widget.js", methods=["GET"])
        async def widget(request: Request) -> HTTPResponse:
            return await _static(static_files["widget.js"], {"Cross-Origin-Resource-Policy": "cross-origin"})

        @blueprint.route("/examples", methods=["GET"])
        async def examples(request: Request) -> HTTPResponse:
            return response.json({"examples": list(settings.examples)}, headers={"Cache-Control": "no-cache"})

        @blueprint.route("/media/<name>", methods=["GET"])
        async def media(request: Request, name: str) -> HTTPResponse:
            path = media_file(settings.media_dir, name)
            if path is None:
                return _error(WebChatRequestError("not_found", 404))
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return await response.file(path, mime_type=kind, headers=MEDIA_HEADERS)

        @blueprint.route("/session", methods=["POST"])
        async def session(request: Request) -> HTTPResponse:
            return response.json({"sender": signer.issue()}, headers={"Cache-Control": "no-store"})

        @blueprint.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            try:
                if not _is_json(request):
                    raise WebChatRequestError("bad_content_type", 415)
                if len(request.body) > MAX_JSON_BYTES:
                    raise WebChatRequestError("too_large", 413)
                message = parse_message_body(request.body, signer)
            except WebChatRequestError as exc:
                return _error(exc)
            identity = web_identity(message.sender, message.user_name)
            return await self._reply(Incoming.of(identity, text=message.text, files=SavedFiles()))

        # Streamed, so the size limit is ours (not Sanic's REQUEST_MAX_SIZE) and is enforced while reading.
        @blueprint.route("/upload", methods=["POST"], stream=True)
        async def upload(request: Request) -> HTTPResponse:
            try:
                incoming = await _receive_upload(request, settings, signer)
            except WebChatRequestError as exc:
                return _error(exc)
            return await self._reply(incoming)

        # The session is the only identity the web chat has: whoever holds it is that user, so a poll reads only
        # the mailbox of the session it presents, and only sessions this server signed are accepted.
        @blueprint.route("/updates", methods=["GET"])
        async def updates(request: Request) -> HTTPResponse:
            try:
                # The page sends its session in a header, so it stays out of URLs and proxies' access logs.
                sender = check_sender(request.headers.get(SESSION_HEADER) or request.args.get("sender"), signer)
            except WebChatRequestError as exc:
                return _error(exc)
            messages = await mailbox.take(web_identity(sender, None).sender_id, timeout=settings.updates_wait_seconds)
            return response.json(messages, headers={"Cache-Control": "no-store"})

        async def release_polls() -> None:
            # Open polls would otherwise hold Ctrl-C up for Sanic's graceful shutdown timeout.
            mailbox.release_all()

        return Lifecycle(stop=release_polls)

    async def _reply(self, incoming: Incoming) -> HTTPResponse:
        """The bot's replies to one message as the response body."""
        output = WebChatOutput()
        try:
            await self.answer(incoming, output)
        except Exception:  # any failure in Rasa or an action: logged here, a plain error code for the browser
            logger.exception("webchat: handling a message from %s failed", incoming.sender_id)
            return _error(WebChatRequestError("bot_failed", 500))
        return response.json(output.messages)


async def _receive_upload(request: Request, settings: WebChatSettings, signer: SessionSigner) -> Incoming:
    """The message of an upload whose files are saved in the inbox; nothing is saved when any part of the request
    is refused."""
    limit = settings.upload_max_bytes
    body = await _read_limited(request, limit + FORM_OVERHEAD_BYTES, refusal=_too_large(limit))
    fields, files = parse_multipart(request.headers.get("content-type", ""), body)
    identity = web_identity(
        check_sender(_first(fields, "sender"), signer), display_name_from({"user_name": _first(fields, "user_name")})
    )
    if not files:
        raise WebChatRequestError("no_file")
    if sum(len(item.body) for item in files) > limit:
        raise _too_large(limit)
    message = _first(fields, "message")
    if message is not None and message_too_long(message):
        # Refused whole (TOO_LONG) when answered: its files must not wait in the inbox for nobody.
        return Incoming.of(identity, text=message, files=SavedFiles())
    named = [ReceivedFile(name=upload_name(item.name), body=item.body, content_type=item.content_type) for item in files]
    try:
        saved: List[AttachmentMeta] = await asyncio.to_thread(settings.inbox.store, "web", named)
    except OSError as exc:  # full disk, unwritable inbox: the operator reads the log, the user a plain error
        logger.exception("webchat: saving an upload under %s failed", settings.inbox_dir)
        raise WebChatRequestError("upload_failed", 500) from exc
    text = upload_text(message, [item["name"] for item in saved])
    return Incoming.of(identity, text=text, files=SavedFiles(saved=saved))


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
    """``'self'`` and the origins the operator lists (``connectors.guard.listed_origins``)."""
    return ["'self'", *sorted(listed_origins(env))]


def _is_json(request: Request) -> bool:
    return request.headers.get("content-type", "").split(";")[0].strip().lower() == "application/json"


def _first(fields: Dict[str, List[str]], key: str) -> str | None:
    values = fields.get(key) or []
    return values[0] if values else None


async def _static(path: Path, extra_headers: Dict[str, str] | None = None) -> HTTPResponse:
    kind = TEXT_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if kind.startswith("text/"):
        kind += "; charset=utf-8"
    headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache", **(extra_headers or {})}
    return await response.file(path, mime_type=kind, headers=headers)


def _error(exc: WebChatRequestError) -> HTTPResponse:
    return response.json(exc.as_json(), status=exc.status)
