"""SNS signature verification with a real RSA key and certificate made here, served by the injected fetcher; the
envelopes are recorded SNS shapes (payloads/), re-signed with our key."""
from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

from actions.alerts.sns_verify import (
    BadCertificateUrl,
    BadSignature,
    CertificateNotValid,
    CertificateUnavailable,
    ConfirmationFailed,
    MalformedMessage,
    SnsVerificationError,
    SnsVerifier,
    StaleMessage,
    TopicNotAllowed,
    VerifiedMessage,
    canonical_string,
    check_sns_url,
    confirm_subscription,
)

PAYLOADS = Path(__file__).parent / "payloads"
ALARM_TOPIC = "arn:aws:sns:eu-central-1:123456789012:cloudbutler-alarms"
STOCK_TOPIC = "arn:aws:sns:us-east-1:123456789012:inventory-alerts"
NOW = dt.datetime(2026, 12, 2, 6, 15, tzinfo=dt.UTC)


def make_certificate(key: Any, *, not_before: dt.datetime, not_after: dt.datetime, signer: Any = None) -> bytes:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(not_before).not_valid_after(not_after)
        .sign(signer or key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM)


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def pem(key: rsa.RSAPrivateKey) -> bytes:
    return make_certificate(key, not_before=NOW - dt.timedelta(days=30), not_after=NOW + dt.timedelta(days=365))


class Fetcher:
    """Serves one PEM for any URL and records what was asked."""

    def __init__(self, pem: bytes) -> None:
        self.pem = pem
        self.urls: list[str] = []

    def __call__(self, url: str) -> bytes:
        self.urls.append(url)
        return self.pem


def sign(envelope: dict[str, Any], key: rsa.RSAPrivateKey, version: str | None = None) -> dict[str, Any]:
    signed = dict(envelope)
    if version is not None:
        signed["SignatureVersion"] = version
    algorithm = hashes.SHA1() if signed["SignatureVersion"] == "1" else hashes.SHA256()
    signature = key.sign(canonical_string(signed), padding.PKCS1v15(), algorithm)
    signed["Signature"] = base64.b64encode(signature).decode()
    return signed


def recorded(name: str) -> dict[str, Any]:
    return dict(json.loads((PAYLOADS / name).read_text()))


def verifier(pem: bytes, *, now: dt.datetime = NOW, topics: tuple[str, ...] = (ALARM_TOPIC, STOCK_TOPIC),
             max_age: dt.timedelta = dt.timedelta(hours=1)) -> tuple[SnsVerifier, Fetcher]:
    fetcher = Fetcher(pem)
    return SnsVerifier(allowed_topics=topics, fetch_certificate=fetcher, max_age=max_age, clock=lambda: now), fetcher


# --- the canonical string ---------------------------------------------------------------------------------------

def test_canonical_string_of_a_notification_follows_the_documented_order() -> None:
    envelope = {"Type": "Notification", "MessageId": "m1", "TopicArn": STOCK_TOPIC, "Subject": "s", "Message": "hi",
                "Timestamp": "2026-12-02T06:00:00.000Z", "UnsubscribeURL": "ignored", "SignatureVersion": "1"}
    assert canonical_string(envelope) == (
        f"Message\nhi\nMessageId\nm1\nSubject\ns\nTimestamp\n2026-12-02T06:00:00.000Z\nTopicArn\n{STOCK_TOPIC}\n"
        "Type\nNotification\n").encode()


@pytest.mark.parametrize("subject", [None, "absent"])
def test_canonical_string_leaves_out_a_missing_or_null_subject(subject: str | None) -> None:
    envelope = {"Type": "Notification", "MessageId": "m1", "TopicArn": STOCK_TOPIC, "Message": "hi",
                "Timestamp": "t"}
    if subject is None:
        envelope["Subject"] = None  # type: ignore[assignment]
    assert canonical_string(envelope) == f"Message\nhi\nMessageId\nm1\nTimestamp\nt\nTopicArn\n{STOCK_TOPIC}\n" \
                                         "Type\nNotification\n".encode()


@pytest.mark.parametrize("kind", ["SubscriptionConfirmation", "UnsubscribeConfirmation"])
def test_canonical_string_of_confirmations_has_subscribe_url_and_token(kind: str) -> None:
    envelope = {"Type": kind, "MessageId": "m", "TopicArn": "t", "Message": "x", "Timestamp": "ts",
                "SubscribeURL": "u", "Token": "k", "Subject": "never signed"}
    assert canonical_string(envelope) == (
        f"Message\nx\nMessageId\nm\nSubscribeURL\nu\nTimestamp\nts\nToken\nk\nTopicArn\nt\nType\n{kind}\n").encode()


def test_canonical_string_of_a_confirmation_without_token_is_malformed() -> None:
    with pytest.raises(MalformedMessage):
        canonical_string({"Type": "SubscriptionConfirmation", "MessageId": "m", "TopicArn": "t", "Message": "x",
                          "Timestamp": "ts", "SubscribeURL": "u"})


# --- valid deliveries -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("version", ["1", "2"])
def test_valid_notification_with_subject(key: rsa.RSAPrivateKey, pem: bytes, version: str) -> None:
    envelope = sign(recorded("sns_alarm_notification.json"), key, version)
    check, fetcher = verifier(pem)
    message = check.verify(json.dumps(envelope))
    assert message == VerifiedMessage(
        type="Notification", message_id="5b2d7d3c-9f0e-5c1a-8e2b-3f4c1d2a9e71", topic_arn=ALARM_TOPIC,
        message=envelope["Message"], timestamp=dt.datetime(2026, 12, 2, 6, 0, 31, 463000, tzinfo=dt.UTC),
        signature_version=version, subject='ALARM: "web-2 cpu high" in EU (Frankfurt)',
        unsubscribe_url=envelope["UnsubscribeURL"])
    assert json.loads(message.message)["AlarmName"] == "web-2 cpu high"
    assert fetcher.urls == [envelope["SigningCertURL"]]


@pytest.mark.parametrize("version", ["1", "2"])
def test_valid_notification_without_subject(key: rsa.RSAPrivateKey, pem: bytes, version: str) -> None:
    envelope = sign(recorded("sns_stock_notification.json"), key, version)
    assert "Subject" not in envelope
    message = verifier(pem)[0].verify(json.dumps(envelope).encode())
    assert (message.topic_arn, message.subject, message.signature_version) == (STOCK_TOPIC, None, version)
    assert json.loads(message.message)["kind"] == "out_of_stock"


def test_a_mapping_body_is_accepted(key: rsa.RSAPrivateKey, pem: bytes) -> None:
    envelope = sign(recorded("sns_stock_notification.json"), key)
    assert verifier(pem)[0].verify(envelope).message_id == envelope["MessageId"]


def test_the_certificate_is_fetched_once_per_url(key: rsa.RSAPrivateKey, pem: bytes) -> None:
    check, fetcher = verifier(pem)
    for name in ("sns_stock_notification.json", "sns_subscription_confirmation.json",
                 "sns_unsubscribe_confirmation.json", "sns_alarm_notification.json"):
        check.verify(sign(recorded(name), key))
    assert fetcher.urls == [
        "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem",
        "https://sns.eu-central-1.amazonaws.com/SimpleNotificationService-01d088a6f77103d0fe307c0069e40ed6.pem",
    ]


def test_subscription_confirmation_is_verified_and_confirmed(key: rsa.RSAPrivateKey, pem: bytes) -> None:
    envelope = sign(recorded("sns_subscription_confirmation.json"), key)
    message = verifier(pem)[0].verify(envelope)
    assert (message.type, message.token) == ("SubscriptionConfirmation", envelope["Token"])
    asked: list[str] = []

    def get(url: str) -> bytes:
        asked.append(url)
        return (b'<ConfirmSubscriptionResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">'
                b"<ConfirmSubscriptionResult><SubscriptionArn>arn:aws:sns:us-east-1:123456789012:inventory-alerts:"
                b"2bcfbf39-05c3-41de-beaa-fcfcc21c8f55</SubscriptionArn></ConfirmSubscriptionResult>"
                b"</ConfirmSubscriptionResponse>")

    arn = confirm_subscription(message, get)
    assert arn == "arn:aws:sns:us-east-1:123456789012:inventory-alerts:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55"
    assert asked == [envelope["SubscribeURL"]]


def test_unsubscribe_confirmation_is_verified_and_not_confirmable(key: rsa.RSAPrivateKey, pem: bytes) -> None:
    envelope = sign(recorded("sns_unsubscribe_confirmation.json"), key)
    message = verifier(pem)[0].verify(envelope)
    assert (message.type, message.subscribe_url) == ("UnsubscribeConfirmation", envelope["SubscribeURL"])
    with pytest.raises(MalformedMessage):
        confirm_subscription(message, lambda url: b"")


def test_confirmation_refuses_a_subscribe_url_off_sns(key: rsa.RSAPrivateKey, pem: bytes) -> None:
    envelope = recorded("sns_subscription_confirmation.json")
    envelope["SubscribeURL"] = "https://sns.us-east-1.amazonaws.com.evil.com/?Action=ConfirmSubscription"
    message = verifier(pem)[0].verify(sign(envelope, key))  # signed: only the host check stands in the way
    asked: list[str] = []
    with pytest.raises(BadCertificateUrl):
        confirm_subscription(message, lambda url: asked.append(url) or b"")  # type: ignore[func-returns-value]
    assert asked == []


def test_confirmation_failure_is_reported(key: rsa.RSAPrivateKey, pem: bytes) -> None:
    message = verifier(pem)[0].verify(sign(recorded("sns_subscription_confirmation.json"), key))

    def down(url: str) -> bytes:
        raise ConnectionRefusedError

    with pytest.raises(ConfirmationFailed) as caught:
        confirm_subscription(message, down)
    assert caught.value.code == "sns_confirm_failed"
    assert confirm_subscription(message, lambda url: b"not xml") is None


# --- tampering -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("change", [
    {"Message": '{"AlarmName":"web-2 cpu high","NewStateValue":"OK"}'},
    {"Subject": 'OK: "web-2 cpu high" in EU (Frankfurt)'},
    {"Subject": None},
    {"MessageId": "5b2d7d3c-0000-0000-0000-000000000000"},
    {"Timestamp": "2026-12-02T06:10:31.463Z"},
    {"Type": "SubscriptionConfirmation", "SubscribeURL": "https://sns.eu-central-1.amazonaws.com/?x", "Token": "t"},
])
@pytest.mark.parametrize("version", ["1", "2"])
def test_tampered_notification_is_refused(key: rsa.RSAPrivateKey, pem: bytes, change: dict[str, Any],
                                          version: str) -> None:
    envelope = sign(recorded("sns_alarm_notification.json"), key, version)
    envelope.update(change)
    with pytest.raises(BadSignature) as caught:
        verifier(pem)[0].verify(envelope)
    assert caught.value.code == "sns_bad_signature"


def test_signature_version_swap_is_refused(key: rsa.RSAPrivateKey, pem: bytes) -> None:
    envelope = sign(recorded("sns_alarm_notification.json"), key, "1")
    envelope["SignatureVersion"] = "2"
    with pytest.raises(BadSignature):
        verifier(pem)[0].verify(envelope)


def test_a_signature_by_another_key_is_refused(key: rsa.RSAPrivateKey, pem: bytes) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(BadSignature):
        verifier(pem)[0].verify(sign(recorded("sns_stock_notification.json"), other))


# --- the certificate URL ---------------------------------------------------------------------------------------

PEM_PATH = "/SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem"


@pytest.mark.parametrize("url", [
    "http://sns.us-east-1.amazonaws.com" + PEM_PATH,
    "https://sns.us-east-1.amazonaws.com.evil.com" + PEM_PATH,
    "https://sns.us-east-1.amazonaws.com.cn.evil.com" + PEM_PATH,
    "https://evil.com/sns.us-east-1.amazonaws.com" + PEM_PATH,
    "https://sns.us-east-1.amazonaws.com@evil.com" + PEM_PATH,
    "https://evil.com@sns.us-east-1.amazonaws.com" + PEM_PATH,
    "https://user:pw@sns.us-east-1.amazonaws.com" + PEM_PATH,
    "https://sns.us-east-1.amazonaws.com:8443" + PEM_PATH,
    "https://sns.us-east-1.amazonaws.com:443@evil.com" + PEM_PATH,
    "https://sns-us-east-1.amazonaws.com" + PEM_PATH,
    "https://snsXus-east-1.amazonaws.com" + PEM_PATH,
    "https://sns.us-east-1.amazonawsXcom" + PEM_PATH,
    "https://sns.us-east-1.amazonaws.co" + PEM_PATH,
    "https://evil-sns.us-east-1.amazonaws.com" + PEM_PATH,
    "https://sns.evil.amazonaws.com" + PEM_PATH,
    "https://sns.evil.com.amazonaws.com" + PEM_PATH,
    "https://sns.us-east-1.s3.amazonaws.com" + PEM_PATH,
    "https://s3.amazonaws.com/sns.us-east-1" + PEM_PATH,
    "https://SNS.US-EAST-1.AMAZONAWS.COM" + PEM_PATH,
    "https://sns.us-east-1.amazonaws.com./x.pem",
    "https://sns.us-east-1.amazonaws.com\\@evil.com/x.pem",
    "https://sns.us-east-1.amazonaws.com%2eevil.com/x.pem",
    "https://sns.us-east-1.amazonaws.com /x.pem",
    "https://sns.us-east-1.amazonaws.com/cert.txt",
    "https://sns.us-east-1.amazonaws.com/cert.pem?x=1",
    "https://sns.us-east-1.amazonaws.com/cert.pem#x",
    "https://sns.us-east-1.amazonaws.com",
    "https://sns.eu-central-1.amazonaws.com" + PEM_PATH,  # another region than the topic's
    "https://[::1]" + PEM_PATH,
    "ftp://sns.us-east-1.amazonaws.com" + PEM_PATH,
    "//sns.us-east-1.amazonaws.com" + PEM_PATH,
    "",
])
def test_certificate_url_off_sns_is_refused_before_any_fetch(key: rsa.RSAPrivateKey, pem: bytes, url: str) -> None:
    envelope = recorded("sns_stock_notification.json")
    envelope["SigningCertURL"] = url
    check, fetcher = verifier(pem)
    with pytest.raises((BadCertificateUrl, MalformedMessage)):
        check.verify(sign(envelope, key))
    assert fetcher.urls == []


@pytest.mark.parametrize(("url", "region"), [
    ("https://sns.us-east-1.amazonaws.com" + PEM_PATH, "us-east-1"),
    ("https://sns.us-east-1.amazonaws.com:443" + PEM_PATH, "us-east-1"),
    ("https://sns.us-gov-west-1.amazonaws.com" + PEM_PATH, "us-gov-west-1"),
    ("https://sns.cn-north-1.amazonaws.com.cn" + PEM_PATH, "cn-north-1"),
    ("https://sns.ap-southeast-3.amazonaws.com" + PEM_PATH, None),
])
def test_sns_certificate_urls_pass(url: str, region: str | None) -> None:
    assert check_sns_url(url, region=region, pem=True) == url


def test_china_partition_topic_and_certificate(key: rsa.RSAPrivateKey, pem: bytes) -> None:
    topic = "arn:aws-cn:sns:cn-north-1:123456789012:inventory-alerts"
    envelope = recorded("sns_stock_notification.json")
    envelope.update(TopicArn=topic, SigningCertURL="https://sns.cn-north-1.amazonaws.com.cn" + PEM_PATH)
    assert verifier(pem, topics=(topic,))[0].verify(sign(envelope, key)).topic_arn == topic


# --- the certificate -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("not_before", "not_after", "reason"), [
    (NOW - dt.timedelta(days=400), NOW - dt.timedelta(days=1), "expired"),
    (NOW + dt.timedelta(days=1), NOW + dt.timedelta(days=400), "not valid yet"),
])
def test_certificate_outside_its_validity_is_refused(key: rsa.RSAPrivateKey, not_before: dt.datetime,
                                                     not_after: dt.datetime, reason: str) -> None:
    pem = make_certificate(key, not_before=not_before, not_after=not_after)
    with pytest.raises(CertificateNotValid) as caught:
        verifier(pem)[0].verify(sign(recorded("sns_stock_notification.json"), key))
    assert caught.value.details["reason"] == reason


def test_a_cached_certificate_that_expires_is_refused_then(key: rsa.RSAPrivateKey) -> None:
    pem = make_certificate(key, not_before=NOW - dt.timedelta(days=1), not_after=NOW + dt.timedelta(minutes=30))
    moments = [NOW, NOW + dt.timedelta(minutes=31)]
    fetcher = Fetcher(pem)
    check = SnsVerifier(allowed_topics=[STOCK_TOPIC], fetch_certificate=fetcher, clock=lambda: moments[0])
    envelope = sign(recorded("sns_stock_notification.json"), key)
    check.verify(envelope)
    moments.pop(0)
    with pytest.raises(CertificateNotValid):
        check.verify(envelope)
    assert len(fetcher.urls) == 1


@pytest.mark.parametrize("served", [b"", b"not a certificate", b"-----BEGIN CERTIFICATE-----\nAAAA\n"])
def test_unusable_certificate_is_reported(key: rsa.RSAPrivateKey, served: bytes) -> None:
    with pytest.raises(CertificateUnavailable):
        verifier(served)[0].verify(sign(recorded("sns_stock_notification.json"), key))


def test_a_certificate_without_an_rsa_key_is_refused(key: rsa.RSAPrivateKey) -> None:
    ec_key = ec.generate_private_key(ec.SECP256R1())
    pem = make_certificate(ec_key, not_before=NOW - dt.timedelta(days=1), not_after=NOW + dt.timedelta(days=1))
    with pytest.raises(CertificateUnavailable):
        verifier(pem)[0].verify(sign(recorded("sns_stock_notification.json"), key))


def test_a_fetch_failure_is_reported_and_not_cached(key: rsa.RSAPrivateKey, pem: bytes) -> None:
    calls: list[str] = []

    def flaky(url: str) -> bytes:
        calls.append(url)
        if len(calls) == 1:
            raise TimeoutError("timed out")
        return pem

    check = SnsVerifier(allowed_topics=[STOCK_TOPIC], fetch_certificate=flaky, clock=lambda: NOW)
    envelope = sign(recorded("sns_stock_notification.json"), key)
    with pytest.raises(CertificateUnavailable):
        check.verify(envelope)
    assert check.verify(envelope).topic_arn == STOCK_TOPIC
    assert len(calls) == 2


# --- age, topic, shape -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("now", "accepted"), [
    (dt.datetime(2026, 12, 2, 6, 2, 10, 918000, tzinfo=dt.UTC), True),
    (dt.datetime(2026, 12, 2, 7, 2, 10, 918000, tzinfo=dt.UTC), True),  # exactly the max age
    (dt.datetime(2026, 12, 2, 7, 2, 11, tzinfo=dt.UTC), False),
    (dt.datetime(2026, 12, 9, 6, 0, tzinfo=dt.UTC), False),  # a week-old replay
    (dt.datetime(2026, 12, 2, 5, 58, tzinfo=dt.UTC), True),  # our clock a little behind
    (dt.datetime(2026, 12, 2, 5, 50, tzinfo=dt.UTC), False),  # stamped well in our future
])
def test_message_age(key: rsa.RSAPrivateKey, pem: bytes, now: dt.datetime, accepted: bool) -> None:
    envelope = sign(recorded("sns_stock_notification.json"), key)
    check = verifier(pem, now=now)[0]
    if accepted:
        assert check.verify(envelope).message_id == envelope["MessageId"]
    else:
        with pytest.raises(StaleMessage):
            check.verify(envelope)


def test_max_age_is_configurable(key: rsa.RSAPrivateKey, pem: bytes) -> None:
    envelope = sign(recorded("sns_stock_notification.json"), key)  # stamped 06:02:10
    with pytest.raises(StaleMessage):
        verifier(pem, max_age=dt.timedelta(minutes=5))[0].verify(envelope)  # NOW is 06:15


def test_topic_not_in_the_allow_list_is_refused_before_any_fetch(key: rsa.RSAPrivateKey, pem: bytes) -> None:
    check, fetcher = verifier(pem, topics=(ALARM_TOPIC,))
    with pytest.raises(TopicNotAllowed) as caught:
        check.verify(sign(recorded("sns_stock_notification.json"), key))
    assert caught.value.details == {"topic_arn": STOCK_TOPIC}
    assert fetcher.urls == []


@pytest.mark.parametrize("body", [
    "", "not json", "[]", "null", b"\xff\xfe",
    json.dumps({"Type": "Other"}),
    json.dumps({"Type": "Notification"}),
])
def test_malformed_bodies(pem: bytes, body: str | bytes) -> None:
    with pytest.raises(MalformedMessage):
        verifier(pem)[0].verify(body)


@pytest.mark.parametrize("change", [
    {"SignatureVersion": "3"},
    {"SignatureVersion": 1},
    {"SignatureVersion": None},
    {"Signature": "not base64!"},
    {"Timestamp": "yesterday"},
    {"Timestamp": "2026-12-02T06:02:10"},
    {"Message": None},
    {"Message": {"kind": "out_of_stock"}},
    {"MessageId": ""},
    {"TopicArn": "arn:aws:sqs:us-east-1:123456789012:inventory-alerts"},
    {"SigningCertURL": None},
])
def test_malformed_fields(key: rsa.RSAPrivateKey, pem: bytes, change: dict[str, Any]) -> None:
    envelope = recorded("sns_stock_notification.json")
    envelope.update(change)
    check = verifier(pem, topics=(STOCK_TOPIC, str(envelope["TopicArn"])))[0]
    with pytest.raises(MalformedMessage):
        check.verify(envelope)


@pytest.mark.parametrize("error", [MalformedMessage, TopicNotAllowed, BadCertificateUrl, CertificateUnavailable,
                                   CertificateNotValid, BadSignature, StaleMessage, ConfirmationFailed])
def test_every_error_is_one_sns_verification_error(error: Callable[..., Exception]) -> None:
    assert issubclass(error, SnsVerificationError)  # type: ignore[arg-type]


# --- the default fetcher (plain HTTP on loopback here; the URL check keeps it to https in use) ---------------------

@pytest.fixture
def pem_server(pem: bytes) -> Any:
    import http.server
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/redirect.pem":
                self.send_response(302)
                self.send_header("Location", "/cert.pem")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/x-pem-file")
            self.end_headers()
            self.wfile.write(pem)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_https_fetcher_reads_the_pem_and_follows_no_redirect(pem_server: str, pem: bytes) -> None:
    from actions.alerts.sns_verify import https_fetcher

    fetch = https_fetcher(timeout=5)
    assert fetch(f"{pem_server}/cert.pem") == pem
    with pytest.raises(OSError):  # urllib's HTTPError for the 302 left unfollowed
        fetch(f"{pem_server}/redirect.pem")
