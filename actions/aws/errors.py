"""Our exception hierarchy, and the one mapping from botocore's: services catch ``BOTO_ERRORS`` (never a bare
``Exception``) and raise these; ``actions.core.errors`` turns their codes into replies."""
from __future__ import annotations

from typing import Any

from boto3.exceptions import S3UploadFailedError
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    ReadTimeoutError,
)

# What an AWS call may raise: botocore's two roots, and boto3's wrapper around a failed managed upload.
BOTO_ERRORS = (ClientError, BotoCoreError, S3UploadFailedError)

THROTTLING_CODES = {
    "Throttling",
    "ThrottlingException",
    "SlowDown",
    "RequestLimitExceeded",
    "TooManyRequestsException",
}


class CloudButlerError(Exception):
    """A failure with a stable ``code`` (a key of ``actions.core.errors``' registry) and named details."""

    def __init__(self, code: str, **details: Any) -> None:
        super().__init__(f"{code}: {details}" if details else code)
        self.code = code
        self.details = details


class Stopped(Exception):
    """Raised by a progress callback to stop the work it reports on (the user said "stop"). Services let it
    through untouched; a transfer it interrupts is aborted like any failed one, leaving no partial object or file."""


class NotOnEc2(CloudButlerError):
    def __init__(self) -> None:
        super().__init__("not_on_ec2")


class UnknownInstance(CloudButlerError):
    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__("unknown_instance", name=name, known=", ".join(known) or "none")


class InvalidRequest(CloudButlerError):
    """A parameter outside what S3 accepts (restore days/tier, link expiry); ``allowed`` says what would do."""

    def __init__(self, *, field: str, value: object, allowed: str) -> None:
        super().__init__("invalid_request", field=field, value=value, allowed=allowed)


class AwsCallFailed(CloudButlerError):
    """An AWS call failed; ``code`` is the AWS error code (or a network/credentials code)."""


def from_boto(exc: Exception, **details: Any) -> CloudButlerError:
    """Map a botocore exception to a CloudButlerError whose code the registry of replies knows."""
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code", "Unknown")
        if code in THROTTLING_CODES:
            code = "Throttling"
        return AwsCallFailed(str(code), **details)
    if isinstance(exc, NoCredentialsError):
        return AwsCallFailed("NoCredentials", **details)
    if isinstance(exc, (EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError)):
        return AwsCallFailed("NetworkError", **details)
    if isinstance(exc, BotoCoreError):
        return AwsCallFailed("Unknown", **details)
    raise exc


def s3_error(exc: Exception, **details: Any) -> CloudButlerError:
    """``from_boto`` plus what S3 needs: HEAD errors carry only the HTTP status, and boto3 wraps upload errors."""
    if isinstance(exc, S3UploadFailedError) and isinstance(exc.__context__, (ClientError, BotoCoreError)):
        exc = exc.__context__
    if isinstance(exc, ClientError):
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in ("404", "NotFound"):
            return AwsCallFailed("NoSuchKey" if "key" in details else "NoSuchBucket", **details)
        if code == "403":
            return AwsCallFailed("AccessDenied", **details)
    if isinstance(exc, S3UploadFailedError):
        return AwsCallFailed("Unknown", **details)
    return from_boto(exc, **details)
