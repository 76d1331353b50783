"""Local path safety: names from chat or S3 keys must never reach outside their folder."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from actions.aws.errors import CloudButlerError

__all__ = ["UnsafePath", "resolve_inside", "unique_target", "fit_name"]

MAX_UNIQUE_ATTEMPTS = 1000
# The longest file or folder name ext4, XFS, Btrfs and APFS store. S3 keys may have longer segments; such an object
# cannot be saved under its own name, and the file system's error would only say "something went wrong".
MAX_NAME_BYTES = 255
SHOWN_CHARS = 60


class UnsafePath(CloudButlerError):
    """``reason`` is one of: empty, nul_byte, absolute, parent_reference, name_too_long, empty_name, symlink_escape,
    no_free_name."""

    def __init__(self, *, reason: str, path: str) -> None:
        super().__init__("unsafe_path", reason=reason, path=path)
        self.reason = reason
        self.path = path


def resolve_inside(base: Path, user_path: str) -> Path:
    """The real path of ``user_path`` under ``base``, or ``UnsafePath`` if it is empty, absolute, uses ``..``,
    has a name over ``MAX_NAME_BYTES``, names a folder rather than a file, or passes through a symlink (the file or
    any parent) that leads out.

    ``..`` is refused even when it would stay inside: a name from chat has no business walking up.
    The result may not exist yet (downloads); existing symlinks are resolved and checked.
    """
    shown = user_path.replace("\x00", "\\0")
    if not user_path or not user_path.strip():
        raise UnsafePath(reason="empty", path=shown)
    if "\x00" in user_path:
        raise UnsafePath(reason="nul_byte", path=shown)
    # A leading "~" is not expanded by pathlib: "~$report.docx" is an ordinary name inside base.
    if os.path.isabs(user_path):
        raise UnsafePath(reason="absolute", path=shown)
    parts = PurePosixPath(user_path).parts
    if ".." in parts:
        raise UnsafePath(reason="parent_reference", path=shown)
    too_long = next((part for part in parts if _name_bytes(part) > MAX_NAME_BYTES), None)
    if too_long is not None:
        shortened = too_long if len(too_long) <= SHOWN_CHARS else too_long[: SHOWN_CHARS - 3] + "..."
        raise UnsafePath(reason="name_too_long", path=shortened)
    last = user_path.rstrip("/").rsplit("/", 1)[-1]
    if user_path.endswith("/") or last in ("", "."):
        raise UnsafePath(reason="empty_name", path=shown)
    real_base = base.resolve()
    resolved = (real_base / user_path).resolve()
    if resolved == real_base or not resolved.is_relative_to(real_base):
        raise UnsafePath(reason="symlink_escape", path=shown)
    return resolved


def unique_target(directory: Path, name: str) -> Path:
    """``directory/name`` if free, else ``name (1).ext``, ``name (2).ext``, ... so nothing is overwritten.

    ``name`` goes through ``resolve_inside`` first. The answer is only a suggestion: a file may appear before
    it is written, so writers still create with an exclusive flag (see ``ObjectService.download``).
    """
    first = resolve_inside(directory, name)
    if not os.path.lexists(first):
        return first
    stem, suffix = _split_suffix(first.name)
    if _name_bytes(suffix) > MAX_NAME_BYTES // 2:  # "x.<200 characters>" is no extension to keep
        stem, suffix = first.name, ""
    for n in range(1, MAX_UNIQUE_ATTEMPTS + 1):
        candidate = first.with_name(fit_name(stem, f" ({n}){suffix}"))
        if not os.path.lexists(candidate):
            return candidate
    raise UnsafePath(reason="no_free_name", path=name)


def _name_bytes(name: str) -> int:
    return len(name.encode("utf-8", "surrogatepass"))


def fit_name(stem: str, tail: str = "", *, limit: int = MAX_NAME_BYTES) -> str:
    """``stem + tail`` with the stem cut short (never mid-character) so the name takes at most ``limit`` bytes."""
    room = max(0, limit - _name_bytes(tail))
    while _name_bytes(stem) > room:
        stem = stem[: max(0, min(len(stem) - 1, room))]
    return stem + tail


def _split_suffix(name: str) -> tuple[str, str]:
    # "archive.tar.gz" -> ("archive", ".tar.gz") reads better than "archive.tar (1).gz".
    stem, dot, rest = name.partition(".")
    if not stem or not dot:
        return name, ""
    return stem, dot + rest
