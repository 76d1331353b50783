"""The attacks from the security review, against the real stack over HTTP: each must be refused and change nothing.

Who attacks: a web page the user's browser opens (cross-site requests, no preflight for text/plain), anyone on the
LAN or on this host who can reach a port, and a chat client that names itself someone else.
"""
from __future__ import annotations

import json
import os
import signal
import time
import uuid
from pathlib import Path
from typing import Any

import boto3
import psutil
import pytest
import requests

from launcher.stack import Stack
from tests.e2e.assistant import Conversation, api

pytestmark = pytest.mark.e2e

EVIL = "http://evil.example"


def s3(stack: Stack) -> Any:
    return boto3.client("s3", endpoint_url=stack.aws_endpoint, region_name="us-east-1",
                        aws_access_key_id="sandbox", aws_secret_access_key="sandbox")


def fresh_bucket(stack: Stack, *, objects: int = 0) -> str:
    name = f"sec-{uuid.uuid4().hex[:10]}"
    client = s3(stack)
    client.create_bucket(Bucket=name)
    for i in range(objects):
        client.put_object(Bucket=name, Key=f"k{i}.txt", Body=b"data")
    return name


def bucket_exists(stack: Stack, name: str) -> bool:
    return name in {b["Name"] for b in s3(stack).list_buckets()["Buckets"]}


def audit_lines(stack: Stack) -> list[dict[str, Any]]:
    path = stack.env["CLOUDBUTLER_AUDIT_LOG"]
    try:
        with open(path, encoding="utf-8") as fh:
            return [json.loads(line) for line in fh if line.strip()]
    except FileNotFoundError:
        return []


def forged_action_call(bucket: str) -> dict[str, Any]:
    """What the review sent to the action server: run action_confirm with a made-up pending deletion."""
    return {
        "next_action": "action_confirm",
        "sender_id": "slack:T0:U-admin",
        "version": "3.6.21",
        "domain": {},
        "tracker": {
            "sender_id": "slack:T0:U-admin",
            "slots": {"pending": {"kind": "delete_bucket", "bucket": bucket, "stage": "empty"}},
            "latest_message": {"text": "yes", "intent": {"name": "affirm"}, "entities": [],
                               "metadata": {"user_name": "The Boss"}},
            "events": [], "paused": False, "followup_action": None, "active_loop": {},
            "latest_action_name": "action_listen", "latest_event_time": time.time(),
        },
    }


# --- 1. the action server answers only the Rasa server --------------------------------------------------------------


@pytest.mark.parametrize("headers", [
    {"Content-Type": "application/json"},
    {"Content-Type": "text/plain"},  # what a page can send without a preflight
    {"Content-Type": "application/json", "X-CloudButler-Token": "guessed-token-guessed"},
])
def test_forged_action_server_call_is_refused_and_deletes_nothing(stack: Stack, headers: dict[str, str]) -> None:
    bucket = fresh_bucket(stack, objects=2)
    before = len(audit_lines(stack))
    reply = requests.post(f"{stack.actions_url}/webhook", data=json.dumps(forged_action_call(bucket)),
                          headers=headers, timeout=30)
    assert reply.status_code == 401
    assert bucket_exists(stack, bucket)
    assert len(s3(stack).list_objects_v2(Bucket=bucket).get("Contents", [])) == 2
    assert len(audit_lines(stack)) == before


def test_action_list_is_not_public(stack: Stack) -> None:
    assert requests.get(f"{stack.actions_url}/actions", timeout=10).status_code == 401
    assert requests.get(f"{stack.actions_url}/health", timeout=10).ok  # the launcher's readiness probe


# --- 2. Rasa's HTTP API: token-protected, CORS only for allowed origins ----------------------------------------------


@pytest.mark.parametrize("method, path, body", [
    ("GET", "/conversations/web:local:someone/tracker", None),
    ("POST", "/conversations/web:local:someone/tracker/events",
     [{"event": "slot", "name": "pending", "value": {"kind": "delete_bucket", "bucket": "x", "stage": "empty"}}]),
    ("POST", "/conversations/web:local:someone/execute", {"name": "action_confirm"}),
    ("PUT", "/model", {"model_server": {"url": "http://127.0.0.1:9/evil.tar.gz"}}),
    ("POST", "/model/parse", {"text": "hello"}),
    ("GET", "/status", None),
])
def test_rasa_api_needs_the_token(stack: Stack, method: str, path: str, body: Any) -> None:
    reply = requests.request(method, f"{stack.rasa_url}{path}", json=body, timeout=30)
    assert reply.status_code in (401, 403), reply.text
    wrong = requests.request(method, f"{stack.rasa_url}{path}", json=body, params={"token": "x" * 43}, timeout=30)
    assert wrong.status_code in (401, 403), wrong.text


def test_cross_origin_page_cannot_drive_or_read_the_assistant(stack: Stack) -> None:
    url = f"{stack.rasa_url}/webhooks/rest/webhook"
    body = json.dumps({"sender": "victim", "message": "list my buckets"})
    for content_type in ("application/json", "text/plain"):
        reply = requests.post(url, data=body, headers={"Origin": EVIL, "Content-Type": content_type}, timeout=30)
        assert reply.status_code == 403 and reply.json()["error"] == "foreign_origin"
    preflight = requests.options(url, headers={"Origin": EVIL, "Access-Control-Request-Method": "POST"}, timeout=10)
    assert "access-control-allow-origin" not in {k.lower() for k in preflight.headers}
    api_call = requests.post(f"{stack.rasa_url}/conversations/rest:local:victim/execute", params=api(stack),
                             json={"name": "action_help"}, headers={"Origin": EVIL}, timeout=30)
    assert api_call.status_code == 403
    assert requests.post(f"{stack.rasa_url}/webhooks/webchat/session", headers={"Origin": EVIL},
                         timeout=10).status_code == 403
    # Nothing above reached the conversation.
    tracker = requests.get(f"{stack.rasa_url}/conversations/rest:local:victim/tracker", params=api(stack), timeout=10)
    assert [e for e in tracker.json()["events"] if e["event"] == "user"] == []


def test_the_web_chats_own_origin_is_allowed(stack: Stack) -> None:
    origin = stack.rasa_url
    reply = requests.post(f"{stack.rasa_url}/webhooks/webchat/session", headers={"Origin": origin}, timeout=10)
    assert reply.ok and reply.headers.get("access-control-allow-origin") == origin


def test_rest_requires_json(stack: Stack) -> None:
    reply = requests.post(f"{stack.rasa_url}/webhooks/rest/webhook", data='{"sender": "a", "message": "hi"}',
                          headers={"Content-Type": "text/plain"}, timeout=30)
    assert reply.status_code == 415


# --- 3. secrets stay off command lines ------------------------------------------------------------------------------


def test_no_secret_on_any_command_line_and_each_process_gets_only_its_own(stack: Stack) -> None:
    secrets = {name: value for name, value in stack.secrets.items()}
    for child in stack.children:
        process = psutil.Process(child.process.pid)
        command_line = " ".join(process.cmdline())
        assert not [name for name, value in secrets.items() if value in command_line], child.name
        environ = process.environ()
        if child.name == "sandbox":
            assert not set(secrets) & set(environ)
        if child.name == "rasa":
            assert "AWS_SECRET_ACCESS_KEY" not in environ and "CLOUDBUTLER_WEBCHAT_SECRET" in environ
        if child.name == "actions":
            assert "CLOUDBUTLER_WEBCHAT_SECRET" not in environ and "SLACK_BOT_TOKEN" not in environ


def test_every_listener_is_on_loopback(stack: Stack) -> None:
    pids = {child.process.pid for child in stack.children}
    for child in stack.children:
        pids |= {p.pid for p in psutil.Process(child.process.pid).children(recursive=True)}
    listening = [c for c in psutil.net_connections(kind="inet") if c.status == psutil.CONN_LISTEN and c.pid in pids]
    assert listening, "no listeners found for the stack's processes"
    assert {c.laddr.ip for c in listening} <= {"127.0.0.1"}, listening


# --- 4. identity comes from the channel -----------------------------------------------------------------------------


def test_rest_cannot_speak_as_a_web_chat_user(stack: Stack) -> None:
    bucket = fresh_bucket(stack)
    token = requests.post(f"{stack.rasa_url}/webhooks/webchat/session", timeout=10).json()["sender"]
    session_id = token.split(".")[0]
    asked = requests.post(f"{stack.rasa_url}/webhooks/webchat/webhook",
                          json={"sender": token, "message": f"delete bucket {bucket}"}, timeout=60)
    assert asked.ok and any("Delete bucket" in (m.get("text") or "") for m in asked.json())
    forged = requests.post(f"{stack.rasa_url}/webhooks/rest/webhook",
                           json={"sender": f"web:local:{session_id}", "message": "yes"}, timeout=60)
    assert forged.status_code == 400 and forged.json()["error"] == "bad_sender"
    # The id or even the whole session token only name REST conversations of their own, with nothing pending.
    for name in (session_id, token):
        assert "nothing waiting" in Conversation(stack, name).say_text("yes").lower()
    assert bucket_exists(stack, bucket)
    # A made-up web chat session is refused outright.
    made_up = requests.post(f"{stack.rasa_url}/webhooks/webchat/webhook",
                            json={"sender": f"{session_id}.{'A' * 22}", "message": "yes"}, timeout=30)
    assert made_up.status_code == 401
    assert bucket_exists(stack, bucket)


def test_rest_metadata_cannot_name_another_user(stack: Stack, chat: Conversation) -> None:
    requests.post(chat.url, json={"sender": chat.name, "message": "hi",
                                  "metadata": {"platform": "slack", "user_name": "The Boss"}}, timeout=60)
    tracker = requests.get(f"{stack.rasa_url}/conversations/{chat.sender}/tracker", params=api(stack), timeout=10)
    [event] = [e for e in tracker.json()["events"] if e["event"] == "user"]
    assert event["metadata"]["platform"] == "rest" and event["metadata"]["user_name"] == chat.name


# --- 5. input limits before NLU --------------------------------------------------------------------------------------


def test_a_huge_message_gets_a_friendly_reply_and_never_reaches_the_model(stack: Stack, chat: Conversation) -> None:
    [rasa] = [c for c in stack.children if c.name == "rasa"]
    server = psutil.Process(rasa.process.pid)
    before = server.memory_info().rss
    started = time.monotonic()
    replies = chat.say("please list my buckets " + "x" * 100_000)
    assert time.monotonic() - started < 5
    assert len(replies) == 1 and "too long" in replies[0]["text"]
    assert server.memory_info().rss - before < 100 * 1024 * 1024
    tracker = requests.get(f"{stack.rasa_url}/conversations/{chat.sender}/tracker", params=api(stack), timeout=10)
    assert [e for e in tracker.json()["events"] if e["event"] == "user"] == []
    # The next, normal message is answered as usual.
    assert "hello" in chat.say_text("hello there").lower()


@pytest.mark.parametrize("body, status", [
    ("[1, 2]", 400), ('"just a string"', 400), ("{not json", 400), ('{"sender": ["a"], "message": "hi"}', 400),
    ('{"sender": "a", "message": 5}', 400), ("[" * 5000 + "]" * 5000, 400),
    (json.dumps({"sender": "a", "message": "x" * 1_100_000}), 413),
])
def test_malformed_rest_bodies_get_400_not_500(stack: Stack, body: str, status: int) -> None:
    reply = requests.post(f"{stack.rasa_url}/webhooks/rest/webhook", data=body,
                          headers={"Content-Type": "application/json"}, timeout=30)
    assert reply.status_code == status and reply.json()["message"]


@pytest.mark.parametrize("body", ["{}", "[]", '{"text": 5}', "nope", json.dumps({"text": "y" * 3000})])
def test_malformed_parse_requests_get_a_sentence_not_500(stack: Stack, body: str) -> None:
    reply = requests.post(f"{stack.rasa_url}/model/parse", params=api(stack), data=body,
                          headers={"Content-Type": "application/json"}, timeout=30)
    assert reply.status_code in (400, 413) and reply.json()["message"]


# --- 6. a confirmation answers exactly one question ------------------------------------------------------------------


def buttons_of(replies: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [b for r in replies for b in r.get("buttons") or []]


def test_yes_twice_never_empties_a_bucket(stack: Stack, chat: Conversation) -> None:
    bucket = fresh_bucket(stack, objects=3)
    asked = chat.say(f"delete bucket {bucket}")
    assert any(b["payload"].startswith("/affirm{") for b in buttons_of(asked))
    second = chat.say("yes")  # answers the first question: now "empty it?", which only its own button answers
    empty_button = [b for b in buttons_of(second) if b["title"] == f"Empty and delete {bucket}"]
    assert empty_button, second
    chat.say("yes")
    chat.say("yes")
    assert bucket_exists(stack, bucket)
    assert len(s3(stack).list_objects_v2(Bucket=bucket).get("Contents", [])) == 3


def test_a_stale_yes_after_another_request_does_nothing_and_asks_again(stack: Stack, chat: Conversation) -> None:
    bucket = fresh_bucket(stack)
    chat.say(f"delete bucket {bucket}")
    chat.say("list my buckets")  # another request in between
    again = chat.say("ok")
    assert bucket_exists(stack, bucket)
    assert any(f"Delete bucket {bucket}" in (r.get("text") or "") for r in again), again
    assert chat.say("yes") and not bucket_exists(stack, bucket)  # right after the question: carried out


def test_an_old_button_confirms_nothing(stack: Stack, chat: Conversation) -> None:
    bucket = fresh_bucket(stack)
    first = buttons_of(chat.say(f"delete bucket {bucket}"))[0]["payload"]
    chat.say(f"delete bucket {bucket}")  # the same question again: new buttons, new token
    chat.say(first)
    assert bucket_exists(stack, bucket)


# --- 7. a crash mid-upload leaves nothing hidden ---------------------------------------------------------------------


def test_killing_the_action_server_mid_upload_leaves_no_partial_upload(stack: Stack, chat: Conversation) -> None:
    bucket = fresh_bucket(stack)
    outbox = Path(stack.env["CLOUDBUTLER_UPLOAD_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    big = outbox / f"big-{uuid.uuid4().hex[:6]}.bin"
    with big.open("wb") as fh:  # past the background threshold: the upload runs as a job, in parts
        for _ in range(160):
            fh.write(os.urandom(1024 * 1024))
    client = s3(stack)
    try:
        asked = chat.say_text(f"upload {big.name} to {bucket}")
        answered = chat.say_text("yes")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            uploads = client.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
            if uploads and client.list_parts(Bucket=bucket, Key=uploads[0]["Key"],
                                             UploadId=uploads[0]["UploadId"]).get("Parts"):
                break
            time.sleep(0.05)
        else:
            pytest.fail(f"the upload never started a multipart upload; asked {asked!r}, then said {answered!r}")
        [actions] = [c for c in stack.children if c.name == "actions"]
        os.killpg(actions.process.pid, signal.SIGKILL)
        actions.process.wait(timeout=10)
        assert stack.supervise() == ["actions"]  # the launcher's loop does this every second

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if not client.list_multipart_uploads(Bucket=bucket).get("Uploads") and _told_interrupted(stack, chat):
                break
            time.sleep(0.5)
        assert client.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
        assert "Contents" not in client.list_objects_v2(Bucket=bucket)
        assert _told_interrupted(stack, chat)
        mine = [line for line in audit_lines(stack) if line["sender"] == chat.sender and line["action"] == "upload_file"]
        assert [line["result"] for line in mine] == ["attempted", "interrupted"]
        assert mine[0]["id"] == mine[1]["id"]
        # The restarted action server serves the same conversation as before.
        assert "hello" in chat.say_text("hello").lower()
    finally:
        big.unlink(missing_ok=True)


def _told_interrupted(stack: Stack, chat: Conversation) -> bool:
    tracker = requests.get(f"{stack.rasa_url}/conversations/{chat.sender}/tracker", params=api(stack), timeout=10)
    return any("interrupted" in (e.get("text") or "") for e in tracker.json()["events"] if e["event"] == "bot")
