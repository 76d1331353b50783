"""The shared core every connector uses: file names, text, settings, identity, media lookup, de-duplication, where
users last wrote, and the inbox."""
from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from common.store import MemoryStore
from connectors.core.dedup import Deduplicator
from connectors.core.filenames import MAX_FILENAME_BYTES, UnusableFileName, safe_filename, unique_name
from connectors.core.identity import Identity, sender_id_for
from connectors.core.inbox import AttachmentTooLarge, Inbox, OfferedFile, ReceivedFile, SavedFiles
from connectors.core.late import LastSeen, Place, late_output_class
from connectors.core.output import media_file_for, readable_text, vocabulary_part
from connectors.core.settings import flag, id_list, number, setting
from connectors.core.text import clip, split_text
from connectors.vocabulary import BotMessage, table_as_text
from tests.fakes.rasa_stub import FIELDS, TABLE

UNUSABLE = None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("report.pdf", "report.pdf"),
        ("../Q2 report (final).pdf", "Q2 report (final).pdf"),
        ("..\\..\\windows\\system32\\evil.dll", "evil.dll"),
        ("C:\\Users\\ann\\report.xlsx", "report.xlsx"),
        ("/etc/passwd", "passwd"),
        ("..", UNUSABLE),
        ("", UNUSABLE),
        ("   ", UNUSABLE),
        ("dir/", UNUSABLE),
        ("...hidden", "...hidden"),
        (".env", ".env"),
        ("r\u00e9sum\u00e9 2024.docx", "r\u00e9sum\u00e9 2024.docx"),
        ("Ünïcödé 報告.txt", "Ünïcödé 報告.txt"),
        ("e\u0301t\u00e9.txt", "\u00e9t\u00e9.txt"),  # NFC: one way to write the same name
        ('a<b>c:d|e?f*g".txt', "a_b_c_d_e_f_g_.txt"),
        ("nul\x00byte\ttab\x85.txt", "nul_byte_tab_.txt"),
        ("invoice\u202efdp.exe", "invoice_fdp.exe"),  # a bidi override would show it as "invoiceexe.pdf"
        ("  spaced name.txt  ", "spaced name.txt"),
        ("x" * 200 + ".tar.gz", "x" * 197 + ".gz"),
        ("y" * 300, "y" * 200),
        ("d" * 230 + "." + "e" * 40, "d" * 200),  # an extension that long is not kept
        ("data." + "e" * 40, "data." + "e" * 40),
    ],
)
def test_one_file_name_rule_for_every_channel(name: str, expected: str | None) -> None:
    if expected is UNUSABLE:
        with pytest.raises(UnusableFileName):
            safe_filename(name)
        return
    assert safe_filename(name) == expected
    assert Path(expected).name == expected and len(expected.encode()) <= MAX_FILENAME_BYTES


def test_long_file_names_keep_their_extension_in_utf8_bytes() -> None:
    name = safe_filename("r" * 500 + ".csv")
    assert name == "r" * (MAX_FILENAME_BYTES - 4) + ".csv"
    wide = safe_filename("報" * 300 + ".pdf")
    assert wide.endswith(".pdf") and len(wide.encode()) <= MAX_FILENAME_BYTES
    assert wide == "報" * ((MAX_FILENAME_BYTES - 4) // 3) + ".pdf"  # never half a character


def test_unique_names_count_up() -> None:
    assert unique_name("a.txt", set()) == "a.txt"
    assert unique_name("a.txt", {"a.txt"}) == "a (2).txt"
    assert unique_name("a.txt", {"a.txt", "a (2).txt"}) == "a (3).txt"
    assert unique_name("README", {"README"}) == "README (2)"
    assert unique_name(".env", {".env"}) == ".env (2)"


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


def test_clip() -> None:
    assert clip("abc", 3) == "abc"
    assert clip("abcd", 3) == "ab\u2026"


def clock_at(now: list[float]) -> Callable[[], float]:
    return lambda: now[0]


def test_last_seen_places_expire_and_stay_bounded() -> None:
    now = [0.0]
    seen = LastSeen(MemoryStore(max_items=3, clock=clock_at(now)), channel="slack", ttl=10)
    for i, sender in enumerate("abcd"):
        seen.remember(sender, Place(channel_id=f"C{i}", user_id=sender))
    assert seen.recall("a") is None  # the oldest of four made room
    assert seen.recall("d") == {"channel_id": "C3", "user_id": "d"}
    now[0] = 9.9
    assert seen.recall("b") == {"channel_id": "C1", "user_id": "b"}
    now[0] = 10.0
    assert [seen.recall(sender) for sender in "abcd"] == [None] * 4


def test_last_seen_is_per_channel_in_a_shared_store() -> None:
    store = MemoryStore()
    LastSeen(store, channel="slack").remember("u", Place(channel_id="C1", thread_id="1.2", user_id="u"))
    assert LastSeen(store, channel="discord").recall("u") is None
    assert LastSeen(store, channel="slack").recall("u") == {"channel_id": "C1", "thread_id": "1.2", "user_id": "u"}


def test_deduplicator_says_first_time_once_per_ttl() -> None:
    now = [0.0]
    seen = Deduplicator(MemoryStore(max_items=100, clock=clock_at(now)), namespace="dedupe:test", ttl=60)
    assert seen.first_time("Ev1") is True
    assert seen.first_time("Ev1") is False
    assert seen.first_time("Ev2") is True
    now[0] = 61
    assert seen.first_time("Ev1") is True


def test_late_outputs_are_named_after_their_channel() -> None:
    late = late_output_class("discord")
    assert late.name() == "discord" and late_output_class("discord") is late
    assert late_output_class("slack").name() == "slack"


def test_media_file_for_maps_only_existing_media(tmp_path: Path) -> None:
    (tmp_path / "chart.png").write_bytes(b"png")
    assert media_file_for("http://localhost:5005/webhooks/webchat/media/chart.png", tmp_path) == tmp_path / "chart.png"
    assert media_file_for("https://bot.example/media/chart.png?v=2", tmp_path) == tmp_path / "chart.png"
    assert media_file_for("/media/chart.png", tmp_path) == tmp_path / "chart.png"
    assert media_file_for("http://x/webhooks/webchat/media/missing.png", tmp_path) is None
    assert media_file_for("http://x/webhooks/webchat/media/..%2F..%2Fetc%2Fpasswd", tmp_path) is None
    assert media_file_for("http://x/media/sub/chart.png", tmp_path) is None
    assert media_file_for("https://example.com/chart.png", tmp_path) is None


def test_media_file_for_follows_no_link_out_of_the_folder(tmp_path: Path) -> None:
    media, secret = tmp_path / "media", tmp_path / "secret.png"
    media.mkdir()
    secret.write_bytes(b"not yours")
    (media / "escape.png").symlink_to(secret)
    assert media_file_for("/media/escape.png", media) is None


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


def test_numbers_are_positive_and_bounded() -> None:
    assert number(None, name="n", unit="s", default=2.0) == 2.0
    assert number("", name="n", unit="s", default=2.0) == 2.0
    assert number("1.5", name="n", unit="s", default=2.0, maximum=5) == 1.5
    with pytest.raises(ValueError, match="^n must be a number of s, not 'x'$"):
        number("x", name="n", unit="s", default=2.0)
    with pytest.raises(ValueError, match="^n must be positive, not '0'$"):
        number("0", name="n", unit="s", default=2.0)
    with pytest.raises(ValueError, match="^n must be more than 0 and at most 5, not '6'$"):
        number("6", name="n", unit="s", default=2.0, maximum=5)


def test_sender_id_and_metadata_come_from_one_identity() -> None:
    assert sender_id_for("slack", "T1", "U1") == "slack:T1:U1"
    who = Identity(platform="slack", workspace="T1", user_id="U1", user_name="Ann", channel_id="C1")
    assert who.sender_id == "slack:T1:U1"
    base = {"platform": "slack", "workspace_id": "T1", "user_id": "U1", "user_name": "Ann", "channel_id": "C1"}
    assert who.metadata() == base  # a channel without files says nothing about attachments
    assert who.metadata(SavedFiles()) == {**base, "attachments": []}
    rejected = SavedFiles(rejected=[{"name": "big.bin", "size": 9, "reason": "too_large"}])
    assert who.metadata(rejected) == {**base, "attachments": [], "attachments_rejected": rejected.rejected}


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
    second = await inbox.save(folder, name="../a b.txt", content_type=None, chunks=_chunks(b"x"))
    third = await inbox.save(folder, name="..", content_type=None, chunks=_chunks(b"y"))
    # Paths are relative to the inbox: the metadata (kept in the tracker) names no server folder.
    assert first == {"name": "a b.txt", "path": f"{folder.name}/a b.txt", "size": 5, "content_type": "text/plain"}
    assert second == {"name": "a b (2).txt", "path": f"{folder.name}/a b (2).txt", "size": 1,
                      "content_type": "text/plain"}  # guessed from the name when the platform did not say
    assert third == {"name": "file", "path": f"{folder.name}/file", "size": 1,
                     "content_type": "application/octet-stream"}
    assert (folder / "a b.txt").read_bytes() == b"12345"
    assert inbox.new_folder("slack") != folder


async def test_inbox_refuses_more_than_the_limit(tmp_path: Path) -> None:
    inbox = Inbox(root=tmp_path, max_bytes=4)
    with pytest.raises(AttachmentTooLarge):
        await inbox.save(tmp_path / "f", name="big", content_type=None, chunks=_chunks(b"123", b"45"))
    assert not (tmp_path / "f").exists()


async def test_inbox_receives_what_it_can_and_says_why_not_the_rest(tmp_path: Path) -> None:
    inbox = Inbox(root=tmp_path / "inbox", max_bytes=4)

    def offer(name: str, size: int, *parts: bytes, fails: bool = False, gone: bool = False) -> OfferedFile:
        def fetch() -> AsyncIterator[bytes]:
            if fails:
                raise ConnectionResetError("network down")
            return _chunks(*parts)

        return OfferedFile(id=name, name=name, size=size, content_type=None, fetch=None if gone else fetch)

    files = await inbox.receive("slack", [
        offer("ok.csv", 3, b"a,b"), offer("declared.bin", 5), offer("lied.bin", 1, b"12", b"345"),
        offer("gone.pdf", 1, gone=True), offer("broken.txt", 1, fails=True),
    ], errors=(ConnectionError,))
    [saved] = files.saved
    assert saved["name"] == "ok.csv" and saved["content_type"] == "text/csv"
    assert (inbox.root / saved["path"]).read_bytes() == b"a,b"
    assert files.rejected == [
        {"name": "declared.bin", "size": 5, "reason": "too_large"},
        {"name": "lied.bin", "size": 1, "reason": "too_large"},
        {"name": "gone.pdf", "size": 1, "reason": "unavailable"},
        {"name": "broken.txt", "size": 1, "reason": "unavailable"},
    ]


def test_inbox_stores_whole_uploads_in_one_folder(tmp_path: Path) -> None:
    inbox = Inbox(root=tmp_path / "inbox")
    saved = inbox.store("web", [ReceivedFile("a.txt", b"1"), ReceivedFile("a.txt", b"2", "application/octet-stream")])
    assert [(s["name"], s["size"], s["content_type"]) for s in saved] == [
        ("a.txt", 1, "text/plain"), ("a (2).txt", 1, "text/plain")]
    assert len({Path(s["path"]).parent for s in saved}) == 1


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
