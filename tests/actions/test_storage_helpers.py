"""Pure helpers of the storage skills: dry-run wording, typed bucket-name answers, media names, folders, wording."""
from __future__ import annotations

from pathlib import Path

import pytest

from actions.aws.errors import AwsCallFailed, CloudButlerError
from actions.aws.paths import UnsafePath
from actions.aws.s3_names import InvalidBucketName, validate_bucket_name, validate_bucket_reference
from actions.core import errors
from actions.core.base import implemented_skills
from actions.core.parsing import bucket_name_from_answer, guess_bucket, guess_file, is_dry_run, s3_url_in, whole_word
from actions.skills.storage import wording as say
from actions.skills.storage.base import StoragePlaces


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


def test_places_from_env_and_defaults() -> None:
    assert StoragePlaces.from_env({}) == StoragePlaces(
        upload_dir=Path("./outbox"), download_dir=Path("./downloads"), inbox_dir=Path("./var/inbox"),
        media_dir=Path("./var/media"),
    )
    places = StoragePlaces.from_env({"CLOUDBUTLER_UPLOAD_DIR": "/srv/out", "CLOUDBUTLER_MEDIA_DIR": "/srv/media",
                                     "CLOUDBUTLER_INBOX_DIR": "/srv/inbox"})
    assert (places.upload_dir, places.media_dir, places.inbox_dir) == (
        Path("/srv/out"), Path("/srv/media"), Path("/srv/inbox"))


@pytest.mark.parametrize(
    "name,expected",
    [
        ("", "A bucket name can't be empty."),
        ("ab", "\"ab\" has 2 characters; bucket names must be 3-63 characters long."),
        ("Team-Reports", "\"Team-Reports\" has capital letters; bucket names must be lowercase (e.g. \"team-reports\")."),
        ("team reports", "\"team reports\" contains characters S3 doesn't allow; bucket names may only use lowercase "
                         "letters, numbers, dots (.) and hyphens (-) - no spaces or underscores."),
        ("team-", "\"team-\" must begin and end with a lowercase letter or a number."),
        ("a..b", "\"a..b\" has two dots in a row, which S3 doesn't allow."),
        ("10.0.0.1", "\"10.0.0.1\" looks like an IP address, which S3 doesn't allow as a bucket name."),
        ("sthree-x", "\"sthree-x\" starts with \"sthree-\", a prefix AWS reserves."),
        ("x-s3alias", "\"x-s3alias\" ends with \"-s3alias\", a suffix AWS reserves."),
    ],
)
def test_every_bucket_name_rule_has_words(name: str, expected: str) -> None:
    with pytest.raises(InvalidBucketName) as caught:
        validate_bucket_name(name)
    assert errors.error_text(caught.value) == f"{expected} {errors.BUCKET_NAME_HINT}"


@pytest.mark.parametrize(
    "name,expected",
    [
        ("", "A bucket name can't be empty."),
        ("ab", "\"ab\" has 2 characters; bucket names must be 3-255 characters long."),
        ("team@reports", "\"team@reports\" contains characters S3 doesn't allow; bucket names may only use lowercase "
                         "letters, numbers, dots (.) and hyphens (-) - no spaces or underscores."),
    ],
)
def test_a_name_no_existing_bucket_can_have_points_to_the_list(name: str, expected: str) -> None:
    with pytest.raises(InvalidBucketName) as caught:
        validate_bucket_reference(name)
    assert errors.error_text(caught.value) == f"{expected} {errors.BUCKET_REFERENCE_HINT}"


@pytest.mark.parametrize("reason", ["empty", "nul_byte", "absolute", "parent_reference", "empty_name",
                                    "symlink_escape", "no_free_name", "name_too_long"])
def test_every_unsafe_path_reason_has_words(reason: str) -> None:
    text = errors.error_text(UnsafePath(reason=reason, path="x/y"))
    assert text.endswith("Nothing was changed.") and "unsafe_path" not in text


@pytest.mark.parametrize(
    "error,start",
    [
        (AwsCallFailed("BucketAlreadyExists", bucket="taken"), "The name taken is already taken by another AWS account"),
        (AwsCallFailed("BucketAlreadyOwnedByYou", bucket="mine"), "You already own a bucket called mine"),
        (AwsCallFailed("BucketNotEmpty", bucket="b"), "b is not empty (something was added meanwhile)"),
        (AwsCallFailed("AccessDenied", bucket="new-b", region="us-east-1", rolled_back=True),
         "AWS denied access to s3://new-b/. Check that my IAM role or user allows this S3 action on it and that the "
         "bucket policy doesn't block it. I deleted the half-configured bucket again"),
        (AwsCallFailed("AccessDenied", bucket="new-b", region="us-east-1", rolled_back=False),
         "AWS denied access to s3://new-b/. Check that my IAM role or user allows this S3 action on it and that the "
         "bucket policy doesn't block it. The bucket exists but may be missing encryption"),
        (AwsCallFailed("TooManyBuckets", bucket="b"), "This account has reached its S3 bucket limit."),
        (AwsCallFailed("OperationAborted", bucket="b"), "Another change to b is in progress"),
        (AwsCallFailed("InvalidObjectState", bucket="b", key="k"), "s3://b/k is archived and must be restored first."),
        (CloudButlerError("local_file_exists", path="/d/a.txt", suggestion="a (1).txt"),
         "/d/a.txt already exists and I never overwrite local files."),
        (CloudButlerError("needs_restore", bucket="b", key="k", storage_class="GLACIER", restore_in_progress=True),
         "s3://b/k is archived in GLACIER and a restore is already in progress."),
        (CloudButlerError("invalid_object_key", rule="too_long", key="k...", bytes=2000, max=1024),
         "That object name is 2000 bytes long; S3 allows at most 1024."),
    ],
)
def test_storage_failures_are_explained(error: CloudButlerError, start: str) -> None:
    assert errors.error_text(error).startswith(start)


def test_storage_codes_without_details_fall_back_to_the_general_wording() -> None:
    assert errors.error_text(AwsCallFailed("NoSuchBucket")) == errors.GENERIC_AWS_ERROR.format(code="NoSuchBucket")
    assert errors.error_text(AwsCallFailed("NetworkError")) == errors.AWS_ERRORS["NetworkError"]


@pytest.mark.parametrize(
    "counts,text",
    [
        ({"objects": 1}, "1 object"),
        ({"objects": 1200}, "1,200 objects"),
        ({"objects": 3, "old_versions": 5, "markers": 2}, "3 objects, 5 older versions and 2 delete markers"),
        ({"objects": 0, "markers": 1}, "0 objects and 1 delete marker"),
        ({"objects": 10000, "exact": False}, "at least 10,000 objects"),
    ],
)
def test_contents(counts: dict[str, int], text: str) -> None:
    assert say.contents(**counts) == text  # type: ignore[arg-type]


def test_help_lists_the_storage_skills_in_order() -> None:
    import actions.skills.storage.buckets  # noqa: F401 - registers the skills
    import actions.skills.storage.objects  # noqa: F401
    import actions.skills.storage.transfers  # noqa: F401

    examples = [s.example for s in implemented_skills() if 20 <= s.order < 30]
    assert examples == [
        "list my S3 buckets",
        "create S3 bucket my-project-bucket",
        "delete bucket my-old-bucket",
        "list files in my-project-bucket",
        "upload report.pdf to my-project-bucket",
        "download report.xlsx from my-project-bucket",
        "delete report.pdf from my-project-bucket",
        "how big is my-project-bucket",
        "sync my outbox to bucket my-project-bucket",
    ]


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
