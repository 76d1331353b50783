"""The Rasa server's front door: which Origins may drive it."""
from __future__ import annotations

import pytest

from connectors.guard import OriginPolicy, origin_of


@pytest.mark.parametrize("url, origin", [
    ("http://127.0.0.1:5005/x", "http://127.0.0.1:5005"), ("HTTPS://Chat.Example.com:443/", "https://chat.example.com"),
    ("http://[::1]:80", "http://[::1]"), ("javascript:alert(1)", None), ("null", None), ("", None),
])
def test_origin_of(url: str, origin: str | None) -> None:
    assert origin_of(url) == origin


def test_origin_policy() -> None:
    policy = OriginPolicy.from_env(
        {"CLOUDBUTLER_ALLOWED_ORIGINS": "https://intranet.example.com, http://wiki:8080",
         "CLOUDBUTLER_PUBLIC_URL": "https://bot.example.com/"},
        host="127.0.0.1", port=5005,
    )
    for allowed in ("http://127.0.0.1:5005", "http://localhost:5005", "https://intranet.example.com",
                    "http://wiki:8080", "https://bot.example.com", None):
        assert policy.allows(allowed), allowed
    for refused in ("http://evil.example", "null", "http://127.0.0.1:5006", "https://intranet.example.com.evil.io",
                    "http://localhost:5005.evil.io"):
        assert not policy.allows(refused), refused
