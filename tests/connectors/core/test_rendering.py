"""What every renderer shares: the text beside a table, progress as words and as a bar, links in place of their
urls, and the destructive style of a button."""
from __future__ import annotations

import pytest

from connectors.core.output import (
    buttons_of,
    is_danger,
    links_of,
    progress_bar,
    progress_label,
    progress_of,
    text_around_table,
    text_beside_table,
    with_links,
)
from connectors.vocabulary import Link, ProgressBlock, TableBlock

SKILLS: TableBlock = {"columns": ["Skill", "Try"], "rows": [["List your S3 buckets", "list my S3 buckets"],
                                                           ["Server status", "Tell me about my server!"]]}
FALLBACK = (
    "Sorry, I didn't quite get that. Here is what I can do right now:\n"
    "- List your S3 buckets - e.g. \"list my S3 buckets\"\n"
    "- Server status - e.g. \"Tell me about my server!\"\n"
    "Type a request in your own words, e.g. \"list my S3 buckets\"."
)


def test_the_text_around_a_table_keeps_what_the_table_does_not_say_on_its_side() -> None:
    assert text_around_table(FALLBACK, SKILLS) == (
        "Sorry, I didn't quite get that. Here is what I can do right now:",
        "Type a request in your own words, e.g. \"list my S3 buckets\".",
    )
    assert text_around_table("No table lines here.\nReally.", SKILLS) == ("No table lines here.\nReally.", "")
    assert text_beside_table(FALLBACK, SKILLS) == (
        "Sorry, I didn't quite get that. Here is what I can do right now:\n"
        "Type a request in your own words, e.g. \"list my S3 buckets\"."
    )


def test_the_title_and_totals_lines_go_and_a_line_missing_one_cell_stays() -> None:
    usage: TableBlock = {"title": "Usage of logs", "columns": ["Class", "Objects", "Size"],
                         "rows": [["STANDARD", "3", "1.2 GB"], ["GLACIER", "-", "0 B"]],
                         "totals": ["Total", "3", "1.2 GB"]}
    text = "Usage of logs:\n- STANDARD: 1.2 GB in 3 objects\n- GLACIER: 0 B\nTotal: 1.2 GB in 3 objects\n" \
           "STANDARD is the default class.\nSource: a listing"
    assert text_beside_table(text, usage) == "STANDARD is the default class.\nSource: a listing"


def test_a_line_with_a_remark_of_its_own_stays() -> None:
    usage: TableBlock = {"columns": ["Class", "Objects", "Size"], "rows": [["STANDARD", "3", "1.2 GB"]]}
    text = "- STANDARD: 1.2 GB in 3 objects\n- STANDARD: 1.2 GB in 3 objects, of which 2 are older versions"
    assert text_around_table(text, usage) == ("", "- STANDARD: 1.2 GB in 3 objects, of which 2 are older versions")
    costs: TableBlock = {"columns": ["Class", "Objects", "Size", "Now", "After"],
                         "rows": [["STANDARD", "1,204", "1.2 GB", "$0.29", "$0.08"]]}
    assert text_around_table("- STANDARD: 1,204 objects (1.2 GB), $0.29 now, $0.08 after", costs) == ("", "")


def test_a_text_that_is_all_table_leaves_nothing() -> None:
    assert text_beside_table("- List your S3 buckets: list my S3 buckets", SKILLS) == ""


@pytest.mark.parametrize(("progress", "label", "bar"), [
    ({"done": 4, "total": 10, "unit": "files"}, "4 of 10 files", "▓▓▓▓░░░░░░ 4/10 files"),
    ({"done": 10, "total": 10, "unit": "files"}, "10 of 10 files", "▓▓▓▓▓▓▓▓▓▓ 10/10 files"),
    ({"done": 0, "total": 3, "unit": "objects"}, "0 of 3 objects", "░░░░░░░░░░ 0/3 objects"),
    ({"done": 1234, "total": 0, "unit": "objects"}, "1,234 objects", "1,234 objects"),
    ({"done": 1536, "total": 10 * 1024 * 1024, "unit": "bytes"}, "1.5 KB of 10.0 MB", "░░░░░░░░░░ 1.5 KB/10.0 MB"),
    ({"done": 12, "total": 10, "unit": "files"}, "12 of 10 files", "▓▓▓▓▓▓▓▓▓▓ 12/10 files"),
])
def test_progress_as_words_and_as_a_bar(progress: ProgressBlock, label: str, bar: str) -> None:
    assert progress_label(progress) == label and progress_bar(progress) == bar


@pytest.mark.parametrize("block", [None, "3/10", {"done": "3", "total": 10, "unit": "files"},
                                   {"done": -1, "total": 10, "unit": "files"}, {"done": True, "total": 1, "unit": "x"},
                                   {"done": 1, "total": 2}])
def test_progress_that_is_not_whole_numbers_is_ignored(block: object) -> None:
    assert progress_of({"custom": {"progress": block}}) is None


def test_progress_without_a_total_is_read_as_unknown() -> None:
    assert progress_of({"custom": {"progress": {"done": 3, "unit": "objects"}}}) == {
        "done": 3, "total": 0, "unit": "objects"}


URL = "https://bucket.s3.amazonaws.com/report.pdf?X-Amz-Signature=abc&X-Amz-Expires=3600"


def test_only_http_links_with_a_label_are_kept() -> None:
    custom = {"links": [
        {"url": URL, "label": "Download  (expires in 1 h)"},
        {"url": "javascript:alert(1)", "label": "x"},
        {"url": "https://x.example/a b", "label": "spaces"},
        {"url": "https://x.example/<script>", "label": "markup"},
        {"url": "https://x.example/", "label": "  "},
        "https://x.example/",
    ]}
    assert links_of({"custom": custom}) == [{"url": URL, "label": "Download (expires in 1 h)"}]
    assert links_of({"custom": {"links": "nope"}}) == [] and links_of({}) == []


def test_each_url_is_replaced_by_its_link_and_the_rest_escaped() -> None:
    links = [Link(url=URL, label="Download (expires in 1 h)")]
    text = f"Saved report.pdf <1 MB>. Link: {URL} - again {URL}"
    shown = with_links(text, links, link=lambda link: f"<{link['url']}|{link['label']}>",
                       plain=lambda part: part.replace("<", "&lt;").replace(">", "&gt;"))
    assert shown == (f"Saved report.pdf &lt;1 MB&gt;. Link: <{URL}|Download (expires in 1 h)> - again "
                     f"<{URL}|Download (expires in 1 h)>")


def test_a_link_the_text_does_not_hold_follows_it() -> None:
    links = [Link(url="https://a.example/x", label="A"), Link(url="https://a.example/x2", label="B")]
    shown = with_links("see https://a.example/x2", links, link=lambda link: f"[{link['label']}]", plain=str)
    assert shown == "see [B]\n[A]"


def test_buttons_keep_only_the_danger_style() -> None:
    buttons = buttons_of({"buttons": [{"title": "Delete", "payload": "/affirm", "style": "danger"},
                                      {"title": "Go", "payload": "/go", "style": "<b>"},
                                      {"title": "No", "payload": "/deny"}]})
    assert buttons == [{"title": "Delete", "payload": "/affirm", "style": "danger"},
                       {"title": "Go", "payload": "/go"}, {"title": "No", "payload": "/deny"}]
    assert [is_danger(b) for b in buttons] == [True, False, False]
