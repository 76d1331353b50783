"""What a message names, parsed: dry-run wording, typed bucket-name answers, buckets, files and s3:// URLs in free
text, whole words around what the extractor found."""
from __future__ import annotations

import pytest

from actions.aws.s3_names import InvalidBucketName
from actions.core.parsing import (
    BucketChoice,
    bucket_choice,
    bucket_name_from_answer,
    bucket_named,
    guess_bucket,
    guess_file,
    is_dry_run,
    is_reference,
    possessive_instance,
    refers_back,
    s3_url_in,
    target_entities,
    wants_known_buckets,
    whole_word,
)


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


# --- entities checked before use ------------------------------------------------------------------------------------
PATH = "videos/archive/product-tour-v1.mp4"


@pytest.mark.parametrize(
    ("text", "entity", "choice"),
    [
        (f"fetch {PATH} from media-library-prod", PATH, BucketChoice("media-library-prod")),  # a path is no bucket
        (f"fetch {PATH} from media-library-prod", "videos", BucketChoice("media-library-prod")),  # nor part of one
        (f"fetch {PATH} from media", PATH, BucketChoice(None, PATH, ("media", "fetch"))),  # plain words: ask the list
        ("get s3://acme-data/reports/q1.pdf", "acme-data/reports", BucketChoice("acme-data")),  # split at the first /
        ("get s3://acme-data/reports/q1.pdf", None, BucketChoice("acme-data")),
        ("how big is team-e2e-reports", "team-e2e", BucketChoice("team-e2e-reports")),  # made whole
        ("how big is it", "it", BucketChoice(None)),  # a word pointing back names nothing
        ("delete that bucket", "that", BucketChoice(None)),
        ("list files in Team_Old in team-new-1", "Team_Old", BucketChoice("team-new-1")),  # a valid name is preferred
        ("list_objects team@reports", "team@reports", BucketChoice(None, "team@reports", ())),
        ("delete bucket team reports", "team reports", BucketChoice(None, "team reports", ("delete",))),
        ("how big is media-library-prod", None, BucketChoice("media-library-prod")),
        ("how big is my bucket", None, BucketChoice(None)),
        # a file's name taken for the bucket yields to the bucket-like word after "to"
        ("upload big-502948.bin to trial-ctx-42", "big-502948.bin", BucketChoice("trial-ctx-42")),
        ("upload notes.txt to bucket logs.example.com", "logs.example.com", BucketChoice("logs.example.com")),
        ("list files in bucket data.v2 please", "data.v2", BucketChoice("data.v2")),
    ],
)
def test_bucket_choice(text: str, entity: str | None, choice: BucketChoice) -> None:
    assert bucket_choice(text, entity) == choice
    assert wants_known_buckets(text, entity) == bool(choice.maybe)


def test_bucket_named_asks_for_known_buckets_only_when_the_words_settle_nothing() -> None:
    asked: list[int] = []

    def known(names: set[str]) -> object:
        def names_of() -> set[str]:
            asked.append(1)
            return names
        return names_of

    assert bucket_named(f"fetch {PATH} from media-library-prod", PATH, known({"media"})) == "media-library-prod"
    assert asked == []
    assert bucket_named(f"fetch {PATH} from media", PATH, known({"media", "other"})) == "media"
    assert bucket_named(f"fetch {PATH} from media", PATH, known({"other"})) is None  # the skill asks which bucket
    assert bucket_named(f"fetch {PATH} from media", PATH) is None
    assert len(asked) == 2
    # An older bucket may break today's rules: still usable when it is what the words name.
    assert bucket_named("list files in My_Old_Bucket", "My_Old_Bucket", known({"reports"})) == "My_Old_Bucket"
    with pytest.raises(InvalidBucketName) as caught:
        bucket_named("list_objects team@reports", "team@reports", known(set()))
    assert caught.value.rule == "characters"
    assert bucket_named("how big is it", "it") is None


@pytest.mark.parametrize(
    ("text", "refers"),
    [("how big is it?", True), ("actually delete it", True), ("delete that bucket", True), ("this one", True),
     ("download the file", True), ("is it restored yet?", True), ("list my buckets", False),
     ("how big is media-library-prod", False), ("itinerary.pdf", False)],
)
def test_refers_back(text: str, refers: bool) -> None:
    assert refers_back(text) is refers


def test_is_reference() -> None:
    assert is_reference("it") and is_reference("that one") and is_reference("This")
    assert not is_reference("reports") and not is_reference(None) and not is_reference("")


def e(entity: str, value: str) -> dict[str, str]:
    return {"entity": entity, "value": value}


@pytest.mark.parametrize(
    ("text", "entities", "kind", "expected"),
    [
        ("same for backups-archive", [], "bucket", [e("bucket", "backups-archive")]),
        ("same for backups-archive", [e("bucket", "backups-archive")], "bucket", [e("bucket", "backups-archive")]),
        ("what about acme-invoices", [e("instance", "acme-invoices")], "bucket",
         [e("instance", "acme-invoices"), e("bucket", "acme-invoices")]),
        ("and web-2?", [], "instance", [e("instance", "web-2")]),
        ("and web-2?", [e("bucket", "web-2")], "instance", [e("bucket", "web-2"), e("instance", "web-2")]),
        ("same for s3://acme-data/", [], "bucket", []),  # the skill takes the URL apart itself
        ("same for notes.txt", [], "file", [e("file", "notes.txt")]),
        ("same for it", [e("bucket", "it")], "bucket", None),
        ("same for that", [], "bucket", None),
        ("same for notes.txt", [], "bucket", None),  # a file is not a bucket
    ],
)
def test_target_entities(text: str, entities: list[dict[str, str]], kind: str,
                         expected: list[dict[str, str]] | None) -> None:
    assert target_entities(text, entities, kind) == expected


@pytest.mark.parametrize("text, name", [
    ("what will batch-1's cpu look like tomorrow?", "batch-1"),
    ("is web-2\u2019s load ok", "web-2"),
    ("forecast i-0abc12345678def0's cpu", "i-0abc12345678def0"),
    ("how big is media-library-prod's biggest folder", None),  # a bucket-like name is not an instance
    ("backups-2024's size", None),  # a year is not an instance number
    ("what's the weather", None),
    ("let's go", None),
])
def test_an_instance_named_in_the_possessive(text: str, name: str | None) -> None:
    assert possessive_instance(text) == name
