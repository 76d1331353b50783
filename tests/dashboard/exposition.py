"""A parser of Prometheus' text exposition for the tests: strict (any line Prometheus would not take fails)."""
from __future__ import annotations

import re
from collections import defaultdict

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*)\})? '
                    r'(-?[0-9.eE+-]+|\+Inf|-Inf|NaN)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\.)*)"')
Samples = dict[str, list[tuple[dict[str, str], float]]]


def parse(text: str) -> tuple[dict[str, str], Samples]:
    """(family -> type, name -> [(labels, value)]); fails on any line Prometheus would not take."""
    types: dict[str, str] = {}
    samples: Samples = defaultdict(list)
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            assert kind in ("counter", "gauge", "histogram"), line
            assert name not in types, f"declared twice: {name}"
            types[name] = kind
            continue
        if line.startswith("# HELP ") or not line:
            continue
        match = SAMPLE.match(line)
        assert match, f"not a sample: {line!r}"
        name, labels, value = match.groups()
        family = re.sub(r"_(bucket|sum|count)$", "", name) if name not in types else name
        assert family in types, f"sample before its TYPE: {line}"
        samples[name].append((dict(LABEL.findall(labels or "")), float(value)))
    for name, rows in samples.items():
        keys = [tuple(sorted(labels.items())) for labels, _ in rows]
        assert len(keys) == len(set(keys)), f"duplicate series in {name}"
    return types, samples
