"""Which bot messages are failure replies, as SQL ``LIKE`` patterns the tracker store's database evaluates itself.

A failure reaches the tracker only as the text the user was told (``actions.core.base`` says
``errors.error_text(exc)`` or ``wording.UNEXPECTED``), so a reply counts as a failure when its text has the shape of
one of those sentences: the unexpected-failure sentence, the generic "AWS refused that request (...)", and the AWS
and S3 replies of ``actions.core.errors`` - each rendered with a marker for every detail it names, the marker
becoming ``%``. Replies that only explain why a name is not valid are answers, not failures, and are not counted.
A bot message whose metadata carries a ``failure`` code (what ``utter_message(..., failure=code)`` stores) counts
too, whatever its text.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from actions.core import errors, wording

_MARK = "\x00"
LIKE_ESCAPE = "\\"


class _AnyDetail(Mapping[str, Any]):
    """Details in which every key is there and reads as the marker (so a reply renders its fixed words only)."""

    def __getitem__(self, key: str) -> str:
        return _MARK

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0

    def __contains__(self, key: object) -> bool:
        return False  # optional details ("rolled_back") are absent: the reply's first sentence is its shape


def like_pattern(rendered: str) -> str:
    """``rendered`` with each marker as ``%``, LIKE's wildcards escaped, and a ``%`` at the end: a reply may go on
    after its first sentence (a hint, what was rolled back)."""
    pieces = [piece.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", LIKE_ESCAPE + "%").replace("_", LIKE_ESCAPE + "_")
              for piece in rendered.split(_MARK)]
    return "%".join(pieces).rstrip("%") + "%"


def _rendered(reply: errors.Reply) -> str | None:
    details = _AnyDetail()
    try:
        return reply(details) if callable(reply) else reply.format_map(_Formatting())
    except (KeyError, IndexError, ValueError, TypeError, AttributeError):
        return None


class _Formatting(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return _MARK


def failure_patterns(extra: Iterable[str] = ()) -> tuple[str, ...]:
    """The LIKE patterns of every failure reply this layer knows, plus ``extra`` (already LIKE patterns), sorted
    and without duplicates. A pattern shorter than 12 fixed characters would match ordinary answers: left out."""
    replies: list[errors.Reply] = [wording.UNEXPECTED, errors.GENERIC_AWS_ERROR]
    replies += [*errors.AWS_ERRORS.values(), *errors.S3_ERRORS.values()]
    patterns = {like_pattern(text) for text in map(_rendered, replies) if text is not None}
    patterns.update(extra)
    return tuple(sorted(p for p in patterns if len(p.replace("%", "")) >= 12))


def fingerprint(patterns: Iterable[str]) -> str:
    """Changes when the patterns do, so figures kept from an earlier set are computed again."""
    return hashlib.sha256("\n".join(patterns).encode("utf-8")).hexdigest()[:16]
