"""The trained router: a logistic-regression intent classifier plus nearest exemplars.

Training (`python manage.py train_router`) embeds the exemplars, fits the classifier,
and learns the thresholds from out-of-fold predictions, so each threshold is chosen
on exemplars the classifier did not see.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from django.conf import settings
from django.utils import timezone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from rag.encoder import encoder_get
from rag.router.exemplar_vectors import exemplars_embedded
from rag.router.exemplars import exemplar_load, exemplars_fingerprint, shop_vocabulary
from rag.router.fitting import HeldOutFold, folds_and_final
from rag.router.neighbours import ExemplarNeighbours
from rag.router.policy import OFF_TOPIC
from rag.router.wording import RefundWording

C_REGULARISATION = 8.0
# How much closer to an off-topic exemplar than to a shop one an unsure message must be to be declined.
OFF_TOPIC_MARGIN = 0.02
# Below this top probability the classifier is unsure which intent a message is.
UNSURE = 0.6
# A refund message is answered by the bot only if the classifier gives it less than a
# learned probability of being a request: the one at which this share of held-out refund
# requests would pass, never above REFUND_REQUEST_DOUBT.
REFUND_REQUEST_DOUBT = 0.10
REFUND_REQUESTS_IN_DOUBT = 0.005
# What a saved router holds; an artifact of another format is retrained (2: the refund wording model).
ARTIFACT_FORMAT = 3  # 3: the nearest-exemplar graph saved with it


def artifact_dir() -> Path:
    return settings.DATA_DIR / "router"


@dataclass
class RouterModel:
    intents: list[str]
    weights: np.ndarray  # (intents, dimension)
    bias: np.ndarray  # (intents,)
    exemplar_vectors: np.ndarray  # (exemplars, dimension), unit length
    exemplar_intents: np.ndarray  # (exemplars,) index into `intents`
    thresholds: dict[str, float]
    meta: dict = field(default_factory=dict)
    shop_vocabulary: frozenset[str] = frozenset()
    refund_wording: RefundWording | None = None
    neighbours: ExemplarNeighbours | None = field(default=None, repr=False)  # built from the vectors when None

    def __post_init__(self) -> None:
        if self.neighbours is None:
            self.neighbours = ExemplarNeighbours.build(self.exemplar_vectors)
        self.off_topic = self.intents.index(OFF_TOPIC)

    def probabilities(self, vector: np.ndarray, text: str) -> np.ndarray:
        """Intent probabilities from the embedding alone (`text` is for the multilingual model's n-grams)."""
        logits = self.weights @ vector + self.bias
        logits -= logits.max()
        exp = np.exp(logits)
        return exp / exp.sum()

    def nearest(self, vector: np.ndarray, *, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """Similarities and intent indices of the k nearest exemplars."""
        sims, ids = self.neighbours.search(vector, k)
        return sims, self.exemplar_intents[ids]

    def save(self, folder: Path | None = None) -> Path:
        folder = folder or artifact_dir()
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / "router.tmp.npz"
        wording = {}
        if self.refund_wording is not None:
            wording = {"wording_index": self.refund_wording.index, "wording_weight": self.refund_wording.weight,
                       "wording_bias": np.array([self.refund_wording.bias])}
        np.savez(tmp, weights=self.weights, bias=self.bias, vectors=self.exemplar_vectors, labels=self.exemplar_intents,
                 neighbours=self.neighbours.as_array(), **wording)
        tmp.replace(folder / "router.npz")
        (folder / "router.json").write_text(
            json.dumps({"intents": self.intents, "thresholds": self.thresholds, "meta": self.meta,
                        "shop_vocabulary": sorted(self.shop_vocabulary)}, indent=1)
        )
        return folder

    @classmethod
    def load(cls, folder: Path | None = None) -> RouterModel:
        folder = folder or artifact_dir()
        config = json.loads((folder / "router.json").read_text())
        arrays = np.load(folder / "router.npz")
        wording = None
        if "wording_index" in arrays:
            wording = RefundWording(index=arrays["wording_index"], weight=arrays["wording_weight"],
                                    bias=float(arrays["wording_bias"][0]))
        return cls(
            intents=config["intents"],
            weights=arrays["weights"],
            bias=arrays["bias"],
            exemplar_vectors=arrays["vectors"],
            exemplar_intents=arrays["labels"],
            thresholds=config["thresholds"],
            meta=config["meta"],
            shop_vocabulary=frozenset(config.get("shop_vocabulary", [])),
            refund_wording=wording,
            neighbours=ExemplarNeighbours.from_array(arrays["neighbours"]) if "neighbours" in arrays else None,
        )


def _fit(vectors: np.ndarray, labels: np.ndarray, off_topic: int
         ) -> tuple[dict[str, np.ndarray], LogisticRegression]:
    """What the router would see for each exemplar if it were new (out of fold), and the classifier on all of them."""
    splits = list(StratifiedKFold(n_splits=5, shuffle=True, random_state=7).split(vectors, labels))
    folds, classifier = folds_and_final(vectors, labels, splits, C=C_REGULARISATION, max_iter=3000,
                                        class_weight="balanced")
    return _out_of_fold(vectors, labels, off_topic, splits, folds), classifier


def _out_of_fold(vectors: np.ndarray, labels: np.ndarray, off_topic: int,
                 splits: list[tuple[np.ndarray, np.ndarray]], folds: list[HeldOutFold]) -> dict[str, np.ndarray]:
    proba = np.zeros((len(labels), int(labels.max()) + 1), dtype=np.float32)
    in_domain_sim = np.zeros(len(labels), dtype=np.float32)
    off_topic_sim = np.zeros(len(labels), dtype=np.float32)
    for (train, test), fold in zip(splits, folds):
        proba[np.ix_(test, fold.classes)] = fold.probabilities
        sims = vectors[test] @ vectors[train].T
        train_off = labels[train] == off_topic
        in_domain_sim[test] = sims[:, ~train_off].max(axis=1)
        off_topic_sim[test] = sims[:, train_off].max(axis=1)
    return {"proba": proba, "in_domain_sim": in_domain_sim, "off_topic_sim": off_topic_sim}


def _learn_thresholds(oof: dict[str, np.ndarray], labels: np.ndarray, off_topic: int,
                      intents: list[str]) -> dict[str, float]:
    in_domain = labels != off_topic
    # Below this similarity to every shop exemplar a message is not about the shop:
    # set so that 1% of held-out shop exemplars would fall below it.
    ood_similarity = float(np.quantile(oof["in_domain_sim"][in_domain], 0.01))
    # Shop messages the classifier is this unsure about go to the LLM rather than get
    # a wrong canned answer: 2% of held-out shop exemplars.
    top = oof["proba"][in_domain].max(axis=1)
    min_confidence = float(np.quantile(top, 0.02))
    # A message much closer to an off-topic exemplar than to any shop one is off-topic even
    # when the classifier is sure: its confidence on text unlike its training is not worth
    # much ("forgot my LinkedIn password"). Set so that 0.2% of held-out shop exemplars would
    # be declined; never below the ordinary margin.
    nearer_off_topic = oof["off_topic_sim"][in_domain] - oof["in_domain_sim"][in_domain]
    confident_margin = max(float(np.quantile(nearer_off_topic, 0.998)), OFF_TOPIC_MARGIN)
    # An unsure classifier (top intent below UNSURE) whose runner-up is off-topic with this
    # much probability is declined: set so that 0.5% of held-out shop exemplars would be.
    p_off_topic = oof["proba"][in_domain][:, off_topic]
    contender = np.where(top < UNSURE, p_off_topic, 0.0)
    off_topic_contender = max(float(np.quantile(contender, 0.995)), 0.15)
    # Below this probability of being a refund request, refund words may be a policy or
    # status question the bot answers itself: set so that at most 0.5% of held-out refund
    # requests would fall below it, and never above 0.1.
    refund_request_doubt = REFUND_REQUEST_DOUBT
    if "get_refund" in intents:
        refund = intents.index("get_refund")
        p_refund = oof["proba"][labels == refund][:, refund]
        refund_request_doubt = min(float(np.quantile(p_refund, REFUND_REQUESTS_IN_DOUBT)), REFUND_REQUEST_DOUBT)
    return {
        "ood_similarity": round(ood_similarity, 4),
        "min_confidence": round(min_confidence, 4),
        # Refund and person requests are handed over when even a minority of the
        # probability says so: a wrong handoff costs a minute, a wrong answer a customer.
        "refund_probability": 0.20,
        "refund_request_doubt": round(refund_request_doubt, 4),
        "person_probability": 0.30,
        "off_topic_margin": OFF_TOPIC_MARGIN,
        "off_topic_margin_confident": round(confident_margin, 4),
        "off_topic_contender": round(off_topic_contender, 4),
    }


def router_train(*, extra: list[tuple[str, str]] | None = None, folder: Path | None = None) -> RouterModel:
    """Train on the exemplars (plus `extra` labelled messages) and save the artifact.

    `folder` saves it elsewhere than the live artifact (a candidate to compare first).
    """
    started = time.perf_counter()
    pairs = exemplar_load() + list(extra or [])
    intents = sorted({intent for _, intent in pairs})
    labels = np.array([intents.index(intent) for _, intent in pairs])
    encoder = encoder_get()
    vectors = exemplars_embedded(encoder, [text for text, _ in pairs])
    off_topic = intents.index(OFF_TOPIC)
    held_out, classifier = _fit(vectors, labels, off_topic)
    thresholds = _learn_thresholds(held_out, labels, off_topic, intents)
    wording, wording_doubt = RefundWording.train(pairs) or (None, 1.0)
    if wording is not None:
        thresholds["refund_wording_doubt"] = round(wording_doubt, 4)
    model = RouterModel(
        intents=intents,
        weights=classifier.coef_.astype(np.float32),
        bias=classifier.intercept_.astype(np.float32),
        exemplar_vectors=vectors,
        exemplar_intents=labels,
        thresholds=thresholds,
        refund_wording=wording,
        meta={
            "format": ARTIFACT_FORMAT,
            "encoder": encoder.variant,
            "exemplars": len(pairs),
            "extra_labels": len(extra or []),
            "trained_at": timezone.now().isoformat(),
            "exemplars_fingerprint": exemplars_fingerprint(),
            "train_seconds": round(time.perf_counter() - started, 2),
        },
    )
    model.shop_vocabulary = shop_vocabulary()
    model.save(folder)
    return model


def router_artifact_current() -> bool:
    """Whether a saved router exists, in today's format, trained on today's exemplars with today's encoder."""
    config_file = artifact_dir() / "router.json"
    if not config_file.exists():
        return False
    meta = json.loads(config_file.read_text()).get("meta", {})
    return (meta.get("format") == ARTIFACT_FORMAT and meta.get("exemplars_fingerprint") == exemplars_fingerprint()
            and meta.get("encoder") == encoder_get().variant)
