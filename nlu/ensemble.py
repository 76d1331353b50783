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

import numpy as np
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.utils.tensorflow.constants import RANKING_LENGTH

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


def _sentence_features(message: Message) -> list[Any]:
    """The sentence-level feature matrices of the message's text, sparse ones first, each in the order the
    featurizers added them - the order Rasa's classifier puts them side by side in."""
    features = [f for f in message.features if f.attribute == TEXT and f.type == FEATURE_TYPE_SENTENCE]
    return [f.features for f in features if f.is_sparse()] + [f.features for f in features if f.is_dense()]


def sentence_row(message: Message) -> scipy.sparse.csr_matrix:
    """The row Rasa's logistic regression builds for ``message`` (its sentence features side by side), built from
    the features' nonzero entries directly: Rasa combines every featurizer's sequence and sentence features with
    scipy's stacking for it, which was most of this classifier's parse time."""
    columns, values, offset = [], [], 0
    for matrix in _sentence_features(message):
        if scipy.sparse.issparse(matrix):
            entries = matrix.tocoo()
            columns.append(entries.col + offset)
            values.append(entries.data)
        else:
            dense = np.asarray(matrix).reshape(-1)
            nonzero = np.flatnonzero(dense)
            columns.append(nonzero + offset)
            values.append(dense[nonzero])
        offset += int(matrix.shape[-1])
    column = np.concatenate(columns) if columns else np.zeros(0, dtype=np.int64)
    value = np.concatenate(values) if values else np.zeros(0)
    return scipy.sparse.csr_matrix((value, column, [0, len(column)]), shape=(1, offset))


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class LogisticVote(LogisticRegressionClassifier):
    """Rasa's logistic regression on the sentence features, for a message that has all of them: an empty message
    lacks some featurizers' (scikit-learn would refuse the shorter row), so the ranking before it stands. Same
    probabilities as Rasa's own ``process``, from a row built without Rasa's feature stacking."""

    def process(self, messages: list[Message]) -> list[Message]:
        width = getattr(self.clf, "n_features_in_", None)
        for message in messages:
            row = sentence_row(message)
            if width is None or row.shape[1] != width:
                continue
            probabilities = self.clf.predict_proba(row)[0]
            ranking = sorted(({"name": name, "confidence": confidence}
                              for name, confidence in zip(self.clf.classes_, probabilities, strict=True)),
                             key=lambda entry: -entry["confidence"])
            message.set("intent", ranking[0], add_to_output=True)
            length = self.config[RANKING_LENGTH]
            message.set("intent_ranking", ranking[:length] if length > 0 else ranking, add_to_output=True)
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
