"""Fixtures for the cost skill: an S3 client on the shared moto server and buckets whose objects have
chosen sizes, storage classes and ages (LastModified back-dated inside moto's in-process backend)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from moto.backends import get_backend
from moto.core import DEFAULT_ACCOUNT_ID

from actions.aws.clients import ClientFactory

# One fixed "now" for analysis and back-dating; ages are set half a day inside their bin, so no test
# depends on how fast it runs.
NOW = datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)

ObjectSpec = tuple[str, int, str, float]  # key, size in bytes, storage class, age in days


@pytest.fixture
def s3(aws: ClientFactory) -> Any:
    return aws.client("s3")


def backdate(bucket: str, key: str, modified: datetime) -> None:
    """Set LastModified of the latest version of ``key`` (moto keeps naive UTC datetimes)."""
    fake_bucket = get_backend("s3")[DEFAULT_ACCOUNT_ID]["global"].buckets[bucket]
    fake_bucket.keys[key].last_modified = modified.astimezone(UTC).replace(tzinfo=None)


@pytest.fixture
def make_bucket(s3: Any) -> Callable[..., str]:
    def make(name: str, objects: Iterable[ObjectSpec], *, region: str = "us-east-1") -> str:
        kwargs: dict[str, Any] = {}
        if region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
        s3.create_bucket(Bucket=name, **kwargs)
        for key, size, storage_class, age_days in objects:
            s3.put_object(Bucket=name, Key=key, Body=b"x" * size, StorageClass=storage_class)
            backdate(name, key, NOW - timedelta(days=age_days))
        return name

    return make
