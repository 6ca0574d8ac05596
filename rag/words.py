"""The words a message and a help passage share, weighed by how rare each is in the help centre.

An embedding reads a question's shape as much as its subject: "Can I pay with PayPal?" lies closest to the
section headed "Can I pay with an Example Shoppe gift card?", whose text never names PayPal, and the payment
methods section that lists it came second (session 23's walkthrough, in English, French, Spanish and German).
The words themselves say which passage is about the thing asked: a word few passages use ("paypal", "klarna",
"belgique") that a passage contains is evidence for it, a word most passages use ("can", "order") is not.
Words are compared by their first letters (`STEM`), lowercased and without accents, so "Kreditkarte" meets
"Kreditkarten" and "betaling" meets "betalingen", in every language the help centre is written in (a short word
keeps its ending: "cartes" does not meet "carte").
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable

from rag.router.organisations import folded

STEM = 6  # letters a word is compared by: enough to keep words apart, few enough to meet a plural or a case
_WORD = re.compile(r"[^\W_]{3,}")


def stems(text: str) -> set[str]:
    """The words of `text` of three letters or more, `folded` as other organisations' names are (lowercase, no
    accents) and cut to STEM letters."""
    return {word[:STEM] for word in _WORD.findall(folded(text))}


class SharedWords:
    """For each passage of an index, how much of a message's rare vocabulary it contains (0 to 1)."""

    def __init__(self, passage_texts: Iterable[str]) -> None:
        self.passage_stems = [stems(text) for text in passage_texts]
        count = len(self.passage_stems)
        seen: dict[str, int] = {}
        for words in self.passage_stems:
            for word in words:
                seen[word] = seen.get(word, 0) + 1
        # A word in every passage weighs nothing; one in a single passage weighs most.
        self.weight = {word: math.log(count / n) for word, n in seen.items()}

    def scores(self, text: str, rows: Iterable[int]) -> dict[int, float]:
        """Share of the message's known words' weight found in each passage of `rows`; words no passage uses
        (a name, a typo, another language) count for none."""
        known = {word: self.weight[word] for word in stems(text) if word in self.weight}
        total = sum(known.values())
        if not total:
            return {row: 0.0 for row in rows}
        return {row: sum(w for word, w in known.items() if word in self.passage_stems[row]) / total for row in rows}
