"""How the shop's customers write each of its languages: character n-grams learned from the exemplars.

py3langid, trained on Wikipedia-like text, is unsure of short chat messages: "hola donde esta mi pedido 10003" (es 0.50),
"accettate paypal?" (it 0.67), "Quero cancelar a encomenda 10065" (pt 0.52) fell below the certainty bar and were
answered in English. The exemplars hold thousands of messages per language as customers write them to this shop
(order words, carriers, payment methods, typos, missing accents), so a naive Bayes model of their character n-grams
knows these words. rag/router/languages.py `language_told` adds its log-likelihoods, softened by TEMPERATURE, to
py3langid's, for the language a reply is written in when the router was unsure (support/services/language.py).

TEMPERATURE was chosen by five-fold cross-validation on the exemplars (session 31), counting a message answered in
another wrong language three times as bad as one answered in English: 5 (cost 283, against 325 at 3 and 394 at 1).
Measured on the own held-out sets' labelled languages (6,132 messages no exemplar comes from,
tests/rag/test_languages.py): the language told right 96.3% -> 99.6%, of messages under 40 characters 83.8% -> 98.1%.
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings

from rag.kept import npz_replace

NGRAMS = {"analyzer": "char_wb", "ngram_range": (1, 4), "lowercase": True, "min_df": 2}
SMOOTHING = 0.1  # naive Bayes' additive smoothing (sklearn's alpha)
TEMPERATURE = 5.0


@dataclass(frozen=True)
class LanguageWords:
    languages: tuple[str, ...]
    vocabulary: dict[str, int]
    log_probabilities: np.ndarray  # (languages, n-grams): log P(n-gram | language)

    def log_likelihoods(self, text: str) -> np.ndarray:
        """Each language's log-likelihood of the text's known n-grams, divided by TEMPERATURE (zeros when it has none)."""
        columns = [column for gram in word_grams(text) if (column := self.vocabulary.get(gram)) is not None]
        if not columns:
            return np.zeros(len(self.languages))
        return self.log_probabilities[:, columns].sum(axis=1) / TEMPERATURE


def word_grams(text: str) -> list[str]:
    """The text's character n-grams within words, as NGRAMS's CountVectorizer reads them (tests/rag/test_languages.py
    checks they are the same), without importing scikit-learn into a process that only serves: its import alone cost
    the first message a second."""
    low, high = NGRAMS["ngram_range"]
    grams: list[str] = []
    for word in text.lower().split():
        padded = f" {word} "
        for size in range(low, high + 1):
            grams += [padded[start:start + size] for start in range(max(1, len(padded) - size + 1))]
            if len(padded) <= size:  # a short word is counted once
                break
    return grams


def language_words_train(pairs: list[tuple[str, str]]) -> LanguageWords:
    """The model of (text, language) pairs: no prior, so English's many exemplars do not outvote a short message."""
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.naive_bayes import MultinomialNB

    vectorizer = CountVectorizer(**NGRAMS)
    counts = vectorizer.fit_transform([text for text, _ in pairs])
    fitted = MultinomialNB(alpha=SMOOTHING, fit_prior=False).fit(counts, [language for _, language in pairs])
    return LanguageWords(languages=tuple(str(c) for c in fitted.classes_),
                         vocabulary={gram: int(column) for gram, column in vectorizer.vocabulary_.items()},
                         log_probabilities=fitted.feature_log_prob_.astype(np.float32))


def exemplar_languages(folder: Path | None = None) -> list[tuple[str, str]]:
    """(text, language) of every exemplar: the English files at the top, and `chat/<language>/`."""
    from rag.router.exemplars import exemplar_files, exemplar_lines

    pairs: list[tuple[str, str]] = []
    for path in exemplar_files(folder, chat=True):
        language = path.parent.name if path.parent.parent.name == "chat" else "en"
        pairs += [(line, language) for line in exemplar_lines(path)]
    return pairs


def _path() -> Path:
    from rag.router.exemplars import exemplars_fingerprint

    return settings.DATA_DIR / "languages" / f"words-{exemplars_fingerprint(chat=True)}-t{TEMPERATURE:g}.npz"


def language_words_build() -> Path:
    """The model of the current exemplars, trained once and kept (about 3 s)."""
    path = _path()
    if not path.exists():
        words = language_words_train(exemplar_languages())
        npz_replace(path, log_probabilities=words.log_probabilities,
                    meta=np.array(json.dumps({"languages": words.languages, "vocabulary": words.vocabulary})))
    return path


_lock = threading.Lock()
_loaded: LanguageWords | None = None


def language_words_get() -> LanguageWords:
    """The model of the current exemplars (built when missing)."""
    global _loaded
    with _lock:
        if _loaded is None:
            data = np.load(language_words_build())
            meta = json.loads(str(data["meta"]))
            _loaded = LanguageWords(languages=tuple(meta["languages"]), vocabulary=meta["vocabulary"],
                                    log_probabilities=data["log_probabilities"])
        return _loaded
