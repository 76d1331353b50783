"""What a message names, parsed: dry-run wording, typed bucket-name answers, buckets, files and s3:// URLs in free
text, whole words around what the extractor found."""
from __future__ import annotations

import pytest

from actions.core.parsing import bucket_name_from_answer, guess_bucket, guess_file, is_dry_run, s3_url_in, whole_word


@pytest.mark.parametrize(
    "text",
    [
        "what would sync do for my-project-bucket",
        "What would sync do if i synced to logs-2023-q4?",
        "dry run sync to acme-invoices",
        "dry-run: sync outbox with b",
        "do a dryrun of the sync to b",
        "preview a sync to b",
        "simulate syncing my outbox to b",
        "sync to b without actually uploading",
        "just show me what sync to b would upload",
        "what will sync upload to b",
    ],
)
def test_dry_run_wording(text: str) -> None:
    assert is_dry_run(text) is True


@pytest.mark.parametrize(
    "text",
    [
        "sync my outbox to bucket my-project-bucket",
        "sync to b",
        "push all new files to b",
        "sync to b, not a dry run",
        "no dry run, sync to b",
        "sync my outbox to bucket b for real",
        "upload changed files to b",
        "",
    ],
)
def test_real_sync_wording(text: str) -> None:
    assert is_dry_run(text) is False


@pytest.mark.parametrize(
    "answer,name",
    [
        ("team-reports", "team-reports"),
        ("  team-reports  ", "team-reports"),
        ("call it team-reports", "team-reports"),
        ("Call it \"team-reports\".", "team-reports"),
        ("name it `x-y-z`", "x-y-z"),
        ("the name is reports.2025", "reports.2025"),
        ("it's acme-data!", "acme-data"),
        ("please use my-bucket", "my-bucket"),
        ("how about logs-eu?", "logs-eu"),
        ("s3://team-reports/", "team-reports"),
        ("'quoted'", "quoted"),
        ("My_Bucket", "My_Bucket"),  # kept as typed so validation can name the broken rule
        ("list my buckets", "list my buckets"),
    ],
)
def test_bucket_name_from_answer(answer: str, name: str) -> None:
    assert bucket_name_from_answer(answer) == name


@pytest.mark.parametrize(
    "text,bucket",
    [
        ("create S3 bucket quarterly-exports-e2e", "quarterly-exports-e2e"),
        ("upload summary.csv to team-reports-e2e", "team-reports-e2e"),
        ("what would sync do for sync-target-e2e?", "sync-target-e2e"),
        ("list files in bucket logs.2024", "logs.2024"),
        ("destroy old-stuff-1 bucket", "old-stuff-1"),
        ("download notes.txt from the s3 bucket team-a1", "team-a1"),
        ("how big is media-library-prod", "media-library-prod"),
        ("get s3://acme-data/reports/q1.pdf", "acme-data"),
        ("put \"report.pdf\" into 'my-bucket-2'.", "my-bucket-2"),
        ("bucket usage", None),  # plain words are never guessed
        ("create bucket please", None),
        ("upload report.pdf", None),
        ("send it to me", None),
        ("copy a.txt to my.website.com", None),  # looks like a file name: left to the extractor
        ("", None),
    ],
)
def test_guess_bucket(text: str, bucket: str | None) -> None:
    assert guess_bucket(text) == bucket


@pytest.mark.parametrize(
    "text,file",
    [
        ("upload summary.csv to team-reports-e2e", "summary.csv"),
        ("download reports/2024/q1.pdf from b-1", "reports/2024/q1.pdf"),
        ("get s3://acme-data/reports/q1.pdf", "reports/q1.pdf"),
        ("delete the file notes from b-1", "notes"),
        ("delete object archive from b-1", "archive"),
        ("delete \"notes.txt\".", "notes.txt"),
        ("upload report.pdf to s3://b-1/", "report.pdf"),  # a URL without a key names no file
        ("upload report.pdf to s3://b-1", "report.pdf"),
        ("download a file", None),
        ("delete file from b-1", None),
        ("", None),
    ],
)
def test_guess_file(text: str, file: str | None) -> None:
    assert guess_file(text) == file


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("download s3://acme-data/reports/q1.pdf", ("acme-data", "reports/q1.pdf")),
        ("list S3://acme-data/reports/", ("acme-data", "reports/")),
        ("how big is s3://acme-data", ("acme-data", "")),
        ("how big is s3://acme-data/?", ("acme-data", "")),
        ("get s3://acme-data/a.txt.", ("acme-data", "a.txt")),
        ("get (s3://acme-data/a.txt)", ("acme-data", "a.txt")),
        ("download 's3://acme-data/my report.pdf' please", ("acme-data", "my report.pdf")),
        ("download \u201cs3://acme-data/q 1.pdf\u201d", ("acme-data", "q 1.pdf")),
        ("copy s3://a-1/x to s3://b-2/y", ("a-1", "x")),  # the first one
        ("s3://", None),
        ("s3:///key", None),
        ("no url here, just s3 talk", None),
        ("", None),
    ],
)
def test_s3_url_in(text: str, url: tuple[str, str] | None) -> None:
    assert s3_url_in(text) == url


@pytest.mark.parametrize(
    "text,value,whole",
    [
        ("create bucket team-e2e-reports", "team-e2e", "team-e2e-reports"),
        ("upload logs/app.log to logs", "logs", "logs"),  # a word of its own stays as it is
        ("download report.pdf from b-1", "report", "report.pdf"),
        ("create bucket My_Team-x", "Team-x", "Team-x"),  # the longer word is no valid bucket name
        ("anything", None, None),
    ],
)
def test_whole_word(text: str, value: str | None, whole: str | None) -> None:
    from actions.aws.s3_names import is_valid_bucket_name

    valid = is_valid_bucket_name if value != "report" else bool
    assert whole_word(text, value, valid) == whole
