"""Publishing a file into the chat: one URL form (``/media/<name>``), a random safe name, nothing ever replaced."""
from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest

from actions.core.media import publish
from common.media import media_name, name_of


@pytest.mark.parametrize(
    "original,expected",
    [
        ("report.pdf", "abc123-report.pdf"),
        ("reports/2024/q1.pdf", "abc123-q1.pdf"),
        ("my file (1).txt", "abc123-my_file_1_.txt"),
        ("..hidden..tar..gz", "abc123-hidden.tar.gz"),
        ("日本.txt", "abc123-txt"),
        ("", "abc123-file"),
        ("a" * 300, "abc123-" + "a" * 121),
    ],
)
def test_media_name_is_safe_for_the_media_route(original: str, expected: str) -> None:
    name = media_name(original, token="abc123")
    assert name == expected
    assert len(name) <= 128 and ".." not in name and "/" not in name


def test_media_names_are_random_without_a_token() -> None:
    first, second = media_name("a.txt"), media_name("a.txt")
    assert first != second and first.endswith("-a.txt")


def test_publish_copies_a_file_and_writes_bytes_under_the_one_url_form(tmp_path: Path) -> None:
    source = tmp_path / "q1 report.pdf"
    source.write_bytes(b"%PDF q1")
    folder = tmp_path / "media"
    url = publish(source, source.name, folder=folder)
    assert re.fullmatch(r"/media/[0-9a-f]{16}-q1_report\.pdf", url)
    published = folder / str(name_of(url))
    assert published.read_bytes() == b"%PDF q1"
    assert stat.S_IMODE(published.stat().st_mode) == 0o644
    chart = publish(b"\x89PNG", "cost-b.png", folder=folder)
    assert chart.endswith("-cost-b.png") and (folder / str(name_of(chart))).read_bytes() == b"\x89PNG"
    assert sorted(p.name for p in folder.iterdir()) == sorted([published.name, str(name_of(chart))])


def test_publish_goes_to_the_media_folder_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLOUDBUTLER_MEDIA_DIR", str(tmp_path / "m"))
    url = publish(b"x", "x.txt")
    assert (tmp_path / "m" / str(name_of(url))).read_bytes() == b"x"
