"""Small pipeline steps after DIET (see config.yml): a typed AWS CLI command means what the CLI means, entities a
person could have meant, and no change to the account on a guess.

- ``ShellCommand`` gives a message that is an ``aws s3 ...``/``s3api``/``ec2``/``cloudwatch`` command the intent of
  that command (``nlu/shell.py``): "aws s3 cp s3://b/k ." downloads, whatever the words suggest to the model.

- ``EntityTidier`` drops an entity that is only a filler word ("the" of "the last 3 days", "for" of "for stock
  alerts"), joins two pieces of one multi-word value the extractor split ("Kindle" + "Paperwhite"), completes a
  product name it cut after the first word ("[echo] dot in stock"), and adds what
  has one unmistakable shape when the extractor missed it - an EC2 instance type ("t3.small"), a percentage
  threshold ("80%"), a metric EC2 publishes ("cpu", "memory", "network in") - before synonyms are mapped. Then the
  entities are fitted to the intent (``INTENT_ENTITIES``, what its skill reads): a name tagged as the wrong kind is
  the kind the request is about ("reboot [harbor-cache-1]" is an instance even if tagged a bucket), one the skill
  never reads is dropped ("cya [tomorrow]"); and what a request needs but the extractor missed is added when its
  shape is unmistakable - the file ("model-v7.onnx"), the bucket (the word the actions would take for one, "rules
  of tidepool-logs", or the only bucket-shaped word), a folder ("under responses"), an instance (a possessive
  name, an EC2 id), a past period as the skill reads it, a subscription's topic.
- ``ChangeGuard`` turns a request the model is unsure about into ``nlu_fallback`` when its intent would change the
  account: a mutating intent needs more confidence than an answer does, so chatter that merely sounds like a change
  ("restart the ECS service", "sudo rm -rf /") gets "here is what I can do", never a proposal.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from actions.aws.s3_names import is_valid_bucket_name
from actions.core.horizons import TooFarAhead, horizon_in
from actions.core.parsing import FILE_LIKE, guess_bucket, possessive_instance, refers_back
from actions.core.periods import find_period
from nlu.shell import command_in

# Intents whose skill changes something in the account (the same set the evaluation counts out-of-scope against).
MUTATING: frozenset[str] = frozenset({
    "create_bucket", "delete_bucket", "upload_file", "delete_object", "sync_folder", "apply_lifecycle",
    "instance_control", "create_alarm", "track_bucket", "subscribe_alerts", "unsubscribe_alerts",
})

# Words that are never a whole entity on their own.
FILLERS: frozenset[str] = frozenset({
    "a", "an", "the", "for", "of", "in", "on", "at", "to", "from", "by", "with", "and", "or", "my", "our", "me", "us",
    "it", "its", "this", "that", "these", "those", "is", "are", "be", "please", "pls", "some", "any", "all", "over",
    "above", "below", "under", "when", "if", "than", "per", "about", "i",
})

# Entities whose values run over several words: two pieces with only a space between them are one value.
MULTI_WORD: frozenset[str] = frozenset({"period", "item", "store", "topic", "metric"})


# Closed vocabularies: (entity, pattern, canonical value or None for the text itself). Never inside a name: the
# words around a match may not continue it ("cpu-logs" is a bucket, not the metric cpu).
_EDGE_BEFORE, _EDGE_AFTER = r"(?<![\w./-])", r"(?![\w./-])"
SHAPES: list[tuple[str, re.Pattern[str], str | None]] = [
    ("instance_type", re.compile(_EDGE_BEFORE + r"[a-z][0-9][a-z0-9-]*\.(?:nano|micro|small|medium|large|metal|"
                                 r"[0-9]*xlarge)" + _EDGE_AFTER, re.I), None),
    ("threshold", re.compile(r"(?<![\w.])[0-9]{1,3}(?=\s?(?:%|percent\b))"), None),
    ("threshold", re.compile(r"(?<![\w.])[0-9]+(?:\.[0-9]+)?(?=\s?(?:[kmgt]i?b|bytes?)(?![\w/-]))", re.I), None),
    ("metric", re.compile(_EDGE_BEFORE + r"(?:cpu(?:\s+(?:utili[sz]ation|usage|load))?|processor)" + _EDGE_AFTER, re.I),
     "cpu"),
    ("metric", re.compile(_EDGE_BEFORE + r"(?:memory|ram|mem)" + _EDGE_AFTER, re.I), "memory"),
    ("metric", re.compile(_EDGE_BEFORE + r"disk(?:\s+space)?" + _EDGE_AFTER, re.I), "disk"),
    ("metric", re.compile(_EDGE_BEFORE + r"(?:network\s+in|inbound\s+traffic|net\s+in)" + _EDGE_AFTER, re.I), "network in"),
    ("metric", re.compile(_EDGE_BEFORE + r"(?:network\s+out|outbound\s+traffic|net\s+out)" + _EDGE_AFTER, re.I),
     "network out"),
]


def _bare(text: str) -> str:
    return text.strip().strip(".,;:!?\"'()").lower()


def overlaps(start: int, end: int, entities: list[dict[str, Any]]) -> bool:
    """Whether the characters ``start:end`` share one with any of ``entities``."""
    return any(start < e.get("end", 0) and e.get("start", 0) < end for e in entities)


def added(entity: str, start: int, end: int, value: str) -> dict[str, Any]:
    """An entity this step found (where the extractor did not)."""
    return {"entity": entity, "start": start, "end": end, "value": value, "confidence_entity": 1.0,
            "extractor": "EntityTidier"}


def add_shapes(text: str, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``entities`` plus the first match of each closed-vocabulary entity the extractor did not find at all, and of
    each metric named ("cpu and [memory] of this host"), where it overlaps nothing found."""
    found = {e["entity"] for e in entities if e["entity"] != "metric"}
    found_here: list[dict[str, Any]] = []
    for entity, pattern, canonical in SHAPES:
        if entity in found:
            continue
        for match in pattern.finditer(text):
            start, end = match.span()
            if overlaps(start, end, entities + found_here):
                continue
            found_here.append(added(entity, start, end, canonical or match.group(0)))
            if entity != "metric":
                found.add(entity)
            break
    return entities + found_here


# Intents whose request is about one bucket: when the extractor found none, a word shaped like a bucket name is it.
BUCKET_INTENTS: frozenset[str] = frozenset({
    "create_bucket", "delete_bucket", "list_objects", "upload_file", "download_file", "delete_object",
    "bucket_usage", "sync_folder", "cost_optimization", "apply_lifecycle", "show_lifecycle", "storage_trend",
    "track_bucket",
})
_WORD = re.compile(r"[^\s\"'`()\[\]<>,;:!?]+")


def _bucket_shaped(word: str) -> bool:
    # A name people give buckets: S3's rules, a letter, and a hyphen, dot or digit ("tidepool-logs"), but no file
    # ("a.csv"), folder ("raw/"), instance type ("t3.small"), number ("2023") or amount ("45d", "500mb").
    return (is_valid_bucket_name(word) and any(c.isalpha() for c in word) and any(c in word for c in "-.0123456789")
            and not FILE_LIKE.fullmatch(word) and not SHAPES[0][1].fullmatch(word) and not _AMOUNT.fullmatch(word))


def add_missing_bucket(text: str, intent: str | None, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``entities`` plus the bucket of a bucket request the extractor missed: the word the actions would take for
    it (after "in"/"of"/"bucket", or last), else the only bucket-shaped word outside the other entities."""
    if intent not in BUCKET_INTENTS or "s3://" in text.lower() or any(e["entity"] == "bucket" for e in entities):
        return entities
    free = [m for m in _WORD.finditer(text) if not overlaps(*m.span(), entities)]
    words = [m for m in free if _bucket_shaped(m.group().rstrip("."))]
    guess = guess_bucket(text)
    chosen = next((m for m in words if m.group().rstrip(".") == guess), None)
    if chosen is None and len(words) == 1:
        chosen = words[0]
    if chosen is None:
        return entities
    value = chosen.group().rstrip(".")
    return [*entities, added("bucket", chosen.start(), chosen.start() + len(value), value)]


# Intents about one instance: a possessive instance-shaped name ("etl-3's cpu") or an EC2 id is it.
INSTANCE_INTENTS: frozenset[str] = frozenset({
    "server_status", "instance_metrics", "forecast_load", "rightsize", "instance_control", "create_alarm",
})
_INSTANCE_ID = re.compile(r"(?<![\w./-])i-[0-9a-f]{8,17}(?![\w./-])", re.I)
# A number's unit belongs to the value: "over [500 MB]", "above [90 percent]", "for [10 minutes]".
_UNIT_AFTER = {
    "threshold": re.compile(r"\s?(?:%|percent\b|pct\b|[kmgt]i?b\b|bytes?\b)", re.I),
    "period": re.compile(r"\s?(?:minutes?|mins?|hours?|hrs?|h|days?|d|weeks?|months?)\b", re.I),
}


_TIME_UNIT_AFTER = re.compile(r"\s?(?:minutes?|mins?|hours?|hrs?|days?|weeks?|months?)\b", re.I)
_SIZE_AFTER = re.compile(r"\s?(?:[kmgt]i?b|bytes?)\b", re.I)


def complete_units(text: str, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A threshold or period the extractor took without its unit gets it; a bare "threshold" followed by a time unit
    ("over 80% for [10] minutes") is the period, when no period was found, and a bare "period" followed by a size
    ("exceeds [1] GB") is the threshold."""
    out = []
    has_period = any(e["entity"] == "period" for e in entities)
    for entity in entities:
        unit = _UNIT_AFTER.get(entity["entity"])
        end = entity.get("end")
        if unit is not None and isinstance(end, int) and str(entity.get("value", "")).strip().replace(".", "").isdigit():
            match = unit.match(text, end)
            timed = _TIME_UNIT_AFTER.match(text, end) if entity["entity"] == "threshold" and not has_period else None
            sized = _SIZE_AFTER.match(text, end) if entity["entity"] == "period" else None
            if sized:  # "exceeds [1] GB" is an amount, not a time
                entity = {**entity, "entity": "threshold", "end": sized.end(), "value": text[entity["start"]:sized.end()]}
            elif timed:
                entity = {**entity, "entity": "period", "end": timed.end(), "value": text[entity["start"]:timed.end()]}
                has_period = True
            elif match:
                entity = {**entity, "end": match.end(), "value": text[entity["start"]:match.end()]}
        out.append(entity)
    return out


_POSSESSIVE = re.compile(r"['’]s$", re.I)


_STORE_WORD = re.compile(r"\s+(?:store|shop|branch|location|outlet)$", re.I)


def _cut(entity: dict[str, Any], cut: re.Match[str] | None) -> dict[str, Any]:
    """``entity`` without the end of its value that ``cut`` (a match in the value) found, if anything is left."""
    if cut is None or cut.start() == 0:
        return entity
    value = str(entity.get("value", ""))
    shorter = {**entity, "value": value[:cut.start()]}
    if isinstance(entity.get("start"), int):
        shorter["end"] = entity["start"] + cut.start()
    return shorter


def trim_stores(text: str, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A store taken with the word "store" after its name ("the [Munich store]") is the name."""
    return [_cut(e, _STORE_WORD.search(str(e.get("value", "")))) if e["entity"] == "store" else e for e in entities]


def drop_possessives(text: str, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """An instance or bucket taken with its possessive ("[etl-3's] cpu") is the name without it."""
    out = []
    for entity in entities:
        value = str(entity.get("value", ""))
        if entity["entity"] in ("instance", "bucket") and _POSSESSIVE.search(value) and len(value) > 2:
            cut = len(value) - 2
            entity = {**entity, "value": value[:cut]}
            if isinstance(entity.get("end"), int) and text[entity["end"] - 2:entity["end"]] == value[cut:]:
                entity["end"] -= 2
        out.append(entity)
    return out


# Words that end a product name: what people put after one ("echo dot [in] stock", "Sonos One [are] left").
_ITEM_ENDS: frozenset[str] = FILLERS | frozenset({
    "left", "available", "stock", "stocked", "still", "do", "does", "did", "have", "has", "had", "was", "were",
    "there", "anymore", "now", "today", "yet", "store", "stores", "shop", "branch", "can", "could", "you", "we",
    "they", "check", "units", "unit", "pieces", "pcs", "items", "inventory", "qty", "quantity", "count", "sold",
    "out", "gone", "please", "thanks", "thx", "right", "rn", "across", "everywhere", "remaining", "how", "many",
    "much", "which", "what", "where", "whether", "not", "no", "yes", "too", "also", "again", "asap", "level",
})
_ITEM_WORD = re.compile(r"[\w+.-]+")
_ON_THE_PHONE = re.compile(r"on the (?:phone|line)\b", re.I)


def complete_items(text: str, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """An item the extractor cut after its first words gets the rest of the product name: up to three more words
    right after it, stopping at punctuation, another entity or a word that ends a name ("[echo] dot in stock" ->
    "echo dot", "[Sonos] One are left" -> "Sonos One"); the phone a customer is on is no product."""
    out = []
    for entity in entities:
        end = entity.get("end")
        if entity["entity"] == "item" and isinstance(entity.get("start"), int) and _ON_THE_PHONE.match(
                text[max(0, entity["start"] - 7):entity["start"] + 6]):
            continue  # "a customer on the [phone] asking if ..." is no product
        if entity["entity"] == "item" and isinstance(end, int) and isinstance(entity.get("start"), int):
            new_end = end
            for _ in range(3):
                match = _ITEM_WORD.match(text, new_end + 1) if text[new_end:new_end + 1] == " " else None
                if (match is None or match.group(0).lower() in _ITEM_ENDS
                        or overlaps(*match.span(), [e for e in entities if e is not entity])):
                    break
                new_end = match.end()
            if new_end != end:
                entity = {**entity, "end": new_end, "value": text[entity["start"]:new_end]}
        out.append(entity)
    return out


# A verb and the particle that completes it ("[power] on", "[spin] up"): the pair is the operation.
_PARTICLE = re.compile(r" (?:on|off|up|down)\b", re.I)


def complete_operations(text: str, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """An operation taken without the particle right after it gets it ("[power] on X" -> "power on"), so the
    synonym it is trained as (start) applies."""
    out = []
    for entity in entities:
        end = entity.get("end")
        found = _PARTICLE.match(text, end) if entity["entity"] == "operation" and isinstance(end, int) else None
        if (found is not None and isinstance(entity.get("start"), int)
                and not overlaps(*found.span(), [e for e in entities if e is not entity])):
            entity = {**entity, "end": found.end(), "value": text[entity["start"]:found.end()]}
        out.append(entity)
    return out


# Words that follow a server's name without being part of it ("load on [ledger-db-primary friday]").
_AFTER_NAME = re.compile(r"(?:\s+(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|today|tonight|tomorrow|"
                         r"now|asap|pls|please|again|too))+$", re.I)


def trim_instances(text: str, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """An instance taken with a day or a filler after its name ("[ledger-db-primary friday]") is the name."""
    return [_cut(e, _AFTER_NAME.search(str(e.get("value", "")))) if e["entity"] == "instance" else e
            for e in entities]


# "store 7", "store #12": a store by its number, whatever the extractor made of it.
_NUMBERED_STORE = re.compile(r"(?<![\w-])store\s*#?\s*[0-9]+(?![\w-])", re.I)
_PLACE_BEFORE = re.compile(r"(?:\bin|\bat|\bfrom)\s+(?:the\s+)?$", re.I)


def place_stores(text: str, intent: str | None, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """In a stock request a numbered store is the store ("how many X are left in [store 7]"), a bare number after
    a product is the end of its name ("[Nike Air Force 1]"), and of two items (or
    two stores) the one after "in"/"at"/"from" is the store and the one before it the item ("AirPods Pro in
    [Marseille]"); two stores side by side ("in Berlin and Munich") stay stores."""
    if intent != "same_for" and "store" not in INTENT_ENTITIES.get(intent or "", ()):
        return entities
    out = list(entities)
    for match in _NUMBERED_STORE.finditer(text):
        if not any(e["entity"] == "store" and (e.get("start"), e.get("end")) == match.span() for e in out):
            out = [e for e in out if not overlaps(*match.span(), [e])]
            out.append(added("store", *match.span(), match.group(0)))
    for store in [e for e in out if e["entity"] == "store" and str(e.get("value", "")).strip().isdigit()]:
        item = next((e for e in out if e["entity"] == "item" and isinstance(e.get("end"), int)
                     and isinstance(store.get("start"), int) and text[e["end"]:store["start"]] == " "), None)
        if item is not None:  # "how about [Nike Air Force] [1]?": the model number ends the product's name
            out = [e for e in out if e is not store and e is not item]
            out.append({**item, "end": store["end"], "value": text[item["start"]:store["end"]]})
    kinds = [e["entity"] for e in out]
    for twice, other in (("item", "store"), ("store", "item")):
        pair = sorted((e for e in out if e["entity"] == twice), key=lambda e: e.get("start", 0))
        if len(pair) == 2 and other not in kinds and all(isinstance(e.get("start"), int) for e in pair):
            first, second = pair  # "how many [X] are left in [Y]": X the item, Y the store; never "in A and B"
            if _PLACE_BEFORE.search(text[:second["start"]]) and not _PLACE_BEFORE.search(text[:first["start"]]):
                out[out.index(first)] = {**first, "entity": "item"}
                out[out.index(second)] = {**second, "entity": "store"}
    return out


# A folder as people write one: a name (or a path) ending in "/", never inside an s3:// URL or a longer path.
_FOLDER = re.compile(r"(?<![\w./:-])([\w.-]+(?:/[\w.-]+)*)/(?![\w./-])")


# A folder named in words: "under [responses]", "in the [checkpoints] folder" - not a folder on this computer
# ("the local [exports] folder", "my [downloads] dir").
_FOLDER_WORDS = re.compile(
    r"(?<![\w./-])(?:under|inside)\s+(?:the\s+)?(?:folder\s+|prefix\s+)?([A-Za-z][\w.-]*)(?![\w/-])"
    r"(?!\s+(?:box|bucket|container)\b)"
    r"|(?<![\w./-])(?<!local )(?<!my )(?<!our )(?<!home )([A-Za-z0-9][\w.-]*(?:/[\w.-]+)*)"
    r"\s+(?:folder|dir|directory|prefix)\b",
    re.I)
# A name followed by the word folder, or after "under": that name is a folder, never the bucket.
_NAMED_FOLDER_AFTER = re.compile(r"(?:['’]s)?\s+(?:folder|dir|directory|prefix)\b", re.I)
_NAMED_FOLDER_BEFORE = re.compile(r"\b(?:under|inside)\s+(?:the\s+)?$", re.I)


def _named_folder(text: str, entity: dict[str, Any]) -> bool:
    start, end = entity.get("start"), entity.get("end")
    if not isinstance(start, int) or not isinstance(end, int):
        return False
    return (text[end:end + 1] == "/" or bool(_NAMED_FOLDER_AFTER.match(text, end))
            or bool(_NAMED_FOLDER_BEFORE.search(text[:start])))


def settle_folders(text: str, intent: str | None, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Of two buckets of a request that reads a folder, the one named as a folder is the folder ("wipe the files in
    B's [old-css] folder"); a folder of a request with no bucket, shaped like a bucket and not named as a folder,
    is the bucket ("delete old-report.pdf from [accounting-drafts]")."""
    wanted = INTENT_ENTITIES.get(intent or "", frozenset())
    if "prefix" not in wanted or "bucket" not in wanted:
        return entities
    buckets = [e for e in entities if e["entity"] == "bucket"]
    prefixes = [e for e in entities if e["entity"] == "prefix"]
    if len(buckets) == 2 and not prefixes:
        folders = [e for e in buckets if _named_folder(text, e)]
        if len(folders) == 1:
            return [_relabelled(e, "prefix") if e is folders[0] else e for e in entities]
    if not buckets and len(prefixes) == 1 and "s3://" not in text.lower():
        only = prefixes[0]
        if _bucket_shaped(str(only.get("value", ""))) and not _named_folder(text, only):
            return [_relabelled(e, "bucket") if e is only else e for e in entities]
    return entities


def add_missing_prefix(text: str, intent: str | None, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``entities`` plus the folder of a bucket request the extractor missed: the only word that ends in "/"
    ("delete everything under [bulk]/ in trial-ctx-42"), without its slash, as the training data marks it; else
    the only folder named in words ("push a.csv to B under [responses]")."""
    if (intent not in BUCKET_INTENTS or "prefix" not in INTENT_ENTITIES.get(intent, ()) or "s3://" in text.lower()
            or any(e["entity"] == "prefix" for e in entities)):
        return entities
    folders = [m for m in _FOLDER.finditer(text) if not overlaps(*m.span(), entities)]
    if not folders and intent != "sync_folder":  # a sync's folder named in words is the one on this computer
        named = [m for m in _FOLDER_WORDS.finditer(text)
                 if not overlaps(*m.span(m.lastindex or 0), entities) and _bare(m.group(m.lastindex or 0)) not in FILLERS]
        folders = named if len(named) == 1 else []
    if len(folders) != 1:
        return entities
    start, end = folders[0].span(folders[0].lastindex or 1)
    return [*entities, added("prefix", start, end, text[start:end])]


# How servers are named: lower-case words joined by hyphens ("till-gateway", "bi-dashboard-01"), not the hyphenated
# words of everyday English.
_SERVER_NAME = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)+")
_HYPHENATED_WORDS: frozenset[str] = frozenset({
    "e-mail", "t-shirt", "x-ray", "real-time", "follow-up", "built-in", "check-in", "check-out", "up-to-date",
    "long-term", "short-term", "add-on", "sign-in", "sign-up", "log-in", "on-call", "self-hosted", "co-worker",
    "re-run", "re-check", "one-off", "day-to-day", "end-of-day", "end-of-month", "week-over-week", "month-over-month",
    "year-over-year", "non-prod", "pre-prod", "off-hours", "after-hours", "well-known", "so-called", "a-ok", "wi-fi",
    "high-cpu", "low-cpu", "in-stock", "out-of-stock", "ad-hoc", "cross-check", "double-check", "must-have",
    "right-size", "right-sized", "right-sizing", "re-size", "re-sizing", "over-provisioned", "under-provisioned",
    "auto-scaling", "set-up", "lay-out",
})
_CALLED = re.compile(r"\b(?:called|named)\s+[`'\"]?$", re.I)


def _server_named(text: str, entities: list[dict[str, Any]]) -> re.Match[str] | None:
    """The one word of ``text`` outside ``entities`` named like a server, or the one after "called"/"named"."""
    names = []
    for word in _WORD.finditer(text):
        value = _POSSESSIVE.sub("", word.group().rstrip("."))
        match = _SERVER_NAME.match(text, word.start())
        if (match and match.group() == value and value not in _HYPHENATED_WORDS and not file_named(value)
                and not _AMOUNT.fullmatch(value) and not _REGION.fullmatch(value) and not overlaps(*match.span(), entities)):
            names.append((match, _CALLED.search(text[:word.start()])))
    called = [name for name, after_called in names if after_called]
    chosen = called if called else [name for name, _ in names]
    return chosen[0] if len(chosen) == 1 else None


def add_missing_instance(text: str, intent: str | None, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``entities`` plus the instance of an instance request the extractor missed, when its shape is unmistakable:
    a possessive instance-shaped name ("what will etl-3's cpu do?"), an EC2 instance id, or the one word named like
    a server ("how busy will [till-gateway] be tomorrow", "the computer called [bi-dashboard-01]")."""
    if intent not in INSTANCE_INTENTS or any(e["entity"] == "instance" for e in entities):
        return entities
    name = possessive_instance(text)
    match = re.search(r"(?<![\w./-])" + re.escape(name), text) if name else _INSTANCE_ID.search(text)
    if match is None:
        match = _server_named(text, entities)
    if match is None or overlaps(*match.span(), entities):
        return entities
    return [*entities, added("instance", *match.span(), match.group(0))]


# "if [Graz] still has X", "does [munich] have X", "whether [New York] stocks X": the place that has the item; "the
# [Glasgow] shop", "the [Bordeaux] store": a place named by the word "store" after it (not "the online store").
_STORE_THAT_HAS = re.compile(
    r"\b(?:if|does|do|whether)\s+([A-Z][\w'-]*\s+[A-Z][\w'-]*|[A-Za-z][\w'-]*)\s+(?:still\s+)?"
    r"(?:has|have|got|carr(?:y|ies)|stocks?)\b")
_STORE_NAMED = re.compile(r"\b[Tt]he\s+([A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)?|[a-z][\w'-]*)\s+(?:store|shop|branch|outlet)\b")
# "stock alerts for [Rotterdam]", "low stock warnings in [Lisbon]": the store of a subscription, named with a capital
# or by number.
_ALERTS_FOR = re.compile(r"\b(?:alerts?|warnings?|notifications?|pings?|updates?)\s+(?:for|in|at|from)\s+(?:the\s+)?"
                         r"([A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)?|store\s*#?\s*[0-9]+)")
STORE_INTENTS: frozenset[str] = frozenset({"inventory_query", "out_of_stock", "subscribe_alerts", "unsubscribe_alerts"})
_NO_STORE = frozenset({"slack", "discord", "teams", "cloudwatch", "aws", "s3", "ec2", "cpu", "all", "everyone", "me",
                       "online", "main", "flagship", "new", "old", "local", "whole", "other", "same", "next", "nearest",
                       "biggest", "smallest", "big", "small", "web", "app", "pop-up", "popup", "outlet", "retail",
                       "physical", "closest", "last", "first", "second", "third", "data", "object", "key-value",
                       "we", "you", "they", "it", "he", "she", "i", "anyone", "anybody", "someone", "somebody",
                       "there", "that", "this", "the", "our", "my", "any", "store", "shop", "stores", "u"})


def add_missing_store(text: str, intent: str | None, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``entities`` plus the store of a stock question the extractor missed, named as the one that has the item
    ("customer asking if [Graz] still has the Switch OLED") or by the word "store" after it ("does the [Glasgow]
    shop have X"), or of a subscription to alerts ("inventory alerts for [Rotterdam]")."""
    if intent not in STORE_INTENTS or any(e["entity"] == "store" for e in entities):
        return entities
    patterns = (_STORE_THAT_HAS, _STORE_NAMED) if intent in ("inventory_query", "out_of_stock") else (_ALERTS_FOR,)
    for pattern in patterns:
        for match in pattern.finditer(text):
            if match.group(1).lower() not in _NO_STORE and not overlaps(*match.span(1), entities):
                return [*entities, added("store", *match.span(1), match.group(1))]
    return entities


def add_missing_file(text: str, intent: str | None, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``entities`` plus the file of a request about a file the extractor missed: the only word named like a file
    ("pls upload [model-v7.onnx] into B")."""
    if "file" not in INTENT_ENTITIES.get(intent or "", ()) or "s3://" in text.lower() \
            or any(e["entity"] == "file" for e in entities):
        return entities
    files = [m for m in _WORD.finditer(text) if file_named(m.group().rstrip(".")) and not overlaps(*m.span(), entities)]
    if len(files) != 1:
        return entities
    start, value = files[0].start(), files[0].group().rstrip(".")
    return [*entities, added("file", start, start + len(value), value)]


# Intents whose skill reads a past period, from the entity or else from the words (actions/core/periods.py).
PAST_PERIOD_INTENTS: frozenset[str] = frozenset({"storage_trend", "instance_metrics"})


# Intents whose skill reads a future window, from the entity or else from the words (actions/core/horizons.py).
FUTURE_PERIOD_INTENTS: frozenset[str] = frozenset({"forecast_load", "rightsize"})


def _period_words(text: str, intent: str | None) -> list[str] | None:
    """The words of ``text`` that name the period the intent's skill would read from them, if any."""
    now = datetime.now(UTC)
    if intent in PAST_PERIOD_INTENTS:
        past = find_period(text, now)
        return None if past is None else past[0].split()
    if intent in FUTURE_PERIOD_INTENTS:
        try:
            future = horizon_in(text, now)
        except TooFarAhead:
            return None  # the skill says how far it can look; the words are no window it reads
        return None if future is None else future[0]  # "for [next week]", as the training data tags it
    return None


def add_missing_period(text: str, intent: str | None, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``entities`` plus the period of a history or forecast request the extractor missed, as the skill reads it
    from the words when there is no entity ("how has B grown [this month]?", "net in on web-2 [over the last 6h]",
    "what load should we expect on web-2 [friday]"); a forecast's window the extractor cut short is the whole of
    it ("[tomorrow] morning" -> "[tomorrow morning]")."""
    periods = [e for e in entities if e["entity"] == "period"]
    if len(periods) > 1 or (periods and intent not in FUTURE_PERIOD_INTENTS):
        return entities
    words = _period_words(text, intent)
    if not words:
        return entities
    pattern = r"(?<!\w)" + r"\W{0,3}\s+".join(re.escape(word) for word in words) + r"(?!\w)"
    match = re.search(pattern, text, re.IGNORECASE)
    if match is None:
        return entities
    if periods:
        short = periods[0]
        inside = match.start() <= short.get("start", -1) and short.get("end", len(text) + 1) <= match.end()
        if not inside or match.end() - match.start() == short["end"] - short["start"]:
            return entities
        return [added("period", *match.span(), match.group(0)) if e is short else e for e in entities]
    if overlaps(*match.span(), entities):
        return entities
    return [*entities, added("period", *match.span(), match.group(0))]


# What alerts are about, as the subscription skill reads it (actions/skills/alerts/subscriptions.py); "alerts"
# alone names no topic (it means all of them).
_TOPIC = re.compile(r"(?<![\w-])(?:out[\s-]of[\s-]stock|low[\s-]stock|stock(?:\s+level)?s?|inventory|restock\w*|"
                    r"alarms?)(?![\w-])", re.I)


def add_missing_topic(text: str, intent: str | None, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``entities`` plus the topic of a subscription the extractor missed: the first word naming one ("send
    [alarms] here", "tell us when [stock] runs low")."""
    if intent not in ("subscribe_alerts", "unsubscribe_alerts") or any(e["entity"] == "topic" for e in entities):
        return entities
    match = next((m for m in _TOPIC.finditer(text) if not overlaps(*m.span(), entities)), None)
    if match is None:
        return entities
    return [*entities, added("topic", *match.span(), match.group(0))]


# What an instance is never called: a picture's size ("800x600") or a document's file name ("logo.png").
_PICTURE_SIZE = re.compile(r"[0-9]{2,5}\s*[x×]\s*[0-9]{2,5}")


def not_an_instance_name(word: str) -> bool:
    """Whether ``word`` is a picture size or a file name, never an instance's name."""
    return bool(_PICTURE_SIZE.fullmatch(word)) or file_named(word)


# What a metric or a bucket is never called: a unit ("over 500 [MB]"), a size or a duration ("after [45d]").
_AMOUNT = re.compile(r"[0-9]*\s*(?:%|percent|pct|[kmgt]i?b|bytes?|[0-9]+\s*(?:d|h|m|w|y|mo|min|mins|days?|hours?|weeks?|"
                     r"months?|years?))", re.I)
# Where alerts go is no topic of them ("turn on alerts for this [chat]").
_PLACE = re.compile(r"(?:this\s+|the\s+)?(?:chat|channel|room|thread|dm|here|group|server)", re.I)
# An AWS region ("eu-central-1") is no server.
_REGION = re.compile(r"(?:us|eu|ap|sa|ca|me|af|il|mx|cn)(?:-gov)?-(?:north|south|east|west|central|northeast|"
                     r"southeast|northwest|southwest)-[0-9]", re.I)
# What every period has: a number or a word of time ("[last 7 days]", "[tonight]", "[in November]", "[lately]").
_TIME_WORD = re.compile(
    r"[0-9]|\b(?:now|today|tonight|tomorrow|yesterday|days?|daily|weeks?|weekly|weekends?|fortnight|months?|monthly|"
    r"years?|yearly|annual\w*|quarters?|q[1-4]|hours?|hourly|hrs?|h|mins?|minutes?|seconds?|secs?|morning|afternoon|"
    r"evening|night|overnight|noon|midnight|lately|recently|recent|ytd|mtd|wtd|eod|eow|eom|christmas|xmas|easter|"
    r"holidays?|season|spring|summer|autumn|fall|winter|black\s+friday|so\s+far|since|ago|"
    r"mon|monday|tue|tues|tuesday|wed|wednesday|thu|thur|thurs|thursday|fri|friday|sat|saturday|sun|sunday|"
    r"jan|january|feb|february|mar|march|apr|april|may|jun|june|jul|july|aug|august|sep|sept|september|oct|"
    r"october|nov|november|dec|december)\b", re.I)
_IMPOSSIBLE: dict[str, Callable[[str], object]] = {"instance": not_an_instance_name, "metric": _AMOUNT.fullmatch,
                                                  "bucket": _AMOUNT.fullmatch, "topic": _PLACE.fullmatch}


def impossible_entity(entity: dict[str, Any]) -> bool:
    """An instance the extractor found in a picture size or a file name ("resize this PNG to [800x600]"), a metric
    that is a unit ("over 500 [MB]"), a bucket that is an amount ("expire after [45d]"), a period with no word
    of time in it ("everything the [Bordeaux] store has run out of"), a threshold with no number, or an instance
    that is an AWS region ("change my default region to [eu-central-1]")."""
    value = _bare(str(entity.get("value", "")))
    if entity.get("entity") == "period":
        return not _TIME_WORD.search(value)
    if entity.get("entity") == "threshold":
        return not any(c.isdigit() for c in value)
    if entity.get("entity") == "instance" and _REGION.fullmatch(value):
        return True
    never = _IMPOSSIBLE.get(str(entity.get("entity")))
    return never is not None and bool(never(value))


# The entities each intent's skill reads (its training data's, and what the held-out sets and the actions show it
# may carry: an alarm's period, a status question's metric, stock alerts for a store). An intent not listed here
# (out_of_scope, same_for) keeps whatever was found.
INTENT_ENTITIES: dict[str, frozenset[str]] = {intent: frozenset(names) for intent, names in {
    "greet": (), "goodbye": (), "thank": (), "help": (), "affirm": (), "deny": (), "list_buckets": (),
    "create_bucket": ("bucket",), "delete_bucket": ("bucket",), "bucket_usage": ("bucket",),
    "cost_optimization": ("bucket",), "list_objects": ("bucket", "prefix", "file"),
    "upload_file": ("file", "bucket", "prefix"), "download_file": ("file", "bucket", "prefix"),
    "delete_object": ("file", "bucket", "prefix"), "sync_folder": ("bucket", "prefix"),
    "apply_lifecycle": ("bucket", "prefix"), "show_lifecycle": ("bucket", "prefix"),
    "storage_trend": ("bucket", "period"), "track_bucket": ("bucket", "operation"), "usage_stats": ("period",),
    "server_status": ("instance", "metric"), "instance_metrics": ("instance", "metric", "period"),
    "forecast_load": ("instance", "metric", "period"), "rightsize": ("instance", "instance_type", "period", "metric"),
    "instance_control": ("instance", "operation", "instance_type"),
    "create_alarm": ("instance", "metric", "threshold", "period"), "list_alarms": ("instance", "metric", "period"),
    "inventory_query": ("item", "store", "period"), "out_of_stock": ("store", "item", "period"),
    "subscribe_alerts": ("topic", "store", "item"), "unsubscribe_alerts": ("topic", "store", "item"),
}.items()}
# What a file is called: a name with one of these extensions ("model-v7.onnx", "q1-archive.tar"), never a bucket
# (S3 allows "q1-archive.tar" as a bucket name, but nobody names a bucket like a file).
FILE_EXTENSIONS: frozenset[str] = frozenset(
    "txt csv tsv json jsonl ndjson log tar gz tgz zip bz2 xz 7z pdf png jpg jpeg gif svg webp mp4 mov mkv avi mp3 wav "
    "flac onnx pkl pt pth h5 parquet avro orc sql bak dump db sqlite xml yaml yml html htm js css md doc docx xls "
    "xlsx ppt pptx iso img bin ipynb py sh conf ini cfg env pem key crt bmp tif tiff heic psd ai eps indd sketch fig "
    "rtf odt ods odp pages numbers epub mobi eml msg ics vcf webm m4a m4v aac ogg wmv mpg mpeg flv raw dng cr2 nef "
    "ttf otf woff woff2 ico jar war whl rpm deb dmg exe msi apk tfstate toml dat out".split())


def file_named(word: str) -> bool:
    """Whether ``word`` is a file's name: a name before one of ``FILE_EXTENSIONS``."""
    stem, dot, extension = word.rpartition(".")
    return bool(dot and stem and FILE_LIKE.fullmatch(word) and extension.lower() in FILE_EXTENSIONS)


def _relabelled(entity: dict[str, Any], kind: str) -> dict[str, Any]:
    return {**entity, "entity": kind, "value": str(entity.get("value", ""))}


# Requests about one object: a folder named like a file ("old/config.bak") is that object.
ONE_OBJECT_INTENTS: frozenset[str] = frozenset({"delete_object", "download_file"})


def fit_to_intent(intent: str | None, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``entities`` as the intent's skill reads them: a bucket of an instance request is the instance ("reboot
    [harbor-cache-1]"), a word of a bucket request tagged as an instance is the bucket or the folder ("purge
    everything under [staging] from B"), a bucket named like a file is the file ("pull down [access.log] from B"),
    and so is a folder of a one-object request ("rm [old/config.bak] in B"); an entity the intent never reads is
    dropped ("cya [tomorrow]", "status of [public] ip")."""
    wanted = INTENT_ENTITIES.get(intent or "")
    if wanted is None:
        return entities
    out: list[dict[str, Any]] = []
    for entity in entities:
        kind, value = entity["entity"], str(entity.get("value", ""))
        present = {e["entity"] for e in entities if e is not entity} | {e["entity"] for e in out}
        if kind == "bucket" and "file" in wanted and "file" not in present and file_named(value):
            entity = _relabelled(entity, "file")
        elif (kind == "prefix" and intent in ONE_OBJECT_INTENTS and "file" not in present and file_named(value)
              and not value.endswith("/")):
            entity = _relabelled(entity, "file")  # "rm [old/config.bak] in B" is that object, not all under it
        elif kind == "prefix" and intent == "sync_folder" and "bucket" not in present and _bucket_shaped(value):
            entity = _relabelled(entity, "bucket")  # "sync my outbox to [B]": a sync always goes to a bucket
        elif kind in wanted:
            pass
        elif kind == "bucket" and "instance" in wanted and "instance" not in present:
            entity = _relabelled(entity, "instance")
        elif kind == "instance" and "bucket" in wanted and "bucket" not in present and _bucket_shaped(value):
            entity = _relabelled(entity, "bucket")
        elif kind == "instance" and "prefix" in wanted and "prefix" not in present:
            entity = _relabelled(entity, "prefix")
        else:
            continue
        out.append(entity)
    return out


def tidy_entities(text: str, entities: list[dict[str, Any]], intent: str | None = None) -> list[dict[str, Any]]:
    """``entities`` of ``text`` without fillers or impossible instances, with split multi-word values joined (one
    pass, in text order), closed-vocabulary entities the extractor missed, and the bucket, folder or instance of a
    request that needs one and whose extractor missed it."""
    kept = [e for e in entities if _bare(str(e.get("value", ""))) not in FILLERS and not impossible_entity(e)]
    completed = complete_items(text, complete_units(text, add_shapes(text, trim_stores(text, trim_instances(
        text, drop_possessives(text, join_split(text, kept)))))))
    completed = place_stores(text, intent, complete_operations(text, join_split(text, completed)))
    completed = settle_folders(text, intent, fit_to_intent(intent, completed))
    for add_missing in (add_missing_file, add_missing_bucket, add_missing_prefix, add_missing_instance,
                        add_missing_period, add_missing_topic, add_missing_store):
        completed = add_missing(text, intent, completed)
    return sorted(completed, key=lambda e: (e.get("start", 0), e.get("end", 0)))


def join_split(text: str, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``entities`` with two pieces of one multi-word value side by side joined ("[Kindle] [Paperwhite]", and a
    product name completed up to the next piece: "[PS5 DualSense] [controller]"), in text order."""
    kept = sorted(entities, key=lambda e: (e.get("start", 0), e.get("end", 0)))
    joined: list[dict[str, Any]] = []
    for entity in kept:
        last = joined[-1] if joined else None
        if (last is not None and last["entity"] == entity["entity"] and entity["entity"] in MULTI_WORD
                and last.get("extractor") == entity.get("extractor") and "start" in entity and "end" in last
                and text[last["end"]:entity["start"]].strip() == ""):
            merged = dict(last)
            merged["end"] = entity["end"]
            merged["value"] = text[last["start"]:entity["end"]]
            if "confidence_entity" in last and "confidence_entity" in entity:
                merged["confidence_entity"] = min(last["confidence_entity"], entity["confidence_entity"])
            joined[-1] = merged
        else:
            joined.append(entity)
    return joined


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class EntityTidier(GraphComponent):
    """Drops filler-word entities and joins split multi-word values; put it after DIET, before EntitySynonymMapper."""

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> EntityTidier:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            entities = message.get("entities") or []
            intent = (message.get("intent") or {}).get("name")
            message.set("entities", tidy_entities(message.get("text") or "", entities, intent), add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class ShellCommand(GraphComponent):
    """A message that is an AWS CLI command gets that command's intent at full confidence (and a start/stop/reboot
    its operation); put it right after DIET, so the entity steps and the guards see the command's intent."""

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> ShellCommand:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get("text") or ""
            command = command_in(text)
            if command is None:
                continue
            intent = {"name": command.intent, "confidence": 1.0}
            message.data["intent"] = intent
            # The others step aside (confidence 0), so no ambiguity check takes the command for a guess.
            ranking = [{**r, "confidence": 0.0} for r in message.data.get("intent_ranking") or []
                       if r.get("name") != command.intent]
            message.data["intent_ranking"] = [dict(intent), *ranking]
            entities = list(message.get("entities") or [])
            for entity, value in (("operation", command.operation), ("file", command.file)):
                start = -1 if not value else text.find(value) if entity == "file" else text.lower().find(value)
                if value and start >= 0 and not any(e.get("entity") == entity for e in entities):
                    entities.append({"entity": entity, "value": value, "start": start, "end": start + len(value),
                                     "confidence_entity": 1.0, "extractor": "ShellCommand"})
            message.set("entities", entities, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data


# What starts and stops but is no EC2 instance: AWS's other compute and database services.
_OTHER_COMPUTE = re.compile(
    r"\b(?:rds|aurora|ecs|eks|fargate|lambda|step\s+functions?|state\s+machine|lightsail|beanstalk|elastic\s+beanstalk|"
    r"glue|emr|sagemaker|redshift|elasticache|opensearch|elasticsearch|dynamodb|app\s*runner|amplify|workspaces?|"
    r"codebuild|codepipeline|kinesis|msk|documentdb|neptune|aws\s+batch|notebook\s+instance)\b", re.I)
# Words that ask to be told about something ("alert me", "set up an alarm", "ping us", "let me know").
_ALERTING = re.compile(r"\b(?:alarm\w*|alert\w*|notif\w*|ping|page|warn\w*|tell|shout|let\s+\w+\s+know|"
                       r"message|msg|dm|email|text\s+me|wake)\b", re.I)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class ChangeGuard(GraphComponent):
    """A mutating intent below ``threshold`` confidence becomes ``nlu_fallback``, and so does a start/stop/reboot/resize
    that names no instance and points at none, and an alarm with nothing to watch that nobody asked to be told
    about; put it after FallbackClassifier."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"threshold": 0.8}

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> ChangeGuard:
        return cls(float(config["threshold"]))

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            intent = message.get("intent") or {}
            name = intent.get("name")
            unsure = name in MUTATING and float(intent.get("confidence") or 0.0) < self.threshold
            if unsure or self._no_instance(message, name) or self._nothing_to_watch(message, name):
                fallback = {"name": "nlu_fallback", "confidence": self.threshold}
                message.data["intent"] = fallback
                ranking = message.data.get("intent_ranking")
                if isinstance(ranking, list):
                    ranking.insert(0, dict(fallback))
        return messages

    @staticmethod
    def _no_instance(message: Message, intent: str | None) -> bool:
        # Starting or stopping something needs the instance named or pointed at ("reboot it"): "shut down my mac"
        # and "stop the music" are no proposal to stop a server.
        if intent != "instance_control":
            return False
        # "resize this PNG to 800x600" points at a picture, not at the instance talked about before.
        # An instance only guessed from a word's shape ("start the state machine [nightly-etl]") names none here.
        text = message.get("text") or ""
        if _OTHER_COMPUTE.search(text):
            return True  # "start the Step Functions state machine X", "reboot the RDS instance X": not EC2
        named = any(e.get("entity") == "instance" and (e.get("extractor") != "EntityTidier"
                                                       or _INSTANCE_ID.fullmatch(str(e.get("value", ""))))
                    for e in message.get("entities") or [])
        pictured = any(not_an_instance_name(_bare(word)) for word in text.split())
        return not named and (pictured or not refers_back(text))

    @staticmethod
    def _nothing_to_watch(message: Message, intent: str | None) -> bool:
        # An alarm watches a server or a metric, or is asked for in words of alerting: "sort this list: 5 3 9 1" with
        # its numbers taken for thresholds is no alarm to create.
        if intent != "create_alarm":
            return False
        found = {e.get("entity") for e in message.get("entities") or []}
        return not found & {"instance", "metric"} and not _ALERTING.search(message.get("text") or "")

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
