"""S3 naming rules, checked locally so a bad name never costs (or confuses) an AWS call.

Rules follow the S3 user guide, "General purpose bucket naming rules", and the object key limits.
Each failed rule has a stable ``rule`` id that ``actions.core.errors`` turns into wording.
"""

from __future__ import annotations

import re

from actions.aws.errors import CloudButlerError

BUCKET_NAME_MIN = 3
BUCKET_NAME_MAX = 63
# us-east-1 buckets made before March 2018 may have up to 255 characters, capitals and underscores.
LEGACY_BUCKET_NAME_MAX = 255
OBJECT_KEY_MAX_BYTES = 1024

RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")

_ALLOWED = re.compile(r"[a-z0-9.-]+")
_ALLOWED_IGNORING_CASE = re.compile(r"[a-zA-Z0-9.-]+")
_LEGACY_ALLOWED = re.compile(r"[a-zA-Z0-9._-]+")
_ALNUM = re.compile(r"[a-z0-9]")
# AWS refuses anything shaped like a dotted quad, even 999.1.1.1, so no range check on the parts.
_IP_SHAPED = re.compile(r"\d+\.\d+\.\d+\.\d+")


class InvalidBucketName(CloudButlerError):
    """``rule`` is one of: empty, length, uppercase, characters, start_end, adjacent_periods, ip_address,
    reserved_prefix, reserved_suffix. Details may add ``prefix``/``suffix``/``min``/``max``, and ``existing``
    (True) when the name was to find a bucket rather than to create one."""

    def __init__(self, *, rule: str, name: str, **extra: object) -> None:
        super().__init__("invalid_bucket_name", rule=rule, name=name, **extra)
        self.rule = rule
        self.name = name


class InvalidObjectKey(CloudButlerError):
    """``rule`` is one of: empty, too_long, nul_byte, encoding."""

    def __init__(self, *, rule: str, key: str, **extra: object) -> None:
        super().__init__("invalid_object_key", rule=rule, key=key, **extra)
        self.rule = rule
        self.key = key


def validate_bucket_name(name: str) -> None:
    """Raise ``InvalidBucketName`` for the first rule ``name`` breaks; return quietly if it is valid.

    Only for names we are about to create: buckets made long ago (e.g. legacy us-east-1 names with capitals)
    may break today's rules and must still be usable.
    """
    if not name:
        raise InvalidBucketName(rule="empty", name=name)
    if not BUCKET_NAME_MIN <= len(name) <= BUCKET_NAME_MAX:
        raise InvalidBucketName(rule="length", name=name, min=BUCKET_NAME_MIN, max=BUCKET_NAME_MAX)
    if not _ALLOWED.fullmatch(name):
        # Capitals are the most common mistake ("My-Bucket"); a rule of their own gives a precise hint.
        rule = "uppercase" if _ALLOWED_IGNORING_CASE.fullmatch(name) else "characters"
        raise InvalidBucketName(rule=rule, name=name)
    if not (_ALNUM.fullmatch(name[0]) and _ALNUM.fullmatch(name[-1])):
        raise InvalidBucketName(rule="start_end", name=name)
    if ".." in name:
        raise InvalidBucketName(rule="adjacent_periods", name=name)
    if _IP_SHAPED.fullmatch(name):
        raise InvalidBucketName(rule="ip_address", name=name)
    for prefix in RESERVED_PREFIXES:
        if name.startswith(prefix):
            raise InvalidBucketName(rule="reserved_prefix", name=name, prefix=prefix)
    for suffix in RESERVED_SUFFIXES:
        if name.endswith(suffix):
            raise InvalidBucketName(rule="reserved_suffix", name=name, suffix=suffix)


def validate_bucket_reference(name: str) -> None:
    """Raise ``InvalidBucketName`` (``existing=True``) if no bucket can be called ``name``, not even one made under
    the older, looser rules - checked before a skill uses a bucket a message names, because the AWS client library
    refuses such names without a word of why. Names only today's rules forbid pass: old buckets stay usable, and
    S3 itself says if one does not exist."""
    if not name:
        raise InvalidBucketName(rule="empty", name=name, existing=True)
    if not BUCKET_NAME_MIN <= len(name) <= LEGACY_BUCKET_NAME_MAX:
        raise InvalidBucketName(rule="length", name=name, min=BUCKET_NAME_MIN, max=LEGACY_BUCKET_NAME_MAX,
                                existing=True)
    if not _LEGACY_ALLOWED.fullmatch(name):
        raise InvalidBucketName(rule="characters", name=name, existing=True)


def is_valid_bucket_name(name: str) -> bool:
    try:
        validate_bucket_name(name)
    except InvalidBucketName:
        return False
    return True


def validate_object_key(key: str) -> None:
    """Raise ``InvalidObjectKey`` unless ``key`` is 1..1024 UTF-8 bytes without NUL."""
    if not key:
        raise InvalidObjectKey(rule="empty", key=key)
    if "\x00" in key:
        raise InvalidObjectKey(rule="nul_byte", key=key.replace("\x00", "\\0"))
    try:
        size = len(key.encode("utf-8"))
    except UnicodeEncodeError:
        # Lone surrogates (e.g. from undecodable file names) cannot be sent to S3 at all.
        raise InvalidObjectKey(rule="encoding", key=key.encode("utf-8", "replace").decode("utf-8")) from None
    if size > OBJECT_KEY_MAX_BYTES:
        raise InvalidObjectKey(rule="too_long", key=key[:64] + "...", bytes=size, max=OBJECT_KEY_MAX_BYTES)
