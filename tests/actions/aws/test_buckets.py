"""Bucket lifecycle against moto over HTTP: list, create (hardened), inspect, empty, delete."""

from __future__ import annotations

from typing import Any

import pytest

from actions.aws.buckets import BucketService
from actions.aws.clients import AwsSettings, ClientFactory
from actions.aws.errors import CloudButlerError, InvalidRequest
from actions.aws.s3_names import InvalidBucketName


def _bucket_count(s3: Any) -> int:
    return len(s3.list_buckets()["Buckets"])


def test_list_buckets_names_regions_dates_and_total(s3: Any, buckets: BucketService) -> None:
    for name in ("alpha-bucket", "beta-bucket", "gamma-bucket"):
        s3.create_bucket(Bucket=name)
    s3.create_bucket(Bucket="delta-bucket", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    listing = buckets.list_buckets(limit=3)
    assert listing.total == 4
    assert listing.more == 1
    assert [b.name for b in listing.buckets] == ["alpha-bucket", "beta-bucket", "delta-bucket"]
    regions = {b.name: b.region for b in listing.buckets}
    assert regions == {"alpha-bucket": "us-east-1", "beta-bucket": "us-east-1", "delta-bucket": "eu-west-1"}
    assert all(b.created is not None for b in listing.buckets)


def test_list_buckets_empty_account(buckets: BucketService) -> None:
    listing = buckets.list_buckets()
    assert listing.buckets == ()
    assert listing.total == 0
    assert listing.more == 0


@pytest.mark.parametrize("name", ["ab", "My-Bucket", "bad_name", "-x-bucket", "a..b", "10.0.0.1", "xn--abc", "b.mrap"])
def test_bad_name_makes_no_aws_call(s3: Any, buckets: BucketService, s3_calls: list[str], name: str) -> None:
    before = _bucket_count(s3)
    s3_calls.clear()
    with pytest.raises(InvalidBucketName):
        buckets.create_bucket(name)
    assert s3_calls == []
    assert _bucket_count(s3) == before


def test_bad_region_makes_no_aws_call(buckets: BucketService, s3_calls: list[str]) -> None:
    with pytest.raises(InvalidRequest) as caught:
        buckets.create_bucket("fine-name", "Frankfurt")
    assert caught.value.details["field"] == "region"
    assert s3_calls == []


def test_create_in_us_east_1_is_encrypted_and_private(s3: Any, buckets: BucketService, s3_calls: list[str]) -> None:
    created = buckets.create_bucket("my-project-bucket")
    assert s3_calls == ["HeadBucket", "CreateBucket", "PutBucketEncryption", "PutPublicAccessBlock"]
    assert (created.name, created.region, created.encrypted, created.public_access_blocked) == (
        "my-project-bucket",
        "us-east-1",
        True,
        True,
    )
    assert s3.get_bucket_location(Bucket="my-project-bucket")["LocationConstraint"] in (None, "")
    rules = s3.get_bucket_encryption(Bucket="my-project-bucket")["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    block = s3.get_public_access_block(Bucket="my-project-bucket")["PublicAccessBlockConfiguration"]
    assert block == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }


def test_create_in_other_region_sets_location_constraint(s3: Any, buckets: BucketService) -> None:
    created = buckets.create_bucket("eu-data-bucket", "eu-west-1")
    assert created.region == "eu-west-1"
    assert s3.get_bucket_location(Bucket="eu-data-bucket")["LocationConstraint"] == "eu-west-1"
    assert buckets.list_buckets().buckets[0].region == "eu-west-1"
    block = s3.get_public_access_block(Bucket="eu-data-bucket")["PublicAccessBlockConfiguration"]
    assert all(block.values())


def test_create_defaults_to_the_client_region(moto_endpoint: str) -> None:
    factory = ClientFactory(AwsSettings(region="eu-central-1", endpoint_url=moto_endpoint))
    s3 = factory.client("s3")
    created = BucketService(s3).create_bucket("frankfurt-bucket")
    assert created.region == "eu-central-1"
    assert s3.get_bucket_location(Bucket="frankfurt-bucket")["LocationConstraint"] == "eu-central-1"


def test_existing_own_bucket_in_us_east_1_is_not_touched(s3: Any, buckets: BucketService) -> None:
    s3.create_bucket(Bucket="website-bucket")
    with pytest.raises(CloudButlerError) as caught:
        buckets.create_bucket("website-bucket")
    assert caught.value.code == "BucketAlreadyOwnedByYou"
    assert caught.value.details == {"bucket": "website-bucket"}
    # Our hardening would have replaced whatever the owner had configured: it must not have run.
    with pytest.raises(s3.exceptions.ClientError):
        s3.get_public_access_block(Bucket="website-bucket")


def test_existing_own_bucket_in_other_region(s3: Any, buckets: BucketService) -> None:
    buckets.create_bucket("eu-twice-bucket", "eu-west-1")
    with pytest.raises(CloudButlerError) as caught:
        buckets.create_bucket("eu-twice-bucket", "eu-west-1")
    assert caught.value.code == "BucketAlreadyOwnedByYou"


def test_moto_answers_already_owned_for_other_regions(s3: Any) -> None:
    # What S3 itself answers when the pre-check is raced: the code our from_boto mapping passes through.
    s3.create_bucket(Bucket="raced-bucket", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    with pytest.raises(s3.exceptions.BucketAlreadyOwnedByYou):
        s3.create_bucket(Bucket="raced-bucket", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})


def test_bucket_of_another_account_is_already_exists(moto_endpoint: str, s3: Any, buckets: BucketService) -> None:
    other = ClientFactory(AwsSettings(region="us-east-1", endpoint_url=moto_endpoint)).client("s3")
    other.meta.events.register("before-sign.s3", _as_account("111111111111"))
    other.create_bucket(Bucket="someone-elses-bucket")
    assert "someone-elses-bucket" not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    with pytest.raises(CloudButlerError) as caught:
        buckets.create_bucket("someone-elses-bucket")
    assert caught.value.code == "BucketAlreadyExists"
    with pytest.raises(other.exceptions.ClientError):
        other.get_public_access_block(Bucket="someone-elses-bucket")


def test_head_forbidden_means_already_exists(s3: Any, buckets: BucketService) -> None:
    s3.create_bucket(Bucket="taken-bucket")
    s3.meta.events.register("before-call.s3.HeadBucket", _raiser("403", "HeadBucket"))
    with pytest.raises(CloudButlerError) as caught:
        buckets.create_bucket("taken-bucket")
    assert caught.value.code == "BucketAlreadyExists"


def test_failed_hardening_rolls_back(s3: Any, buckets: BucketService) -> None:
    s3.meta.events.register("before-call.s3.PutPublicAccessBlock", _raiser("AccessDenied", "PutPublicAccessBlock"))
    with pytest.raises(CloudButlerError) as caught:
        buckets.create_bucket("half-made-bucket")
    assert caught.value.code == "AccessDenied"
    assert caught.value.details == {"bucket": "half-made-bucket", "region": "us-east-1", "rolled_back": True}
    assert _bucket_count(s3) == 0


def _as_account(account: str) -> Any:
    def add_header(request: Any, **_: Any) -> None:
        request.headers["x-moto-account-id"] = account

    return add_header


def _client_error(code: str, operation: str) -> Exception:
    from botocore.exceptions import ClientError

    return ClientError({"Error": {"Code": code, "Message": "x"}}, operation)


def _raiser(code: str, operation: str) -> Any:
    def raise_error(**_: Any) -> None:
        raise _client_error(code, operation)

    return raise_error
