"""Which language a customer writes in, among the eight the shop serves.

py3langid (a naive-Bayes model over byte n-grams, in its package) restricted to the
shop's languages: about 0.02 ms a message. Short or mixed messages ("refund pls", "ok",
an order number) carry too little to tell, so a language other than English is taken
only when the model is sure of it (LANGUAGE_CERTAINTY); otherwise the message is read as English.

The language a reply is written in when the router was unsure (support/services/language.py `text_language`) is told
by `language_told`, which adds what the exemplars teach of how customers write each language
(rag/router/language_words.py): "hola donde esta mi pedido 10003" is Spanish to it (py3langid alone: 0.50). The router
and the device keep py3langid's reading: the device student learns the router's languages, and with the better ones it
answered fewer short English questions (session 31, README).
"""
from __future__ import annotations

import threading

import numpy as np

LANGUAGES = ("en", "nl", "de", "fr", "es", "it", "pl", "pt")
ENGLISH = "en"
LANGUAGE_CERTAINTY = 0.9
# In a decision's scores: the likeliest language's probability (below LANGUAGE_CERTAINTY: the language is not told).
LANGUAGE_PROBABILITY = "language_probability"

_identifier = None
_lock = threading.Lock()


def _model():  # type: ignore[no-untyped-def]
    global _identifier
    with _lock:
        if _identifier is None:
            from py3langid.langid import _load_identifier

            _identifier = _load_identifier(norm_probs=True, langs=list(LANGUAGES))
        return _identifier


def language_guess(text: str) -> tuple[str, float]:
    """(the likeliest language, its probability), however unsure."""
    language, probability = _model().classify(text)
    return str(language), float(probability)


def language_told(text: str) -> tuple[str, float]:
    """(language code, probability) as `language_detect` gives it, with py3langid's probabilities times the
    exemplars' likelihoods (rag/router/language_words.py), normalised: English unless another is near certain."""
    from rag.router.language_words import language_words_get

    words = language_words_get()
    ranked = dict(_model().rank(text))
    scores = np.log(np.maximum([ranked.get(language, 0.0) for language in words.languages], 1e-12))
    scores += words.log_likelihoods(text)
    probabilities = np.exp(scores - scores.max())
    probabilities /= probabilities.sum()
    best = int(probabilities.argmax())
    return language_settled(words.languages[best], float(probabilities[best])), float(probabilities[best])


def language_settled(guess: str, probability: float) -> str:
    """The language a message is answered in: the guess, unless it is another than English and unsure."""
    return guess if guess == ENGLISH or probability >= LANGUAGE_CERTAINTY else ENGLISH


def language_detect(text: str) -> tuple[str, float]:
    """(language code, probability); English unless another language is near certain."""
    language, probability = language_guess(text)
    return language_settled(language, probability), probability
