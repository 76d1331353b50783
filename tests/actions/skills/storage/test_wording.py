"""The storage skills' words: every bucket-name rule and storage failure in plain words, bucket contents, the
help list; and the folders they work in."""
from __future__ import annotations

from pathlib import Path

import pytest

from actions.aws.errors import AwsCallFailed, CloudButlerError
from actions.aws.paths import UnsafePath
from actions.aws.s3_names import InvalidBucketName, validate_bucket_name, validate_bucket_reference
from actions.core import errors
from actions.core.base import implemented_skills
from actions.skills.storage import wording as say
from actions.skills.storage.base import StoragePlaces


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
    import actions.skills.storage.sync  # noqa: F401
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
