"""Whether the help section a local answer would show answers the message: a learned check (issue #14).

The router knows what a message is about ("delivery options"), not whether the help centre says what it asks: "Liefert
ihr an eine DHL Packstation?" and "do you deliver to a PostNL pickup point or only to the door" are routine delivery
questions, and the delivery options section, which says nothing of lockers or pickup points, was sent as their answer.
The check reads the message and the section together and says how likely the section answers it; below the learned
threshold the message goes to the strong model, which is given the help passages and says what they do not cover
(or, with no model, to a person).

It is a logistic regression on the message and the section in the multilingual encoder's space (the same vectors in
every language: the two cosines, and the two element-wise products, which let it learn which parts of the meaning
must meet) and on the share of the message's rare words the section contains (rag/words.py). It is trained on
`rag/answerability/*.csv`: customer questions paired with a help section, labelled `answers`, `other_section` (another
section answers it, named) or `unanswered` (nothing in the help centre does), written by helper sessions from the help
pages alone, in the eight languages. The threshold is learned too: the probability below which only
`ESCALATED_ANSWERABLE` of the answerable questions fall, out of fold.
"""
from __future__ import annotations

import csv
import hashlib
import json
import logging
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from django.conf import settings

from rag.documents import ENGLISH, HELP_LANGUAGES
from rag.kept import npz_replace

log = logging.getLogger(__name__)

TRAINING = Path(__file__).resolve().parent / "answerability"
# The share of answering pairs the check may send to the strong model, out of fold on the training pairs: the price
# of catching the sections that do not answer. Session 24, on the bot's judged help answers (tests/data/
# help_answers_judged.csv): at 0.10 it stopped 32% of the non-answers and 5% of the answers, and 14% of the help answers
# to template questions (Bitext); at 0.05, 20% and 3%, and 9%. The cheaper one is kept (see the README's local tier).
ESCALATED_ANSWERABLE = 0.05
REGULARISATION = 0.01  # sklearn's C, chosen by held-out measurement in session 24 (0.003 to 0.1 within 5 points)
FORMAT = 2  # 2: the training messages read as the router reads them


@dataclass(frozen=True)
class AnswerCheck:
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float
    threshold: float

    def probability(self, features: np.ndarray) -> float:
        """How likely the section answers the message (0 to 1)."""
        z = float(((features - self.mean) / self.scale) @ self.weights + self.bias)
        return 1.0 / (1.0 + np.exp(-z))

    def answers(self, features: np.ndarray) -> tuple[bool, float]:
        probability = self.probability(features)
        return probability >= self.threshold, probability


def pair_features(meaning: np.ndarray, heading: np.ndarray, body: np.ndarray, shared: float) -> np.ndarray:
    """What the check reads of a (message, section) pair: cosines, shared rare words, element-wise products."""
    meaning = np.asarray(meaning, dtype=np.float32).reshape(-1)
    return np.concatenate([[meaning @ heading, meaning @ body, shared], meaning * heading, meaning * body])


def check_index(language: str):  # type: ignore[no-untyped-def]
    """The help index in the multilingual encoder's space a message in `language` is read against: its own
    language's pages, else the English ones (English, and any language the help centre is not written in)."""
    from rag.index import ENGLISH_READ_MULTILINGUAL, index_get

    return index_get(language if language in HELP_LANGUAGES else ENGLISH_READ_MULTILINGUAL)


def sections_features(*, meaning: np.ndarray, text: str, language: str, rows: list[int]) -> np.ndarray:
    """The pairs' features of the message with each section at `rows` of `check_index(language)`, one row each."""
    index = check_index(language)
    shared = index.shared_words.scores(text, rows)
    return np.array([pair_features(meaning, *index.passage_vectors(row), shared[row]) for row in rows],
                    dtype=np.float32)


def section_features(*, meaning: np.ndarray, text: str, language: str, row: int) -> np.ndarray:
    """The pair's features for the section at `row` of `check_index(language)`."""
    return sections_features(meaning=meaning, text=text, language=language, rows=[row])[0]


def shown_section_features(*, meaning: np.ndarray, text: str, language: str, url: str) -> np.ndarray | None:
    """The features for the section a local answer shows (`url`), None when the check's index lacks it (a staff
    article written since the indexes were built, say)."""
    row = check_index(language).row_of(url)
    return None if row is None else section_features(meaning=meaning, text=text, language=language, row=row)


def section_row(slug: str, heading: str, language: str) -> int | None:
    """The row in `check_index(language)` of the English page `slug`'s section `heading`: the same section of the
    language's own page where the help centre is written in it (found by its place in the page)."""
    from django.utils.text import slugify

    from rag.device.passages import passage_id_in

    found = passage_id_in(f"{slug}#{slugify(heading)}", source=ENGLISH, target=language)
    return None if found is None else check_index(language).row_of("/help/" + found.replace("#", "/#", 1))


def training_rows() -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for path in sorted(TRAINING.glob("*.csv")):
        with path.open(encoding="utf-8") as handle:
            rows.extend(csv.DictReader(handle))
    return rows


def training_fingerprint(model_settings: str) -> str:
    """The version of a model trained on the pairs (this check, rag/section_choice.py): the pairs, the encoder and the
    way messages are read, the help languages (a language's pairs are read against its own pages, or the English
    ones: check_index) and the model's own `model_settings`. Not the help indexes': the features are read from the
    live index at each answer, so a staff article edited does not make a message wait while a model retrains."""
    from rag.encoder import MULTILINGUAL_VARIANT

    digest = hashlib.sha256()
    for path in sorted(TRAINING.glob("*.csv")):
        digest.update(path.name.encode() + path.read_bytes())
    digest.update(f"{MULTILINGUAL_VARIANT} {model_settings} {HELP_LANGUAGES}".encode())
    digest.update(str(getattr(settings, "RAG_ROUTING_TEXT", "")).encode())
    return digest.hexdigest()[:16]


@cache
def answer_check_fingerprint() -> str:
    """The check's version: its training pairs and settings."""
    return training_fingerprint(f"{FORMAT} {ESCALATED_ANSWERABLE} {REGULARISATION}")


def training_pairs(rows: list[dict[str, str]],
                   embed) -> tuple[np.ndarray, np.ndarray, list[str]]:  # type: ignore[no-untyped-def]
    """(features, labels, page of each pair): each question with its own section (1 when it answers it), and an
    `other_section` question with the section that does answer it (1)."""
    meanings = embed([row["text"] for row in rows])
    features, labels, groups = [], [], []
    for row, meaning in zip(rows, meanings):
        pairs = [(row["slug"], row["heading"], int(row["label"] == "answers"))]
        if row["label"] == "other_section" and row.get("other_slug"):
            pairs.append((row["other_slug"], row["other_heading"], 1))
        for slug, heading, label in pairs:
            index_row = section_row(slug, heading, row["lang"])
            if index_row is None:
                log.warning("answerability: no section %s / %s", slug, heading)
                continue
            features.append(section_features(meaning=meaning, text=row["text"], language=row["lang"], row=index_row))
            labels.append(label)
            groups.append(slug)
    return np.array(features, dtype=np.float32), np.array(labels), groups


def answer_check_train(rows: list[dict[str, str]] | None = None) -> AnswerCheck:
    """Fit the check on the training pairs; its threshold from out-of-fold probabilities (folds by page)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold, cross_val_predict

    from rag.encoder import encoder_get
    from rag.router.multilingual_model import ENCODER
    from rag.router.serving import routing_text

    encoder, read = encoder_get(ENCODER), routing_text()  # the messages as the router reads them (no personal data)
    features, labels, groups = training_pairs(rows or training_rows(),
                                              lambda texts: encoder.encode([read(text) for text in texts]))
    mean, scale = features.mean(axis=0), features.std(axis=0) + 1e-6
    standard = (features - mean) / scale

    def model() -> LogisticRegression:
        return LogisticRegression(C=REGULARISATION, max_iter=5000, class_weight="balanced")

    out_of_fold = cross_val_predict(model(), standard, labels, groups=groups, cv=GroupKFold(n_splits=5),
                                    method="predict_proba")[:, 1]
    threshold = float(np.quantile(out_of_fold[labels == 1], ESCALATED_ANSWERABLE))
    fitted = model().fit(standard, labels)
    caught = float((out_of_fold[labels == 0] < threshold).mean())
    log.info("answer check: %d pairs, threshold %.3f; out of fold %.0f%% of the non-answering pairs caught",
             len(labels), threshold, 100 * caught)
    return AnswerCheck(mean=mean, scale=scale, weights=fitted.coef_[0].astype(np.float32),
                       bias=float(fitted.intercept_[0]), threshold=threshold)


def _folder() -> Path:
    return settings.DATA_DIR / "answer_check"


def answer_check_build() -> Path:
    """The check for the current training data, trained once and kept (about 10 s on a fresh clone)."""
    path = _folder() / f"check-{answer_check_fingerprint()}.npz"
    if not path.exists():
        check = answer_check_train()
        npz_replace(path, mean=check.mean, scale=check.scale, weights=check.weights,
                    meta=np.array(json.dumps({"bias": check.bias, "threshold": check.threshold})))
    return path


_lock = threading.Lock()
_loaded: AnswerCheck | None = None


def answer_check_get() -> AnswerCheck:
    """The check for the current training data (built when missing: the server's start builds it first)."""
    global _loaded
    with _lock:
        if _loaded is None:
            data = np.load(answer_check_build())
            meta = json.loads(str(data["meta"]))
            _loaded = AnswerCheck(mean=data["mean"], scale=data["scale"], weights=data["weights"], bias=meta["bias"],
                                  threshold=meta["threshold"])
        return _loaded
