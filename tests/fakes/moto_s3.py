"""Reaching inside the moto server of ``tests/conftest.py`` (it runs in the test process) where the S3 API cannot."""
from __future__ import annotations

from datetime import UTC, datetime

from moto.backends import get_backend
from moto.core import DEFAULT_ACCOUNT_ID


def set_last_modified(bucket: str, key: str, when: datetime) -> None:
    """Age the latest version of ``key``: moto stamps objects with the upload time and keeps naive UTC datetimes,
    and no S3 call changes LastModified."""
    backend = get_backend("s3")[DEFAULT_ACCOUNT_ID]["aws"]
    backend.buckets[bucket].keys[key].last_modified = when.astimezone(UTC).replace(tzinfo=None)
