"""NLU quality on hand-written sets the model never saw: intent accuracy, macro F1 and entity F1 on
bench/nlu/heldout.yml, and how often an out-of-scope message (bench/nlu/out_of_scope.yml) is taken for a skill that
changes something. Prints a table with the targets, writes bench/results/nlu.json (bench/results/nlu-<stem>.json
for another set given with --heldout/--out-of-scope: the stems of the files that differ from the defaults).

The newest model in models/ parses every message in this process (``Agent.load`` + ``parse_message``), as the
server would. ``nlu_fallback`` (the FallbackClassifier's "not sure") counts as right when the message is out of
scope and as wrong otherwise. Entities are scored per message: an extracted (entity, value) is right when an
annotated one has the same entity and the same value or the same words (so a synonym the model maps is not a miss),
compared without case, surrounding punctuation or a leading "in"/"for"/"the" ("in November" = "November"), and a
threshold or period with or without the unit after its number ("500" = "500 MB": the sets differ, the actions read
the unit from the text either way). An
s3://bucket/key URL is read from the text as the actions read it (actions/core/parsing.py), whatever the extractor
made of it: its bucket, and its key as a file (or as a prefix when it ends with "/").
Texts that are also in the training data (short everyday ones, "yes", "help", are bound to be) are listed, and the
figures are given again without them.
Run: make eval  (or .venv/bin/python bench/nlu_eval.py [--model PATH] [--heldout PATH] [--out-of-scope PATH])
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, NamedTuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: the project's packages (nlu.components) and the model's own steps

from nlu.components import MUTATING as CHANGES  # noqa: E402

RESULTS = ROOT / "bench" / "results"
HELDOUT = ROOT / "bench" / "nlu" / "heldout.yml"
OUT_OF_SCOPE = ROOT / "bench" / "nlu" / "out_of_scope.yml"

# The intent contract (domain.yml): macro F1 averages over exactly these.
CONTRACT = (
    "greet goodbye thank help affirm deny server_status list_buckets create_bucket delete_bucket list_objects "
    "upload_file download_file delete_object bucket_usage sync_folder cost_optimization apply_lifecycle "
    "show_lifecycle usage_stats out_of_scope storage_trend track_bucket instance_metrics forecast_load rightsize "
    "instance_control inventory_query out_of_stock subscribe_alerts unsubscribe_alerts create_alarm list_alarms "
    "same_for"
).split()
# Intents whose skill changes something (nlu/components.py): an out-of-scope message must (almost) never land on one.
MUTATING = CHANGES
ENTITIES = frozenset(
    "bucket file prefix instance instance_type operation metric threshold period store item topic".split()
)
CONVERSATION = frozenset("greet goodbye thank help affirm deny".split())
FALLBACK = "nlu_fallback"
OOS = "out_of_scope"
TARGETS = {"intent_accuracy": 0.95, "intent_macro_f1": 0.95, "entity_micro_f1": 0.95, "oos_mutating_rate": 0.005}


class Entity(NamedTuple):
    entity: str
    value: str
    words: str  # the text it was found in; equals value unless a synonym mapped it


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    entities: tuple[Entity, ...] = ()


@dataclass(frozen=True)
class Prediction:
    intent: str
    confidence: float
    entities: tuple[Entity, ...] = ()


# --- pure helpers -------------------------------------------------------------------------------------------------

_EDGE = " \t\"'`.,;:!?()[]{}<>%/"
_LEADING = frozenset({"in", "for", "during", "over", "within", "the"})


def normalize(value: str) -> str:
    """How values are compared: case, spacing and surrounding punctuation aside, no leading "in"/"for"/"the"."""
    words = value.lower().strip(_EDGE).split()
    while len(words) > 1 and words[0] in _LEADING:
        words = words[1:]
    return " ".join(words).strip(_EDGE)


def scored_intent(expected: str, predicted: str) -> str:
    """The prediction as scored: the fallback's "not sure" is the right answer only to an out-of-scope message."""
    return OOS if predicted == FALLBACK and expected == OOS else predicted


_URL = re.compile(r"s3://[^\s\"'`]*", re.IGNORECASE)


def predicted_entities(text: str, entities: Iterable[dict[str, Any]]) -> tuple[Entity, ...]:
    """Rasa's parsed entities as ``Entity``, with s3:// URLs read as the actions read them (from the text, whatever
    the extractor made of them): the bucket, and the key as a file (or a prefix if it ends with "/")."""
    urls = [(m.start(), m.end(), m.group(0).rstrip(".,;:!?)")) for m in _URL.finditer(text)]
    found: list[Entity] = []
    for raw in entities:
        start, end = raw.get("start"), raw.get("end")
        if isinstance(start, int) and isinstance(end, int):
            if any(start < u_end and end > u_start for u_start, u_end, _ in urls):
                continue
            words = text[start:end]
        else:
            words = str(raw.get("value", ""))
        found.append(Entity(str(raw.get("entity", "")), str(raw.get("value", words)), words))
    for _, _, url in urls:
        bucket, _, key = url[5:].partition("/")
        if bucket:
            found.append(Entity("bucket", bucket, bucket))
        if key.strip("/"):
            kind = "prefix" if key.endswith("/") else "file"
            found.append(Entity(kind, key.rstrip("/"), key.rstrip("/")))
    return tuple(found)


# A number's unit is in or beside a threshold or period as the sets are written ("[500](threshold) MB" in one,
# "[500 MB](threshold)" in another); the actions read it from the text either way, so both count as the same value.
_UNIT = re.compile(r"(?<=\d)\s?(%|percent|pct|[kmgt]i?b|bytes?|minutes?|mins?|hours?|hrs?|h|days?|d|weeks?|months?)$")


def _unitless(entity: str, value: str) -> str:
    return _UNIT.sub("", value) if entity in ("threshold", "period") else value


def _same(expected: Entity, predicted: Entity) -> bool:
    if expected.entity != predicted.entity:
        return False
    wanted = {_unitless(expected.entity, normalize(v)) for v in (expected.value, expected.words)}
    return any(_unitless(predicted.entity, normalize(v)) in wanted for v in (predicted.value, predicted.words))


def match_entities(
    expected: Iterable[Entity], predicted: Iterable[Entity]
) -> tuple[list[Entity], list[Entity], list[Entity]]:
    """(matched, missed, extra) for one message; each annotation matches at most one extraction."""
    missed, extra, matched = list(expected), [], []
    for guess in dict.fromkeys(predicted):  # the same (entity, value) twice from one extractor counts once
        hit = next((e for e in missed if _same(e, guess)), None)
        if hit is None:
            extra.append(guess)
        else:
            missed.remove(hit)
            matched.append(hit)
    return matched, missed, extra


def f1(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return precision, recall, (2 * precision * recall / (precision + recall) if precision + recall else 0.0)


def intent_scores(pairs: list[tuple[str, str]], labels: Iterable[str] = CONTRACT) -> dict[str, Any]:
    """Accuracy, and precision/recall/F1 per intent of ``labels`` and their macro average over the intents the set
    expects, from (expected, scored prediction) pairs. An intent no message of the set expects has no recall to
    measure: counted as F1 0 it would cap the macro average below 1 whatever the model does (32 of 34 intents:
    0.941), and a message wrongly given it is a miss already, in its own intent's recall."""
    per: dict[str, dict[str, float]] = {}
    for label in labels:
        tp = sum(1 for e, p in pairs if e == label and p == label)
        fp = sum(1 for e, p in pairs if e != label and p == label)
        fn = sum(1 for e, p in pairs if e == label and p != label)
        precision, recall, score = f1(tp, fp, fn)
        per[label] = {"support": tp + fn, "precision": precision, "recall": recall, "f1": score}
    accuracy = sum(1 for e, p in pairs if e == p) / len(pairs) if pairs else 0.0
    expected = [s["f1"] for s in per.values() if s["support"]]
    macro = sum(expected) / len(expected) if expected else 0.0
    return {"accuracy": accuracy, "macro_f1": macro, "per_intent": per}


def entity_scores(results: list[tuple[list[Entity], list[Entity], list[Entity]]]) -> dict[str, Any]:
    """Micro precision/recall/F1 over all entities and per entity, from ``match_entities`` results."""
    tp, fp, fn = Counter[str](), Counter[str](), Counter[str]()
    for matched, missed, extra in results:
        tp.update(e.entity for e in matched)
        fn.update(e.entity for e in missed)
        fp.update(e.entity for e in extra)
    per = {}
    for name in sorted(set(tp) | set(fp) | set(fn)):
        precision, recall, score = f1(tp[name], fp[name], fn[name])
        per[name] = {"support": tp[name] + fn[name], "precision": precision, "recall": recall, "f1": score}
    precision, recall, score = f1(sum(tp.values()), sum(fp.values()), sum(fn.values()))
    return {"precision": precision, "recall": recall, "micro_f1": score, "per_entity": per}


def out_of_scope_scores(texts: list[str], predictions: list[Prediction]) -> dict[str, Any]:
    """How out-of-scope messages were taken: as a mutating skill (the target), any skill, or a conversation intent
    (greet, affirm...)."""
    mutating = [(t, p) for t, p in zip(texts, predictions, strict=True) if p.intent in MUTATING]
    skill = [(t, p) for t, p in zip(texts, predictions, strict=True)
             if p.intent not in CONVERSATION | {OOS, FALLBACK}]
    talk = [(t, p) for t, p in zip(texts, predictions, strict=True) if p.intent in CONVERSATION]
    n = len(texts)

    def listed(items: list[tuple[str, Prediction]]) -> list[dict[str, Any]]:
        return [{"text": t, "predicted": p.intent, "confidence": round(p.confidence, 3)} for t, p in items]

    return {
        "messages": n,
        "mutating": len(mutating), "mutating_rate": len(mutating) / n if n else 0.0,
        "skill": len(skill), "skill_rate": len(skill) / n if n else 0.0,
        "conversation": len(talk),
        "rejected": sum(1 for p in predictions if p.intent in (OOS, FALLBACK)),
        "predicted": dict(Counter(p.intent for p in predictions).most_common()),
        "mutating_messages": listed(mutating),
        "skill_messages": listed(skill),
        "conversation_messages": listed(talk),
    }


def verdict(value: float, target: float, *, at_most: bool = False) -> str:
    return "PASS" if (value <= target if at_most else value >= target) else "MISS"


# --- loading and parsing ------------------------------------------------------------------------------------------

def load_examples(path: Path) -> list[Example]:
    from rasa.shared.nlu.training_data.loading import load_data

    examples = []
    for message in load_data(str(path)).intent_examples:
        text = message.get("text")
        entities = tuple(
            Entity(e["entity"], str(e["value"]), text[e["start"]:e["end"]]) for e in message.get("entities") or []
        )
        examples.append(Example(text, message.get("intent"), entities))
    return examples


def training_texts(data: Path = ROOT / "nlu") -> set[str]:
    """The texts the model is trained on (lowercased, spacing aside), to tell which held-out ones it has seen."""
    from rasa.shared.nlu.training_data.loading import load_data

    texts: set[str] = set()
    for path in sorted(data.rglob("*.yml")):
        try:
            examples = load_data(str(path)).intent_examples
        except ValueError:  # rules and stories, not NLU examples
            continue
        texts.update(" ".join(m.get("text").lower().split()) for m in examples)
    return texts


def newest_model(models: Path = ROOT / "models") -> Path:
    found = sorted(models.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not found:
        raise SystemExit("no trained model in models/ - run `make train`")
    return found[-1]


async def parse_all(model: Path, texts: list[str]) -> list[Prediction]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    predictions = []
    for text in texts:
        parsed = await agent.parse_message(text)
        intent = parsed.get("intent") or {}
        predictions.append(Prediction(
            intent.get("name") or "", float(intent.get("confidence") or 0.0),
            predicted_entities(text, parsed.get("entities") or []),
        ))
    return predictions


# --- report -------------------------------------------------------------------------------------------------------

def _shown(entity: Entity) -> str:
    words = f" ({entity.words!r})" if normalize(entity.words) != normalize(entity.value) else ""
    return f"{entity.entity}={entity.value}{words}"


def evaluate(heldout: list[Example], held_pred: list[Prediction], oos_texts: list[str],
             oos_pred: list[Prediction]) -> dict[str, Any]:
    pairs = [(ex.intent, scored_intent(ex.intent, p.intent)) for ex, p in zip(heldout, held_pred, strict=True)]
    intents = intent_scores(pairs)
    matches = [match_entities(ex.entities, p.entities) for ex, p in zip(heldout, held_pred, strict=True)]
    entities = entity_scores(matches)
    oos = out_of_scope_scores(oos_texts, oos_pred)
    confusions = [
        {"text": ex.text, "expected": ex.intent, "predicted": p.intent, "confidence": round(p.confidence, 3)}
        for ex, p, (e, s) in zip(heldout, held_pred, pairs, strict=True) if e != s
    ]
    entity_errors = [
        {"text": ex.text, "missed": [_shown(m) for m in missed], "extra": [_shown(x) for x in extra]}
        for ex, (_, missed, extra) in zip(heldout, matches, strict=True) if missed or extra
    ]
    figures = {
        "intent_accuracy": intents["accuracy"], "intent_macro_f1": intents["macro_f1"],
        "entity_micro_f1": entities["micro_f1"], "oos_mutating_rate": oos["mutating_rate"],
    }
    return {
        "heldout_examples": len(heldout),
        "heldout_intents": len({ex.intent for ex in heldout}),
        "heldout_entities": sum(len(ex.entities) for ex in heldout),
        "fallbacks": sum(1 for p in held_pred if p.intent == FALLBACK),
        **figures,
        "targets": {k: {"target": TARGETS[k], "met": verdict(v, TARGETS[k], at_most=k == "oos_mutating_rate") == "PASS"}
                    for k, v in figures.items()},
        "entity_precision": entities["precision"], "entity_recall": entities["recall"],
        "per_entity": entities["per_entity"],
        "per_intent": intents["per_intent"],
        "confusions": confusions,
        "entity_errors": entity_errors,
        "out_of_scope": oos,
    }


def print_report(result: dict[str, Any]) -> None:
    oos = result["out_of_scope"]
    print(f"NLU evaluation of {result['model']}: {result['heldout_examples']} held-out messages "
          f"({result['heldout_intents']} intents, {result['heldout_entities']} entities), "
          f"{oos['messages']} out-of-scope messages; parsed in {result['parse_seconds']:.0f} s")
    print(f"\n{'metric':<34}{'value':>14}  {'target':<10}")
    rows = [
        ("intent accuracy", f"{result['intent_accuracy']:.3f}", ">= 0.95", "intent_accuracy"),
        ("intent macro F1 (intents of set)", f"{result['intent_macro_f1']:.3f}", ">= 0.95", "intent_macro_f1"),
        ("entity micro F1", f"{result['entity_micro_f1']:.3f}", ">= 0.95", "entity_micro_f1"),
        ("out of scope -> mutating intent", f"{100 * oos['mutating_rate']:.1f} % ({oos['mutating']})",
         "<= 0.5 %", "oos_mutating_rate"),
    ]
    for name, value, target, key in rows:
        print(f"{name:<34}{value:>14}  {target:<10}{'PASS' if result['targets'][key]['met'] else 'MISS'}")
    print(f"{'out of scope -> any skill intent':<34}{100 * oos['skill_rate']:>8.1f} % ({oos['skill']})"
          f"  (informational)")
    print(f"{'out of scope -> greet/affirm/...':<34}{oos['conversation']:>14}  (informational)")
    print(f"{'held-out -> nlu_fallback':<34}{result['fallbacks']:>14}")
    fresh = result["unseen_only"]
    print(f"\nwithout the {len(result['also_in_training_data'])} texts also in the training data "
          f"({fresh['heldout_examples']} held-out, {fresh['oos_messages']} out-of-scope messages left):")
    print(f"{'intent accuracy':<34}{fresh['intent_accuracy']:>14.3f}")
    print(f"{'intent macro F1 (intents of set)':<34}{fresh['intent_macro_f1']:>14.3f}")
    print(f"{'entity micro F1':<34}{fresh['entity_micro_f1']:>14.3f}")
    print(f"{'out of scope -> mutating intent':<34}{100 * fresh['oos_mutating_rate']:>12.1f} %")
    print("  also in the training data: " + ", ".join(map(repr, result["also_in_training_data"])))

    print(f"\n{'entity':<16}{'support':>8}{'precision':>11}{'recall':>8}{'F1':>7}")
    for name, s in result["per_entity"].items():
        print(f"{name:<16}{s['support']:>8}{s['precision']:>11.3f}{s['recall']:>8.3f}{s['f1']:>7.3f}")

    print(f"\n{'intent':<20}{'support':>8}{'precision':>11}{'recall':>8}{'F1':>7}")
    for name, s in result["per_intent"].items():
        print(f"{name:<20}{s['support']:>8}{s['precision']:>11.3f}{s['recall']:>8.3f}{s['f1']:>7.3f}")

    print(f"\nconfusions ({len(result['confusions'])}): expected -> predicted (confidence): text")
    for c in result["confusions"]:
        print(f"  {c['expected']} -> {c['predicted']} ({c['confidence']:.2f}): {c['text']}")
    print(f"\nentity errors ({len(result['entity_errors'])} messages)")
    for e in result["entity_errors"]:
        print(f"  {e['text']}  missed {e['missed'] or '-'}  extra {e['extra'] or '-'}")
    print(f"\nout of scope taken for a mutating intent ({oos['mutating']})")
    for m in oos["mutating_messages"]:
        print(f"  -> {m['predicted']} ({m['confidence']:.2f}): {m['text']}")
    print(f"out of scope taken for another skill ({oos['skill'] - oos['mutating']})")
    for m in oos["skill_messages"]:
        if m["predicted"] not in MUTATING:
            print(f"  -> {m['predicted']} ({m['confidence']:.2f}): {m['text']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="model archive (default: the newest in models/)")
    parser.add_argument("--heldout", type=Path, default=HELDOUT, help="held-out set (default: %(default)s)")
    parser.add_argument("--out-of-scope", type=Path, default=OUT_OF_SCOPE,
                        help="out-of-scope set (default: %(default)s)")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.ERROR)  # Rasa logs every parse at debug level otherwise
    logging.disable(logging.WARNING)
    model = args.model or newest_model()

    heldout = load_examples(args.heldout)
    oos_texts = [ex.text for ex in load_examples(args.out_of_scope)]
    started = time.perf_counter()
    predictions = asyncio.run(parse_all(model, [ex.text for ex in heldout] + oos_texts))
    held_pred, oos_pred = predictions[:len(heldout)], predictions[len(heldout):]
    result = {"model": model.name, "heldout_set": str(args.heldout), "out_of_scope_set": str(args.out_of_scope),
              "parse_seconds": time.perf_counter() - started,
              **evaluate(heldout, held_pred, oos_texts, oos_pred)}
    # Short everyday messages ("yes", "help") are bound to be in the training data too: listed, and the figures
    # are given again without them.
    seen = training_texts()

    def unseen(text: str) -> bool:
        return " ".join(text.lower().split()) not in seen

    held = [(ex, p) for ex, p in zip(heldout, held_pred, strict=True) if unseen(ex.text)]
    oos = [(t, p) for t, p in zip(oos_texts, oos_pred, strict=True) if unseen(t)]
    fresh = evaluate([ex for ex, _ in held], [p for _, p in held], [t for t, _ in oos], [p for _, p in oos])
    result["also_in_training_data"] = [t for t in [ex.text for ex in heldout] + oos_texts if not unseen(t)]
    result["unseen_only"] = {
        "heldout_examples": fresh["heldout_examples"], "oos_messages": fresh["out_of_scope"]["messages"],
        **{k: fresh[k] for k in ("intent_accuracy", "intent_macro_f1", "entity_micro_f1", "oos_mutating_rate")},
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    stems = [path.stem for path, default in ((args.heldout, HELDOUT), (args.out_of_scope, OUT_OF_SCOPE))
             if path.resolve() != default.resolve()]
    (RESULTS / f"{'-'.join(['nlu', *stems])}.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print_report(result)
    return 0  # a measurement: missed targets are reported, not failed


if __name__ == "__main__":
    sys.exit(main())
