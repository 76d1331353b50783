"""Which replies count as failures: every AWS and S3 reply of the error registry, the generic and the unexpected one,
as the database's LIKE reads them; answers and the reasons a name is not valid do not."""
from __future__ import annotations

import sqlite3

import pytest

from actions.analytics.failures import LIKE_ESCAPE, failure_patterns, fingerprint, like_pattern
from actions.aws.errors import CloudButlerError
from actions.core import errors, wording


def failing(text: str, patterns: tuple[str, ...]) -> bool:
    database = sqlite3.connect(":memory:")
    try:
        return any(database.execute("SELECT ? LIKE ? ESCAPE ?", (text, p, LIKE_ESCAPE)).fetchone()[0]
                   for p in patterns)
    finally:
        database.close()


@pytest.mark.parametrize(("code", "details"), [
    ("NoSuchBucket", {"bucket": "old-logs"}),
    ("NoSuchKey", {"bucket": "old-logs", "key": "a/b.pdf"}),
    ("AccessDenied", {"bucket": "old-logs", "key": "a/b.pdf"}),
    ("AccessDenied", {"bucket": "new-logs", "rolled_back": True}),
    ("Throttling", {}),
    ("Throttling", {"bucket": "old-logs"}),
    ("NetworkError", {"bucket": "old-logs"}),
    ("NoCredentials", {}),
    ("OperationAborted", {"bucket": "old-logs"}),
    ("InvalidBucketName", {"bucket": "Old_Logs"}),
    ("SomethingNobodyRegistered", {}),
])
def test_each_failure_reply_is_recognised(code: str, details: dict[str, object]) -> None:
    text = errors.error_text(CloudButlerError(code, **details))
    assert failing(text, failure_patterns()), text


@pytest.mark.parametrize("text", [
    wording.UNEXPECTED,
    "AWS refused that request (InvalidArgument). Nothing was changed.",
])
def test_the_generic_replies_are_failures(text: str) -> None:
    assert failing(text, failure_patterns())


@pytest.mark.parametrize("text", [
    "You have 3 buckets: old-logs, new-logs and backups.",
    "Sorry, I didn't quite get that. Here is what I can do right now:",
    "\"Old_Logs\" has capital letters; bucket names must be lowercase (e.g. \"old_logs\"). Please choose another name.",
    "There is nothing waiting for your confirmation right now.",
    "",
])
def test_answers_are_no_failures(text: str) -> None:
    assert not failing(text, failure_patterns())


def test_wildcards_in_the_wording_are_literal() -> None:
    pattern = like_pattern("100% of my_bucket\x00 is gone")
    assert pattern == "100\\% of my\\_bucket% is gone%"
    assert failing("100% of my_bucket old-logs is gone", (pattern,))
    assert not failing("1000 of myXbucket old-logs is gone", (pattern,))


def test_a_skill_areas_own_patterns_join_and_change_the_fingerprint() -> None:
    extra = "The instance % is not running.%"
    assert extra in failure_patterns([extra])
    assert failing("The instance web-2 is not running.", failure_patterns([extra]))
    assert fingerprint(failure_patterns([extra])) != fingerprint(failure_patterns())
    assert "x%" not in failure_patterns(["x%"])  # too short to tell a failure from an answer
