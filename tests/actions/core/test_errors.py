"""The one registry of failure replies: every skill area registers its codes once, a reply whose details are missing
gives way to the next, and an unknown code gets a sentence naming it."""
from __future__ import annotations

import pytest

from actions.aws.errors import AwsCallFailed, CloudButlerError
from actions.core import errors
from actions.skills import load_all


def test_every_area_registers_its_replies_once() -> None:
    load_all()  # imports every skill area: a code registered twice would raise here
    for code in ("NoSuchBucket", "object_exists", "bucket_too_large", "unknown_instance", "unsafe_path"):
        assert errors.error_text(CloudButlerError(code, bucket="b", key="k", size=1, objects_seen=2, name="x",
                                                  known="y", reason="empty", path="p")) != (
            errors.GENERIC_AWS_ERROR.format(code=code)
        ), code


def test_a_code_has_one_owner() -> None:
    with pytest.raises(ValueError, match="NoSuchBucket"):
        errors.register({"NoSuchBucket": "again"})


def test_a_reply_without_its_details_gives_way_to_the_general_one() -> None:
    assert errors.error_text(AwsCallFailed("AccessDenied", bucket="b")) == (
        "AWS denied access to s3://b/. Check that my IAM role or user allows this S3 action on it and that the bucket "
        "policy doesn't block it."
    )
    assert errors.error_text(AwsCallFailed("AccessDenied")) == errors.AWS_ERRORS["AccessDenied"]


def test_an_unknown_code_is_named_never_traced() -> None:
    assert errors.error_text(AwsCallFailed("SomethingNew", bucket="b")) == (
        "AWS refused that request (SomethingNew). Nothing was changed."
    )
