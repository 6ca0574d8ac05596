"""Which section of an intent's help pages answers the message: a learned ranker beside the similarity ranking.

The router says which pages answer a message ("check_refund_policy": the refund policy, then returns and exchanges);
`knowledge_answer` (support/services/answers.py) picks the section by similarity, a share of rare words and small
boosts. Similarity reads a question's shape as much as its subject, so about a third of the help answers showed
another section of the right page (tests/data/help_sections/, session 23). This ranker reads the message and each
section together, with the answer check's features (rag/answerability.py: cosines, shared rare words, element-wise
products in the multilingual encoder's space), and is trained on the answer check's pairs whose right section is
known (`answers`, and `other_section` with the section that does answer it) against every other section of the
pages in play. Its logit is added to the ranking with a small weight: alone it chooses no better than the similarity,
together they choose better than either (session 34, README).
"""
from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from django.conf import settings

from rag.answerability import check_index, section_row, sections_features, training_fingerprint, training_rows
from rag.kept import npz_replace

log = logging.getLogger(__name__)

# Chosen in session 34 on the English and Dutch questions of tests/data/help_sections/ (48 -> 51 of 63 local help
# answers with the right section), confirmed on German, French and Spanish (66 -> 72 of 100).
REGULARISATION = 0.003
SECTION_CHOICE_WEIGHT = 0.05
FORMAT = 1


@dataclass(frozen=True)
class SectionChoice:
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float

    def logits(self, features: np.ndarray) -> np.ndarray:
        """How strongly each row of `features` (one pair per row) says the section answers the message."""
        return ((features - self.mean) / self.scale) @ self.weights + self.bias


def section_scores(*, meaning: np.ndarray | None, text: str, language: str, urls: list[str]) -> np.ndarray:
    """What the ranker adds to each section's ranking score: the weighted logit (0 where it cannot say)."""
    added = np.zeros(len(urls), dtype=np.float32)
    if meaning is None or not urls:
        return added
    rows = [check_index(language).row_of(url) for url in urls]
    known = [row is not None for row in rows]
    if any(known):
        features = sections_features(meaning=meaning, text=text, language=language,
                                     rows=[row for row in rows if row is not None])
        added[np.array(known)] = SECTION_CHOICE_WEIGHT * section_choice_get().logits(features)
    return added


@cache
def section_choice_fingerprint() -> str:
    return training_fingerprint(f"{FORMAT} {REGULARISATION}")


def ranking_pairs(rows: list[dict[str, str]], meanings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(features, labels): each question with a known right section, paired with every section of that section's
    page and of the page it was written against (1 for the right one)."""
    features, labels = [], []
    for row, meaning in zip(rows, meanings):
        if row["label"] == "answers":
            slug, heading = row["slug"], row["heading"]
        elif row["label"] == "other_section" and row.get("other_slug"):
            slug, heading = row["other_slug"], row["other_heading"]
        else:
            continue
        right = section_row(slug, heading, row["lang"])
        if right is None:
            continue
        pages = {check_index(row["lang"]).passages[right].slug, row["slug"]}
        candidates = check_index(row["lang"]).passages_of(tuple(sorted(pages))).tolist()
        features.append(sections_features(meaning=meaning, text=row["text"], language=row["lang"], rows=candidates))
        labels.extend(int(candidate == right) for candidate in candidates)
    return np.concatenate(features), np.array(labels)


def section_choice_train() -> SectionChoice:
    from sklearn.linear_model import LogisticRegression

    from rag.encoder import encoder_get
    from rag.router.multilingual_model import ENCODER
    from rag.router.serving import routing_text

    rows, read = training_rows(), routing_text()
    features, labels = ranking_pairs(rows, encoder_get(ENCODER).encode([read(row["text"]) for row in rows]))
    mean, scale = features.mean(axis=0), features.std(axis=0) + 1e-6
    fitted = LogisticRegression(C=REGULARISATION, max_iter=5000, class_weight="balanced").fit(
        (features - mean) / scale, labels)
    log.info("section choice: %d pairs, %d right sections", len(labels), int(labels.sum()))
    return SectionChoice(mean=mean, scale=scale, weights=fitted.coef_[0].astype(np.float32),
                         bias=float(fitted.intercept_[0]))


def _path() -> Path:
    return settings.DATA_DIR / "answer_check" / f"sections-{section_choice_fingerprint()}.npz"


def section_choice_build() -> Path:
    """The ranker for the current training data, trained once and kept (a few seconds on a fresh clone)."""
    path = _path()
    if not path.exists():
        choice = section_choice_train()
        npz_replace(path, mean=choice.mean, scale=choice.scale, weights=choice.weights,
                    meta=np.array(json.dumps({"bias": choice.bias})))
    return path


_lock = threading.Lock()
_loaded: SectionChoice | None = None


def section_choice_get() -> SectionChoice:
    """The ranker for the current training data (built when missing: the server's start builds it first)."""
    global _loaded
    with _lock:
        if _loaded is None:
            data = np.load(section_choice_build())
            _loaded = SectionChoice(mean=data["mean"], scale=data["scale"], weights=data["weights"],
                                    bias=json.loads(str(data["meta"]))["bias"])
        return _loaded
