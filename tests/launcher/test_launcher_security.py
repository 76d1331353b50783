"""The launcher's part of the security model: secrets kept 0600 and handed out per process, .env parsing, refusing
to open the stack to the network without authentication, and restarting crashed children with back-off."""
from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pytest

from launcher import secrets
from launcher.config import RunSettings, read_dotenv
from launcher.stack import MAX_RESTARTS, Child, GaveUp, Stack


def test_secrets_are_generated_once_and_kept_private(tmp_path: Path) -> None:
    path = tmp_path / "var" / "secrets.json"
    first = secrets.load_or_create({}, path)
    assert set(first) == set(secrets.GENERATED) and all(len(v) >= 32 for v in first.values())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert secrets.load_or_create({}, path) == first  # a restart keeps sessions and buttons valid
    assert len(set(first.values())) == len(secrets.GENERATED)  # each its own


def test_secrets_from_the_environment_win_and_are_not_written(tmp_path: Path) -> None:
    path = tmp_path / "secrets.json"
    chosen = "r" * 20
    values = secrets.load_or_create({secrets.RASA_TOKEN: chosen}, path)
    assert values[secrets.RASA_TOKEN] == chosen
    assert chosen not in path.read_text()


def test_a_short_secret_is_refused(tmp_path: Path) -> None:
    with pytest.raises(secrets.SecretError):
        secrets.load_or_create({secrets.ACTIONS_TOKEN: "short"}, tmp_path / "s.json")


def test_each_process_gets_only_the_secrets_it_needs() -> None:
    env = {name: f"value-of-{name}" for name in secrets.ALL_SECRETS} | {"PATH": "/bin", "AWS_REGION": "eu-west-1"}
    sandbox = secrets.for_process("sandbox", env)
    actions = secrets.for_process("actions", env)
    rasa = secrets.for_process("rasa", env)
    assert set(sandbox) == {"PATH", "AWS_REGION"}
    assert "AWS_SECRET_ACCESS_KEY" in actions and "SLACK_BOT_TOKEN" not in actions
    assert secrets.WEBCHAT_SECRET not in actions
    assert "SLACK_BOT_TOKEN" in rasa and "AWS_SECRET_ACCESS_KEY" not in rasa and "AWS_PROFILE" not in rasa
    # The dashboard token opens only the dashboard: no chat process holds it, and the dashboard holds no chat secret.
    dashboard = secrets.for_process("dashboard", env)
    assert secrets.DASHBOARD_TOKEN in dashboard and "AWS_SECRET_ACCESS_KEY" in dashboard
    assert not {secrets.RASA_TOKEN, secrets.ACTIONS_TOKEN, secrets.WEBCHAT_SECRET, "SLACK_BOT_TOKEN"} & set(dashboard)
    assert all(secrets.DASHBOARD_TOKEN not in p for p in (actions, rasa, sandbox, secrets.for_process("tracker", env)))


def test_secret_values_are_redacted_from_echoed_lines() -> None:
    assert secrets.redact("token=abcdefgh12345678 ok", ["abcdefgh12345678"]) == "token=[redacted] ok"


def test_dotenv_drops_inline_comments_but_keeps_quoted_hashes(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text(
        "CLOUDBUTLER_MODE=aws   # real account\n"
        "SLACK_BOT_TOKEN=\"xoxb-1#2\"  # quoted\n"
        "EMPTY= # nothing\n"
        "URL=http://h/#frag\n"
        "# a comment line\n",
        encoding="utf-8",
    )
    assert read_dotenv(path) == {
        "CLOUDBUTLER_MODE": "aws", "SLACK_BOT_TOKEN": "xoxb-1#2", "EMPTY": "", "URL": "http://h/#frag"}


def test_binding_beyond_loopback_needs_a_rest_token() -> None:
    assert RunSettings.from_env({}).host == "127.0.0.1"
    with pytest.raises(ValueError, match="CLOUDBUTLER_REST_TOKEN"):
        RunSettings.from_env({"CLOUDBUTLER_HOST": "0.0.0.0"})
    opened = RunSettings.from_env({"CLOUDBUTLER_HOST": "0.0.0.0", "CLOUDBUTLER_REST_TOKEN": "t" * 32})
    assert opened.host == "0.0.0.0" and opened.actions_host == "127.0.0.1"


def _short_lived(stack: Stack, started: list[int]) -> Child:
    process = subprocess.Popen([sys.executable, "-c", "pass"], text=True)
    process.wait()
    started.append(process.pid)
    child = Child(name="flaky", process=process)
    child.restart = lambda: _short_lived(stack, started)
    return child


def test_a_crashed_child_is_restarted_with_back_off_and_given_up_on_eventually() -> None:
    stack = Stack(env={}, sandbox=False)
    started: list[int] = []
    stack.children.append(_short_lived(stack, started))
    assert stack.supervise(now=1000.0) == ["flaky"]  # first crash: at once
    assert len(started) == 2
    restarted_at = stack.children[0].restarts[-1]
    assert stack.supervise(now=restarted_at + 0.5) == []  # backing off (1 s after one restart)
    assert stack.supervise(now=restarted_at + 1.5) == ["flaky"]
    with pytest.raises(GaveUp, match="flaky"):
        for _ in range(MAX_RESTARTS * 2):
            stack.supervise(now=stack.children[0].restarts[-1] + 100.0)
