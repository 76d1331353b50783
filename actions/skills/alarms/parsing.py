"""What an alarm request names, in the words people use ("alert me when web-2 cpu goes over 80% for 10 minutes",
"alarm if batch-1 cpu above 90", "notify me when web-1 cpu drops below 5%", "page me if web-2 fails a status
check"): the metric, above or below, the threshold, how long, and whether to replace an alarm of the same name.
Pure functions, no Rasa, no AWS."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from actions.aws.alarms import Direction

# (pattern, metric key); the first that matches wins. Memory and disk are named so the reply can say why not.
_METRICS: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p, re.IGNORECASE), key) for p, key in (
    (r"\bstatus[\s_-]*checks?\b|\bhealth[\s_-]*checks?\b|\bunhealthy\b|\bunreachable\b", "status_check"),
    (r"\b(?:network|net)[\s_-]*(?:in|incoming|inbound|received|rx)\b|\b(?:incoming|inbound)\s+(?:traffic|network)"
     r"|\bingress\b|\bbytes\s+in\b", "network_in"),
    (r"\b(?:network|net)[\s_-]*(?:out|outgoing|outbound|sent|tx)\b|\b(?:outgoing|outbound)\s+(?:traffic|network)"
     r"|\begress\b|\bbytes\s+out\b", "network_out"),
    (r"\bcpu\b|\bprocessor\b|\butili[sz]ation\b|\bload\b", "cpu"),
    (r"\bmemory\b|\bram\b|\bmem\b", "memory"),
    (r"\bdisk\b|\bdisk\s+space\b|\bfilesystem\b", "disk"),
))
AGENT_ONLY = frozenset({"memory", "disk"})

_BELOW = re.compile(
    r"\b(?:below|under|beneath|less\s+than|lower\s+than|fewer\s+than|drops?|dropping|dropped|falls?|falling|fell|"
    r"goes\s+down|dips?|sinks?)\b|<|\blow\s+(?:cpu|network|traffic)\b", re.IGNORECASE)
_ABOVE = re.compile(
    r"\b(?:above|over|exceeds?|exceeding|more\s+than|higher\s+than|greater\s+than|passe?s|past|reach(?:es)?|hits?|"
    r"cross(?:es)?|tops?|spikes?|goes\s+up|rises?)\b|>|\bhigh\s+(?:cpu|network|traffic)\b", re.IGNORECASE)
_REPLACE = re.compile(r"\b(?:replace|replacing|overwrite|overwriting|update|change)\b", re.IGNORECASE)

_WORD_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "ten": 10, "fifteen": 15,
                 "twenty": 20, "thirty": 30, "half an": 0.5, "half a": 0.5}
_UNITS = {"s": 1 / 60, "sec": 1 / 60, "second": 1 / 60, "m": 1, "min": 1, "minute": 1, "h": 60, "hr": 60,
          "hour": 60, "d": 1440, "day": 1440}
_AMOUNT = r"(\d+(?:\.\d+)?|half\s+an?|an?|one|two|three|four|five|ten|fifteen|twenty|thirty)"
_UNIT = r"(s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?)"
_DURATION = re.compile(
    r"(?:\b(?:for|over|during|within|in|after|of)\s+(?:the\s+)?(?:(?:last|past|next)\s+)?(?:at\s+least\s+)?"
    + _AMOUNT + r"\s*" + _UNIT + r"\b|(?<![\w.])" + r"(\d+(?:\.\d+)?)\s*" + _UNIT
    + r"\s+(?:in\s+a\s+row|straight|running|consecutive(?:ly)?)\b)", re.IGNORECASE)
# A threshold: a number standing alone (not part of "web-2" or "t3.small"), with its unit if it has one.
_NUMBER = re.compile(
    r"(?<![\w.-])(\d+(?:\.\d+)?)\s*(%|percent\b|pct\b|(?:k|m|g)i?b\b|bytes?\b|b\b)?(?![\w.-]|%)", re.IGNORECASE)
_PERCENT = re.compile(r"%|\bpercent\b", re.IGNORECASE)
_BYTES = {"b": 1, "byte": 1, "bytes": 1, "kb": 1024, "kib": 1024, "mb": 1024**2, "mib": 1024**2, "gb": 1024**3,
          "gib": 1024**3}


@dataclass(frozen=True)
class AlarmRequest:
    """The pieces a message names; None where it names none."""

    metric: str | None = None  # a key of actions.aws.alarms.METRICS, or "memory"/"disk"
    direction: Direction | None = None
    threshold: float | None = None
    minutes: float | None = None
    replace: bool = False

    def merged(self, earlier: AlarmRequest) -> AlarmRequest:
        """These pieces, the missing ones taken from ``earlier`` (the request this message answers or repeats)."""
        return replace(self, metric=self.metric or earlier.metric, direction=self.direction or earlier.direction,
                       threshold=self.threshold if self.threshold is not None else earlier.threshold,
                       minutes=self.minutes if self.minutes is not None else earlier.minutes,
                       replace=self.replace or earlier.replace)


def metric_named(values: list[str], text: str) -> str | None:
    """The metric the extractor found (first value it knows), else the first the words name."""
    for source in (*values, text):
        for pattern, key in _METRICS:
            if pattern.search(source):
                return key
    return None


def duration_in(text: str) -> tuple[float, tuple[int, int]] | None:
    """Minutes the condition must last ("for 10 minutes", "over the last half an hour", "5 min in a row") and where
    the words are."""
    match = _DURATION.search(text)
    if match is None:
        return None
    amount_text = match.group(1) or match.group(3)
    unit = (match.group(2) or match.group(4)).lower().rstrip("s") or "s"
    words = " ".join(amount_text.lower().split())
    amount = float(words) if words[0].isdigit() else float(_WORD_NUMBERS[words])
    unit = {"sec": "sec", "min": "min", "hr": "hr"}.get(unit, unit)
    return amount * _UNITS[unit], match.span()


def threshold_in(text: str, entity: str | None, *, bytes_metric: bool, blank: list[str]) -> float | None:
    """The threshold: the extractor's value, else the first number standing alone in the text once the instance's
    name and the duration (``blank``: words to leave out) are taken away. Sizes ("500 MB") become bytes."""
    candidates = [entity] if entity else []
    rest = text
    for words in blank:
        if words:
            rest = re.sub(re.escape(words), " ", rest, flags=re.IGNORECASE)
    candidates.append(rest)
    for candidate in candidates:
        match = _NUMBER.search(candidate)
        if match is None:
            continue
        value = float(match.group(1))
        unit = (match.group(2) or "").lower().rstrip()
        if unit in _BYTES:
            return value * _BYTES[unit]
        if bytes_metric and candidate is entity:
            # the extractor keeps only the number: its unit is in the text ("over [500](threshold) MB")
            near = re.search(re.escape(match.group(1)) + r"\s*((?:k|m|g)i?b|bytes?)\b", text, re.IGNORECASE)
            if near:
                return value * _BYTES[near.group(1).lower()]
        return value
    return None


def direction_in(text: str) -> Direction | None:
    """"below" when the words say so ("drops below", "under", "<"), "above" when they say that; the first wins."""
    below, above = _BELOW.search(text), _ABOVE.search(text)
    if below and (not above or below.start() < above.start()):
        return "below"
    return "above" if above else None


def parse_request(text: str, *, metrics: list[str], threshold: str | None, instance: str | None,
                  period: str | None = None) -> AlarmRequest:
    """Everything one message names (``metrics``, ``threshold``, ``period``: the extractor's values)."""
    metric = metric_named(metrics, text) or ("cpu" if _PERCENT.search(text) else None)  # the one % metric
    found = duration_in(text) or (duration_in(f"for {period}") if period else None)
    duration_words = text[found[1][0]:found[1][1]] if found and found[1][1] <= len(text) else ""
    without_duration = text.replace(duration_words, " ") if duration_words else text
    value = threshold_in(without_duration, threshold, bytes_metric=metric in ("network_in", "network_out"),
                         blank=[instance or ""])
    return AlarmRequest(metric=metric, direction=direction_in(without_duration), threshold=value,
                        minutes=found[0] if found else None, replace=bool(_REPLACE.search(text)))


def schedule(minutes: float | None) -> tuple[int, int]:
    """(Period, EvaluationPeriods) for "for N minutes": five-minute periods (EC2's basic monitoring) when N is a
    multiple of five, else one-minute periods (detailed monitoring); five minutes once when no time is given."""
    if minutes is None:
        return 300, 1
    whole = max(1, round(minutes))
    if whole % 5 == 0:
        return 300, whole // 5
    return 60, whole
