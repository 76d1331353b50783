"""Path safety."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from actions.aws.paths import UnsafePath, fit_name, resolve_inside, unique_target


@pytest.fixture
def base(tmp_path: Path) -> Path:
    inside = tmp_path / "base"
    inside.mkdir()
    return inside


@pytest.mark.parametrize(
    ("user_path", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("a\x00b", "nul_byte"),
        ("/etc/passwd", "absolute"),
        ("..", "parent_reference"),
        ("../outside.txt", "parent_reference"),
        ("a/../../outside.txt", "parent_reference"),
        ("a/../b.txt", "parent_reference"),  # even when it would stay inside
        (".", "empty_name"),
        ("folder/", "empty_name"),
        ("folder/.", "empty_name"),
    ],
)
def test_refuses(base: Path, user_path: str, reason: str) -> None:
    with pytest.raises(UnsafePath) as caught:
        resolve_inside(base, user_path)
    assert caught.value.code == "unsafe_path"
    assert caught.value.reason == reason
    assert "\x00" not in caught.value.path


@pytest.mark.parametrize(
    "user_path", ["report.pdf", "a/b/c.txt", "./x.txt", "a//b.txt", "name with spaces.txt", "~/x", "~$report.docx"]
)
def test_valid_paths_stay_inside(base: Path, user_path: str) -> None:
    resolved = resolve_inside(base, user_path)
    assert resolved == (base.resolve() / user_path).resolve()
    assert resolved.is_relative_to(base.resolve())


def test_symlinked_file_pointing_outside_is_refused(base: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("s")
    (base / "innocent.txt").symlink_to(secret)
    with pytest.raises(UnsafePath) as caught:
        resolve_inside(base, "innocent.txt")
    assert caught.value.reason == "symlink_escape"


def test_symlinked_parent_pointing_outside_is_refused(base: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (base / "docs").symlink_to(outside)
    # The target does not exist yet (a download): the parent link alone must be caught.
    with pytest.raises(UnsafePath) as caught:
        resolve_inside(base, "docs/new.txt")
    assert caught.value.reason == "symlink_escape"


def test_dangling_symlink_outside_is_refused(base: Path, tmp_path: Path) -> None:
    (base / "later.txt").symlink_to(tmp_path / "not-yet.txt")
    with pytest.raises(UnsafePath):
        resolve_inside(base, "later.txt")


def test_symlink_to_base_itself_is_refused(base: Path) -> None:
    (base / "self").symlink_to(base)
    with pytest.raises(UnsafePath):
        resolve_inside(base, "self")


def test_symlink_that_stays_inside_is_allowed(base: Path) -> None:
    (base / "real").mkdir()
    (base / "real" / "f.txt").write_text("x")
    (base / "alias").symlink_to(base / "real")
    assert resolve_inside(base, "alias/f.txt") == (base / "real" / "f.txt").resolve()


def test_base_given_through_a_symlink_still_works(tmp_path: Path, base: Path) -> None:
    link = tmp_path / "base-link"
    link.symlink_to(base)
    assert resolve_inside(link, "a.txt") == base.resolve() / "a.txt"


@pytest.mark.parametrize(
    "user_path",
    ["a" * 256 + ".txt", "reports/" + "b" * 300 + "/q1.pdf", "\u00e9" * 128 + ".txt"],  # 128 x 2 bytes + 4
    ids=["ascii", "a_folder", "two_byte_characters"],
)
def test_a_name_over_255_bytes_is_refused_before_the_file_system_sees_it(base: Path, user_path: str) -> None:
    with pytest.raises(UnsafePath) as caught:
        resolve_inside(base, user_path)
    assert caught.value.reason == "name_too_long"
    assert len(caught.value.path) <= 80  # shown shortened in the reply


def test_a_name_of_255_bytes_is_fine(base: Path) -> None:
    name = "c" * 251 + ".txt"
    assert resolve_inside(base, name) == base.resolve() / name
    assert resolve_inside(base, "\u00e9" * 125 + "12345") == base.resolve() / ("\u00e9" * 125 + "12345")


def test_fit_name_cuts_whole_characters() -> None:
    assert fit_name("\u00e9" * 200, " (1).txt") == "\u00e9" * 123 + " (1).txt"  # 246 + 8 bytes; one more is 256
    assert fit_name("abc", ".txt") == "abc.txt"
    assert fit_name("x" * 300, limit=10) == "x" * 10
    assert fit_name("x", "y" * 20, limit=10) == "y" * 20  # the tail is never cut


def test_unique_target_shortens_a_long_name_to_fit(base: Path) -> None:
    name = "d" * 250 + ".pdf"
    (base / name).write_bytes(b"taken")
    free = unique_target(base, name)
    assert len(free.name.encode()) <= 255 and free.name.endswith(" (1).pdf") and free.name.startswith("d" * 200)
    free.write_bytes(b"also taken")
    second = unique_target(base, name)
    assert second.name.endswith(" (2).pdf") and len(second.name.encode()) <= 255


def test_unique_target_free_name(base: Path) -> None:
    assert unique_target(base, "report.pdf") == base.resolve() / "report.pdf"


def test_unique_target_numbers_taken_names(base: Path) -> None:
    (base / "report.pdf").write_text("1")
    (base / "report (1).pdf").write_text("2")
    assert unique_target(base, "report.pdf").name == "report (2).pdf"


def test_unique_target_keeps_double_suffix_and_counts_dangling_links(base: Path, tmp_path: Path) -> None:
    (base / "data.tar.gz").write_text("1")
    os.symlink(tmp_path / "nowhere", base / "data (1).tar.gz")  # dangling, but the name is taken
    assert unique_target(base, "data.tar.gz").name == "data (2).tar.gz"


def test_unique_target_without_suffix_and_hidden_file(base: Path) -> None:
    (base / "README").write_text("1")
    (base / ".env").write_text("1")
    assert unique_target(base, "README").name == "README (1)"
    assert unique_target(base, ".env").name == ".env (1)"


def test_unique_target_checks_the_name(base: Path) -> None:
    with pytest.raises(UnsafePath):
        unique_target(base, "../x")
