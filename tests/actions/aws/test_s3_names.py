"""Every S3 general-purpose bucket naming rule, and object key limits."""

from __future__ import annotations

import pytest

from actions.aws.errors import CloudButlerError
from actions.aws.s3_names import (
    InvalidBucketName,
    InvalidObjectKey,
    is_valid_bucket_name,
    validate_bucket_name,
    validate_bucket_reference,
    validate_object_key,
)


@pytest.mark.parametrize(
    "name",
    ["abc", "my-project-bucket", "Legacy_Bucket", "UPPER.case_and-more", "-odd-", "a..b", "10.0.0.1", "x" * 255,
     "xn--reserved-today", "data-s3alias"],
)
def test_references_accept_every_name_a_bucket_may_have_had(name: str) -> None:
    """Old us-east-1 buckets (before March 2018) may have capitals, underscores and up to 255 characters; access
    point aliases end in -s3alias. Only today's rules for new names forbid them."""
    validate_bucket_reference(name)


@pytest.mark.parametrize(
    ("name", "rule"),
    [("", "empty"), ("ab", "length"), ("x" * 256, "length"), ("team reports", "characters"),
     ("team@reports", "characters"), ("s3://b", "characters"), ("b/k", "characters"), ("caf\u00e9", "characters"),
     ("arn:aws:s3:::b", "characters")],
)
def test_references_refuse_names_no_bucket_can_have(name: str, rule: str) -> None:
    with pytest.raises(InvalidBucketName) as caught:
        validate_bucket_reference(name)
    assert caught.value.rule == rule
    assert caught.value.details["existing"] is True


@pytest.mark.parametrize(
    "name",
    [
        "abc",
        "a" * 63,
        "my-project-bucket",
        "logs.example.com",
        "2024-reports",
        "123",
        "a.b-c.d",
        "bucket-with-xn--inside",  # reserved prefixes only count at the start
        "s3alias-at-start",  # reserved suffixes only count at the end
        "my-mrap-bucket",
        "10.0.0.1a",  # has a letter, so not an IP address
        "1.2.3",  # three parts are not a dotted quad
        "x-s3-bucket",
    ],
)
def test_valid_names_pass(name: str) -> None:
    validate_bucket_name(name)
    assert is_valid_bucket_name(name)


@pytest.mark.parametrize(
    ("name", "rule", "extra"),
    [
        ("", "empty", {}),
        ("ab", "length", {"min": 3, "max": 63}),
        ("a" * 64, "length", {"min": 3, "max": 63}),
        ("My-Bucket", "uppercase", {}),
        ("my_bucket", "characters", {}),
        ("my bucket", "characters", {}),
        ("bücket", "characters", {}),
        ("My_Bucket", "characters", {}),
        ("-bucket", "start_end", {}),
        ("bucket-", "start_end", {}),
        (".bucket", "start_end", {}),
        ("bucket.", "start_end", {}),
        ("my..bucket", "adjacent_periods", {}),
        ("192.168.5.4", "ip_address", {}),
        ("999.999.999.999", "ip_address", {}),
        ("xn--bucket", "reserved_prefix", {"prefix": "xn--"}),
        ("sthree-bucket", "reserved_prefix", {"prefix": "sthree-"}),
        ("sthree-configurator", "reserved_prefix", {"prefix": "sthree-"}),
        ("amzn-s3-demo-bucket", "reserved_prefix", {"prefix": "amzn-s3-demo-"}),
        ("bucket-s3alias", "reserved_suffix", {"suffix": "-s3alias"}),
        ("bucket--ol-s3", "reserved_suffix", {"suffix": "--ol-s3"}),
        ("bucket.mrap", "reserved_suffix", {"suffix": ".mrap"}),
        ("bucket--x-s3", "reserved_suffix", {"suffix": "--x-s3"}),
        ("bucket--table-s3", "reserved_suffix", {"suffix": "--table-s3"}),
    ],
)
def test_each_rule_has_its_id(name: str, rule: str, extra: dict[str, object]) -> None:
    with pytest.raises(InvalidBucketName) as caught:
        validate_bucket_name(name)
    error = caught.value
    assert isinstance(error, CloudButlerError)
    assert error.code == "invalid_bucket_name"
    assert error.rule == rule
    assert error.name == name
    assert error.details == {"rule": rule, "name": name, **extra}
    assert not is_valid_bucket_name(name)


def test_length_is_checked_before_characters() -> None:
    # "A" alone breaks both; the length hint comes first because it is the one to fix first.
    with pytest.raises(InvalidBucketName) as caught:
        validate_bucket_name("A")
    assert caught.value.rule == "length"


@pytest.mark.parametrize("key", ["a", "reports/2024/q1.pdf", "ü" * 512, "x" * 1024, " spaced name.txt", "../odd"])
def test_valid_keys_pass(key: str) -> None:
    validate_object_key(key)


@pytest.mark.parametrize(
    ("key", "rule"),
    [
        ("", "empty"),
        ("a\x00b", "nul_byte"),
        ("x" * 1025, "too_long"),
        ("ü" * 513, "too_long"),  # 1026 bytes in UTF-8 although only 513 characters
        ("bad\udcffname", "encoding"),
    ],
)
def test_invalid_keys(key: str, rule: str) -> None:
    with pytest.raises(InvalidObjectKey) as caught:
        validate_object_key(key)
    assert caught.value.code == "invalid_object_key"
    assert caught.value.rule == rule
    assert "\x00" not in caught.value.key


def test_too_long_reports_byte_count() -> None:
    with pytest.raises(InvalidObjectKey) as caught:
        validate_object_key("ü" * 513)
    assert caught.value.details["bytes"] == 1026
    assert caught.value.details["max"] == 1024
