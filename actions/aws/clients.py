"""The one place boto3 clients are built; reads the standard AWS variables so sandbox and AWS share a code path."""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Mapping

import boto3
from botocore.config import Config

DEFAULT_REGION = "us-east-1"


@dataclass(frozen=True)
class AwsSettings:
    """What the factory needs; ``from_env`` reads the standard variables (and our defaults)."""

    region: str = DEFAULT_REGION
    endpoint_url: str | None = None
    profile: str | None = None
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    max_attempts: int = 5

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> AwsSettings:
        env = os.environ if env is None else env
        return cls(
            region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or DEFAULT_REGION,
            endpoint_url=env.get("AWS_ENDPOINT_URL") or None,
            profile=env.get("AWS_PROFILE") or None,
        )


class ClientFactory:
    """Builds (and caches) boto3 clients; tests hand in settings pointing at a moto server."""

    def __init__(self, settings: AwsSettings | None = None) -> None:
        self.settings = settings or AwsSettings.from_env()
        self._session: boto3.session.Session | None = None
        self._clients: dict[str, Any] = {}

    @property
    def region(self) -> str:
        return self.settings.region

    def session(self) -> boto3.session.Session:
        if self._session is None:
            self._session = boto3.session.Session(
                profile_name=self.settings.profile, region_name=self.settings.region
            )
        return self._session

    def config(self) -> Config:
        # adaptive retries back off on throttling instead of hammering the API.
        return Config(
            region_name=self.settings.region,
            connect_timeout=self.settings.connect_timeout,
            read_timeout=self.settings.read_timeout,
            retries={"mode": "adaptive", "max_attempts": self.settings.max_attempts},
            s3={"addressing_style": "path"} if self.settings.endpoint_url else None,
        )

    def client(self, service: str) -> Any:
        """A cached client; boto3 clients are thread-safe, sessions are not, hence one build path."""
        if service not in self._clients:
            self._clients[service] = self.session().client(
                service, endpoint_url=self.settings.endpoint_url, config=self.config()
            )
        return self._clients[service]
