"""The web chat's pure rules: request validation, identity metadata, file and media names, whole messages."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from common.media import is_media_name
from connectors.core.inbox import SavedFiles
from connectors.webchat.protocol import (
    IncomingMessage,
    WebChatRequestError,
    check_sender,
    clean_display_name,
    clean_text,
    display_name_from,
    media_url,
    parse_message_body,
    upload_name,
    upload_text,
    web_identity,
    whole_message,
)
from connectors.webchat.sessions import SessionSigner
from connectors.webchat.settings import MEGABYTE, WebChatSettings

SIGNER = SessionSigner("protocol-test-secret-0123456789")
U1 = SIGNER.issue()
U1_ID = U1.split(".")[0]


def _code(exc: pytest.ExceptionInfo[WebChatRequestError]) -> str:
    return exc.value.code


def test_issued_sessions_pass_as_their_id() -> None:
    token = SIGNER.issue()
    session_id, signature = token.split(".")
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", session_id) and re.fullmatch(r"[A-Za-z0-9_-]{22}", signature)
    assert check_sender(token, SIGNER) == session_id
    assert SIGNER.verify(token) == session_id
    assert len({SIGNER.issue() for _ in range(100)}) == 100


def _tampered(token: str) -> str:
    """The same session id with one character of the signature changed."""
    head, last = token[:-1], token[-1]
    return head + ("A" if last != "A" else "B")


@pytest.mark.parametrize(
    "sender",
    [
        "",
        "u1",
        "f" * 32,  # what pages made up before sessions were issued
        "a" * 65,
        "web:local:x",
        f"web:local:{U1_ID}",
        U1_ID,  # the id alone, without its signature
        f"{U1_ID}.",
        _tampered(U1),
        f"{SIGNER.issue().split('.')[0]}.{U1.split('.')[1]}",  # another id with U1's signature
        SessionSigner("another-secret-0123456789").issue(),
        U1 + "\n",
        " " + U1,
        U1 + ".x",
        "../x",
        "a b",
        "ü",
        None,
        12,
        [U1],
        {"a": 1},
    ],
)
def test_senders_this_server_did_not_issue_are_refused(sender: object) -> None:
    with pytest.raises(WebChatRequestError) as exc:
        check_sender(sender, SIGNER)
    assert _code(exc) == "bad_sender" and exc.value.status == 401
    assert SIGNER.verify(sender) is None


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 16"):
        SessionSigner("too-short")


def test_text_keeps_emoji_rtl_and_newlines_whole() -> None:
    text = "שלום 👋🏽 مرحبا\nline two\u200f"
    assert clean_text(text) == text
    assert clean_text("") == ""


def test_long_text_is_kept_whole() -> None:
    # Never cut: the channel refuses a too-long message as a whole (TOO_LONG), so nothing half-read reaches the bot.
    assert clean_text("x" * 10_000) == "x" * 10_000
    assert clean_text("👍" * 10_000) == "👍" * 10_000


@pytest.mark.parametrize("value", [None, 5, ["hi"], {"text": "hi"}, b"hi"])
def test_non_string_message_is_refused(value: object) -> None:
    with pytest.raises(WebChatRequestError) as exc:
        clean_text(value)
    assert _code(exc) == "bad_message"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Ann", "Ann"),
        ("  Ann   Lee \n", "Ann Lee"),
        ("Ann\x00\x1b[31mRed", "Ann[31mRed"),
        ("\u202eevil", "evil"),
        ("a" * 200, "a" * 80),
        ("   ", None),
        ("", None),
        (None, None),
        (42, None),
    ],
)
def test_display_names_are_cleaned(raw: object, expected: object) -> None:
    assert clean_display_name(raw) == expected


def test_metadata_offers_only_a_display_name() -> None:
    spoof = {"user_name": "Ann", "platform": "slack", "user_id": "admin", "workspace_id": "T1", "attachments": [1]}
    assert display_name_from(spoof) == "Ann"
    assert display_name_from(None) is None
    assert display_name_from({}) is None
    with pytest.raises(WebChatRequestError) as exc:
        display_name_from(["Ann"])
    assert _code(exc) == "bad_metadata"


def test_message_body_is_parsed() -> None:
    body = json.dumps({"sender": U1, "message": "hi", "metadata": {"user_name": "Ann", "user_id": "root"}})
    assert parse_message_body(body.encode(), SIGNER) == IncomingMessage(sender=U1_ID, text="hi", user_name="Ann")
    empty = json.dumps({"sender": U1, "message": ""}).encode()
    assert parse_message_body(empty, SIGNER) == IncomingMessage(U1_ID, "", None)


DEEP = 10_000


def _body(**fields: object) -> bytes:
    return json.dumps(fields).encode()


def _with_metadata(raw_metadata: str) -> bytes:
    """A valid message whose metadata is ``raw_metadata`` as written (json.dumps cannot write 10,000 levels)."""
    return _body(sender=U1, message="hi")[:-1] + b', "metadata": ' + raw_metadata.encode() + b"}"


@pytest.mark.parametrize(
    ("body", "code", "status"),
    [
        (b"", "bad_json", 400),
        (b"not json", "bad_json", 400),
        (b"\xff\xfe", "bad_json", 400),
        (json.dumps([U1, "hi"]).encode(), "bad_json", 400),
        (b'"hi"', "bad_json", 400),
        (b"[" * DEEP + b"]" * DEEP, "bad_json", 400),
        (_with_metadata("[" * DEEP + "]" * DEEP), "bad_json", 400),
        (_with_metadata('{"a": ' * DEEP + "1" + "}" * DEEP), "bad_json", 400),
        (b'{"message": "hi"}', "bad_sender", 401),
        (b'{"sender": "a:b", "message": "hi"}', "bad_sender", 401),
        (b'{"sender": "u1", "message": "hi"}', "bad_sender", 401),
        (_body(sender=_tampered(U1), message="hi"), "bad_sender", 401),
        (_body(sender=U1), "bad_message", 400),
        (_body(sender=U1, message=None), "bad_message", 400),
        (_body(sender=U1, message=3), "bad_message", 400),
        (_body(sender=U1, message="hi", metadata="Ann"), "bad_metadata", 400),
    ],
)
def test_bad_message_bodies_are_refused(body: bytes, code: str, status: int) -> None:
    with pytest.raises(WebChatRequestError) as exc:
        parse_message_body(body, SIGNER)
    assert (_code(exc), exc.value.status) == (code, status)


def test_identity_is_built_by_the_channel() -> None:
    attachment = {"name": "a.csv", "path": "/inbox/x/a.csv", "size": 3, "content_type": "text/csv"}
    assert web_identity("u1", "Ann").sender_id == web_identity("u1", None).sender_id == "web:local:u1"
    assert web_identity("u1", "Ann").metadata(SavedFiles(saved=[attachment])) == {  # type: ignore[list-item]
        "platform": "web",
        "workspace_id": "local",
        "user_id": "u1",
        "user_name": "Ann (unverified, web session u1)",  # the page chose the name; only the session is verified
        "channel_id": "web:u1",
        "attachments": [attachment],
    }
    assert web_identity("u1", None).metadata(SavedFiles())["user_name"] == "u1"
    assert web_identity("u1", None).metadata(SavedFiles())["attachments"] == []


def test_error_json_names_code_and_message() -> None:
    assert WebChatRequestError("too_large", 413, max_mb=1.0).as_json() == {
        "error": "too_large",
        "message": "The upload is larger than the limit.",
        "max_mb": 1.0,
    }


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("report.pdf", "report.pdf"),
        ("../../etc/passwd", "passwd"),
        ("/abs/path/report.csv", "report.csv"),
        ("C:\\Users\\ann\\report.xlsx", "report.xlsx"),
        ("..\\..\\win.ini", "win.ini"),
        ("dir/..", None),
        ("a<b>c:d|e?f*g\".txt", "a_b_c_d_e_f_g_.txt"),
        ("nul\x00byte.txt", "nul_byte.txt"),
        ("  spaced name.txt  ", "spaced name.txt"),
        (".env", ".env"),
        ("...txt", "...txt"),
        ("Ünïcödé 報告.txt", "Ünïcödé 報告.txt"),
        ("", None),
        (".", None),
        ("..", None),
        ("...", None),
        ("   ", None),
        ("a/", None),
        (None, None),
    ],
)
def test_upload_names_follow_the_connectors_rule_and_refuse_unusable_ones(raw: object, expected: object) -> None:
    if expected is None:
        with pytest.raises(WebChatRequestError) as exc:
            upload_name(raw)
        assert _code(exc) == "bad_file_name"
    else:
        name = upload_name(raw)
        assert name == expected
        assert Path(name).name == name


def test_long_upload_names_keep_their_extension() -> None:
    # The rule itself is tested in tests/connectors/core/test_core.py; the web chat applies it unchanged.
    assert upload_name("r" * 500 + ".csv") == "r" * 196 + ".csv"
    assert upload_name("z" * 500) == "z" * 200


@pytest.mark.parametrize("name", ["chart.png", "bucket-size_2024.01.png", "A1.pdf", "x"])
def test_safe_media_names(name: str) -> None:
    assert is_media_name(name)


@pytest.mark.parametrize(
    "name", ["", ".hidden", "..", "../x.png", "a/b.png", "a\\b.png", "a..png", "a b.png", "ü.png", "x" * 129]
)
def test_unsafe_media_names(name: str) -> None:
    assert not is_media_name(name)


def test_upload_text_defaults_to_upload_command() -> None:
    assert upload_text(None, ["report.csv"]) == "upload report.csv"
    assert upload_text("   ", ["a.csv", "b.csv"]) == "upload a.csv, b.csv"
    assert upload_text("upload this to my-bucket", ["a.csv"]) == "upload this to my-bucket"
    many = [f"{'n' * 190}-{i}.csv" for i in range(40)]
    assert upload_text(None, many) == f"upload {many[0]}, {many[1]}, {many[2]} and 37 more files"
    assert len(upload_text(None, many)) < 2000


def test_whole_message_keeps_vocabulary_together_and_drops_the_rest() -> None:
    rasa_message = {
        "text": "Chart",
        "buttons": [{"title": "Yes", "payload": "/affirm", "type": "postback"}, {"title": "broken"}, "junk"],
        "image": "/webhooks/webchat/media/c.png",
        "attachment": None,
        "custom": {"table": {"columns": ["a"], "rows": [["1"]]}},
        "elements": None,
        "quick_replies": None,
        "timestamp": 1.0,
        "utter_action": "utter_chart",
        "recipient_id": "web:local:u1",
    }
    assert whole_message(rasa_message) == {
        "text": "Chart",
        "buttons": [{"title": "Yes", "payload": "/affirm"}],
        "image": "/webhooks/webchat/media/c.png",
        "custom": {"table": {"columns": ["a"], "rows": [["1"]]}},
        "text_around_table": ["Chart", ""],
    }


def test_the_page_gets_the_text_beside_a_table_without_the_lines_the_table_restates() -> None:
    table = {"title": "Your buckets", "columns": ["Bucket", "Region"], "rows": [["logs", "eu-west-1"]]}
    message = whole_message({"text": "Your buckets:\n- logs (eu-west-1)\nSay 'usage of logs' for sizes.",
                             "buttons": [{"title": "Delete", "payload": "/affirm", "style": "danger"}],
                             "custom": {"table": table}})
    assert message["text_around_table"] == ["", "Say 'usage of logs' for sizes."]
    assert message["buttons"] == [{"title": "Delete", "payload": "/affirm", "style": "danger"}]
    odd = whole_message({"text": "x", "custom": {"table": {"columns": ["a"], "rows": "nope", "totals": 3}}})
    assert odd["text_around_table"] == ["x", ""]


def test_whole_message_edge_cases() -> None:
    assert whole_message({"text": None, "image": ""}) == {}
    assert whole_message({"text": "Pick", "quick_replies": [{"title": "A", "payload": "/a"}]}) == {
        "text": "Pick",
        "buttons": [{"title": "A", "payload": "/a"}],
    }
    assert whole_message({"attachment": "https://x/y.pdf", "custom": {}}) == {"attachment": "https://x/y.pdf"}
    assert whole_message({"text": "a\n\nb"}) == {"text": "a\n\nb"}  # not split at blank lines like Rasa's REST


def test_settings_prefer_explicit_then_environment_then_defaults(tmp_path: Path) -> None:
    env = {
        "CLOUDBUTLER_INBOX_DIR": str(tmp_path / "in"),
        "CLOUDBUTLER_MEDIA_DIR": str(tmp_path / "media"),
        "CLOUDBUTLER_UPLOAD_MAX_MB": "2.5",
    }
    from_env = WebChatSettings.resolve(environ=env)
    assert from_env == WebChatSettings(tmp_path / "in", tmp_path / "media", int(2.5 * MEGABYTE))
    explicit = WebChatSettings.resolve(inbox_dir=tmp_path / "x", upload_max_mb=1, environ=env)
    assert explicit.inbox_dir == tmp_path / "x" and explicit.upload_max_bytes == MEGABYTE
    defaults = WebChatSettings.resolve(environ={})
    assert defaults.inbox_dir == (Path.cwd() / "var" / "inbox").resolve()
    assert defaults.media_dir == (Path.cwd() / "var" / "media").resolve()
    assert defaults.upload_max_bytes == 100 * MEGABYTE
    assert defaults.inbox_dir.is_absolute()


@pytest.mark.parametrize("raw", ["lots", "0", "-1", "nan"])
def test_bad_upload_limits_fail_loudly(raw: str) -> None:
    with pytest.raises(ValueError, match="CLOUDBUTLER_UPLOAD_MAX_MB"):
        WebChatSettings.resolve(environ={"CLOUDBUTLER_UPLOAD_MAX_MB": raw})


@pytest.mark.parametrize(("raw", "seconds"), [(None, 25.0), ("", 25.0), ("0.5", 0.5), (3, 3.0), ("55", 55.0)])
def test_updates_wait_is_seconds(raw: str | float | None, seconds: float) -> None:
    assert WebChatSettings.resolve(updates_wait_seconds=raw, environ={}).updates_wait_seconds == seconds


@pytest.mark.parametrize("raw", ["forever", "0", "-1", "nan", "inf", "56"])
def test_bad_updates_waits_fail_loudly(raw: str) -> None:
    with pytest.raises(ValueError, match="updates_wait_seconds"):
        WebChatSettings.resolve(updates_wait_seconds=raw, environ={})


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/media/chart.png", "media/chart.png"),
        ("/media/../secret.png", "/media/../secret.png"),
        ("/media/", "/media/"),
        ("/webhooks/webchat/media/chart.png", "/webhooks/webchat/media/chart.png"),
        ("media/chart.png", "media/chart.png"),
        ("https://bucket.s3.amazonaws.com/x.png?sig=1", "https://bucket.s3.amazonaws.com/x.png?sig=1"),
    ],
)
def test_media_route_urls_become_relative_to_the_page(url: str, expected: str) -> None:
    assert media_url(url) == expected
    assert whole_message({"image": url, "attachment": url}) == {"image": expected, "attachment": expected}
