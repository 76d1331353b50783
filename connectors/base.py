"""What every chat connector shares: identity and metadata, the inbox for attachments, de-duplication,
text splitting, media lookup, the hand-over to Rasa and the hook into the Rasa server's start and stop."""
from __future__ import annotations

import asyncio
import logging
import os
import re
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypedDict, TypeVar, cast
from urllib.parse import unquote, urlparse

from rasa.core.channels.channel import OutputChannel, UserMessage
from sanic import Blueprint, Sanic, response
from sanic.request import Request

from connectors.core import inbox as inbox_folders
from connectors.vocabulary import BotMessage, as_plain_text, table_as_text, table_of

logger = logging.getLogger(__name__)

DEFAULT_INBOX_DIR = "./var/inbox"
DEFAULT_MEDIA_DIR = "./var/media"
DEFAULT_MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024
# Slack retries an event for ~30 min (immediately, after 1 min, after 5 min); Discord replays after a RESUME.
DEFAULT_DEDUPE_TTL_SECONDS = 3600.0
DEFAULT_DEDUPE_MAX_ITEMS = 10_000
# Late messages (job results, alerts) go where their recipient last talked to the bot: remembered for this many
# senders, each for a week after their last message - longer than any job, short enough to forget who left.
DEFAULT_LAST_SEEN_TTL_SECONDS = 7 * 24 * 3600.0
DEFAULT_LAST_SEEN_MAX_ITEMS = 10_000


# Discord's own limit; nothing CloudButler understands needs more, and the NLU model's memory grows with the square
# of a message's length (one 100 KB message once took the Rasa server from 1.3 GB to 13.7 GB).
MAX_MESSAGE_CHARS = 2000


class ConnectorMessages:
    """The only words connectors say themselves; everything else comes from the assistant."""

    TOO_LONG = (
        f"That message is too long for me (over {MAX_MESSAGE_CHARS:,} characters), so I didn't read it. "
        "Please send a shorter request - one task per message works best."
    )
    NOT_YOURS = "These buttons belong to someone else's request - ask me yourself to get your own."
    EXPIRED = "These buttons have expired - ask me again if you still want this."
    CHOSEN = "\u2714 {title}"


class AttachmentMeta(TypedDict):
    name: str
    path: str  # relative to the inbox ("<message folder>/<name>"): metadata stays in the tracker
    size: int
    content_type: str


class RejectedAttachment(TypedDict):
    name: str
    size: int
    reason: str


class MessageMetadata(TypedDict, total=False):
    platform: str
    workspace_id: str
    user_id: str
    user_name: str
    channel_id: str
    attachments: list[AttachmentMeta]
    # Files the connector refused (too large, failed download) so actions can say why nothing arrived.
    attachments_rejected: list[RejectedAttachment]


def sender_id_for(platform: str, workspace: str, user: str) -> str:
    """``platform:workspace-or-guild:user`` - the identity contract of ``actions/identity.py``."""
    return f"{platform}:{workspace}:{user}"


@dataclass(frozen=True, kw_only=True)
class Incoming:
    """A user message translated from a platform event, ready for Rasa."""

    text: str
    sender_id: str
    message_id: str
    metadata: MessageMetadata


OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


def message_too_long(text: str) -> bool:
    """Checked by every channel before a message reaches the model."""
    return len(text) > MAX_MESSAGE_CHARS


async def deliver(
    on_new_message: OnNewMessage, incoming: Incoming, output: OutputChannel, *, input_channel: str
) -> None:
    """Hand a message to Rasa (a too-long one gets ``TOO_LONG`` instead); failures are logged on the server,
    never shown in the chat."""
    if message_too_long(incoming.text):
        try:
            await output.send_text_message(incoming.sender_id, ConnectorMessages.TOO_LONG)
        except Exception:
            logger.exception("%s: could not refuse a long message %s", input_channel, incoming.message_id)
        return
    message = UserMessage(
        text=incoming.text,
        output_channel=output,
        sender_id=incoming.sender_id,
        input_channel=input_channel,
        message_id=incoming.message_id,
        metadata=dict(incoming.metadata),
    )
    try:
        await on_new_message(message)
    except Exception:
        logger.exception("%s: handling message %s failed", input_channel, incoming.message_id)


class LateOutput(OutputChannel):
    """Messages nobody is waiting for - a job's progress posted through Rasa's ``trigger_intent``, later alerts:
    ``resolve`` finds the recipient's last conversation; one never seen (or forgotten) is logged and dropped.
    Platform errors are logged too: Rasa would otherwise answer the poster with a 500 and lose the tracker update."""

    def __init__(
        self,
        *,
        resolve: Callable[[str], OutputChannel | None],
        errors: tuple[type[BaseException], ...],
    ) -> None:
        self._resolve = resolve
        self._errors = errors

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        output = self._resolve(recipient_id)
        if output is None:
            logger.info("%s: no conversation with %s to post into; message dropped", self.name(), recipient_id)
            return
        try:
            await output.send_response(recipient_id, message)
        except self._errors as exc:
            logger.warning("%s: could not post to %s (%s)", self.name(), recipient_id, type(exc).__name__)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})


# --- configuration values as Rasa hands them over from credentials.yml (${VAR} -> str, possibly empty) ---


def setting(credentials: Mapping[str, Any] | None, key: str, default: str = "") -> str:
    value = (credentials or {}).get(key)
    text = "" if value is None else str(value).strip()
    return text or default


def flag(value: Any, *, default: bool) -> bool:
    if isinstance(value, bool):
        return value
    text = "" if value is None else str(value).strip().lower()
    if not text:
        return default
    return text in {"1", "true", "yes", "on"}


def id_list(value: Any) -> frozenset[str]:
    """Comma- or space-separated ids (``DISCORD_ALLOWED_CHANNELS``); empty means "no restriction"."""
    if isinstance(value, (list, tuple, set, frozenset)):
        return frozenset(str(v).strip() for v in value if str(v).strip())
    return frozenset(part for part in re.split(r"[\s,]+", str(value or "")) if part)


# --- pure helpers ---

_UNSAFE_CHARS = re.compile(r"[^A-Za-z0-9._-]+")
MAX_FILENAME_LENGTH = 120


def safe_filename(name: str) -> str:
    """A file name that cannot leave its folder or surprise a shell: base name only, [A-Za-z0-9._-]."""
    base = re.split(r"[\\/]", name or "")[-1]
    cleaned = _UNSAFE_CHARS.sub("_", base).strip("._")
    if not cleaned:
        return "file"
    if len(cleaned) > MAX_FILENAME_LENGTH:
        stem, dot, ext = cleaned.rpartition(".")
        ext = ext[:16] if dot and stem else ""
        keep = MAX_FILENAME_LENGTH - (len(ext) + 1 if ext else 0)
        cleaned = (stem if ext else cleaned)[:keep].rstrip("._") + (f".{ext}" if ext else "")
    return cleaned


def split_text(text: str, limit: int) -> list[str]:
    """Split ``text`` into pieces of at most ``limit`` characters, cutting at line breaks; a single line
    longer than ``limit`` is cut at its last space that fits, else hard. Whitespace-only pieces are dropped."""
    if limit < 1:
        raise ValueError("limit must be positive")
    pieces: list[str] = []
    current: str | None = None
    for line in text.split("\n"):
        for part in _cut_line(line, limit):
            candidate = part if current is None else f"{current}\n{part}"
            if len(candidate) <= limit:
                current = candidate
            else:
                pieces.append(current or "")
                current = part
    if current is not None:
        pieces.append(current)
    return [piece for piece in pieces if piece.strip()]


def _cut_line(line: str, limit: int) -> list[str]:
    parts: list[str] = []
    while len(line) > limit:
        cut = line.rfind(" ", 1, limit + 1)
        cut = cut if cut > 0 else limit
        parts.append(line[:cut])
        line = line[cut:].lstrip(" ")
    parts.append(line)
    return parts


VOCABULARY_KEYS = ("text", "buttons", "image", "attachment", "custom")


def vocabulary_part(message: Mapping[str, Any]) -> BotMessage:
    """The keys of a Rasa bot message that belong to our vocabulary (Rasa adds timestamp, utter_action...)."""
    return cast(BotMessage, {key: message[key] for key in VOCABULARY_KEYS if message.get(key)})


def readable_text(message: BotMessage) -> str:
    """The text to show when ``custom`` is not rendered natively: the message text (the complete answer),
    else a table in monospace, else the plain-text degradation of ``custom``. Buttons/media are not included."""
    if message.get("text"):
        return message["text"]
    table = table_of(message)
    if table:
        return f"```\n{table_as_text(table)}\n```"
    return as_plain_text(BotMessage(custom=message.get("custom") or {}))


def media_file_for(url: str, media_dir: Path) -> Path | None:
    """The local file behind one of our media URLs (``.../media/<name>``), if it exists."""
    path = unquote(urlparse(url).path)
    head, sep, name = path.rpartition("/media/")
    if not sep or not name or "/" in name or safe_filename(name) != name:
        return None
    candidate = media_dir / name
    return candidate if candidate.is_file() else None


K = TypeVar("K")
V = TypeVar("V")


class TtlCache(Generic[K, V]):
    """A bounded map whose entries expire: for de-duplication and small lookups (user names)."""

    def __init__(
        self, *, ttl: float, max_items: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._ttl = ttl
        self._max_items = max_items
        self._clock = clock
        self._items: OrderedDict[K, tuple[float, V]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: K) -> V | None:
        self._expire()
        entry = self._items.get(key)
        return entry[1] if entry else None

    def put(self, key: K, value: V) -> None:
        self._items.pop(key, None)
        self._items[key] = (self._clock() + self._ttl, value)
        while len(self._items) > self._max_items:
            self._items.popitem(last=False)
        self._expire()

    def _expire(self) -> None:
        now = self._clock()
        while self._items:
            key, (deadline, _) = next(iter(self._items.items()))
            if deadline > now:
                break
            del self._items[key]


class Deduplicator:
    """Remembers ids for a while; ``first_time(id)`` is True exactly once per id within the TTL."""

    def __init__(
        self,
        *,
        ttl: float = DEFAULT_DEDUPE_TTL_SECONDS,
        max_items: int = DEFAULT_DEDUPE_MAX_ITEMS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._seen: TtlCache[str, bool] = TtlCache(ttl=ttl, max_items=max_items, clock=clock)

    def first_time(self, key: str) -> bool:
        if self._seen.get(key):
            return False
        self._seen.put(key, True)
        return True


# --- attachments ---


class AttachmentTooLarge(Exception):
    """A download went over the size limit."""


@dataclass(frozen=True)
class Inbox:
    """Where connectors save files users attach; each message gets a fresh sub-folder, deleted by the action that
    uses it or, unused, by the sweep after ``ttl_seconds`` (see ``connectors.inbox``)."""

    root: Path
    max_bytes: int = DEFAULT_MAX_ATTACHMENT_BYTES
    ttl_seconds: float = inbox_folders.DEFAULT_TTL_MINUTES * 60.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Inbox:
        limit = env.get("CLOUDBUTLER_MAX_ATTACHMENT_BYTES", "").strip()
        return cls(
            root=Path(env.get("CLOUDBUTLER_INBOX_DIR") or DEFAULT_INBOX_DIR),
            max_bytes=int(limit) if limit.isdigit() else DEFAULT_MAX_ATTACHMENT_BYTES,
            ttl_seconds=inbox_folders.ttl_seconds_from_env(env),
        )

    def new_folder(self, platform: str) -> Path:
        return self.root / inbox_folders.folder_name(platform)

    async def save(
        self, folder: Path, *, name: str, content_type: str | None, chunks: AsyncIterator[bytes]
    ) -> AttachmentMeta:
        """Collect ``chunks`` (stopping at the size limit) and write them as ``folder/<safe name>``."""
        data = bytearray()
        async for chunk in chunks:
            data.extend(chunk)
            if len(data) > self.max_bytes:
                raise AttachmentTooLarge(name)
        path = await asyncio.to_thread(self._store, folder, safe_filename(name), bytes(data))
        return AttachmentMeta(
            name=path.name, path=path.relative_to(self.root).as_posix(), size=len(data),
            content_type=content_type or "application/octet-stream",
        )

    def _store(self, folder: Path, name: str, data: bytes) -> Path:
        if not folder.exists():  # a new message's first file: the moment to clear out expired folders
            inbox_folders.sweep(self.root, ttl_seconds=self.ttl_seconds)
        return _write_new_file(folder, name, data)


def _write_new_file(folder: Path, name: str, data: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    stem, suffix, counter = path.stem, path.suffix, 1
    while path.exists():  # two attachments with the same name in one message
        path = folder / f"{stem}-{counter}{suffix}"
        counter += 1
    path.write_bytes(data)
    return path


def read_file(path: Path) -> Awaitable[bytes]:
    """File bytes read off the event loop (media files for uploads)."""
    return asyncio.to_thread(path.read_bytes)


# --- lifecycle: long-lived clients start and stop with the Rasa server ---


def status_blueprint(name: str, status: Callable[[], Mapping[str, Any]]) -> Blueprint:
    """A blueprint with only ``GET /`` reporting whether the connector runs; harmless when disabled."""
    blueprint = Blueprint(name)

    @blueprint.route("/", methods=["GET"])
    async def health(_: Request) -> response.HTTPResponse:
        return response.json(dict(status()))

    return blueprint


def bind_to_server(
    blueprint: Blueprint, *, start: Callable[[], Awaitable[None]], stop: Callable[[], Awaitable[None]]
) -> None:
    """Run ``start`` once the Rasa server listens and ``stop`` before it shuts down. Blueprint listeners
    are copied onto the app when Rasa's ``channel.register`` calls ``app.blueprint(...)``."""

    async def after_server_start(app: Sanic, loop: asyncio.AbstractEventLoop) -> None:
        await start()

    async def before_server_stop(app: Sanic, loop: asyncio.AbstractEventLoop) -> None:
        await stop()

    blueprint.listener("after_server_start")(after_server_start)
    blueprint.listener("before_server_stop")(before_server_stop)


class BackgroundTasks:
    """Work the connector runs after acknowledging an event; failures are logged, the rest cancelled on stop."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, coro: Coroutine[Any, Any, None], *, name: str) -> asyncio.Task[None]:
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)  # a strong reference, or the loop may drop the task half-way
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("%s failed", task.get_name(), exc_info=task.exception())

    async def close(self, *, grace: float = 5.0) -> None:
        pending = list(self._tasks)
        if pending:
            _, still = await asyncio.wait(pending, timeout=grace)
            for task in still:
                task.cancel()
            await asyncio.gather(*still, return_exceptions=True)

    def __len__(self) -> int:
        return len(self._tasks)
