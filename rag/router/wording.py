"""A second opinion on refund messages that reads the words, not the embedding.

The embedding classifier hears "refund" and a question, and sometimes hears a policy
question where a customer asks for their money ("is there a way to get a refund?").
This model is trained only on the refund exemplars (requests against policy and status
questions) with word and character n-grams, so it weighs the phrasing itself: "how do
I get", "I'd like", "request" against "policy", "in which cases", "status". It is a
veto: the bot answers a refund message only when both models agree it is no request.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.model_selection import StratifiedKFold

from rag.router.fitting import folds_and_final
from rag.router.safety import spelling_fixed

REQUEST = "get_refund"
REFUND_QUESTIONS = ("check_refund_policy", "track_refund")
FEATURES = 2**20
C_REGULARISATION = 4.0
# The veto's bound: the probability below which this share of held-out refund requests fall.
REQUESTS_BELOW_BOUND = 0.02
_APOSTROPHES = re.compile(r"[’`´]")


def _normalised(text: str) -> str:
    return _APOSTROPHES.sub("'", spelling_fixed(text).lower())


_WORDS = HashingVectorizer(ngram_range=(1, 3), n_features=FEATURES, alternate_sign=False, norm="l2",
                           preprocessor=_normalised, token_pattern=r"[a-z0-9']+")
_CHARACTERS = HashingVectorizer(analyzer="char_wb", ngram_range=(3, 5), n_features=FEATURES, alternate_sign=False,
                                norm="l2", preprocessor=_normalised)


def _features(texts: list[str]):  # type: ignore[no-untyped-def]
    return hstack([_WORDS.transform(texts), _CHARACTERS.transform(texts)]).tocsr()


@dataclass
class RefundWording:
    """P(refund request | wording), as a sparse linear model over hashed n-grams."""

    index: np.ndarray  # (nonzero,) feature indices, ascending
    weight: np.ndarray  # (nonzero,) their weights
    bias: float

    def request_probability(self, text: str) -> float:
        row = _features([text])
        at = np.minimum(np.searchsorted(self.index, row.indices), len(self.index) - 1)
        known = self.index[at] == row.indices
        logit = float(row.data[known] @ self.weight[at[known]]) + self.bias
        return float(1.0 / (1.0 + np.exp(-logit)))

    @classmethod
    def train(cls, pairs: list[tuple[str, str]]) -> tuple[RefundWording, float] | None:
        """The model, and the bound under which REQUESTS_BELOW_BOUND of held-out requests fall.

        None when the exemplars hold no refund requests or no refund questions to learn from.
        """
        family = [(text, intent == REQUEST) for text, intent in pairs if intent == REQUEST or intent in REFUND_QUESTIONS]
        is_request = np.array([request for _, request in family])
        if len(family) < 10 or is_request.all() or not is_request.any():
            return None
        features = _features([text for text, _ in family])
        # Only the 2**21 hashed columns some exemplar has (about 36,000): the solver worked through all of them, most
        # always zero, and a fit took 5 s instead of 0.07 (their weights stay 0 either way: the same model to 1e-14).
        used = np.unique(features.indices)
        features = features[:, used]
        splits = list(StratifiedKFold(n_splits=5, shuffle=True, random_state=3).split(features, is_request))
        folds, classifier = folds_and_final(features, is_request, splits, C=C_REGULARISATION, max_iter=3000,
                                            class_weight="balanced")
        held_out = np.zeros(len(family))
        for fold in folds:
            held_out[fold.test] = fold.probabilities[:, list(fold.classes).index(True)]
        bound = float(np.quantile(held_out[is_request], REQUESTS_BELOW_BOUND))
        weights = classifier.coef_[0]
        kept = np.flatnonzero(weights)
        return cls(index=used[kept].astype(np.int32), weight=weights[kept].astype(np.float32),
                   bias=float(classifier.intercept_[0])), bound
