"""Which change a message asks of an instance, in the words busy people use ("bounce web-2", "pls shut batch-1 down",
"bring web-1 back up", "aws ec2 reboot-instances ..."): pure functions, no Rasa, no AWS."""
from __future__ import annotations

import re

from actions.aws.instances import Operation

# Words (and the extractor's values) for each operation; phrases are matched as whole words, longest first.
_WORDS: dict[Operation, tuple[str, ...]] = {
    "start": ("start", "starting", "started", "boot", "boot up", "power on", "turn on", "switch on", "spin up",
              "fire up", "wake up", "wake", "bring up", "bring back up", "back up", "back online", "start-instances",
              "strat"),
    "stop": ("stop", "stopping", "stopped", "shut down", "shutdown", "shut", "power off", "power down", "turn off",
             "switch off", "halt", "stop-instances", "spin down", "sotp"),
    "reboot": ("reboot", "rebooting", "rebooted", "restart", "restarting", "restarted", "bounce", "kick", "cycle",
               "power cycle", "reboot-instances", "rebooot", "restrat", "retsart", "reboto"),
    "resize": ("resize", "resizing", "resized", "upgrade", "downgrade", "downsize", "upsize", "scale up",
               "scale down", "change the instance type", "change instance type", "change the type", "modify"),
}
_BY_WORD: dict[str, Operation] = {word: op for op, words in _WORDS.items() for word in words}
_PATTERN = re.compile(
    r"(?<![\w.-])(" + "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(_BY_WORD, key=len, reverse=True))
    + r")(?![\w.])",
    re.IGNORECASE,
)
# "turn web-2 off", "power batch-1 on": the verb and its particle around the name.
_SPLIT = re.compile(r"\b(?:turn|switch|power|spin|fire|boot)\s+\S+\s+(off|down|on|up)\b", re.IGNORECASE)
_PARTICLE: dict[str, Operation] = {"off": "stop", "down": "stop", "on": "start", "up": "start"}
# "make web-2 a t3.small", "switch node-9 to c5.large": a target type is a resize, whatever the verb. The shape of
# an EC2 type (family, generation, size), so "upload report.pdf to x" never names one.
_TO_TYPE = re.compile(
    r"\b(?:to|into|as|a|an|on)\s+(?:an?\s+)?([a-z][0-9][a-z0-9-]*\.(?:nano|micro|small|medium|large|metal|"
    r"[0-9]*xlarge))(?![\w.])",
    re.IGNORECASE,
)


def operation_named(entity: str | None, text: str, instance_type: str | None = None) -> Operation | None:
    """The operation the extractor found (its value or a word of ours), else the first operation word of ``text``;
    a target instance type makes it a resize when the words name none (or name start/stop around it)."""
    found = _BY_WORD.get(" ".join(entity.lower().split())) if entity else None
    if found is None:
        match = _PATTERN.search(text)
        found = _BY_WORD[" ".join(match.group(1).lower().split())] if match else None
    if found is None:
        split = _SPLIT.search(text)
        found = _PARTICLE[split.group(1).lower()] if split else None
    if found != "reboot" and (instance_type or target_type_in(text)):
        return "resize"
    return found


def target_type_in(text: str) -> str | None:
    """An instance type the message names after "to"/"a"/"into" ("resize web-2 to t3.small")."""
    match = _TO_TYPE.search(text)
    return match.group(1).lower() if match else None


_PARTICLE_AT_END = re.compile(r"\s+(?:off|on|up|down|back up|back online)$", re.IGNORECASE)


def instance_named(entity: str | None) -> str | None:
    """The instance the extractor found, without the particle of a split verb it took along ("web-2 off" of "turn
    web-2 off")."""
    if not entity:
        return entity
    return _PARTICLE_AT_END.sub("", entity.strip()) or None
