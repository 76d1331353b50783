"""Our exception hierarchy: the service layer raises these, the messages module turns them into replies."""
from __future__ import annotations

from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    ReadTimeoutError,
)

THROTTLING_CODES = {
    "Throttling",
    "ThrottlingException",
    "SlowDown",
    "RequestLimitExceeded",
    "TooManyRequestsException",
}


class CloudButlerError(Exception):
    """A failure with a stable ``code`` (a key into ``actions.messages.ERRORS``) and named details."""

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


class AwsCallFailed(CloudButlerError):
    """An AWS call failed; ``code`` is the AWS error code (or a network/credentials code)."""


def from_boto(exc: Exception, **details: Any) -> CloudButlerError:
    """Map a botocore exception to a CloudButlerError whose code the messages module knows."""
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
