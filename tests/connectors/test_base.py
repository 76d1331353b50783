"""The pure helpers every connector shares."""
from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from connectors.base import (
    AttachmentTooLarge,
    Deduplicator,
    Inbox,
    TtlCache,
    flag,
    id_list,
    media_file_for,
    readable_text,
    safe_filename,
    sender_id_for,
    setting,
    split_text,
    vocabulary_part,
)
from connectors.vocabulary import BotMessage, table_as_text
from tests.fakes.rasa_stub import FIELDS, TABLE


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("report.pdf", "report.pdf"),
        ("../Q2 report (final).pdf", "Q2_report_final_.pdf"),
        ("..\\..\\windows\\system32\\evil.dll", "evil.dll"),
        ("/etc/passwd", "passwd"),
        ("..", "file"),
        ("", "file"),
        ("...hidden", "hidden"),
        ("r\u00e9sum\u00e9 2024.docx", "r_sum_2024.docx"),
        ("a;rm -rf $HOME.csv", "a_rm_-rf_HOME.csv"),
        ("x" * 200 + ".tar.gz", "x" * 117 + ".gz"),
        ("y" * 200, "y" * 120),
        ("d" * 130 + "." + "e" * 40, "d" * 103 + "." + "e" * 16),
        ("data." + "e" * 40, "data." + "e" * 40),
    ],
)
def test_safe_filename(name: str, expected: str) -> None:
    assert safe_filename(name) == expected
    assert len(safe_filename(name)) <= 120


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("short", 10, ["short"]),
        ("", 10, []),
        ("\n\n  \n", 10, []),
        ("aaaaa\nbbbbb", 5, ["aaaaa", "bbbbb"]),
        ("aaaaa\nbbbbb", 11, ["aaaaa\nbbbbb"]),
        ("aa\nbb\ncc", 5, ["aa\nbb", "cc"]),
        ("aaaa bbbb cccc", 9, ["aaaa bbbb", "cccc"]),
        ("x" * 12, 5, ["xxxxx", "xxxxx", "xx"]),
        ("one\n" + "w" * 7 + " tail", 5, ["one", "wwwww", "ww", "tail"]),
    ],
)
def test_split_text(text: str, limit: int, expected: list[str]) -> None:
    assert split_text(text, limit) == expected


def test_split_text_keeps_every_line_when_lines_fit() -> None:
    text = "\n".join(f"line {i:04d} " + "z" * (i % 37) for i in range(500))
    pieces = split_text(text, 2000)
    assert all(len(p) <= 2000 for p in pieces)
    assert "\n".join(pieces) == text


def test_split_text_rejects_nonsense_limit() -> None:
    with pytest.raises(ValueError):
        split_text("x", 0)


def test_ttl_cache_expires_and_stays_bounded() -> None:
    now = [0.0]
    cache: TtlCache[str, int] = TtlCache(ttl=10, max_items=3, clock=lambda: now[0])
    for i, key in enumerate("abcd"):
        cache.put(key, i)
    assert len(cache) == 3 and cache.get("a") is None and cache.get("d") == 3
    now[0] = 9.9
    assert cache.get("b") == 1
    now[0] = 10.0
    assert cache.get("b") is None and len(cache) == 0


def test_deduplicator_says_first_time_once_per_ttl() -> None:
    now = [0.0]
    seen = Deduplicator(ttl=60, max_items=100, clock=lambda: now[0])
    assert seen.first_time("Ev1") is True
    assert seen.first_time("Ev1") is False
    assert seen.first_time("Ev2") is True
    now[0] = 61
    assert seen.first_time("Ev1") is True


def test_media_file_for_maps_only_existing_media(tmp_path: Path) -> None:
    (tmp_path / "chart.png").write_bytes(b"png")
    assert media_file_for("http://localhost:5005/webhooks/webchat/media/chart.png", tmp_path) == tmp_path / "chart.png"
    assert media_file_for("https://bot.example/media/chart.png?v=2", tmp_path) == tmp_path / "chart.png"
    assert media_file_for("http://x/webhooks/webchat/media/missing.png", tmp_path) is None
    assert media_file_for("http://x/webhooks/webchat/media/..%2F..%2Fetc%2Fpasswd", tmp_path) is None
    assert media_file_for("http://x/media/sub/chart.png", tmp_path) is None
    assert media_file_for("https://example.com/chart.png", tmp_path) is None


@pytest.mark.parametrize(
    ("value", "default", "expected"),
    [(None, True, True), ("", False, False), ("true", False, True), ("0", True, False), ("off", True, False),
     (" YES ", False, True), (False, True, False), (True, False, True)],
)
def test_flag(value: object, default: bool, expected: bool) -> None:
    assert flag(value, default=default) is expected


def test_id_list_and_setting() -> None:
    assert id_list("123, 456 789,,") == {"123", "456", "789"}
    assert id_list("") == frozenset() and id_list(None) == frozenset()
    assert id_list([1, "2 "]) == {"1", "2"}
    assert setting({"token": "  "}, "token", "default") == "default"
    assert setting(None, "token") == ""
    assert setting({"url": " https://x/ "}, "url") == "https://x/"


def test_sender_id() -> None:
    assert sender_id_for("slack", "T1", "U1") == "slack:T1:U1"


def test_vocabulary_part_drops_rasa_keys_and_empty_values() -> None:
    message = {"text": "hi", "timestamp": 1.0, "utter_action": "utter_greet", "image": None, "buttons": []}
    assert vocabulary_part(message) == {"text": "hi"}


def test_readable_text_prefers_text_then_table_then_fields() -> None:
    assert readable_text(BotMessage(text="all of it", custom={"table": TABLE})) == "all of it"
    assert readable_text(BotMessage(custom={"table": TABLE})) == f"```\n{table_as_text(TABLE)}\n```"
    assert readable_text(BotMessage(custom={"fields": FIELDS})) == (
        "Server i-0abc\nRegion: eu-central-1\nZone: eu-central-1a\nIP: 10.0.0.12\nCPU: 12.5 %"
    )


async def _chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


async def test_inbox_saves_into_a_fresh_folder_with_unique_names(tmp_path: Path) -> None:
    inbox = Inbox(root=tmp_path / "inbox", max_bytes=10)
    folder = inbox.new_folder("slack")
    assert folder.parent == inbox.root and folder.name.startswith("slack-") and not folder.exists()
    first = await inbox.save(folder, name="a b.txt", content_type="text/plain", chunks=_chunks(b"12", b"345"))
    second = await inbox.save(folder, name="a_b.txt", content_type=None, chunks=_chunks(b"x"))
    # Paths are relative to the inbox: the metadata (kept in the tracker) names no server folder.
    assert first == {"name": "a_b.txt", "path": f"{folder.name}/a_b.txt", "size": 5, "content_type": "text/plain"}
    assert second == {"name": "a_b-1.txt", "path": f"{folder.name}/a_b-1.txt", "size": 1,
                      "content_type": "application/octet-stream"}
    assert (folder / "a_b.txt").read_bytes() == b"12345"
    assert inbox.new_folder("slack") != folder


async def test_inbox_refuses_more_than_the_limit(tmp_path: Path) -> None:
    inbox = Inbox(root=tmp_path, max_bytes=4)
    with pytest.raises(AttachmentTooLarge):
        await inbox.save(tmp_path / "f", name="big", content_type=None, chunks=_chunks(b"123", b"45"))
    assert not (tmp_path / "f").exists()


def test_inbox_from_env() -> None:
    inbox = Inbox.from_env({"CLOUDBUTLER_INBOX_DIR": "/tmp/x", "CLOUDBUTLER_MAX_ATTACHMENT_BYTES": "77",
                            "CLOUDBUTLER_INBOX_TTL_MINUTES": "5"})
    assert inbox == Inbox(root=Path("/tmp/x"), max_bytes=77, ttl_seconds=300)
    assert Inbox.from_env({}) == Inbox(root=Path("./var/inbox"), max_bytes=25 * 1024 * 1024, ttl_seconds=3600)


async def test_a_new_message_folder_sweeps_expired_ones(tmp_path: Path) -> None:
    inbox = Inbox(root=tmp_path / "inbox", ttl_seconds=60)
    old = inbox.new_folder("discord")
    await inbox.save(old, name="old.txt", content_type=None, chunks=_chunks(b"old"))
    os.utime(old, (time.time() - 61, time.time() - 61))
    young = inbox.new_folder("discord")
    await inbox.save(young, name="a.txt", content_type=None, chunks=_chunks(b"a"))
    assert not old.exists()
    await inbox.save(young, name="b.txt", content_type=None, chunks=_chunks(b"b"))
    assert sorted(p.name for p in young.iterdir()) == ["a.txt", "b.txt"]
