"""The one rule for naming a file a user sent us, on every channel (Discord and Slack attachments, web chat uploads).

A name keeps its owner's characters - accents, CJK, spaces, brackets - because it becomes the S3 key and is said
back in the chat; the rule only removes what could leave the message's folder or mislead: the path before the last
``/`` or ``\\``, characters Windows or a shell treat specially (``:*?"<>|``), control characters and the bidi
controls that make ``invoice\u202efdp.exe`` read as ``invoiceexe.pdf``. Names are NFC-normalised, trimmed and
kept under 200 UTF-8 bytes (a short extension survives the cut), which leaves room below the 255 bytes a file
system allows for the `` (2)`` that ``unique_name`` adds to a second file of the same name.
"""
from __future__ import annotations

import re
import unicodedata

MAX_FILENAME_BYTES = 200
MAX_EXTENSION_BYTES = 16
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]')


class UnusableFileName(ValueError):
    """Nothing of the name is left (empty, only dots or spaces, a folder): the channel decides what to do."""


def safe_filename(raw: str) -> str:
    """The last path component of ``raw`` with unsafe characters replaced by ``_``; see the module docstring."""
    base = re.split(r"[\\/]", raw)[-1]
    name = unicodedata.normalize("NFC", _UNSAFE.sub("_", base)).strip()
    if not name.strip("."):
        raise UnusableFileName(raw)
    if len(name.encode("utf-8")) > MAX_FILENAME_BYTES:
        stem, dot, ext = name.rpartition(".")
        # Keep a short extension: it tells the assistant (and the user) what kind of file it is.
        if dot and stem and len(ext.encode("utf-8")) <= MAX_EXTENSION_BYTES:
            name = _cut_utf8(stem, MAX_FILENAME_BYTES - len(ext.encode("utf-8")) - 1).rstrip() + "." + ext
        else:
            name = _cut_utf8(name, MAX_FILENAME_BYTES)
    return name


def _cut_utf8(text: str, limit: int) -> str:
    return text.encode("utf-8")[:limit].decode("utf-8", "ignore")


def unique_name(name: str, taken: set[str]) -> str:
    """``name``, or ``stem (2).ext``, ``stem (3).ext``... when a file of that name is already in the folder - the
    numbering the action server uses for downloads too."""
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
