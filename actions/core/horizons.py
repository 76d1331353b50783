"""Future periods in words -> the window a forecast covers: "tomorrow", "next week", "the next 6 hours",
"over the weekend", "on Friday".

Pure functions of the words and the moment they were said (``now``, UTC), like ``actions.core.periods`` for the past.
Windows start no earlier than ``now`` and end at most ``MAX_DAYS`` ahead: a forecast from five-minute history is
worth little further out, and saying so beats a confident line to the end of the month.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from actions.core.periods import _NUMBERS, _UNITS, MONTHS, WEEKDAYS, normalise

MAX_DAYS = 7
DEFAULT = "next 24 hours"
EXAMPLES = ("tomorrow", "next 24 hours", "next 3 days", "next week", "on Friday")

_WORD_COUNT = "|".join(sorted(map(re.escape, _NUMBERS), key=len, reverse=True))
_UNIT = "(" + "|".join(sorted(map(re.escape, _UNITS), key=len, reverse=True)) + ")"
_AHEAD = re.compile(
    rf"^(?:(?:over|for|in|during|within)\s+)?(?:the\s+)?(?:next|coming|upcoming|following)\s+"
    rf"(?:(\d{{1,4}})\s*{_UNIT}|({_WORD_COUNT})\s+{_UNIT}|{_UNIT})$"
)
_IN = re.compile(rf"^(?:in|within)\s+(?:(\d{{1,4}})\s*{_UNIT}|({_WORD_COUNT})\s+{_UNIT})$")
_LEAD = re.compile(r"^(?:(?:over|for|on|during|by|in|through)\s+)?(?:the\s+)?")
_WEEKDAY = {name[:3]: i for i, name in enumerate(WEEKDAYS)} | {name: i for i, name in enumerate(WEEKDAYS)}
_FAR = re.compile(
    r"^(?:next|coming|this)\s+(?:month|quarter|year|few\s+months)$|^(?:" + "|".join(MONTHS) + r")(?:\s+\d{4})?$"
)
_SPANS = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1),
          "week": timedelta(weeks=1)}


@dataclass(frozen=True)
class Horizon:
    """``[start, end)`` in UTC, ``start >= now``; ``label`` is how a sentence says it ("tomorrow", "over the next
    3 days", "on Friday")."""

    start: datetime
    end: datetime
    label: str


class TooFarAhead(ValueError):
    """Words naming a future period beyond ``MAX_DAYS`` ("next month")."""


def _midnight(moment: datetime) -> datetime:
    return datetime.combine(moment.date(), time(), tzinfo=UTC)


def _ahead(count: int, unit: str, now: datetime) -> Horizon:
    span = _SPANS.get(unit)
    if span is None or count < 1 or span * count > timedelta(days=MAX_DAYS):
        raise TooFarAhead(unit)
    if count == 1:
        label = {"hour": "over the next hour", "day": "over the next 24 hours", "week": "over the next 7 days"}.get(
            unit, f"over the next {unit}")
    else:
        label = f"over the next {count} {unit}s"
    return Horizon(now, now + span * count, label)


def parse_horizon(words: str | None, now: datetime) -> Horizon | None:
    """The window ``words`` name, or None if they name no future period; ``TooFarAhead`` past ``MAX_DAYS``."""
    if not words:
        return None
    text = normalise(words)
    match = _AHEAD.match(text) or _IN.match(text)
    if match:
        groups = [*match.groups(), None, None][:5]
        digits, unit_a, word, unit_b, unit_c = groups
        unit = _UNITS[str(unit_a or unit_b or unit_c)]
        count = int(digits) if digits else _NUMBERS[word] if word else 1
        return _ahead(count, unit, now)
    text = _LEAD.sub("", text, count=1)
    today = _midnight(now)
    if text in {"tomorrow", "tmrw", "tmr", "tomorow", "tommorow", "tommorrow"}:
        return Horizon(today + timedelta(days=1), today + timedelta(days=2), "tomorrow")
    if text in {"tomorrow morning", "tmrw morning", "tomorrow am"}:
        return Horizon(today + timedelta(days=1), today + timedelta(days=1, hours=12), "tomorrow morning")
    if text in {"today", "later today", "rest of the day", "rest of today", "tonight", "this evening",
                "this afternoon", "later this afternoon", "later tonight"}:
        return Horizon(now, today + timedelta(days=1), "for the rest of today")
    if text in {"next week", "coming week", "week ahead", "this coming week", "upcoming week"}:
        return Horizon(now, now + timedelta(days=7), "over the next 7 days")
    if text in {"weekend", "this weekend", "next weekend", "coming weekend"}:
        monday = today + timedelta(days=7 - now.weekday())
        start = now if now.weekday() >= 5 else monday - timedelta(days=2)
        return Horizon(start, monday, "over the weekend")
    if text.removeprefix("next ").removeprefix("this ") in _WEEKDAY:
        weekday = _WEEKDAY[text.removeprefix("next ").removeprefix("this ")]
        days = (weekday - now.weekday()) % 7 or 7
        day = today + timedelta(days=days)
        return Horizon(day, day + timedelta(days=1), f"on {WEEKDAYS[weekday].capitalize()}")
    if _FAR.search(text):
        raise TooFarAhead(text)
    return None


_BEHIND = frozenset({"last", "past", "previous", "since", "ago"})


def find_horizon(text: str, now: datetime, *, longest: int = 5) -> Horizon | None:
    """The first run of words in ``text`` that names a future window (longest runs first at each position);
    ``TooFarAhead`` for the first that names one too far ahead."""
    found = horizon_in(text, now, longest=longest)
    return None if found is None else found[1]


def horizon_in(text: str, now: datetime, *, longest: int = 5) -> tuple[list[str], Horizon] | None:
    """``find_horizon`` with the words (lower case) that name the window, without a lead the window is the same
    without ("for [next week]")."""
    words = re.findall(r"[\w']+", text.lower())
    for start in range(len(words)):
        if start and words[start - 1] in _BEHIND:
            continue  # "last friday", "since monday": a day behind, not ahead
        for size in range(min(longest, len(words) - start), 0, -1):
            run = words[start:start + size]
            found = parse_horizon(" ".join(run), now)
            if found is not None:
                core = _LEAD.sub("", " ".join(run), count=1).split()
                return (core if core and parse_horizon(" ".join(core), now) == found else run), found
    return None


def steps_until(end: datetime, history_end: datetime, step: timedelta) -> int:
    """How many steps a forecast from ``history_end`` needs to reach ``end``."""
    return max(1, -(-int((end - history_end).total_seconds()) // int(step.total_seconds())))
