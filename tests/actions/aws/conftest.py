"""Fixtures for the AWS services: clients on the shared moto server, the storage services (objects with small
multipart parts), a bucket, and a recorder of the S3 operations a test makes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from boto3.s3.transfer import TransferConfig

from actions.aws.buckets import BucketService
from actions.aws.clients import ClientFactory
from actions.aws.objects import ObjectService
from actions.aws.s3 import MB
from actions.aws.sync import SyncService
from actions.aws.usage import UsageService

BUCKET = "cb-test-bucket"


@pytest.fixture
def s3(aws: ClientFactory) -> Any:
    return aws.client("s3")


@pytest.fixture
def cloudwatch(aws: ClientFactory) -> Any:
    return aws.client("cloudwatch")


@pytest.fixture
def objects(s3: Any) -> ObjectService:
    # 5 MB is S3's smallest part: a 20 MB file becomes a real 4-part multipart upload.
    config = TransferConfig(multipart_threshold=5 * MB, multipart_chunksize=5 * MB, max_concurrency=2)
    return ObjectService(s3, transfer_config=config)


@pytest.fixture
def buckets(s3: Any) -> BucketService:
    return BucketService(s3)


@pytest.fixture
def usage_service(s3: Any) -> UsageService:
    return UsageService(s3)


@pytest.fixture
def syncer(s3: Any, objects: ObjectService) -> SyncService:
    return SyncService(s3, objects=objects)


@pytest.fixture
def bucket(s3: Any) -> str:
    s3.create_bucket(Bucket=BUCKET)
    return BUCKET


@pytest.fixture
def versioned_bucket(s3: Any, bucket: str) -> str:
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    return bucket


@pytest.fixture
def s3_calls(s3: Any) -> Iterator[list[str]]:
    """Names of the S3 operations made through ``s3`` while the test runs (PutObject, ListObjectsV2, ...)."""
    calls: list[str] = []

    def record(model: Any, **_: Any) -> None:
        calls.append(model.name)

    s3.meta.events.register("before-call.s3", record, unique_id="cb-test-recorder")
    yield calls
    s3.meta.events.unregister("before-call.s3", unique_id="cb-test-recorder")
