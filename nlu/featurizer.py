"""Dense features from the pretrained sentence encoder (nlu/encoder.py) for DIET, beside the count features.

Each whitespace token gets the mean of the encoder's vectors for the word pieces inside its characters (so the
entity extractor sees context: "logs" in "delete logs/2023/" differs from "logs" in "the logs bucket"), and the
message gets the sentence vector the encoder was trained to give. Only the user's text is featurized: the
assistant trains no dialogue model that would read action texts.
"""
from __future__ import annotations

import threading
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import FEATURIZER_CLASS_ALIAS, TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.encoder import Encoding, MiniLM, StaticMiniLM

Encoder = MiniLM | StaticMiniLM
_loaded: dict[str, Encoder] = {}
_load_lock = threading.Lock()


def shared_encoder(mode: str = "contextual") -> Encoder:
    """One encoder per process and mode, loaded on first use: "contextual" runs the six layers on each message,
    "static" looks each piece up in the distilled table (nlu/encoder.py)."""
    with _load_lock:
        if mode not in _loaded:
            _loaded[mode] = StaticMiniLM.load() if mode == "static" else MiniLM.load()
        return _loaded[mode]


def token_vectors(tokens: list[Token], encoding: Encoding) -> np.ndarray:
    """The mean vector of the pieces inside each token's characters (zeros for a token with none)."""
    out = np.zeros((len(tokens), encoding.vectors.shape[1]), dtype=np.float32)
    for index, token in enumerate(tokens):
        inside = [row for row, piece in enumerate(encoding.pieces)
                  if piece.start < token.end and piece.end > token.start]
        if inside:
            out[index] = encoding.vectors[inside].mean(axis=0)
    return out


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class SentenceEncoderFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds the encoder's token and sentence vectors to the user's text; put it after the tokenizer."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**DenseFeaturizer.get_default_config(), "mode": "contextual"}

    def __init__(self, config: dict[str, Any], execution_context: ExecutionContext) -> None:
        super().__init__(execution_context.node_name, config)

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> SentenceEncoderFeaturizer:
        return cls(config, execution_context)

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        pass

    def process(self, messages: list[Message]) -> list[Message]:
        encoder = shared_encoder(self._config["mode"])
        for message in messages:
            self._featurize(message, encoder)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data

    def _featurize(self, message: Message, encoder: Encoder) -> None:
        tokens = message.get(TOKENS_NAMES[TEXT])
        text = message.get(TEXT)
        if not tokens or not text:
            return
        encoding = encoder.encode(text)
        alias = self._config[FEATURIZER_CLASS_ALIAS]
        message.add_features(Features(token_vectors(tokens, encoding), FEATURE_TYPE_SEQUENCE, TEXT, alias))
        message.add_features(Features(encoding.sentence[np.newaxis, :], FEATURE_TYPE_SENTENCE, TEXT, alias))
