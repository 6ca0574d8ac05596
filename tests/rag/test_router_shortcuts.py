"""The routers' two shortcuts give what the slow, obvious computation gives.

- The nearest exemplars come from an HNSW graph (rag/router/neighbours.py) instead of comparing
  the message with all 20,000 exemplars: every held-out message gets the same route and intent.
- The multilingual router's character n-grams are weighed without scikit-learn's transform
  (rag/router/char_grams.py `CharLogits`): the same numbers.
"""
from __future__ import annotations

import csv
import functools
from pathlib import Path

import faiss
import numpy as np
import pytest

from rag.router import exemplar_vectors
from rag.router.char_grams import char_vectorizer
from rag.router.multilingual_model import MultilingualModel
from rag.router.model import RouterModel
from rag.router.neighbours import ExemplarNeighbours

DATA = Path(__file__).resolve().parents[1] / "data"


def _held_out_texts() -> list[str]:
    files = sorted(DATA.glob("realistic_holdout*/*.csv")) + [DATA / "router_holdout.csv"]
    return [row["text"] for path in files for row in csv.DictReader(path.open(encoding="utf-8"))]


class _EveryExemplar:
    """The exact search the graph stands in for: the message against every exemplar."""

    def __init__(self, vectors: np.ndarray) -> None:
        self.index = faiss.IndexFlatIP(vectors.shape[1])
        self.index.add(np.ascontiguousarray(vectors, dtype=np.float32))

    def search(self, vector: np.ndarray, k: int, *, thorough: bool = False) -> tuple[np.ndarray, np.ndarray]:
        sims, ids = self.index.search(vector.reshape(1, -1).astype(np.float32), k)
        return sims[0], ids[0]


@pytest.mark.django_db
def test_the_graph_of_exemplars_routes_every_held_out_message_as_comparing_with_every_exemplar(local_models,
                                                                                             monkeypatch):
    texts = _held_out_texts()
    assert len(texts) > 1500
    # Each message embedded once by each encoder for both passes (only the search differs between them)
    encoder = local_models.english.encoder
    monkeypatch.setattr(encoder, "encode_one", functools.lru_cache(maxsize=None)(encoder.encode_one))
    multilingual_vectors = exemplar_vectors.embeddings_known(local_models.multilingual.encoder,
                                                             [local_models.read(text) for text in texts])
    monkeypatch.setattr(exemplar_vectors, "embeddings_known", lambda encoder, batch, batch_size: multilingual_vectors)
    with_graph = local_models.decide_all(texts)
    english, multilingual = local_models.english.model, local_models.multilingual.model
    graphs = english.neighbours, multilingual.neighbours
    try:
        english.neighbours = _EveryExemplar(english.exemplar_vectors)  # type: ignore[assignment]
        multilingual.neighbours = _EveryExemplar(multilingual.exemplar_vectors)  # type: ignore[assignment]
        exact = local_models.decide_all(texts)
    finally:
        english.neighbours, multilingual.neighbours = graphs
    differ = [(text, a.route, b.route) for text, a, b in zip(texts, exact, with_graph)
              if (a.route, a.intent) != (b.route, b.intent)]
    assert differ == []


@pytest.mark.django_db
def test_the_graph_finds_the_nearest_exemplar_and_nearly_all_of_the_ten_nearest(local_models):
    """The graph is approximate: it always finds the nearest exemplar (what the thresholds read
    first), and misses a few of the further ones."""
    model = local_models.multilingual.model
    exact = _EveryExemplar(model.exemplar_vectors)
    nearest_same, found = [], []
    for row in range(0, len(model.exemplar_vectors), 97):
        vector = model.exemplar_vectors[row]
        (exact_sims, exact_rows), (sims, rows) = exact.search(vector, 10), model.neighbours.search(vector, 10)
        nearest_same.append(abs(exact_sims[0] - sims[0]) < 1e-6)
        found.append(len(set(exact_rows) & set(rows)) / 10)
    assert all(nearest_same)
    assert np.mean(found) >= 0.97


def test_a_saved_router_keeps_its_graph(tmp_path):
    vectors = np.random.default_rng(3).normal(size=(300, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    model = RouterModel(intents=["off_topic", "track_order"], weights=np.zeros((2, 16), dtype=np.float32),
                        bias=np.zeros(2, dtype=np.float32), exemplar_vectors=vectors,
                        exemplar_intents=np.arange(300) % 2, thresholds={})
    model.save(tmp_path)
    loaded = RouterModel.load(tmp_path)
    assert isinstance(loaded.neighbours, ExemplarNeighbours)
    for row in (0, 17, 299):
        assert np.array_equal(loaded.nearest(vectors[row])[0], model.nearest(vectors[row])[0])
        assert loaded.neighbours.search(vectors[row], 1)[1][0] == row


def test_the_graph_is_the_same_each_time_it_is_built():
    vectors = np.random.default_rng(5).normal(size=(2000, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    first, second = ExemplarNeighbours.build(vectors), ExemplarNeighbours.build(vectors)
    assert np.array_equal(first.as_array(), second.as_array())


@pytest.mark.django_db
def test_the_character_ngrams_weigh_as_scikit_learn_computes_them(local_models):
    model: MultilingualModel = local_models.multilingual.model
    vectorizer = char_vectorizer(model.char_vocabulary, model.char_idf)
    texts = _held_out_texts()[::3] + ["", "!!!", "ok", "Wo ist meine Bestellung?", "zzzzqqqq xxyy"]
    for text in texts:
        features = vectorizer.transform([text])
        expected = np.asarray(features @ model.char_weights.T).reshape(-1)
        assert np.allclose(model._char_logits(text), expected, atol=1e-5), text


@pytest.mark.django_db
def test_an_unchanged_router_is_loaded_with_its_graph_not_rebuilt(local_models, monkeypatch):
    def rebuilt(vectors):  # type: ignore[no-untyped-def]
        raise AssertionError("the saved graph should have been read")

    monkeypatch.setattr(ExemplarNeighbours, "build", staticmethod(rebuilt))
    loaded = MultilingualModel.load()
    assert loaded.neighbours is not None
