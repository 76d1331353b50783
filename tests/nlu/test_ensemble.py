"""The mean of several classifiers' intent rankings (nlu/ensemble.py) on rankings as DIET gives them."""
from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import scipy.sparse
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message

from nlu.ensemble import VOTES, AverageVotes, KeepVote, LogisticVote, SemanticVote, average, mix, sentence_row


def ranked(*pairs: tuple[str, float]) -> list[dict[str, object]]:
    return [{"name": name, "confidence": confidence} for name, confidence in pairs]


def test_the_mean_counts_an_intent_missing_from_a_ranking_as_zero_and_orders_by_it() -> None:
    mean = average([ranked(("list_buckets", 0.9), ("bucket_usage", 0.1)),
                    ranked(("bucket_usage", 0.6), ("list_buckets", 0.3), ("storage_trend", 0.1))], length=10)
    assert [(r["name"], round(r["confidence"], 3)) for r in mean] == [
        ("list_buckets", 0.6), ("bucket_usage", 0.35), ("storage_trend", 0.05)]
    assert average([], length=10) == []
    assert len(average([ranked(("a", 0.5), ("b", 0.3), ("c", 0.2))], length=2)) == 2


def test_kept_votes_and_the_last_classifier_decide_together_and_leave_no_trace() -> None:
    message = Message(data={"text": "is tundra-media-raw still huge?"})
    message.set("intent_ranking", ranked(("storage_trend", 0.7), ("bucket_usage", 0.3)))
    KeepVote().process([message])
    message.set("intent_ranking", ranked(("bucket_usage", 0.8), ("storage_trend", 0.2)))
    KeepVote().process([message])
    message.set("intent", {"name": "bucket_usage", "confidence": 0.9})
    message.set("intent_ranking", ranked(("bucket_usage", 0.9), ("storage_trend", 0.1)))
    AverageVotes(ranking_length=10).process([message])
    assert message.get("intent")["name"] == "bucket_usage"
    assert message.get("intent")["confidence"] == pytest.approx((0.3 + 0.8 + 0.9) / 3)
    assert [r["name"] for r in message.get("intent_ranking")] == ["bucket_usage", "storage_trend"]
    assert message.get(VOTES) is None


def test_a_single_classifier_passes_through_unchanged() -> None:
    message = Message(data={"text": "hi"})
    message.set("intent", {"name": "greet", "confidence": 0.97})
    message.set("intent_ranking", ranked(("greet", 0.97), ("thank", 0.03)))
    AverageVotes(ranking_length=10).process([message])
    assert message.get("intent") == {"name": "greet", "confidence": 0.97}


def _message(*features: tuple[str, Any]) -> Message:
    message = Message(data={"text": "hi"})
    for origin, matrix in features:
        message.add_features(Features(matrix, "sentence", "text", origin))
    return message


def test_the_row_built_from_the_features_is_as_wide_as_the_row_rasas_classifier_builds() -> None:
    whole = _message(("words", scipy.sparse.coo_matrix(np.ones((1, 7)))),
                     ("chars", scipy.sparse.coo_matrix(np.ones((1, 5)))), ("dense", np.ones((1, 3))))
    sparse_only = _message(("words", scipy.sparse.coo_matrix(np.ones((1, 7)))))
    bare = Message(data={"text": ""})
    for message in (whole, sparse_only):
        assert sentence_row(message).shape[1] == LogisticVote._create_X(None, [message]).shape[1]  # type: ignore[arg-type]
    assert [sentence_row(m).shape[1] for m in (whole, sparse_only, bare)] == [15, 7, 0]


def _fitted_vote(width: int, ranking_length: int = 10) -> LogisticVote:
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(3)
    vote = LogisticVote.__new__(LogisticVote)
    vote.clf = LogisticRegression(max_iter=500).fit(
        scipy.sparse.random(60, width, density=0.3, random_state=4, format="csr"),
        rng.choice(["greet", "list_buckets", "bucket_usage", "deny"], size=60))
    vote.config = {"ranking_length": ranking_length}
    return vote


def test_the_row_built_from_the_features_gives_rasas_own_probabilities() -> None:
    from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier

    def features() -> Message:
        message = _message(("words", scipy.sparse.coo_matrix(([2.0, 1.0], ([0, 0], [1, 6])), shape=(1, 7))),
                           ("chars", scipy.sparse.coo_matrix(([1.0, 3.0], ([0, 0], [0, 4])), shape=(1, 5))),
                           ("dense", np.array([[0.0, 0.5, -1.0]])))
        message.add_features(Features(scipy.sparse.coo_matrix(np.ones((2, 7))), "sequence", "text", "words"))
        return message

    ours, rasas = features(), features()
    assert (sentence_row(ours).toarray() == LogisticVote._create_X(None, [ours]).toarray()).all()  # type: ignore[arg-type]
    for length in (10, 2):
        vote = _fitted_vote(15, length)
        vote.process([ours])
        LogisticRegressionClassifier.process(vote, [rasas])
        assert [r["name"] for r in ours.get("intent_ranking")] == [r["name"] for r in rasas.get("intent_ranking")]
        assert [r["confidence"] for r in ours.get("intent_ranking")] == pytest.approx(
            [r["confidence"] for r in rasas.get("intent_ranking")], abs=1e-12)
        assert ours.get("intent")["name"] == rasas.get("intent")["name"]
        assert len(ours.get("intent_ranking")) == min(length, 4)


def test_a_message_without_every_featurizer_keeps_the_ranking_before() -> None:
    message = _message(("words", scipy.sparse.coo_matrix(np.ones((1, 7)))))
    message.set("intent_ranking", ranked(("greet", 0.9)))
    _fitted_vote(15).process([message])
    assert message.get("intent_ranking") == ranked(("greet", 0.9))


def test_a_second_opinion_is_weighed_against_the_ranking_and_fills_in_missing_intents() -> None:
    mixed = mix(ranked(("rightsize", 0.5), ("forecast_load", 0.3)), {"rightsize": 0.1, "instance_metrics": 0.9},
                weight=1.0, length=10)
    assert [(r["name"], round(r["confidence"], 3)) for r in mixed] == [
        ("instance_metrics", 0.45), ("rightsize", 0.3), ("forecast_load", 0.15)]
    heavier = mix(ranked(("rightsize", 0.6)), {"instance_metrics": 0.9}, weight=2.0, length=1)
    assert [(r["name"], round(r["confidence"], 3)) for r in heavier] == [("instance_metrics", 0.6)]


# Trained with a handful of wordings per intent; the held-out wordings below share no content word with them.
_SEMANTIC_TRAINING = {
    "list_buckets": ["list my buckets", "show all s3 buckets", "what buckets do we have"],
    "server_status": ["how is my server doing", "status of web-1", "is the instance up"],
    "greet": ["hello", "hi there", "good morning"],
}


@pytest.fixture(scope="module")
def semantic_vote(tmp_path_factory: pytest.TempPathFactory) -> SemanticVote:
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.shared.nlu.training_data.training_data import TrainingData

    storage = LocalModelStorage(tmp_path_factory.mktemp("model"))
    resource = Resource("semantic_vote")
    context = ExecutionContext(GraphSchema({}), "test")
    config = {**SemanticVote.get_default_config(), "below": 0.7, "weight": 1.0}
    examples = [Message(data={"text": text, "intent": intent})
                for intent, texts in _SEMANTIC_TRAINING.items() for text in texts]
    SemanticVote.create(config, storage, resource, context).train(TrainingData(examples))
    return SemanticVote.load(config, storage, resource, context)  # as the server gets it: from the stored model


def test_the_stored_vote_knows_wordings_it_was_never_trained_on(semantic_vote: SemanticVote) -> None:
    opinion = semantic_vote.opinion("which storage containers exist in our account?")
    assert max(opinion, key=opinion.__getitem__) == "list_buckets"
    opinion = semantic_vote.opinion("yo, hey!")
    assert max(opinion, key=opinion.__getitem__) == "greet"
    assert sum(opinion.values()) == pytest.approx(1.0)


def test_an_unsure_ranking_is_mixed_with_the_vote_and_a_sure_one_is_left_alone(semantic_vote: SemanticVote) -> None:
    text = "which storage containers exist in our account?"
    unsure = Message(data={"text": text})
    unsure.set("intent", {"name": "server_status", "confidence": 0.5})
    unsure.set("intent_ranking", ranked(("server_status", 0.5), ("list_buckets", 0.4), ("greet", 0.1)))
    semantic_vote.process([unsure])
    opinion = semantic_vote.opinion(text)
    expected = mix(ranked(("server_status", 0.5), ("list_buckets", 0.4), ("greet", 0.1)), opinion, 1.0, 10)
    assert unsure.get("intent_ranking") == expected
    assert unsure.get("intent") == expected[0]
    assert unsure.get("intent")["name"] == "list_buckets"

    sure = Message(data={"text": text})
    sure.set("intent", {"name": "server_status", "confidence": 0.7})
    sure.set("intent_ranking", ranked(("server_status", 0.7), ("list_buckets", 0.3)))
    semantic_vote.process([sure])
    assert sure.get("intent_ranking") == ranked(("server_status", 0.7), ("list_buckets", 0.3))


def test_an_empty_message_or_one_without_a_ranking_is_left_alone(semantic_vote: SemanticVote) -> None:
    empty = Message(data={"text": "   "})
    empty.set("intent_ranking", ranked(("greet", 0.4), ("deny", 0.3)))
    unranked = Message(data={"text": "hello"})
    semantic_vote.process([empty, unranked])
    assert empty.get("intent_ranking") == ranked(("greet", 0.4), ("deny", 0.3))
    assert unranked.get("intent_ranking") is None


def test_data_with_one_intent_trains_a_silent_vote(tmp_path: Any) -> None:
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.shared.nlu.training_data.training_data import TrainingData

    storage, resource = LocalModelStorage(tmp_path), Resource("semantic_vote")
    context = ExecutionContext(GraphSchema({}), "test")
    config = SemanticVote.get_default_config()
    SemanticVote.create(config, storage, resource, context).train(
        TrainingData([Message(data={"text": "hello", "intent": "greet"})]))
    vote = SemanticVote.load(config, storage, resource, context)
    message = Message(data={"text": "hi"})
    message.set("intent_ranking", ranked(("greet", 0.4)))
    vote.process([message])
    assert vote.opinion("hi") == {} and message.get("intent_ranking") == ranked(("greet", 0.4))
