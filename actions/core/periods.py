"""Periods in words -> a time range: "today", "this week", "last 3 days", "since Monday", "in November".

Pure functions of the words and the moment they were said (``now``, UTC, injected by the caller's clock), so the
same words at the same moment always give the same range. Weeks start on Monday; calendar periods end at ``now``
when they have not ended yet; "last N days/hours/weeks/months" are rolling windows that end now. Words that name no
past period ("tomorrow", "next week", "pizza") give None: the caller says which periods it understands.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

# What a caller can offer when the words named no period it understands.
EXAMPLES = ("today", "this week", "last 3 days", "since Monday", "in November")

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTH_ALIASES = {name[:3]: i for i, name in enumerate(MONTHS)} | {"sept": 8} | {n: i for i, n in enumerate(MONTHS)}
_WEEKDAY_ALIASES = {name[:3]: i for i, name in enumerate(WEEKDAYS)} | {n: i for i, n in enumerate(WEEKDAYS)}
_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fourteen": 14, "fifteen": 15, "twenty": 20, "thirty": 30,
    "ninety": 90, "few": 3, "a few": 3, "couple": 2, "a couple": 2, "couple of": 2, "a couple of": 2,
}
_UNITS = {
    "m": "minute", "min": "minute", "mins": "minute", "minute": "minute", "minutes": "minute",
    "h": "hour", "hr": "hour", "hrs": "hour", "hour": "hour", "hours": "hour",
    "d": "day", "day": "day", "days": "day",
    "w": "week", "wk": "week", "wks": "week", "week": "week", "weeks": "week",
    "mo": "month", "month": "month", "months": "month",
    "q": "quarter", "quarter": "quarter", "quarters": "quarter",
    "y": "year", "yr": "year", "yrs": "year", "year": "year", "years": "year",
}
# Rolling windows longer than this are not a period anyone keeps data for here (and would overflow dates).
MAX_ROLLING_DAYS = 3660

_LEAD = re.compile(r"^(?:(?:in|over|for|during|within|from|of)\s+)?(?:the\s+)?")
_WORD_COUNT = "|".join(sorted(map(re.escape, _NUMBERS), key=len, reverse=True))
_UNIT = "(" + "|".join(sorted(map(re.escape, _UNITS), key=len, reverse=True)) + ")"
_ROLLING = re.compile(
    rf"^(?:(last|past|previous|recent|latest)\s+)?(?:(\d{{1,4}})\s*{_UNIT}|({_WORD_COUNT})\s+{_UNIT})$"
)
_ROLLING_ONE = re.compile(rf"^(last|past|previous)\s+{_UNIT}$")
_ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_MONTH_YEAR = re.compile(r"^([a-z]+)(?:\s+(\d{4}))?$")


@dataclass(frozen=True)
class Period:
    """``[start, end)`` in UTC; ``label`` is how a sentence says it after a figure ("grew 2 GB this week",
    "... over the last 3 days", "... since Monday", "... in November")."""

    start: datetime
    end: datetime
    label: str

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()

    @property
    def days(self) -> float:
        return self.seconds / 86400


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def _month_start(year: int, month: int) -> datetime:
    """The 1st of ``month`` (0-based, any integer: -1 is December of the year before)."""
    return datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)


def _months_back(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months earlier (the month's last day when it has no such day)."""
    first = _month_start(moment.year, moment.month - 1 - months)
    last_day = (_month_start(first.year, first.month) - timedelta(days=1)).day  # first.month is 1-based: next month
    return moment.replace(year=first.year, month=first.month, day=min(moment.day, last_day))


def _capped(start: datetime, end: datetime, now: datetime, label: str) -> Period | None:
    """A period that has begun, ending at ``now`` if it has not ended yet."""
    if start >= now:
        return None
    return Period(start, min(end, now), label)


def _weekday_on_or_before(today: date, weekday: int, *, strictly: bool = False) -> date:
    back = (today.weekday() - weekday) % 7
    if strictly and back == 0:
        back = 7
    return today - timedelta(days=back)


def _month_begun(now: datetime, month: int, year: int | None) -> datetime:
    """The 1st of ``month`` (0-based) in ``year``, or in the most recent year in which it has begun."""
    if year is not None:
        return _month_start(year, month)
    start = _month_start(now.year, month)
    return start if start <= now else _month_start(now.year - 1, month)


def _month_name(start: datetime, now: datetime) -> str:
    """"November", or "December 2024" when it is not this year's."""
    name = MONTHS[start.month - 1].title()
    return name if start.year == now.year else f"{name} {start.year}"


def _rolling(count: int, unit: str, now: datetime, word: str = "last") -> Period | None:
    """The ``count`` ``unit``s up to now; labelled "over the last 3 days", "over the past week"."""
    label = f"over the {word} {unit}" if count == 1 else f"over the {word} {count} {unit}s"
    if unit in ("month", "quarter", "year"):
        months = count * {"month": 1, "quarter": 3, "year": 12}[unit]
        if not 0 < months <= MAX_ROLLING_DAYS // 31:
            return None
        return Period(_months_back(now, months), now, label)
    size = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1),
            "week": timedelta(weeks=1)}[unit]
    if not 0 < count <= timedelta(days=MAX_ROLLING_DAYS) / size:
        return None
    return Period(now - size * count, now, label)


def _calendar(words: str, now: datetime) -> Period | None:
    """today, this morning, yesterday, last night, this/last week, month, quarter, year; the weekend."""
    today = now.date()
    monday = _midnight(today - timedelta(days=today.weekday()))
    month = _month_start(now.year, now.month - 1)
    quarter = _month_start(now.year, (now.month - 1) // 3 * 3)
    year = _month_start(now.year, 0)
    table: list[tuple[str, datetime, datetime, str]] = [
        (r"today|so far today", _midnight(today), now, "today"),
        (r"yesterday", _midnight(today) - timedelta(days=1), _midnight(today), "yesterday"),
        (r"this morning", _midnight(today), _midnight(today) + timedelta(hours=12), "this morning"),
        # "how busy was web-2 last night": the evening before until the working day began
        (r"last night|overnight", _midnight(today) - timedelta(hours=6), _midnight(today) + timedelta(hours=8),
         "last night"),
        (r"(?:this|current) week|week to date|wtd", monday, now, "this week"),
        (r"(?:last|previous) week", monday - timedelta(days=7), monday, "last week"),
        (r"(?:this|current) month|month to date|mtd", month, now, "this month"),
        (r"(?:last|previous) month", _month_start(month.year, month.month - 2), month, "last month"),
        (r"(?:this|current) quarter|quarter to date|qtd", quarter, now, "this quarter"),
        (r"(?:last|previous) quarter", _month_start(quarter.year, quarter.month - 4), quarter, "last quarter"),
        (r"(?:this|current) year|year to date|ytd", year, now, "this year"),
        (r"(?:last|previous) year", _month_start(now.year - 1, 0), year, "last year"),
    ]
    for pattern, start, end, label in table:
        if re.fullmatch(pattern, words):
            return _capped(start, end, now, label)
    saturday = _midnight(_weekday_on_or_before(today, 5))
    in_weekend = today.weekday() >= 5
    if words in ("last weekend", "previous weekend", "past weekend"):
        # The last weekend that is over: on a Sunday, the one before this one.
        start = saturday - timedelta(days=7) if in_weekend else saturday
        return _capped(start, start + timedelta(days=2), now, "last weekend")
    if words == "weekend" or (words == "this weekend" and in_weekend):
        # "over the weekend": this one while it lasts, else the one just past.
        return _capped(saturday, saturday + timedelta(days=2), now, "this weekend" if in_weekend else "last weekend")
    return None


def _day_or_month(words: str, now: datetime, *, explicit: bool) -> Period | None:
    """Friday / on Friday / last Friday / November / in November 2024. Three-letter names ("mar", "sun") only
    after "in"/"on"/"during": on their own they are too easily other words."""
    today = now.date()
    strictly = words.startswith("last ")
    name = words.removeprefix("last ")
    if name in _WEEKDAY_ALIASES and (len(name) > 3 or explicit or strictly):
        day = _midnight(_weekday_on_or_before(today, _WEEKDAY_ALIASES[name], strictly=strictly))
        title = WEEKDAYS[day.weekday()].title()
        return _capped(day, day + timedelta(days=1), now, f"last {title}" if strictly else f"on {title}")
    match = _MONTH_YEAR.fullmatch(name)
    if match and match.group(1) in _MONTH_ALIASES and not strictly and (len(match.group(1)) > 3 or explicit):
        start = _month_begun(now, _MONTH_ALIASES[match.group(1)], int(match.group(2)) if match.group(2) else None)
        return _capped(start, _month_start(start.year, start.month), now, f"in {_month_name(start, now)}")
    return None


def _since(what: str, now: datetime) -> Period | None:
    """since Monday / last Friday / yesterday / January / last week / 2025-11-03: from then until now."""
    today = now.date()
    if what in ("today", "this morning", "midnight"):
        return _capped(_midnight(today), now, now, "today")
    name = what.removeprefix("last ")
    if name in _WEEKDAY_ALIASES:
        strictly = what.startswith("last ")
        day = _weekday_on_or_before(today, _WEEKDAY_ALIASES[name], strictly=strictly)
        title = WEEKDAYS[day.weekday()].title()
        return _capped(_midnight(day), now, now, f"since last {title}" if strictly else f"since {title}")
    calendar = _calendar(what, now)
    if calendar is not None:
        return _capped(calendar.start, now, now, f"since {what}")
    match = _MONTH_YEAR.fullmatch(what)
    if match and match.group(1) in _MONTH_ALIASES:
        start = _month_begun(now, _MONTH_ALIASES[match.group(1)], int(match.group(2)) if match.group(2) else None)
        return _capped(start, now, now, f"since {_month_name(start, now)}")
    iso = _ISO_DAY.fullmatch(what)
    if iso:
        try:
            day = date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        except ValueError:
            return None
        return _capped(_midnight(day), now, now, f"since {day.isoformat()}")
    return None


def normalise(words: str) -> str:
    """Lower case, one space between words, no hyphens or closing punctuation: "Last-3 Days?" -> "last 3 days"."""
    text = re.sub(r"(?<!\d)-|-(?!\d)", " ", words.lower().replace("_", " "))  # a date keeps its hyphens
    return " ".join(text.split()).strip(" .?!,")


def parse_period(words: str | None, now: datetime) -> Period | None:
    """The period ``words`` name, said at ``now`` (aware); None when they name no past period."""
    if not words or not words.strip():
        return None
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    now = now.astimezone(UTC)
    text = normalise(words)
    if text.startswith("since "):
        return _since(text.removeprefix("since ").removeprefix("the "), now)
    explicit = text.startswith(("in ", "on ", "during "))
    core = _LEAD.sub("", text.removeprefix("on "), count=1)
    found = _calendar(core, now) or _day_or_month(core, now, explicit=explicit)
    if found is not None:
        return found
    match = _ROLLING.fullmatch(core)
    if match:
        word, digits, digit_unit, count_word, word_unit = match.groups()
        if word is None and text.startswith(("in ", "within ")) and not text.startswith(("in the ", "within the ")):
            return None  # "in 3 days", "within 7 days": ahead, not behind
        count = int(digits) if digits else _NUMBERS[count_word]
        return _rolling(count, _UNITS[digit_unit or word_unit], now, "past" if word == "past" else "last")
    match = _ROLLING_ONE.fullmatch(core)
    if match:
        return _rolling(1, _UNITS[match.group(2)], now, "past" if match.group(1) == "past" else "last")
    return None


def period_or_default(words: str | None, now: datetime, default: str) -> Period | None:
    """The period ``words`` name, or ``default`` (words this module understands) when there are none. None when
    there are words but they name no past period: the caller says which periods it understands."""
    if words and words.strip():
        return parse_period(words, now)
    found = parse_period(default, now)
    if found is None:
        raise ValueError(f"the default period {default!r} names no period")
    return found


_TOKEN_EDGES = "\"'`()[]{}<>,;:!?."


def find_period(text: str, now: datetime, *, longest: int = 5) -> tuple[str, Period] | None:
    """The longest run of words in ``text`` that names a past period ("how has x grown since last Friday?" ->
    "since last Friday"), for when the entity extractor found none; the earliest of equally long ones. A run may
    not start with a bare count ("in a week", "for 3 days now" name no past period by themselves)."""
    words = [word.strip(_TOKEN_EDGES) for word in text.split()]
    best: tuple[str, Period] | None = None
    for first in range(len(words)):
        lead = normalise(words[first])
        if lead.isdigit() or lead in _NUMBERS:
            continue
        for size in range(min(longest, len(words) - first), 0, -1):
            if best is not None and size <= len(best[0].split()):
                break
            run = " ".join(words[first:first + size])
            found = parse_period(run, now)
            if found is not None:
                best = (run, found)
                break
    return best
