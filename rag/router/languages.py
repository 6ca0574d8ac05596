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

# A message in a language the shop does not serve ("Hej, var är mitt paket?") is told as such when py3langid, over all
# its languages, is this sure of another one, in a message of this many words or more. Measured on the project's 8,569
# held-out messages in the shop's eight languages (tests/data/): one such (Latin, "lorem ipsum dolor sit amet").
UNSUPPORTED_CERTAINTY = 0.95
UNSUPPORTED_MIN_WORDS = 4

_identifiers: dict[tuple[str, ...], object] = {}
_lock = threading.Lock()


def _model(languages: tuple[str, ...] = LANGUAGES):  # type: ignore[no-untyped-def]
    """py3langid's model restricted to `languages` (empty: all it knows), loaded once."""
    with _lock:
        if languages not in _identifiers:
            from py3langid.langid import _load_identifier

            _identifiers[languages] = _load_identifier(norm_probs=True, langs=list(languages) or None)
        return _identifiers[languages]


def language_unsupported(text: str) -> str | None:
    """The code of the language `text` is written in when it is none of the shop's and that is near certain."""
    if len(text.split()) < UNSUPPORTED_MIN_WORDS:
        return None
    language, probability = _model(()).classify(text)
    return str(language) if language not in LANGUAGES and probability >= UNSUPPORTED_CERTAINTY else None


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
