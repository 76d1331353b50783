"""Fixtures for the cost engine: buckets whose objects have chosen sizes, storage classes and ages (LastModified
back-dated inside moto's in-process backend). The S3 client is the ``s3`` fixture of the services' conftest."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

import pytest

from tests.actions.aws.cost.support import NOW, MakeBucket, ObjectSpec
from tests.fakes.moto_s3 import set_last_modified


@pytest.fixture
def make_bucket(s3: Any) -> MakeBucket:
    def make(name: str, objects: Iterable[ObjectSpec], *, region: str = "us-east-1") -> str:
        kwargs: dict[str, Any] = {}
        if region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
        s3.create_bucket(Bucket=name, **kwargs)
        for key, size, storage_class, age_days in objects:
            s3.put_object(Bucket=name, Key=key, Body=b"x" * size, StorageClass=storage_class)
            set_last_modified(name, key, NOW - timedelta(days=age_days))
        return name

    return make
