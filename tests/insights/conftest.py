"""Fixtures for the insights builders: the shared moto server (``aws``), a size tracker on it with DynamoDB
transactions as AWS runs them, and buckets whose objects have chosen sizes, classes and ages."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from actions.aws.clients import ClientFactory
from actions.aws.size_tracking import SizeTracker
from tests.fakes.moto_dynamodb import install as install_transactions
from tests.fakes.moto_s3 import set_last_modified

ObjectSpec = tuple[str, int, str, int]  # key, size, storage class, age in days
MakeBucket = Callable[[str, Iterable[ObjectSpec]], str]


@pytest.fixture
def tracker(aws: ClientFactory) -> SizeTracker:
    install_transactions()
    return SizeTracker(dynamodb=aws.client("dynamodb"), s3=aws.client("s3"), sqs=aws.client("sqs"),
                       cloudwatch=aws.client("cloudwatch"))


@pytest.fixture
def make_bucket(aws: ClientFactory) -> MakeBucket:
    s3 = aws.client("s3")

    def make(name: str, objects: Iterable[ObjectSpec]) -> str:
        s3.create_bucket(Bucket=name)
        now = datetime.now(UTC)
        for key, size, storage_class, age_days in objects:
            s3.put_object(Bucket=name, Key=key, Body=b"x" * size, StorageClass=storage_class)
            if age_days:
                set_last_modified(name, key, now - timedelta(days=age_days))
        return name

    return make


@pytest.fixture
def s3(aws: ClientFactory) -> Any:
    return aws.client("s3")
