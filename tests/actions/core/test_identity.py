"""Who is talking, from the sender id and the connector's metadata - never from metadata naming someone else."""
from __future__ import annotations

import pytest

from actions.core.identity import Identity


def test_identity_from_connector_metadata() -> None:
    who = Identity.from_message("discord:42:7", {
        "platform": "discord", "user_id": "7", "user_name": "Ada", "channel_id": "c9", "workspace_id": "42",
        "attachments": [{"name": "a.txt", "path": "/inbox/1/a.txt", "size": 3}, {"name": "no path"}],
    })
    assert (who.platform, who.workspace, who.user_id, who.user_name, who.channel_id) == ("discord", "42", "7", "Ada", "c9")
    assert [a.name for a in who.attachments] == ["a.txt"]
    assert who.attachments[0].content_type == "application/octet-stream"


def test_identity_of_a_sender_no_channel_built_is_unknown() -> None:
    who = Identity.from_message("tester", None)
    assert (who.platform, who.workspace, who.user_id, who.channel_id) == ("unknown", "-", "tester", "-")


@pytest.mark.parametrize("metadata", [
    {"platform": "slack", "user_id": "U1", "user_name": "Slack Admin"},
    {"platform": "rest", "user_id": "U-other", "user_name": "Slack Admin"},
])
def test_identity_ignores_metadata_that_names_someone_else(metadata: dict[str, str]) -> None:
    who = Identity.from_message("rest:local:mallory", {**metadata, "channel_id": "C1"})
    assert (who.platform, who.workspace, who.user_id, who.user_name, who.channel_id) == (
        "rest", "local", "mallory", "mallory", "-")
