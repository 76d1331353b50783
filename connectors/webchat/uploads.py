"""Uploaded files: the multipart body of ``POST upload`` taken apart into form fields and files (saved by the inbox,
``connectors.core.inbox``)."""
from __future__ import annotations

from typing import Dict, List, Tuple

from sanic.headers import parse_content_header
from sanic.request import parse_multipart_form

from connectors.core.inbox import ReceivedFile
from connectors.webchat.protocol import WebChatRequestError


def parse_multipart(content_type: str, body: bytes) -> Tuple[Dict[str, List[str]], List[ReceivedFile]]:
    """Form fields and the ``file`` parts of a multipart/form-data body; anything malformed is a 400."""
    kind, parameters = parse_content_header(content_type or "")
    boundary = parameters.get("boundary")
    if kind != "multipart/form-data" or not boundary:
        raise WebChatRequestError("bad_form")
    try:
        fields, files = parse_multipart_form(body, str(boundary).encode("utf-8"))
    except (ValueError, UnicodeDecodeError, LookupError) as exc:
        raise WebChatRequestError("bad_form") from exc
    uploaded = [ReceivedFile(name=part.name, body=part.body, content_type=part.type) for part in files.getlist("file") or []]
    return {key: list(values) for key, values in fields.items()}, uploaded
