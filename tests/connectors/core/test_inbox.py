"""The inbox's housekeeping: folder names, the sweep of expired folders, removal after use - never outside it."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from connectors.core.inbox import (
    DEFAULT_TTL_MINUTES,
    Inbox,
    ReceivedFile,
    folder_name,
    is_folder_name,
    remove_folder_of,
    sweep,
    touch_folder_of,
    ttl_seconds_from_env,
)

NOW = 1_750_000_000.0
HOUR = 3600.0


def aged(path: Path, seconds: float) -> Path:
    os.utime(path, (NOW - seconds, NOW - seconds), follow_symlinks=False)
    return path


def folder(root: Path, name: str, *, age: float, files: tuple[str, ...] = ("a.txt",)) -> Path:
    made = root / name
    made.mkdir(parents=True)
    for file in files:
        (made / file).write_bytes(b"x")
    return aged(made, age)


def test_folder_names_are_platform_time_and_random() -> None:
    name = folder_name("slack", now=0)
    assert name.startswith("slack-19700101T000000-") and len(name) == len("slack-19700101T000000-") + 8
    assert is_folder_name(name) and folder_name("slack") != folder_name("slack")


@pytest.mark.parametrize(
    "name",
    ["", ".", "..", "inbox", "slack", "web-1", "webchat-1", "Slack-20240101T000000-0123abcd",
     "slack-20240101T000000-0123abcd/..", "../slack-20240101T000000-0123abcd", "slack-20240101T000000-0123abcz",
     "slack-20240101T000000-0123abcd0", " slack-20240101T000000-0123abcd"],
)
def test_only_our_folder_names_count(name: str) -> None:
    assert not is_folder_name(name)


def test_sweep_removes_only_expired_folders_of_ours(tmp_path: Path) -> None:
    root = tmp_path / "inbox"
    old = folder(root, "slack-20240101T000000-0123abcd", age=2 * HOUR, files=("a.pdf", "b.png"))
    young = folder(root, "discord-20240101T000000-0123abce", age=10 * 60)
    foreign = folder(root, "keep-me", age=30 * 24 * HOUR)  # not a name we give: someone else's folder
    loose = root / "notes.txt"
    loose.write_bytes(b"mine")
    aged(loose, 30 * 24 * HOUR)
    outside = folder(tmp_path, "outside", age=30 * 24 * HOUR)
    link = root / "web-20240101T000000-0123abcf"
    link.symlink_to(outside, target_is_directory=True)
    aged(link, 30 * 24 * HOUR)

    assert sweep(root, ttl_seconds=HOUR, now=NOW) == ["slack-20240101T000000-0123abcd"]
    assert not old.exists()
    assert young.is_dir() and foreign.is_dir() and loose.read_bytes() == b"mine"
    assert link.is_symlink() and (outside / "a.txt").read_bytes() == b"x"


def test_sweep_of_a_missing_inbox_is_a_no_op(tmp_path: Path) -> None:
    assert sweep(tmp_path / "nothing-yet", ttl_seconds=HOUR) == []
    assert not (tmp_path / "nothing-yet").exists()


def test_remove_folder_of_an_attachment_removes_its_message_folder_only(tmp_path: Path) -> None:
    root = tmp_path / "inbox"
    used = folder(root, "web-20240101T000000-0123abcd", age=0, files=("a.txt", "b.txt"))
    other = folder(root, "web-20240101T000000-0123abce", age=0)
    assert remove_folder_of(root, "web-20240101T000000-0123abcd/a.txt") is True
    assert not used.exists() and other.is_dir() and root.is_dir()
    assert remove_folder_of(root, "web-20240101T000000-0123abcd/a.txt") is False  # already gone


@pytest.mark.parametrize(
    "relative",
    ["", "a.txt", "keep-me/a.txt", "../inbox/keep-me/a.txt", "/etc/passwd", "web-20240101T000000-0123abcf/a.txt",
     "web-20240101T000000-0123abcd"],
)
def test_remove_folder_of_refuses_anything_else(tmp_path: Path, relative: str) -> None:
    root = tmp_path / "inbox"
    keep = folder(root, "keep-me", age=0)
    (root / "a.txt").write_bytes(b"x")
    mine = folder(root, "web-20240101T000000-0123abcd", age=0)
    outside = folder(tmp_path, "outside", age=0)
    (root / "web-20240101T000000-0123abcf").symlink_to(outside, target_is_directory=True)
    if relative == "web-20240101T000000-0123abcd":  # the folder itself, without a file in it
        assert remove_folder_of(root, relative) is False
        assert mine.is_dir()
        return
    assert remove_folder_of(root, relative) is False
    assert keep.is_dir() and (root / "a.txt").exists() and mine.is_dir() and (outside / "a.txt").exists()


def test_touch_gives_a_folder_in_use_a_fresh_ttl(tmp_path: Path) -> None:
    root = tmp_path / "inbox"
    used = folder(root, "web-20240101T000000-0123abcd", age=2 * HOUR)
    touch_folder_of(root, "web-20240101T000000-0123abcd/a.txt")
    touch_folder_of(root, "../outside/a.txt")  # refused quietly
    assert sweep(root, ttl_seconds=HOUR) == [] and used.is_dir()


def test_ttl_from_env() -> None:
    assert DEFAULT_TTL_MINUTES == 60
    assert ttl_seconds_from_env({}) == 3600
    assert ttl_seconds_from_env({"CLOUDBUTLER_INBOX_TTL_MINUTES": " 15 "}) == 900
    for wrong in ("", "0", "-5", "soon", "1.5"):
        assert ttl_seconds_from_env({"CLOUDBUTLER_INBOX_TTL_MINUTES": wrong}) == 3600


def test_web_uploads_are_stored_under_a_relative_path_and_sweep_expired_folders(tmp_path: Path) -> None:
    root = tmp_path / "inbox"
    old = folder(root, "web-20240101T000000-0123abcd", age=2 * HOUR)
    [saved] = Inbox(root=root, ttl_seconds=HOUR).store("web", [ReceivedFile(name="report.csv", body=b"a,b")])
    name, file = saved["path"].split("/")
    assert is_folder_name(name) and name.startswith("web-") and file == "report.csv"
    assert (root / saved["path"]).read_bytes() == b"a,b"
    assert not old.exists()
