"""HTTP helpers for the web chat tests: what a page (or anyone else) sends to the channel's routes."""
from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any, Dict, List, Tuple

import aiohttp

from tests.connectors.webchat.scripted import WebChatServer

MessageFile = Tuple[str, bytes, str]  # file name as the client sends it, bytes, content type
JSON_TYPE = {"Content-Type": "application/json"}


async def post_json(server: WebChatServer, payload: Any, *, headers: Dict[str, str] | None = None) -> Tuple[int, Any]:
    """POST ``payload`` (bytes as they are, anything else as JSON) to ``webhook``, as application/json unless
    ``headers`` say otherwise."""
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    async with aiohttp.ClientSession() as session:
        async with session.post(server.url + "webhook", data=data, headers={**JSON_TYPE, **(headers or {})}) as resp:
            return resp.status, await resp.json(content_type=None)


def multipart(fields: Dict[str, str], files: List[MessageFile]) -> Tuple[str, bytes]:
    """A multipart/form-data body built by hand, so file names reach the server exactly as written."""
    boundary = f"----cb{uuid.uuid4().hex}"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in fields.items()
    ]
    for name, body, kind in files:
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        parts.append(f"{head}Content-Type: {kind}\r\n\r\n".encode() + body + b"\r\n")
    return f"multipart/form-data; boundary={boundary}", b"".join(parts) + f"--{boundary}--\r\n".encode()


async def post_upload(
    server: WebChatServer, fields: Dict[str, str], files: List[MessageFile], *, headers: Dict[str, str] | None = None
) -> Tuple[int, Any]:
    kind, body = multipart(fields, files)
    async with aiohttp.ClientSession() as session:
        async with session.post(
            server.url + "upload", data=body, headers={"Content-Type": kind, **(headers or {})}
        ) as resp:
            return resp.status, await resp.json(content_type=None)


async def new_session(server: WebChatServer, *, headers: Dict[str, str] | None = None) -> Tuple[int, Any]:
    """``POST session`` as chat.js sends it."""
    async with aiohttp.ClientSession() as session:
        async with session.post(server.url + "session", data=b"{}", headers={**JSON_TYPE, **(headers or {})}) as resp:
            return resp.status, await resp.json(content_type=None)


async def get_updates(server: WebChatServer, query: str) -> Tuple[int, Any, float]:
    """Status, JSON body and seconds taken of ``GET updates?<query>``."""
    started = time.monotonic()
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{server.url}updates?{query}") as resp:
            assert resp.headers["Content-Type"] == "application/json"
            if resp.status == 200:
                assert resp.headers["Cache-Control"] == "no-store"
            return resp.status, await resp.json(), time.monotonic() - started


def inbox_files(server: WebChatServer) -> List[Path]:
    return sorted(p for p in server.inbox.rglob("*") if p.is_file()) if server.inbox.exists() else []
