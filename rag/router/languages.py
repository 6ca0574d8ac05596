"""Which language a customer writes in, among the eight the shop serves.

py3langid (a naive-Bayes model over byte n-grams, in its package) restricted to the
shop's languages: about 0.02 ms a message. Short or mixed messages ("refund pls", "ok",
an order number) carry too little to tell, so a language other than English is taken
only when the model is sure of it (LANGUAGE_CERTAINTY); otherwise the message is read as English.
"""
from __future__ import annotations

import threading

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


def language_settled(guess: str, probability: float) -> str:
    """The language a message is answered in: the guess, unless it is another than English and unsure."""
    return guess if guess == ENGLISH or probability >= LANGUAGE_CERTAINTY else ENGLISH


def language_detect(text: str) -> tuple[str, float]:
    """(language code, probability); English unless another language is near certain."""
    language, probability = language_guess(text)
    return language_settled(language, probability), probability
