"""The contracts both processes share: the media URL form and the state store's in-memory default."""
from __future__ import annotations

from pathlib import Path

import pytest

from common.media import MEDIA_ROUTE, is_media_name, media_dir, media_name, media_url, name_of, shown_name
from common.store import MemoryStore


def test_media_urls_round_trip() -> None:
    name = media_name("../../charts/Cost now vs after.png", token="abc123")
    assert name == "abc123-Cost_now_vs_after.png" and is_media_name(name)
    assert media_url(name) == f"{MEDIA_ROUTE}{name}"
    assert name_of(media_url(name)) == name
    assert name_of(f"http://127.0.0.1:5005/webhooks/webchat{media_url(name)}") == name
    assert name_of("/media/../secrets.json") is None and name_of("/static/x.png") is None


def test_a_published_file_is_shown_under_its_own_name() -> None:
    name = media_name("reports/Q1 report.pdf")  # a random part in front keeps it unguessable and collision-free
    assert name != "Q1_report.pdf" and shown_name(name) == "Q1_report.pdf"
    assert shown_name(media_name("notes.txt")) == "notes.txt"
    assert shown_name("chart.png") == "chart.png"  # nothing random to take away
    assert shown_name("cost-chart.png") == "cost-chart.png"
    assert shown_name("0123456789abcdef-") == "0123456789abcdef-"  # never an empty name


def test_media_dir_is_read_from_one_variable() -> None:
    assert media_dir({}) == Path("./var/media")
    assert media_dir({"CLOUDBUTLER_MEDIA_DIR": "/srv/media"}) == Path("/srv/media")


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_values_expire_and_add_is_first_time_only() -> None:
    clock = Clock()
    store = MemoryStore(clock=clock)
    assert store.add("dedupe", "evt-1", True, ttl=10) is True
    assert store.add("dedupe", "evt-1", True, ttl=10) is False
    clock.now += 11
    assert store.get("dedupe", "evt-1") is None
    assert store.add("dedupe", "evt-1", True, ttl=10) is True
    store.put("seen", "u1", {"channel": "C1"})
    assert store.get("seen", "u1") == {"channel": "C1"} and store.get("other", "u1") is None
    store.delete("seen", "u1")
    assert store.get("seen", "u1") is None


@pytest.mark.parametrize("pushed, kept", [(1, [0]), (3, [0, 1, 2]), (5, [2, 3, 4])])
def test_lists_are_bounded_and_taken_whole(pushed: int, kept: list[int]) -> None:
    store = MemoryStore()
    for i in range(pushed):
        store.push("mailbox", "web:local:a", i, max_items=3)
    assert store.take("mailbox", "web:local:a") == kept
    assert store.take("mailbox", "web:local:a") == []


def test_each_namespace_is_bounded() -> None:
    store = MemoryStore(max_items=2)
    for key in ("a", "b", "c"):
        store.put("n", key, key)
    assert [store.get("n", k) for k in ("a", "b", "c")] == [None, "b", "c"]
