"""What the S3 services share: progress callbacks, transfer settings, and where a bucket lives."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from boto3.s3.transfer import TransferConfig

from actions.aws.errors import BOTO_ERRORS, s3_error

# (done, total): bytes for transfers, objects for listings and deletions; total is None when unknown.
# Progress callbacks run on boto3's transfer threads: keep them quick and thread-safe (they may raise to cancel).
Progress = Callable[[int, int | None], None]

MB = 1024 * 1024
US_EAST_1 = "us-east-1"
PAGE_SIZE = 1000  # the most one S3 listing page holds


def default_transfer_config() -> TransferConfig:
    # 16 MB parts keep a 5 GB upload well under the 10,000-part limit; 4 threads suit a small action server.
    return TransferConfig(multipart_threshold=16 * MB, multipart_chunksize=16 * MB, max_concurrency=4, use_threads=True)


def bucket_region(s3: Any, bucket: str) -> str:
    """The region ``bucket`` lives in; a ``CloudButlerError`` if S3 will not say (no s3:GetBucketLocation, no such
    bucket). GetBucketLocation answers null for us-east-1 and the legacy "EU" for eu-west-1."""
    try:
        constraint = s3.get_bucket_location(Bucket=bucket).get("LocationConstraint")
    except BOTO_ERRORS as exc:
        raise s3_error(exc, bucket=bucket) from exc
    if not constraint:
        return US_EAST_1
    return "eu-west-1" if constraint == "EU" else str(constraint)
