"""The web chat's pure rules: request validation, identity metadata, file and media names, whole messages."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from connectors.webchat.protocol import (
    MAX_FILE_NAME_BYTES,
    MAX_MESSAGE_CHARS,
    IncomingMessage,
    WebChatRequestError,
    check_sender,
    clean_display_name,
    clean_text,
    display_name_from,
    identity_metadata,
    is_safe_media_name,
    media_url,
    parse_message_body,
    safe_file_name,
    sender_id_for,
    unique_name,
    upload_text,
    whole_message,
)
from connectors.webchat.settings import MEGABYTE, WebChatSettings


def _code(exc: pytest.ExceptionInfo[WebChatRequestError]) -> str:
    return exc.value.code


@pytest.mark.parametrize("sender", ["a", "abc-DEF_123", "0" * 64, "f" * 32])
def test_safe_senders_pass(sender: str) -> None:
    assert check_sender(sender) == sender


@pytest.mark.parametrize(
    "sender", ["", "a" * 65, "web:local:x", "../x", "a b", "ü", "a\n", None, 12, ["a"], {"a": 1}]
)
def test_unsafe_senders_are_refused(sender: object) -> None:
    with pytest.raises(WebChatRequestError) as exc:
        check_sender(sender)
    assert _code(exc) == "bad_sender" and exc.value.status == 400


def test_text_keeps_emoji_rtl_and_newlines_whole() -> None:
    text = "שלום 👋🏽 مرحبا\nline two\u200f"
    assert clean_text(text) == text
    assert clean_text("") == ""


def test_long_text_is_cut_by_characters() -> None:
    assert clean_text("x" * 10_000) == "x" * MAX_MESSAGE_CHARS
    emoji = clean_text("👍" * 10_000)
    assert emoji == "👍" * MAX_MESSAGE_CHARS


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
    body = json.dumps({"sender": "u1", "message": "hi", "metadata": {"user_name": "Ann", "user_id": "root"}})
    assert parse_message_body(body.encode()) == IncomingMessage(sender="u1", text="hi", user_name="Ann")
    assert parse_message_body(b'{"sender": "u1", "message": ""}') == IncomingMessage("u1", "", None)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"", "bad_json"),
        (b"not json", "bad_json"),
        (b"\xff\xfe", "bad_json"),
        (b'["u1", "hi"]', "bad_json"),
        (b'"hi"', "bad_json"),
        (b'{"message": "hi"}', "bad_sender"),
        (b'{"sender": "a:b", "message": "hi"}', "bad_sender"),
        (b'{"sender": "u1"}', "bad_message"),
        (b'{"sender": "u1", "message": null}', "bad_message"),
        (b'{"sender": "u1", "message": 3}', "bad_message"),
        (b'{"sender": "u1", "message": "hi", "metadata": "Ann"}', "bad_metadata"),
    ],
)
def test_bad_message_bodies_are_refused(body: bytes, code: str) -> None:
    with pytest.raises(WebChatRequestError) as exc:
        parse_message_body(body)
    assert _code(exc) == code and exc.value.status == 400


def test_identity_is_built_by_the_channel() -> None:
    attachment = {"name": "a.csv", "path": "/inbox/x/a.csv", "size": 3, "content_type": "text/csv"}
    assert sender_id_for("u1") == "web:local:u1"
    assert identity_metadata("u1", "Ann", [attachment]) == {  # type: ignore[list-item]
        "platform": "web",
        "workspace_id": "local",
        "user_id": "u1",
        "user_name": "Ann",
        "channel_id": "web:u1",
        "attachments": [attachment],
    }
    assert identity_metadata("u1", None)["user_name"] == "u1"
    assert identity_metadata("u1", None)["attachments"] == []


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
def test_file_names_are_sanitised(raw: object, expected: object) -> None:
    if expected is None:
        with pytest.raises(WebChatRequestError) as exc:
            safe_file_name(raw)
        assert _code(exc) == "bad_file_name"
    else:
        name = safe_file_name(raw)
        assert name == expected
        assert Path(name).name == name


def test_long_file_names_keep_their_extension() -> None:
    name = safe_file_name("r" * 500 + ".csv")
    assert name.endswith(".csv") and len(name.encode()) <= MAX_FILE_NAME_BYTES
    assert name == "r" * (MAX_FILE_NAME_BYTES - 4) + ".csv"
    wide = safe_file_name("報" * 300 + ".pdf")
    assert wide.endswith(".pdf") and len(wide.encode()) <= MAX_FILE_NAME_BYTES
    no_ext = safe_file_name("z" * 500)
    assert no_ext == "z" * MAX_FILE_NAME_BYTES


def test_unique_names_count_up() -> None:
    assert unique_name("a.txt", set()) == "a.txt"
    assert unique_name("a.txt", {"a.txt"}) == "a (2).txt"
    assert unique_name("a.txt", {"a.txt", "a (2).txt"}) == "a (3).txt"
    assert unique_name("README", {"README"}) == "README (2)"
    assert unique_name(".env", {".env"}) == ".env (2)"


@pytest.mark.parametrize("name", ["chart.png", "bucket-size_2024.01.png", "A1.pdf", "x"])
def test_safe_media_names(name: str) -> None:
    assert is_safe_media_name(name)


@pytest.mark.parametrize(
    "name", ["", ".hidden", "..", "../x.png", "a/b.png", "a\\b.png", "a..png", "a b.png", "ü.png", "x" * 129]
)
def test_unsafe_media_names(name: str) -> None:
    assert not is_safe_media_name(name)


def test_upload_text_defaults_to_upload_command() -> None:
    assert upload_text(None, ["report.csv"]) == "upload report.csv"
    assert upload_text("   ", ["a.csv", "b.csv"]) == "upload a.csv, b.csv"
    assert upload_text("upload this to my-bucket", ["a.csv"]) == "upload this to my-bucket"


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
    }


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
