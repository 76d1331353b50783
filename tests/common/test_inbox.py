"""The inbox contract both processes share: which folders are ours, and what using an attachment does to them."""
from __future__ import annotations

import os
from pathlib import Path

from common.inbox import folder_name, inbox_dir, is_folder_name, message_folder, remove_folder_of, touch_folder_of


def test_inbox_dir_is_read_from_one_variable() -> None:
    assert inbox_dir({}) == Path("./var/inbox")
    assert inbox_dir({"CLOUDBUTLER_INBOX_DIR": "/srv/inbox"}) == Path("/srv/inbox")


def test_folder_names_are_recognised_and_nothing_else() -> None:
    name = folder_name("slack", now=0)
    assert name.startswith("slack-19700101T000000-") and is_folder_name(name)
    assert not any(is_folder_name(n) for n in ("Documents", "slack-1970-x", "../slack-19700101T000000-0123abcd"))


def test_only_our_message_folders_are_touched_or_removed(tmp_path: Path) -> None:
    ours = tmp_path / folder_name("web")
    ours.mkdir()
    (ours / "a.txt").write_bytes(b"a")
    other = tmp_path / "Documents"
    other.mkdir()
    (other / "b.txt").write_bytes(b"b")
    assert message_folder(tmp_path, f"{ours.name}/a.txt") == ours
    assert message_folder(tmp_path, "Documents/b.txt") is None and message_folder(tmp_path, ours.name) is None

    os.utime(ours, (0, 0))
    touch_folder_of(tmp_path, f"{ours.name}/a.txt")
    assert ours.stat().st_mtime > 0
    assert remove_folder_of(tmp_path, "Documents/b.txt") is False and (other / "b.txt").exists()
    assert remove_folder_of(tmp_path, f"{ours.name}/a.txt") is True and not ours.exists()
    assert remove_folder_of(tmp_path, f"{ours.name}/a.txt") is False
