"""How many of an item the customer means: "one of the two mugs", "1 of the mugs", "eine der beiden", "only one".

The words are data, one entry per language the assistant answers in; a message is read with all of them, since a
customer's language is not always known yet and the words do not collide ("dos" is two in Spanish and "of the" in
Portuguese: it is a count only where a count fits, before an "of" or the item's own word).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["QUANTITY_WORDS", "quantity_said"]


@dataclass(frozen=True)
class QuantityWords:
    numbers: dict[str, int]  # number words; those that are also the article ("een", "eine", "un") are in `articles`
    of: frozenset[str]  # what follows the count in "one of ...": "of", "van", "der", "des", "de", "delle", "z"
    only: frozenset[str]  # "only one", "nur eine"
    articles: frozenset[str] = frozenset()  # "a"/"an" as well as "one": a count before "of" or after "only" alone


QUANTITY_WORDS: dict[str, QuantityWords] = {
    "en": QuantityWords(
        numbers={"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                 "ten": 10},
        of=frozenset({"of"}), only=frozenset({"only", "just"})),
    "nl": QuantityWords(
        numbers={"een": 1, "één": 1, "eén": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6, "zeven": 7,
                 "acht": 8, "negen": 9, "tien": 10},
        of=frozenset({"van", "der"}), only=frozenset({"maar", "slechts", "alleen", "enkel"}),
        articles=frozenset({"een"})),
    "de": QuantityWords(
        numbers={"ein": 1, "eine": 1, "einer": 1, "eins": 1, "einen": 1, "eines": 1, "zwei": 2, "drei": 3, "vier": 4,
                 "fünf": 5, "sechs": 6, "sieben": 7, "acht": 8, "neun": 9, "zehn": 10},
        of=frozenset({"von", "der", "aus", "davon"}), only=frozenset({"nur", "bloß", "lediglich"}),
        articles=frozenset({"ein", "eine", "einer", "einen", "eines"})),
    "fr": QuantityWords(
        numbers={"un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7, "huit": 8,
                 "neuf": 9, "dix": 10},
        of=frozenset({"des", "de", "d", "sur"}), only=frozenset({"seulement", "juste", "qu"}),
        articles=frozenset({"un", "une"})),
    "es": QuantityWords(
        numbers={"un": 1, "uno": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7,
                 "ocho": 8, "nueve": 9, "diez": 10},
        of=frozenset({"de"}), only=frozenset({"solo", "sólo", "solamente", "únicamente"}),
        articles=frozenset({"un", "uno", "una"})),
    "it": QuantityWords(
        # (no "sei": six, but also Portuguese "I know", and "não sei de quem" is no count)
        numbers={"un": 1, "uno": 1, "una": 1, "due": 2, "tre": 3, "quattro": 4, "cinque": 5, "sette": 7, "otto": 8,
                 "nove": 9, "dieci": 10},
        of=frozenset({"di", "dei", "degli", "delle", "tra", "fra"}), only=frozenset({"solo", "soltanto", "solamente"}),
        articles=frozenset({"un", "uno", "una"})),
    "pl": QuantityWords(
        numbers={"jeden": 1, "jedna": 1, "jedno": 1, "jednego": 1, "jedną": 1, "dwa": 2, "dwie": 2, "trzy": 3,
                 "cztery": 4, "pięć": 5, "sześć": 6, "siedem": 7, "osiem": 8, "dziewięć": 9, "dziesięć": 10},
        of=frozenset({"z", "ze"}), only=frozenset({"tylko", "jedynie"})),
    "pt": QuantityWords(
        numbers={"um": 1, "uma": 1, "dois": 2, "duas": 2, "três": 3, "quatro": 4, "cinco": 5, "seis": 6, "sete": 7,
                 "oito": 8, "nove": 9, "dez": 10},
        of=frozenset({"dos", "das", "de"}), only=frozenset({"só", "apenas", "somente"}),
        articles=frozenset({"um", "uma"})),
}

_NUMBERS = {word: n for words in QUANTITY_WORDS.values() for word, n in words.numbers.items()}
_OF = frozenset().union(*(words.of for words in QUANTITY_WORDS.values()))
_ONLY = frozenset().union(*(words.only for words in QUANTITY_WORDS.values()))
_ARTICLES = frozenset().union(*(words.articles for words in QUANTITY_WORDS.values()))
MOST = 99  # a larger number is an order number, a price or a postcode, not a count of one item


def _count(word: str, *, articles: bool) -> int | None:
    if word.isdigit():
        return int(word) if 1 <= int(word) <= MOST else None
    if word in _ARTICLES and not articles:
        return None
    return _NUMBERS.get(word)


def quantity_said(text: str, *, names: Callable[[str], bool] | None = None, alone: bool = True) -> int | None:
    """How many the customer says they mean, or None when they don't say.

    Read where a count is meant: before an "of" ("one of the two", "1 of the mugs", "eine der beiden", "un des deux",
    "jeden z dwóch"), after an "only" ("only one", "nur eine"), or before a word that `names` the item ("one mug",
    "2 Tassen": not "2 days"). An article is a count only before an "of" or after an "only" ("eine Tasse" is any mug,
    "eine der Tassen" one of them). A digit joined to others ("12.50", "2x") is no count.
    `alone`: the item is the only one the customer names, so "one of the two" is about it; with several named, only a
    count before an item's own word says which.
    """
    # Words with the signs a number may be written with, so "12.50", "2x" and "1/2" stay one word and are no count.
    words = re.findall(r"[^\W_]+(?:[.,/][^\W_]+)*", text.lower())
    # A part of what was bought ("one of the two", "only one") says more than the count bought ("I ordered two lamps
    # and one of the two arrived broken": one, not two; session 28's walkthrough), so it is looked for first.
    named = None
    for at, word in enumerate(words):
        after = words[at + 1] if at + 1 < len(words) else ""
        before = words[at - 1] if at else ""
        of = alone and after in _OF
        only = alone and before in _ONLY and not word.isdigit()  # "only one", but "only 2 days ago" says when
        count = _count(word, articles=of or only)
        if count is None:
            continue
        if of or only:
            return count
        if named is None and names is not None and after and names(after):
            named = count
    return named
