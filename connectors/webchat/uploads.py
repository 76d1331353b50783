"""Uploaded files: parsing the multipart body and saving each file in a fresh folder of the inbox."""
from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

from sanic.headers import parse_content_header
from sanic.request import parse_multipart_form

from connectors.core.inbox import folder_name, sweep, ttl_seconds_from_env
from connectors.webchat.protocol import AttachmentInfo, WebChatRequestError, safe_file_name, unique_name

GENERIC_TYPE = "application/octet-stream"


@dataclass(frozen=True)
class UploadedFile:
    name: str
    body: bytes
    content_type: str = GENERIC_TYPE


def parse_multipart(content_type: str, body: bytes) -> Tuple[Dict[str, List[str]], List[UploadedFile]]:
    """Form fields and the ``file`` parts of a multipart/form-data body; anything malformed is a 400."""
    kind, parameters = parse_content_header(content_type or "")
    boundary = parameters.get("boundary")
    if kind != "multipart/form-data" or not boundary:
        raise WebChatRequestError("bad_form")
    try:
        fields, files = parse_multipart_form(body, str(boundary).encode("utf-8"))
    except (ValueError, UnicodeDecodeError, LookupError) as exc:
        raise WebChatRequestError("bad_form") from exc
    uploaded = [
        UploadedFile(name=part.name, body=part.body, content_type=part.type or GENERIC_TYPE)
        for part in files.getlist("file") or []
    ]
    return {key: list(values) for key, values in fields.items()}, uploaded


def store_uploads(
    files: Sequence[UploadedFile], inbox: Path, *, ttl_seconds: float | None = None
) -> List[AttachmentInfo]:
    """Write ``files`` into a new folder under ``inbox``; blocking, so callers run it in a thread. Each ``path``
    is relative to the inbox (``<folder>/<name>``): no server path reaches the conversation's tracker.

    Every name is checked before anything is written, so a refused upload leaves nothing behind. Folders older
    than ``ttl_seconds`` (default ``CLOUDBUTLER_INBOX_TTL_MINUTES``) are swept away first.
    """
    taken: set[str] = set()
    names = []
    for item in files:
        name = unique_name(safe_file_name(item.name), taken)
        taken.add(name)
        names.append(name)
    sweep(inbox, ttl_seconds=ttl_seconds_from_env() if ttl_seconds is None else ttl_seconds)
    folder = inbox / folder_name("web")
    folder.mkdir(parents=True, exist_ok=False)
    saved: List[AttachmentInfo] = []
    for item, name in zip(files, names, strict=True):
        path = folder / name
        if path.parent != folder:  # safe_file_name already guarantees this; a second lock costs nothing
            raise WebChatRequestError("bad_file_name")
        with open(path, "xb") as handle:
            handle.write(item.body)
        saved.append(
            AttachmentInfo(
                name=name, path=f"{folder.name}/{name}", size=len(item.body), content_type=_content_type(item, name)
            )
        )
    return saved


def _content_type(item: UploadedFile, name: str) -> str:
    # Browsers send application/octet-stream for types they do not know; the extension may still tell.
    if item.content_type and item.content_type != GENERIC_TYPE:
        return item.content_type
    return mimetypes.guess_type(name)[0] or GENERIC_TYPE
