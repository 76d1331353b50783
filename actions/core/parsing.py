"""What a message names, as pure functions of its text (and what the entity extractor found): a bucket, an object
key or file name, an s3://bucket/key URL, whether a sync is a dry run, the name in a typed answer. The extractor
sometimes returns part of a name or nothing at all; these make it whole or guess from the words, and a bucket name
no bucket can have is refused (``InvalidBucketName``) before any AWS call."""
from __future__ import annotations

import re
from typing import Any, Callable, Collection, NamedTuple

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
FILE_LIKE = re.compile(r"[\w][\w./-]*\.[A-Za-z0-9]{1,5}")


def _tokens(text: str) -> list[str]:
    # Quotes, brackets and sentence punctuation around a word are not part of a name ("'b-1'." -> b-1).
    words = (word.strip(_STRIP).rstrip(".").strip(_STRIP) for word in text.split())
    return [word for word in words if word]


def _name_like(word: str, *, named_bucket: bool = False) -> bool:
    # A bare word after "to"/"in" is only taken for a bucket if it looks like one: "to team-reports", not "to me";
    # and not if it looks like a file, unless the word "bucket" is right beside it.
    looks = is_valid_bucket_name(word) and any(c in word for c in "-.0123456789")
    return looks and (named_bucket or not FILE_LIKE.fullmatch(word))


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
        if FILE_LIKE.fullmatch(word):
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


# Words that point back at what the conversation talked about; the extractor sometimes tags them as a name.
_REFERENCES = frozenset({"it", "its", "that", "this", "these", "those", "them", "one", "same", "there", "again"})
_REFERRING = re.compile(
    r"\b(it|its|that|this|these|those|them|same|the\s+(bucket|file|object|instance|server|one))\b", re.IGNORECASE
)


# "batch-1's cpu", "i-0abc...'s load": an instance-shaped name (role-number, or an EC2 id) with a possessive.
_POSSESSIVE_INSTANCE = re.compile(
    r"(?<![\w./-])((?:i-[0-9a-f]{8,17})|(?:[a-z][a-z0-9]*(?:-[a-z0-9]+)*-\d{1,3}))(?:'|\u2019)s\b", re.IGNORECASE
)


def possessive_instance(text: str) -> str | None:
    """The instance a message names in the possessive ("what will batch-1's cpu look like?"), which the entity
    extractor can miss; only instance-shaped names (``web-2``, ``i-0123abcd...``), never a bucket-like word."""
    found = _POSSESSIVE_INSTANCE.search(text)
    return found.group(1) if found else None


def refers_back(text: str) -> bool:
    """Whether a message points at something said before: "it", "that bucket", "this one", "the file"."""
    return bool(_REFERRING.search(text))


def is_reference(value: str | None) -> bool:
    """An extracted "name" that is only a word pointing back ("it", "that", "this one")."""
    return bool(value) and all(word in _REFERENCES for word in str(value).lower().split())


class BucketChoice(NamedTuple):
    """What the words of a message settle about its bucket (``bucket_choice``)."""

    name: str | None  # the bucket, if the words settle it
    rejected: str | None = None  # the extractor's value, when no bucket can be called that today (or it is a path)
    maybe: tuple[str, ...] = ()  # plain words that may be a known bucket's name, the later first


def bucket_choice(text: str, entity: str | None) -> BucketChoice:
    """The bucket a message names, before any lookup: that of an s3:// URL; else the extracted entity made whole,
    if a bucket can be called that today; else a word that looks like a bucket name ("from media-library-prod").
    An entity that is a path ("videos/a.mp4", or part of one) or breaks today's rules is ``rejected``, and then
    the plain words a known bucket may be called are in ``maybe``. A word pointing back ("it") names nothing."""
    url = s3_url_in(text)
    if url:
        return BucketChoice(url.bucket)
    value = None if is_reference(entity) else entity
    candidate = _whole_candidate(text, value)
    guess = guess_bucket(text)
    if candidate and "/" not in candidate and is_valid_bucket_name(candidate):
        # "upload big-1.bin to team-reports": a file's name the extractor took for the bucket yields to a word
        # that looks like one ("to team-reports"), unless the word "bucket" is right beside it.
        if guess and guess != candidate and FILE_LIKE.fullmatch(candidate) and not _beside_bucket(text, candidate):
            return BucketChoice(guess)
        return BucketChoice(candidate)
    if guess and guess != candidate:
        return BucketChoice(guess)
    if not candidate:
        return BucketChoice(None)
    return BucketChoice(None, candidate, _plain_words(text, candidate))


def _beside_bucket(text: str, word: str) -> bool:
    tokens = [t.lower() for t in _tokens(text)]
    return any(
        t == word.lower() and "bucket" in tokens[max(i - 1, 0):i + 2] for i, t in enumerate(tokens)
    )


def _whole_candidate(text: str, value: str | None) -> str | None:
    # The whole word the extractor took part of; a part of a path is that path (which no bucket is called).
    if not value:
        return None
    words = _tokens(text)
    if value in words:
        return value
    paths = [w for w in words if value in w and "/" in w and not w.lower().startswith("s3://")]
    whole = whole_word(text, value, is_valid_bucket_name)
    if whole == value and paths:
        return paths[0]
    return whole


def _plain_words(text: str, rejected: str) -> tuple[str, ...]:
    skip = _FILLERS | _PREPOSITIONS | _REFERENCES | _FILE_WORDS | set(rejected.split())
    words = [
        w for w in _tokens(text)
        if w.lower() not in skip and is_valid_bucket_name(w) and not FILE_LIKE.fullmatch(w) and w not in rejected
    ]
    return tuple(dict.fromkeys(reversed(words)))


def bucket_named(
    text: str, entity: str | None, known: Callable[[], Collection[str]] | None = None
) -> str | None:
    """The bucket a message names (``bucket_choice``); when the extractor's value is no bucket name and the words
    settle nothing, a plain word that is one of the ``known`` buckets (asked only then), else the extractor's
    value if an older bucket may be called that. ``InvalidBucketName`` (with the rule it breaks) if no bucket can
    be called that: such a name never reaches AWS. A path is never a bucket: None (the skill asks)."""
    choice = bucket_choice(text, entity)
    if choice.name:
        validate_bucket_reference(choice.name)
        return choice.name
    if choice.maybe and known is not None:
        names = known()
        found = next((word for word in choice.maybe if word in names), None)
        if found:
            return found
    if choice.rejected and "/" not in choice.rejected:
        validate_bucket_reference(choice.rejected)
        return choice.rejected
    return None


def wants_known_buckets(text: str, entity: str | None) -> bool:
    """Whether ``bucket_named`` would look at the account's bucket names for this message."""
    return bool(bucket_choice(text, entity).maybe)


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


def target_entities(text: str, entities: list[dict[str, Any]], kind: str) -> list[dict[str, Any]] | None:
    """The entities of a "same for x" message made to name x the way a skill reading ``kind`` ("bucket",
    "instance" or "file") looks for it ("and web-2?" -> instance web-2); None if the message names nothing new.
    Words pointing back ("same for it") name nothing."""
    kept = [e for e in entities if e.get("value") and not is_reference(str(e["value"]))]
    values = {str(e.get("entity")): str(e["value"]) for e in kept}
    if kind in values or (kind != "instance" and s3_url_in(text)):
        return kept
    file = values.get("file") or guess_file(text)
    if kind == "file" and file:
        return kept + [{"entity": "file", "value": file}]
    name = values.get("bucket") or values.get("instance") or guess_bucket(text)
    if name and "/" not in name:
        return kept + [{"entity": "bucket" if kind == "file" else kind, "value": name}]
    return None
