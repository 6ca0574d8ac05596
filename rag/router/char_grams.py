"""The words of a message as a router's classifier reads them beside its embedding: character n-grams.

Character n-grams within words (2-5 characters, seen in at least two exemplars), TF-IDF weighted, unit length,
scaled against the unit-length embedding by CHAR_WEIGHT. They carry the words themselves, in every language and
through typos ("terugbetaling", "Rückerstattung", "refnd"), which an embedding of a whole message blurs. The
multilingual router reads them always (rag/router/multilingual_model.py); the English router when it shares the
multilingual encoder (rag/router/model.py `CHAR_WEIGHTS`).
"""
from __future__ import annotations

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

CHAR_NGRAMS = {"analyzer": "char_wb", "ngram_range": (2, 5), "sublinear_tf": True, "min_df": 2, "lowercase": True}
CHAR_WEIGHT = 3.0


def char_vectorizer(vocabulary: dict[str, int] | None = None, idf: np.ndarray | None = None) -> TfidfVectorizer:
    """The character n-gram features: unfitted, or as a saved model fitted them."""
    vectorizer = TfidfVectorizer(**CHAR_NGRAMS, dtype=np.float32)
    if vocabulary is not None and idf is not None:
        vectorizer.vocabulary_ = vocabulary
        vectorizer.idf_ = idf
    return vectorizer


def embedding_and_chars(vectors: np.ndarray, chars: sparse.csr_matrix, weight: float = CHAR_WEIGHT
                        ) -> sparse.csr_matrix:
    """One row per message: its embedding, then its character n-grams times `weight`."""
    return sparse.hstack([sparse.csr_matrix(vectors), chars * weight]).tocsr()


class CharLogits:
    """The character n-grams' part of a classifier's logits for one text."""

    def __init__(self, weights: np.ndarray, vocabulary: dict[str, int], idf: np.ndarray) -> None:
        self.weights = weights  # (classes, n-grams), the scale included
        self.vocabulary = vocabulary
        self.idf = idf
        self._grams = char_vectorizer(vocabulary, idf).build_analyzer()

    def __call__(self, text: str) -> np.ndarray:
        """`TfidfVectorizer.transform`'s arithmetic on one text (counts of the known n-grams, 1 + log, times idf, unit
        length), without its input checks, which cost a message 1.2 ms, more than the arithmetic (the same features
        to 1e-6: tests/rag/test_router_shortcuts.py)."""
        counts: dict[int, int] = {}
        for gram in self._grams(text):
            column = self.vocabulary.get(gram)
            if column is not None:
                counts[column] = counts.get(column, 0) + 1
        if not counts:
            return np.zeros(self.weights.shape[0], dtype=np.float32)
        columns = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        values = (np.log(np.fromiter(counts.values(), dtype=np.float32, count=len(counts))) + 1) * self.idf[columns]
        values /= np.linalg.norm(values)
        return self.weights[:, columns] @ values
