"""Verification of SNS HTTP(S) deliveries, as AWS documents it
(https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html), and the subscription confirmation.

An HTTPS endpoint hands the request body to ``SnsVerifier.verify``: it gets a ``VerifiedMessage`` or one
``SnsVerificationError`` subclass per reason (the endpoint answers 403 to any of them and logs the code). What is
checked, in order: the envelope's shape; the topic against the allow-list; the SigningCertURL (https, host exactly
``sns.<region>.amazonaws.com`` or ``.amazonaws.com.cn`` in the topic's own region, no user info, no port but 443,
a ``.pem`` path, no query); the certificate (fetched through the injected fetcher, cached per URL) and its validity
dates; the signature over the canonical string (SignatureVersion 1: SHA1withRSA, 2: SHA256withRSA); the Timestamp
against ``max_age`` (and a small allowance for clocks ahead). De-duplicating by MessageId is the caller's job.
"""
from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
import threading
import urllib.request
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit
from xml.etree import ElementTree

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from actions.aws.errors import CloudButlerError

NOTIFICATION = "Notification"
SUBSCRIPTION_CONFIRMATION = "SubscriptionConfirmation"
UNSUBSCRIBE_CONFIRMATION = "UnsubscribeConfirmation"

# The keys of the canonical string, in the documented order; Subject only when the message has one.
SIGNED_KEYS = {
    NOTIFICATION: ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    SUBSCRIPTION_CONFIRMATION: ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"),
    UNSUBSCRIBE_CONFIRMATION: ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"),
}
OPTIONAL_KEYS = frozenset({"Subject"})
HASHES: dict[str, Callable[[], hashes.HashAlgorithm]] = {"1": hashes.SHA1, "2": hashes.SHA256}

DEFAULT_MAX_AGE = dt.timedelta(hours=1)
CLOCK_SKEW = dt.timedelta(minutes=5)  # a message stamped this far ahead of our clock is still taken
CERT_CACHE_SIZE = 32

# The region part is a real region's shape (us-east-1, us-gov-west-1, cn-northwest-1), never a free label.
_REGION = r"[a-z]{2}(?:-[a-z]+)+-\d{1,2}"
SNS_HOST = re.compile(rf"sns\.(?P<region>{_REGION})\.amazonaws\.com(?:\.cn)?")
TOPIC_ARN = re.compile(rf"arn:aws(?:-[a-z]+)*:sns:(?P<region>{_REGION}):\d{{12}}:[A-Za-z0-9_.-]{{1,256}}")

CertificateFetcher = Callable[[str], bytes]
HttpGetter = Callable[[str], bytes]


class SnsVerificationError(CloudButlerError):
    """An SNS delivery we must not act on; ``code`` says why (an HTTP endpoint answers 403 to all of them)."""


class MalformedMessage(SnsVerificationError):
    def __init__(self, reason: str) -> None:
        super().__init__("sns_malformed", reason=reason)


class TopicNotAllowed(SnsVerificationError):
    def __init__(self, topic_arn: str) -> None:
        super().__init__("sns_topic_not_allowed", topic_arn=topic_arn)


class BadCertificateUrl(SnsVerificationError):
    def __init__(self, url: str, reason: str) -> None:
        super().__init__("sns_bad_cert_url", url=url, reason=reason)


class CertificateUnavailable(SnsVerificationError):
    """The certificate could not be fetched or is not an RSA certificate in PEM."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__("sns_cert_unavailable", url=url, reason=reason)


class CertificateNotValid(SnsVerificationError):
    """Expired, or not valid yet."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__("sns_cert_not_valid", url=url, reason=reason)


class BadSignature(SnsVerificationError):
    def __init__(self, message_id: str) -> None:
        super().__init__("sns_bad_signature", message_id=message_id)


class StaleMessage(SnsVerificationError):
    """Older than the allowed age (a replay, or a delivery retried for too long), or stamped in the future."""

    def __init__(self, message_id: str, timestamp: str) -> None:
        super().__init__("sns_stale", message_id=message_id, timestamp=timestamp)


class ConfirmationFailed(SnsVerificationError):
    def __init__(self, topic_arn: str, reason: str) -> None:
        super().__init__("sns_confirm_failed", topic_arn=topic_arn, reason=reason)


@dataclass(frozen=True)
class VerifiedMessage:
    """An SNS delivery whose signature, certificate, topic and age were checked."""

    type: str
    message_id: str
    topic_arn: str
    message: str
    timestamp: dt.datetime
    signature_version: str
    subject: str | None = None
    subscribe_url: str | None = None
    token: str | None = None
    unsubscribe_url: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)


def canonical_string(envelope: Mapping[str, Any]) -> bytes:
    """The bytes SNS signs: ``key\\nvalue\\n`` for each signed key of the message's type, in the documented order,
    leaving out a Subject the message has not got."""
    kind = envelope.get("Type")
    keys = SIGNED_KEYS.get(kind) if isinstance(kind, str) else None
    if keys is None:
        raise MalformedMessage(f"unknown Type {kind!r}")
    parts: list[str] = []
    for key in keys:
        value = envelope.get(key)
        if value is None and key in OPTIONAL_KEYS:
            continue
        if not isinstance(value, str):
            raise MalformedMessage(f"{key} missing or not a string")
        parts.append(f"{key}\n{value}\n")
    return "".join(parts).encode("utf-8")


def check_sns_url(url: str, *, region: str | None = None, pem: bool = False) -> str:
    """``url`` if it is an https URL of SNS itself (in ``region`` when given); raises BadCertificateUrl otherwise.
    ``pem``: a SigningCertURL (a path ending ``.pem``, no query)."""
    if not isinstance(url, str) or any(c.isspace() or c == "\\" for c in url):
        raise BadCertificateUrl(str(url), "not a plain URL")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise BadCertificateUrl(url, "not a URL") from None
    if parts.scheme != "https":
        raise BadCertificateUrl(url, "not https")
    if "@" in parts.netloc:
        raise BadCertificateUrl(url, "user info in the host")
    if port not in (None, 443):
        raise BadCertificateUrl(url, "a port other than 443")
    host = parts.netloc.rsplit(":", 1)[0] if port is not None else parts.netloc
    match = SNS_HOST.fullmatch(host)  # case-sensitive on purpose: SNS sends lower case; anything else is crafted
    if match is None:
        raise BadCertificateUrl(url, "not an SNS host")
    if region is not None and match["region"] != region:
        raise BadCertificateUrl(url, f"host not in the topic's region {region}")
    if pem and (not parts.path.endswith(".pem") or parts.query or parts.fragment):
        raise BadCertificateUrl(url, "not a .pem path")
    return url


def https_fetcher(timeout: float = 5.0) -> CertificateFetcher:
    """The default fetcher: a GET with the platform's certificate verification (TLS is what vouches for the PEM).
    Redirects are not followed: a redirect would leave the checked host."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    opener = urllib.request.build_opener(_NoRedirect)

    def fetch(url: str) -> bytes:
        with opener.open(url, timeout=timeout) as response:
            return bytes(response.read(64 * 1024))

    return fetch


class SnsVerifier:
    """Checks SNS deliveries for a fixed allow-list of topics. Thread-safe; keep one per process (certificates are
    cached per URL, so SNS's PEM is fetched once)."""

    def __init__(
        self,
        *,
        allowed_topics: Iterable[str],
        fetch_certificate: CertificateFetcher | None = None,
        max_age: dt.timedelta = DEFAULT_MAX_AGE,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self.allowed_topics = frozenset(allowed_topics)
        self.fetch_certificate = fetch_certificate or https_fetcher()
        self.max_age = max_age
        self.clock = clock
        self._certificates: OrderedDict[str, x509.Certificate] = OrderedDict()
        self._lock = threading.Lock()

    def verify(self, body: str | bytes | Mapping[str, Any]) -> VerifiedMessage:
        envelope = parse_envelope(body)
        kind = envelope["Type"]
        message_id = _text(envelope, "MessageId")
        topic_arn = _text(envelope, "TopicArn")
        arn = TOPIC_ARN.fullmatch(topic_arn)
        if arn is None:
            raise MalformedMessage("TopicArn is not an SNS topic ARN")
        if topic_arn not in self.allowed_topics:
            raise TopicNotAllowed(topic_arn)
        version = envelope.get("SignatureVersion")
        if version not in HASHES:
            raise MalformedMessage(f"unsupported SignatureVersion {version!r}")
        cert_url = check_sns_url(_text(envelope, "SigningCertURL"), region=arn["region"], pem=True)
        signed = canonical_string(envelope)
        try:
            signature = base64.b64decode(_text(envelope, "Signature"), validate=True)
        except (binascii.Error, ValueError):
            raise MalformedMessage("Signature is not base64") from None
        timestamp = _timestamp(envelope)
        now = self.clock()
        certificate = self.certificate(cert_url)
        _check_validity(certificate, cert_url, now)
        public_key = certificate.public_key()
        if not isinstance(public_key, rsa.RSAPublicKey):
            raise CertificateUnavailable(cert_url, "not an RSA key")
        try:
            public_key.verify(signature, signed, padding.PKCS1v15(), HASHES[version]())
        except InvalidSignature:
            raise BadSignature(message_id) from None
        # after the signature: a forged message learns nothing about our clock
        if timestamp < now - self.max_age or timestamp > now + CLOCK_SKEW:
            raise StaleMessage(message_id, envelope["Timestamp"])
        return VerifiedMessage(
            type=kind, message_id=message_id, topic_arn=topic_arn, message=envelope["Message"],
            timestamp=timestamp, signature_version=version, subject=envelope.get("Subject"),
            subscribe_url=envelope.get("SubscribeURL"), token=envelope.get("Token"),
            unsubscribe_url=envelope.get("UnsubscribeURL"), raw=dict(envelope),
        )

    def certificate(self, url: str) -> x509.Certificate:
        """The certificate at ``url`` (a checked SigningCertURL), from the cache or the fetcher."""
        with self._lock:
            cached = self._certificates.get(url)
            if cached is not None:
                self._certificates.move_to_end(url)
                return cached
        try:
            pem = self.fetch_certificate(url)
        except (OSError, ValueError) as exc:
            raise CertificateUnavailable(url, type(exc).__name__) from None
        try:
            certificate = x509.load_pem_x509_certificate(pem)
        except ValueError:
            raise CertificateUnavailable(url, "not a PEM certificate") from None
        with self._lock:
            self._certificates[url] = certificate
            while len(self._certificates) > CERT_CACHE_SIZE:
                self._certificates.popitem(last=False)
        return certificate


def parse_envelope(body: str | bytes | Mapping[str, Any]) -> dict[str, Any]:
    """The JSON object of an SNS delivery, with a known Type; raises MalformedMessage otherwise."""
    if isinstance(body, Mapping):
        envelope: Any = dict(body)
    else:
        try:
            envelope = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise MalformedMessage("not JSON") from None
    if not isinstance(envelope, dict):
        raise MalformedMessage("not a JSON object")
    if envelope.get("Type") not in SIGNED_KEYS:
        raise MalformedMessage(f"unknown Type {envelope.get('Type')!r}")
    return envelope


def confirm_subscription(message: VerifiedMessage, get: HttpGetter) -> str | None:
    """Confirm a verified SubscriptionConfirmation by a GET of its SubscribeURL (only an SNS host in the topic's
    region); returns the SubscriptionArn from SNS's answer when it has one. ``get`` returns the body and raises on
    failure (an OSError or ValueError)."""
    if message.type != SUBSCRIPTION_CONFIRMATION or not message.subscribe_url:
        raise MalformedMessage("not a SubscriptionConfirmation")
    arn = TOPIC_ARN.fullmatch(message.topic_arn)
    check_sns_url(message.subscribe_url, region=arn["region"] if arn else None)
    try:
        body = get(message.subscribe_url)
    except (OSError, ValueError) as exc:
        raise ConfirmationFailed(message.topic_arn, type(exc).__name__) from None
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        return None
    for element in root.iter():
        if element.tag.rsplit("}", 1)[-1] == "SubscriptionArn" and element.text:
            return element.text.strip()
    return None


def _text(envelope: Mapping[str, Any], key: str) -> str:
    value = envelope.get(key)
    if not isinstance(value, str) or not value:
        raise MalformedMessage(f"{key} missing or not a string")
    return value


def _timestamp(envelope: Mapping[str, Any]) -> dt.datetime:
    text = _text(envelope, "Timestamp")
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise MalformedMessage("Timestamp is not ISO 8601") from None
    if moment.tzinfo is None:
        raise MalformedMessage("Timestamp has no time zone")
    return moment.astimezone(dt.UTC)


def _check_validity(certificate: x509.Certificate, url: str, now: dt.datetime) -> None:
    if now < certificate.not_valid_before_utc:
        raise CertificateNotValid(url, "not valid yet")
    if now > certificate.not_valid_after_utc:
        raise CertificateNotValid(url, "expired")
