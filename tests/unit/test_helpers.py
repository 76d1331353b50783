"""Pure helpers: formatting, identity parsing, audit records, plain-text degradation, launcher settings."""
from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from actions.core.audit import AuditLog
from actions.core.formatting import and_join, duration, format_age, format_bytes, listed_names, percent, plural
from actions.core.identity import Identity
from connectors.vocabulary import as_plain_text
from launcher.config import RunSettings, channel_variables, merged_environment, read_dotenv


@pytest.mark.parametrize("value,expected", [(None, "n/a"), (0, "0.0%"), (12.345, "12.3%"), (100, "100.0%")])
def test_percent(value: float | None, expected: str) -> None:
    assert percent(value) == expected


@pytest.mark.parametrize("seconds,expected", [
    (0, "less than a minute"), (59, "less than a minute"), (60, "1 minute"), (3600, "1 hour"),
    (3660, "1 hour 1 minute"), (90061, "1 day 1 hour"), (2 * 86400 + 7200, "2 days 2 hours"), (-5, "less than a minute"),
])
def test_duration(seconds: float, expected: str) -> None:
    assert duration(seconds) == expected


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (0, "0 B"),
        (1, "1 B"),
        (1023, "1023 B"),
        (1024, "1 KB"),
        (1536, "1.5 KB"),
        (1024 * 1024 - 1, "1 MB"),  # rounds up to 1024 KB, shown as the next unit
        (int(1.5 * 1024**2), "1.5 MB"),
        (150 * 1024**2 + 300 * 1024, "150 MB"),
        (10 * 1024**3, "10 GB"),
        (int(2.25 * 1024**4), "2.2 TB"),
        (-2048, "-2 KB"),
        (5 * 2**20, "5 MB"),
        (int(2.5 * 2**30), "2.5 GB"),
        (3 * 2**50, "3 PB"),
        (2**60, "1 EB"),
    ],
)
def test_format_bytes(n: int, text: str) -> None:
    assert format_bytes(n) == text


@pytest.mark.parametrize(
    ("age", "text"),
    [
        (0, "0 s"),
        (-5, "0 s"),
        (59, "59 s"),
        (60, "1 min"),
        (timedelta(hours=5, minutes=59), "5 h"),
        (timedelta(days=1), "1 d"),
        (timedelta(days=29), "29 d"),
        (timedelta(days=95), "3 mo"),
        (timedelta(days=800), "2 y"),
    ],
)
def test_format_age(age: timedelta | float, text: str) -> None:
    assert format_age(age) == text


@pytest.mark.parametrize("count,noun,nouns,grouped,expected", [
    (0, "object", None, True, "0 objects"), (1, "object", None, True, "1 object"),
    (1024, "object", None, True, "1,024 objects"), (2, "object version", "object versions", True, "2 object versions"),
    (1, "object version", "object versions", True, "1 object version"), (3650, "day", None, False, "3650 days"),
])
def test_plural(count: int, noun: str, nouns: str | None, grouped: bool, expected: str) -> None:
    assert plural(count, noun, nouns, grouped=grouped) == expected


@pytest.mark.parametrize("parts,expected", [(["a"], "a"), (["a", "b"], "a and b"), (["a", "b", "c"], "a, b and c")])
def test_and_join(parts: list[str], expected: str) -> None:
    assert and_join(parts) == expected


def test_listed_names() -> None:
    assert listed_names(["a", "b"]) == "a, b"
    assert listed_names([str(n) for n in range(12)], limit=3) == "0, 1, 2 and 9 more"


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


def test_audit_writes_one_json_line_without_secrets(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "sub" / "audit.jsonl")
    who = Identity.from_message("slack:T1:U1", {"user_name": "ada", "channel_id": "C1"})
    log.record(who=who, action="create_bucket", parameters={"bucket": "b1", "api_token": "xoxb-1"}, result="ok")
    log.record(who=who, action="delete_bucket", parameters={"bucket": "b1"}, result="error", detail="AccessDenied")
    lines = (tmp_path / "sub" / "audit.jsonl").read_text().splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert first["parameters"] == {"bucket": "b1"}
    assert (first["sender"], first["platform"], first["user"], first["channel"]) == ("slack:T1:U1", "slack", "ada", "C1")
    assert first["timestamp"].endswith("+00:00")
    assert log.read()[1]["detail"] == "AccessDenied"
    assert "xoxb" not in (tmp_path / "sub" / "audit.jsonl").read_text()


def test_plain_text_degradation() -> None:
    assert as_plain_text({"text": "hi", "buttons": [{"title": "Yes", "payload": "/affirm"},
                                                     {"title": "No", "payload": "/deny"}]}) == "hi\n[Yes] / [No]"
    table = {"custom": {"table": {"title": "T", "columns": ["a", "bb"], "rows": [["1", "2"], ["333", "4"]]}}}
    assert as_plain_text(table) == "T\na    bb\n1    2 \n333  4 "
    fields = {"custom": {"fields": {"title": "S", "items": [{"label": "CPU", "value": "5%"}]}}, "image": "http://x/y.png"}
    assert as_plain_text(fields) == "S\nCPU: 5%\nhttp://x/y.png"


def test_dotenv_parsing(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text('# c\nA=1\nexport B="two words"\nC=\'x\'\n\nbroken line\nD=\n')
    assert read_dotenv(env_file) == {"A": "1", "B": "two words", "C": "x", "D": ""}
    assert read_dotenv(tmp_path / "missing") == {}
    assert merged_environment({"A": "env"}, {"A": "file", "B": "file"}) == {"A": "env", "B": "file"}


def test_run_settings() -> None:
    assert RunSettings.from_env({}).mode == "sandbox"
    settings = RunSettings.from_env({"CLOUDBUTLER_MODE": "AWS", "CLOUDBUTLER_RASA_PORT": "6000"})
    assert (settings.mode, settings.rasa_port, settings.actions_port) == ("aws", 6000, 5055)
    with pytest.raises(ValueError):
        RunSettings.from_env({"CLOUDBUTLER_MODE": "prod"})


def test_channel_variables(tmp_path: Path) -> None:
    creds = tmp_path / "credentials.yml"
    creds.write_text("x:\n  token: ${B_TOKEN}\n  other: ${A_URL}\n  again: ${B_TOKEN}\n")
    assert channel_variables(creds) == ["A_URL", "B_TOKEN"]
