"""The action server's front door: it runs an action only with the token, over HTTP on a real server, and refuses
to start without a real token."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
import requests

from actions.endpoint import TOKEN_HEADER, token_matches
from launcher.config import ROOT
from launcher.stack import free_port

TOKEN = "t0ken-" + "x" * 26


@pytest.fixture(scope="module")
def action_server() -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "CLOUDBUTLER_ACTIONS_TOKEN": TOKEN, "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}
    process = subprocess.Popen([sys.executable, "-m", "actions.endpoint", "--port", str(port)], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{url}/health", timeout=1).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.2)
        else:
            pytest.fail("the action server did not start")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


def call(action: str) -> str:
    return json.dumps({"next_action": action, "sender_id": "rest:local:a", "version": "3.6.21", "domain": {},
                       "tracker": {"sender_id": "rest:local:a", "slots": {}, "latest_message": {"text": "help",
                                   "intent": {"name": "help"}, "entities": []}, "events": [], "paused": False,
                                   "followup_action": None, "active_loop": {}, "latest_action_name": "action_listen"}})


def test_action_server_runs_an_action_only_with_the_token(action_server: str) -> None:
    url = f"{action_server}/webhook"
    json_type = {"Content-Type": "application/json"}
    assert requests.post(url, data=call("action_help"), headers=json_type, timeout=30).status_code == 401
    assert requests.post(url, data=call("action_help"), headers={**json_type, TOKEN_HEADER: TOKEN[:-1] + "y"},
                         timeout=30).status_code == 401
    plain = requests.post(url, data=call("action_help"), headers={"Content-Type": "text/plain", TOKEN_HEADER: TOKEN},
                          timeout=30)
    assert plain.status_code == 415
    ok = requests.post(url, data=call("action_help"), headers={**json_type, TOKEN_HEADER: TOKEN}, timeout=30)
    assert ok.status_code == 200 and "Here is what I can do" in ok.json()["responses"][0]["text"]


def test_action_server_refuses_to_start_without_a_real_token() -> None:
    env = {**os.environ, "CLOUDBUTLER_ACTIONS_TOKEN": "short"}
    result = subprocess.run([sys.executable, "-m", "actions.endpoint", "--port", str(free_port())], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "at least 16" in result.stdout


def test_token_comparison() -> None:
    assert token_matches("abc", "abc") and not token_matches("abc", "abd")
    assert not token_matches("", "") and not token_matches("abc", None)
