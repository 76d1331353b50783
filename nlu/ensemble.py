"""The intent as several classifiers see it together (see config.yml): DIET trained with different seeds (or another
kind of classifier) each rank the intents; ``KeepVote`` after each but the last keeps its ranking, and
``AverageVotes`` after the last makes the intent and its ranking the mean of them all.

One DIET model's borderline sentences change with every retrain (a different order of batches, a different start);
the mean of a few models keeps what they agree on and is less sure where they disagree, so a guess is more often
a fallback than a wrong skill.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

VOTES = "intent_votes"  # a message's kept rankings; never part of the parse result


def average(rankings: list[list[dict[str, Any]]], length: int) -> list[dict[str, Any]]:
    """The mean confidence of each intent over ``rankings`` (an intent missing from a ranking counts 0 there),
    highest first, at most ``length`` of them."""
    if not rankings:
        return []
    total: dict[str, float] = defaultdict(float)
    for ranking in rankings:
        for entry in ranking:
            total[entry["name"]] += float(entry.get("confidence") or 0.0)
    mean = sorted(((name, score / len(rankings)) for name, score in total.items()), key=lambda p: (-p[1], p[0]))
    return [{"name": name, "confidence": confidence} for name, confidence in mean[:length]]


def sentence_width(message: Message) -> int:
    """How many columns the logistic regression's row for ``message`` would have: its sentence features' widths,
    read from their shapes (building the sparse row just to measure it would double the classifier's cost)."""
    sparse = message.get_sparse_features(attribute=TEXT)[1]
    dense = message.get_dense_features(attribute=TEXT)[1]
    return sum(int(f.features.shape[-1]) for f in (sparse, dense) if f is not None)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class LogisticVote(LogisticRegressionClassifier):
    """Rasa's logistic regression on the sentence features, for a message that has all of them: an empty message
    lacks some featurizers' (scikit-learn would refuse the shorter row), so the ranking before it stands."""

    def process(self, messages: list[Message]) -> list[Message]:
        width = getattr(self.clf, "n_features_in_", None)
        featured = [m for m in messages if width is not None and sentence_width(m) == width]
        if featured:
            super().process(featured)
        return messages


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class KeepVote(GraphComponent):
    """Keeps the intent ranking of the classifier before it for ``AverageVotes``; put it right after that one."""

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> KeepVote:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            ranking = message.get("intent_ranking")
            if ranking:
                message.set(VOTES, [*(message.get(VOTES) or []), [dict(r) for r in ranking]])
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class AverageVotes(GraphComponent):
    """The intent becomes the mean of the kept rankings and the current one; put it right after the last
    classifier, before the steps that read the intent."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"ranking_length": 10}

    def __init__(self, ranking_length: int) -> None:
        self.ranking_length = ranking_length

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> AverageVotes:
        return cls(int(config["ranking_length"]))

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            votes = [*(message.get(VOTES) or []), message.get("intent_ranking") or []]
            ranking = average([vote for vote in votes if vote], self.ranking_length)
            if ranking:
                message.set("intent", dict(ranking[0]), add_to_output=True)
                message.set("intent_ranking", ranking, add_to_output=True)
            message.data.pop(VOTES, None)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
