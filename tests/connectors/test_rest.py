"""The REST channel's front door: the bodies it refuses and why, and when it wants a token."""
from __future__ import annotations

import pytest

from connectors.rest import RestRequestError, authorised, parse_body


@pytest.mark.parametrize("body, code", [
    (b"[]", "bad_json"), (b"{", "bad_json"), (b"[" * 5000 + b"]" * 5000, "bad_json"),
    (b'{"sender": "web:local:x", "message": "hi"}', "bad_sender"), (b'{"sender": "", "message": "hi"}', "bad_sender"),
    (b'{"sender": "a", "message": null}', "bad_message"), (b'{"sender": "a"}', "bad_message"),
    (b'{"sender": "a", "message": "' + b"x" * 1_100_000 + b'"}', "too_large"),
])
def test_rest_bodies_that_are_refused(body: bytes, code: str) -> None:
    with pytest.raises(RestRequestError) as refused:
        parse_body(body)
    assert refused.value.code == code


def test_rest_body_that_passes() -> None:
    assert parse_body(b'{"sender": "ci-bot.1@example", "message": "list my buckets"}') == (
        "ci-bot.1@example", "list my buckets")


def test_rest_token_rules() -> None:
    assert authorised({}, "", loopback=True) is None
    assert authorised({}, "", loopback=False) == "not_configured"
    assert authorised({}, "s" * 20, loopback=True) == "unauthorized"
    assert authorised({"authorization": "Bearer " + "s" * 20}, "s" * 20, loopback=False) is None
    assert authorised({"authorization": "Bearer " + "s" * 19}, "s" * 20, loopback=False) == "unauthorized"
