"""The generated training data (nlu/nlu.yml, from nlu/generate.py) spreads its bucket and instance names over the
intents: a name that keeps turning up in one intent's examples teaches the model that name as a sign of the intent."""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

NLU_YML = Path(__file__).resolve().parents[2] / "nlu" / "nlu.yml"
_NAME = re.compile(r"\[([^\]]+)\]\((?:bucket|instance)\)")


def names_per_intent(text: str) -> Counter[tuple[str, str]]:
    """How often each (intent, annotated bucket or instance name) occurs in an nlu.yml text."""
    counts: Counter[tuple[str, str]] = Counter()
    intent = ""
    for line in text.splitlines():
        started = re.match(r"- intent: (\S+)", line)
        if started:
            intent = started.group(1)
        counts.update((intent, name) for name in _NAME.findall(line))
    return counts


def test_counting_reads_the_intent_of_each_annotated_name() -> None:
    text = ("- intent: a\n  examples: |\n    - x [b-1](bucket) and [w-2](instance)\n    - y [b-1](bucket)\n"
            "- intent: b\n  examples: |\n    - z [b-1](bucket) [t3.small](instance_type)\n")
    assert names_per_intent(text) == Counter({("a", "b-1"): 2, ("a", "w-2"): 1, ("b", "b-1"): 1})


def test_no_name_is_concentrated_in_one_intent() -> None:
    counts = names_per_intent(NLU_YML.read_text())
    assert len(counts) > 1000
    # Dealt names: an example and its variants (chit-chat around it, a reason, a typo) share a name, so a few pairs
    # reach 5-7; names drawn at random made 122 pairs of 5 or more and up to 8.
    assert max(counts.values()) <= 7
    assert sum(count >= 5 for count in counts.values()) <= 40
