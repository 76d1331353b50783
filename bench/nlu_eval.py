"""NLU quality on a held-out split: intent accuracy and entity F1. Prints a table, writes bench/results/nlu.json.

Splits nlu/nlu.yml 80/20 per intent (Rasa's own splitter, fixed seed), trains an NLU model on the 80 %, and
evaluates it on the 20 % it never saw.
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def rasa(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "rasa", *args], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="nlu-eval-") as tmp:
        work = Path(tmp)
        rasa("data", "split", "nlu", "-u", "nlu/nlu.yml", "--training-fraction", "0.8",
             "--random-seed", "13", "--out", str(work / "split"))
        rasa("train", "nlu", "--nlu", str(work / "split" / "training_data.yml"), "--config", "config.yml",
             "--out", str(work / "model"), "--fixed-model-name", "eval")
        rasa("test", "nlu", "--nlu", str(work / "split" / "test_data.yml"),
             "--model", str(work / "model" / "eval.tar.gz"), "--out", str(work / "results"))
        intents = json.loads((work / "results" / "intent_report.json").read_text())
        errors_file = work / "results" / "intent_errors.json"
        errors = json.loads(errors_file.read_text()) if errors_file.exists() else []
        entity_file = work / "results" / "DIETClassifier_report.json"
        entities = json.loads(entity_file.read_text()) if entity_file.exists() else {}
    summary = {
        "intent_accuracy": intents["accuracy"],
        "intent_macro_f1": intents["macro avg"]["f1-score"],
        "test_examples": intents["macro avg"]["support"],
        "entity_micro_f1": entities.get("micro avg", {}).get("f1-score"),
        "intent_errors": [
            {"text": e["text"], "expected": e["intent"], "predicted": e["intent_prediction"]["name"]} for e in errors
        ],
        "entity_f1": {name: entities[name]["f1-score"] for name in ("bucket", "file", "instance", "prefix")
                      if name in entities},
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "nlu.json").write_text(json.dumps(summary, indent=2))
    print(f"{'metric':<28}{'value':>8}")
    print(f"{'intent accuracy':<28}{summary['intent_accuracy']:>8.3f}")
    print(f"{'intent macro F1':<28}{summary['intent_macro_f1']:>8.3f}")
    if summary["entity_micro_f1"] is not None:
        print(f"{'entity micro F1':<28}{summary['entity_micro_f1']:>8.3f}")
    for name, f1 in summary["entity_f1"].items():
        print(f"{'entity F1 ' + name:<28}{f1:>8.3f}")
    print(f"{'held-out examples':<28}{summary['test_examples']:>8}")
    for error in summary["intent_errors"]:
        print(f"  miss: {error['text']!r}: {error['expected']} -> {error['predicted']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
