"""The pretrained sentence encoder (nlu/encoder.py) and its pipeline step (nlu/featurizer.py), with the installed
weights: BERT's tokenizer, the model's known behaviour on sentences, and the features DIET gets."""
from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE, TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu.encoder import MAX_PIECES, MiniLM, StaticMiniLM, read_safetensors, static_rows
from nlu.featurizer import SentenceEncoderFeaturizer, shared_encoder, token_vectors


@pytest.fixture(scope="module")
def encoder() -> MiniLM:
    return shared_encoder()


def cosine(encoder: MiniLM, first: str, second: str) -> float:
    return float(encoder.encode(first).sentence @ encoder.encode(second).sentence)


def test_safetensors_are_read_as_written(tmp_path: Path) -> None:
    weights = np.arange(6, dtype=np.float32).reshape(2, 3)
    ids = np.array([[7, 8]], dtype=np.int64)
    header = {"__metadata__": {"format": "pt"},
              "w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]},
              "ids": {"dtype": "I64", "shape": [1, 2], "data_offsets": [24, 40]}}
    raw = json.dumps(header).encode()
    path = tmp_path / "model.safetensors"
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + weights.tobytes() + ids.tobytes())
    tensors = read_safetensors(path)
    assert set(tensors) == {"w", "ids"}
    np.testing.assert_array_equal(tensors["w"], weights)
    np.testing.assert_array_equal(tensors["ids"], ids)


def test_word_pieces_are_berts_uncased_ones_with_their_characters(encoder: MiniLM) -> None:
    text = "Hello, Wörld! s3://acme-logs"
    pieces = encoder.tokenizer.pieces(text)
    vocab = {index: piece for piece, index in encoder.tokenizer.ids.items()}
    names = [vocab[p.id] for p in pieces]
    assert names[:4] == ["hello", ",", "world", "!"] and names[-1] == "logs"
    # Greedy longest-match pieces spell the word again; punctuation is a word of its own.
    assert "".join(name.removeprefix("##") for name in names[4:]) == "s3://acme-logs"
    assert names[6:9] == [":", "/", "/"] and names[5].startswith("##")
    assert [text[p.start:p.end] for p in pieces][:4] == ["Hello", ",", "Wörld", "!"]
    assert encoder.tokenizer.pieces("x" * 150)[0].id == encoder.tokenizer.unk


def test_sentences_meaning_the_same_are_close_and_unrelated_ones_are_not(encoder: MiniLM) -> None:
    # The model's published example pair scores about 0.75; a wrong layer, norm or pooling would not.
    assert 0.70 < cosine(encoder, "A man is eating food.", "A man is eating a piece of bread.") < 0.80
    assert cosine(encoder, "delete the bucket acme-logs", "remove bucket acme-logs please") > 0.9
    same = cosine(encoder, "list my buckets", "show me all the s3 buckets we have")
    other = cosine(encoder, "list my buckets", "what is the weather like in paris")
    assert same > 0.6 and other < 0.1


def test_a_sentence_vector_has_unit_length_and_a_vector_per_piece(encoder: MiniLM) -> None:
    encoding = encoder.encode("how big is media-archive?")
    assert encoding.vectors.shape == (len(encoding.pieces), 384)
    assert abs(float(np.linalg.norm(encoding.sentence)) - 1.0) < 1e-5
    long = encoder.encode("word " * 400)
    assert len(long.pieces) == MAX_PIECES - 2 and long.vectors.shape[0] == MAX_PIECES - 2


def test_each_token_gets_the_mean_of_its_pieces(encoder: MiniLM) -> None:
    message = Message(data={TEXT: "delete logs/2023/ in acme-invoices ?"})
    WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process([message])
    tokens = message.get("text_tokens")
    encoding = encoder.encode(message.get(TEXT))
    vectors = token_vectors(tokens, encoding)
    assert vectors.shape == (len(tokens), 384)
    texts = [token.text for token in tokens]
    inside = [i for i, p in enumerate(encoding.pieces) if tokens[1].start <= p.start and p.end <= tokens[1].end]
    # The tokenizer drops the trailing "/", so the token has the pieces of "logs/2023" only.
    assert texts[1] == "logs/2023" and "".join(
        encoder.tokenizer.words(message.get(TEXT))[i][0] for i in range(1, 4)) == "logs/2023"
    assert len(inside) >= 3 and all(encoding.pieces[i].end <= tokens[1].end for i in inside)
    np.testing.assert_allclose(vectors[1], encoding.vectors[inside].mean(axis=0), rtol=1e-6)
    assert all(np.abs(vectors).sum(axis=1) > 0)


def test_the_pipeline_step_adds_sequence_and_sentence_features(encoder: MiniLM) -> None:
    featurizer = SentenceEncoderFeaturizer.create(
        {**SentenceEncoderFeaturizer.get_default_config(), "alias": "encoder"}, None, None,  # type: ignore[arg-type]
        type("Context", (), {"node_name": "encoder"})())
    message = Message(data={TEXT: "any alarms firing?"})
    WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process([message])
    featurizer.process([message])
    sequence, sentence = message.get_dense_features(TEXT)
    assert sequence is not None and sentence is not None
    assert sequence.type == FEATURE_TYPE_SEQUENCE and sequence.features.shape == (3, 384)
    assert sentence.type == FEATURE_TYPE_SENTENCE and sentence.features.shape == (1, 384)
    np.testing.assert_allclose(sentence.features[0], encoder.encode("any alarms firing?").sentence, rtol=1e-6)


def test_the_static_table_holds_each_piece_as_the_encoder_reads_it_alone(encoder: MiniLM, tmp_path: Path) -> None:
    ids = [encoder.tokenizer.ids[word] for word in ("bucket", "server", "cpu", "banana")]
    rows = static_rows(encoder, np.asarray(ids))
    for row, word in zip(rows, ("bucket", "server", "cpu", "banana"), strict=True):
        np.testing.assert_allclose(row, encoder.encode(word).sentence, atol=1e-5)
    # A message's vectors are its pieces' rows, and its sentence their normalised mean.
    table = np.zeros((len(encoder.tokenizer.ids), 384), dtype=np.float32)
    table[ids] = rows
    static = StaticMiniLM(table=table, tokenizer=encoder.tokenizer)
    encoding = static.encode("Server CPU, bucket!")
    assert [p.id for p in encoding.pieces] == [ids[1], ids[2], encoder.tokenizer.ids[","], ids[0],
                                               encoder.tokenizer.ids["!"]]
    mean = rows[[1, 2, 0]].sum(axis=0)
    np.testing.assert_allclose(encoding.sentence, mean / np.linalg.norm(mean), atol=1e-6)
    assert static.encode("").vectors.shape == (0, 384)


def test_sentences_in_batches_are_the_sentence_vectors_of_encode(encoder: MiniLM) -> None:
    texts = ["list my buckets", "ls s3", "", "how big is media-archive and how many objects are in it?", "reboot web-2",
             "list my bukcets"]
    batched = encoder.sentences(texts, batch=2)
    assert batched.shape == (len(texts), 384)
    assert np.allclose(batched, np.stack([encoder.encode(text).sentence for text in texts]), atol=1e-5)
