"""The near-miss wordings (nlu/near_misses.py) are written apart from the held-out sets: none is a held-out
sentence with other names, so the evaluation never measures what the model was trained on."""
from __future__ import annotations

import difflib
import re
from pathlib import Path

import pytest

from bench.nlu_eval import load_examples
from nlu.near_misses import NEAR_MISSES, NEAR_MISSES_OUT_OF_SCOPE

# The held-out sets and their out-of-scope sets; the development sets (dev_*.yml) are looked at while working.
HELD_OUT = sorted(path for path in (Path(__file__).resolve().parents[2] / "bench" / "nlu").glob("*.yml")
                  if not path.name.startswith("dev_"))
TOO_CLOSE = 0.7
_PLACEHOLDER = re.compile(r"\[[^\]]*\]\{[^}]*\}\}?|\{[a-z]+\}")  # "{b}", and an inline-annotated "[bounce]{...}"
_NAME = re.compile(r"\b[\w.]*[\d\-_./][\w.\-/]*\b")  # a name with a digit, hyphen, dot or slash


def masked(text: str, names: tuple[str, ...] = ()) -> str:
    """``text`` lowercased with its names and placeholders as "x" and punctuation as spaces."""
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, " x ")
    text = _NAME.sub(" x ", _PLACEHOLDER.sub(" x ", text.lower()))
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


@pytest.fixture(scope="module")
def held_out() -> list[str]:
    assert HELD_OUT, "no held-out sets found"
    return [masked(ex.text, tuple(e.words for e in ex.entities)) for path in HELD_OUT for ex in load_examples(path)]


def test_masking_makes_the_same_sentence_with_other_names_equal() -> None:
    assert masked("is {b} costing more than it should?") == masked("is pelican-eu costing more than it should",
                                                                    ("pelican-eu",))
    assert masked('[bounce]{{"entity": "operation", "value": "restart"}} {i} asap') == "x x asap"


def test_no_near_miss_wording_is_a_held_out_sentence_with_other_names(held_out: list[str]) -> None:
    wordings = [w for lines in NEAR_MISSES.values() for w in lines] + NEAR_MISSES_OUT_OF_SCOPE
    assert len(wordings) > 200
    close = []
    for wording in wordings:
        mine = masked(wording)
        matcher = difflib.SequenceMatcher(None, b=mine)  # b is the side SequenceMatcher indexes once
        for theirs in held_out:
            matcher.set_seq1(theirs)
            if matcher.real_quick_ratio() >= TOO_CLOSE and matcher.quick_ratio() >= TOO_CLOSE \
                    and matcher.ratio() >= TOO_CLOSE:
                close.append(wording)
                break
    assert close == []
