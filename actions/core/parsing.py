"""What a message names, as pure functions of its text (and what the entity extractor found): a bucket, an object
key or file name, an s3://bucket/key URL, whether a sync is a dry run, the name in a typed answer. The extractor
sometimes returns part of a name or nothing at all; these make it whole or guess from the words, and a bucket name
no bucket can have is refused (``InvalidBucketName``) before any AWS call."""
from __future__ import annotations

import re
from typing import Callable, NamedTuple

from actions.aws.s3_names import is_valid_bucket_name, validate_bucket_reference

_DRY = re.compile(
    r"\b(dry[\s-]?run|what\s+(would|will)|would\s+(it|sync|you|that|be)|preview|simulat\w*|pretend|"
    r"without\s+(actually|really|uploading|changing)|just\s+(show|tell|check|list)|show\s+me\s+what|"
    r"what\s+needs\s+to)\b"
)
_NOT_DRY = re.compile(r"\b(no|not\s+a|without\s+a|skip\s+the)\s+dry[\s-]?run\b|\bfor\s+real\b|\breal\s+sync\b")


def is_dry_run(text: str) -> bool:
    """True if the user asked what a sync *would* do ("what would sync do...", "dry run", "preview")."""
    lowered = " ".join(text.lower().split())
    return bool(_DRY.search(lowered)) and not _NOT_DRY.search(lowered)


_LEAD_IN = re.compile(
    r"^(?:please\s+|ok(?:ay)?,?\s+|hmm,?\s+)?(?:call\s+it|name\s+it|it'?s|it\s+is|the\s+name\s+is|name:|"
    r"named|called|use|let'?s\s+use|let'?s\s+go\s+with|go\s+with|how\s+about|try)\s+(.+)$",
    re.IGNORECASE,
)
_QUOTES = "\"'`“”‘’"


def bucket_name_from_answer(text: str) -> str:
    """The name in a typed answer: 'call it "my-bucket".' -> 'my-bucket'. Case is kept so validation can say
    which rule a name breaks; anything unusual is returned as is for the same reason."""
    answer = text.strip()
    match = _LEAD_IN.match(answer)
    if match:
        answer = match.group(1)
    answer = answer.strip().rstrip(".!?").strip().strip(_QUOTES).strip()
    if answer.lower().startswith("s3://"):
        answer = answer[5:].rstrip("/")
    return answer


def looks_like_a_name(text: str) -> bool:
    """Whether a typed answer has the shape of a name, right or wrong: "call it x", or one word with a hyphen, dot,
    digit or underscore ("reports-2025", "Bad_Bucket!"). A plain word ("help", "reports") may be either."""
    if _LEAD_IN.match(text.strip()):
        return True
    answer = bucket_name_from_answer(text)
    return bool(answer) and not any(c.isspace() for c in answer) and any(c in answer for c in "-._0123456789")


_STRIP = "\"'`()[]{}<>,;:!?"
_FILLERS = frozenset({"the", "my", "our", "your", "a", "an", "s3", "aws", "bucket", "called", "named"})
_PREPOSITIONS = frozenset({"to", "into", "in", "from", "of", "for", "on", "onto", "inside", "at", "with"})
_FILE_WORDS = frozenset({"file", "object", "key"})
_FILE_LIKE = re.compile(r"[\w][\w./-]*\.[A-Za-z0-9]{1,5}")


def _tokens(text: str) -> list[str]:
    # Quotes, brackets and sentence punctuation around a word are not part of a name ("'b-1'." -> b-1).
    words = (word.strip(_STRIP).rstrip(".").strip(_STRIP) for word in text.split())
    return [word for word in words if word]


def _name_like(word: str, *, named_bucket: bool = False) -> bool:
    # A bare word after "to"/"in" is only taken for a bucket if it looks like one: "to team-reports", not "to me";
    # and not if it looks like a file, unless the word "bucket" is right beside it.
    looks = is_valid_bucket_name(word) and any(c in word for c in "-.0123456789")
    return looks and (named_bucket or not _FILE_LIKE.fullmatch(word))


def _next_word(tokens: list[str], start: int) -> str | None:
    for word in tokens[start:]:
        if word.lower() not in _FILLERS:
            return word
    return None


def guess_bucket(text: str) -> str | None:
    """A bucket name from the words around it, for when the entity extractor found none:
    "s3://b/k", "bucket b", "b bucket", "to/in/from/of... b", or the last word ("how big is b").

    Only words that look like bucket names (with a hyphen, dot or digit) are guessed: "bucket usage" must not
    name a bucket "usage". Plain one-word names are left to the entity extractor."""
    tokens = _tokens(text)
    for word in tokens:
        if word.lower().startswith("s3://"):
            return word[5:].split("/", 1)[0] or None
    for i, word in enumerate(tokens):
        lowered = word.lower()
        if lowered == "bucket":
            after = _next_word(tokens, i + 1)
            if after and _name_like(after, named_bucket=True):
                return after
            if i > 0 and _name_like(tokens[i - 1], named_bucket=True):
                return tokens[i - 1]
        if lowered in _PREPOSITIONS:
            after = _next_word(tokens, i + 1)
            if after and _name_like(after):
                return after
    return tokens[-1] if tokens and _name_like(tokens[-1]) else None


def guess_file(text: str) -> str | None:
    """An object key or file name: "s3://b/key", a word with an extension, or the word after "file"/"object"."""
    url = s3_url_in(text)
    if url and url.key and not url.key.endswith("/"):
        return url.key
    tokens = [word for word in _tokens(text) if not word.lower().startswith("s3://")]
    for word in tokens:
        if _FILE_LIKE.fullmatch(word):
            return word
    for i, word in enumerate(tokens[:-1]):
        after = tokens[i + 1]
        if word.lower() in _FILE_WORDS and after.lower() not in _FILLERS | _PREPOSITIONS:
            return after
    return None


class S3Url(NamedTuple):
    bucket: str
    key: str  # may be empty ("s3://bucket/") or a prefix ("s3://bucket/reports/")


_QUOTED_URL = re.compile(r"[\"'`\u201c\u2018](s3://[^\"'`\u201d\u2019]+)[\"'`\u201d\u2019]", re.IGNORECASE)
_BARE_URL = re.compile(r"s3://\S*", re.IGNORECASE)


def s3_url_in(text: str) -> S3Url | None:
    """The first s3://bucket/key URL in ``text``, taken apart; a quoted one may hold spaces
    ('download "s3://b/my report.pdf"'), a bare one ends at a space and loses the punctuation around it."""
    match = _QUOTED_URL.search(text)
    if match:
        url = match.group(1)
    else:
        match = _BARE_URL.search(text)
        if not match:
            return None
        url = match.group(0).strip(_STRIP).rstrip(".").strip(_STRIP)
    bucket, _, key = url[5:].partition("/")
    return S3Url(bucket, key) if bucket else None


def bucket_named(text: str, entity: str | None) -> str | None:
    """The bucket a message names: that of an s3:// URL, else the extracted entity (made whole), else a guess
    from the words. ``InvalidBucketName`` (with the rule it breaks) if no bucket can be called that: such a
    name never reaches AWS."""
    url = s3_url_in(text)
    name = url.bucket if url else whole_word(text, entity, is_valid_bucket_name) or guess_bucket(text)
    if name:
        validate_bucket_reference(name)
    return name


def outside_urls(text: str, value: str | None) -> str | None:
    """``value`` unless it appears in ``text`` only inside an s3:// URL (the extractor took part of one)."""
    if not value:
        return value
    words = _tokens(text)
    if value in words or any(value in w for w in words if not w.lower().startswith("s3://")):
        return value
    return None if s3_url_in(text) else value


def whole_word(text: str, value: str | None, valid: Callable[[str], bool] = bool) -> str | None:
    """The entity extractor sometimes returns part of a name ("team-e2e" of "team-e2e-reports"): the whole word
    (if ``valid``); a value that is a word of its own is kept."""
    if not value:
        return value
    words = _tokens(text)
    if value in words:
        return value
    longer = [w for w in words if value in w and not w.lower().startswith("s3://") and valid(w)]
    return longer[0] if longer else value
