"""A retrain embeds only the exemplars the previous training did not (rag/router/exemplar_vectors.py)."""
from __future__ import annotations

import numpy as np
import pytest

from rag.encoder import Encoder, encoder_get
from rag.router.exemplar_vectors import exemplars_embedded


@pytest.fixture
def embedded(monkeypatch, settings, tmp_path) -> list[str]:  # type: ignore[no-untyped-def]
    """The texts the encoder really embeds, in a data dir of the test's own."""
    settings.DATA_DIR = tmp_path
    texts: list[str] = []
    real = Encoder._vectors

    def counted(self, batch, *, batch_size):  # type: ignore[no-untyped-def]
        texts.extend(batch)
        return real(self, batch, batch_size=batch_size)

    monkeypatch.setattr(Encoder, "_vectors", counted)
    return texts


def test_a_retrain_embeds_only_the_new_texts_and_reuses_the_rest(embedded, tmp_path) -> None:
    encoder = encoder_get()
    first = exemplars_embedded(encoder, ["where is my order", "do you ship to Spain"])
    assert embedded == ["where is my order", "do you ship to Spain"]

    embedded.clear()
    again = exemplars_embedded(encoder, ["where is my order", "do you ship to Spain", "the postie never came"])
    assert embedded == ["the postie never came"]
    assert np.array_equal(again[:2], first)
    assert np.allclose(again[2], encoder.encode(["the postie never came"])[0], atol=1e-6)
    assert again.dtype == np.float32 and again.shape == (3, first.shape[1])
    assert (tmp_path / "embeddings" / f"{encoder.variant}.npz").exists()


def test_the_file_keeps_the_last_trainings_texts_only(embedded) -> None:
    encoder = encoder_get()
    exemplars_embedded(encoder, ["where is my order", "do you ship to Spain"])
    exemplars_embedded(encoder, ["do you ship to Spain"])  # an exemplar deleted
    embedded.clear()
    exemplars_embedded(encoder, ["where is my order", "do you ship to Spain"])
    assert embedded == ["where is my order"]


def test_an_unreadable_file_means_embedding_everything_again(embedded, tmp_path) -> None:
    encoder = encoder_get()
    exemplars_embedded(encoder, ["where is my order"])
    (tmp_path / "embeddings" / f"{encoder.variant}.npz").write_bytes(b"not a numpy file")
    embedded.clear()
    vectors = exemplars_embedded(encoder, ["where is my order"])
    assert embedded == ["where is my order"] and vectors.shape[0] == 1


def test_a_first_training_gets_exactly_the_vectors_training_always_computed(embedded) -> None:
    """Many new texts are embedded all together, duplicates and order included: the same batches as before the
    file existed, so a fresh clone's routers are the same as ever."""
    encoder = encoder_get()
    texts = [f"where is order {number}, it said dispatched" for number in range(250)] + ["where is my order"] * 2
    assert np.array_equal(exemplars_embedded(encoder, texts), encoder.encode(texts).astype(np.float32))
