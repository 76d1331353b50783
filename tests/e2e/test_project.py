"""The Rasa project is consistent, and `make run`'s launcher starts and stops everything cleanly."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import psutil
import pytest
import requests

from launcher.config import ROOT
from launcher.stack import free_port
from tests.e2e.assistant import newest_model

# Two warnings Rasa's validator gives for correct projects: an intent only background jobs send (it must be in the
# domain for trigger_intent, and must not be in NLU data, or people could type it), and a form's question, which the
# form asks by itself rather than through a rule.
ALLOWED_WARNINGS = (
    re.compile(r"The intent 'EXTERNAL_\w+' is listed in the domain file, but is not found in the NLU training data\."),
    # Sent only by an alert's Acknowledge button, never typed: nothing to train.
    re.compile(r"The intent 'acknowledge_alert' is listed in the domain file, but is not found in the NLU training data\."),
    re.compile(r"The utterance 'utter_ask_\w+_form_\w+' is not used in any story or rule\."),
)


def test_rasa_data_validate_is_clean() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "rasa", "data", "validate", "--data", "nlu", "--domain", "domain.yml",
         "--config", "config.yml"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    warnings = [line.split("UserWarning: ", 1)[1].strip() for line in output.splitlines() if "UserWarning: " in line]
    assert [w for w in warnings if not any(allowed.fullmatch(w) for allowed in ALLOWED_WARNINGS)] == []


@pytest.mark.e2e
def test_launcher_runs_everything_and_ctrl_c_leaves_no_process(tmp_path) -> None:
    newest_model()  # fail clearly when untrained
    ports = {name: free_port() for name in ("RASA", "ACTIONS", "SANDBOX_AWS", "SANDBOX_IMDS", "DASHBOARD")}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DISCORD_", "SLACK_"))}
    env.update({f"CLOUDBUTLER_{name}_PORT": str(port) for name, port in ports.items()})
    env.update(CLOUDBUTLER_AUDIT_LOG=str(tmp_path / "audit.jsonl"), PYTHONUNBUFFERED="1")
    launcher = subprocess.Popen([sys.executable, "-m", "launcher", "run", "--no-train"], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output: list[str] = []
    try:
        deadline = time.monotonic() + 300
        assert launcher.stdout is not None
        while time.monotonic() < deadline:
            line = launcher.stdout.readline()
            if not line:
                break
            output.append(line)
            if "Stop:" in line:
                break
        banner = "".join(output)
        assert "Mode:      SANDBOX" in banner, banner
        assert f"Web chat:  http://127.0.0.1:{ports['RASA']}/webhooks/webchat/" in banner
        dashboard = f"http://127.0.0.1:{ports['DASHBOARD']}"
        assert f"Dashboard: {dashboard}/dashboard" in banner
        assert requests.get(f"{dashboard}/api/v1/usage", timeout=10).status_code == 401  # no token, no figures
        children = psutil.Process(launcher.pid).children(recursive=True)
        assert len(children) >= 5
        reply = requests.post(f"http://127.0.0.1:{ports['RASA']}/webhooks/rest/webhook",
                              json={"sender": "launcher-test", "message": "hello world"}, timeout=60).json()
        assert "hello" in reply[0]["text"].lower()
        launcher.send_signal(signal.SIGINT)
        rest, _ = launcher.communicate(timeout=60)
        assert launcher.returncode == 0, rest
        assert "Stopped." in rest
        deadline = time.monotonic() + 10
        while not all(_stopped(c) for c in children) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert all(_stopped(c) for c in children)
        for port in ports.values():
            with pytest.raises(requests.ConnectionError):
                requests.get(f"http://127.0.0.1:{port}/", timeout=2)
    finally:
        if launcher.poll() is None:
            launcher.kill()


def _stopped(child: psutil.Process) -> bool:
    try:
        return not child.is_running() or child.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_aws_mode_starts_no_stand_ins() -> None:
    from launcher.stack import Stack

    stack = Stack(env={"CLOUDBUTLER_MODE": "aws", "AWS_REGION": "eu-west-1"}, sandbox=False)
    env = stack.action_env()
    assert "AWS_ENDPOINT_URL" not in env and "AWS_EC2_METADATA_SERVICE_ENDPOINT" not in env
    assert env["AWS_REGION"] == "eu-west-1"
    assert not re.search(r"sandbox", " ".join(env.values()))
