"""The one registry of failure replies: the code of a ``CloudButlerError`` -> what the user is told.

The replies every skill may need are here: AWS in general (no credentials, throttling, the network) and S3 (a bucket
or key that is not there, a name no bucket can have, access denied to a bucket). Each skill area registers the
replies of its own codes with ``register``, in the module that holds its wording. A reply names what the failure
carries (bucket, key, rule); one whose details are missing gives way to the next reply for that code, and a code
without any gets a sentence naming it - never a trace.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Union

from actions.aws.errors import CloudButlerError
from actions.core.formatting import s3_url
from actions.core.wording import NOTHING_CHANGED

# A template (``str.format`` with the failure's details) or a function of the details.
Reply = Union[str, Callable[[Mapping[str, Any]], str]]

GENERIC_AWS_ERROR = "AWS refused that request ({code}). Nothing was changed."

# --- AWS in general -----------------------------------------------------------------------------------------------
AWS_ERRORS: dict[str, Reply] = {
    "AccessDenied": "AWS denied access for that request. Check that my IAM role or user allows it.",
    "NoCredentials": "I have no AWS credentials. Set AWS_PROFILE or AWS access keys, or run in the sandbox.",
    "NetworkError": "I couldn't reach AWS (network error or timeout). Please try again in a moment.",
    "Throttling": "AWS is throttling requests right now. Please wait a few seconds and try again.",
}

# --- S3: names, and failures that name their bucket or key --------------------------------------------------------
BUCKET_NAME_RULES = {
    "empty": "A bucket name can't be empty.",
    "length": "\"{name}\" has {length} characters; bucket names must be {min}-{max} characters long.",
    "uppercase": "\"{name}\" has capital letters; bucket names must be lowercase (e.g. \"{lower}\").",
    "characters": (
        "\"{name}\" contains characters S3 doesn't allow; bucket names may only use lowercase letters, numbers, "
        "dots (.) and hyphens (-) - no spaces or underscores."
    ),
    "start_end": "\"{name}\" must begin and end with a lowercase letter or a number.",
    "adjacent_periods": "\"{name}\" has two dots in a row, which S3 doesn't allow.",
    "ip_address": "\"{name}\" looks like an IP address, which S3 doesn't allow as a bucket name.",
    "reserved_prefix": "\"{name}\" starts with \"{prefix}\", a prefix AWS reserves.",
    "reserved_suffix": "\"{name}\" ends with \"{suffix}\", a suffix AWS reserves.",
}
BUCKET_NAME_HINT = "Please choose another name."
BUCKET_REFERENCE_HINT = "Say \"list my buckets\" to see the names of yours."
OBJECT_KEY_RULES = {
    "empty": "An object name can't be empty.",
    "too_long": "That object name is {bytes} bytes long; S3 allows at most {max}.",
    "nul_byte": "Object names can't contain a NUL character.",
    "encoding": "That object name isn't valid UTF-8.",
}
def bucket_name_problem(details: Mapping[str, Any]) -> str:
    name = str(details.get("name", ""))
    template = BUCKET_NAME_RULES.get(str(details.get("rule")), BUCKET_NAME_RULES["characters"])
    values = {"min": 3, "max": 63, "prefix": "", "suffix": "", **details, "length": len(name), "lower": name.lower()}
    hint = BUCKET_REFERENCE_HINT if details.get("existing") else BUCKET_NAME_HINT
    return template.format(**values) + " " + hint


def _created_then_failed(d: Mapping[str, Any], what: str) -> str:
    if "rolled_back" not in d:
        return what
    after = (
        "I deleted the half-configured bucket again, so nothing is left behind."
        if d["rolled_back"]
        else f"The bucket exists but may be missing encryption or Block Public Access - check {d['bucket']} in the "
        "AWS console."
    )
    return f"{what} {after}"


S3_ERRORS: dict[str, Reply] = {
    "invalid_bucket_name": bucket_name_problem,
    "InvalidBucketName": lambda d: f"S3 says \"{d['bucket']}\" is not a valid bucket name. {BUCKET_NAME_HINT}",
    "invalid_object_key": lambda d: OBJECT_KEY_RULES[d["rule"]].format(**d) + " " + NOTHING_CHANGED,
    "NoSuchKey": lambda d: (
        f"There is no object {d['key']} in bucket {d['bucket']}. Say \"list files in {d['bucket']}\" to see what "
        "is there (names are case-sensitive)."
    ),
    "NoSuchBucket": lambda d: (
        f"There is no bucket called {d['bucket']} in this account. Say \"list my buckets\" to see yours."
    ),
    "AccessDenied": lambda d: _created_then_failed(
        d,
        f"AWS denied access to {s3_url(d['bucket'], d.get('key', ''))}. Check that my IAM role or user allows "
        "this S3 action on it and that the bucket policy doesn't block it.",
    ),
    "OperationAborted": lambda d: (
        f"Another change to {d['bucket']} is in progress, so S3 refused this one. Wait a minute and try again."
    ),
    "Throttling": lambda d: (
        f"AWS is throttling S3 requests for {d['bucket']} right now, so this didn't go through. Wait a few "
        "seconds and try again."
    ),
    "NetworkError": lambda d: (
        f"I couldn't reach S3 (network error or timeout) while working on {d['bucket']}. Check my connection to "
        "AWS and try again in a moment."
    ),
}

_REPLIES: dict[str, tuple[Reply, ...]] = {}


def register(replies: Mapping[str, Reply | tuple[Reply, ...]]) -> None:
    """Add a skill area's replies (several for one code: tried in order). A code has one owner: registering it twice
    is a mistake, raised at import."""
    for code, reply in replies.items():
        if code in _REPLIES:
            raise ValueError(f"the failure code {code!r} already has its replies")
        _REPLIES[code] = reply if isinstance(reply, tuple) else (reply,)


def error_text(exc: CloudButlerError) -> str:
    """The reply for a failure: the first of its code's replies that its details can fill in, else a sentence naming
    the code."""
    for reply in _REPLIES.get(exc.code, ()):
        try:
            return reply(exc.details) if callable(reply) else reply.format(**exc.details)
        except (KeyError, IndexError, ValueError, TypeError):
            continue
    return GENERIC_AWS_ERROR.format(code=exc.code)


# The S3 reply when the failure names its bucket, else the general one.
register({
    code: tuple(reply for reply in (S3_ERRORS.get(code), AWS_ERRORS.get(code)) if reply is not None)
    for code in (*S3_ERRORS, *(code for code in AWS_ERRORS if code not in S3_ERRORS))
})
